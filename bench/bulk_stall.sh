#!/usr/bin/env bash
# Readers during a bulk (issue 9): match latency before and while one
# 200,000-line bulk puts (replaces) every entity of a catalogue, then while
# one 200,000-line bulk deletes them all; for each biomatchd binary given
# (default: this tree's), one after another, each on a fresh data directory
# on loopback with the same documents (biomatch_bulk_stall).
# Usage: bench/bulk_stall.sh [capabilities] [matchers] [biomatchd...]
# Defaults: 163,000 capabilities (with 20,375 platforms and 16,300 requests:
# 199,675 lines), 2 matcher connections of 100 matches a second each
# (latency counted from when each match was due). Prints the server's peak
# RSS after both bulks.
set -euo pipefail
cd "$(dirname "$0")/.."
capabilities=${1:-163000}
matchers=${2:-2}
shift $(( $# < 2 ? $# : 2 ))
binaries=("$@")
[ ${#binaries[@]} -eq 0 ] && binaries=(build/server/biomatchd)

export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" --target biomatchd gen_catalog biomatch_bulk_stall > /dev/null

work=$(mktemp -d /tmp/biomatch-bulk-stall.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
build/tools/gen_catalog --capabilities "$capabilities" --seed 1 --out "$work/load.ndjson"
build/tools/gen_catalog --capabilities "$capabilities" --seed 2 --out "$work/put.ndjson"
# Deletes in dependency order: requests, capabilities, then platforms.
for type in request capability platform; do
  grep -o "\"type\":\"$type\",\"id\":\"[^\"]*\"" "$work/load.ndjson" | sed 's/^/{"op":"delete",/; s/$/}/'
done > "$work/delete.ndjson"
echo "catalogue: $(wc -l < "$work/load.ndjson") lines; put: $(wc -l < "$work/put.ndjson"); delete: $(wc -l < "$work/delete.ndjson")"

token=bench-token
for binary in "${binaries[@]}"; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$work/data"
  BIOMATCH_ADMIN_TOKEN=$token "$binary" --listen "127.0.0.1:$port" --data "$work/data" --threads 2 --bulk-body-limit-mib 1024 \
    2> "$work/server.log" &
  server_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
  curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/x-ndjson' \
    --data-binary "@$work/load.ndjson" "http://127.0.0.1:$port/v1/bulk"
  echo "== $binary"
  for phase in put delete; do
    echo "-- $phase"
    build/tools/biomatch_bulk_stall --target "127.0.0.1:$port" --token "$token" --catalog "$work/load.ndjson" \
      --bulk "$work/$phase.ndjson" --matchers "$matchers"
  done
  echo "-- peak RSS $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server_pid/status")"
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
