#!/usr/bin/env bash
# Smoke tests of the examples, one per ctest test:
#   smoke.sh echo_server ECHO_SERVER
#   smoke.sh echo_server_tls ECHO_SERVER DEFLATE   (DEFLATE: ON when built with zlib)
#   smoke.sh echo_client ECHO_CLIENT ECHO_SERVER
#   smoke.sh chat CHAT
#   smoke.sh chat_tls CHAT DEFLATE                 (DEFLATE: ON when built with zlib)
#   smoke.sh chat_redis CHAT REDIS_SERVER          (chat built with hiredis)
#   smoke.sh chat_no_redis CHAT                    (chat built without)
#   smoke.sh cafe CAFE
#   smoke.sh lifecycle LIFECYCLE
# Everything runs on 127.0.0.1. Every process started here is bounded by
# `timeout` (so nothing outlives a killed test) and stopped by the trap.
# The independent peer is /usr/bin/python3 with `websockets`; without it the
# tests fail: install python3-websockets (scripts/deps.sh does).
set -euo pipefail

PY=/usr/bin/python3
work=$(mktemp -d)
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# forget PID: it was waited for; the cleanup must not wait again.
forget() {
  local p keep=()
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}
trap 'exit 130' INT TERM

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$work"/*.out "$work"/*.err; do
    [ -s "$f" ] && { echo "---- $(basename "$f")" >&2; cat "$f" >&2; }
  done
  exit 1
}
pass() { echo "ok: $*"; }

need_python() {
  [ -x "$PY" ] || fail "$PY is missing (install python3 and python3-websockets)"
  "$PY" -c 'import websockets' 2>/dev/null ||
    fail "the Python module 'websockets' is missing for $PY (apt-get install python3-websockets)"
}

# running PID: the process has not exited (an exited child we have not
# waited for yet is a zombie, which `kill -0` still finds).
running() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}

# expect_in FILE TEXT...: each TEXT occurs in FILE (fixed strings).
expect_in() {
  local file=$1 text; shift
  for text in "$@"; do
    grep -qF -- "$text" "$file" || fail "$(basename "$file") lacks: $text"
  done
}

# start_server NAME COMMAND...: runs it in the background (bounded to 50 s),
# waits for "NAME listening on port N" and sets $server_pid and $port.
# With $label set, its output goes to LABEL.out instead of NAME.out (two
# servers of one program).
start_server() {
  local name=$1 i out; shift
  out=${label:-$name}
  : >"$work/$out.out" # exists before the background job opens it
  timeout -k 5 50 "$@" >"$work/$out.out" 2>"$work/$out.err" &
  server_pid=$!
  pids+=("$server_pid")
  port=
  for i in $(seq 100); do
    port=$(sed -n "s/^$name listening on port \([0-9][0-9]*\)\$/\1/p" "$work/$out.out" || true)
    [ -n "$port" ] && return 0
    running "$server_pid" || fail "$name exited before it listened"
    sleep 0.1
  done
  fail "$name did not print \"$name listening on port N\" within 10 s"
}

# stop_server NAME [signalled]: SIGTERM (timeout passes it on) must end it
# gracefully: exit 0 within 10 s. With `signalled` the server already got its
# SIGTERM (from the peer script) and is only reaped: a second one could land
# after it has put the default handler back on its way out, and kill it.
stop_server() {
  local name=$1 i rc=0
  [ "${2:-}" = signalled ] || kill -TERM "$server_pid" 2>/dev/null || true
  for i in $(seq 100); do
    running "$server_pid" || break
    sleep 0.1
  done
  running "$server_pid" && fail "$name still runs 10 s after SIGTERM"
  wait "$server_pid" || rc=$?
  forget "$server_pid"
  [ "$rc" -eq 0 ] || fail "$name exited with $rc after SIGTERM"
  expect_in "$work/${label:-$name}.out" "$name stopped"
  pass "$name stops on SIGTERM"
}

# make_certs DIR: a throwaway CA and a server certificate for localhost and
# 127.0.0.1 signed by it: the two commands examples/echo_server/README.md
# shows (plus a P-256 key each). Writes DIR/ca.pem, DIR/cert.pem, DIR/key.pem.
make_certs() {
  local dir=$1
  command -v openssl >/dev/null || fail "the openssl command is missing (apt-get install openssl)"
  timeout -k 5 30 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -days 1 \
    -subj /CN=wsx-test-ca -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>"$work/openssl.err" ||
    fail "openssl could not make the CA"
  timeout -k 5 30 openssl req -x509 -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>"$work/openssl.err" ||
    fail "openssl could not make the server certificate"
  rm -f "$work/openssl.err"
}

# usage_error EXPECTED_RC NAME TEXT COMMAND...: COMMAND exits with
# EXPECTED_RC (bounded to 10 s) and its stderr contains TEXT.
usage_error() {
  local want=$1 name=$2 text=$3 rc=0; shift 3
  timeout -k 5 10 "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
  [ "$rc" -eq "$want" ] || fail "$name: exit $rc, expected $want"
  expect_in "$work/$name.err" "$text"
  pass "$name: exit $rc, says: $(head -n1 "$work/$name.err")"
  rm -f "$work/$name.out" "$work/$name.err"
}

# check_usage NAME BINARY [MODE...]: `BINARY MODE... --help` prints the usage
# to stdout only and exits 0; `BINARY MODE... --no-such-flag` prints why and
# the usage to stderr only and exits 2.
check_usage() {
  local name=$1 bin=$2 rc=0; shift 2
  timeout -k 5 10 "$bin" "$@" --help >"$work/help.out" 2>"$work/help.err" || rc=$?
  [ "$rc" -eq 0 ] || fail "$name $* --help: exit $rc, expected 0"
  grep -q "^usage: $name" "$work/help.out" || fail "$name $* --help printed no usage on stdout"
  [ ! -s "$work/help.err" ] || fail "$name $* --help wrote to stderr"
  rc=0
  timeout -k 5 10 "$bin" "$@" --no-such-flag >"$work/bad.out" 2>"$work/bad.err" || rc=$?
  [ "$rc" -eq 2 ] || fail "$name $* --no-such-flag: exit $rc, expected 2"
  expect_in "$work/bad.err" "$name: unknown argument: --no-such-flag" "usage: $name"
  [ ! -s "$work/bad.out" ] || fail "$name $* --no-such-flag wrote to stdout"
  rm -f "$work/help.out" "$work/help.err" "$work/bad.out" "$work/bad.err"
  pass "$name $* --help: usage on stdout, exit 0; a bad flag: usage on stderr, exit 2"
}

# py NAME SCRIPT ARGS...: runs a Python peer, bounded to 30 s.
py() {
  local name=$1 script=$2; shift 2
  timeout -k 5 30 "$PY" -c "$script" "$@" >"$work/$name.out" 2>"$work/$name.err" ||
    fail "python peer '$name' failed (exit $?)"
}

# ---------------------------------------------------------------------------

test_echo_server() {
  local server=$1
  check_usage echo_server "$server"
  need_python
  start_server echo_server "$server" --port 0 --host 127.0.0.1
  [ "$port" -gt 0 ] || fail "--port 0 printed port $port"
  pass "echo_server picked port $port"

  py echo_python '
import asyncio, os, signal, sys, websockets
port, server_pid = sys.argv[1], int(sys.argv[2])
MiB = 1024 * 1024

async def main():
    url = f"ws://127.0.0.1:{port}/any/path?x=1"
    async with websockets.connect(url, max_size=None, compression=None) as ws:
        cases = ["hello", "안녕하세요 ✓", "", b"", b"\x00\x01\x02\xff", bytes(range(256)) * 300,
                 "x" * 70000, b"y" * (16 * MiB)]
        for m in cases:
            await ws.send(m)
            r = await ws.recv()
            assert type(r) is type(m) and r == m, f"echo of a {type(m).__name__} of {len(m)} differs"
        print("echoed", len(cases), "messages")
        await ws.send(["frag", "men", "ted"])          # one message in three frames
        assert await ws.recv() == "fragmented"
        await ws.send([b"\x01", b"\x02"])
        assert await ws.recv() == b"\x01\x02"
        print("echoed fragmented messages")
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 5)
        print("got pong")
    async with websockets.connect(f"ws://127.0.0.1:{port}/", max_size=None, compression=None) as ws:
        await ws.send(b"z" * (16 * MiB + 1))           # one byte over the limit
        try:
            await asyncio.wait_for(ws.recv(), 10)
            raise AssertionError("a message over 16 MiB was echoed")
        except websockets.ConnectionClosed as e:
            assert e.rcvd is not None and e.rcvd.code == 1009, f"closed with {e.rcvd}"
        print("too big: 1009")
    ws = await websockets.connect(f"ws://127.0.0.1:{port}/last")
    os.kill(server_pid, signal.SIGTERM)                # graceful stop with a client connected
    try:
        await asyncio.wait_for(ws.recv(), 10)
        raise AssertionError("no close after SIGTERM")
    except websockets.ConnectionClosed as e:
        assert e.rcvd is not None and e.rcvd.code == 1001, f"closed with {e.rcvd}"
    print("going away: 1001")

asyncio.run(main())
' "$port" "$server_pid"
  expect_in "$work/echo_python.out" "echoed 8 messages" "echoed fragmented messages" "got pong" \
    "too big: 1009" "going away: 1001"
  pass "python websockets: text, binary, empty, 16 MiB, fragmented, ping, 1009, 1001"
  stop_server echo_server signalled
}

# The same echo_server over wss:// (--tls --cert --key), checked by Python's
# websockets + ssl trusting only the test CA: an independent TLS stack.
test_echo_server_tls() {
  local server=$1 deflate=$2
  need_python
  make_certs "$work"
  local cert=$work/cert.pem key=$work/key.pem

  usage_error 2 tls_no_cert_no_key "--tls needs --cert CHAIN.pem and --key KEY.pem" "$server" --port 0 --tls
  usage_error 2 tls_no_cert "--tls needs --cert" "$server" --port 0 --tls --key "$key"
  usage_error 2 tls_no_key "--tls needs --key" "$server" --port 0 --tls --cert "$cert"
  usage_error 2 cert_without_tls "--cert and --key are for --tls" "$server" --port 0 --cert "$cert" --key "$key"
  usage_error 2 cert_no_value "--cert needs a value" "$server" --port 0 --tls --key "$key" --cert
  usage_error 1 tls_missing_cert "$work/missing.pem" "$server" --port 0 --host 127.0.0.1 --tls --cert "$work/missing.pem" --key "$key"
  usage_error 1 tls_cert_is_key "wsx: cannot load the TLS certificate chain" "$server" --port 0 --host 127.0.0.1 --tls --cert "$key" --key "$key"

  start_server echo_server "$server" --port 0 --host 127.0.0.1 --tls --cert "$cert" --key "$key"
  pass "echo_server --tls picked port $port"
  py echo_tls_python '
import asyncio, os, signal, ssl, sys, websockets
port, server_pid, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
MiB = 1024 * 1024
trusted = ssl.create_default_context(cafile=ca)   # verifies the chain and the host name

async def main():
    async with websockets.connect(f"wss://127.0.0.1:{port}/any/path?x=1", ssl=trusted, max_size=None) as ws:
        assert ws.response_headers.get("Sec-WebSocket-Extensions") is None, "deflate agreed without --deflate"
        cases = ["hello", "안녕하세요 ✓", "", b"", b"\x00\x01\x02\xff", bytes(range(256)) * 300,
                 "x" * 70000, b"y" * (16 * MiB)]
        for m in cases:
            await ws.send(m)
            r = await asyncio.wait_for(ws.recv(), 20)
            assert type(r) is type(m) and r == m, f"echo of a {type(m).__name__} of {len(m)} differs"
        await ws.send(["frag", "men", "ted"])
        assert await asyncio.wait_for(ws.recv(), 10) == "fragmented"
        print("echoed", len(cases) + 1, "messages over wss")
        print("cipher", ws.transport.get_extra_info("cipher"))
    # The certificate names localhost too (SNI and host name check).
    async with websockets.connect(f"wss://127.0.0.1:{port}/", ssl=trusted, server_hostname="localhost") as ws:
        await ws.send("by name")
        assert await asyncio.wait_for(ws.recv(), 10) == "by name"
        print("localhost verified")
    async with websockets.connect(f"wss://127.0.0.1:{port}/", ssl=trusted, max_size=None, compression=None) as ws:
        await ws.send(b"z" * (16 * MiB + 1))
        try:
            await asyncio.wait_for(ws.recv(), 20)
            raise AssertionError("a message over 16 MiB was echoed")
        except websockets.ConnectionClosed as e:
            assert e.rcvd is not None and e.rcvd.code == 1009, f"closed with {e.rcvd}"
        print("too big: 1009")
    # Without the test CA the certificate is not trusted: verification is real.
    try:
        await asyncio.wait_for(websockets.connect(f"wss://127.0.0.1:{port}/", ssl=ssl.create_default_context()), 10)
        raise AssertionError("a client without the test CA accepted the certificate")
    except ssl.SSLCertVerificationError as e:
        print("untrusted without the CA:", e.verify_message)
    # ws:// to the wss:// port gets no WebSocket.
    try:
        ws = await asyncio.wait_for(websockets.connect(f"ws://127.0.0.1:{port}/", open_timeout=5), 10)
        await ws.close()
        raise AssertionError("a plain ws:// client was answered on the wss:// port")
    except (websockets.InvalidHandshake, ConnectionError, EOFError) as e:   # not a hang: a timeout fails
        print("plain ws:// refused:", type(e).__name__, e)
    async with websockets.connect(f"wss://127.0.0.1:{port}/", ssl=trusted) as ws:
        await ws.send("still here")
        assert await asyncio.wait_for(ws.recv(), 10) == "still here"
    ws = await websockets.connect(f"wss://127.0.0.1:{port}/last", ssl=trusted)
    os.kill(server_pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(ws.recv(), 10)
        raise AssertionError("no close after SIGTERM")
    except websockets.ConnectionClosed as e:
        assert e.rcvd is not None and e.rcvd.code == 1001, f"closed with {e.rcvd}"
    print("going away: 1001")

asyncio.run(main())
' "$port" "$server_pid" "$work/ca.pem"
  expect_in "$work/echo_tls_python.out" "echoed 9 messages over wss" "localhost verified" "too big: 1009" \
    "untrusted without the CA" "plain ws:// refused" "going away: 1001"
  pass "python websockets + ssl: wss text, binary, empty, 16 MiB, fragmented, host name, 1009, untrusted, ws:// refused, 1001"
  stop_server echo_server signalled

  if [ "$deflate" != ON ]; then
    usage_error 2 tls_deflate_unbuilt "--deflate needs wsx built with zlib" "$server" --port 0 --tls --cert "$cert" --key "$key" --deflate
    return 0
  fi
  start_server echo_server "$server" --port 0 --host 127.0.0.1 --tls --cert "$cert" --key "$key" --deflate --fragment 4096
  py echo_tls_deflate_python '
import asyncio, random, ssl, sys, websockets
from websockets.extensions.permessage_deflate import PerMessageDeflate
port, ca = sys.argv[1], sys.argv[2]
trusted = ssl.create_default_context(cafile=ca)
noise = random.Random(7).randbytes(50000)

async def main():
    async with websockets.connect(f"wss://127.0.0.1:{port}/deflate", ssl=trusted, max_size=None) as ws:
        agreed = ws.response_headers.get("Sec-WebSocket-Extensions") or ""
        assert agreed.startswith("permessage-deflate"), f"the server answered extensions {agreed!r}"
        assert any(isinstance(e, PerMessageDeflate) for e in ws.extensions), ws.extensions
        print("negotiated:", agreed)
        cases = ["hi", "대화 " * 20000, b"\x00" * 100000, noise, "", b""]
        for m in cases:
            await ws.send(m)
            r = await asyncio.wait_for(ws.recv(), 20)
            assert type(r) is type(m) and r == m, f"echo of a {type(m).__name__} of {len(m)} differs"
        print("echoed", len(cases), "compressed messages in 4096-byte frames over wss")

asyncio.run(main())
' "$port" "$work/ca.pem"
  expect_in "$work/echo_tls_deflate_python.out" "negotiated: permessage-deflate" "echoed 6 compressed messages"
  pass "python websockets + ssl: --tls --deflate --fragment: $(grep negotiated "$work/echo_tls_deflate_python.out")"
  stop_server echo_server
}

test_echo_client() {
  local client=$1 server=$2 out=$work/client.out rc=0
  check_usage echo_client "$client"
  check_usage echo_client "$client" --testee ws://127.0.0.1:9
  start_server echo_server "$server" --port 0 --host 127.0.0.1

  timeout -k 5 30 "$client" "ws://127.0.0.1:$port/echo" hello "안녕, 세계" "" "a b c" >"$out" 2>"$work/client.err" ||
    fail "echo_client exited with $?"
  printf 'hello\n안녕, 세계\n\na b c\n' | cmp -s - "$out" || fail "echo_client printed something else than the echoes"
  pass "echo_client prints each echo"

  timeout -k 5 30 "$client" "ws://127.0.0.1:$port/" >"$out" 2>"$work/client.err" ||
    fail "echo_client without messages exited with $?"
  pass "echo_client without messages connects and closes"

  stop_server echo_server
  # The port is free now: nothing listens there.
  timeout -k 5 30 "$client" "ws://127.0.0.1:$port/echo" hello >"$out" 2>"$work/refused.err" || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "echo_client to a closed port exited with $rc"
  [ -s "$work/refused.err" ] || fail "echo_client to a closed port said nothing"
  pass "echo_client to a closed port fails ($rc): $(head -n1 "$work/refused.err")"
  rm -f "$work/refused.err"

  rc=0
  timeout -k 5 30 "$client" "http://127.0.0.1:$port/" hello >"$out" 2>"$work/badurl.err" || rc=$?
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "echo_client with an http:// URL exited with $rc"
  pass "echo_client rejects an http:// URL ($rc)"
  rm -f "$work/badurl.err"
}

test_chat() {
  local chat=$1
  check_usage chat "$chat"
  need_python
  command -v curl >/dev/null || fail "curl is missing"
  start_server chat "$chat" --port 0 --host 127.0.0.1

  curl -s --max-time 10 "http://127.0.0.1:$port/" >"$work/page.html" || fail "curl / failed"
  expect_in "$work/page.html" "new WebSocket" ".onopen" ".onmessage" ".onclose" ".onerror" \
    "JSON.stringify" "JSON.parse" 'id="name"' 'id="room"' 'id="join"' 'id="text"' 'id="send"' \
    'id="messages"' 'id="status"' "location.host"
  pass "GET / serves the page"
  local status
  status=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope")
  [ "$status" = 404 ] || fail "GET /nope answered $status"
  pass "GET /nope is 404"

  py chat_python '
import asyncio, json, sys, websockets
base = f"ws://127.0.0.1:{sys.argv[1]}/chat"

async def recv(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 10))

async def main():
    ann = await websockets.connect(base + "/lobby?name=ann")
    assert await recv(ann) == {"type": "join", "name": "ann", "room": "lobby", "count": 1}
    bob = await websockets.connect(base + "/lobby?name=%EA%B0%95%ED%98%B8%EB%8F%99%22")   # 강호동"
    joined = {"type": "join", "name": "강호동\"", "room": "lobby", "count": 2}
    assert await recv(ann) == joined and await recv(bob) == joined
    other = await websockets.connect(base + "/kitchen?name=cy")
    assert (await recv(other))["room"] == "kitchen"

    said = {"type": "message", "name": "강호동\"", "text": "커피 주세요 \"please\""}
    await bob.send(json.dumps(said))
    assert await recv(ann) == said and await recv(bob) == said
    print("broadcast to the room")
    try:
        await asyncio.wait_for(other.recv(), 0.5)
        raise AssertionError("another room got the message")
    except asyncio.TimeoutError:
        print("other rooms hear nothing")

    spoofed = {"type": "message", "name": "ann", "text": "it is me"}
    await bob.send(json.dumps(spoofed))
    signed = {"type": "message", "name": "강호동\"", "text": "it is me"}
    assert await recv(ann) == signed and await recv(bob) == signed
    print("signed with the joined name")

    await other.send("not json")
    try:
        await asyncio.wait_for(other.recv(), 10)
        raise AssertionError("a message that is not JSON was accepted")
    except websockets.ConnectionClosed as e:
        assert e.rcvd is not None and e.rcvd.code == 1007, f"closed with {e.rcvd}"
    print("not JSON: 1007")

    await bob.close()
    assert await recv(ann) == {"type": "leave", "name": "강호동\"", "room": "lobby", "count": 1}
    print("leave announced")

    await ann.send("x" * 5000)                     # over the 4 KiB chat limit
    try:
        await asyncio.wait_for(ann.recv(), 10)
        raise AssertionError("a 5000-byte message was accepted")
    except websockets.ConnectionClosed as e:
        assert e.rcvd is not None and e.rcvd.code == 1009, f"closed with {e.rcvd}"
    print("too big: 1009")

asyncio.run(main())
' "$port"
  expect_in "$work/chat_python.out" "broadcast to the room" "other rooms hear nothing" "signed with the joined name" \
            "not JSON: 1007" "leave announced" "too big: 1009"
  pass "python websockets: join, broadcast to one room, names, 1007, leave, 1009"
  stop_server chat
}

# Two chats on one redis-server of the test's own (a free port, killed by
# PID): a room spans both, and the member counts in join and leave messages
# are of both nodes.
test_chat_redis() {
  local chat=$1 redis_server=$2 rport redis_pid a_pid b_pid a_port b_port i
  check_usage chat "$chat"
  need_python
  usage_error 2 chat_bad_redis "--redis needs HOST:PORT" "$chat" --port 0 --redis 127.0.0.1
  usage_error 2 chat_node_id_alone "--node-id is for --redis" "$chat" --port 0 --node-id a
  rport=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  timeout -k 5 50 "$redis_server" --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    >"$work/redis.out" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  for i in $(seq 100); do
    "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$rport" \
      2>/dev/null && break
    running "$redis_pid" || fail "redis-server exited"
    sleep 0.1
  done

  label=chat_a start_server chat "$chat" --port 0 --host 127.0.0.1 --redis "127.0.0.1:$rport" --node-id node-a
  a_pid=$server_pid a_port=$port
  label=chat_b start_server chat "$chat" --port 0 --host 127.0.0.1 --redis "127.0.0.1:$rport" --node-id node-b
  b_pid=$server_pid b_port=$port
  for i in $(seq 100); do
    grep -q "chat: redis connected" "$work/chat_a.out" && grep -q "chat: redis connected" "$work/chat_b.out" && break
    sleep 0.1
  done
  expect_in "$work/chat_a.out" "chat: redis connected"
  expect_in "$work/chat_b.out" "chat: redis connected"

  py chat_redis_python '
import asyncio, json, socket, sys, websockets
a_port, b_port, redis_port = sys.argv[1:4]

def redis(*args):                              # one command, RESP by hand: no Redis module needed
    with socket.create_connection(("127.0.0.1", int(redis_port)), 5) as s:
        s.sendall(b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a), a) for a in args]))
        return s.recv(4096)

async def until(what, check):
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never: " + what)

async def recv(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 10))

async def main():
    ann = await websockets.connect(f"ws://127.0.0.1:{a_port}/chat/lobby?name=ann")
    assert await recv(ann) == {"type": "join", "name": "ann", "room": "lobby", "count": 1}
    # Node a has written its count, and both nodes listen on the room.
    await until("node-a in presence", lambda: redis(b"HGET", b"chat:presence:node-a", b"lobby") == b"$1\r\n1\r\n")
    bob = await websockets.connect(f"ws://127.0.0.1:{b_port}/chat/lobby?name=bob")
    joined = {"type": "join", "name": "bob", "room": "lobby", "count": 2}
    assert await recv(bob) == joined and await recv(ann) == joined
    print("presence over both nodes: 2")
    await until("both nodes subscribed", lambda: redis(b"PUBSUB", b"NUMSUB", b"chat:lobby").endswith(b":2\r\n"))

    said = {"type": "message", "name": "ann", "text": "from node a"}
    await ann.send(json.dumps(said))
    assert await recv(bob) == said and await recv(ann) == said
    said = {"type": "message", "name": "bob", "text": "from node b"}
    await bob.send(json.dumps(said))
    assert await recv(ann) == said and await recv(bob) == said
    print("messages cross nodes")

    await bob.close()
    assert await recv(ann) == {"type": "leave", "name": "bob", "room": "lobby", "count": 1}
    print("leave announced across nodes")
    await ann.close()

asyncio.run(main())
' "$a_port" "$b_port" "$rport"
  expect_in "$work/chat_redis_python.out" "presence over both nodes: 2" "messages cross nodes" "leave announced across nodes"
  pass "two chats on one Redis: a room spans both nodes, presence counts both"
  server_pid=$a_pid label=chat_a stop_server chat
  server_pid=$b_pid label=chat_b stop_server chat
  # SIGTERM to `timeout`, which passes it on: SIGKILL would end only
  # `timeout` and leave redis-server running after the test.
  kill -TERM "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  forget "$redis_pid"
}

# The chat built without hiredis: --redis says so and exits 2.
test_chat_no_redis() {
  local chat=$1
  usage_error 2 chat_no_redis "--redis needs the chat built with hiredis" "$chat" --port 0 --redis 127.0.0.1:6379
}

# The chat with --tls: the page over https:// and the rooms over wss:// on
# one port, checked with curl and Python trusting only the test CA.
test_chat_tls() {
  local chat=$1 deflate=$2
  need_python
  command -v curl >/dev/null || fail "curl is missing"
  make_certs "$work"
  local cert=$work/cert.pem key=$work/key.pem

  usage_error 2 chat_tls_no_cert_no_key "--tls needs --cert CHAIN.pem and --key KEY.pem" "$chat" --port 0 --tls
  usage_error 2 chat_tls_no_key "--tls needs --key" "$chat" --port 0 --tls --cert "$cert"
  usage_error 1 chat_tls_missing_key "$work/missing.key" "$chat" --port 0 --host 127.0.0.1 --tls --cert "$cert" --key "$work/missing.key"

  start_server chat "$chat" --port 0 --host 127.0.0.1 --tls --cert "$cert" --key "$key"
  curl -s --max-time 10 --cacert "$work/ca.pem" "https://127.0.0.1:$port/" >"$work/page.html" ||
    fail "curl https:// with the test CA failed"
  expect_in "$work/page.html" "new WebSocket" 'location.protocol === "https:" ? "wss://"' 'id="extensions"' "socket.extensions"
  pass "GET / over https:// serves the page"
  local rc=0
  curl -s --max-time 10 -o /dev/null "https://127.0.0.1:$port/" 2>/dev/null || rc=$?
  [ "$rc" -eq 60 ] || fail "curl without the test CA exited with $rc, expected 60 (certificate not trusted)"
  pass "without the test CA curl does not trust it"

  py chat_tls_python '
import asyncio, json, ssl, sys, websockets
port, ca, deflate = sys.argv[1], sys.argv[2], sys.argv[3] == "ON"
base = f"wss://127.0.0.1:{port}/chat"
trusted = ssl.create_default_context(cafile=ca)

async def recv(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 10))

async def main():
    ann = await websockets.connect(base + "/lobby?name=ann", ssl=trusted, server_hostname="localhost")
    agreed = ann.response_headers.get("Sec-WebSocket-Extensions")
    if deflate:
        assert agreed is not None and agreed.startswith("permessage-deflate") and "server_no_context_takeover" in agreed, agreed
    else:
        assert agreed is None, f"built without zlib, yet agreed to {agreed}"
    print("extensions:", agreed)
    assert await recv(ann) == {"type": "join", "name": "ann", "room": "lobby", "count": 1}
    bob = await websockets.connect(base + "/lobby?name=bob", ssl=trusted)   # checked against 127.0.0.1
    joined = {"type": "join", "name": "bob", "room": "lobby", "count": 2}
    assert await recv(ann) == joined and await recv(bob) == joined
    said = {"type": "message", "name": "bob", "text": "커피 주세요, " * 50}   # compressible, well over 64 bytes
    await bob.send(json.dumps(said, ensure_ascii=False))
    assert await recv(ann) == said and await recv(bob) == said
    print("broadcast over wss")
    await bob.close()
    assert await recv(ann) == {"type": "leave", "name": "bob", "room": "lobby", "count": 1}
    await ann.close()
    print("leave announced")

asyncio.run(main())
' "$port" "$work/ca.pem" "$deflate"
  expect_in "$work/chat_tls_python.out" "broadcast over wss" "leave announced"
  pass "python websockets + ssl: join, broadcast, leave over wss ($(grep extensions: "$work/chat_tls_python.out"))"
  stop_server chat
}

test_cafe() {
  local cafe=$1 out=$work/cafe.out
  check_usage cafe "$cafe"
  check_usage cafe "$cafe" --server
  timeout -k 5 40 "$cafe" >"$out" 2>"$work/cafe.err" || fail "cafe exited with $?"
  expect_in "$out" "== async" "== sync" "summary: async" \
    "[async]" "sent   order coffee" "sent   order bread" "sent   order smoothie" "did other things" \
    "[sync ]" "waiting at the counter..."
  local who item
  for who in async "sync "; do
    for item in coffee bread smoothie; do
      grep -qE "^\[$who\] +[0-9]+ ms  got    buzzer [0-9]+ for $item\$" "$out" || fail "[$who] got no buzzer for $item"
      grep -qE "^\[$who\] +[0-9]+ ms  got    order [0-9]+ ready: $item\$" "$out" || fail "[$who] $item never ready"
    done
  done
  # The sync customer orders the next item only once the previous is ready.
  grep -F "[sync ]" "$out" | sed -E 's/^\[sync \] +[0-9]+ ms  //' >"$work/sync-steps.txt"
  printf '%s\n' connected "sent   order coffee" "got    buzzer 4 for coffee" "waiting at the counter..." \
    "got    order 4 ready: coffee" "sent   order bread" "got    buzzer 5 for bread" "waiting at the counter..." \
    "got    order 5 ready: bread" "sent   order smoothie" "got    buzzer 6 for smoothie" \
    "waiting at the counter..." "got    order 6 ready: smoothie" "all 3 orders ready" |
    cmp -s - "$work/sync-steps.txt" || fail "the sync timeline is not one order at a time"
  rm -f "$work/sync-steps.txt"
  pass "cafe: both timelines and the summary"

  need_python
  start_server cafe "$cafe" --server --port 0 --host 127.0.0.1
  timeout -k 5 40 "$cafe" --client "ws://127.0.0.1:$port/cafe" >"$work/customers.out" 2>"$work/customers.err" ||
    fail "cafe --client exited with $?"
  expect_in "$work/customers.out" "== async" "== sync" "summary: async"
  pass "cafe --server + cafe --client"

  py cafe_python '
import asyncio, sys, websockets
async def main():
    async with websockets.connect(f"ws://127.0.0.1:{sys.argv[1]}/cafe") as ws:
        await ws.send("order tea")
        buzzer = await asyncio.wait_for(ws.recv(), 10)
        assert buzzer.startswith("buzzer ") and buzzer.endswith(" for tea"), buzzer
        await ws.send("hello")
        assert (await asyncio.wait_for(ws.recv(), 10)).startswith("error: "), "no error for hello"
        n = buzzer.split()[1]
        assert await asyncio.wait_for(ws.recv(), 10) == f"order {n} ready: tea"
        print("buzzer, then ready")
    # The customer leaves before the order is ready: calling the number is a no-op.
    async with websockets.connect(f"ws://127.0.0.1:{sys.argv[1]}/cafe") as ws:
        await ws.send("order smoothie")
        await asyncio.wait_for(ws.recv(), 10)
    await asyncio.sleep(1.2)
    async with websockets.connect(f"ws://127.0.0.1:{sys.argv[1]}/cafe") as ws:
        await ws.send("order bread")
        assert (await asyncio.wait_for(ws.recv(), 10)).startswith("buzzer ")
        print("still serving after a customer left")
asyncio.run(main())
' "$port"
  expect_in "$work/cafe_python.out" "buzzer, then ready" "still serving after a customer left"
  pass "python websockets: the counter protocol"
  running "$server_pid" || fail "cafe --server died"
  stop_server cafe
}

test_lifecycle() {
  local lifecycle=$1 out=$work/lifecycle.out
  check_usage lifecycle "$lifecycle"
  timeout -k 5 30 "$lifecycle" >"$out" 2>"$work/lifecycle.err" || fail "lifecycle exited with $?"
  expect_in "$out" "client: connect request to ws://127.0.0.1:" "server: registered client #1 (on_open)" \
    "client: connected (on_open)" "client -> server: hello (send)" "server: got 'hello' (on_message)" \
    "client: got 'echo: hello' (on_message)" "client: close (close)" "server: closed 1000 (on_close)" \
    "client: closed 1000 (on_close)" "server: error: " "(on_error)" "server: closed 1003 (on_close)" \
    "client: closed 1003 (on_close)" "client: error: " "client: closed 1006 (on_close)" "lifecycle: all 20 steps happened"
  # The note's order: request, registration, open, message each way, close.
  grep -E '^ ?[0-9]+\. ' "$out" | head -n 10 | sed -E 's/^ ?([0-9]+)\. .*\((on_[a-z]+|send|close)\)$/\1 \2/;t;s/^ ?([0-9]+)\. .*/\1 request/' \
    >"$work/order.txt"
  printf '%s\n' "1 request" "2 on_open" "3 on_open" "4 send" "5 on_message" "6 send" "7 on_message" "8 close" \
    "9 on_close" "10 on_close" | cmp -s - "$work/order.txt" || fail "the first act is out of order: $(tr '\n' ',' <"$work/order.txt")"
  rm -f "$work/order.txt"
  pass "lifecycle: every handler ran, in the note's order"
}

case "${1:-}" in
  echo_server) [ $# -eq 2 ] || fail "usage: smoke.sh echo_server ECHO_SERVER"; test_echo_server "$2" ;;
  echo_server_tls) [ $# -eq 3 ] || fail "usage: smoke.sh echo_server_tls ECHO_SERVER ON|OFF"; test_echo_server_tls "$2" "$3" ;;
  echo_client) [ $# -eq 3 ] || fail "usage: smoke.sh echo_client ECHO_CLIENT ECHO_SERVER"; test_echo_client "$2" "$3" ;;
  chat)        [ $# -eq 2 ] || fail "usage: smoke.sh chat CHAT"; test_chat "$2" ;;
  chat_tls)    [ $# -eq 3 ] || fail "usage: smoke.sh chat_tls CHAT ON|OFF"; test_chat_tls "$2" "$3" ;;
  chat_redis)  [ $# -eq 3 ] || fail "usage: smoke.sh chat_redis CHAT REDIS_SERVER"; test_chat_redis "$2" "$3" ;;
  chat_no_redis) [ $# -eq 2 ] || fail "usage: smoke.sh chat_no_redis CHAT"; test_chat_no_redis "$2" ;;
  cafe)        [ $# -eq 2 ] || fail "usage: smoke.sh cafe CAFE"; test_cafe "$2" ;;
  lifecycle)   [ $# -eq 2 ] || fail "usage: smoke.sh lifecycle LIFECYCLE"; test_lifecycle "$2" ;;
  *) fail "usage: smoke.sh echo_server|echo_server_tls|echo_client|chat|chat_tls|chat_redis|chat_no_redis|cafe|lifecycle BINARY..." ;;
esac
