#!/usr/bin/env bash
# The README's demo command: installs what the chat example needs, builds it
# and serves it on http://127.0.0.1:${PORT:-8080}/ until Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WSX_BUILD_DIR:-$root/build}
port=${PORT:-8080}
bash "$root/scripts/deps.sh" demo

# Every cache setting the demo relies on is stated, because scripts/test.sh
# shares this build directory: the same build type and compiler as test.sh
# (a different compiler would make CMake drop the cache and the build type
# with it); tests and benchmarks off so that their packages are not needed;
# zlib for permessage-deflate, no OpenSSL (the demo serves ws://, not wss://).
echo "wsx: configuring $build (Release, g++; the examples only: tests and benchmarks off; deflate and JSON on, TLS off)"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
      -DWSX_BUILD_EXAMPLES=ON -DWSX_BUILD_TESTS=OFF -DWSX_BUILD_BENCH=OFF -DWSX_BUILD_FUZZ=OFF \
      -DWSX_WITH_DEFLATE=ON -DWSX_WITH_JSON=ON -DWSX_WITH_TLS=OFF >/dev/null
cmake --build "$build" --target chat
echo "wsx: open http://127.0.0.1:$port/ in two browser tabs, join the same room and chat; Ctrl-C stops the server."
# Only this machine can reach it: a demo is not a public service.
exec "$build/examples/chat" --host 127.0.0.1 --port "$port"
