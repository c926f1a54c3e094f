#!/usr/bin/env bash
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#
# Topics across nodes through Redis (issue 17): throughput, latency from a
# publish on node A to the delivery on node B, and the CPU each process spends
# per delivered message, beside the same traffic on one node with and without
# the backplane. Builds wsx_crossnode (Release, -DWSX_WITH_REDIS=ON), starts
# its own redis-server on a free loopback port (--save '' --appendonly no), and
# for every cell fresh nodes (bench/load/redis_crossnode.cpp) and the client.
# Everything it starts it stops by PID, on exit too.
#
# Cases:
#   local     one node, no backplane: publisher and subscribers on it
#   local-bp  one node with the Redis backplane: the same, plus a PUBLISH of
#             every message to Redis (which sends it back; the node skips its own)
#   cross     publisher on node A, subscribers on node B, both on the backplane
# Modes:
#   rate      CROSSNODE_RATE messages/s offered on a timer (open loop)
#   window    CROSSNODE_WINDOW messages in flight (closed loop: the most the chain does)
#
# Usage: bench/load/crossnode.sh [BUILD_DIR]
# Environment (defaults in brackets):
#   CROSSNODE_REPEAT     runs per cell; the tables show the median of each figure [3]
#   CROSSNODE_WARMUP, CROSSNODE_DURATION   seconds before the window, and the window [1, 3]
#   CROSSNODE_CASES      [local local-bp cross]
#   CROSSNODE_MODES      [rate window]
#   CROSSNODE_SUBS       subscribers [1 100]
#   CROSSNODE_SIZES      message sizes in bytes [16 1024]
#   CROSSNODE_RATE       offered messages per second in mode rate [1000]
#   CROSSNODE_WINDOW     messages in flight in mode window [32]
#   CROSSNODE_NO_BUILD=1 use the wsx_crossnode already in BUILD_DIR
#   CROSSNODE_PIN=0      do not pin (default: nodes on core 0, redis-server and the client on core 1)
#   BENCH_JOBS           parallel build jobs [2]

set -uo pipefail

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${1:-${BENCH_BUILD_DIR:-$SRC_DIR/build-bench}}
REPEAT=${CROSSNODE_REPEAT:-3}
WARMUP=${CROSSNODE_WARMUP:-1}
DURATION=${CROSSNODE_DURATION:-3}
CASES=${CROSSNODE_CASES:-local local-bp cross}
MODES=${CROSSNODE_MODES:-rate window}
SUBS=${CROSSNODE_SUBS:-1 100}
SIZES=${CROSSNODE_SIZES:-16 1024}
RATE=${CROSSNODE_RATE:-1000}
WINDOW=${CROSSNODE_WINDOW:-32}

say() { printf '%s\n' "$*" >&2; }
die() { say "crossnode.sh: $*"; exit 1; }

command -v redis-server >/dev/null || die "no redis-server (apt-get install redis-server)"
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3

if [[ ${CROSSNODE_NO_BUILD:-0} != 1 ]]; then
  generator=()
  if [[ ! -f $BUILD_DIR/CMakeCache.txt ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
  say "== configuring $BUILD_DIR (Release, WSX_WITH_REDIS=ON)"
  cmake -S "$SRC_DIR" -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
        -DWSX_BUILD_BENCH=ON -DWSX_WITH_REDIS=ON >/dev/null || die "cmake configure failed in $BUILD_DIR"
  say "== building wsx_crossnode"
  cmake --build "$BUILD_DIR" -j "${BENCH_JOBS:-2}" --target wsx_crossnode >/dev/null || die "build failed in $BUILD_DIR"
fi
TOOL=$BUILD_DIR/bench/load/wsx_crossnode
[[ -x $TOOL ]] || die "no wsx_crossnode at $TOOL (configure with -DWSX_WITH_REDIS=ON; needs libhiredis-dev)"

PIN_NODE=() PIN_OTHER=()
if [[ ${CROSSNODE_PIN:-1} == 1 ]] && command -v taskset >/dev/null && (($(nproc) >= 2)); then
  PIN_NODE=(taskset -c 0)
  PIN_OTHER=(taskset -c 1)
fi

LOG_DIR=$BUILD_DIR/crossnode-logs
RAW=$BUILD_DIR/crossnode-results.txt
TABLE=$BUILD_DIR/crossnode-results.md
mkdir -p "$LOG_DIR"
: >"$RAW"

STARTED=()   # PIDs this script started and has not stopped yet
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  local kept=() p
  for p in "${STARTED[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  STARTED=("${kept[@]}")
}
cleanup() {
  local p
  for p in "${STARTED[@]}"; do kill -TERM "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${STARTED[@]}"; do kill -KILL "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {   # PORT PID
  local i
  for i in $(seq 1 100); do
    kill -0 "$2" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
wait_log() {    # FILE TEXT PID
  local i
  for i in $(seq 1 100); do
    kill -0 "$3" 2>/dev/null || return 1
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

REDIS_PORT=$(free_port)
"${PIN_OTHER[@]}" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize no --loglevel warning >"$LOG_DIR/redis.log" 2>&1 &
REDIS_PID=$!
STARTED+=("$REDIS_PID")
wait_port "$REDIS_PORT" "$REDIS_PID" || die "redis-server did not start (see $LOG_DIR/redis.log)"
say "== redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"

NODE_PID=0 NODE_PORT=0
start_node() {   # NAME [--redis]
  local name=$1 log=$LOG_DIR/node-$1.log
  NODE_PORT=$(free_port)
  local args=(node --port "$NODE_PORT")
  [[ ${2:-} == --redis ]] && args+=(--redis "127.0.0.1:$REDIS_PORT" --node-id "$name")
  "${PIN_NODE[@]}" "$TOOL" "${args[@]}" >"$log" 2>&1 &
  NODE_PID=$!
  STARTED+=("$NODE_PID")
  wait_port "$NODE_PORT" "$NODE_PID" || die "node $name did not start (see $log)"
  if [[ ${2:-} == --redis ]]; then
    wait_log "$log" "redis connected" "$NODE_PID" || die "node $name did not connect to Redis (see $log)"
  fi
}

failures=0
cells=0
for case in $CASES; do
  for mode in $MODES; do
    for size in $SIZES; do
      for n in $SUBS; do
        for r in $(seq 1 "$REPEAT"); do
          offered=(--rate "$RATE")
          [[ $mode == window ]] && offered=(--window "$WINDOW")
          case $case in
            local)    start_node a; a_pid=$NODE_PID; a_port=$NODE_PORT; b_pid=0; b_port=$a_port ;;
            local-bp) start_node a --redis; a_pid=$NODE_PID; a_port=$NODE_PORT; b_pid=0; b_port=$a_port ;;
            cross)    start_node a --redis; a_pid=$NODE_PID; a_port=$NODE_PORT
                      start_node b --redis; b_pid=$NODE_PID; b_port=$NODE_PORT ;;
            *) die "unknown case $case" ;;
          esac
          pids=(--pid "a=$a_pid" --pid "redis=$REDIS_PID")
          ((b_pid > 0)) && pids+=(--pid "b=$b_pid")
          log=$LOG_DIR/client-$case-$mode-$size-$n-$r.log
          line=$("${PIN_OTHER[@]}" "$TOOL" client --pub "ws://127.0.0.1:$a_port/pub" --sub "ws://127.0.0.1:$b_port/sub" \
                   --subscribers "$n" --size "$size" "${offered[@]}" --warmup "$WARMUP" --duration "$DURATION" \
                   "${pids[@]}" 2>"$log")
          rc=$?
          ((b_pid > 0)) && stop_pid "$b_pid"
          stop_pid "$a_pid"
          [[ -n $line ]] || line="result=FAIL"
          ((rc == 0)) || { failures=$((failures + 1)); say "   FAILED (rc $rc, see $log)"; }
          line="case=$case mode=$mode repeat=$r $line"
          printf '%s\n' "$line" >>"$RAW"
          say "$line"
          cells=$((cells + 1))
        done
      done
    done
  done
done

"$PY" - "$RAW" "$RATE" "$WINDOW" <<'EOF' | tee "$TABLE"
import statistics, sys
raw, rate, window = sys.argv[1], sys.argv[2], sys.argv[3]
rows = {}
for line in open(raw):
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    if kv.get("result") != "ok":
        key = (kv.get("case"), kv.get("mode"), kv.get("size"), kv.get("subscribers"))
        rows.setdefault(key, []).append(None)
        continue
    rows.setdefault((kv["case"], kv["mode"], kv["size"], kv["subscribers"]), []).append(kv)
def med(runs, k, fmt):
    v = [float(r[k]) for r in runs if r and k in r]
    return fmt.format(statistics.median(v)) if v else "–"
def tot(r, case):   # the processes the case uses: Redis idles beside "local"
    keys = ["cpu_us_per_delivery_a", "cpu_us_per_delivery_b"] + (["cpu_us_per_delivery_redis"] if case != "local" else [])
    return sum(float(r.get(k, 0)) for k in keys)
print("| case | offered | size | subs | published/s | deliveries/s | p50 µs | p99 µs "
      "| node A µs/deliv | node B µs/deliv | redis µs/deliv | total µs/deliv | client CPU % | other CPU % | runs ok |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
order = {"local": 0, "local-bp": 1, "cross": 2}
for key in sorted(rows, key=lambda k: (k[1] or "", int(k[2] or 0), int(k[3] or 0), order.get(k[0], 9))):
    runs = [r for r in rows[key] if r]
    case, mode, size, subs = key
    offered = f"{rate}/s" if mode == "rate" else f"window {window}"
    totals = [tot(r, case) for r in runs]
    b = med(runs, "cpu_us_per_delivery_b", "{:.2f}") if case == "cross" else "(A)"
    print(f"| {case} | {offered} | {size} | {subs} | {med(runs, 'published_per_s', '{:,.0f}')} "
          f"| {med(runs, 'deliveries_per_s', '{:,.0f}')} | {med(runs, 'p50_us', '{:.0f}')} | {med(runs, 'p99_us', '{:.0f}')} "
          f"| {med(runs, 'cpu_us_per_delivery_a', '{:.2f}')} | {b} "
          f"| {med(runs, 'cpu_us_per_delivery_redis', '{:.2f}') if case != 'local' else '–'} "
          f"| {'{:.2f}'.format(statistics.median(totals)) if totals else '–'} "
          f"| {med(runs, 'client_cpu_pct', '{:.0f}')} | {med(runs, 'other_cpu_pct', '{:.0f}')} "
          f"| {len(runs)}/{len(rows[key])} |")
EOF
say "== $cells runs, $failures failed; raw lines in $RAW, table in $TABLE, logs in $LOG_DIR"
((failures == 0))
