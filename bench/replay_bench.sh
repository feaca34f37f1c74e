#!/usr/bin/env bash
# Replay fairness (issue 9): one agency's replay latency from=1 alone and
# right after N streams replaying from=1 are closed at once, and how soon
# the server frees their --max-streams slots; for each biomatchd binary
# given (default: this tree's), one after another, each on a fresh data
# directory on loopback, with the same events (biomatch_replay_load).
# Usage: bench/replay_bench.sh [events] [abandoned] [rounds] [biomatchd...]
# Defaults: 100,000 events, 500 abandoned streams, 3 rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-100000}
abandoned=${2:-500}
rounds=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
binaries=("$@")
[ ${#binaries[@]} -eq 0 ] && binaries=(build/server/biomatchd)

export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" --target biomatchd biomatch_replay_load > /dev/null

work=$(mktemp -d /tmp/biomatch-replay-bench.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
token=bench-token
for binary in "${binaries[@]}"; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$work/data"
  BIOMATCH_ADMIN_TOKEN=$token "$binary" --listen "127.0.0.1:$port" --data "$work/data" --threads 2 \
    2> "$work/server.log" &
  server_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
  echo "== $binary: $events events, $abandoned abandoned streams, $rounds rounds"
  build/tools/biomatch_replay_load --target "127.0.0.1:$port" --token "$token" --events "$events" \
    --abandoned "$abandoned" --rounds "$rounds"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
