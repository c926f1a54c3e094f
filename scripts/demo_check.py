#!/usr/bin/python3
# What a new user does with the demo, done by a program (CI's .ci/run runs
# it against scripts/demo.sh): load the page, then two people join one room
# and chat, each sees the other's message, and someone in another room sees
# none of it. The chat's protocol (examples/chat/main.cpp and page.hpp):
# connect to /chat/{room}?name=NAME, everyone in the room gets
# {"type":"join",...}; a {"type":"message","name":...,"text":...} sent is
# passed to every member of the room as it came.
#
#   demo_check.py PORT      (only 127.0.0.1; every step bounded; exits 0 when all held)
#
# Needs Debian's python3-websockets.
import asyncio
import json
import sys
import urllib.request

import websockets

STEP = 10  # seconds for any one step


def log(line):
    print("demo_check:", line, flush=True)


async def recv(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), STEP))


async def join(base, room, name):
    ws = await websockets.connect(f"{base}/{room}?name={name}", open_timeout=STEP, close_timeout=STEP)
    joined = await recv(ws)
    assert joined["type"] == "join" and joined["name"] == name and joined["room"] == room, joined
    return ws


async def check(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=STEP) as r:
        page = r.read().decode()
    assert r.status == 200 and "new WebSocket" in page and "<title>wsx chat</title>" in page, "not the chat page"
    log(f"GET http://127.0.0.1:{port}/ served the chat page ({len(page)} bytes)")

    base = f"ws://127.0.0.1:{port}/chat"
    ann = await join(base, "lobby", "ann")
    bob = await join(base, "lobby", "bob")
    assert (await recv(ann))["name"] == "bob", "ann was not told that bob joined"
    cy = await join(base, "kitchen", "cy")
    log("ann and bob joined lobby, cy joined kitchen")

    for sender, receiver, text in ((ann, bob, "hello bob"), (bob, ann, "hi ann, 안녕")):
        said = {"type": "message", "name": "ann" if sender is ann else "bob", "text": text}
        await sender.send(json.dumps(said))
        assert await recv(receiver) == said, f"{said['name']}'s message did not reach the other"
        assert await recv(sender) == said, f"{said['name']} did not get their own message back"
        log(f"{said['name']} said {text!r}; both in lobby saw it")
    try:
        heard = await asyncio.wait_for(cy.recv(), 1)
        raise AssertionError(f"cy in kitchen heard {heard}")
    except asyncio.TimeoutError:
        log("cy in kitchen heard nothing")

    for ws in (ann, bob, cy):
        await ws.close()
        assert ws.close_code == 1000, f"closed with {ws.close_code}"
    log("all three closed with 1000")


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        print("usage: demo_check.py PORT", file=sys.stderr)
        return 2
    asyncio.run(asyncio.wait_for(check(int(sys.argv[1])), 60))
    log("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
