#!/usr/bin/python3
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""tls/python: wss:// between wsx and Python's websockets over Python's ssl
module (an independent TLS and WebSocket stack), both ways.

    /usr/bin/python3 python_tls.py --peer PATH/TO/tls_peer

tls_peer (tls_peer.cpp) writes a throwaway CA and a server certificate for
localhost/127.0.0.1 into a temporary directory, then:
  * Python client -> wsx server: wss://localhost and wss://127.0.0.1 with the
    CA as the only trust anchor (Python checks the name), TLS 1.3 and TLS 1.2,
    text and binary up to 1 MiB, a clean close with 1000;
  * wsx client -> Python server: the same messages and close; and a wrong
    server name, which must fail with wsx's "host name mismatch".
Everything listens on 127.0.0.1, port 0; every wait is bounded; every
child is stopped on exit. A missing websockets module fails the test."""

import argparse
import asyncio
import ctypes
import os
import re
import shutil
import ssl
import sys
import tempfile

try:
    import websockets
except ImportError as e:
    sys.stderr.write("tls/python: FAIL: python3-websockets is missing (%s); apt-get install python3-websockets "
                     "and run with /usr/bin/python3\n" % e)
    sys.exit(1)

CASE_TIMEOUT = 60.0
MiB = 1 << 20
SIZES = [0, 1, 125, 126, 16384, 65535, 65536, MiB]
# The TLS 1.2 ciphers wsx allows by default (ECDHE + AEAD).
WSX_TLS12_CIPHERS = {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                     "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"}


def die_with_parent():
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except Exception:
        pass


def payload(n, binary):
    if binary:
        return bytes((i * 31 + 7) & 0xFF for i in range(n))
    return "".join(chr(ord("a") + i % 26) for i in range(n))


async def run(argv, timeout=CASE_TIMEOUT):
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                preexec_fn=die_with_parent)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise RuntimeError("%s did not finish within %.0f s" % (argv[1], timeout))
    return proc.returncode, out.decode(), err.decode()


class wsx_server:
    def __init__(self, peer, certs):
        self.argv = [peer, "server", os.path.join(certs, "server.pem"), os.path.join(certs, "server.key")]
        self.proc = None
        self.port = None

    async def __aenter__(self):
        self.proc = await asyncio.create_subprocess_exec(*self.argv, stdin=asyncio.subprocess.PIPE,
                                                         stdout=asyncio.subprocess.PIPE, preexec_fn=die_with_parent)
        line = await asyncio.wait_for(self.proc.stdout.readline(), 15.0)
        m = re.fullmatch(rb"port (\d+)\n", line)
        if not m:
            raise RuntimeError("tls_peer server printed %r instead of its port" % line)
        self.port = int(m.group(1))
        return self

    async def __aexit__(self, *exc):
        # Closing stdin asks for a graceful stop (1001 to open sessions).
        self.proc.stdin.close()
        try:
            code = await asyncio.wait_for(self.proc.wait(), 15.0)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise RuntimeError("tls_peer server did not stop when asked")
        if code != 0:
            raise RuntimeError("tls_peer server exited with %d" % code)


def client_context(certs, max_version=None):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=os.path.join(certs, "ca.pem"))
    if max_version is not None:
        ctx.maximum_version = max_version
    return ctx


async def python_client(peer, certs, host, max_version=None):
    async with wsx_server(peer, certs) as server:
        ctx = client_context(certs, max_version)
        uri = "wss://%s:%d/echo" % (host, server.port)
        async with websockets.connect(uri, ssl=ctx, max_size=None, compression=None, ping_interval=None,
                                      server_hostname=host) as ws:
            tls = ws.transport.get_extra_info("ssl_object")
            version, cipher = tls.version(), tls.cipher()[0]
            if max_version == ssl.TLSVersion.TLSv1_2:
                assert version == "TLSv1.2", version
                assert cipher in WSX_TLS12_CIPHERS, "TLS 1.2 cipher %s is not ECDHE+AEAD" % cipher
            else:
                assert version == "TLSv1.3", version
            for n in SIZES:
                for binary in (False, True):
                    p = payload(n, binary)
                    await ws.send(p)
                    got = await asyncio.wait_for(ws.recv(), 30.0)
                    assert got == p, "echo of %d %s bytes differs" % (n, "binary" if binary else "text")
            await ws.close(1000, "done")
            assert ws.close_code == 1000, ws.close_code


async def python_server(peer, certs, host, server_name=None, expect_error=None):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(certs, "server.pem"), os.path.join(certs, "server.key"))
    closes = []

    async def echo(ws, path=None):
        async for m in ws:
            await ws.send(m)
        closes.append(ws.close_code)

    async with websockets.serve(echo, "127.0.0.1", 0, ssl=ctx, max_size=None, compression=None,
                                ping_interval=None) as srv:
        port = srv.sockets[0].getsockname()[1]
        argv = [peer, "client", "wss://%s:%d/echo" % (host, port), os.path.join(certs, "ca.pem")]
        if server_name:
            argv.append(server_name)
        code, out, err = await run(argv)
        lines = out.splitlines()
        if expect_error:
            assert code != 0, "the wsx client succeeded: %s" % lines
            assert any(l.startswith("error ") and expect_error in l for l in lines), \
                "expected an error naming %r, got %s %s" % (expect_error, lines, err)
            assert "open" not in lines, lines
            return
        assert code == 0, "wsx client exited %d: %s %s" % (code, lines, err)
        assert lines == ["open", "echo ok", "close 1000"], lines
        for _ in range(100):  # the server's handler ends right after the close handshake
            if closes:
                break
            await asyncio.sleep(0.05)
        assert closes == [1000], closes


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True)
    args = ap.parse_args()
    if not os.access(args.peer, os.X_OK):
        sys.stderr.write("tls/python: FAIL: no tls_peer at %s (build it first)\n" % args.peer)
        return 1
    certs = tempfile.mkdtemp(prefix="wsx-tls-py-")
    try:
        code, out, err = await run([args.peer, "certs", certs])
        if code != 0:
            sys.stderr.write("tls/python: FAIL: tls_peer certs: %s\n" % err)
            return 1
        cases = [
            ("python client -> wsx server, wss://localhost, TLS 1.3", python_client(args.peer, certs, "localhost")),
            ("python client -> wsx server, wss://127.0.0.1, TLS 1.3", python_client(args.peer, certs, "127.0.0.1")),
            ("python client -> wsx server, TLS 1.2 only",
             python_client(args.peer, certs, "localhost", ssl.TLSVersion.TLSv1_2)),
            ("wsx client -> python server, wss://localhost", python_server(args.peer, certs, "localhost")),
            ("wsx client -> python server, wss://127.0.0.1", python_server(args.peer, certs, "127.0.0.1")),
            ("wsx client -> python server, wrong name is rejected",
             python_server(args.peer, certs, "127.0.0.1", "wrong.test", "host name mismatch")),
        ]
        failed = 0
        for name, coro in cases:
            try:
                await asyncio.wait_for(coro, CASE_TIMEOUT)
                print("PASS %s" % name)
            except Exception as e:
                failed += 1
                print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
        print("%d passed, %d failed" % (len(cases) - failed, failed))
        return 1 if failed else 0
    finally:
        shutil.rmtree(certs, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
