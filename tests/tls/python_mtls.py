#!/usr/bin/python3
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""tls/python_mtls: mutual TLS between a wsx server and Python's ssl module
as the client (an independent TLS stack), with a WebSocket client written
here from RFC 6455 on the standard library only.

    /usr/bin/python3 python_mtls.py --peer PATH/TO/tls_peer

tls_peer (tls_peer.cpp) writes a throwaway server CA, a client CA, a server
certificate for localhost, a client certificate (CN=alice) from the client
CA and one from the server CA; then serves wss:// on 127.0.0.1, requiring a
client certificate from the client CA. Cases:
  * Python presents alice's certificate (TLS 1.3, then TLS 1.2 only): the
    server answers 101, names the verified subject, echoes, closes with 1000;
  * Python presents none, or one from the wrong CA: the TLS handshake (or,
    under TLS 1.3, the first read after it) fails and no 101 arrives.
Everything listens on 127.0.0.1, port 0; every wait is bounded; every child
is stopped on exit."""

import argparse
import base64
import ctypes
import hashlib
import os
import re
import select
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile

TIMEOUT = 15.0
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def die_with_parent():
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except Exception:
        pass


class wsx_server:
    """tls_peer server with a client CA, on 127.0.0.1:0; stopped by closing its stdin."""

    def __init__(self, peer, certs):
        self.argv = [peer, "server", os.path.join(certs, "server.pem"), os.path.join(certs, "server.key"),
                     os.path.join(certs, "client_ca.pem")]

    def __enter__(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     preexec_fn=die_with_parent)
        ready, _, _ = select.select([self.proc.stdout], [], [], TIMEOUT)
        line = self.proc.stdout.readline() if ready else b""
        m = re.fullmatch(rb"port (\d+)\n", line)
        if not m:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("tls_peer server printed %r instead of its port" % line)
        self.port = int(m.group(1))
        return self

    def __exit__(self, *exc):
        self.proc.stdin.close()
        try:
            code = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("tls_peer server did not stop when asked")
        if code != 0 and exc[0] is None:
            raise RuntimeError("tls_peer server exited with %d" % code)


def tls_connect(certs, port, cert=None, max_version=None):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=os.path.join(certs, "ca.pem"))
    if cert:
        ctx.load_cert_chain(os.path.join(certs, cert + ".pem"), os.path.join(certs, cert + ".key"))
    if max_version is not None:
        ctx.maximum_version = max_version
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        return ctx.wrap_socket(raw, server_hostname="localhost")
    except BaseException:
        raw.close()
        raise


def read_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise EOFError("connection ended after %d of %d bytes" % (len(out), n))
        out += chunk
    return out


def upgrade(s):
    """Sends the opening handshake; returns the response head (raises if the connection ends first)."""
    key = base64.b64encode(os.urandom(16))
    s.sendall(b"GET /echo HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError("connection ended before the response: %r" % head)
        head += chunk
        if len(head) > 65536:
            raise RuntimeError("response head too long")
    head, rest = head.split(b"\r\n\r\n", 1)
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    return head, accept, rest


def send_frame(s, opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    s.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


class frame_reader:
    def __init__(self, s, rest):
        self.s, self.buf = s, rest

    def take(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection ended inside a frame")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def frame(self):
        b0, b1 = self.take(2)
        assert b1 & 0x80 == 0, "a server frame must not be masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.take(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.take(8))[0]
        assert b0 & 0x80, "fragmented message (not expected here)"
        return b0 & 0x0F, self.take(n)


def good_client(peer, certs, max_version=None):
    with wsx_server(peer, certs) as server:
        s = tls_connect(certs, server.port, "client", max_version)
        with s:
            want = "TLSv1.2" if max_version == ssl.TLSVersion.TLSv1_2 else "TLSv1.3"
            assert s.version() == want, s.version()
            head, accept, rest = upgrade(s)
            lines = head.split(b"\r\n")
            assert lines[0].startswith(b"HTTP/1.1 101"), lines[0]
            headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(b":") for l in lines[1:])}
            assert headers.get(b"sec-websocket-accept") == accept, headers
            frames = frame_reader(s, rest)
            op, data = frames.frame()
            assert (op, data) == (1, b"peer CN=alice,O=wsx tests"), (op, data)
            for text in (b"hello", b"x" * 300, b"y" * 70000):
                send_frame(s, 1, text)
                op, data = frames.frame()
                assert op == 1 and data == text, "echo of %d bytes differs" % len(text)
            send_frame(s, 8, struct.pack("!H", 1000) + b"done")
            op, data = frames.frame()
            assert op == 8 and struct.unpack("!H", data[:2])[0] == 1000, (op, data)


def refused_client(peer, certs, cert, max_version=None):
    """The handshake or the first read must fail; never a 101."""
    with wsx_server(peer, certs) as server:
        try:
            s = tls_connect(certs, server.port, cert, max_version)
        except (ssl.SSLError, ConnectionError) as e:
            return "handshake: %s" % e
        with s:
            try:
                head, _, _ = upgrade(s)
            except (ssl.SSLError, ConnectionError, EOFError) as e:
                return "first read: %s" % e
            raise AssertionError("the server answered without a valid client certificate: %r" % head[:40])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True)
    args = ap.parse_args()
    if not os.access(args.peer, os.X_OK):
        sys.stderr.write("tls/python_mtls: FAIL: no tls_peer at %s (build it first)\n" % args.peer)
        return 1
    certs = tempfile.mkdtemp(prefix="wsx-mtls-py-")
    try:
        made = subprocess.run([args.peer, "certs", certs], capture_output=True, timeout=60)
        if made.returncode != 0:
            sys.stderr.write("tls/python_mtls: FAIL: tls_peer certs: %s\n" % made.stderr.decode())
            return 1
        v12 = ssl.TLSVersion.TLSv1_2
        cases = [
            ("python presents a good client certificate, TLS 1.3", lambda: good_client(args.peer, certs)),
            ("python presents a good client certificate, TLS 1.2", lambda: good_client(args.peer, certs, v12)),
            ("python presents no certificate, TLS 1.3", lambda: refused_client(args.peer, certs, None)),
            ("python presents no certificate, TLS 1.2", lambda: refused_client(args.peer, certs, None, v12)),
            ("python presents one from the wrong CA, TLS 1.3", lambda: refused_client(args.peer, certs, "foreign")),
            ("python presents one from the wrong CA, TLS 1.2",
             lambda: refused_client(args.peer, certs, "foreign", v12)),
        ]
        failed = 0
        for name, case in cases:
            try:
                how = case()
                print("PASS %s%s" % (name, " (%s)" % how if how else ""))
            except Exception as e:
                failed += 1
                print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
        print("%d passed, %d failed" % (len(cases) - failed, failed))
        return 1 if failed else 0
    finally:
        shutil.rmtree(certs, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
