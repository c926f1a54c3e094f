# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""The suite's own side of permessage-deflate (RFC 7692): parsing the
Sec-WebSocket-Extensions header, and compressing / inflating messages with
Python's zlib module, so that wsx's compressor is checked by an inflater it
does not share and wsx's inflater is fed by a compressor it does not share.

The inflater is strict about the window the peer agreed to: zlib itself
only refuses a back-reference beyond the window plus what the current call
has produced, so the output is taken in steps of at most STEP bytes (and
2^bits / 16 for small windows). A reference further back than 2^bits plus
one step (for example a compressor using a 32 KiB window where 2^9 was
agreed) then fails as "invalid distance too far back"."""

import zlib

from peer import fail

TAIL = b"\x00\x00\xff\xff"  # RFC 7692 7.2.1: removed by the sender, put back by the receiver
STEP = 256  # at most; 2^bits / 16 for smaller windows, so the check is within 1/16 of the window


def parse_extensions(value):
    """A Sec-WebSocket-Extensions value -> [(name, {param: value or True})],
    in order (RFC 6455 9.1; quoted values unquoted)."""
    out = []
    if value is None:
        return out
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        parts = [p.strip() for p in item.split(";")]
        params = {}
        for p in parts[1:]:
            if "=" in p:
                k, v = p.split("=", 1)
                v = v.strip()
                if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
                    v = v[1:-1]
                params[k.strip().lower()] = v
            else:
                params[p.lower()] = True
        out.append((parts[0].lower(), params))
    return out


class Agreement:
    """The agreed parameters (RFC 7692 7.1), window bits as numbers."""

    def __init__(self, server_no_context_takeover=False, client_no_context_takeover=False,
                 server_max_window_bits=15, client_max_window_bits=15):
        self.server_no_context_takeover = server_no_context_takeover
        self.client_no_context_takeover = client_no_context_takeover
        self.server_max_window_bits = server_max_window_bits
        self.client_max_window_bits = client_max_window_bits

    def __repr__(self):
        return "Agreement(snct=%s, cnct=%s, smwb=%d, cmwb=%d)" % (
            self.server_no_context_takeover, self.client_no_context_takeover,
            self.server_max_window_bits, self.client_max_window_bits)


class Codec:
    """Both directions of one connection. role: our role ("client" or
    "server"). keep_context_anyway: compress with context takeover even if
    we agreed not to (a peer breaking its promise, for a negative case)."""

    def __init__(self, agreed, role, level=6, mem_level=8, strategy=zlib.Z_DEFAULT_STRATEGY,
                 keep_context_anyway=False):
        ours_server = role == "server"
        self.send_bits = agreed.server_max_window_bits if ours_server else agreed.client_max_window_bits
        self.send_reset = agreed.server_no_context_takeover if ours_server else agreed.client_no_context_takeover
        self.recv_bits = agreed.client_max_window_bits if ours_server else agreed.server_max_window_bits
        self.recv_reset = agreed.client_no_context_takeover if ours_server else agreed.server_no_context_takeover
        if keep_context_anyway:
            self.send_reset = False
        self.level, self.mem_level, self.strategy = level, mem_level, strategy
        self._step = min(STEP, (1 << self.recv_bits) // 16)
        self._c = None
        self._d = None
        self._history = b""  # the last 32 KiB inflated, for a stream that ended with BFINAL

    # ---- sending -------------------------------------------------------------

    def _compressor(self):
        if self._c is None or self.send_reset:
            # zlib cannot make a raw stream with a 256-byte window; with 512
            # it never reaches back more than 250 bytes (as wsx does).
            self._c = zlib.compressobj(self.level, zlib.DEFLATED, -max(9, self.send_bits), self.mem_level,
                                       self.strategy)
        return self._c

    def compress(self, data):
        """One whole message -> the payload of its frame (RSV1 set)."""
        c = self._compressor()
        out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
        assert out.endswith(TAIL)
        return out[:-4]

    def compress_parts(self, parts):
        """A message given in parts, each flushed (Z_SYNC_FLUSH) into its
        own fragment payload; only the last loses the tail."""
        c = self._compressor()
        out = [c.compress(p) + c.flush(zlib.Z_SYNC_FLUSH) for p in parts]
        # A flush right after a flush writes nothing: the tail to remove is
        # at the end of the last part that has bytes.
        last = max(i for i, o in enumerate(out) if o)
        assert out[last].endswith(TAIL)
        out[last] = out[last][:-4]
        return out

    # ---- receiving -----------------------------------------------------------

    def _decompressor(self, zdict=b""):
        if zdict:
            return zlib.decompressobj(-self.recv_bits, zdict=zdict)
        return zlib.decompressobj(-self.recv_bits)

    def _feed(self, data, out):
        """Inflates data into out in steps of STEP; True if a BFINAL block
        ended the stream at the very end of data."""
        ended = False
        for i in range(0, len(data), 4096):
            chunk = data[i:i + 4096]
            while chunk:
                ended = False
                out.append(self._d.decompress(chunk, self._step))
                if self._d.eof:
                    # A block with BFINAL: what follows is a new stream
                    # with the same window (RFC 7692 7.2.3.4).
                    chunk = self._d.unused_data
                    self._d = self._decompressor((self._history + b"".join(out))[-32768:])
                    ended = True
                    continue
                chunk = self._d.unconsumed_tail
        # Output still held back by the step limit, and maybe the end of
        # a BFINAL block with it.
        while not self._d.eof:
            more = self._d.decompress(b"", self._step)
            if not more:
                break
            out.append(more)
            ended = False
        if self._d.eof:
            self._d = self._decompressor((self._history + b"".join(out))[-32768:])
            ended = True
        return ended

    def inflate(self, payload):
        """A received message's payload -> the message; a CaseFailure if it
        does not inflate with the agreed window and context."""
        if self._d is None or self.recv_reset:
            self._d = self._decompressor()
            self._history = b""
        out = []
        try:
            # A stream that ended with BFINAL exactly at the end of the
            # payload takes no tail (RFC 7692 7.2.3.4).
            if not self._feed(bytes(payload), out):
                self._feed(TAIL, out)
            while True:
                more = self._d.decompress(b"", self._step)
                if not more:
                    break
                out.append(more)
        except zlib.error as e:
            fail("the peer's compressed message does not inflate with a window of 2^%d%s: %s"
                 % (self.recv_bits, " and no context" if self.recv_reset else "", e))
        msg = b"".join(out)
        if not self.recv_reset:
            self._history = (self._history + msg)[-32768:]
        return msg
