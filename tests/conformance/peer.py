# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""One raw WebSocket connection as the suite sees it: bytes out exactly as
a case writes them, frames in checked against RFC 6455 before the case
looks at them, and every wait bounded by a deadline."""

import base64
import os
import socket
import struct
import threading
import time

import wsframe as wf


class CaseFailure(AssertionError):
    """The endpoint under test did something the case does not allow."""


def fail(msg):
    raise CaseFailure(msg)


def short(data, limit=48):
    data = bytes(data)
    return repr(data[:limit]) + ("... (%d bytes)" % len(data) if len(data) > limit else "")


# Close codes an endpoint may put on the wire (RFC 6455 7.4.1, 7.4.2 and the
# IANA registry): 1004-1006 and 1015 are reserved, 1016-2999 unassigned.
def sendable_close_code(code):
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


class Event:
    """A complete data message, a control frame, or the end of the stream."""
    __slots__ = ("kind", "payload", "frames", "compressed")

    def __init__(self, kind, payload=b"", frames=None, compressed=False):
        self.kind = kind  # "text", "binary", "ping", "pong", "close", "eof"
        self.payload = payload  # a compressed message's payload is the inflated one
        self.frames = frames or []
        self.compressed = compressed  # RSV1 on its first frame (permessage-deflate)

    def close_code(self):
        return struct.unpack("!H", self.payload[:2])[0] if len(self.payload) >= 2 else None

    def describe(self):
        if self.kind == "close":
            code = self.close_code()
            if code is None:
                return "close without a code"
            return "close %d %r" % (code, bytes(self.payload[2:]))
        if self.kind == "eof":
            return "end of stream (TCP closed)"
        return "%s %s" % (self.kind, short(self.payload))


class Conn:
    """role "client": this side masks what it sends and expects unmasked
    frames; role "server": the other way round (RFC 6455 5.1, 5.3).

    deflate: None, or once permessage-deflate is agreed an object with
    inflate(payload) -> message (deflate_peer.Codec): RSV1 is then accepted
    on the first frame of a data message, and such a message is inflated
    before the case sees it (RFC 7692 6.1, 6.2)."""

    def __init__(self, sock, role, leftover=b""):
        self.sock = sock
        self.role = role
        self.buf = bytearray(leftover)
        self.frag_op = None
        self.frag_parts = []
        self.frag_frames = []
        self.frag_compressed = False
        self.close_received = False
        self.deflate = None
        self._sender = None
        self._send_error = None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    # ---- sending ------------------------------------------------------------

    def frame(self, opcode, payload=b"", fin=True, rsv=0, masked=None, **kw):
        if masked is None:
            masked = self.role == "client"
        return wf.encode(opcode, payload, fin=fin, rsv=rsv, masked=masked, **kw)

    def send(self, data, chunks=None, pause=0.0, rng=None, max_chunk=64):
        """Writes data. chunks: None (one write), an int (pieces of that
        size), or "random" (random sizes 1..max_chunk from rng). pause:
        seconds to sleep between pieces, so that the reads at the other end
        see the split (TCP may otherwise merge the pieces)."""
        data = bytes(data)
        if chunks is None:
            self.sock.sendall(data)
            return
        pos = 0
        n = len(data)
        while pos < n:
            size = chunks if isinstance(chunks, int) else rng.randint(1, max_chunk)
            self.sock.sendall(data[pos:pos + size])
            pos += size
            if pause and pos < n:
                time.sleep(pause)

    def send_frame(self, opcode, payload=b"", chunks=None, pause=0.0, rng=None, max_chunk=64, **kw):
        self.send(self.frame(opcode, payload, **kw), chunks=chunks, pause=pause, rng=rng, max_chunk=max_chunk)

    def send_background(self, data, chunks=None, rng=None, max_chunk=64):
        """Writes on a thread, so that a large write and the read of the
        peer's answer (an echo, or a close sent early) cannot deadlock.
        A write the peer cut short (it closed first) is not an error here:
        the case judges what it received."""
        def run():
            try:
                self.send(data, chunks=chunks, rng=rng, max_chunk=max_chunk)
            except OSError as e:
                self._send_error = e
        self._sender = threading.Thread(target=run, daemon=True)
        self._sender.start()

    def join_sender(self, timeout):
        if self._sender is not None:
            self._sender.join(timeout)
            if self._sender.is_alive():
                fail("writing to the peer did not finish within %.0f s (it stopped reading)" % timeout)
            self._sender = None

    # ---- receiving ----------------------------------------------------------

    def _recv_some(self, deadline, what):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            fail("timed out waiting for %s" % what)
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            fail("timed out waiting for %s" % what)
        except ConnectionResetError:
            fail("connection reset by the peer while waiting for %s" % what)
        return data

    def _read_exact(self, n, deadline, what):
        if len(self.buf) >= n:
            out = bytes(self.buf[:n])
            del self.buf[:n]
            return out
        out = bytearray(n)
        have = len(self.buf)
        out[:have] = self.buf
        self.buf.clear()
        view = memoryview(out)
        while have < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                fail("timed out waiting for %s (%d of %d bytes)" % (what, have, n))
            self.sock.settimeout(remaining)
            try:
                got = self.sock.recv_into(view[have:], min(n - have, 1 << 22))
            except socket.timeout:
                fail("timed out waiting for %s (%d of %d bytes)" % (what, have, n))
            except ConnectionResetError:
                fail("connection reset by the peer in the middle of %s" % what)
            if got == 0:
                fail("connection closed in the middle of %s (%d of %d bytes)" % (what, have, n))
            have += got
        return bytes(out)

    def recv_frame(self, timeout, what="a frame"):
        """The next frame, checked against RFC 6455; None at a clean end of
        stream (TCP closed between frames)."""
        deadline = time.monotonic() + timeout
        while len(self.buf) < 2:
            data = self._recv_some(deadline, what)
            if not data:
                if self.buf:
                    fail("connection closed in the middle of a frame header")
                return None
            self.buf += data
        fin, rsv, opcode, masked, n7, extra = wf.parse_header(self.buf[:2])
        del self.buf[:2]
        rest = self._read_exact(extra, deadline, what) if extra else b""
        try:
            n, key = wf.finish_header(n7, masked, rest)
        except wf.FrameError as e:
            fail("peer wrote a bad frame header: %s" % e)
        payload = self._read_exact(n, deadline, what) if n else b""
        if masked:
            payload = wf.mask(key, payload)
        f = wf.Frame(fin, rsv, opcode, masked, key, payload, 2 + extra)
        self._check_frame(f)
        return f

    def _check_frame(self, f):
        if self.role == "client" and f.masked:
            fail("server sent a masked frame (RFC 6455 5.1: a server MUST NOT mask): %r" % f)
        if self.role == "server" and not f.masked:
            fail("client sent an unmasked frame (RFC 6455 5.1: a client MUST mask): %r" % f)
        if f.rsv:
            if self.deflate is None:
                fail("peer set reserved bits with no extension negotiated (RFC 6455 5.2): %r" % f)
            if f.rsv != wf.RSV1:
                fail("peer set RSV2/RSV3, which permessage-deflate does not define (RFC 6455 5.2): %r" % f)
            if wf.is_control(f.opcode):
                fail("peer set RSV1 on a control frame (RFC 7692 6.1: control frames are not compressed): %r" % f)
            if f.opcode == wf.OP_CONT:
                fail("peer set RSV1 on a continuation frame (RFC 7692 6.1: only on the first frame): %r" % f)
        if f.opcode not in wf.KNOWN_OPCODES:
            fail("peer sent reserved opcode %d (RFC 6455 5.2)" % f.opcode)
        if wf.is_control(f.opcode):
            if not f.fin:
                fail("peer fragmented a control frame (RFC 6455 5.5): %r" % f)
            if len(f.payload) > 125:
                fail("peer sent a control frame of %d bytes (RFC 6455 5.5: at most 125)" % len(f.payload))
        if f.opcode == wf.OP_CLOSE:
            p = f.payload
            if len(p) == 1:
                fail("peer sent a close frame with a 1-byte payload (RFC 6455 5.5.1)")
            if len(p) >= 2:
                code = struct.unpack("!H", p[:2])[0]
                if not sendable_close_code(code):
                    fail("peer sent close code %d, which may not be sent (RFC 6455 7.4)" % code)
                try:
                    bytes(p[2:]).decode("utf-8")
                except UnicodeDecodeError:
                    fail("peer's close reason is not UTF-8 (RFC 6455 5.5.1): %r" % bytes(p[2:]))
            if self.close_received:
                fail("peer sent a second close frame")
        elif self.close_received:
            fail("peer sent a frame after its close frame (RFC 6455 5.5.1): %r" % f)

    def recv_event(self, timeout, what="a message"):
        """The next complete data message or control frame; data messages
        are reassembled from their fragments (control frames in between are
        returned as they come)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = max(0.0, deadline - time.monotonic())
            f = self.recv_frame(remaining, what)
            if f is None:
                if self.frag_op is not None:
                    fail("connection closed in the middle of a fragmented message")
                return Event("eof")
            op = f.opcode
            if op == wf.OP_CLOSE:
                self.close_received = True
                return Event("close", f.payload, [f])
            if op == wf.OP_PING:
                return Event("ping", f.payload, [f])
            if op == wf.OP_PONG:
                return Event("pong", f.payload, [f])
            if op == wf.OP_CONT:
                if self.frag_op is None:
                    fail("peer sent a continuation frame with no message to continue (RFC 6455 5.4)")
            else:
                if self.frag_op is not None:
                    fail("peer started a new %s message inside a fragmented one (RFC 6455 5.4)" % wf.opcode_name(op))
                self.frag_op = op
                self.frag_compressed = bool(f.rsv & wf.RSV1)
            self.frag_parts.append(f.payload)
            self.frag_frames.append(f)
            if f.fin:
                kind = "text" if self.frag_op == wf.OP_TEXT else "binary"
                payload = b"".join(self.frag_parts)
                frames = self.frag_frames
                compressed = self.frag_compressed
                self.frag_op, self.frag_parts, self.frag_frames = None, [], []
                self.frag_compressed = False
                if compressed:
                    payload = self.deflate.inflate(payload)
                if kind == "text":
                    try:
                        payload.decode("utf-8")
                    except UnicodeDecodeError as e:
                        fail("peer sent a text message that is not UTF-8 (RFC 6455 8.1): %s" % e)
                return Event(kind, payload, frames, compressed)

    # ---- expectations -------------------------------------------------------

    def expect_message(self, opcode, payload, timeout=5.0):
        kind = "text" if opcode == wf.OP_TEXT else "binary"
        e = self.recv_event(timeout, "the echo of a %s message of %d bytes" % (kind, len(payload)))
        if e.kind != kind:
            fail("expected the %s echo %s, got %s" % (kind, short(payload), e.describe()))
        if e.payload != payload:
            fail("echo differs: sent %s, got %s" % (short(payload), short(e.payload)))
        return e

    def expect_pong(self, payload, timeout=5.0):
        e = self.recv_event(timeout, "a pong")
        if e.kind != "pong":
            fail("expected a pong %s, got %s" % (short(payload), e.describe()))
        if e.payload != payload:
            fail("pong payload differs: ping had %s, pong has %s" % (short(payload), short(e.payload)))
        return e

    def expect_close(self, codes, timeout=5.0):
        """Waits for the peer's close frame; nothing else may come first.
        codes: an int, a tuple of ints, or None for a close without a code
        (a tuple may hold None too). Returns the close event."""
        if not isinstance(codes, tuple):
            codes = (codes,)
        e = self.recv_event(timeout, "a close frame")
        want = " or ".join("no code" if c is None else str(c) for c in codes)
        if e.kind != "close":
            fail("expected a close (%s), got %s" % (want, e.describe()))
        if e.close_code() not in codes:
            fail("expected a close (%s), got %s" % (want, e.describe()))
        return e

    def expect_eof(self, timeout=5.0, what="the peer to close the TCP connection"):
        """Nothing more may arrive: the stream ends within timeout."""
        deadline = time.monotonic() + timeout
        while True:
            e = self.recv_event(max(0.0, deadline - time.monotonic()), what)
            if e.kind == "eof":
                return
            fail("expected the connection to end, got %s" % e.describe())

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---- HTTP for the opening handshake ------------------------------------------

def read_http_head(sock, deadline, leftover=b"", limit=16384):
    """Reads up to the blank line; returns (start_line, headers, rest) where
    headers is a list of (lower-case name, value)."""
    buf = bytearray(leftover)
    while b"\r\n\r\n" not in buf:
        if len(buf) > limit:
            fail("HTTP head longer than %d bytes" % limit)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            fail("timed out waiting for the HTTP handshake (%d bytes so far: %r)" % (len(buf), bytes(buf[:200])))
        sock.settimeout(remaining)
        try:
            data = sock.recv(4096)
        except socket.timeout:
            fail("timed out waiting for the HTTP handshake (%d bytes so far: %r)" % (len(buf), bytes(buf[:200])))
        except ConnectionResetError:
            fail("connection reset during the HTTP handshake")
        if not data:
            fail("connection closed during the HTTP handshake (%d bytes: %r)" % (len(buf), bytes(buf[:200])))
        buf += data
    end = buf.index(b"\r\n\r\n")
    head = bytes(buf[:end]).decode("latin-1")
    rest = bytes(buf[end + 4:])
    lines = head.split("\r\n")
    headers = []
    for line in lines[1:]:
        if ":" not in line:
            fail("malformed HTTP header line %r" % line)
        name, value = line.split(":", 1)
        headers.append((name.strip().lower(), value.strip()))
    return lines[0], headers, rest


def header(headers, name):
    """All values of a header joined by ", " (RFC 7230 3.2.2); None if absent."""
    vals = [v for n, v in headers if n == name.lower()]
    return ", ".join(vals) if vals else None


def has_token(value, token):
    return value is not None and token.lower() in [t.strip().lower() for t in value.split(",")]


def new_key():
    return base64.b64encode(os.urandom(16)).decode("ascii")


def client_request(path, key, port, extra_headers=(), method="GET", version="HTTP/1.1", omit=()):
    hs = [("Host", "127.0.0.1:%d" % port), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
          ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")]
    hs = [(n, v) for n, v in hs if n.lower() not in [o.lower() for o in omit]]
    hs += list(extra_headers)
    lines = ["%s %s %s" % (method, path, version)] + ["%s: %s" % h for h in hs]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def check_101(status_line, headers, key, offered_extensions=False):
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or parts[0] != "HTTP/1.1" or parts[1] != "101":
        fail("expected HTTP/1.1 101, got %r" % status_line)
    if not has_token(header(headers, "upgrade"), "websocket"):
        fail("101 without Upgrade: websocket (RFC 6455 4.2.2): %r" % header(headers, "upgrade"))
    if not has_token(header(headers, "connection"), "upgrade"):
        fail("101 without Connection: Upgrade (RFC 6455 4.2.2): %r" % header(headers, "connection"))
    acc = header(headers, "sec-websocket-accept")
    if acc != wf.accept_key(key):
        fail("Sec-WebSocket-Accept is %r, expected %r (RFC 6455 4.2.2)" % (acc, wf.accept_key(key)))
    if not offered_extensions and header(headers, "sec-websocket-extensions") is not None:
        fail("server accepted an extension the client did not offer: %r" % header(headers, "sec-websocket-extensions"))
    if header(headers, "sec-websocket-protocol") is not None:
        fail("server chose a subprotocol the client did not offer: %r" % header(headers, "sec-websocket-protocol"))


def ws_connect(port, path="/", timeout=5.0, extra=b"", chunks=None, pause=0.0, extensions=None):
    """Opens a WebSocket as a client; extra: bytes written right after the
    request, in the same write (frames that race the 101). extensions: a
    Sec-WebSocket-Extensions offer; the answer's value (None if absent) is
    then left in conn.extensions."""
    key = new_key()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        conn = Conn(sock, "client")
        ext = [("Sec-WebSocket-Extensions", extensions)] if extensions is not None else []
        conn.send(client_request(path, key, port, extra_headers=ext) + extra, chunks=chunks, pause=pause)
        status, headers, rest = read_http_head(sock, time.monotonic() + timeout)
        check_101(status, headers, key, offered_extensions=extensions is not None)
        conn.extensions = header(headers, "sec-websocket-extensions")
        conn.buf += rest
        return conn
    except BaseException:
        sock.close()
        raise
