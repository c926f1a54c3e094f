#!/usr/bin/env bash
# Installs the Debian 12 packages one of the README's commands needs:
#   deps.sh demo   what scripts/demo.sh builds: the chat example, with zlib
#                  so that browsers get permessage-deflate, and nlohmann/json
#                  for the objects the chat sends as JSON
#   deps.sh test   what scripts/test.sh builds and runs: everything
# Runs apt-get only when something is missing and we are root; otherwise
# says what to install.
set -euo pipefail
demo=(cmake ninja-build g++ libasio-dev zlib1g-dev nlohmann-json3-dev)
# libhiredis-dev and redis-server: the Redis backplane and its tests, which
# start redis-server themselves on a free port (never the system's service);
# haproxy: examples/chat_haproxy runs three chats behind one, in the foreground;
# tinyproxy: the client's HTTP CONNECT proxy tests start one in the foreground.
test=("${demo[@]}" clang libclang-rt-14-dev catch2 libssl-dev libhiredis-dev redis-server haproxy tinyproxy libbenchmark-dev libboost-dev libwebsocketpp-dev
      python3-websockets openssl curl chromium nodejs doxygen mscgen)
case "${1:-}" in
  demo) want=("${demo[@]}") ;;
  test) want=("${test[@]}")
        # The interop and browser tests need npm. NodeSource's nodejs carries
        # it and conflicts with Debian's npm package, so that is asked for
        # only where the command is missing.
        command -v npm >/dev/null 2>&1 || want+=(npm) ;;
  *) echo "usage: deps.sh demo|test" >&2; exit 2 ;;
esac
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "wsx: missing Debian packages: ${missing[*]}" >&2
  echo "wsx: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "wsx: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
