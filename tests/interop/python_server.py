#!/usr/bin/python3
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""interop/python_server: wsx's client against a server written with
Python's `websockets` (a real, independent peer).

    /usr/bin/python3 python_server.py --testee PATH [--echo-client PATH]

A websockets server listens on 127.0.0.1, port 0. The client_testee
(tests/conformance/client_testee.cpp: connects, echoes every message, prints
`open`, `error <message>`, `close <code>[ <reason>]`) is run against it while
the server drives a script: text, binary, every length encoding, a
fragmented message, pings, then a close with a code; the testee's lines and
exit code are checked. echo_client (examples/) is run against an echo
endpoint of the same server. Every child is stopped on exit."""

import argparse
import asyncio
import random
import sys

from interop_util import check, describe, import_websockets, program, runner

websockets = import_websockets()

MiB = 1 << 20
SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, MiB]
TESTEE_TIMEOUT = 30.0


def text_of(n):
    unit = "a\u00e9\u20ac\U0001F642"  # 1 + 2 + 3 + 4 UTF-8 bytes
    s = unit * (n // 10)
    return s + "a" * (n - len(s.encode("utf-8")))


class scripted_server:
    """One websockets server; each path is a script run against whoever
    connects to it. What each script saw is kept for the checks."""

    def __init__(self):
        self.server = None
        self.port = None
        self.done = {}      # path -> asyncio.Future: None when the script passed, else an exception
        self.requests = {}  # path -> the request headers the client sent
        self.paths = {}     # path -> the request target as sent (with the query)

    async def start(self):
        self.server = await websockets.serve(self.handler, "127.0.0.1", 0, max_size=None,
                                             compression=None, ping_interval=None, close_timeout=10)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self):
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    def expect(self, name):
        self.done[name] = asyncio.get_running_loop().create_future()
        return self.done[name]

    async def handler(self, ws, path=None):
        path = path if path is not None else ws.path
        name = path.split("?")[0].strip("/")
        self.requests[name] = ws.request_headers
        self.paths[name] = path
        fut = self.done.get(name)
        try:
            if name == "echo":
                async for m in ws:
                    await ws.send(m)
                result = None
            else:
                await getattr(self, "script_" + name)(ws)
                result = None
        except Exception as e:
            result = e
        if fut is not None and not fut.done():
            fut.set_result(result)

    async def script_full(self, ws):
        async def round_trip(data):
            await ws.send(data)
            got = await asyncio.wait_for(ws.recv(), 20)
            check(type(got) is type(data), "sent %s, the client sent back %s" % (describe(data), describe(got)))
            check(got == data, "sent %s, the client's echo differs" % describe(data))

        await round_trip("hello from python")
        await round_trip("h\u00e9llo \u2014 \ud55c\uae00 \U0001F642")
        await round_trip(bytes(range(256)))
        for n in SIZES:
            await round_trip(text_of(n))
            await round_trip(random.Random(n).randbytes(n))
        # A fragmented message reaches the wsx client's handler whole.
        await ws.send(["frag", "men", "ted"])
        check(await asyncio.wait_for(ws.recv(), 20) == "fragmented", "a fragmented message came back different")
        # Pings are answered by the library with the same payload.
        for payload in [b"py-ping", b"", bytes(range(125))]:
            await asyncio.wait_for(await ws.ping(payload), 10)
        # Many in flight at once.
        sent = ["burst %d" % i for i in range(500)]
        for s in sent:
            await ws.send(s)
        got = [await asyncio.wait_for(ws.recv(), 20) for _ in sent]
        check(got == sent, "a burst of 500 came back out of order or changed")
        await ws.close(4001, "python done")
        await asyncio.wait_for(ws.wait_closed(), 20)
        check(ws.close_rcvd is not None, "the client dropped TCP without answering the close frame")
        check(ws.close_rcvd.code == 4001, "the client answered the close with %d, not the echoed 4001"
              % ws.close_rcvd.code)

    async def script_close_normal(self, ws):
        await ws.close(1000)
        await asyncio.wait_for(ws.wait_closed(), 20)
        check(ws.close_rcvd is not None and ws.close_rcvd.code == 1000,
              "the client did not answer the close with 1000: %r" % (ws.close_rcvd,))

    async def script_close_going_away(self, ws):
        await ws.send("one message first")
        check(await asyncio.wait_for(ws.recv(), 20) == "one message first", "echo before close differs")
        await ws.close(1001, "server going away \u2014 \u00e0 bient\u00f4t")
        await asyncio.wait_for(ws.wait_closed(), 20)
        check(ws.close_rcvd is not None and ws.close_rcvd.code == 1001,
              "the client did not answer the close with 1001: %r" % (ws.close_rcvd,))


async def run_testee(server, testee, name, query=""):
    """Runs the testee against one script; returns its stdout lines."""
    done = server.expect(name)
    proc = program("client_testee", [testee, "ws://127.0.0.1:%d/%s%s" % (server.port, name, query)])
    try:
        await proc.start()
        code = await proc.wait_exit(TESTEE_TIMEOUT)
        check(code == 0, "client_testee exited with %s; stderr: %s" % (code, proc.err_lines[-5:]))
        outcome = await asyncio.wait_for(done, 5)
        if outcome is not None:
            raise AssertionError("server script: %s: %s" % (type(outcome).__name__, outcome))
        return proc.out_lines
    finally:
        await proc.stop()


async def case_full(server, testee):
    lines = await run_testee(server, testee, "full", "?who=wsx&n=1")
    check(lines == ["open", "close 4001 python done"],
          "client_testee printed %r, expected ['open', 'close 4001 python done']" % lines)
    # What the wsx client put in its handshake, as the peer saw it.
    req = server.requests["full"]
    check(server.paths["full"] == "/full?who=wsx&n=1", "request target %r" % server.paths["full"])
    check(req.get("Host") == "127.0.0.1:%d" % server.port, "Host header %r" % req.get("Host"))
    check(req.get("Sec-WebSocket-Version") == "13", "Sec-WebSocket-Version %r" % req.get("Sec-WebSocket-Version"))


async def case_close_normal(server, testee):
    lines = await run_testee(server, testee, "close_normal")
    check(lines == ["open", "close 1000"], "client_testee printed %r, expected ['open', 'close 1000']" % lines)


async def case_close_going_away(server, testee):
    lines = await run_testee(server, testee, "close_going_away")
    check(lines == ["open", "close 1001 server going away \u2014 \u00e0 bient\u00f4t"],
          "client_testee printed %r, expected ['open', 'close 1001 server going away ...']" % lines)


async def case_echo_client(server, echo_client):
    messages = ["one", "two", "h\u00e9llo \U0001F642", "four"]
    done = server.expect("echo")
    proc = program("echo_client", [echo_client, "ws://127.0.0.1:%d/echo" % server.port] + messages)
    try:
        await proc.start()
        code = await proc.wait_exit(TESTEE_TIMEOUT)
        check(code == 0, "echo_client exited with %s; stderr: %s" % (code, proc.err_lines[-5:]))
        check(proc.out_lines == messages, "echo_client printed %r" % proc.out_lines)
        # websockets ends `async for` on a normal close; an error would be set here.
        outcome = await asyncio.wait_for(done, 5)
        check(outcome is None, "server side: %r" % outcome)
    finally:
        await proc.stop()


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--testee", required=True, help="path of client_testee")
    ap.add_argument("--echo-client", help="path of examples' echo_client")
    args = ap.parse_args()

    print("python websockets %s" % websockets.version.version, flush=True)
    server = scripted_server()
    run = runner("python_server")
    try:
        await server.start()
        await run.case("full_script", case_full, server, args.testee)
        await run.case("close_1000", case_close_normal, server, args.testee)
        await run.case("close_1001_reason", case_close_going_away, server, args.testee)
        if args.echo_client:
            await run.case("echo_client", case_echo_client, server, args.echo_client)
    except Exception as e:
        run._fail("setup", "%s: %s" % (type(e).__name__, e))
    finally:
        await server.stop()
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
