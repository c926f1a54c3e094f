#!/usr/bin/env python3
"""Plays the standard conformance suite's fuzzing server for
`echo_client --testee`: /getCaseCount, /runCase?case=i&agent=A,
/updateReports?agent=A. Checks the testee asks for the count, runs every
case in order with the agent name, echoes each case's messages unchanged,
and asks for the reports last. Bounded in time; 127.0.0.1 only."""
import argparse
import asyncio
import subprocess
import sys
import urllib.parse

import websockets

CASES = {
    1: ["hello"],
    2: [bytes(range(256)) * 4],
    3: ["fragmented text", "second"],
    4: ["x" * 100_000, b"\x00" * 70_000],
    5: [""],
}


async def main(testee):
    seen = []          # (path, agent, case)
    failures = []

    async def handler(ws, path=None):
        path = path or ws.path
        url = urllib.parse.urlparse(path)
        q = dict(urllib.parse.parse_qsl(url.query))
        seen.append((url.path, q.get("agent"), q.get("case")))
        if url.path == "/getCaseCount":
            await ws.send(str(len(CASES)))
        elif url.path == "/runCase":
            case = int(q["case"])
            for i, msg in enumerate(CASES[case]):
                if case == 3 and i == 0:
                    await ws.send(iter(["frag", "mented", " text"]))  # three frames
                else:
                    await ws.send(msg)
                echo = await asyncio.wait_for(ws.recv(), 10)
                if echo != msg:
                    failures.append(f"case {case} message {i}: echo differs ({type(echo).__name__}, {len(echo)} bytes)")
        elif url.path == "/updateReports":
            pass
        await ws.close(1000)

    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            testee, "--testee", f"ws://127.0.0.1:{port}", "--agent", "wsxtest",
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), 60)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
            print("FAIL testee did not finish within 60 s")
            print("0 passed, 1 failed")
            return 1

    checks = []
    expected = [("/getCaseCount", None, None)] + \
        [("/runCase", "wsxtest", str(i)) for i in range(1, len(CASES) + 1)] + \
        [("/updateReports", "wsxtest", None)]
    checks.append(("testee exits 0", proc.returncode == 0, err.decode(errors="replace")))
    checks.append(("requests in the protocol's order", seen == expected, f"saw {seen}"))
    checks.append(("every echo unchanged", not failures, "; ".join(failures)))
    checks.append(("testee reports the case count", f"ran {len(CASES)} cases" in out.decode(), out.decode()))
    passed = sum(1 for _, ok, _ in checks if ok)
    for name, ok, detail in checks:
        print(("PASS " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    print(f"{passed} passed, {len(checks) - passed} failed")
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--testee", required=True)
    sys.exit(asyncio.run(main(ap.parse_args().testee)))
