#!/usr/bin/env bash
# Live stream benchmarks, in one run:
#   1. percolation: events matched against 100,000 subscriptions on one core
#      (bench/percolator_bench, through the index and checking every filter);
#   2. fan-out: biomatchd (fsync) on loopback, 1,000 WebSocket streams over 8
#      region subscriptions, requests written at a steady rate for 10 s, with
#      delivered messages/s, write-to-receive latency and lost/duplicated
#      events from biomatch_stream_load, and the server's own commit-to-write
#      latency (biomatch_stream_delivery_seconds).
# Usage: bench/stream_bench.sh [connections] [events_per_second] [seconds]
# Defaults: 1000 streams, 2000 events/s, 10 s. Client and server share the
# machine.
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-1000}
rate=${2:-2000}
seconds=${3:-10}

tools/install_deps.sh curl
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBIOMATCH_BUILD_BENCHMARKS=ON > /dev/null
cmake --build build -j "$(nproc)" --target biomatchd biomatch_stream_load percolator_bench > /dev/null

echo "== percolation (100,000 subscriptions, one core)"
build/bench/percolator_bench --benchmark_filter=Percolate

work=$(mktemp -d /tmp/biomatch-stream-bench.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=bench-token
BIOMATCH_ADMIN_TOKEN=$token build/server/biomatchd --listen "127.0.0.1:$port" --data "$work/data" --threads "$(nproc)" \
  2> "$work/server.log" &
server_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done

echo "== fan-out: $connections streams, $rate events/s for $seconds s"
build/tools/biomatch_stream_load --target "127.0.0.1:$port" --token "$token" --connections "$connections" \
  --groups 8 --rate "$rate" --duration "$seconds" --json "$work/fanout.json"
curl -s "http://127.0.0.1:$port/metrics" > "$work/metrics.txt"
grep '^biomatch_stream_' "$work/metrics.txt" | grep -v '^biomatch_stream_delivery_seconds'
# The server's commit-to-write histogram: percentiles as bucket bounds.
python3 - "$work/metrics.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
buckets = [(float(le), int(n)) for le, n in
           re.findall(r'^biomatch_stream_delivery_seconds_bucket\{le="([^"+]+)"\} (\d+)$', text, re.M)]
total = int(re.search(r'^biomatch_stream_delivery_seconds_count (\d+)$', text, re.M).group(1))
def bound(q):
    for le, n in buckets:
        if n >= q * total: return f"<= {le * 1000:g} ms"
    return "> 2.5 s"
within = next((n for le, n in buckets if le == 0.05), 0)
print(f"commit-to-write (server, {total} messages): p50 {bound(0.5)}, p99 {bound(0.99)}; "
      f"within 50 ms: {100 * within / total:.2f}%")
PY
