#!/usr/bin/env bash
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#
# Builds uws_fanout (bench/load/uws_fanout.cpp), uWebSockets' peer for the
# fan-out scenarios, from the uWebSockets and uSockets sources in
# BENCH_UWS_DIR, the way that directory's build.sh builds uws_echo: uSockets'
# C files with LIBUS_NO_SSL, then the program, at -O3 -DNDEBUG (a CMake
# Release build's flags, as the other servers get). Never part of the CMake
# build or CI: the sources are not in this repository. run.sh calls it.
#
#   bench/load/uws_build.sh OUT        e.g. bench/load/uws_build.sh build-bench/bench/load/uws_fanout
#
# Environment: BENCH_UWS_DIR [<repo>/../shared/peers/uwebsockets; in a git worktree, relative
# to the main checkout when not found beside the worktree], OPT, CC, CXX
# (as in build.sh). Needs gcc, g++ (C++20) and zlib1g-dev. Compiles one file
# at a time.
set -eu
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:?usage: uws_build.sh OUT}
uws=${BENCH_UWS_DIR:-$repo/../shared/peers/uwebsockets}
if [[ -z ${BENCH_UWS_DIR:-} && ! -d $uws ]]; then
  # In a git worktree elsewhere, "the repository" is the main checkout.
  common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
  [[ -n $common && -d $(dirname "$common")/../shared/peers/uwebsockets ]] && uws=$(cd "$(dirname "$common")/../shared/peers/uwebsockets" && pwd)
fi
OPT=${OPT:-"-O3 -DNDEBUG"}
CC=${CC:-gcc}
CXX=${CXX:-g++}
if [[ ! -f $uws/uWebSockets/src/App.h || ! -f $uws/uSockets/src/libusockets.h ]]; then
  echo "uws_build.sh: no uWebSockets/uSockets sources in $uws (set BENCH_UWS_DIR)" >&2
  exit 1
fi
read -r -a opt <<<"$OPT"   # several flags on purpose
obj=$(mktemp -d)
trap 'rm -rf "$obj"' EXIT
for f in "$uws"/uSockets/src/*.c "$uws"/uSockets/src/eventing/epoll_kqueue.c "$uws"/uSockets/src/crypto/openssl.c; do
  $CC -std=c11 "${opt[@]}" -DLIBUS_NO_SSL -I"$uws/uSockets/src" -c "$f" -o "$obj/$(basename "${f%.c}").o"
done
mkdir -p "$(dirname "$out")"
$CXX -std=c++20 "${opt[@]}" -DLIBUS_NO_SSL -I"$uws/uWebSockets/src" -I"$uws/uSockets/src" \
  "$here/uws_fanout.cpp" "$obj"/*.o -lz -o "$out"
echo "built $out ($OPT) from $uws"
