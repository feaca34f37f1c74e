#!/usr/bin/env bash
# Installs what is missing, builds Release, and runs biomatchd on
# 127.0.0.1:8080 with its data in ./data. On first start the data directory
# gets a demo catalogue and an admin token in ./data/admin.token.
# Flags are passed on: tools/run.sh --threads 4 --durability os
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" --target biomatchd
exec build/server/biomatchd --listen "${BIOMATCH_LISTEN:-127.0.0.1:8080}" --data "${BIOMATCH_DATA:-./data}" --demo "$@"
