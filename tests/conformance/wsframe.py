# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""An RFC 6455 frame codec written for the conformance suite only.

It shares no code with wsx on purpose: a test peer built on the library it
tests would inherit that library's bugs. The encoder can write frames no
conforming peer would send (reserved bits, reserved opcodes, oversized or
fragmented control frames, a wrong mask bit, non-minimal lengths), because
the suite needs them.
"""

import base64
import hashlib
import os
import struct

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

KNOWN_OPCODES = (OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG)
OPCODE_NAMES = {OP_CONT: "continuation", OP_TEXT: "text", OP_BINARY: "binary",
                OP_CLOSE: "close", OP_PING: "ping", OP_PONG: "pong"}

RSV1, RSV2, RSV3 = 0x40, 0x20, 0x10

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def is_control(opcode):
    return opcode >= 0x8


def opcode_name(opcode):
    return OPCODE_NAMES.get(opcode, "opcode %d" % opcode)


def accept_key(key):
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 4.2.2)."""
    if isinstance(key, str):
        key = key.encode("ascii")
    return base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode("ascii")


def mask(key, data):
    """XORs data with the 4-byte key; masking and unmasking are the same.

    Done as one big-integer XOR: a 16 MiB payload takes milliseconds,
    where a per-byte Python loop would take many seconds.
    """
    n = len(data)
    if n == 0:
        return b""
    k = (bytes(key) * ((n + 3) // 4))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(k, "little")).to_bytes(n, "little")


def encode(opcode, payload=b"", fin=True, rsv=0, masked=False, key=None, length=None, length_form=None):
    """One frame as bytes.

    masked: set the mask bit and mask the payload (key: 4 bytes, random if None).
    length: the length written in the header (default: len(payload)), to lie.
    length_form: force 7, 16 or 64 for the length encoding (a non-minimal form).
    """
    payload = bytes(payload)
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | (rsv & 0x70) | (opcode & 0x0F)
    mbit = 0x80 if masked else 0
    form = length_form
    if form is None:
        form = 7 if n <= 125 else (16 if n <= 0xFFFF else 64)
    if form == 7:
        header = struct.pack("!BB", b0, mbit | n)
    elif form == 16:
        header = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        header = struct.pack("!BBQ", b0, mbit | 127, n)
    if masked:
        if key is None:
            key = os.urandom(4)
        return header + bytes(key) + mask(key, payload)
    return header + payload


def close_payload(code=None, reason=b""):
    if code is None:
        return b""
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    return struct.pack("!H", code) + reason


class Frame:
    __slots__ = ("fin", "rsv", "opcode", "masked", "key", "payload", "header_len")

    def __init__(self, fin, rsv, opcode, masked, key, payload, header_len):
        self.fin = fin
        self.rsv = rsv
        self.opcode = opcode
        self.masked = masked
        self.key = key
        self.payload = payload
        self.header_len = header_len

    def __repr__(self):
        p = self.payload
        shown = p[:40] + (b"..." if len(p) > 40 else b"")
        return "<%s fin=%d rsv=%x masked=%d len=%d %r>" % (
            opcode_name(self.opcode), self.fin, self.rsv >> 4, self.masked, len(p), shown)


class FrameError(Exception):
    """The peer wrote a frame header no endpoint may write."""


def parse_header(first2):
    """Decodes the first two header bytes: (fin, rsv, opcode, masked, n7,
    extra) where n7 is the 7-bit length field and extra the number of header
    bytes still to read (extended length and mask key)."""
    b0, b1 = first2[0], first2[1]
    fin = bool(b0 & 0x80)
    rsv = b0 & 0x70
    opcode = b0 & 0x0F
    masked = bool(b1 & 0x80)
    n7 = b1 & 0x7F
    ext = 0 if n7 <= 125 else (2 if n7 == 126 else 8)
    return fin, rsv, opcode, masked, n7, ext + (4 if masked else 0)


def finish_header(n7, masked, rest):
    """(payload_len, key) from the extended header bytes; checks RFC 6455 5.2:
    the length is in its minimal form and a 64-bit length has its top bit 0."""
    if n7 <= 125:
        n, off = n7, 0
    elif n7 == 126:
        n, off = struct.unpack("!H", rest[:2])[0], 2
        if n <= 125:
            raise FrameError("length %d written in the 16-bit form (RFC 6455 5.2: minimal form)" % n)
    else:
        n, off = struct.unpack("!Q", rest[:8])[0], 8
        if n >> 63:
            raise FrameError("64-bit length with the most significant bit set (RFC 6455 5.2)")
        if n <= 0xFFFF:
            raise FrameError("length %d written in the 64-bit form (RFC 6455 5.2: minimal form)" % n)
    key = bytes(rest[off:off + 4]) if masked else None
    return n, key


# ---- UTF-8, written out from RFC 3629 section 4 ----------------------------

def utf8_valid(data, final=True):
    """True if data is valid UTF-8 (RFC 3629). With final=False a sequence
    truncated at the end is accepted (a prefix that may still be completed).

    Written independently of Python's codec on purpose: the two are
    compared in the suite's self-check.
    """
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c < 0x80:
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            need, lo, hi = 1, 0x80, 0xBF
        elif c == 0xE0:
            need, lo, hi = 2, 0xA0, 0xBF
        elif 0xE1 <= c <= 0xEC or 0xEE <= c <= 0xEF:
            need, lo, hi = 2, 0x80, 0xBF
        elif c == 0xED:
            need, lo, hi = 2, 0x80, 0x9F
        elif c == 0xF0:
            need, lo, hi = 3, 0x90, 0xBF
        elif 0xF1 <= c <= 0xF3:
            need, lo, hi = 3, 0x80, 0xBF
        elif c == 0xF4:
            need, lo, hi = 3, 0x80, 0x8F
        else:
            return False
        for j in range(need):
            if i + 1 + j >= n:
                return not final
            b = data[i + 1 + j]
            if j == 0:
                if not lo <= b <= hi:
                    return False
            elif not 0x80 <= b <= 0xBF:
                return False
        i += 1 + need
    return True
