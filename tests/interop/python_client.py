#!/usr/bin/python3
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""interop/python_client: Python's `websockets` (a real, independent peer)
as the client of wsx's echo_server.

    /usr/bin/python3 python_client.py --echo-server PATH

Starts `echo_server --port 0 --host 127.0.0.1`, runs every case against it
on 127.0.0.1 only, and stops the server whatever happens. Exit 0 when every
case passed. Needs Debian's python3-websockets (10.x); without it the test
fails, it does not skip."""

import argparse
import asyncio
import random
import sys

from interop_util import check, describe, import_websockets, program, runner

websockets = import_websockets()
from websockets.exceptions import ConnectionClosed  # noqa: E402

MiB = 1 << 20
SERVER_LIMIT = 16 * MiB  # echo_server's max_message_size

# Every length encoding and its edges (RFC 6455 5.2): 7-bit up to 125,
# 16-bit from 126 to 65535, 64-bit from 65536.
SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, MiB]


def text_of(n):
    """Exactly n UTF-8 bytes mixing 1-, 2-, 3- and 4-byte characters, so big
    messages split characters across wsx's read buffer boundaries."""
    unit = "a\u00e9\u20ac\U0001F642"  # 1 + 2 + 3 + 4 bytes
    s = unit * (n // 10)
    return s + "a" * (n - len(s.encode("utf-8")))


def binary_of(n):
    return random.Random(n).randbytes(n)


def connect(url, **kw):
    # websockets' own default max_size is 1 MiB: lift it to what the server
    # allows. No compression unless a case asks: wsx does not offer it yet.
    kw.setdefault("max_size", None)
    kw.setdefault("compression", None)
    return websockets.connect(url, ping_interval=None, open_timeout=10, close_timeout=10, **kw)


async def expect_echo(ws, data):
    await ws.send(data)
    got = await ws.recv()
    check(type(got) is type(data), "sent %s, got back %s" % (describe(data), describe(got)))
    check(got == data, "sent %s, the echo differs" % describe(data))


async def expect_close(ws, code, what):
    """The close frame the server sent has this code, and the socket ended."""
    await asyncio.wait_for(ws.wait_closed(), 20)
    rcvd = ws.close_rcvd
    check(rcvd is not None, "%s: no close frame from the server (connection dropped, code %s)"
          % (what, ws.close_code))
    check(rcvd.code == code, "%s: the server closed with %d %r, expected %d"
          % (what, rcvd.code, rcvd.reason, code))


async def case_text(url):
    async with connect(url + "/text") as ws:
        for s in ["hello", "h\u00e9llo w\u00f6rld \u2014 \ud55c\uae00 \U0001F642", "{\"json\": [1, 2, 3]}"]:
            await expect_echo(ws, s)


async def case_binary(url):
    async with connect(url + "/binary") as ws:
        await expect_echo(ws, bytes(range(256)))
        await expect_echo(ws, b"\x00\xff\x00")  # not UTF-8: binary is not validated


async def case_sizes(url):
    async with connect(url + "/sizes") as ws:
        for n in SIZES:
            await expect_echo(ws, text_of(n))
            await expect_echo(ws, binary_of(n))


async def case_fragmented(url):
    # An iterable is sent as one fragmented message (continuation frames).
    async with connect(url + "/fragments") as ws:
        await ws.send(["frag", "men", "ted \u00e9"])
        check(await ws.recv() == "fragmented \u00e9", "fragmented text came back different")
        await ws.send([b"\x01\x02", b"", b"\x03"])
        check(await ws.recv() == b"\x01\x02\x03", "fragmented binary came back different")


async def case_pipelined(url):
    # Many messages in flight at once come back complete and in order.
    async with connect(url + "/pipelined") as ws:
        sent = ["message %d" % i for i in range(1000)]
        for s in sent:
            await ws.send(s)
        got = [await ws.recv() for _ in sent]
        check(got == sent, "pipelined messages came back out of order or changed")


async def case_ping(url):
    async with connect(url + "/ping") as ws:
        for payload in [b"wsx-ping", b"", bytes(range(125))]:
            pong = await ws.ping(payload)       # resolves only on a pong with this payload
            await asyncio.wait_for(pong, 10)
        await expect_echo(ws, "still open after pings")


async def case_close_1000(url):
    ws = await connect(url + "/close")
    await expect_echo(ws, "before close")
    await ws.close(1000, "bye bye")
    await expect_close(ws, 1000, "client closed with 1000")


async def case_close_4000(url):
    ws = await connect(url + "/close")
    await ws.close(4000, "application code")
    await expect_close(ws, 4000, "client closed with 4000")


async def case_at_limit(url):
    # Exactly the server's limit is allowed.
    async with connect(url + "/limit") as ws:
        await expect_echo(ws, binary_of(SERVER_LIMIT))


async def case_over_limit(url):
    # One byte over the limit: the server closes with 1009 (RFC 6455 7.4.1).
    ws = await connect(url + "/too-big")
    try:
        await ws.send(b"x" * (SERVER_LIMIT + 1))
        await ws.recv()
        raise AssertionError("the server echoed a message over its limit")
    except ConnectionClosed:
        pass
    await expect_close(ws, 1009, "a message of 16 MiB + 1")


async def case_deflate_declined(url):
    # websockets offers permessage-deflate by default. wsx does not accept it
    # (yet): the 101 has no Sec-WebSocket-Extensions and both sides carry on
    # uncompressed (RFC 6455 9.1).
    async with connect(url + "/deflate", compression="deflate") as ws:
        offered = ws.request_headers.get("Sec-WebSocket-Extensions", "")
        check("permessage-deflate" in offered, "the client did not offer permessage-deflate: %r" % offered)
        accepted = ws.response_headers.get_all("Sec-WebSocket-Extensions")
        check(not accepted, "the server answered Sec-WebSocket-Extensions: %r" % accepted)
        check(not ws.extensions, "an extension is active: %r" % ws.extensions)
        await expect_echo(ws, "uncompressed " * 100)
        await expect_echo(ws, binary_of(70000))


async def case_concurrent(url):
    async def one(i):
        async with connect(url + "/concurrent/%d" % i) as ws:
            for j in range(20):
                await expect_echo(ws, "client %d message %d" % (i, j))
    await asyncio.gather(*(one(i) for i in range(20)))


CASES = [
    ("text", case_text),
    ("binary", case_binary),
    ("sizes", case_sizes),
    ("fragmented", case_fragmented),
    ("pipelined", case_pipelined),
    ("ping", case_ping),
    ("close_1000", case_close_1000),
    ("close_4000", case_close_4000),
    ("at_limit_16MiB", case_at_limit),
    ("over_limit_1009", case_over_limit),
    ("deflate_declined", case_deflate_declined),
    ("concurrent", case_concurrent),
]


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--echo-server", required=True, help="path of wsx's echo_server")
    ap.add_argument("--case", action="append", help="run only these cases")
    args = ap.parse_args()

    print("python websockets %s" % websockets.version.version, flush=True)
    server = program("echo_server", [args.echo_server, "--port", "0", "--host", "127.0.0.1"])
    run = runner("python_client")
    try:
        await server.start()
        port = int((await server.wait_line(r"echo_server listening on port (\d+)")).group(1))
        url = "ws://127.0.0.1:%d" % port
        for name, fn in CASES:
            if not args.case or name in args.case:
                await run.case(name, fn, url)
        check(server.proc.returncode is None, "echo_server died during the run")
    except Exception as e:
        run._fail("setup", "%s: %s" % (type(e).__name__, e))
    finally:
        await server.stop()
        if server.err_lines:
            print("echo_server stderr (last lines):\n  " + "\n  ".join(server.err_lines[-10:]), flush=True)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
