#!/usr/bin/env bash
# Three chat nodes on one Redis behind HAProxy (docs/scaling.md, "Behind a
# load balancer"):
#   chat_haproxy.sh CHAT REDIS_SERVER HAPROXY
# The test starts its own redis-server, three chats (--redis, --node-id
# node-a/b/c) and haproxy in the foreground (-db) on a configuration it
# writes, each on a free 127.0.0.1 port; never a system service. Clients are
# /usr/bin/python3 with `websockets`, always through HAProxy:
#   1. roundrobin spreads them over the three nodes (each client's node is
#      read from the X-Chat-Node header HAProxy adds to the 101 response, and
#      checked against the "NAME joined ROOM" line of that node's log and
#      against the node's own count in Redis); every lobby member gets every
#      message exactly once, in each sender's order; a member of another
#      room gets none;
#   2. one node is killed (SIGKILL, by its PID) while everyone sends: its
#      clients are dropped, reconnect through HAProxy and land on a live
#      node; HAProxy's health checks mark the dead node DOWN; the room works
#      again among all clients, and the member count announced by the chat
#      (cluster_subscribers) comes back to the true number once the dead
#      node's presence has expired in Redis.
# Every process is bounded by `timeout` and stopped by the trap, by PID.
set -euo pipefail

PY=/usr/bin/python3
work=$(mktemp -d)
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  # The chats' wrappers are disowned (below): wait for them by looking.
  for p in "${pids[@]}"; do
    for _ in $(seq 100); do running "$p" || break; sleep 0.1; done
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$work"/*.out "$work"/*.err "$work"/*.cfg; do
    [ -s "$f" ] && { echo "---- $(basename "$f")" >&2; tail -n 60 "$f" >&2; }
  done
  exit 1
}
pass() { echo "ok: $*"; }

# running PID: the process has not exited (a zombie does not count).
running() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT PID WHAT: PORT accepts within 10 s, while PID runs.
wait_port() {
  local i
  for i in $(seq 100); do
    "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" \
      2>/dev/null && return 0
    running "$2" || fail "$3 exited before it listened"
    sleep 0.1
  done
  fail "$3 did not listen on port $1 within 10 s"
}

[ $# -eq 3 ] || fail "usage: chat_haproxy.sh CHAT REDIS_SERVER HAPROXY"
chat=$1 redis_server=$2 haproxy=$3
[ -x "$PY" ] || fail "$PY is missing (install python3 and python3-websockets)"
"$PY" -c 'import websockets' 2>/dev/null ||
  fail "the Python module 'websockets' is missing for $PY (apt-get install python3-websockets)"
[ -x "$haproxy" ] || fail "$haproxy is missing (apt-get install haproxy)"

# Redis, only for this test.
rport=$(free_port)
timeout -k 5 100 "$redis_server" --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
  >"$work/redis.out" 2>&1 &
redis_pid=$!
pids+=("$redis_pid")
wait_port "$rport" "$redis_pid" redis-server

# Three chats. $! is the `timeout` wrapping each; the chat is its child,
# whose PID the test kills in step 2.
nodes=(node-a node-b node-c)
declare -A chat_pid chat_port
for n in "${nodes[@]}"; do
  : >"$work/$n.out"
  timeout -k 5 100 "$chat" --port 0 --host 127.0.0.1 --redis "127.0.0.1:$rport" --node-id "$n" \
    >"$work/$n.out" 2>"$work/$n.err" &
  wrapper=$!
  pids+=("$wrapper")
  # The killed chat ends its `timeout` by the same signal, which bash would
  # report as news on stderr: the test waits for the chats by looking instead.
  disown "$wrapper"
  port=
  for i in $(seq 100); do
    port=$(sed -n 's/^chat listening on port \([0-9][0-9]*\)$/\1/p' "$work/$n.out" || true)
    [ -n "$port" ] && break
    running "$wrapper" || fail "$n exited before it listened"
    sleep 0.1
  done
  [ -n "$port" ] || fail "$n did not print \"chat listening on port N\" within 10 s"
  chat_port[$n]=$port
  chat_pid[$n]=$(ps -o pid= --ppid "$wrapper" | tr -d ' ')
  [ -n "${chat_pid[$n]}" ] && running "${chat_pid[$n]}" || fail "no chat process under timeout ($wrapper) for $n"
done
for i in $(seq 100); do
  grep -q "chat: redis connected" "$work/node-a.out" && grep -q "chat: redis connected" "$work/node-b.out" &&
    grep -q "chat: redis connected" "$work/node-c.out" && break
  sleep 0.1
done
for n in "${nodes[@]}"; do
  grep -q "chat: redis connected" "$work/$n.out" || fail "$n did not connect to Redis within 10 s"
done
pass "three chats on one Redis: ports ${chat_port[node-a]} ${chat_port[node-b]} ${chat_port[node-c]}"

# HAProxy in front of them: the configuration of docs/scaling.md, with the
# test's ports, plus a stats socket to read what the health checks think.
hport=$(free_port)
cat >"$work/haproxy.cfg" <<EOF
global
    # Two descriptors a connection: more needs ulimit -n above 1024.
    maxconn 256
    stats socket $work/haproxy.sock mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A WebSocket is a tunnel once upgraded: this, not client/server, bounds its silence.
    timeout tunnel 1h
    # A connection refused by a node that just died is retried on another.
    option redispatch
    retries 3

frontend chat
    bind 127.0.0.1:$hport
    default_backend chat_nodes

backend chat_nodes
    balance roundrobin
    option httpchk
    http-check send meth GET uri / ver HTTP/1.1 hdr Host chat
    http-check expect status 200
    default-server check inter 500ms fall 2 rise 2
    # Which node answered, for debugging (and for this test).
    http-response set-header X-Chat-Node %[srv_name]
    server node-a 127.0.0.1:${chat_port[node-a]}
    server node-b 127.0.0.1:${chat_port[node-b]}
    server node-c 127.0.0.1:${chat_port[node-c]}
EOF
"$haproxy" -c -q -f "$work/haproxy.cfg" >"$work/haproxy-check.out" 2>&1 || fail "haproxy rejects the configuration"
timeout -k 5 100 "$haproxy" -db -f "$work/haproxy.cfg" >"$work/haproxy.out" 2>"$work/haproxy.err" &
haproxy_pid=$!
pids+=("$haproxy_pid")
wait_port "$hport" "$haproxy_pid" haproxy
pass "haproxy (pid $haproxy_pid) on port $hport"

timeout -k 5 90 "$PY" - "$hport" "$rport" "$work" "${chat_pid[node-a]}" "${chat_pid[node-b]}" "${chat_pid[node-c]}" \
  >"$work/clients.out" 2>"$work/clients.err" <<'PYEOF' || fail "the Python clients failed (exit $?)"
import asyncio, json, os, signal, socket, sys, time, websockets

hport, rport, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
NODES = ["node-a", "node-b", "node-c"]
PIDS = dict(zip(NODES, map(int, sys.argv[4:7])))
URL = f"ws://127.0.0.1:{hport}/chat"

def say(*a):
    print(*a, flush=True)

def redis(*args):                              # one command, RESP by hand
    with socket.create_connection(("127.0.0.1", rport), 5) as s:
        s.sendall(b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a), a) for a in args]))
        return s.recv(4096)

def haproxy_status():                          # {server: "UP" | "DOWN" | ...} from the stats socket
    try:
        return read_status()
    except OSError:                            # not listening yet
        return {}

def read_status():
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(os.path.join(work, "haproxy.sock"))
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    head = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(head, l.split(","))) for l in lines[1:] if l]
    return {r["svname"]: r["status"] for r in rows if r["pxname"] == "chat_nodes" and r["svname"] in NODES}

async def until(what, check, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")

def joins_in_log(node, name, room):
    with open(os.path.join(work, node + ".out"), encoding="utf-8") as f:
        return sum(1 for l in f if l.startswith(f"{name} joined {room} ("))

class Client:
    """One chat member through HAProxy; a task collects all it receives."""
    def __init__(self, name, room):
        self.name, self.room = name, room
        self.got = []                          # every JSON object received, in order
        self.node = None
        self.dropped = None                    # the ConnectionClosed that ended the last connection

    async def connect(self):
        joined_before = {n: joins_in_log(n, self.name, self.room) for n in NODES}
        self.ws = await websockets.connect(f"{URL}/{self.room}?name={self.name}", open_timeout=10)
        self.node = self.ws.response_headers.get("X-Chat-Node")
        assert self.node in NODES, f"{self.name}: X-Chat-Node is {self.node!r}"
        # The node HAProxy names is the one that served the handshake: its log
        # gets the join, and no other node's does.
        await until(f"{self.name} in {self.node}'s log",
                    lambda: joins_in_log(self.node, self.name, self.room) == joined_before[self.node] + 1)
        for n in NODES:
            if n != self.node:
                assert joins_in_log(n, self.name, self.room) == joined_before[n], f"{self.name} also joined on {n}"
        self.reader = asyncio.create_task(self.read(self.ws))
        return self

    async def read(self, ws):
        try:
            async for m in ws:
                self.got.append(json.loads(m))
        except websockets.ConnectionClosed as e:
            self.dropped = e
            return
        self.dropped = "closed cleanly"

    def messages(self):
        return [m for m in self.got if m["type"] == "message"]

    def joins(self):
        return [m for m in self.got if m["type"] == "join"]

async def send_all(clients, phase, count):
    """Each client sends count messages; a drop is a failure."""
    async def one(c):
        for i in range(count):
            await c.ws.send(json.dumps({"type": "message", "name": c.name, "text": f"{phase} {c.name} {i}"}))
    await asyncio.gather(*(one(c) for c in clients))

async def talk_through(clients, phase, killed, after, survivors):
    """Each client sends until `after` messages past the moment `killed` is
    set; the survivors must not be dropped, the others stop at their drop.
    Returns how many each sent."""
    sent = {}
    async def one(c):
        i, last = 0, None
        while last is None or i < last:
            if last is None and killed.is_set():
                last = i + after
            try:
                await c.ws.send(json.dumps({"type": "message", "name": c.name, "text": f"{phase} {c.name} {i}"}))
            except websockets.ConnectionClosed:
                assert c not in survivors, f"{c.name} dropped while sending"
                break
            i += 1
            assert i < 5000, "the kill never came"
            await asyncio.sleep(0.01)
        sent[c.name] = i
    await asyncio.gather(*(one(c) for c in clients))
    return sent

def from_phase(c, phase, sender):
    """The sequence numbers c received from sender in phase, in arrival order."""
    out = []
    for m in c.messages():
        p, name, i = m["text"].split(" ")
        assert m["name"] == name, m
        if p == phase and name == sender:
            out.append(int(i))
    return out

def check_exactly_once(receivers, senders, phase, count):
    for r in receivers:
        for s in senders:
            got = from_phase(r, phase, s.name)
            assert got == list(range(count)), f"{r.name} got {s.name}'s {phase} messages as {got}"

async def quiet_room(k):
    """k, alone in its room, got its own join and messages only: it sends one
    more and waits for it, so whatever its node sent before has arrived."""
    marker = {"type": "message", "name": k.name, "text": f"mark {k.name} {len(k.got)}"}
    await k.ws.send(json.dumps(marker))
    await until(f"{k.name}'s own message back", lambda: marker in k.got)
    for m in k.got:
        assert m.get("room", k.room) == k.room and m["name"] == k.name, f"{k.name} in {k.room} got {m}"
        assert m["type"] in ("join", "message"), m

async def main():
    await until("haproxy sees three nodes UP",
                lambda: haproxy_status() == {n: "UP" for n in NODES})
    say("haproxy: node-a, node-b and node-c UP")

    # 1. Six members of "lobby" and one of "kitchen", one after another
    # through HAProxy.
    lobby = []
    for i in range(3):
        lobby.append(await Client(f"l{i}", "lobby").connect())
    kitchen = await Client("k0", "kitchen").connect()
    for i in range(3, 6):
        lobby.append(await Client(f"l{i}", "lobby").connect())
    where = {n: [c.name for c in lobby if c.node == n] for n in NODES}
    say("lobby members per node:", where, "kitchen on", kitchen.node)
    assert all(where[n] for n in NODES), f"roundrobin did not reach every node: {where}"
    # Each node counts its own members in Redis: the nodes agree with HAProxy.
    for n in NODES:
        want = str(len(where[n])).encode()
        await until(f"{n}'s presence says {want}",
                    lambda: redis(b"HGET", b"chat:presence:" + n.encode(), b"lobby") == b"$%d\r\n%s\r\n" % (len(want), want))
    await until("three nodes subscribed to lobby",
                lambda: redis(b"PUBSUB", b"NUMSUB", b"chat:lobby").endswith(b":3\r\n"))
    # With every node's count in Redis, a newcomer's join counts everyone.
    probe = await Client("probe", "lobby").connect()
    await until("the probe's join", lambda: probe.joins())
    assert probe.joins()[0]["count"] == len(lobby) + 1, f"the probe on {probe.node} was announced as {probe.joins()[0]}"
    await probe.ws.close()
    await until("the probe's close", lambda: probe.reader.done())
    say(f"count over three nodes: {len(lobby) + 1} with a probe on {probe.node}")

    N = 30
    await send_all(lobby, "one", N)
    await until("every lobby member has every message",
                lambda: all(len([m for m in c.messages() if m["text"].startswith("one ")]) >= N * len(lobby) for c in lobby))
    check_exactly_once(lobby, lobby, "one", N)
    await quiet_room(kitchen)
    say(f"phase one: {len(lobby)} members on 3 nodes each got all {N * len(lobby)} messages once, in order;",
        "kitchen got none")

    # 2. Kill a node that has lobby members (not kitchen's) while everyone talks.
    victim = next(n for n in NODES if n != kitchen.node and where[n])
    doomed = [c for c in lobby if c.node == victim]
    alive = [c for c in lobby if c.node != victim]
    killed = asyncio.Event()
    talk = asyncio.create_task(talk_through(lobby, "two", killed, 20, alive))
    # Mid-conversation: once every survivor has some of it.
    await until("phase two under way",
                lambda: all(len(from_phase(c, "two", s.name)) >= 10 for c in alive for s in lobby))
    os.kill(PIDS[victim], signal.SIGKILL)
    killed.set()
    say(f"killed {victim} (pid {PIDS[victim]}) with {[c.name for c in doomed]} on it")
    await until("the dead node's clients dropped", lambda: all(c.reader.done() for c in doomed))
    for c in doomed:
        assert isinstance(c.dropped, websockets.ConnectionClosed), f"{c.name}: {c.dropped}"
        say(f"{c.name} dropped: {c.dropped}")
    sent = await asyncio.wait_for(talk, 30)
    say("phase two sent:", sent)
    await until("survivors have every survivor's phase two",
                lambda: all(len(from_phase(r, "two", s.name)) >= sent[s.name] for r in alive for s in alive))
    for r in alive:
        for s in alive:
            got = from_phase(r, "two", s.name)
            assert got == list(range(sent[s.name])), f"{r.name} got {s.name}'s phase two as {got}"
        for s in doomed:                         # what the dead node's members sent: at most once, in order
            got = from_phase(r, "two", s.name)
            assert got == list(range(len(got))), f"{r.name} got {s.name}'s phase two as {got}"
    say("phase two: survivors got every survivor's message once, in order, through the kill")

    # The dropped clients come back through HAProxy, on a live node.
    for c in doomed:
        for attempt in range(20):
            try:
                await c.connect()
                break
            except (OSError, asyncio.TimeoutError, websockets.InvalidHandshake, websockets.ConnectionClosed) as e:
                say(f"{c.name}: reconnect attempt {attempt + 1} failed: {e!r}")
                await asyncio.sleep(0.25)
        else:
            raise AssertionError(f"{c.name} could not reconnect")
        assert c.node != victim, f"{c.name} reconnected to the dead {victim}"
        say(f"{c.name} reconnected on {c.node}")
    await until(f"haproxy marks {victim} DOWN", lambda: haproxy_status()[victim] == "DOWN")
    say("haproxy:", haproxy_status())
    await until("two nodes subscribed to lobby",
                lambda: redis(b"PUBSUB", b"NUMSUB", b"chat:lobby").endswith(b":2\r\n"))

    # 3. The room works again among all six.
    await send_all(lobby, "three", N)
    await until("every lobby member has every phase three message",
                lambda: all(len([m for m in c.messages() if m["text"].startswith("three ")]) >= N * len(lobby) for c in lobby))
    check_exactly_once(lobby, lobby, "three", N)
    await quiet_room(kitchen)
    say(f"phase three: {len(lobby)} members on 2 nodes each got all {N * len(lobby)} messages once, in order;",
        "kitchen got none")

    # 4. The announced count: the dead node's members count until its
    # presence expires in Redis (3 s after its last rewrite), then the
    # count is the six members (seven with a probe).
    say("counts announced to the reconnected members:",
        [[m["count"] for m in c.joins() if m["name"] == c.name][-1] for c in doomed])
    seen = []
    deadline = time.monotonic() + 20
    while True:
        probe = await Client("probe", "lobby").connect()
        await until("the probe's join", lambda: probe.joins())
        count = probe.joins()[0]["count"]
        seen.append(count)
        if count == len(lobby) + 1:
            break
        await probe.ws.close()
        await until("the probe's close", lambda: probe.reader.done())
        assert time.monotonic() < deadline, f"the count never came to {len(lobby) + 1}: {seen}"
        await asyncio.sleep(0.5)
    say("probe join counts until right:", seen)
    assert redis(b"EXISTS", b"chat:presence:" + victim.encode()) == b":0\r\n", f"{victim}'s presence is still in Redis"
    leave = {"type": "leave", "name": "probe", "room": "lobby", "count": len(lobby)}
    before = [c.got.count(leave) for c in lobby]
    await probe.ws.close()
    await until("the probe's leave, counted right",
                lambda: [c.got.count(leave) for c in lobby] == [b + 1 for b in before])
    say(f"count converged: {len(lobby) + 1} with the probe, {len(lobby)} after it left")

    for c in lobby + [kitchen]:
        await c.ws.close()

asyncio.run(main())
PYEOF
cat "$work/clients.out"
for text in "phase one:" "phase two:" "phase three:" "count converged:"; do
  grep -qF "$text" "$work/clients.out" || fail "the clients did not report: $text"
done
pass "three nodes behind HAProxy: spread, exactly once in order, a node killed, counts converge"

# The survivors and HAProxy still run, and stop on SIGTERM.
dead=$(sed -n 's/^killed \(node-[abc]\) .*/\1/p' "$work/clients.out")
[ -n "$dead" ] || fail "no killed node reported"
running "${chat_pid[$dead]}" && fail "$dead still runs after SIGKILL"
for n in "${nodes[@]}"; do
  [ "$n" = "$dead" ] && continue
  running "${chat_pid[$n]}" || fail "$n died"
done
running "$haproxy_pid" || fail "haproxy died"
pass "the other nodes and haproxy still run"
