#!/usr/bin/env bash
# Installs what is missing, builds Release, and runs biomatch.
# Until the HTTP server lands this runs the engine demo: a generated catalogue
# of 10,000 capabilities, loaded and matched, with explained results.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" --target biomatch_demo
exec build/tools/biomatch_demo "$@"
