#!/usr/bin/python3
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""wsx's own RFC 6455 conformance suite.

  conformance.py --echo-server PATH   server role: this script is the client,
                                      echo_server the endpoint under test
  conformance.py --testee PATH        client role: this script is the server,
                                      client_testee (a wsx::client) connects

Both may be given; --role picks one. A raw-socket peer with its own frame
codec (wsframe.py) writes exact bytes, valid and invalid, and checks exact
bytes, close codes and that every wait ends within a bound. One line per
case, PASS or FAIL with the cause, then "N passed, M failed"; the exit
status is non-zero if any case failed.

Python 3 standard library only. Every process started here is killed on
the way out.
"""

import argparse
import base64
import os
import random
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
# Run from the source tree: leave no __pycache__ behind in it.
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)

import peer  # noqa: E402
import wsframe as wf  # noqa: E402
import cases  # noqa: E402
import deflate_cases  # noqa: E402
import handshake_cases  # noqa: E402
from peer import CaseFailure, fail  # noqa: E402


class SuiteTimeout(Exception):
    pass


def on_alarm(signum, frame):
    raise SuiteTimeout()


def stderr_tail(path, lines=8):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 4096))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return " | ".join(text.strip().splitlines()[-lines:])


def stop_process(p, grace=2.0):
    """Ends a process this script started: SIGTERM, then SIGKILL."""
    if p is None or p.poll() is not None:
        return
    try:
        p.terminate()
        p.wait(grace)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(5)
    except OSError:
        pass


# ---- server role: echo_server under test ----------------------------------------

class EchoServer:
    def __init__(self, path, extra_args=()):
        self.path = path
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.err = tempfile.NamedTemporaryFile(prefix="wsx-conf-echo-", suffix=".err", delete=False)
        self.err.close()

    def start(self, timeout=10.0):
        self.proc = subprocess.Popen([self.path, "--port", "0", "--host", "127.0.0.1"] + self.extra_args,
                                     stdout=subprocess.PIPE, stderr=open(self.err.name, "ab"),
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError("echo_server printed no 'listening on port' line within %.0f s" % timeout)
            r, _, _ = select.select([self.proc.stdout], [], [], remaining)
            if r:
                ch = os.read(self.proc.stdout.fileno(), 1)
                if not ch:
                    raise RuntimeError("echo_server exited at start (status %s): %s"
                                       % (self.proc.wait(), stderr_tail(self.err.name)))
                line += ch
        text = line.decode("utf-8", "replace").strip()
        prefix = "echo_server listening on port "
        if not text.startswith(prefix):
            raise RuntimeError("unexpected first line from echo_server: %r" % text)
        self.port = int(text[len(prefix):])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        stop_process(self.proc)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def cleanup(self):
        self.stop()
        try:
            os.unlink(self.err.name)
        except OSError:
            pass


class ServerCase:
    """What a server-role case gets: connections to echo_server."""

    def __init__(self, server, rng):
        self.server = server
        self.port = server.port
        self.rng = rng
        self.conns = []

    def open(self, path="/", args=None, **kw):
        # args: the testee's command line in the client role; the server
        # role runs a differently started echo_server instead.
        c = peer.ws_connect(self.port, path, **kw)
        self.conns.append(c)
        return c

    def after_close(self, c, code):
        """We closed and the server answered: the server closes TCP, and
        nothing comes before the end."""
        c.expect_eof(5.0, "the server to close TCP after the closing handshake")

    def reset(self):
        self.finish()
        self.conns = []

    def raw(self, timeout=5.0):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        c = peer.Conn(s, "client")
        self.conns.append(c)
        return c

    def raw_ws(self):
        c = peer.ws_connect(self.port, "/")
        self.conns.append(c)
        return c

    def close_normally(self, c, code=1000, reason=b"bye"):
        """Our close, the echo of its code, then the server closes TCP first
        (RFC 6455 7.1.1) within a bound."""
        c.send_frame(wf.OP_CLOSE, wf.close_payload(code, reason))
        c.expect_close(code)
        self.after_close(c, code)

    def expect_fail(self, c, code, timeout=5.0):
        """The server fails the connection: its close frame with `code` comes
        before anything else; we answer it and the server closes TCP."""
        code = c.expect_close(code, timeout).close_code()
        try:
            c.send_frame(wf.OP_CLOSE, wf.close_payload(code))
        except OSError:
            pass  # the server may already be gone; it spoke first
        c.expect_eof(5.0, "the server to close TCP after failing the connection")
        return code

    def finish(self):
        for c in self.conns:
            c.close()


# ---- client role: client_testee under test ------------------------------------------

class ClientCase:
    """What a client-role case gets: a listening socket, a testee process
    per start(), and the testee's report lines."""

    def __init__(self, testee, listener, port, rng, name):
        self.testee = testee
        self.listener = listener
        self.port = port
        self.rng = rng
        self.path = "/" + name
        self.proc = None
        self.out = None
        self.lines = None
        self.conns = []
        self.err = None
        self.seen_keys = None
        # With --deflate the testee prints "extensions <agreed>" after
        # "open": the value expected there (None: no such line allowed).
        self.expect_extensions = None

    def spawn(self, args=()):
        self.out = tempfile.TemporaryFile()
        self.err = tempfile.TemporaryFile()
        url = "ws://127.0.0.1:%d%s" % (self.port, self.path)
        self.proc = subprocess.Popen([self.testee, url] + list(args), stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL)

    def accept_request(self, timeout=5.0):
        """Accepts the testee's TCP connection and reads its opening
        request; returns (conn, method line, headers)."""
        deadline = time.monotonic() + timeout
        while True:
            self.listener.settimeout(0.05)
            try:
                s, _ = self.listener.accept()
                break
            except socket.timeout:
                pass
            if self.proc.poll() is not None:
                self.err.seek(0)
                fail("the testee exited with status %d without connecting: %s %s"
                     % (self.proc.returncode, self.report(), self.err.read().decode("utf-8", "replace")[-300:]))
            if time.monotonic() > deadline:
                fail("the testee did not connect within %.0f s (%s)" % (timeout, self.report()))
        s.settimeout(None)
        c = peer.Conn(s, "server")
        self.conns.append(c)
        start, headers, rest = peer.read_http_head(s, time.monotonic() + timeout)
        c.buf += rest
        return c, start, headers

    def check_request(self, start, headers):
        """RFC 6455 4.1: what a client's opening handshake must hold."""
        parts = start.split(" ")
        if len(parts) != 3 or parts[0] != "GET" or parts[2] != "HTTP/1.1":
            fail("request line is %r, expected 'GET %s HTTP/1.1'" % (start, self.path))
        if parts[1] != self.path:
            fail("request target is %r, expected %r" % (parts[1], self.path))
        host = peer.header(headers, "host")
        if host not in ("127.0.0.1:%d" % self.port,):
            fail("Host is %r, expected '127.0.0.1:%d'" % (host, self.port))
        if not peer.has_token(peer.header(headers, "upgrade"), "websocket"):
            fail("no Upgrade: websocket in the request: %r" % peer.header(headers, "upgrade"))
        if not peer.has_token(peer.header(headers, "connection"), "upgrade"):
            fail("no Connection: Upgrade in the request: %r" % peer.header(headers, "connection"))
        key = peer.header(headers, "sec-websocket-key")
        if key is None:
            fail("no Sec-WebSocket-Key in the request")
        try:
            raw = base64.b64decode(key, validate=True)
        except Exception:
            fail("Sec-WebSocket-Key %r is not base64" % key)
        if len(raw) != 16:
            fail("Sec-WebSocket-Key %r decodes to %d bytes, not 16 (RFC 6455 4.1)" % (key, len(raw)))
        if self.seen_keys is not None:
            if key in self.seen_keys:
                fail("Sec-WebSocket-Key %r was used before: keys must be random per connection" % key)
            self.seen_keys.add(key)
        if peer.header(headers, "sec-websocket-version") != "13":
            fail("Sec-WebSocket-Version is %r, expected '13'" % peer.header(headers, "sec-websocket-version"))
        return key

    def open(self, args=(), response=None, extra=b""):
        """Spawns the testee, checks its request and answers 101. response:
        a function key -> bytes of the whole HTTP answer, to lie in it.
        extra: bytes sent in the same write right after the answer."""
        self.spawn(args)
        c, start, headers = self.accept_request()
        key = self.check_request(start, headers)
        if response is None:
            answer = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: %s\r\n\r\n" % wf.accept_key(key)).encode("ascii")
        else:
            answer = response(key)
        c.send(answer + extra)
        return c

    def wait_exit(self, timeout=10.0):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            stop_process(self.proc)
            fail("the testee did not exit within %.0f s after the connection ended (%s)"
                 % (timeout, self.report()))
        self.out.seek(0)
        self.lines = self.out.read().decode("utf-8", "replace").splitlines()
        if self.proc.returncode != 0:
            self.err.seek(0)
            fail("the testee exited with status %d: %s" % (self.proc.returncode,
                                                          self.err.read().decode("utf-8", "replace")[-300:]))
        return self.lines

    def report(self):
        if self.out is None:
            return "no output"
        self.out.seek(0)
        return "testee said: %r" % self.out.read().decode("utf-8", "replace").splitlines()

    def check_lines(self, opened, close_code, error):
        """The testee's report: 'open' iff opened, an 'error' line iff error,
        exactly one 'close <close_code>' line, nothing else."""
        lines = self.lines
        opens = [l for l in lines if l == "open"]
        errors = [l for l in lines if l.startswith("error")]
        closes = [l for l in lines if l.startswith("close ")]
        exts = [l for l in lines if l.startswith("extensions ")]
        other = [l for l in lines if l not in opens + errors + closes + exts]
        if other:
            fail("unexpected testee output %r" % other)
        want_exts = [] if self.expect_extensions is None or not opened else ["extensions " + self.expect_extensions]
        if exts != want_exts:
            fail("the testee's session::extensions() lines are %r, expected %r" % (exts, want_exts))
        if len(opens) != (1 if opened else 0):
            fail("expected %s 'open' line, testee said %r" % ("one" if opened else "no", lines))
        if error and not errors:
            fail("expected an 'error' line (on_error), testee said %r" % lines)
        if not error and errors:
            fail("expected no error, testee said %r" % lines)
        if len(closes) != 1:
            fail("expected exactly one 'close' line (on_close), testee said %r" % lines)
        code = int(closes[0].split(" ")[1])
        if close_code is not None and code != close_code:
            fail("on_close reported %d, expected %d (testee said %r)" % (code, close_code, lines))
        return lines

    def close_normally(self, c, code=1000, reason=b"bye"):
        """We close (the server), the testee echoes the code, we close TCP
        first (RFC 6455 7.1.1), the testee reports close <code> and exits."""
        c.send_frame(wf.OP_CLOSE, wf.close_payload(code, reason))
        c.expect_close(code)
        c.close()
        self.wait_exit()
        self.check_lines(True, code, False)

    def expect_fail(self, c, code, timeout=5.0):
        """The testee fails the connection: its close with `code` comes
        before anything else; we answer and close TCP; it reports the error
        and close <code>."""
        code = c.expect_close(code, timeout).close_code()
        try:
            c.send_frame(wf.OP_CLOSE, wf.close_payload(code))
        except OSError:
            pass
        c.close()
        self.wait_exit()
        self.check_lines(True, code, True)
        return code

    def after_close(self, c, code):
        """We closed and the testee answered: we end our side of TCP; the
        testee closes, with nothing more on the wire, and reports close."""
        try:
            c.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        c.expect_eof(5.0, "the testee to close TCP after we did")
        c.close()
        self.wait_exit()
        self.check_lines(True, code, False)

    def reset(self):
        self.finish()
        self.conns = []
        self.proc = self.out = self.lines = None

    def finish(self):
        for c in self.conns:
            c.close()
        stop_process(self.proc)
        for f in (self.out, self.err):
            if f is not None:
                f.close()


# ---- the runner -----------------------------------------------------------------------

class Registry:
    def __init__(self, prefix):
        self.prefix = prefix
        self.cases = []
        self.server_args = {}  # case name -> echo_server arguments, for cases that need their own server

    def add(self, name, fn, *args, timeout=10.0, server_args=None):
        self.cases.append((self.prefix + "/" + name, fn, args, timeout))
        if server_args is not None:
            self.server_args[self.prefix + "/" + name] = list(server_args)


def run_cases(cases, make_ctx, after, args, results):
    for name, fn, fargs, timeout in cases:
        if args.filter and not any(f in name for f in args.filter):
            continue
        ctx = make_ctx(name)
        t0 = time.monotonic()
        err = None
        note = None
        try:
            note = fn(ctx, *fargs)
        except CaseFailure as e:
            err = str(e)
        except SuiteTimeout:
            raise
        except Exception as e:  # a socket error, or a bug in the case
            err = "%s: %s" % (type(e).__name__, e)
            if args.verbose:
                traceback.print_exc()
        finally:
            ctx.finish()
        dt = time.monotonic() - t0
        extra = after(name)
        if extra and not err:
            err = extra
        elif extra:
            err += "; " + extra
        if err is None and dt > timeout:
            err = "took %.1f s, more than the case's bound of %.0f s" % (dt, timeout)
        results.append((name, err))
        if err is None:
            print("PASS %s (%.2f s)%s" % (name, dt, ": " + note if note else ""), flush=True)
        else:
            print("FAIL %s (%.2f s): %s" % (name, dt, err), flush=True)


def run_server_role(args, results, rng):
    reg = Registry("server")
    handshake_cases.register_server(reg)
    cases.register_common(reg)
    reg.add("mask/zero_mask_key", cases.zero_mask_key)
    cases.register_autofragment(reg)
    deflate_cases.register_server(reg)
    server = EchoServer(args.echo_server)
    frag_server = None
    try:
        server.start()

        def after(name):
            if server.alive():
                return None
            msg = "echo_server died (status %s): %s" % (server.proc.returncode, stderr_tail(server.err.name))
            server.stop()
            server.start()
            return msg

        def make(name):
            return ServerCase(server, rng)

        # Cases that need an echo_server started with other options
        # (permessage-deflate) run on their own server, below.
        own = [c for c in reg.cases if reg.server_args.get(c[0]) is not None]
        run_cases([c for c in reg.cases if not c[0].startswith("server/autofragment/") and c not in own],
                  make, after, args, results)
        run_on_own_servers(own, reg, args, results, rng)

        # Auto-fragmentation needs a server that fragments what it sends.
        auto = [c for c in reg.cases if c[0].startswith("server/autofragment/")]
        if auto and (not args.filter or any(any(f in c[0] for f in args.filter) for c in auto)):
            frag_server = EchoServer(args.echo_server, ["--fragment", str(cases.AUTO_FRAGMENT)])
            try:
                frag_server.start()
            except RuntimeError as e:
                print("SKIP server/autofragment/*: echo_server has no --fragment option (%s)" % e, flush=True)
                frag_server.cleanup()
                frag_server = None
            if frag_server is not None:
                run_cases(auto, lambda name: ServerCase(frag_server, rng),
                          lambda name: None if frag_server.alive() else "echo_server --fragment died",
                          args, results)
    finally:
        server.cleanup()
        if frag_server is not None:
            frag_server.cleanup()


def run_on_own_servers(own, reg, args, results, rng):
    """Runs cases on an echo_server started with their server_args, one
    server per distinct argument list, each stopped when its cases end."""
    groups = {}
    for c in own:
        groups.setdefault(tuple(reg.server_args[c[0]]), []).append(c)
    for server_args, group in groups.items():
        if args.filter and not any(any(f in c[0] for f in args.filter) for c in group):
            continue
        srv = EchoServer(args.echo_server, list(server_args))
        try:
            srv.start()

            def after(name, srv=srv):
                if srv.alive():
                    return None
                msg = "echo_server %s died (status %s): %s" % (" ".join(server_args), srv.proc.returncode,
                                                               stderr_tail(srv.err.name))
                srv.stop()
                srv.start()
                return msg

            run_cases(group, lambda name, srv=srv: ServerCase(srv, rng), after, args, results)
        finally:
            srv.cleanup()


def run_client_role(args, results, rng):
    reg = Registry("client")
    handshake_cases.register_client(reg)
    cases.register_common(reg)
    cases.register_autofragment(reg)
    deflate_cases.register_client(reg)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        keys = set()

        def make(name):
            c = ClientCase(args.testee, listener, port, rng, name.split("/", 1)[1])
            c.seen_keys = keys
            return c

        run_cases(reg.cases, make, lambda name: None, args, results)
    finally:
        listener.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--echo-server", help="path of examples/echo_server")
    ap.add_argument("--testee", help="path of tests/conformance/client_testee")
    ap.add_argument("--role", choices=("server", "client", "all"), default="all")
    ap.add_argument("--filter", action="append", help="run only cases whose name contains this (repeatable)")
    ap.add_argument("--seed", type=int, default=6455, help="seed of the random splits and payloads")
    ap.add_argument("--timeout", type=int, default=280, help="bound of the whole run, seconds")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    roles = []
    if args.role in ("server", "all") and args.echo_server:
        roles.append("server")
    if args.role in ("client", "all") and args.testee:
        roles.append("client")
    if args.role == "server" and not args.echo_server:
        ap.error("--role server needs --echo-server")
    if args.role == "client" and not args.testee:
        ap.error("--role client needs --testee")
    if not roles:
        ap.error("give --echo-server and/or --testee")

    print("seed %d" % args.seed, flush=True)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.timeout)
    results = []
    aborted = None
    t0 = time.monotonic()
    try:
        for role in roles:
            rng = random.Random("%d/%s" % (args.seed, role))
            if role == "server":
                run_server_role(args, results, rng)
            else:
                run_client_role(args, results, rng)
    except SuiteTimeout:
        aborted = "the suite did not finish within %d s" % args.timeout
    except Exception as e:
        aborted = "%s: %s" % (type(e).__name__, e)
        traceback.print_exc()
    finally:
        signal.alarm(0)
    failed = sum(1 for _, err in results if err is not None)
    passed = len(results) - failed
    if aborted:
        print("ABORTED: %s" % aborted, flush=True)
        failed += 1
    print("suite time %.1f s" % (time.monotonic() - t0))
    if failed:
        print("failed cases:")
        for name, err in results:
            if err is not None:
                print("  %s: %s" % (name, err))
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
