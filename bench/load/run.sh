#!/usr/bin/env bash
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#
# Load benchmark: wsx's echo_server against Boost.Beast and websocketpp, side
# by side in one run, on 127.0.0.1 only: plain ws, wss (TLS) and
# permessage-deflate rows. Builds (Release), then for every
# scenario starts each server fresh, pinned to one core, drives it with
# wsx_loadgen pinned to another core, kills it, and finally prints one
# Markdown table per metric. See bench/README.md for what the columns mean.
#
# Optional server `floor` (bench/load/floor_echo.cpp, never run by default):
# a minimal single-threaded epoll echo that shows the least server CPU per
# message this machine allows. It is a floor to judge the others against,
# not a competitor; plain scenarios a-e only (its f-n cells read n/a).
#
# Fan-out scenarios k-n (bench/README.md, "Fan-out"): N subscribers and one
# publisher on one topic; each server runs its fan-out program or mode
# (wsx: bench/load/wsx_fanout; beast_echo and websocketpp_echo --fanout).
# Optional server `uws` (never run by default): uWebSockets, as an echo server
# (uws_echo.cpp from BENCH_UWS_DIR) in a-e and h-j, and with its publish in the
# fan-out scenarios (bench/load/uws_fanout.cpp); no TLS, so its f and g read
# n/a. Both are built by bench/load/uws_build.sh from the uWebSockets sources
# in BENCH_UWS_DIR; uws is skipped with a note when they are not there or do
# not build.
#
# Usage: bench/load/run.sh [BUILD_DIR]
# Environment (defaults in brackets):
#   BENCH_BUILD_DIR    build directory [<repo>/build-bench]; the first argument wins
#   BENCH_NO_BUILD=1   do not configure/build, use what BUILD_DIR holds
#   BENCH_JOBS         parallel build jobs [2]
#   BENCH_WARMUP       seconds of traffic before each measured window [1]
#   BENCH_DURATION     seconds of each measured window [3]
#   BENCH_IDLE_HOLD    seconds the idle connections are held before RSS is read [2]
#   BENCH_IDLE_CONNS   connections in the idle scenario [10000]
#   BENCH_FANOUT_BIG   subscribers in fan-out scenario n [10000]
#   BENCH_TIMEOUT      loadgen fails if a server makes no progress this long [10]
#   BENCH_PORT_BASE    first port; every run gets its own: base + 200*repeat + 20*server + scenario [19001]
#   BENCH_SERVERS      servers to run, in order [wsx beast websocketpp]; add `floor` to include
#                      the floor reference (e.g. "wsx beast websocketpp floor"), `uws` for
#                      uWebSockets (e.g. "wsx beast websocketpp uws")
#   BENCH_SCENARIOS    scenarios to run [a b c d e f g h i j k l m n]: a-e plain, f g wss, h i deflate,
#                      j the uncompressed twin of i, k-n fan-out (see bench/README.md); f-j are
#                      skipped with a note when wsx_loadgen was built without OpenSSL/zlib
#   BENCH_UWS_DIR      uWebSockets + uSockets sources and uws_echo.cpp for `uws`
#                      [<repo>/../shared/peers/uwebsockets]
#   BENCH_REPEAT       runs per cell, in rounds that interleave the servers in a rotating
#                      order; tables show the median and, for the main metrics, the range [1]
#   BENCH_SERVER_CPU   core the server is pinned to [0]
#   BENCH_CLIENT_CPU   core the load generator is pinned to [1]
#   BENCH_BINARY=1     binary messages instead of text
#   BENCH_PAUSE_FILE   while this file exists, wait before starting the next run []
#   BENCH_WSX_ECHO     path of wsx's echo_server [BUILD_DIR/examples/echo_server{/echo_server,}]
#   BENCH_WSX_BASELINE path of another build of wsx's echo_server (an older commit), run as the
#                      server `base` when BENCH_SERVERS names it, e.g. BENCH_SERVERS="wsx base":
#                      a change's before and after, interleaved in one run []
#   BENCH_WSX_FANOUT_BASELINE  the same for the fan-out scenarios: another build of
#                      bench/load/wsx_fanout, run as `base` in k-n (without it base's k-n read n/a) []

set -uo pipefail

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${1:-${BENCH_BUILD_DIR:-$SRC_DIR/build-bench}}
JOBS=${BENCH_JOBS:-2}
WARMUP=${BENCH_WARMUP:-1}
DURATION=${BENCH_DURATION:-3}
IDLE_HOLD=${BENCH_IDLE_HOLD:-2}
IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}
FANOUT_BIG=${BENCH_FANOUT_BIG:-10000}
TIMEOUT=${BENCH_TIMEOUT:-10}
PORT_BASE=${BENCH_PORT_BASE:-19001}
SERVERS=${BENCH_SERVERS:-wsx beast websocketpp}
SCENARIOS=${BENCH_SCENARIOS:-a b c d e f g h i j k l m n}
REPEAT=${BENCH_REPEAT:-1}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
CLIENT_CPU=${BENCH_CLIENT_CPU:-1}
PAUSE_FILE=${BENCH_PAUSE_FILE:-}

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }

# ------------------------------------------------------------------ build

LOG_DIR=$BUILD_DIR/load-logs
uws_skip=""   # why uws cannot run in this run, if it cannot
if [[ ${BENCH_NO_BUILD:-0} != 1 ]]; then
  generator=()
  if [[ ! -f $BUILD_DIR/CMakeCache.txt ]] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
  say "== configuring $BUILD_DIR (Release)"
  # Tests are not needed here; leaving them out also keeps a half-written
  # test elsewhere in the tree from breaking the benchmark's configure.
  cmake -S "$SRC_DIR" -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
        -DWSX_BUILD_TESTS=OFF -DWSX_BUILD_BENCH=ON -DWSX_BUILD_EXAMPLES=ON >/dev/null \
    || die "cmake configure failed in $BUILD_DIR"
  mkdir -p "$LOG_DIR"
  for target in wsx_loadgen beast_echo websocketpp_echo echo_server floor_echo wsx_fanout; do
    say "== building $target"
    if ! cmake --build "$BUILD_DIR" -j "$JOBS" --target "$target" >"$LOG_DIR/build-$target.log" 2>&1; then
      if grep -qiE "unknown target|no rule to make target" "$LOG_DIR/build-$target.log"; then
        say "   $target: no such target (dependency missing or not written yet); skipped"
      else
        say "   $target: BUILD FAILED, skipped (see $LOG_DIR/build-$target.log)"
      fi
    fi
  done
  # uWebSockets is not in this repository and not in the CMake build: its
  # peers are built from BENCH_UWS_DIR, only when asked for, and again only
  # when a program's source is newer than its binary (or the binary came
  # from another BENCH_UWS_DIR).
  if [[ " $SERVERS " == *" uws "* ]]; then
    if ! uws_dir=$("$SRC_DIR/bench/load/uws_build.sh" --where); then
      uws_skip="no uWebSockets/uSockets sources in $uws_dir (set BENCH_UWS_DIR to a copy)"
    else
      stale=()
      for prog in uws_echo uws_fanout; do
        bin=$BUILD_DIR/bench/load/$prog
        if [[ $prog == uws_echo ]]; then src=$uws_dir/uws_echo.cpp; else src=$SRC_DIR/bench/load/uws_fanout.cpp; fi
        if [[ ! -x $bin || $src -nt $bin || $(cat "$bin.uws-dir" 2>/dev/null) != "$uws_dir" ]]; then stale+=("$bin"); fi
      done
      if ((${#stale[@]} > 0)); then
        say "== building ${stale[*]##*/} from $uws_dir (bench/load/uws_build.sh)"
        if "$SRC_DIR/bench/load/uws_build.sh" "${stale[@]}" >"$LOG_DIR/build-uws.log" 2>&1; then
          grep '^built ' "$LOG_DIR/build-uws.log" | sed 's/^/   /' >&2
        else
          uws_skip="uws_build.sh failed (see $LOG_DIR/build-uws.log)"
        fi
      fi
    fi
  fi
fi
mkdir -p "$LOG_DIR"

LOADGEN=$BUILD_DIR/bench/load/wsx_loadgen
[[ -x $LOADGEN ]] || die "no load generator at $LOADGEN"
"$LOADGEN" --self-test || die "wsx_loadgen --self-test failed; its results could not be trusted"

# wsx's example lands in examples/ or in examples/echo_server/, depending on
# how examples/CMakeLists.txt sets output directories.
wsx_echo=${BENCH_WSX_ECHO:-}
if [[ -z $wsx_echo ]]; then
  wsx_echo=$BUILD_DIR/examples/echo_server/echo_server
  [[ -f $wsx_echo && -x $wsx_echo ]] || wsx_echo=$BUILD_DIR/examples/echo_server
fi
declare -A BIN=(
  [wsx]=$wsx_echo
  [beast]=$BUILD_DIR/bench/load/beast_echo
  [websocketpp]=$BUILD_DIR/bench/load/websocketpp_echo
  [floor]=$BUILD_DIR/bench/load/floor_echo
  [base]=${BENCH_WSX_BASELINE:-/nonexistent}
  [uws]=$BUILD_DIR/bench/load/uws_echo
)
# The fan-out scenarios (k-n) run these instead where a server has a
# separate fan-out program; the others take --fanout.
declare -A FANOUT_BIN=(
  [wsx]=$BUILD_DIR/bench/load/wsx_fanout
  [base]=${BENCH_WSX_FANOUT_BASELINE:-/nonexistent}
  [uws]=$BUILD_DIR/bench/load/uws_fanout
)
FANOUT_SCENARIOS="k l m n"
is_fanout() { [[ " $FANOUT_SCENARIOS " == *" $1 "* ]]; }
server_bin() {   # server scenario -> the program to start
  if is_fanout "$2" && [[ -n ${FANOUT_BIN[$1]+x} ]]; then echo "${FANOUT_BIN[$1]}"; else echo "${BIN[$1]}"; fi
}
# Scenarios a server cannot run (no TLS, no deflate, no fan-out): its cell is
# recorded as status=na, shown as n/a, and does not fail the run. uws_echo is
# built without TLS (LIBUS_NO_SSL, as the shared build.sh builds it).
declare -A UNSUPPORTED=([floor]="f g h i j k l m n" [uws]="f g")
[[ -n ${BENCH_WSX_FANOUT_BASELINE:-} ]] || UNSUPPORTED[base]="k l m n"
active=()
for s in $SERVERS; do
  [[ -n ${BIN[$s]+x} ]] || die "unknown server '$s' (known: ${!BIN[*]})"
  if [[ $s == uws && -n $uws_skip ]]; then
    say "== uws: $uws_skip; uws is skipped in this run"
  elif [[ -f ${BIN[$s]} && -x ${BIN[$s]} ]] || [[ -n ${FANOUT_BIN[$s]+x} && -f ${FANOUT_BIN[$s]} && -x ${FANOUT_BIN[$s]} ]]; then
    active+=("$s")
  else
    tried=${BIN[$s]}
    [[ -n ${FANOUT_BIN[$s]+x} ]] && tried="$tried, ${FANOUT_BIN[$s]}"
    say "== $s: not found (${tried#/nonexistent, }); $s is skipped in this run"
  fi
done
((${#active[@]} > 0)) || die "no server binary to measure"

# ------------------------------------------------------------------ machine

PIN_SERVER=() PIN_CLIENT=()
ncpu=$(nproc)
if command -v taskset >/dev/null && ((ncpu > SERVER_CPU && ncpu > CLIENT_CPU)); then
  PIN_SERVER=(taskset -c "$SERVER_CPU")
  PIN_CLIENT=(taskset -c "$CLIENT_CPU")
else
  say "== warning: cannot pin (nproc=$ncpu, taskset $(command -v taskset || echo missing)); results will be noisier"
fi
((ncpu == 2)) || say "== note: nproc is $ncpu; the method assumes 2 cores (server on one, load generator on the other)"

# Each idle (or fan-out) connection is one fd in the load generator and one
# in the server; both inherit this limit.
most=$IDLE_CONNS
((FANOUT_BIG + 1 > most)) && most=$((FANOUT_BIG + 1))
want_fds=$((most + 256))
hard=$(ulimit -Hn)
if [[ $hard != unlimited ]] && ((hard < want_fds)); then
  say "== warning: hard open-file limit $hard < $want_fds; idle scenario and fan-out n reduced to $((hard - 256)) connections"
  ((IDLE_CONNS > hard - 256)) && IDLE_CONNS=$((hard - 256))
  ((FANOUT_BIG + 1 > hard - 256)) && FANOUT_BIG=$((hard - 257))
  want_fds=$hard
fi
ulimit -n "$want_fds" || die "cannot raise ulimit -n to $want_fds"
read -r port_lo port_hi </proc/sys/net/ipv4/ip_local_port_range
if ((port_hi - port_lo + 1 < most)); then
  say "== warning: only $((port_hi - port_lo + 1)) ephemeral ports for $most connections"
fi

# ------------------------------------------------------------------ scenarios

declare -A SCEN_ARGS=(
  [a]="--connections 100 --inflight 1 --size 16"
  [b]="--connections 100 --inflight 16 --size 16"
  [c]="--connections 10 --inflight 1 --size 4096"
  [d]="--connections 1 --inflight 1 --size 1048576"
  [e]="--idle --connections $IDLE_CONNS --size 16"
)
# wss and permessage-deflate. The certificate is made for this run (below);
# wsx_loadgen verifies it against the run's CA. Compressed rows send JSON-ish
# text (wsx_loadgen --payload json), so j is i without compression: i ÷ j is
# what compression costs the server per message.
CERT_DIR=$BUILD_DIR/load-certs
SCEN_ARGS[f]="--connections 100 --inflight 1 --size 16 --tls --ca-file $CERT_DIR/ca.pem"
SCEN_ARGS[g]="--connections 1 --inflight 1 --size 1048576 --tls --ca-file $CERT_DIR/ca.pem"
SCEN_ARGS[h]="--connections 100 --inflight 1 --size 16 --payload json --deflate"
SCEN_ARGS[i]="--connections 10 --inflight 1 --size 65536 --payload json --deflate"
SCEN_ARGS[j]="--connections 10 --inflight 1 --size 65536 --payload json"
# Fan-out: N subscribers plus one publisher, all subscribed to one topic; the
# publisher's messages go to all N + 1 (it gets its own back), one message in
# flight (the next is sent when every connection has the previous one).
SCEN_ARGS[k]="--fanout 100 --size 16"
SCEN_ARGS[l]="--fanout 1000 --size 16"
SCEN_ARGS[m]="--fanout 1000 --size 1024"
SCEN_ARGS[n]="--fanout $FANOUT_BIG --size 16"
declare -A SCEN_SERVER_ARGS=(
  [f]="--tls --cert $CERT_DIR/server.pem --key $CERT_DIR/server.key"
  [g]="--tls --cert $CERT_DIR/server.pem --key $CERT_DIR/server.key"
  [h]="--deflate"
  [i]="--deflate"
  [k]="--fanout" [l]="--fanout" [m]="--fanout" [n]="--fanout"
)
declare -A SCEN_FEATURE=([f]=tls [g]=tls [h]=deflate [i]=deflate)
declare -A SCEN_NAME=(
  [a]="a: 100 conns × 16 B, 1 in flight"
  [b]="b: 100 conns × 16 B, 16 in flight"
  [c]="c: 10 conns × 4 KiB"
  [d]="d: 1 conn × 1 MiB"
  [e]="e: $IDLE_CONNS idle conns"
  [f]="f: wss, 100 conns × 16 B"
  [g]="g: wss, 1 conn × 1 MiB"
  [h]="h: deflate, 100 conns × 16 B JSON"
  [i]="i: deflate, 10 conns × 64 KiB JSON"
  [j]="j: 10 conns × 64 KiB JSON, uncompressed"
  [k]="k: fan-out to 100 × 16 B"
  [l]="l: fan-out to 1,000 × 16 B"
  [m]="m: fan-out to 1,000 × 1 KiB"
  [n]="n: fan-out to $FANOUT_BIG × 16 B"
)
ALL_SCENARIOS="a b c d e f g h i j k l m n"
features=" $("$LOADGEN" --features 2>/dev/null) "
wanted=$SCENARIOS
SCENARIOS=""
for sc in $wanted; do
  [[ -n ${SCEN_ARGS[$sc]+x} ]] || die "unknown scenario '$sc' (known: $ALL_SCENARIOS)"
  feature=${SCEN_FEATURE[$sc]:-}
  if [[ -n $feature && $features != *" $feature "* ]]; then
    say "== scenario $sc skipped: wsx_loadgen was built without $feature (OpenSSL/zlib not found)"
    continue
  fi
  SCENARIOS+="${SCENARIOS:+ }$sc"
done
[[ -n $SCENARIOS ]] || die "no scenario left to run"

# A throwaway CA and a server certificate for 127.0.0.1, made fresh in the
# build directory for every run (never committed): P-256 keys, as a
# production server would likely use.
if [[ " $SCENARIOS " == *" f "* || " $SCENARIOS " == *" g "* ]]; then
  command -v openssl >/dev/null || die "the wss scenarios (f, g) need the openssl command to make a certificate"
  mkdir -p "$CERT_DIR"
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
      -subj "/CN=wsx load benchmark CA" -keyout "$CERT_DIR/ca.key" -out "$CERT_DIR/ca.pem" &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
      -keyout "$CERT_DIR/server.key" -out "$CERT_DIR/server.csr" &&
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
      "keyUsage=digitalSignature" "extendedKeyUsage=serverAuth" >"$CERT_DIR/server.ext" &&
    openssl x509 -req -days 2 -in "$CERT_DIR/server.csr" -CA "$CERT_DIR/ca.pem" -CAkey "$CERT_DIR/ca.key" \
      -CAcreateserial -extfile "$CERT_DIR/server.ext" -out "$CERT_DIR/server.pem"
  } >"$LOG_DIR/certificates.log" 2>&1 || die "openssl could not make the test certificate (see $LOG_DIR/certificates.log)"
fi

EXTRA=()
[[ ${BENCH_BINARY:-0} == 1 ]] && EXTRA+=(--binary)

# ------------------------------------------------------------------ server lifecycle

SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
  fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

listening() {   # port: is a socket in LISTEN state on it (no probe connection, so RSS is untouched)
  local hex
  hex=$(printf '%04X' "$1")
  awk -v p="$hex" '$4 == "0A" { split($2, a, ":"); if (toupper(a[2]) == p) found = 1 } END { exit !found }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

start_server() {   # name binary port log [server options...]
  local name=$1 bin=$2 port=$3 log=$4
  shift 4
  "${PIN_SERVER[@]}" "$bin" --port "$port" "$@" >"$log" 2>&1 &
  SERVER_PID=$!   # taskset execs the server, so this is the server's own pid
  for _ in $(seq 100); do
    listening "$port" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  say "   $name did not start listening on port $port (see $log)"
  cleanup
  return 1
}

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

# ------------------------------------------------------------------ run

RESULTS=$BUILD_DIR/load-results.txt
TABLES=$BUILD_DIR/load-results.md
: >"$RESULTS"
started=$(date +%s)
say "== load benchmark: servers [${active[*]}], scenarios [$SCENARIOS], warmup ${WARMUP}s, window ${DURATION}s," \
    "idle hold ${IDLE_HOLD}s, server on core $SERVER_CPU, loadgen on core $CLIENT_CPU"

server_index() { local i=0; for s in wsx beast websocketpp floor base uws; do [[ $s == "$1" ]] && { echo $i; return; }; i=$((i + 1)); done; }
scen_index() { local i=0; for s in $ALL_SCENARIOS; do [[ $s == "$1" ]] && { echo $i; return; }; i=$((i + 1)); done; }

run_cell() {   # server scenario port logprefix -> sets $line
  local srv=$1 sc=$2 port=$3 log=$4 rc timing
  # shellcheck disable=SC2086  # several words on purpose
  if ! start_server "$srv" "$(server_bin "$srv" "$sc")" "$port" "$log.server.log" ${SCEN_SERVER_ARGS[$sc]:-}; then
    line="status=fail exit=1 reason=\"server did not start (does it support: ${SCEN_SERVER_ARGS[$sc]:-no options}?)\""
    return
  fi
  if [[ $sc == e ]]; then timing=(--duration "$IDLE_HOLD"); else timing=(--warmup "$WARMUP" --duration "$DURATION"); fi
  # shellcheck disable=SC2086  # SCEN_ARGS holds several words on purpose
  line=$("${PIN_CLIENT[@]}" "$LOADGEN" --port "$port" --server-pid "$SERVER_PID" ${SCEN_ARGS[$sc]} \
           "${timing[@]}" --timeout "$TIMEOUT" "${EXTRA[@]}" 2>"$log.loadgen.log")
  rc=$?
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    line="$line server_died=1"
    rc=1
  fi
  stop_server
  [[ -n $line ]] || line="status=fail exit=$rc reason=\"no output (see $log.loadgen.log)\""
  local tag="[$sc $srv]"
  ((REPEAT > 1)) && tag="[$sc $srv $rep/$REPEAT]"
  if ((rc == 0)); then
    say "   $tag $line"
  else
    say "   $tag FAILED (exit $rc): $line"
    sed 's/^/      /' "$log.loadgen.log" >&2
  fi
}

# Scenario-major order: the servers of one scenario run back to back, so a
# burst of background load hurts one column rather than one server. Within a
# column the repeats are rounds: every server runs once per round, and the
# order rotates from round to round, so drift in the machine (a neighbour's
# burst, frequency, the page cache) falls on all servers alike rather than on
# whichever ran last. Every run is kept; the tables show the median.
for sc in $SCENARIOS; do
  runnable=()
  for srv in "${active[@]}"; do
    if [[ " ${UNSUPPORTED[$srv]:-} " == *" $sc "* ]]; then
      say "   [$sc $srv] n/a ($srv does not run scenario $sc)"
      echo "server=$srv scenario=$sc status=na" >>"$RESULTS"
      continue
    fi
    bin=$(server_bin "$srv" "$sc")
    if [[ ! -f $bin || ! -x $bin ]]; then
      say "   [$sc $srv] n/a ($bin not found)"
      echo "server=$srv scenario=$sc status=na" >>"$RESULTS"
      continue
    fi
    runnable+=("$srv")
  done
  n=${#runnable[@]}
  for ((rep = 1; rep <= REPEAT; ++rep)); do
    for ((k = 0; k < n; ++k)); do
      srv=${runnable[(k + rep - 1) % n]}
      log=$LOG_DIR/$srv-$sc
      ((REPEAT > 1)) && log=$log-$rep
      # A port of its own for every run, so no run depends on the previous
      # server's sockets being gone or on SO_REUSEADDR.
      port=$((PORT_BASE + 200 * (rep - 1) + 20 * $(server_index "$srv") + $(scen_index "$sc")))
      # On a shared machine someone can ask for quiet between runs.
      if [[ -n $PAUSE_FILE && -e $PAUSE_FILE ]]; then
        say "== $PAUSE_FILE exists: paused"
        while [[ -e $PAUSE_FILE ]]; do sleep 5; done
        say "== resumed"
      fi
      run_cell "$srv" "$sc" "$port" "$log"
      echo "server=$srv scenario=$sc rep=$rep $line" >>"$RESULTS"
    done
  done
done

# ------------------------------------------------------------------ tables

{
  echo "## wsx load benchmark"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), nproc $ncpu," \
       "Linux $(uname -r), commit $(git -C "$SRC_DIR" rev-parse --short HEAD 2>/dev/null || echo none)."
  echo "Server pinned to core $SERVER_CPU, wsx_loadgen to core $CLIENT_CPU; warmup ${WARMUP} s, window ${DURATION} s;" \
       "$([[ ${BENCH_BINARY:-0} == 1 ]] && echo binary || echo text) messages; each run is one fresh server process."
  if ((REPEAT > 1)); then
    echo "$REPEAT runs per cell, in rounds: each server once per round, the order rotated every round." \
         "A cell is the median of its runs; \"(lo–hi)\" is their range. Ratios are of medians."
  fi
  if [[ " $SCENARIOS " == *" k "* || " $SCENARIOS " == *" l "* || " $SCENARIOS " == *" m "* || " $SCENARIOS " == *" n "* ]]; then
    echo "Fan-out (k-n): N subscribers + 1 publisher on one topic; every message goes to all N + 1 (the publisher"
    echo "gets its own back), one message in flight; a delivery is one message received by one connection."
  fi
  echo
  awk -v servers="${active[*]}" -v scenarios="$SCENARIOS" \
      -v na="${SCEN_NAME[a]}" -v nb="${SCEN_NAME[b]}" -v nc="${SCEN_NAME[c]}" -v nd="${SCEN_NAME[d]}" -v ne="${SCEN_NAME[e]}" \
      -v nf="${SCEN_NAME[f]}" -v ng="${SCEN_NAME[g]}" -v nh="${SCEN_NAME[h]}" -v ni="${SCEN_NAME[i]}" -v nj="${SCEN_NAME[j]}" \
      -v nk="${SCEN_NAME[k]}" -v nl="${SCEN_NAME[l]}" -v nm="${SCEN_NAME[m]}" -v nn="${SCEN_NAME[n]}" '
    # One line per run; a cell gathers the runs of one server in one scenario.
    {
      srv = ""; sc = ""
      for (i = 1; i <= NF; ++i) {
        eq = index($i, "="); if (!eq) continue
        k = substr($i, 1, eq - 1); v = substr($i, eq + 1)
        if (k == "server") srv = v; else if (k == "scenario") sc = v
        kv[k] = v
      }
      runs[srv, sc]++
      if (kv["status"] == "na") notrun[srv, sc] = 1
      else if (kv["status"] == "ok") {
        for (k in kv) if (kv[k] ~ /^-?[0-9]+(\.[0-9]+)?$/) vals[srv, sc, k, ++nv[srv, sc, k]] = kv[k]
      } else {
        failed[srv, sc]++
        if (!((srv, sc) in why)) why[srv, sc] = toupper(kv["status"])
      }
      delete kv
    }
    function decimals(x,    d) { d = index(x, "."); return d ? length(x) - d : 0 }
    # The median of the ok runs, as printed by the load generator (the mean of
    # the middle two for an even count); sets lo and hi to the extremes.
    function median(srv, sc, key,    n, i, j, t, a, m, d) {
      n = nv[srv, sc, key]
      if (!n) return ""
      for (i = 1; i <= n; ++i) a[i] = vals[srv, sc, key, i]
      for (i = 2; i <= n; ++i) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; --j) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      lo = a[1]; hi = a[n]
      if (n % 2) return a[(n + 1) / 2]
      d = decimals(a[n / 2]); if (decimals(a[n / 2 + 1]) > d) d = decimals(a[n / 2 + 1])
      return sprintf("%." d "f", (a[n / 2] + a[n / 2 + 1]) / 2)
    }
    function value(srv, sc, key) {   # the median alone, for ratios
      if (notrun[srv, sc] || !((srv, sc) in runs)) return "–"
      return median(srv, sc, key)
    }
    # The median, with the min–max of the runs when spread is set and there are
    # several, and how many runs failed when some did.
    function cell(srv, sc, key, spread,    m, s) {
      if (!((srv, sc) in runs)) return "–"
      if (notrun[srv, sc]) return "n/a"
      if (failed[srv, sc] == runs[srv, sc]) return "**" why[srv, sc] "**"
      m = median(srv, sc, key)
      if (m == "") s = "–"
      else if (spread && nv[srv, sc, key] > 1) s = m " (" lo "–" hi ")"
      else s = m
      if (failed[srv, sc]) s = s " **" failed[srv, sc] "/" runs[srv, sc] " " why[srv, sc] "**"
      return s
    }
    function ratio(a, b) {
      if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) return "–"
      return sprintf("%.2f×", a / b)
    }
    # title, key, scenarios it applies to, whether wsx ratios mean something,
    # whether cells show the spread of the runs
    function table(title, key, scens, with_ratio, spread,    n, s, c, i, j, cols, row, line) {
      c = 0
      n = split(scens, s, " ")
      for (i = 1; i <= n; ++i) if (index(" " scenarios " ", " " s[i] " ")) cols[++c] = s[i]
      if (c == 0) return
      print "### " title; print ""
      line = "| server |"; row = "|---|"
      for (i = 1; i <= c; ++i) { line = line " " name[cols[i]] " |"; row = row "---:|" }
      print line; print row
      for (j = 1; j <= ns; ++j) {
        line = "| " srvs[j] " |"
        for (i = 1; i <= c; ++i) line = line " " cell(srvs[j], cols[i], key, spread) " |"
        print line
      }
      if (with_ratio && has_wsx) for (j = 1; j <= ns; ++j) {
        if (srvs[j] == "wsx") continue
        line = "| wsx ÷ " srvs[j] " |"
        for (i = 1; i <= c; ++i) line = line " " ratio(value("wsx", cols[i], key), value(srvs[j], cols[i], key)) " |"
        print line
      }
      print ""
    }
    function idle_table(    j, line, k, n, keys, heads) {
      if (!index(" " scenarios " ", " e ")) return
      print "### Idle connections (scenario " name["e"] ")"; print ""
      n = split("rss_per_conn_bytes server_cpu_us_per_handshake handshakes_per_s server_rss_kb idle_echo_ok", keys, " ")
      split("server RSS growth per connection (B)|server CPU per handshake (µs)|handshakes/s|server RSS (KiB)|echoes after idle", heads, "|")
      line = "| server |"; for (k = 1; k <= n; ++k) line = line " " heads[k] " |"; print line
      line = "|---|"; for (k = 1; k <= n; ++k) line = line "---:|"; print line
      for (j = 1; j <= ns; ++j) {
        line = "| " srvs[j] " |"
        for (k = 1; k <= n; ++k) line = line " " cell(srvs[j], "e", keys[k], k <= 3) " |"
        print line
      }
      if (has_wsx) for (j = 1; j <= ns; ++j) {
        if (srvs[j] == "wsx") continue
        line = "| wsx ÷ " srvs[j] " |"
        for (k = 1; k <= 4; ++k) line = line " " ratio(value("wsx", "e", keys[k]), value(srvs[j], "e", keys[k])) " |"
        print line " |"
      }
      print ""
    }
    # What wss and compression add to the server per message: the CPU per
    # message of each new row over its plain twin (f/a, g/d, h/a, i/j).
    function cost_table(    pairs, n, k, j, p, line, row, have) {
      n = split("f:a g:d h:a i:j", pairs, " ")
      have = 0
      for (k = 1; k <= n; ++k) { split(pairs[k], p, ":"); if (index(" " scenarios " ", " " p[1] " ") && index(" " scenarios " ", " " p[2] " ")) have = 1 }
      if (!have) return
      print "### What wss and compression cost the server: CPU per message over the plain twin (µs ÷ µs)"; print ""
      line = "| server |"; row = "|---|"
      for (k = 1; k <= n; ++k) { split(pairs[k], p, ":"); line = line " " p[1] " ÷ " p[2] " |"; row = row "---:|" }
      print line; print row
      for (j = 1; j <= ns; ++j) {
        line = "| " srvs[j] " |"
        for (k = 1; k <= n; ++k) {
          split(pairs[k], p, ":")
          line = line " " ratio(value(srvs[j], p[1], "server_cpu_us_per_msg"), value(srvs[j], p[2], "server_cpu_us_per_msg")) " |"
        }
        print line
      }
      print ""
    }
    END {
      name["a"] = na; name["b"] = nb; name["c"] = nc; name["d"] = nd; name["e"] = ne
      name["f"] = nf; name["g"] = ng; name["h"] = nh; name["i"] = ni; name["j"] = nj
      name["k"] = nk; name["l"] = nl; name["m"] = nm; name["n"] = nn
      msg = "a b c d f g h i j"
      fan = "k l m n"
      ns = split(servers, srvs, " ")
      has_wsx = index(" " servers " ", " wsx ") > 0
      table("Throughput: messages echoed per second (higher is better)", "msgs_per_s", msg, 1, 1)
      table("Throughput: payload MB/s, one direction (higher is better)", "mb_per_s", msg, 1)
      table("Round-trip latency p50, µs (lower is better)", "p50_us", msg, 1)
      table("Round-trip latency p99, µs (lower is better)", "p99_us", msg, 1)
      table("Server CPU per message, µs (lower is better; the ranking metric)", "server_cpu_us_per_msg", msg, 1, 1)
      cost_table()
      table("Compressed payload bytes per message sent by the load generator (deflate rows)", "wire_bytes_per_msg", "h i", 0)
      table("Server CPU, % of its core during the window (100 = the server is the bottleneck)", "server_cpu_pct", msg " " fan, 0)
      table("Load generator CPU, % of its core (near 100 = the load generator is the bottleneck)", "loadgen_cpu_pct", msg " " fan, 0)
      table("Other processes, % of a core during the window (near 0 = undisturbed; high = re-run that cell)", "other_cpu_pct", msg " " fan, 0, 1)
      table("Server RSS at the end of the window, KiB (lower is better)", "server_rss_kb", "a b c d e f g h i j " fan, 1)
      idle_table()
      table("Fan-out: server CPU per delivered message, µs (lower is better; the ranking metric)", "server_cpu_us_per_delivery", fan, 1, 1)
      table("Fan-out: deliveries per second, all connections (higher is better)", "deliveries_per_s", fan, 1, 1)
      table("Fan-out: messages published per second, each received by all N + 1 (higher is better)", "published_per_s", fan, 1)
      table("Fan-out: publish-to-receipt latency p99, µs (lower is better)", "p99_us", fan, 1)
      table("Fan-out: server RSS growth per subscriber at the end of the window, bytes (lower is better)", "rss_per_sub_bytes", fan, 1)
      table("Fan-out: server RSS growth per subscriber once connected, before any message, bytes (lower is better)", "rss_per_sub_open_bytes", fan, 1)
    }' "$RESULTS"
} >"$TABLES"

cat "$TABLES"
say "== raw results: $RESULTS; tables: $TABLES; logs: $LOG_DIR; took $(($(date +%s) - started)) s"
if grep -v 'status=ok' "$RESULTS" | grep -vq 'status=na$'; then
  say "== some runs FAILED (see above)"
  exit 1
fi
