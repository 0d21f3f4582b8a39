#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages cordon needs to build, test and benchmark.
# Usage: scripts/install-deps.sh   (runs apt-get through sudo when not root)
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config
  # libraries
  libseccomp-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  libsqlite3-dev libssl-dev libcap-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  bubblewrap hyperfine util-linux procps iproute2 tmux python3 curl
  # egress tests and benchmarks: real clients, TLS origin, peers to compare with
  git openssl nftables squid tinyproxy wrk
  # browser tests of the review web page (tests/browser: playwright-core drives this Chromium)
  chromium nodejs
  # code style
  clang-format clang-tidy
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm for the browser test's packages: Debian's, unless Node.js came with its own npm (a
# NodeSource nodejs bundles npm and conflicts with Debian's package).
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
