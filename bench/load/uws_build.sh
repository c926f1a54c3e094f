#!/usr/bin/env bash
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#
# Builds uWebSockets' peers for the load benchmark from the uWebSockets and
# uSockets sources in BENCH_UWS_DIR, the way that directory's build.sh builds
# uws_echo: uSockets' C files with LIBUS_NO_SSL, then the program, at
# -O3 -DNDEBUG (a CMake Release build's flags, as the other servers get).
# Never part of the CMake build or CI: the sources are not in this
# repository. run.sh calls it when BENCH_SERVERS names uws.
#
#   bench/load/uws_build.sh OUT...     e.g. bench/load/uws_build.sh build-bench/bench/load/uws_echo
#   bench/load/uws_build.sh --where    print the sources directory it would use (exit 1 if none)
#
# The name of each OUT picks its program:
#   uws_echo    BENCH_UWS_DIR/uws_echo.cpp, the echo server (scenarios a-e, h-j)
#   uws_fanout  bench/load/uws_fanout.cpp, the fan-out server (scenarios k-n)
# uSockets is compiled once for all of them.
#
# Environment: BENCH_UWS_DIR [<repo>/../shared/peers/uwebsockets; in a git worktree, relative
# to the main checkout when not found beside the worktree], OPT, CC, CXX
# (as in build.sh). Needs gcc, g++ (C++20) and zlib1g-dev. Compiles one file
# at a time.
set -eu
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
(($# > 0)) || { echo "usage: uws_build.sh OUT... | --where" >&2; exit 2; }
uws=${BENCH_UWS_DIR:-$repo/../shared/peers/uwebsockets}
if [[ -z ${BENCH_UWS_DIR:-} && ! -d $uws ]]; then
  # In a git worktree elsewhere, "the repository" is the main checkout.
  common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
  [[ -n $common && -d $(dirname "$common")/../shared/peers/uwebsockets ]] && uws=$(cd "$(dirname "$common")/../shared/peers/uwebsockets" && pwd)
fi
[[ -d $uws ]] && uws=$(cd "$uws" && pwd)
have_sources() { [[ -f $uws/uWebSockets/src/App.h && -f $uws/uSockets/src/libusockets.h ]]; }
if [[ $1 == --where ]]; then
  echo "$uws"
  have_sources
  exit
fi
OPT=${OPT:-"-O3 -DNDEBUG"}
CC=${CC:-gcc}
CXX=${CXX:-g++}
if ! have_sources; then
  echo "uws_build.sh: no uWebSockets/uSockets sources in $uws (set BENCH_UWS_DIR)" >&2
  exit 1
fi
srcs=()
for out in "$@"; do
  case $(basename "$out") in
    uws_echo) src=$uws/uws_echo.cpp ;;
    uws_fanout) src=$here/uws_fanout.cpp ;;
    *) echo "uws_build.sh: $out: the name must be uws_echo or uws_fanout (it picks the program)" >&2; exit 2 ;;
  esac
  [[ -f $src ]] || { echo "uws_build.sh: $src not found" >&2; exit 1; }
  srcs+=("$src")
done
read -r -a opt <<<"$OPT"   # several flags on purpose
obj=$(mktemp -d)
trap 'rm -rf "$obj"' EXIT
for f in "$uws"/uSockets/src/*.c "$uws"/uSockets/src/eventing/epoll_kqueue.c "$uws"/uSockets/src/crypto/openssl.c; do
  $CC -std=c11 "${opt[@]}" -DLIBUS_NO_SSL -I"$uws/uSockets/src" -c "$f" -o "$obj/$(basename "${f%.c}").o"
done
i=0
for out in "$@"; do
  mkdir -p "$(dirname "$out")"
  $CXX -std=c++20 "${opt[@]}" -DLIBUS_NO_SSL -I"$uws/uWebSockets/src" -I"$uws/uSockets/src" \
    "${srcs[i]}" "$obj"/*.o -lz -o "$out"
  # run.sh rebuilds when this differs from BENCH_UWS_DIR, so that pointing it
  # at another copy never runs a binary built from the previous one.
  echo "$uws" >"$out.uws-dir"
  echo "built $out ($OPT) from ${srcs[i]}"
  i=$((i + 1))
done
