#!/usr/bin/env bash
# Installs whatever biomatch needs that this Debian 12 machine lacks.
# Usage: tools/install_deps.sh [extra-package ...]
set -euo pipefail

packages=(build-essential cmake ccache pkg-config libssl-dev
          libboost1.81-dev librocksdb-dev libsimdjson-dev libbenchmark-dev libgtest-dev liblemon-dev "$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
