#!/usr/bin/env bash
# Copyright (c) 2026 wsx developers. Distributed under the Boost Software License, Version 1.0.
#
# What compiling a wsx program costs: the CPU seconds (user + system) to
# compile examples/hello_server/main.cpp, header-only (the default) and with
# WSX_SEPARATE_COMPILATION and ASIO_SEPARATE_COMPILATION, which go together
# (the program's own translation unit, and the one source file that compiles
# wsx and Asio, <wsx/src.hpp>, paid once per program). For scale, also
# <iostream> alone, which the example includes for its log lines.
# Each figure is the median of COMPILE_REPEAT runs (with their range); CPU time, not wall time,
# so the other processes of a shared machine matter less.
#
# Usage: bench/compile/compile_time.sh
# Environment:
#   COMPILE_CXX        the compiler [g++]
#   COMPILE_FLAGS      flags besides the includes [-std=c++17 -O2]
#   COMPILE_REPEAT     runs per figure [3]
#   COMPILE_BASELINE   the root of another wsx checkout (an older commit) to
#                      compile the same program against, header-only, for a
#                      before-and-after row []
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cxx=${COMPILE_CXX:-g++}
read -r -a flags <<<"${COMPILE_FLAGS:--std=c++17 -O2}"
repeat=${COMPILE_REPEAT:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '#include <wsx/src.hpp>\n' >"$work/src.cpp"
printf '#include <iostream>\n' >"$work/iostream.cpp"
separate=(-DWSX_SEPARATE_COMPILATION -DASIO_SEPARATE_COMPILATION)

cpu_seconds() { # source include-root [defines...]: prints the median CPU seconds of compiling it
  local src=$1 inc=$2
  shift 2
  local times=()
  for ((i = 0; i < repeat; ++i)); do
    /usr/bin/time -f '%U %S' -o "$work/time" "$cxx" "${flags[@]}" -DASIO_STANDALONE -DASIO_NO_DEPRECATED "$@" \
      -I"$inc/include" -c "$src" -o "$work/out.o"
    times+=("$(awk '{ printf "%.2f", $1 + $2 }' "$work/time")")
  done
  # The spread beside the median: on a shared machine it says how far to trust it.
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%s (%s-%s)\n", a[int((NR + 1) / 2)], a[1], a[NR] }'
}

hello=$root/examples/hello_server/main.cpp
echo "## Compile time: examples/hello_server/main.cpp ($cxx ${flags[*]}, median of $repeat, CPU seconds)"
echo
echo "| build | CPU s, median (min-max) |"
echo "|---|---:|"
if [[ -n ${COMPILE_BASELINE:-} ]]; then
  echo "| baseline ($(git -C "$COMPILE_BASELINE" rev-parse --short HEAD 2>/dev/null || echo "$COMPILE_BASELINE")), header-only | $(cpu_seconds "$hello" "$COMPILE_BASELINE") |"
fi
echo "| header-only | $(cpu_seconds "$hello" "$root") |"
echo "| WSX_SEPARATE_COMPILATION: the program's translation unit | $(cpu_seconds "$hello" "$root" "${separate[@]}") |"
echo "| WSX_SEPARATE_COMPILATION: <wsx/src.hpp> (wsx and Asio), once per program | $(cpu_seconds "$work/src.cpp" "$root" "${separate[@]}") |"
echo "| for scale: <iostream> alone | $(cpu_seconds "$work/iostream.cpp" "$root") |"
