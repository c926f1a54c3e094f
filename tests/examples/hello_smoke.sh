#!/usr/bin/env bash
# Smoke test of the three smallest examples, run against each other:
#   hello_smoke.sh HELLO_SERVER HELLO_CLIENT SYNC_CLIENT
# hello_server listens on 127.0.0.1 (a free port: argument 0); hello_client
# and then sync_client join /chat/lobby, say hello and must hear it back;
# once the server is gone both must fail the way docs/getting-started.md
# says. Every process is bounded by `timeout` and the server is killed by
# its PID.
set -euo pipefail

server_bin=$1
client_bin=$2
sync_bin=$3
work=$(mktemp -d)
server_pid=

cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$work"/*.out; do
    [ -e "$f" ] && { echo "--- $(basename "$f")"; cat "$f"; } >&2
  done
  exit 1
}

# Waits (bounded: about 10 s) until FILE has a line matching PATTERN.
wait_for_line() {
  local file=$1 pattern=$2 i
  for i in $(seq 100); do
    grep -Eq "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Like every example: --help is the usage on stdout with status 0; an
# argument that is not a port, the usage on stderr with status 2.
for bin in "$server_bin" "$client_bin" "$sync_bin"; do
  name=$(basename "$bin")
  rc=0
  timeout 10 "$bin" --help >"$work/help.out" 2>"$work/help.err" || rc=$?
  [ "$rc" = 0 ] || fail "$name --help exited $rc"
  grep -q "^usage: $name \[PORT\]$" "$work/help.out" || fail "$name --help printed no usage on stdout"
  [ ! -s "$work/help.err" ] || fail "$name --help wrote to stderr"
  rc=0
  timeout 10 "$bin" --bogus >"$work/bad.out" 2>"$work/bad.err" || rc=$?
  [ "$rc" = 2 ] || fail "$name --bogus exited $rc, not 2"
  grep -q "^usage: $name" "$work/bad.err" || fail "$name --bogus printed no usage on stderr"
  [ ! -s "$work/bad.out" ] || fail "$name --bogus wrote to stdout"
done

timeout 60 "$server_bin" 0 >"$work/server.out" 2>&1 &
server_pid=$!
wait_for_line "$work/server.out" '^listening on port [0-9]+$' || fail "hello_server did not say it was listening"
port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$work/server.out")

# hello_client: the server's greeting, its own message back (a broadcast to
# the room, the sender included), then a normal close (exit 0).
rc=0
timeout 20 "$client_bin" "$port" >"$work/hello_client.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "hello_client exited $rc"
[ "$(cat "$work/hello_client.out")" = $'joined lobby\nhello' ] || fail "hello_client printed something else"
wait_for_line "$work/server.out" '^close #1 1000$' || fail "hello_server did not see the client close with 1000"

# sync_client: the same conversation, one blocking call at a time.
rc=0
timeout 20 "$sync_bin" "$port" >"$work/sync_client.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "sync_client exited $rc"
[ "$(cat "$work/sync_client.out")" = $'joined lobby\nhello\nclosed 1000' ] || fail "sync_client printed something else"
wait_for_line "$work/server.out" '^close #2 1000$' || fail "hello_server did not see the sync client close with 1000"
if grep -q '^error' "$work/server.out"; then fail "hello_server reported an error"; fi

# Nothing listens any more: a refused connection reaches hello_client's
# on_error (exit 1), and sync_client::connect throws std::system_error.
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
rc=0
timeout 20 "$client_bin" "$port" >"$work/refused_client.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "hello_client to a closed port exited $rc, not 1"
grep -qi 'refused' "$work/refused_client.out" || fail "hello_client did not report the refused connection"
rc=0
timeout 20 "$sync_bin" "$port" >"$work/refused_sync.out" 2>&1 || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "sync_client to a closed port exited $rc"
grep -q "wsx: cannot connect to ws://127.0.0.1:$port/chat/lobby" "$work/refused_sync.out" ||
  fail "sync_client::connect did not throw the documented std::system_error"
echo "hello_server, hello_client and sync_client: ok"
