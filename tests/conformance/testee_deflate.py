#!/usr/bin/python3
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""The standard suite's compression categories (12.x, 13.x) for the client:
this script plays the fuzzing server for `echo_client --testee --deflate`
(/getCaseCount, /runCase?case=i&agent=A, /updateReports?agent=A), with the
raw-socket peer of conformance.py (peer.py, wsframe.py) and its own
permessage-deflate side (deflate_peer.py: Python's zlib, strict about the
agreed window), so nothing here is shared with wsx.

  testee_deflate.py --testee build/examples/echo_client [--filter 13.2.] [--seed N]

Every case is one connection. The testee offers permessage-deflate on each
(it must be exactly "permessage-deflate; client_max_window_bits", wsx's
default offer); the case answers with its parameter set, sends compressed
messages one at a time (autobahn's way: the next after the echo), checks
each echo byte for byte, its type, and that it is compressed exactly when it
is at least 64 bytes long (wsx's default compress_threshold), then closes
with 1000 and expects the testee's 1000. Every frame the testee sends is
checked by peer.Conn: masked, RSV1 only on the first frame of a data message,
and every compressed message inflated with the agreed window (a reference
further back than the agreed window fails) and context (after
client_no_context_takeover, a reference into the last message fails).

  12.1-12.4  the answer "permessage-deflate" (autobahn's default accept),
             four data sets: UTF-8 prose (text), JSON (text), a bitmap
             (binary), random bytes (binary)
  13.1-13.7  autobahn's answers to the client's offer, on the JSON data:
             default, client_no_context_takeover, client_max_window_bits 8
             and 15, both of those together (13.7 is autobahn's accept7,
             whose first choice, no context takeover and 8 bits, the
             testee's offer allows)
  13.8-13.17 the server's own side, which the standard fuzzing server never
             varies: server_no_context_takeover, server_max_window_bits 9
             to 15, and everything at once with both windows at 9 and at 8

Each category has autobahn's 18 rows of (message size, auto-fragment size):
16 B to 128 KiB whole, then 8 to 128 KiB with our compressed payload cut in
frames of 256 bytes, and 128 KiB in frames of 1, 4 and 32 KiB. Autobahn
sends 1000 messages per row; here a row sends 100 (up to 4 KiB), then 512
KiB worth (64 of 8 KiB ... 4 of 128 KiB): consecutive slices of the data
set, so that with context takeover each message may refer back into the
ones before.

getCaseCount is answered without the extension (the testee must then go on
uncompressed), updateReports with it. One line per case (PASS/FAIL), then
the testee's own checks (the request order, exit status 0, no error on
stderr, "ran N cases"; and, run again without --deflate, that it offers
no extension), then "N passed, M failed"; the exit status is
non-zero if anything failed. 127.0.0.1 only; the whole run is bounded
(--timeout) and the testee is killed on the way out.
"""

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import peer  # noqa: E402
import wsframe as wf  # noqa: E402
from conformance import ClientCase, SuiteTimeout, on_alarm, stop_process  # noqa: E402
from deflate_cases import agreement  # noqa: E402
from deflate_peer import Codec, parse_extensions  # noqa: E402
from peer import CaseFailure, fail  # noqa: E402
from samples import KiB  # noqa: E402

AGENT = "wsx-deflate"
OFFER = [("permessage-deflate", {"client_max_window_bits": True})]  # wsx's default offer
THRESHOLD = 64  # deflate_options::compress_threshold's default: shorter echoes go uncompressed
ECHO_TIMEOUT = 10.0
CASE_TIMEOUT = 30.0

# Autobahn's MSG_SIZES: (payload length, auto-fragment size; 0: one frame).
ROWS = [(16, 0), (64, 0), (256, 0), (KiB, 0), (4 * KiB, 0), (8 * KiB, 0), (16 * KiB, 0), (32 * KiB, 0),
        (64 * KiB, 0), (128 * KiB, 0),
        (8 * KiB, 256), (16 * KiB, 256), (32 * KiB, 256), (64 * KiB, 256), (128 * KiB, 256),
        (128 * KiB, KiB), (128 * KiB, 4 * KiB), (128 * KiB, 32 * KiB)]
ROW_BYTES = 512 * KiB
ROW_MAX = 100


def row_count(size):
    return max(4, min(ROW_MAX, ROW_BYTES // size))


# ---- the data sets (deterministic from the seed) ---------------------------------------

_SYLLABLES = ["der", "die", "und", "ist", "ein", "mit", "über", "schön", "größe", "straße", "wört", "ich",
              "nacht", "faust", "geist", "welt", "한", "국", "어", "글", "말", "사", "람", "λό", "γος", "κό",
              "σμε", "ka", "mi", "to", "ra", "ne", "so", "lu", "€", "°"]


def prose(rng, n):
    """Human-readable UTF-8 (1- to 3-byte characters) of at least n bytes,
    ending on a character boundary."""
    words = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(600)]
    out = []
    size = 0
    while size < n:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(4, 16)))
        sentence = sentence[0].upper() + sentence[1:] + rng.choice([". ", "! ", "? ", ".\n", ",\n"])
        b = sentence.encode("utf-8")
        out.append(b)
        size += len(b)
    return b"".join(out)


def json_text(rng, n):
    names = ["alice", "bob", "carol", "dave", "eve", "mallory", "trent", "peggy", "victor", "walter"]
    tags = ["red", "green", "blue", "urgent", "later", "done", "open", "wsx", "deflate"]
    out = [b"["]
    size = 1
    i = 0
    while size < n:
        rec = ('{"id":%d,"user":"%s","score":%.4f,"active":%s,"tags":[%s],"text":"%s"},\n' % (
            100000 + i, rng.choice(names), rng.random() * 1000, rng.choice(["true", "false"]),
            ",".join('"%s"' % rng.choice(tags) for _ in range(rng.randint(0, 4))),
            " ".join(rng.choice(names + tags) for _ in range(rng.randint(2, 12))))).encode("ascii")
        out.append(rec)
        size += len(rec)
        i += 1
    return b"".join(out)


def bitmap(rng, n):
    """A 512-pixel-wide greyscale picture: smooth gradients with a little
    noise, as a bitmap file holds."""
    width = 512
    rows = []
    for y in range(n // width + 1):
        rows.append(bytes(((x * 3 + y * 2) // 5 + (x * y >> 9) + rng.randint(0, 3)) & 0xFF for x in range(width)))
    return b"BM" + b"".join(rows)


def random_bytes(rng, n):
    return rng.randbytes(n)


DATA_SETS = [  # (category, name, opcode, generator); sizes are not powers of two, so slices drift
    ("12.1", "UTF-8 prose", wf.OP_TEXT, prose),
    ("12.2", "JSON", wf.OP_TEXT, json_text),
    ("12.3", "bitmap", wf.OP_BINARY, bitmap),
    ("12.4", "random bytes", wf.OP_BINARY, random_bytes),
]
DATA_SIZE = 300007

# 13.x: (category, our answer to the testee's offer).
ANSWERS = [
    ("13.1", "permessage-deflate"),
    ("13.2", "permessage-deflate; client_no_context_takeover"),
    ("13.3", "permessage-deflate; client_max_window_bits=8"),
    ("13.4", "permessage-deflate; client_max_window_bits=15"),
    ("13.5", "permessage-deflate; client_no_context_takeover; client_max_window_bits=8"),
    ("13.6", "permessage-deflate; client_no_context_takeover; client_max_window_bits=15"),
    ("13.7", "permessage-deflate; client_no_context_takeover; client_max_window_bits=8"),
    ("13.8", "permessage-deflate; server_no_context_takeover"),
] + [("13.%d" % (9 + i), "permessage-deflate; server_max_window_bits=%d" % bits)
     for i, bits in enumerate(range(9, 16))] + [
    ("13.16", "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
              "server_max_window_bits=9; client_max_window_bits=9"),
    ("13.17", "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
              "server_max_window_bits=8; client_max_window_bits=8"),
]


def utf8_length(lead):
    return 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


class Slicer:
    """Consecutive messages of exactly `size` bytes from a data set, wrapping
    round; text ones valid UTF-8 (a slice starts on a character and a
    character cut at the end becomes spaces)."""

    def __init__(self, data, text):
        self.data = data
        self.text = text
        self.pos = 0

    def next(self, size):
        d = self.data
        while self.text and (d[self.pos] & 0xC0) == 0x80:
            self.pos = (self.pos + 1) % len(d)
        end = self.pos + size
        msg = d[self.pos:end] if end <= len(d) else d[self.pos:] + d[:end - len(d)]
        self.pos = end % len(d)
        if self.text:
            cut = len(msg)
            while cut > 0 and (msg[cut - 1] & 0xC0) == 0x80:
                cut -= 1  # back over continuation bytes to the last lead byte...
            if cut > 0 and msg[cut - 1] >= 0xC0 and cut - 1 + utf8_length(msg[cut - 1]) == len(msg):
                cut = len(msg)  # ...whose character was whole
            elif cut > 0 and msg[cut - 1] >= 0xC0:
                cut -= 1
            else:
                cut = len(msg)
            msg = msg[:cut] + b" " * (len(msg) - cut)
            msg.decode("utf-8")
        assert len(msg) == size
        return msg


def build_cases(rng):
    """[(name, answer, data name, opcode, data, size, fragment)]."""
    data = {}
    cases = []
    for cat, name, op, gen in DATA_SETS:
        data[name] = gen(rng, DATA_SIZE)[:DATA_SIZE]
        if op == wf.OP_TEXT:
            data[name] = data[name].decode("utf-8", "ignore").encode("utf-8")
        for i, (size, frag) in enumerate(ROWS):
            cases.append(("%s.%d" % (cat, i + 1), "permessage-deflate", name, op, size, frag))
    for cat, answer in ANSWERS:
        for i, (size, frag) in enumerate(ROWS):
            cases.append(("%s.%d" % (cat, i + 1), answer, "JSON", wf.OP_TEXT, size, frag))
    return cases, data


def describe(case):
    name, answer, dname, op, size, frag = case
    params = answer[len("permessage-deflate"):].lstrip("; ") or "default"
    return "%s %s x%d of %d B%s [%s]" % (name, dname, row_count(size), size,
                                        ", frames of %d B" % frag if frag else "", params)


# ---- one connection ---------------------------------------------------------------------

class Server:
    def __init__(self, testee, listener, port, rng):
        self.testee = testee
        self.listener = listener
        self.port = port
        self.rng = rng
        self.proc = None
        self.out = tempfile.TemporaryFile()
        self.err = tempfile.TemporaryFile()
        self.keys = set()
        self.seen = []  # request targets, in order

    def start(self, args):
        self.proc = subprocess.Popen([self.testee, "--testee", "ws://127.0.0.1:%d" % self.port] + args,
                                     stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)

    def accept(self, target, answer, offer=OFFER):
        """The testee's next connection: its request must be for target,
        with the offer (wsx's default; [] for none); we answer 101 with
        answer (None: no extension). Returns the connection, with its codec
        if agreed."""
        ctx = ClientCase(self.testee, self.listener, self.port, self.rng, "x")
        ctx.path = target
        ctx.proc, ctx.out, ctx.err = self.proc, self.out, self.err
        ctx.seen_keys = self.keys
        c, start, headers = ctx.accept_request(ECHO_TIMEOUT)
        parts = start.split(" ")
        self.seen.append(parts[1] if len(parts) == 3 else start)
        key = ctx.check_request(start, headers)
        offered = peer.header(headers, "sec-websocket-extensions")
        if parse_extensions(offered) != offer:
            fail("the testee offered Sec-WebSocket-Extensions: %r, expected %s" % (
                offered, "'permessage-deflate; client_max_window_bits'" if offer else "none"))
        hs = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Accept: %s\r\n" % wf.accept_key(key))
        if answer is not None:
            hs += "Sec-WebSocket-Extensions: %s\r\n" % answer
            c.deflate = Codec(agreement(OFFER[0][1], parse_extensions(answer)[0][1]), "server")
        c.send((hs + "\r\n").encode("latin-1"))
        return c

    def close(self, c):
        """Our close 1000; the testee answers 1000 (uncompressed: Conn
        checks); we close TCP first (RFC 6455 7.1.1)."""
        c.send_frame(wf.OP_CLOSE, wf.close_payload(1000))
        c.expect_close(1000)
        c.close()

    def stop(self):
        stop_process(self.proc)
        for f in (self.out, self.err):
            f.close()


def send_compressed(c, op, data, frag):
    """One message, compressed with our codec, its payload cut in frames of
    at most frag bytes (autobahn's autoFragmentSize), RSV1 on the first."""
    z = c.deflate.compress(data)
    pieces = [z[i:i + frag] for i in range(0, len(z), frag)] if frag else [z]
    pieces = pieces or [b""]
    out = b"".join(c.frame(op if i == 0 else wf.OP_CONT, p, fin=i == len(pieces) - 1, rsv=wf.RSV1 if i == 0 else 0)
                   for i, p in enumerate(pieces))
    if len(out) > 256 * KiB:
        c.send_background(out)
    else:
        c.send(out)
    return len(z), len(pieces)


def run_case(srv, index, case, data):
    name, answer, dname, op, size, frag = case
    c = srv.accept("/runCase?case=%d&agent=%s" % (index, AGENT), answer)
    try:
        slicer = Slicer(data[dname], op == wf.OP_TEXT)
        count = row_count(size)
        sent = zsent = zgot = 0
        for i in range(count):
            msg = slicer.next(size)
            zlen, _ = send_compressed(c, op, msg, frag)
            try:
                e = c.expect_message(op, msg, ECHO_TIMEOUT)
                c.join_sender(ECHO_TIMEOUT)
            except CaseFailure as ex:
                fail("message %d of %d: %s" % (i + 1, count, ex))
            if e.compressed != (size >= THRESHOLD):
                fail("message %d of %d: the echo of %d bytes was %scompressed; wsx's threshold is %d bytes"
                     % (i + 1, count, size, "" if e.compressed else "not ", THRESHOLD))
            sent += size
            zsent += zlen
            if e.compressed:
                zgot += sum(len(f.payload) for f in e.frames)
        srv.close(c)
        if zgot:
            return "%d messages, our payload %.0f%%, the testee's %.0f%% of the size" % (
                count, 100.0 * zsent / sent, 100.0 * zgot / sent)
        return "%d messages, echoes uncompressed (below the threshold)" % count
    finally:
        c.close()


def without_deflate(testee, rng):
    """echo_client --testee without --deflate offers nothing: one case of
    one uncompressed message, on every connection no extension offered.
    Returns None or what went wrong."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    srv = Server(testee, listener, listener.getsockname()[1], rng)
    try:
        srv.start(["--agent", AGENT])
        c = srv.accept("/getCaseCount", None, [])
        c.send_frame(wf.OP_TEXT, b"1")
        srv.close(c)
        c = srv.accept("/runCase?case=1&agent=%s" % AGENT, None, [])
        c.send_frame(wf.OP_TEXT, b"plain")
        c.expect_message(wf.OP_TEXT, b"plain")
        srv.close(c)
        c = srv.accept("/updateReports?agent=%s" % AGENT, None, [])
        srv.close(c)
        try:
            rc = srv.proc.wait(10)
        except subprocess.TimeoutExpired:
            return "the testee did not exit within 10 s after updateReports"
        srv.err.seek(0)
        err = srv.err.read().decode("utf-8", "replace").strip()
        if rc != 0 or err:
            return "the testee exited with status %d: %s" % (rc, err[-300:])
        return None
    except CaseFailure as e:
        return str(e)
    finally:
        listener.close()
        srv.stop()


def first_difference(seen, expected):
    for i in range(max(len(seen), len(expected))):
        a = seen[i] if i < len(seen) else None
        b = expected[i] if i < len(expected) else None
        if a != b:
            return "request %d was %r, expected %r" % (i + 1, a, b)
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--testee", required=True, help="path of examples/echo_client")
    ap.add_argument("--filter", action="append", help="run only cases whose name starts with this (repeatable)")
    ap.add_argument("--seed", type=int, default=7692)
    ap.add_argument("--timeout", type=int, default=280, help="bound of the whole run, seconds")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    cases, data = build_cases(rng)
    if args.filter:
        cases = [c for c in cases if any(c[0].startswith(f) for f in args.filter)]
    print("seed %d, %d cases" % (args.seed, len(cases)), flush=True)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.timeout)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    srv = Server(args.testee, listener, listener.getsockname()[1], rng)
    results = []  # (name, error or None)
    checks = []
    aborted = None
    t_start = time.monotonic()
    try:
        srv.start(["--agent", AGENT, "--deflate"])
        # getCaseCount: declined, so uncompressed both ways.
        c = srv.accept("/getCaseCount", None)
        c.send_frame(wf.OP_TEXT, str(len(cases)).encode())
        srv.close(c)
        for i, case in enumerate(cases, 1):
            t0 = time.monotonic()
            err = note = None
            try:
                note = run_case(srv, i, case, data)
            except CaseFailure as e:
                err = str(e)
            except SuiteTimeout:
                raise
            except Exception as e:
                err = "%s: %s" % (type(e).__name__, e)
                if args.verbose:
                    traceback.print_exc()
            dt = time.monotonic() - t0
            if err is None and dt > CASE_TIMEOUT:
                err = "took %.1f s, more than the case's bound of %.0f s" % (dt, CASE_TIMEOUT)
            results.append((case[0], err))
            if err is None:
                print("PASS %s (%.2f s): %s" % (describe(case), dt, note), flush=True)
            else:
                print("FAIL %s (%.2f s): %s" % (describe(case), dt, err), flush=True)
                if srv.proc.poll() is not None:
                    aborted = "the testee exited (status %d) during case %s" % (srv.proc.returncode, case[0])
                    break
        if aborted is None:
            # updateReports: agreed, and closed without a message.
            c = srv.accept("/updateReports?agent=%s" % AGENT, "permessage-deflate")
            srv.close(c)
            try:
                srv.proc.wait(10)
            except subprocess.TimeoutExpired:
                fail("the testee did not exit within 10 s after updateReports")
    except SuiteTimeout:
        aborted = "the run did not finish within %d s" % args.timeout
    except CaseFailure as e:
        aborted = str(e)
    except Exception as e:
        aborted = "%s: %s" % (type(e).__name__, e)
        traceback.print_exc()
    finally:
        signal.alarm(0)
        listener.close()
        srv.out.seek(0)
        srv.err.seek(0)
        out = srv.out.read().decode("utf-8", "replace")
        err = srv.err.read().decode("utf-8", "replace")
        rc = srv.proc.poll() if srv.proc is not None else None
        srv.stop()

    expected = ["/getCaseCount"] + ["/runCase?case=%d&agent=%s" % (i, AGENT) for i in range(1, len(cases) + 1)] + \
        ["/updateReports?agent=%s" % AGENT]
    checks.append(("the testee's requests, in the protocol's order", srv.seen == expected,
                   first_difference(srv.seen, expected)))
    checks.append(("the testee exits 0", rc == 0, "status %r" % rc))
    checks.append(("the testee reports no error", err.strip() == "", err.strip()[-600:]))
    checks.append(("the testee reports the case count", ("ran %d cases" % len(cases)) in out, out[-300:]))
    if aborted is None:
        problem = without_deflate(args.testee, rng)
        checks.append(("without --deflate the testee offers no extension", problem is None, problem))
    for name, ok, detail in checks:
        print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": %s" % detail), flush=True)

    failed = sum(1 for _, e in results if e is not None) + sum(1 for _, ok, _ in checks if not ok)
    passed = len(results) + len(checks) - failed
    if aborted:
        print("ABORTED: %s" % aborted)
        failed += 1
    print("suite time %.1f s" % (time.monotonic() - t_start))
    print("%d passed, %d failed (%d cases of %d run, %d checks of the testee)"
          % (passed, failed, len(results), len(cases), len(checks)), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
