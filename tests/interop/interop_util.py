# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
"""What python_client.py and python_server.py share: importing the peer,
starting and always stopping wsx's programs, and a small case runner.

Run with Debian's /usr/bin/python3: python3-websockets lives there, not in
whatever `python3` comes first on PATH."""

import asyncio
import ctypes
import os
import re
import sys
import time

CASE_TIMEOUT = 30.0   # one case; a hang fails the case instead of the whole run
RUN_TIMEOUT = 150.0   # all cases; below ctest's TIMEOUT so that the cleanup runs


def import_websockets():
    """The peer is the point of the test: without it the test fails, never skips."""
    try:
        import websockets  # noqa: F401
        import websockets.exceptions  # noqa: F401
    except ImportError as e:
        sys.stderr.write(
            "interop: FAIL: the Python peer is missing (%s).\n"
            "interop: install it with: apt-get install python3-websockets "
            "(and run this with /usr/bin/python3, which is %s here)\n" % (e, sys.executable))
        sys.exit(1)
    return websockets


def _die_with_parent():
    """In the child before exec: SIGKILL it if this script dies first (even
    by SIGKILL), so that no server outlives a killed test."""
    try:
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, 9)
    except Exception:
        pass


class program:
    """A wsx program run as a child: stdout and stderr are collected (so a
    chatty child never blocks on a full pipe) and it is stopped on exit."""

    def __init__(self, name, argv):
        self.name = name
        self.argv = argv
        self.proc = None
        self.out_lines = []
        self.err_lines = []
        self._tasks = []
        self._line_added = None

    async def start(self):
        if not os.access(self.argv[0], os.X_OK):
            raise RuntimeError("%s: no executable at %s (build it first)" % (self.name, self.argv[0]))
        self._line_added = asyncio.Event()
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        self._tasks = [asyncio.ensure_future(self._drain(self.proc.stdout, self.out_lines)),
                       asyncio.ensure_future(self._drain(self.proc.stderr, self.err_lines))]
        return self

    async def _drain(self, stream, lines):
        while True:
            line = await stream.readline()
            if not line:
                break
            lines.append(line.decode("utf-8", "replace").rstrip("\n"))
            self._line_added.set()

    async def wait_line(self, pattern, timeout=15.0):
        """The first stdout line matching pattern (a regex), or an error."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for line in self.out_lines:
                m = rx.fullmatch(line)
                if m:
                    return m
            if self.proc.returncode is not None:
                raise RuntimeError("%s exited (%s) before printing /%s/; stderr: %s"
                                   % (self.name, self.proc.returncode, pattern, self.err_lines[-5:]))
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("%s printed no line /%s/ within %.0f s; stdout: %s"
                                   % (self.name, pattern, timeout, self.out_lines[-5:]))
            self._line_added.clear()
            try:
                await asyncio.wait_for(self._line_added.wait(), min(left, 0.5))
            except asyncio.TimeoutError:
                pass

    async def wait_exit(self, timeout):
        """The exit code, after the output is fully read; raises on timeout."""
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await asyncio.wait_for(asyncio.gather(*self._tasks), 5.0)
        return code

    async def stop(self):
        """SIGTERM, then SIGKILL: whatever happened, nothing is left running."""
        if self.proc is None:
            return
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5.0)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class runner:
    """Runs named async cases, each bounded, and prints one line per case
    and ctest's plain closing line."""

    def __init__(self, suite):
        self.suite = suite
        self.passed = 0
        self.failed = []
        self.deadline = time.monotonic() + RUN_TIMEOUT

    async def case(self, name, fn, *args, timeout=CASE_TIMEOUT):
        start = time.monotonic()
        timeout = min(timeout, self.deadline - start)
        if timeout <= 0:
            self._fail(name, "not run: the whole run took longer than %.0f s" % RUN_TIMEOUT)
            return
        try:
            await asyncio.wait_for(fn(*args), timeout)
        except asyncio.TimeoutError:
            self._fail(name, "timed out after %.0f s" % timeout)
        except Exception as e:  # a failed case must not stop the others
            self._fail(name, "%s: %s" % (type(e).__name__, e))
        else:
            self.passed += 1
            print("ok   %s/%s (%.2f s)" % (self.suite, name, time.monotonic() - start), flush=True)

    def _fail(self, name, why):
        self.failed.append(name)
        print("FAIL %s/%s: %s" % (self.suite, name, why), flush=True)

    def finish(self):
        print("%s: %d passed, %d failed" % (self.suite, self.passed, len(self.failed)), flush=True)
        return 0 if not self.failed and self.passed > 0 else 1


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def describe(data):
    """A short description of a payload for failure messages."""
    kind = "text" if isinstance(data, str) else "binary"
    return "%s of %d %s" % (kind, len(data), "chars" if kind == "text" else "bytes")
