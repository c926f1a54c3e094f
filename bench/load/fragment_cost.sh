#!/usr/bin/env bash
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#
# What reassembling one 16 MiB message costs wsx's echo_server, by how the
# message is fragmented (issue 13): builds echo_server and fragment_cost
# (Release), starts the server on 127.0.0.1 pinned to one core, runs
# fragment_cost pinned to the other (cases a: one frame, b: 16,384 x 1 KiB,
# c: 1,048,576 x 16 B; see bench/load/fragment_cost.cpp), and stops the
# server by its PID. Prints fragment_cost's table.
#
# Usage: bench/load/fragment_cost.sh [BUILD_DIR]
# Environment (defaults in brackets):
#   FRAGMENT_COST_NO_BUILD=1  do not configure/build, use what BUILD_DIR holds
#   FRAGMENT_COST_ECHO        the echo_server to measure [BUILD_DIR/examples/echo_server{/echo_server,}]
#   FRAGMENT_COST_CASES       cases to run [abc]
#   FRAGMENT_COST_SIZE        message size in bytes [16777216]
#   FRAGMENT_COST_TIMEOUT     seconds a case may take before it is reported as "> T s" [600]
#   FRAGMENT_COST_PORT        port [19950]
#   FRAGMENT_COST_TEXT=1      a text message instead of binary
#   BENCH_JOBS                parallel build jobs [2]
#   BENCH_SERVER_CPU          core the server is pinned to [0]
#   BENCH_CLIENT_CPU          core fragment_cost is pinned to [1]

set -uo pipefail

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${1:-${BENCH_BUILD_DIR:-$SRC_DIR/build-bench}}
PORT=${FRAGMENT_COST_PORT:-19950}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
CLIENT_CPU=${BENCH_CLIENT_CPU:-1}

say() { printf '%s\n' "$*" >&2; }
die() { say "fragment_cost.sh: $*"; exit 1; }

if [[ ${FRAGMENT_COST_NO_BUILD:-0} != 1 ]]; then
  generator=()
  if [[ ! -f $BUILD_DIR/CMakeCache.txt ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
  say "== configuring $BUILD_DIR (Release)"
  cmake -S "$SRC_DIR" -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
        -DWSX_BUILD_TESTS=OFF -DWSX_BUILD_BENCH=ON -DWSX_BUILD_EXAMPLES=ON >/dev/null \
    || die "cmake configure failed in $BUILD_DIR"
  say "== building echo_server fragment_cost"
  cmake --build "$BUILD_DIR" -j "${BENCH_JOBS:-2}" --target echo_server fragment_cost >/dev/null \
    || die "build failed in $BUILD_DIR"
fi

ECHO=${FRAGMENT_COST_ECHO:-}
if [[ -z $ECHO ]]; then
  ECHO=$BUILD_DIR/examples/echo_server/echo_server
  [[ -x $ECHO ]] || ECHO=$BUILD_DIR/examples/echo_server
fi
TOOL=$BUILD_DIR/bench/load/fragment_cost
[[ -f $ECHO && -x $ECHO ]] || die "no echo_server at $ECHO"
[[ -x $TOOL ]] || die "no fragment_cost at $TOOL"

PIN_SERVER=() PIN_CLIENT=()
ncpu=$(nproc)
if command -v taskset >/dev/null && ((ncpu > SERVER_CPU && ncpu > CLIENT_CPU)); then
  PIN_SERVER=(taskset -c "$SERVER_CPU")
  PIN_CLIENT=(taskset -c "$CLIENT_CPU")
else
  say "== warning: cannot pin (nproc=$ncpu); the figures will be noisier"
fi

SERVER_PID=""
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null
  for _ in $(seq 40); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

listening() {   # port: is a socket in LISTEN state on it
  local hex
  hex=$(printf '%04X' "$1")
  awk -v p="$hex" '$4 == "0A" { split($2, a, ":"); if (toupper(a[2]) == p) found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

LOG=$(mktemp "${TMPDIR:-/tmp}/fragment_cost_server.XXXXXX")
"${PIN_SERVER[@]}" "$ECHO" --host 127.0.0.1 --port "$PORT" >"$LOG" 2>&1 &
SERVER_PID=$!   # taskset execs the server, so this is the server's own pid
for _ in $(seq 100); do
  listening "$PORT" && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.05
done
listening "$PORT" || { cat "$LOG" >&2; die "echo_server did not start listening on port $PORT"; }

args=(--port "$PORT" --pid "$SERVER_PID" --cases "${FRAGMENT_COST_CASES:-abc}"
      --size "${FRAGMENT_COST_SIZE:-16777216}" --timeout "${FRAGMENT_COST_TIMEOUT:-600}")
[[ ${FRAGMENT_COST_TEXT:-0} == 1 ]] && args+=(--text)
say "== $ECHO (pid $SERVER_PID), $(date -u '+%Y-%m-%d %H:%M UTC')"
"${PIN_CLIENT[@]}" "$TOOL" "${args[@]}"
status=$?
stop_server
rm -f "$LOG"
exit $status
