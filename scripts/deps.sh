#!/usr/bin/env bash
# Installs what wsx's build, tests and examples need on Debian 12. Runs
# apt-get only when something is missing and we are root; otherwise says
# what to install.
set -euo pipefail
want=(cmake ninja-build g++ clang libclang-rt-14-dev libasio-dev catch2 libssl-dev zlib1g-dev
      libbenchmark-dev libboost-dev libwebsocketpp-dev python3-websockets openssl curl chromium doxygen mscgen)
want+=("$@")
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
