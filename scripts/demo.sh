#!/usr/bin/env bash
# The README's demo command: installs dependencies, builds the chat example
# and serves it on http://127.0.0.1:${PORT:-8080}/ until Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WSX_BUILD_DIR:-$root/build}
bash "$root/scripts/deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ >/dev/null
cmake --build "$build" --target chat
echo "Open http://127.0.0.1:${PORT:-8080}/ in two browser tabs, join the same room, and chat."
exec "$build/examples/chat" --port "${PORT:-8080}"
