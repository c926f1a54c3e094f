#!/usr/bin/python3
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""How long a good client waits while hostile peers stream at the server.

hostile_latency.py --port N [--hostiles H] [--samples S] [--flood fragments|messages]
                   [--seconds LIMIT]

Starts nothing: it connects to an echo server on 127.0.0.1:N. H hostile
connections handshake and then write, as fast as the kernel takes it, an
endless stream of 1-byte text fragments (one message that never ends: the
server's limit closes it after 16 MiB) or of 100-byte binary messages; none
of them reads. Once they are streaming, a good
client connects S times, one after the other, and each time measures from
connect() to the 101 response (handshake) and from then to the echo of one
short text message (round trip). It prints the median and the worst of each,
in milliseconds. A sample that takes longer than LIMIT seconds counts as a
failure and ends the run (exit status 1).

The measurement belongs in bench/, not in the tests: it reads a clock.
"""

import argparse
import os
import socket
import statistics
import struct
import sys
import threading
import time

KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def frame(opcode, payload, fin=True):
    """One masked client frame (RFC 6455 5.2)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def upgrade(port):
    return (f"GET /echo HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {KEY.decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n").encode()


def read_until(sock, pred, deadline):
    data = b""
    while not pred(data):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def handshake(sock, port, deadline):
    sock.sendall(upgrade(port))
    head = read_until(sock, lambda d: b"\r\n\r\n" in d, deadline)
    if not head.startswith(b"HTTP/1.1 101") or ACCEPT not in head:
        raise ConnectionError("no 101: " + head[:80].decode(errors="replace"))
    return head[head.index(b"\r\n\r\n") + 4:]


def flood_bytes(kind):
    """What a hostile writes first, and then again and again."""
    if kind == "fragments":
        # One message that never ends: a text frame, then continuations.
        return frame(0x1, b"a", fin=False), b"".join(frame(0x0, b"a", fin=False) for _ in range(65536))
    return b"", b"".join(frame(0x2, bytes(100)) for _ in range(4096))


def hostile(port, data, stop, ready):
    first, data = data
    try:
        with socket.create_connection(("127.0.0.1", port)) as s:
            handshake(s, port, time.monotonic() + 30)
            s.sendall(first)
            ready.release()
            s.settimeout(1)
            while not stop.is_set():
                try:
                    s.sendall(data)
                except socket.timeout:
                    continue
    except OSError:
        ready.release()


def sample(port, limit):
    deadline = time.monotonic() + limit
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=limit) as s:
        rest = handshake(s, port, deadline)
        t1 = time.monotonic()
        s.sendall(frame(0x1, b"hello"))
        # The echo: an unmasked text frame "hello".
        read_until(s, lambda d: b"hello" in rest + d, deadline)
        t2 = time.monotonic()
        s.sendall(frame(0x8, struct.pack("!H", 1000)))
    return (t1 - t0) * 1000, (t2 - t1) * 1000


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--hostiles", type=int, default=1)
    p.add_argument("--samples", type=int, default=20)
    p.add_argument("--flood", choices=["fragments", "messages"], default="fragments")
    p.add_argument("--seconds", type=float, default=120)
    a = p.parse_args()

    data = flood_bytes(a.flood)
    stop = threading.Event()
    ready = threading.Semaphore(0)
    threads = [threading.Thread(target=hostile, args=(a.port, data, stop, ready), daemon=True)
               for _ in range(a.hostiles)]
    for t in threads:
        t.start()
    for _ in threads:
        ready.acquire(timeout=30)
    time.sleep(1)  # let the floods fill the server's sockets
    hs, rt = [], []
    status = 0
    try:
        for _ in range(a.samples):
            h, r = sample(a.port, a.seconds)
            hs.append(h)
            rt.append(r)
    except (OSError, TimeoutError) as e:
        print(f"hostile_latency: sample {len(hs) + 1} failed after {a.seconds} s or with {e!r}", file=sys.stderr)
        status = 1
    stop.set()
    if hs:
        print(f"flood={a.flood} hostiles={a.hostiles} samples={len(hs)}")
        print(f"handshake ms: median {statistics.median(hs):.2f} max {max(hs):.2f}")
        print(f"round trip ms: median {statistics.median(rt):.2f} max {max(rt):.2f}")
    return status


if __name__ == "__main__":
    sys.exit(main())
