# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""The cases. Most are written once and run in both roles: `t.open()` gives
a connection to the endpoint under test (echo_server when this script is
the client, client_testee when it is the server), and Conn masks what it
sends as its role requires, so "send this, expect that" reads the same.

t.close_normally(c)   we close with 1000; the code comes back; the
                      connection ends the way the role requires.
t.expect_fail(c, N)   the endpoint under test fails the connection with N
                      before sending anything else.
t.after_close(c)      we closed and got the answer: nothing more may come.
"""

import time

import wsframe as wf
from peer import fail
from samples import (CLOSE_INVALID, CLOSE_VALID, FRAME_SIZES, KiB, LIMIT_SIZES, MESSAGE_LIMIT, MiB,
                     RESERVED_OPCODES, RSV_BITS, UTF8_FAIL_FAST, UTF8_INVALID, UTF8_VALID, binary_payload,
                     split, text_payload)

TEXT, BINARY, CONT = wf.OP_TEXT, wf.OP_BINARY, wf.OP_CONT
PING, PONG, CLOSE = wf.OP_PING, wf.OP_PONG, wf.OP_CLOSE

AUTO_FRAGMENT = 1000
BIG_TIMEOUT = 30.0


def payload_for(op, n, rng):
    return text_payload(n) if op == TEXT else binary_payload(n, rng)


def opname(op):
    return "text" if op == TEXT else "binary"


def send_big(c, data, chunks=None, rng=None, max_chunk=64):
    """Large writes go on a thread so that the read side never blocks them."""
    if len(data) > 256 * KiB:
        c.send_background(data, chunks=chunks, rng=rng, max_chunk=max_chunk)
    else:
        c.send(data, chunks=chunks, rng=rng, max_chunk=max_chunk)


def fragments(c, op, pieces, **kw):
    out = b""
    for i, p in enumerate(pieces):
        out += c.frame(op if i == 0 else CONT, p, fin=(i == len(pieces) - 1), **kw)
    return out


# ---- 1. framing ---------------------------------------------------------------

def framing(t, op, size, mode):
    payload = payload_for(op, size, t.rng)
    c = t.open()
    data = c.frame(op, payload)
    if mode == "whole":
        send_big(c, data)
    elif mode == "chunk1":
        c.send(data, chunks=1, pause=0.0002)
    elif mode == "chunk7":
        c.send(data, chunks=7)
    else:
        send_big(c, data, chunks="random", rng=t.rng,
                 max_chunk=16 if size <= 128 else (64 * KiB if size > MiB else 4 * KiB))
    c.expect_message(op, payload, BIG_TIMEOUT if size > MiB else 5.0)
    c.join_sender(BIG_TIMEOUT)
    t.close_normally(c)


def split_every_position(t, op, size):
    """One frame written in two parts at every position (a pause between,
    so that the endpoint reads them apart): headers of every length form
    cut everywhere, mask key and payload included."""
    payload = payload_for(op, size, t.rng)
    c = t.open()
    data = c.frame(op, payload)
    positions = list(range(1, len(data)))
    if len(positions) > 200:
        positions = positions[:30] + sorted(t.rng.sample(positions[30:], 10))
    for p in positions:
        c.send(data[:p])
        time.sleep(0.002)
        c.send(data[p:])
        try:
            c.expect_message(op, payload)
        except AssertionError as e:
            fail("split at byte %d of %d: %s" % (p, len(data), e))
    t.close_normally(c)


def pipelined(t, count, max_size):
    """Many messages in one write: every echo, in order."""
    c = t.open()
    msgs = []
    data = b""
    for _ in range(count):
        op = t.rng.choice((TEXT, BINARY))
        p = payload_for(op, t.rng.randint(0, max_size), t.rng)
        msgs.append((op, p))
        data += c.frame(op, p)
    c.send(data)
    for i, (op, p) in enumerate(msgs):
        try:
            c.expect_message(op, p)
        except AssertionError as e:
            fail("message %d of %d: %s" % (i + 1, count, e))
    t.close_normally(c)


# ---- 2. ping / pong -------------------------------------------------------------

def ping(t, payload, chunks):
    c = t.open()
    c.send(c.frame(PING, payload), chunks=chunks, pause=0.0002 if chunks else 0)
    c.expect_pong(payload)
    t.close_normally(c)


def ping_during_large_echo(t):
    """A ping right behind a 4 MiB message: the pong is not lost and does
    not break into the echo's frame."""
    payload = binary_payload(4 * MiB, t.rng)
    c = t.open()
    send_big(c, c.frame(BINARY, payload) + c.frame(PING, b"behind") + c.frame(TEXT, b"last"))
    got = []
    while len(got) < 3:
        e = c.recv_event(BIG_TIMEOUT, "the echo, the pong and the last echo")
        got.append((e.kind, e.payload))
    c.join_sender(BIG_TIMEOUT)
    want = {("binary", payload), ("pong", b"behind"), ("text", b"last")}
    if set(got) != want:
        fail("expected the echo, the pong and the last echo, got %s" % [(k, short_len(p)) for k, p in got])
    if got.index(("binary", payload)) > got.index(("text", b"last")):
        fail("echoes out of order: %s" % [(k, short_len(p)) for k, p in got])
    t.close_normally(c)


def short_len(p):
    return "%d bytes" % len(p)


def ping_too_long(t):
    c = t.open()
    c.send_frame(PING, b"p" * 126)
    t.expect_fail(c, 1002)


def unsolicited_pong(t):
    c = t.open()
    c.send(c.frame(PONG, b"unsolicited") + c.frame(TEXT, b"after the pong"))
    c.expect_message(TEXT, b"after the pong")  # and no answer to the pong before it
    t.close_normally(c)


def ten_pings(t):
    c = t.open()
    payloads = [("ping %d" % i).encode() for i in range(10)]
    c.send(b"".join(c.frame(PING, p) for p in payloads) + c.frame(TEXT, b"done"))
    for p in payloads:
        c.expect_pong(p)
    c.expect_message(TEXT, b"done")
    t.close_normally(c)


def ping_between_messages(t):
    """Pings between messages: each answered, every echo intact and in
    order (where the pong falls among the echoes is not specified)."""
    c = t.open()
    c.send(c.frame(TEXT, b"one") + c.frame(PING, b"two") + c.frame(BINARY, b"three") + c.frame(PING, b"four")
           + c.frame(TEXT, b"five"))
    want = [("text", b"one"), ("binary", b"three"), ("text", b"five")]
    pongs = []
    got = []
    while len(got) < len(want) or len(pongs) < 2:
        e = c.recv_event(5.0, "echoes and pongs")
        if e.kind == "pong":
            pongs.append(e.payload)
        elif e.kind in ("text", "binary"):
            got.append((e.kind, e.payload))
        else:
            fail("expected echoes and pongs, got %s" % e.describe())
    if got != want or pongs != [b"two", b"four"]:
        fail("echoes %r and pongs %r, expected %r and [b'two', b'four']" % (got, pongs, want))
    t.close_normally(c)


# ---- 3. reserved bits, 4. reserved opcodes, masking ----------------------------------

def violation(t, bad, preceded, code=1002):
    """`bad(c)` gives the offending bytes; a valid message may come before
    (its echo must come) and one after (its echo must not)."""
    c = t.open()
    pre = c.frame(TEXT, b"before") if preceded else b""
    c.send(pre + bad(c) + c.frame(TEXT, b"after"))
    if preceded:
        c.expect_message(TEXT, b"before")
    t.expect_fail(c, code)


def rsv_bytes(kind, bit):
    def make(c):
        if kind == "text":
            return c.frame(TEXT, b"reserved bit", rsv=bit)
        if kind == "binary":
            return c.frame(BINARY, b"\x00\xff\x10", rsv=bit)
        if kind == "ping":
            return c.frame(PING, b"ping", rsv=bit)
        if kind == "pong":
            return c.frame(PONG, b"pong", rsv=bit)
        if kind == "close":
            return c.frame(CLOSE, wf.close_payload(1000, "bye"), rsv=bit)
        if kind == "continuation":
            return c.frame(TEXT, b"frag", fin=False) + c.frame(CONT, b"ment", rsv=bit)
        if kind == "empty_text":
            return c.frame(TEXT, b"", rsv=bit)
        raise ValueError(kind)
    return make


def opcode_bytes(op):
    return lambda c: c.frame(op, b"reserved opcode")


def wrong_mask_bytes(kind):
    """A frame masked the wrong way for the sender's role (RFC 6455 5.1)."""
    def make(c):
        wrong = c.role != "client"
        if kind == "text":
            return c.frame(TEXT, b"wrongly masked", masked=wrong)
        if kind == "binary":
            return c.frame(BINARY, b"\x01\x02", masked=wrong)
        if kind == "ping":
            return c.frame(PING, b"p", masked=wrong)
        if kind == "close":
            return c.frame(CLOSE, wf.close_payload(1000), masked=wrong)
        if kind == "continuation":
            return c.frame(TEXT, b"frag", fin=False) + c.frame(CONT, b"ment", masked=wrong)
        raise ValueError(kind)
    return make


def length_msb_set(t):
    """A 64-bit length with its most significant bit set (RFC 6455 5.2:
    "the most significant bit MUST be 0"): a protocol error."""
    c = t.open()
    c.send(c.frame(BINARY, b"x" * 16, length=(1 << 63) | 16, length_form=64))
    t.expect_fail(c, 1002)


def zero_mask_key(t):
    """A mask key of four zero bytes is a valid key (the payload is as is).
    Server role only: a client masks."""
    c = t.open()
    c.send(wf.encode(TEXT, b"zero key", masked=True, key=b"\0\0\0\0"))
    c.expect_message(TEXT, b"zero key")
    t.close_normally(c)


# ---- 5. fragmentation -------------------------------------------------------------

def fragmented(t, op, parts, size, chunks=None):
    payload = payload_for(op, size, t.rng)
    c = t.open()
    data = fragments(c, op, split(payload, parts))
    if chunks == 1:
        c.send(data, chunks=1, pause=0.0001)
    elif chunks:
        c.send(data, chunks="random", rng=t.rng, max_chunk=chunks)
    else:
        c.send(data)
    c.expect_message(op, payload)
    t.close_normally(c)


def fragmented_with_empty(t, op):
    c = t.open()
    pieces = [b"", b"abc", b"", b"def", b""]
    c.send(fragments(c, op, pieces))
    c.expect_message(op, b"abcdef")
    c.send(fragments(c, op, [b"", b""]))
    c.expect_message(op, b"")
    t.close_normally(c)


def control_between_fragments(t, kind):
    """A ping inside a fragmented message is answered at once, before the
    message ends (RFC 6455 5.4, 5.5.2); a pong is ignored; the message is
    echoed whole afterwards."""
    c = t.open()
    payload = text_payload(300)
    a, b, d = split(payload, 3)
    c.send(c.frame(TEXT, a, fin=False))
    if kind == "ping":
        c.send(c.frame(PING, b"in between"))
        c.expect_pong(b"in between")
    elif kind == "pong":
        c.send(c.frame(PONG, b"in between"))
    else:  # a ping between every fragment, answered before the next is sent
        for i in range(5):
            c.send(c.frame(PING, b"ping %d" % i))
            c.expect_pong(b"ping %d" % i)
    c.send(c.frame(CONT, b, fin=False))
    if kind == "ping":
        c.send(c.frame(PING, b""))
        c.expect_pong(b"")
    c.send(c.frame(CONT, d, fin=True))
    c.expect_message(TEXT, payload)
    t.close_normally(c)


def fragmented_control(op):
    def make(c):
        payload = wf.close_payload(1000) if op == CLOSE else b"frag"
        return c.frame(op, payload[:1], fin=False) + c.frame(CONT, payload[1:], fin=True)
    return make


def bad_fragment_sequence(kind):
    def make(c):
        if kind == "continuation_without_start":
            return c.frame(CONT, b"nothing to continue", fin=True)
        if kind == "continuation_without_start_unfinished":
            return c.frame(CONT, b"nothing to continue", fin=False)
        if kind == "continuation_after_complete":
            return c.frame(TEXT, b"complete") + c.frame(CONT, b"too late")
        if kind == "text_inside_text":
            return c.frame(TEXT, b"first ", fin=False) + c.frame(TEXT, b"second")
        if kind == "binary_inside_text":
            return c.frame(TEXT, b"first ", fin=False) + c.frame(BINARY, b"second")
        if kind == "text_inside_binary":
            return c.frame(BINARY, b"first ", fin=False) + c.frame(TEXT, b"second", fin=False)
        raise ValueError(kind)
    return make


def continuation_after_complete(t):
    """The complete message is echoed; the stray continuation fails."""
    c = t.open()
    c.send(c.frame(TEXT, b"complete") + c.frame(CONT, b"too late") + c.frame(TEXT, b"after"))
    c.expect_message(TEXT, b"complete")
    t.expect_fail(c, 1002)


def close_inside_fragmented(t):
    """A close in the middle of a fragmented message: the close handshake
    happens and the unfinished message is never delivered."""
    c = t.open()
    c.send(c.frame(TEXT, b"never finished", fin=False) + c.frame(CLOSE, wf.close_payload(1000, b"bye")))
    c.expect_close(1000)
    t.after_close(c, 1000)


# ---- 6. UTF-8 ---------------------------------------------------------------------

def utf8_valid(t, sample, mode):
    c = t.open()
    if mode == "whole":
        c.send_frame(TEXT, sample)
        c.expect_message(TEXT, sample)
    elif mode == "split_every_position":
        for p in range(0, len(sample) + 1):
            c.send(c.frame(TEXT, sample[:p], fin=False) + c.frame(CONT, sample[p:]))
            try:
                c.expect_message(TEXT, sample)
            except AssertionError as e:
                fail("split at byte %d: %s" % (p, e))
    else:  # per_byte_fragments
        pieces = [sample[i:i + 1] for i in range(len(sample))] or [b""]
        c.send(fragments(c, TEXT, pieces))
        c.expect_message(TEXT, sample)
    t.close_normally(c)


def utf8_invalid(t, sample, mode):
    if mode == "split_every_position":
        for p in range(0, len(sample) + 1):
            c = t.open()
            c.send(c.frame(TEXT, sample[:p], fin=False) + c.frame(CONT, sample[p:]))
            try:
                t.expect_fail(c, 1007)
            except AssertionError as e:
                fail("split at byte %d: %s" % (p, e))
            t.reset()
        return
    c = t.open()
    if mode == "whole":
        c.send_frame(TEXT, sample)
    elif mode == "tcp_bytes":
        c.send_frame(TEXT, sample, chunks=1, pause=0.0005)
    else:  # per_byte_fragments
        c.send(fragments(c, TEXT, [sample[i:i + 1] for i in range(len(sample))]))
    t.expect_fail(c, 1007)


def utf8_fail_fast(t, sample, where):
    """The invalid bytes arrive and the message is left unfinished: the
    close 1007 must come without waiting for the rest (RFC 6455 8.1)."""
    c = t.open()
    if where == "first_fragment":
        c.send(c.frame(TEXT, sample, fin=False))
    elif where == "later_fragment":
        c.send(c.frame(TEXT, "κόσμε ".encode("utf-8"), fin=False) + c.frame(CONT, b"ok ", fin=False)
               + c.frame(CONT, sample, fin=False))
    else:  # within_frame: one frame whose rest never comes
        whole = c.frame(TEXT, sample + b"x" * 200)
        header = len(whole) - len(sample) - 200
        c.send(whole[:header + len(sample)])
    t.expect_fail(c, 1007, timeout=5.0)


def utf8_invalid_deep(t, size, where, fragmented_64k):
    """One bad byte deep inside a large text message."""
    payload = bytearray(text_payload(size))
    pos = {"start": 0, "middle": size // 2, "end": size - 1}[where]
    payload[pos] = 0xFF
    payload = bytes(payload)
    c = t.open()
    if fragmented_64k:
        send_big(c, fragments(c, TEXT, [payload[i:i + 64 * KiB] for i in range(0, size, 64 * KiB)]))
    else:
        send_big(c, c.frame(TEXT, payload))
    t.expect_fail(c, 1007, timeout=BIG_TIMEOUT)
    c.join_sender(BIG_TIMEOUT)


# ---- 7. close -------------------------------------------------------------------------

def close_empty(t):
    """RFC 6455 5.5.1: a close without a code is answered with a close; we
    accept an empty one or 1000 and say which."""
    c = t.open()
    c.send_frame(CLOSE, b"")
    e = c.expect_close((None, 1000))
    got = e.close_code()
    t.after_close(c, 1005 if got is None else got)
    return "answered with %s" % ("an empty close" if got is None else "close %d" % got)


def close_code(t, code, reason):
    c = t.open()
    c.send_frame(CLOSE, wf.close_payload(code, reason))
    c.expect_close(code)
    t.after_close(c, code)


def close_bad(t, payload, want):
    c = t.open()
    c.send_frame(CLOSE, payload)
    t.expect_fail(c, want)


def close_then(t, kind):
    """Nothing the peer sends after its close is acted on (RFC 6455 5.5.1:
    no more data frames after a close; 1.4: data after it is discarded)."""
    c = t.open()
    after = {"text": c.frame(TEXT, b"after close"), "binary": c.frame(BINARY, b"after close"),
             "ping": c.frame(PING, b"after close"),
             "fragment": c.frame(TEXT, b"after ", fin=False) + c.frame(CONT, b"close")}[kind]
    c.send(c.frame(CLOSE, wf.close_payload(1000, b"bye")) + after)
    c.expect_close(1000)
    t.after_close(c, 1000)


def close_chunked(t):
    c = t.open()
    c.send(c.frame(CLOSE, wf.close_payload(1000, b"chunked close")), chunks=1, pause=0.0005)
    c.expect_close(1000)
    t.after_close(c, 1000)


def ping_then_close(t):
    c = t.open()
    c.send(c.frame(PING, b"before close") + c.frame(CLOSE, wf.close_payload(1001)))
    c.expect_pong(b"before close")
    c.expect_close(1001)
    t.after_close(c, 1001)


def close_after_messages(t, count, size):
    """Messages and then a close in one write: every echo, in order, then
    the close (the close never overtakes queued data, RFC 6455 5.5.1)."""
    c = t.open()
    msgs = [binary_payload(size, t.rng) for _ in range(count)]
    send_big(c, b"".join(c.frame(BINARY, m) for m in msgs) + c.frame(CLOSE, wf.close_payload(1000, b"bye")))
    for i, m in enumerate(msgs):
        try:
            c.expect_message(BINARY, m, BIG_TIMEOUT)
        except AssertionError as e:
            fail("message %d of %d: %s" % (i + 1, count, e))
    c.expect_close(1000, BIG_TIMEOUT)
    c.join_sender(BIG_TIMEOUT)
    t.after_close(c, 1000)


def normal_close(t):
    c = t.open()
    c.send_frame(TEXT, b"hello")
    c.expect_message(TEXT, b"hello")
    t.close_normally(c)


# ---- 9. limits ------------------------------------------------------------------------

def limit(t, size, mode):
    payload = binary_payload(size, t.rng)
    c = t.open()
    if mode == "one_frame":
        send_big(c, c.frame(BINARY, payload))
    elif mode == "fragments_64k":
        send_big(c, fragments(c, BINARY, [payload[i:i + 64 * KiB] for i in range(0, size, 64 * KiB)]))
    else:  # small_writes
        send_big(c, c.frame(BINARY, payload), chunks="random", rng=t.rng, max_chunk=4 * KiB)
    c.expect_message(BINARY, payload, BIG_TIMEOUT)
    c.join_sender(BIG_TIMEOUT)
    t.close_normally(c)


def over_limit(t, mode):
    """One byte over the 16 MiB message limit: close 1009 (RFC 6455 7.4.1)."""
    payload = binary_payload(MESSAGE_LIMIT + 1, t.rng)
    c = t.open()
    if mode == "one_frame":
        send_big(c, c.frame(BINARY, payload))
    else:
        send_big(c, fragments(c, BINARY, [payload[i:i + 64 * KiB] for i in range(0, len(payload), 64 * KiB)]))
    t.expect_fail(c, 1009, timeout=BIG_TIMEOUT)
    c.join_sender(BIG_TIMEOUT)


# ---- 10. auto-fragmentation -------------------------------------------------------------

def autofragment(t, op, size):
    """The endpoint sends messages over AUTO_FRAGMENT bytes as fragments of
    at most that size: first frame the opcode, then continuations, FIN on
    the last only (checked by the reassembly in Conn)."""
    payload = payload_for(op, size, t.rng)
    c = t.open(args=["--fragment", str(AUTO_FRAGMENT)])
    send_big(c, c.frame(op, payload))
    e = c.expect_message(op, payload, BIG_TIMEOUT)
    want = max(1, -(-size // AUTO_FRAGMENT))
    sizes = [len(f.payload) for f in e.frames]
    if len(e.frames) != want or any(s > AUTO_FRAGMENT for s in sizes):
        fail("echo of %d bytes came in %d frames of %s bytes, expected %d frames of at most %d"
             % (size, len(e.frames), sizes[:8], want, AUTO_FRAGMENT))
    c.join_sender(BIG_TIMEOUT)
    t.close_normally(c)


# ---- registration -----------------------------------------------------------------------

def register_common(reg, big=True):
    for op in (TEXT, BINARY):
        for size in FRAME_SIZES:
            if size > MiB and not big:
                continue
            modes = ["whole"]
            if size <= 128:
                modes.append("chunk1")
            if size <= 64 * KiB:
                modes.append("chunk7")
            modes.append("random_chunks")
            for mode in modes:
                reg.add("framing/%s_%d_%s" % (opname(op), size, mode), framing, op, size, mode,
                        timeout=BIG_TIMEOUT if size > MiB else 10.0)
    for size in (0, 125, 126, 127, 65536):
        reg.add("framing/split_every_position_text_%d" % size, split_every_position, TEXT, size)
    reg.add("framing/split_every_position_binary_126", split_every_position, BINARY, 126)
    reg.add("framing/pipelined_100_messages", pipelined, 100, 300)
    reg.add("framing/length_with_msb_set", length_msb_set)
    reg.add("framing/pipelined_1000_small_messages", pipelined, 1000, 10)

    reg.add("ping/empty", ping, b"", None)
    reg.add("ping/125_bytes", ping, bytes(range(125)), None)
    reg.add("ping/125_bytes_chunked", ping, bytes(range(125)), 1)
    reg.add("ping/126_bytes", ping_too_long)
    reg.add("ping/unsolicited_pong", unsolicited_pong)
    reg.add("ping/ten_pings", ten_pings)
    reg.add("ping/between_messages", ping_between_messages)
    reg.add("ping/during_large_echo", ping_during_large_echo, timeout=BIG_TIMEOUT)

    for num, bit in RSV_BITS:
        for kind in ("text", "binary", "ping", "pong", "close", "continuation", "empty_text"):
            for preceded in (False, True):
                reg.add("rsv/rsv%d_%s%s" % (num, kind, "_after_message" if preceded else ""),
                        violation, rsv_bytes(kind, bit), preceded)
    for op in RESERVED_OPCODES:
        for preceded in (False, True):
            reg.add("opcode/%s_%d%s" % ("control" if op >= 8 else "data", op, "_after_message" if preceded else ""),
                    violation, opcode_bytes(op), preceded)
    for kind in ("text", "binary", "ping", "close", "continuation"):
        reg.add("mask/wrong_mask_%s" % kind, violation, wrong_mask_bytes(kind), False)
    reg.add("mask/wrong_mask_text_after_message", violation, wrong_mask_bytes("text"), True)

    for op in (TEXT, BINARY):
        for parts in (2, 3, 10, 100):
            reg.add("fragment/%s_%d_fragments" % (opname(op), parts), fragmented, op, parts, 1000)
        reg.add("fragment/%s_1000_fragments_of_1_byte" % opname(op), fragmented, op, 1000, 1000)
        reg.add("fragment/%s_empty_fragments" % opname(op), fragmented_with_empty, op)
        reg.add("fragment/%s_3_fragments_chunk1" % opname(op), fragmented, op, 3, 60, 1)
        reg.add("fragment/%s_10_fragments_random_chunks" % opname(op), fragmented, op, 10, 5000, 50)
    reg.add("fragment/64KiB_in_16_fragments", fragmented, BINARY, 16, 64 * KiB)
    reg.add("fragment/ping_between_fragments", control_between_fragments, "ping")
    reg.add("fragment/pong_between_fragments", control_between_fragments, "pong")
    reg.add("fragment/pings_between_fragments", control_between_fragments, "pings")
    for op in (PING, PONG, CLOSE):
        reg.add("fragment/fragmented_%s" % wf.opcode_name(op), violation, fragmented_control(op), False)
    for kind in ("continuation_without_start", "continuation_without_start_unfinished", "text_inside_text",
                 "binary_inside_text", "text_inside_binary"):
        reg.add("fragment/%s" % kind, violation, bad_fragment_sequence(kind), False)
        reg.add("fragment/%s_after_message" % kind, violation, bad_fragment_sequence(kind), True)
    reg.add("fragment/continuation_after_complete", continuation_after_complete)
    reg.add("fragment/close_inside_fragmented_message", close_inside_fragmented)

    for name, s in UTF8_VALID:
        for mode in ("whole", "split_every_position", "per_byte_fragments"):
            reg.add("utf8/valid_%s_%s" % (name, mode), utf8_valid, s, mode)
    for name, s in UTF8_INVALID:
        for mode in ("whole", "tcp_bytes", "split_every_position", "per_byte_fragments"):
            reg.add("utf8/invalid_%s_%s" % (name, mode), utf8_invalid, s, mode, timeout=20.0)
    for name, s in UTF8_FAIL_FAST:
        reg.add("utf8/fail_fast_%s_first_fragment" % name, utf8_fail_fast, s, "first_fragment")
    for name, s in UTF8_FAIL_FAST[::4]:
        reg.add("utf8/fail_fast_%s_later_fragment" % name, utf8_fail_fast, s, "later_fragment")
        reg.add("utf8/fail_fast_%s_within_frame" % name, utf8_fail_fast, s, "within_frame")

    for where in ("start", "middle", "end"):
        reg.add("utf8/invalid_byte_at_%s_of_1MiB" % where, utf8_invalid_deep, MiB, where, False,
                timeout=BIG_TIMEOUT)
        reg.add("utf8/invalid_byte_at_%s_of_1MiB_in_64k_fragments" % where, utf8_invalid_deep, MiB, where, True,
                timeout=BIG_TIMEOUT)

    reg.add("close/normal", normal_close)
    reg.add("close/empty", close_empty)
    for code in CLOSE_VALID:
        reg.add("close/code_%d_with_reason" % code, close_code, code, "reason κόσμε".encode("utf-8"))
    reg.add("close/code_1000_no_reason", close_code, 1000, b"")
    reg.add("close/reason_123_bytes", close_code, 1000, text_payload(123))
    for code in CLOSE_INVALID:
        reg.add("close/invalid_code_%d" % code, close_bad, wf.close_payload(code, b"x"), 1002)
    reg.add("close/one_byte_payload", close_bad, b"\x03", 1002)
    reg.add("close/reason_124_bytes", close_bad, wf.close_payload(1000, b"r" * 124), 1002)
    for name, s in (("surrogate", b"\xed\xa0\x80"), ("byte_FF", b"ok\xff"), ("truncated", b"ok\xe2\x82")):
        reg.add("close/invalid_utf8_reason_%s" % name, close_bad, wf.close_payload(1000, s), 1007)
    for kind in ("text", "binary", "ping", "fragment"):
        reg.add("close/%s_after_close_ignored" % kind, close_then, kind)
    reg.add("close/chunked", close_chunked)
    reg.add("close/after_100_messages_in_same_write", close_after_messages, 100, 1000)
    reg.add("close/after_4MiB_message_in_same_write", close_after_messages, 1, 4 * MiB, timeout=BIG_TIMEOUT)
    reg.add("close/ping_then_close", ping_then_close)

    for size in LIMIT_SIZES:
        if size > MiB and not big:
            continue
        for mode in ("one_frame", "fragments_64k", "small_writes"):
            reg.add("limits/%s_%s" % (label(size), mode), limit, size, mode, timeout=BIG_TIMEOUT)
    reg.add("limits/over_16MiB_one_frame", over_limit, "one_frame", timeout=BIG_TIMEOUT)
    reg.add("limits/over_16MiB_fragments", over_limit, "fragments", timeout=BIG_TIMEOUT)


def label(size):
    return "%dMiB" % (size // MiB) if size >= MiB else "%dKiB" % (size // KiB)


def register_autofragment(reg, prefix="autofragment/"):
    for op, size in ((TEXT, 5000), (BINARY, 5000), (BINARY, AUTO_FRAGMENT), (BINARY, AUTO_FRAGMENT + 1),
                     (TEXT, 0), (BINARY, 1 * MiB)):
        reg.add(prefix + "%s_%d" % (opname(op), size), autofragment, op, size, timeout=BIG_TIMEOUT)
