#!/usr/bin/python3
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""interop/python_deflate: Python's `websockets` negotiates permessage-deflate
(RFC 7692) with `echo_server --deflate` and exchanges compressed messages.

    /usr/bin/python3 python_deflate.py --echo-server PATH

websockets offers permessage-deflate with client_max_window_bits by default;
each case checks the extension really is active on the Python side, so a
silently declined offer fails the test."""

import argparse
import asyncio
import sys

from interop_util import check, import_websockets, program, runner

websockets = import_websockets()
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory  # noqa: E402

MiB = 1 << 20


def deflate_active(ws):
    return any(type(e).__name__ == "PerMessageDeflate" for e in ws.extensions)


async def roundtrip(url, **kw):
    async with websockets.connect(url, ping_interval=None, open_timeout=10, close_timeout=10,
                                  max_size=None, **kw) as ws:
        check(deflate_active(ws), "permessage-deflate was not negotiated: %r" % ws.extensions)
        messages = ["hello", "hello", "x" * 100_000, "", "h\u00e9llo w\u00f6rld \u2713",
                    bytes(range(256)) * 64, "json " * 2000]
        for m in messages:  # several messages: context takeover across them
            await ws.send(m)
            echo = await asyncio.wait_for(ws.recv(), 10)
            check(echo == m, "echo differs for a %s of %d" % (type(m).__name__, len(m)))


async def default_offer(url):
    await roundtrip(url)


async def no_context_takeover(url):
    await roundtrip(url, extensions=[ClientPerMessageDeflateFactory(
        server_no_context_takeover=True, client_no_context_takeover=True,
        server_max_window_bits=10, client_max_window_bits=12)])


async def inflated_limit(url):
    # 17 MiB of one letter compresses to a few KiB; the server's 16 MiB limit
    # applies to the inflated size: close 1009.
    async with websockets.connect(url, ping_interval=None, open_timeout=10, close_timeout=10,
                                  max_size=None) as ws:
        check(deflate_active(ws), "permessage-deflate was not negotiated")
        await ws.send("a" * (17 * MiB))
        try:
            await asyncio.wait_for(ws.recv(), 20)
            check(False, "the oversized message was echoed")
        except websockets.exceptions.ConnectionClosed as e:
            check(e.rcvd is not None and e.rcvd.code == 1009, "expected close 1009, got %r" % (e.rcvd,))


CASES = [("default_offer", default_offer), ("no_context_takeover_small_windows", no_context_takeover),
         ("limit_on_inflated_size", inflated_limit)]


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--echo-server", required=True)
    args = ap.parse_args()
    server = program("echo_server", [args.echo_server, "--port", "0", "--host", "127.0.0.1", "--deflate"])
    run = runner("python_deflate")
    try:
        await server.start()
        port = int((await server.wait_line(r"echo_server listening on port (\d+)")).group(1))
        for name, fn in CASES:
            await run.case(name, fn, "ws://127.0.0.1:%d/" % port)
    except Exception as e:
        run._fail("setup", "%s: %s" % (type(e).__name__, e))
    finally:
        await server.stop()
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
