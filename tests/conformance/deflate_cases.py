# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""permessage-deflate (RFC 7692) cases, in the manner of Autobahn's 12.x
(compressed messages, every size and parameter set) and 13.x (the
parameter sets), plus negotiation and failure cases.

The peer here compresses and inflates with Python's zlib module
(deflate_peer.py), an implementation wsx does not share. Server role:
echo_server --deflate (accepts every valid offer, compresses every echo);
client role: client_testee --deflate [PARAMS] (the same, and prints
session::extensions()). Conn checks every frame: RSV1 on the first frame of
a data message only, never on a continuation or control frame, and inflates
what it receives with the agreed window and context (see deflate_peer).
"""

import zlib

import peer
import wsframe as wf
from deflate_peer import Agreement, Codec, parse_extensions
from peer import fail
from samples import KiB, MESSAGE_LIMIT, MiB, text_payload

TEXT, BINARY, CONT = wf.OP_TEXT, wf.OP_BINARY, wf.OP_CONT
PING, PONG, CLOSE = wf.OP_PING, wf.OP_PONG, wf.OP_CLOSE
RSV1, RSV2, RSV3 = wf.RSV1, wf.RSV2, wf.RSV3

SIZES = [0, 1, 16, 64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 128 * KiB]
SERVER_ARGS = ["--deflate"]
AUTO_FRAGMENT = 1000
BIG_TIMEOUT = 30.0

KNOWN = ("server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits",
         "client_max_window_bits")

# ---- payloads --------------------------------------------------------------------------

_CHARS = [c.encode("utf-8") for c in "aZ0 ~éßµЖλ€한글中文😀🎉\U0010fffd\u0800\u07ff"]


def random_text(n, rng):
    """Valid UTF-8 of exactly n bytes, random characters of 1 to 4 bytes:
    compresses poorly."""
    out = bytearray()
    while len(out) < n:
        ch = rng.choice(_CHARS)
        if len(out) + len(ch) > n:
            ch = b"x" * (n - len(out))
        out += ch
    return bytes(out)


def compressible_binary(n):
    unit = b'{"id":4711,"name":"wsx","tags":["a","b"],"ok":true}\x00\xff\x80'
    return (unit * (n // len(unit) + 1))[:n]


def payload(op, kind, n, rng):
    if kind == "compressible":
        return text_payload(n) if op == TEXT else compressible_binary(n)
    if kind == "random":
        return random_text(n, rng) if op == TEXT else rng.randbytes(n)
    # periodic: a random block of 3000 bytes repeated. A compressor using a
    # 32 KiB window where 2^11 or less was agreed reaches 3000 bytes back,
    # which the strict inflater refuses.
    block = rng.randbytes(3000)
    return (block * (n // 3000 + 1))[:n]


# ---- opening a compressed connection, in either role --------------------------------------

def is_client_role(t):
    return hasattr(t, "testee")


def check_answer(offer_params, answer):
    """RFC 7692 7.1: what a server's acceptance may hold, given the offer."""
    for k, v in answer.items():
        if k not in KNOWN:
            fail("the answer has a parameter that does not exist: %s" % k)
        if k.endswith("_window_bits"):
            if v is True or v not in [str(b) for b in range(8, 16)]:
                fail("the answer's %s=%r is not 8..15 (RFC 7692 7.1.2)" % (k, v))
        elif v is not True:
            fail("the answer's %s has a value (RFC 7692 7.1.1)" % k)
    if "server_no_context_takeover" in offer_params and "server_no_context_takeover" not in answer:
        fail("the offer asked for server_no_context_takeover; an acceptance must include it (RFC 7692 7.1.1.1)")
    if "server_max_window_bits" in offer_params:
        if "server_max_window_bits" not in answer:
            fail("the offer had server_max_window_bits; an acceptance must answer it (RFC 7692 7.1.2.1)")
        if int(answer["server_max_window_bits"]) > int(offer_params["server_max_window_bits"]):
            fail("server_max_window_bits answered above the offer (RFC 7692 7.1.2.1)")
    if "client_max_window_bits" in answer:
        if "client_max_window_bits" not in offer_params:
            fail("client_max_window_bits answered though not offered (RFC 7692 7.1.2.2)")
        cv = offer_params["client_max_window_bits"]
        if cv is not True and int(answer["client_max_window_bits"]) > int(cv):
            fail("client_max_window_bits answered above the offer")


def agreement(offer_params, answer):
    return Agreement(
        server_no_context_takeover="server_no_context_takeover" in answer,
        client_no_context_takeover="client_no_context_takeover" in answer or "client_no_context_takeover" in offer_params,
        server_max_window_bits=int(answer.get("server_max_window_bits", 15)),
        client_max_window_bits=int(answer["client_max_window_bits"]) if "client_max_window_bits" in answer else (
            int(offer_params["client_max_window_bits"])
            if offer_params.get("client_max_window_bits", True) is not True else 15))


def open_server_role(t, st, **codec_kw):
    """st = (name, offer, expected answer params): we offer, echo_server
    --deflate must accept with exactly these parameters."""
    _, offer, want = st
    c = t.open(extensions=offer)
    got = parse_extensions(c.extensions)
    if len(got) != 1 or got[0][0] != "permessage-deflate":
        fail("offered %r, the server answered Sec-WebSocket-Extensions: %r" % (offer, c.extensions))
    offered = [p for n, p in parse_extensions(offer) if n == "permessage-deflate"]
    answer = got[0][1]
    # The offer the server accepted: the first it can (RFC 7692 7.1); the
    # cases give the acceptable one last.
    check_answer(offered[-1], answer)
    if answer != want:
        fail("offered %r, the server answered %r, expected the parameters %r" % (offer, c.extensions, want))
    c.deflate = Codec(agreement(offered[-1], answer), "client", **codec_kw)
    return c


def testee_offer_params(testee_params):
    """What client_testee --deflate PARAMS must offer: client_max_window_bits
    always, with its value when below 15."""
    want = {"client_max_window_bits": True}
    for p in filter(None, testee_params.split(",")):
        k, _, v = p.partition("=")
        if k == "threshold":
            continue
        want[k] = v if v else True
        if k == "client_max_window_bits" and v == "15":
            want[k] = True
        if k == "server_max_window_bits" and v == "15":
            del want[k]
    return want


def accept_testee(t, testee_params, answer_value, extra_args=()):
    """Starts client_testee --deflate testee_params, checks its offer and
    answers 101 with Sec-WebSocket-Extensions: answer_value (None: none).
    Returns (conn, offer params)."""
    args = ["--deflate"] + ([testee_params] if testee_params else []) + list(extra_args)
    t.spawn(args)
    c, start, headers = t.accept_request()
    key = t.check_request(start, headers)
    offer = parse_extensions(peer.header(headers, "sec-websocket-extensions"))
    want = testee_offer_params(testee_params)
    if len(offer) != 1 or offer[0][0] != "permessage-deflate" or offer[0][1] != want:
        fail("client_testee --deflate %s offered %r, expected permessage-deflate with %r"
             % (testee_params, peer.header(headers, "sec-websocket-extensions"), want))
    hs = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Accept: %s\r\n" % wf.accept_key(key))
    if answer_value is not None:
        hs += "Sec-WebSocket-Extensions: %s\r\n" % answer_value
    c.send((hs + "\r\n").encode("latin-1"))
    t.expect_extensions = answer_value if answer_value is not None else ""
    return c, offer[0][1]


def open_client_role(t, st, extra_args=(), **codec_kw):
    """st = (name, testee params, our answer)."""
    _, testee_params, answer_value = st
    c, offer = accept_testee(t, testee_params, answer_value, extra_args)
    answer = parse_extensions(answer_value)[0][1]
    c.deflate = Codec(agreement(offer, answer), "server", **codec_kw)
    return c


def open_deflate(t, st, extra_args=(), **codec_kw):
    if is_client_role(t):
        return open_client_role(t, st, extra_args, **codec_kw)
    return open_server_role(t, st, **codec_kw)


# The parameter sets. Server role: (name, offer, what echo_server must answer).
SERVER_SETS = [
    ("none", "permessage-deflate", {}),
    ("server_no_context_takeover", "permessage-deflate; server_no_context_takeover",
     {"server_no_context_takeover": True}),
    ("client_no_context_takeover", "permessage-deflate; client_no_context_takeover",
     {"client_no_context_takeover": True}),
    ("both_no_context_takeover", "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
     {"server_no_context_takeover": True, "client_no_context_takeover": True}),
    ("server_max_window_bits_9", "permessage-deflate; server_max_window_bits=9", {"server_max_window_bits": "9"}),
    ("server_max_window_bits_11", "permessage-deflate; server_max_window_bits=11", {"server_max_window_bits": "11"}),
    ("server_max_window_bits_13", "permessage-deflate; server_max_window_bits=13", {"server_max_window_bits": "13"}),
    ("server_max_window_bits_15", "permessage-deflate; server_max_window_bits=15", {"server_max_window_bits": "15"}),
    ("client_max_window_bits", "permessage-deflate; client_max_window_bits", {}),
    ("client_max_window_bits_9", "permessage-deflate; client_max_window_bits=9", {"client_max_window_bits": "9"}),
    ("client_max_window_bits_12", "permessage-deflate; client_max_window_bits=12", {"client_max_window_bits": "12"}),
    ("window_bits_8_no_context", "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
     "server_max_window_bits=8; client_max_window_bits=8",
     {"server_no_context_takeover": True, "client_no_context_takeover": True, "server_max_window_bits": "8",
      "client_max_window_bits": "8"}),
]

# Client role: (name, client_testee --deflate PARAMS, our answer).
CLIENT_SETS = [
    ("none", "", "permessage-deflate"),
    ("server_no_context_takeover", "", "permessage-deflate; server_no_context_takeover"),
    ("client_no_context_takeover", "", "permessage-deflate; client_no_context_takeover"),
    ("both_no_context_takeover", "", "permessage-deflate; server_no_context_takeover; client_no_context_takeover"),
    ("server_max_window_bits_9", "", "permessage-deflate; server_max_window_bits=9"),
    ("server_max_window_bits_12", "", "permessage-deflate; server_max_window_bits=12"),
    ("client_max_window_bits_9", "", "permessage-deflate; client_max_window_bits=9"),
    ("client_max_window_bits_11", "", "permessage-deflate; client_max_window_bits=11"),
    ("client_max_window_bits_15", "", "permessage-deflate; client_max_window_bits=15"),
    # What the testee asks for itself.
    ("testee_asks_server_no_context_takeover", "server_no_context_takeover",
     "permessage-deflate; server_no_context_takeover"),
    ("testee_announces_client_no_context_takeover", "client_no_context_takeover", "permessage-deflate"),
    ("testee_asks_server_max_window_bits_10", "server_max_window_bits=10",
     "permessage-deflate; server_max_window_bits=9"),
    ("testee_client_max_window_bits_10", "client_max_window_bits=10",
     "permessage-deflate; client_max_window_bits=10"),
    ("window_bits_8_no_context", "server_max_window_bits=8,client_max_window_bits=8",
     "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=8; "
     "client_max_window_bits=8"),
]


# ---- sending and expecting ---------------------------------------------------------------

def send_message(c, op, data, mode="whole", rng=None, between=None):
    """Compresses data with the connection's codec and sends it. mode:
    whole (one frame), split3 (the compressed payload cut in 3 frames),
    parts4 (4 parts each flushed into its own frame), bytes1 (the
    compressed payload in frames of one byte). between: a control frame
    to send after the first fragment."""
    if mode == "parts4":
        n = len(data)
        pieces = c.deflate.compress_parts([data[n * i // 4:n * (i + 1) // 4] for i in range(4)])
    else:
        z = c.deflate.compress(data)
        if mode == "whole":
            pieces = [z]
        elif mode == "split3":
            pieces = [z[:len(z) // 3], z[len(z) // 3:2 * len(z) // 3], z[2 * len(z) // 3:]]
        else:
            pieces = [z[i:i + 1] for i in range(len(z))] or [b""]
    out = b""
    for i, p in enumerate(pieces):
        out += c.frame(op if i == 0 else CONT, p, fin=i == len(pieces) - 1, rsv=RSV1 if i == 0 else 0)
        if i == 0 and between is not None:
            out += between
    if len(out) > 256 * KiB:
        c.send_background(out)
    else:
        c.send(out)


def expect_compressed(c, op, data, timeout=10.0):
    """The echo: the same bytes after inflating, and compressed (both
    testees compress every message)."""
    e = c.expect_message(op, data, timeout)
    if not e.compressed:
        fail("the echo of a %s message of %d bytes was not compressed (RSV1 clear)"
             % ("text" if op == TEXT else "binary", len(data)))
    c.join_sender(BIG_TIMEOUT)
    return e


def close_deflate(t, c):
    """Our close: the answer must not be compressed (checked by Conn)."""
    t.close_normally(c)


# ---- the cases -----------------------------------------------------------------------------

def messages(t, st):
    """Every size, text and binary, compressible and random, whole and
    fragmented, on one connection (so with context takeover each message
    may refer back to the ones before): every echo byte for byte."""
    c = open_deflate(t, st)
    count = 0
    for n in SIZES:
        for op in (TEXT, BINARY):
            for kind in ("compressible", "random"):
                data = payload(op, kind, n, t.rng)
                for mode in ("whole", "split3" if op == TEXT else "parts4"):
                    between = c.frame(PING, b"mid-message") if n == 4 * KiB and mode != "whole" else None
                    send_message(c, op, data, mode, between=between)
                    if between is not None:
                        c.expect_pong(b"mid-message")
                    try:
                        expect_compressed(c, op, data)
                    except AssertionError as e:
                        fail("%s %s %d bytes %s: %s" % ("text" if op == TEXT else "binary", kind, n, mode, e))
                    count += 1
    for n in (16 * KiB, 64 * KiB):
        data = payload(BINARY, "periodic", n, t.rng)
        send_message(c, BINARY, data)
        expect_compressed(c, BINARY, data)
        count += 1
    # The same message again: with context takeover it may be sent as
    # references to the last one.
    for _ in range(2):
        data = payload(BINARY, "random", 2000, t.rng)
        for _ in range(2):
            send_message(c, BINARY, data)
            expect_compressed(c, BINARY, data)
            count += 1
    close_deflate(t, c)
    return "%d messages" % count


def pipelined(t, st, count=200):
    """Many messages in one write, about one in four uncompressed (RFC 7692
    6: the sender chooses per message; an uncompressed one does not enter
    the LZ77 window), the others possibly referring back to the compressed
    ones before: every echo, in order."""
    c = open_deflate(t, st)
    msgs = []
    out = b""
    for i in range(count):
        op = t.rng.choice((TEXT, BINARY))
        data = payload(op, t.rng.choice(("compressible", "random")), t.rng.randint(0, 2000), t.rng)
        msgs.append((op, data))
        if t.rng.random() < 0.25:
            out += c.frame(op, data)
        else:
            out += c.frame(op, c.deflate.compress(data), rsv=RSV1)
    c.send(out)
    for i, (op, data) in enumerate(msgs):
        try:
            expect_compressed(c, op, data)
        except AssertionError as e:
            fail("message %d of %d: %s" % (i + 1, count, e))
    close_deflate(t, c)


def tcp_bytes(t, st):
    """A fragmented compressed message written one byte at a time: the
    testee reads it in as many pieces."""
    c = open_deflate(t, st)
    data = text_payload(600)
    z = c.deflate.compress(data)
    out = c.frame(TEXT, z[:len(z) // 2], fin=False, rsv=RSV1) + c.frame(PING, b"p") + c.frame(CONT, z[len(z) // 2:])
    c.send(out, chunks=1, pause=0.0002)
    c.expect_pong(b"p")
    expect_compressed(c, TEXT, data)
    close_deflate(t, c)


def odd_streams(t, st):
    """Compressed forms a compressor may choose (RFC 7692 7.2.3): an empty
    stored block, stored blocks (level 0), fixed Huffman codes, Huffman
    only, run lengths, level 9, full flushes, a BFINAL block ending a
    message and the next message referring back across it, and a
    compressed payload in one-byte frames."""
    c = open_deflate(t, st)
    keep = not (c.deflate.send_reset)
    bits = max(9, c.deflate.send_bits)
    text = text_payload(3000)

    def raw(op, z, data):
        c.send(c.frame(op, z, rsv=RSV1))
        expect_compressed(c, op, data)

    def fresh(level=6, strategy=zlib.Z_DEFAULT_STRATEGY, mem=8, zdict=None):
        if zdict:
            return zlib.compressobj(level, zlib.DEFLATED, -bits, mem, strategy, zdict)
        return zlib.compressobj(level, zlib.DEFLATED, -bits, mem, strategy)

    raw(TEXT, b"\x00", b"")  # RFC 7692 7.2.3.6: an empty message
    for level, strategy in ((0, zlib.Z_DEFAULT_STRATEGY), (6, zlib.Z_FIXED), (6, zlib.Z_HUFFMAN_ONLY),
                            (6, zlib.Z_RLE), (9, zlib.Z_DEFAULT_STRATEGY)):
        z = fresh(level, strategy, 9)
        raw(TEXT, (z.compress(text) + z.flush(zlib.Z_SYNC_FLUSH))[:-4], text)
    z = fresh()
    parts = z.compress(text[:1000]) + z.flush(zlib.Z_FULL_FLUSH) + z.compress(text[1000:]) + z.flush(zlib.Z_SYNC_FLUSH)
    raw(TEXT, parts[:-4], text)
    # BFINAL: the message ends the stream (no tail needed)...
    z = fresh()
    data = compressible_binary(5000)
    raw(BINARY, z.compress(data) + z.flush(zlib.Z_FINISH), data)
    # ...and with context takeover the next one may refer back to it.
    z = fresh(zdict=data) if keep else fresh()
    raw(BINARY, (z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH))[:-4], data)
    # The codec's own context knows nothing of the messages above: start
    # it afresh, in step with the peer only when both reset per message.
    if keep:
        close_deflate(t, c)
        return "context takeover: closed after the BFINAL pair"
    send_message(c, TEXT, text, "bytes1")
    expect_compressed(c, TEXT, text)
    close_deflate(t, c)


def autofragment(t, st):
    """The testee fragments its compressed echoes (--fragment): RSV1 on the
    first frame only (Conn checks), several frames, inflated intact."""
    if is_client_role(t):
        c = open_deflate(t, st, extra_args=["--fragment", str(AUTO_FRAGMENT)])
    else:
        c = open_deflate(t, st)
    counts = []
    for op, data in ((BINARY, t.rng.randbytes(64 * KiB)), (TEXT, random_text(20 * KiB, t.rng)),
                     (TEXT, text_payload(128 * KiB)), (BINARY, b"")):
        send_message(c, op, data)
        e = expect_compressed(c, op, data, BIG_TIMEOUT)
        counts.append(len(e.frames))
        if op == BINARY and len(data) == 64 * KiB and len(e.frames) < 2:
            fail("a %d-byte random echo came in %d frame(s), expected fragments of %d"
                 % (len(data), len(e.frames), AUTO_FRAGMENT))
        if any(len(f.payload) > AUTO_FRAGMENT for f in e.frames):
            fail("an echo frame is larger than --fragment %d: %s" % (AUTO_FRAGMENT, [len(f.payload) for f in e.frames][:8]))
    close_deflate(t, c)
    return "echoes in %s frames" % counts


def bad_frame(t, st, make, code):
    """A valid compressed message first (its echo must come), then the
    bytes make(c) gives: the testee fails the connection with `code`."""
    c = open_deflate(t, st)
    data = text_payload(500)
    send_message(c, TEXT, data)
    expect_compressed(c, TEXT, data)
    c.send(make(c) + c.frame(TEXT, b"after"))
    t.expect_fail(c, code, timeout=BIG_TIMEOUT)
    c.join_sender(BIG_TIMEOUT)


def rsv1_on(kind):
    def make(c):
        if kind == "continuation":
            z = c.deflate.compress(b"fragmented and compressed")
            return c.frame(TEXT, z[:5], fin=False, rsv=RSV1) + c.frame(CONT, z[5:], rsv=RSV1)
        if kind == "uncompressed_continuation":
            return c.frame(TEXT, b"plain ", fin=False) + c.frame(CONT, b"text", rsv=RSV1)
        payload = wf.close_payload(1000, b"bye") if kind == "close" else b"control"
        op = {"ping": PING, "pong": PONG, "close": CLOSE}[kind]
        return c.frame(op, payload, rsv=RSV1)
    return make


def rsv_other(bit):
    def make(c):
        return c.frame(TEXT, c.deflate.compress(b"compressed"), rsv=RSV1 | bit)
    return make


def bad_data(kind):
    """Compressed payloads that do not inflate (or not to valid text)."""
    def make(c):
        import random as _r
        r = _r.Random(7692)
        if kind == "invalid_block_type":
            return c.frame(BINARY, b"\xff\xff\xff\xff", rsv=RSV1)
        if kind == "stored_length_mismatch":
            return c.frame(BINARY, b"\x00\x05\x00\x00\x00hello", rsv=RSV1)
        if kind == "truncated_block":
            z = zlib.compressobj(6, zlib.DEFLATED, -9)
            full = z.compress(r.randbytes(2000) + b"a" * 2000) + z.flush(zlib.Z_SYNC_FLUSH)
            return c.frame(BINARY, full[:len(full) // 2], rsv=RSV1)
        if kind == "distance_before_start":
            # Refers 2000 bytes back, into a dictionary the receiver never
            # saw (it holds only the 500-byte message before).
            secret = r.randbytes(2000)
            z = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, secret)
            return c.frame(BINARY, (z.compress(secret) + z.flush(zlib.Z_SYNC_FLUSH))[:-4], rsv=RSV1)
        if kind == "garbage_after_bfinal":
            z = zlib.compressobj(6, zlib.DEFLATED, -9)
            return c.frame(BINARY, z.compress(b"done") + z.flush(zlib.Z_FINISH) + b"\xff\xff", rsv=RSV1)
        if kind == "invalid_utf8_inside":
            z = zlib.compressobj(6, zlib.DEFLATED, -9)
            return c.frame(TEXT, (z.compress(b"valid, then \xc0\xaf") + z.flush(zlib.Z_SYNC_FLUSH))[:-4], rsv=RSV1)
        if kind == "truncated_utf8_inside":
            z = zlib.compressobj(6, zlib.DEFLATED, -9)
            return c.frame(TEXT, (z.compress("cut in half: \u20ac".encode()[:-1]) + z.flush(zlib.Z_SYNC_FLUSH))[:-4],
                           rsv=RSV1)
        raise ValueError(kind)
    return make


def broken_promise(t, st):
    """The peer agreed to reset its compressor after each message but does
    not: its second message refers back into the first, which the testee
    (having reset) does not have: 1007."""
    c = open_deflate(t, st, keep_context_anyway=True)
    data = t.rng.randbytes(1000)
    send_message(c, BINARY, data)
    expect_compressed(c, BINARY, data)
    send_message(c, BINARY, data)
    t.expect_fail(c, 1007)


def bomb(t, st):
    """17 MiB of zeros, compressed to ~17 KiB: over the 16 MiB limit once
    inflated, so close 1009 (and no 17 MiB buffer)."""
    c = open_deflate(t, st)
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.send(c.frame(BINARY, (z.compress(bytes(MESSAGE_LIMIT + MiB)) + z.flush(zlib.Z_SYNC_FLUSH))[:-4], rsv=RSV1))
    t.expect_fail(c, 1009, timeout=BIG_TIMEOUT)


def at_limit(t, st):
    """Exactly 16 MiB once inflated: accepted and echoed."""
    c = open_deflate(t, st)
    data = compressible_binary(MESSAGE_LIMIT)
    send_message(c, BINARY, data)
    expect_compressed(c, BINARY, data, BIG_TIMEOUT)
    close_deflate(t, c)


# ---- without agreement -------------------------------------------------------------------------

def rsv1_not_agreed(t, how):
    """RSV1 on a connection without permessage-deflate: 1002 (RFC 6455
    5.2). Server role: the plain echo_server declines the offer; client
    role: client_testee --deflate offers and we do not accept."""
    if is_client_role(t):
        c, _ = accept_testee(t, "", None)
    else:
        c = t.open(extensions="permessage-deflate; client_max_window_bits")
        if c.extensions is not None:
            fail("echo_server without --deflate answered Sec-WebSocket-Extensions: %r" % c.extensions)
    c.send_frame(TEXT, b"uncompressed is fine")
    c.expect_message(TEXT, b"uncompressed is fine")
    z = zlib.compressobj(6, zlib.DEFLATED, -15)
    data = (z.compress(b"compressed") + z.flush(zlib.Z_SYNC_FLUSH))[:-4]
    if how == "whole":
        c.send(c.frame(TEXT, data, rsv=RSV1))
    else:
        c.send(c.frame(BINARY, data[:3], fin=False, rsv=RSV1) + c.frame(CONT, data[3:]))
    t.expect_fail(c, 1002)


# ---- negotiation -------------------------------------------------------------------------------

def server_declines(t, offer):
    """echo_server --deflate declines an invalid offer (RFC 7692 7.1: no
    extension in the 101) and the connection goes on uncompressed."""
    c = t.open(extensions=offer)
    if c.extensions is not None:
        fail("offered %r (invalid), the server accepted: %r" % (offer, c.extensions))
    c.send_frame(TEXT, b"uncompressed")
    c.expect_message(TEXT, b"uncompressed")
    t.close_normally(c)


def server_accepts(t, offer, want):
    """An offer list or form the server must accept as given."""
    st = ("", offer, want)
    c = open_server_role(t, st)
    data = text_payload(2000)
    send_message(c, TEXT, data)
    expect_compressed(c, TEXT, data)
    close_deflate(t, c)


def testee_refuses_answer(t, testee_params, answer_value):
    """An answer RFC 7692 7.1 forbids: client_testee must fail the
    connection (RFC 6455 4.1), so no open, an error, close 1006."""
    c, _ = accept_testee(t, testee_params, answer_value)
    c.expect_eof(5.0, "client_testee to drop the connection after a bad Sec-WebSocket-Extensions answer")
    c.close()
    t.wait_exit()
    t.check_lines(False, 1006, True)


def testee_accepts_answer(t, testee_params, answer_value):
    """An unusual but valid answer: client_testee agrees, and compressed
    messages go both ways."""
    c, offer = accept_testee(t, testee_params, answer_value)
    c.deflate = Codec(agreement(offer, parse_extensions(answer_value)[0][1]), "server")
    for data in (text_payload(3000), text_payload(3000)):
        send_message(c, TEXT, data)
        expect_compressed(c, TEXT, data)
    t.close_normally(c)


def testee_threshold(t):
    """client_testee --deflate threshold=64: shorter messages go out
    uncompressed, longer ones compressed (RFC 7692 6: per message)."""
    c, offer = accept_testee(t, "threshold=64", "permessage-deflate")
    c.deflate = Codec(agreement(offer, {}), "server")
    for n, compressed in ((0, False), (63, False), (64, True), (5000, True)):
        data = text_payload(n)
        send_message(c, TEXT, data)
        e = c.expect_message(TEXT, data)
        if e.compressed != compressed:
            fail("the echo of %d bytes was %scompressed, the threshold is 64" % (n, "" if e.compressed else "not "))
    t.close_normally(c)


# ---- registration --------------------------------------------------------------------------------

def _register_common(reg, sets, own):
    kw = {"server_args": SERVER_ARGS} if own else {}
    first = sets[0]
    by_name = {s[0]: s for s in sets}
    for st in sets:
        reg.add("deflate/%s/messages" % st[0], messages, st, timeout=20.0, **kw)
    for name in ("none", "both_no_context_takeover", "server_max_window_bits_9", "window_bits_8_no_context"):
        reg.add("deflate/%s/odd_streams" % name, odd_streams, by_name[name], **kw)
        reg.add("deflate/%s/pipelined_200" % name, pipelined, by_name[name], **kw)
    reg.add("deflate/none/tcp_bytes", tcp_bytes, first, **kw)
    for kind in ("continuation", "uncompressed_continuation", "ping", "pong", "close"):
        reg.add("deflate/bad/rsv1_on_%s" % kind, bad_frame, first, rsv1_on(kind), 1002, **kw)
    for num, bit in ((2, RSV2), (3, RSV3)):
        reg.add("deflate/bad/rsv1_and_rsv%d" % num, bad_frame, first, rsv_other(bit), 1002, **kw)
    for kind in ("invalid_block_type", "stored_length_mismatch", "truncated_block", "distance_before_start",
                 "garbage_after_bfinal", "invalid_utf8_inside", "truncated_utf8_inside"):
        reg.add("deflate/bad/%s" % kind, bad_frame, first, bad_data(kind), 1007, **kw)
    reg.add("deflate/limits/bomb_17MiB", bomb, first, timeout=BIG_TIMEOUT, **kw)
    reg.add("deflate/limits/at_16MiB", at_limit, first, timeout=BIG_TIMEOUT, **kw)
    reg.add("deflate_off/rsv1_without_agreement", rsv1_not_agreed, "whole")
    reg.add("deflate_off/rsv1_without_agreement_fragmented", rsv1_not_agreed, "fragmented")


def register_server(reg):
    _register_common(reg, SERVER_SETS, True)
    by_name = {s[0]: s for s in SERVER_SETS}
    # The peer breaks client_no_context_takeover, which it announced.
    reg.add("deflate/bad/client_breaks_no_context_takeover", broken_promise, by_name["client_no_context_takeover"],
            server_args=SERVER_ARGS)
    reg.add("deflate/autofragment", autofragment, by_name["none"], timeout=BIG_TIMEOUT,
            server_args=SERVER_ARGS + ["--fragment", str(AUTO_FRAGMENT)])
    for name, offer in (("unknown_parameter", "permessage-deflate; foo"),
                        ("server_max_window_bits_7", "permessage-deflate; server_max_window_bits=7"),
                        ("server_max_window_bits_16", "permessage-deflate; server_max_window_bits=16"),
                        ("server_max_window_bits_leading_zero", "permessage-deflate; server_max_window_bits=09"),
                        ("server_max_window_bits_without_value", "permessage-deflate; server_max_window_bits"),
                        ("client_max_window_bits_7", "permessage-deflate; client_max_window_bits=7"),
                        ("repeated_parameter", "permessage-deflate; server_no_context_takeover; "
                                               "server_no_context_takeover"),
                        ("value_on_no_context_takeover", "permessage-deflate; client_no_context_takeover=1"),
                        ("other_extension_only", "x-webkit-deflate-frame")):
        reg.add("deflate/negotiation/declines_%s" % name, server_declines, offer, server_args=SERVER_ARGS)
    for name, offer, want in (
            ("first_acceptable_offer", "permessage-deflate; foo, permessage-deflate; client_max_window_bits=10",
             {"client_max_window_bits": "10"}),
            ("after_unknown_extension", "x-webkit-deflate-frame, permessage-deflate", {}),
            ("quoted_value", 'permessage-deflate; client_max_window_bits="10"', {"client_max_window_bits": "10"}),
            ("case_and_spaces", "Permessage-Deflate ;  Server_No_Context_Takeover",
             {"server_no_context_takeover": True})):
        reg.add("deflate/negotiation/accepts_%s" % name, server_accepts, offer, want, server_args=SERVER_ARGS)


def register_client(reg):
    _register_common(reg, CLIENT_SETS, False)
    by_name = {s[0]: s for s in CLIENT_SETS}
    # The peer (we, the server) breaks server_no_context_takeover.
    reg.add("deflate/bad/server_breaks_no_context_takeover", broken_promise, by_name["server_no_context_takeover"])
    reg.add("deflate/autofragment", autofragment, by_name["none"], timeout=BIG_TIMEOUT)
    reg.add("deflate/threshold_64", testee_threshold)
    for name, params, answer in (
            ("client_max_window_bits_without_value", "", "permessage-deflate; client_max_window_bits"),
            ("unknown_parameter", "", "permessage-deflate; foo"),
            ("server_max_window_bits_16", "", "permessage-deflate; server_max_window_bits=16"),
            ("twice", "", "permessage-deflate, permessage-deflate"),
            ("other_extension", "", "x-webkit-deflate-frame"),
            ("missing_server_no_context_takeover", "server_no_context_takeover", "permessage-deflate"),
            ("server_max_window_bits_above_asked", "server_max_window_bits=10",
             "permessage-deflate; server_max_window_bits=12"),
            ("server_max_window_bits_not_answered", "server_max_window_bits=10", "permessage-deflate"),
            ("client_max_window_bits_above_offer", "client_max_window_bits=10",
             "permessage-deflate; client_max_window_bits=11")):
        reg.add("deflate/negotiation/refuses_%s" % name, testee_refuses_answer, params, answer)
    for name, params, answer in (
            ("quoted_value", "server_max_window_bits=10", 'permessage-deflate; server_max_window_bits="10"'),
            ("case_and_spaces", "", "PerMessage-Deflate ;Server_No_Context_Takeover ;  client_max_window_bits = 9"),
            ("server_max_window_bits_unasked", "", "permessage-deflate; server_max_window_bits=8"),
            ("client_no_context_takeover_unannounced", "", "permessage-deflate; client_no_context_takeover")):
        reg.add("deflate/negotiation/accepts_%s" % name, testee_accepts_answer, params, answer)
