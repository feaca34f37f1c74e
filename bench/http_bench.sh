#!/usr/bin/env bash
# End-to-end HTTP benchmark on loopback, all in one run:
#   1. wrk against nginx returning a fixed JSON body: the machine's HTTP ceiling;
#   2. wrk against biomatchd's GET /healthz;
#   3. biomatch_load against biomatchd holding a generated catalogue:
#      match queries, durable (fsync) request PUTs, and a mixed workload.
# Usage: bench/http_bench.sh [capabilities] [seconds] [connections] [biomatchd ...]
# Defaults: 100000 capabilities, 10 s per run, 32 connections, this tree's
# build/server/biomatchd. With several binaries (before and after a change),
# each gets the same catalogue and runs, one after the other, in one run.
# Client and server share the machine, as the targets in bench/README.md assume.
set -euo pipefail
cd "$(dirname "$0")/.."
capabilities=${1:-100000}
seconds=${2:-10}
connections=${3:-32}
binaries=("${@:4}")
[ ${#binaries[@]} -eq 0 ] && binaries=(build/server/biomatchd)

tools/install_deps.sh wrk nginx curl
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" --target biomatchd gen_catalog biomatch_load > /dev/null

work=$(mktemp -d /tmp/biomatch-http-bench.XXXXXX)
server_pid=""
nginx_conf="$work/nginx.conf"
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && nginx -c "$nginx_conf" -p "$work" -s stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
nginx_port=$(free_port)
token=bench-token

echo "== catalogue: $capabilities capabilities"
build/tools/gen_catalog --capabilities "$capabilities" --start "$(date -u -d 'tomorrow 00:00' +%Y-%m-%dT%H:%M:%SZ)" \
  --out "$work/catalog.ndjson"
split -l 20000 "$work/catalog.ndjson" "$work/chunk."

# Starts binary $1 on a fresh data directory and loads the catalogue.
start_server() {
  rm -rf "$work/data"
  BIOMATCH_ADMIN_TOKEN=$token "$1" --listen "127.0.0.1:$port" --data "$work/data" --threads "$(nproc)" \
    2> "$work/server.log" &
  server_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
  local start
  start=$(date +%s.%N)
  for chunk in "$work"/chunk.*; do
    curl -sS --fail -o /dev/null -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/x-ndjson' \
      --data-binary "@$chunk" "http://127.0.0.1:$port/v1/bulk"
  done
  echo "bulk load over HTTP: $(python3 -c "print(round($(date +%s.%N) - $start, 2))") s for $(du -m "$work/catalog.ndjson" | cut -f1) MB"
}
stop_server() {
  kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

cat > "$nginx_conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx.error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx-body;
  proxy_temp_path $work/nginx-proxy;
  fastcgi_temp_path $work/nginx-fastcgi;
  uwsgi_temp_path $work/nginx-uwsgi;
  scgi_temp_path $work/nginx-scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
CONF
nginx -c "$nginx_conf" -p "$work"

wrk_rps() { wrk -t2 -c"$connections" -d"${seconds}s" --latency "$1" | tee "$work/wrk.out" >&2; awk '/Requests\/sec/ {print $2}' "$work/wrk.out"; }
echo "== wrk: nginx fixed JSON (ceiling)"
nginx_rps=$(wrk_rps "http://127.0.0.1:$nginx_port/")

load() {  # run, name, mix
  echo "== biomatch_load: $2 ($3)"
  build/tools/biomatch_load --target "127.0.0.1:$port" --token "$token" --catalog "$work/catalog.ndjson" \
    --connections "$connections" --duration "$seconds" --mix "$3" --json "$work/$1.$2.json"
}
for i in "${!binaries[@]}"; do
  echo "== biomatchd: ${binaries[$i]}"
  start_server "${binaries[$i]}"
  echo "== wrk: biomatchd GET /healthz"
  wrk_rps "http://127.0.0.1:$port/healthz" > "$work/$i.healthz"
  load "$i" match "match=1"
  load "$i" put_request "put_request=1"
  load "$i" mixed "match=70,stored_match=10,put_request=10,reserve_cancel=5,get=5"
  stop_server
done

echo "== summary"
python3 - "$work" "$nginx_rps" "${binaries[@]}" <<'PY'
import json, sys
work, nginx, binaries = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
print(f"nginx ceiling {nginx:,.0f} req/s")
for i, binary in enumerate(binaries):
    healthz = float(open(f"{work}/{i}.healthz").read())
    print(f"{binary}: /healthz {healthz:,.0f} req/s = {100*healthz/nginx:.0f}% of the ceiling")
    for name in ("match", "put_request", "mixed"):
        r = json.load(open(f"{work}/{i}.{name}.json"))
        a = r["ops"]["all"]
        print(f"  {name}: {r['rps']:,.0f} req/s, p50 {a['p50_us']:.0f} us, p99 {a['p99_us']:.0f} us, "
              f"p99.9 {a['p999_us']:.0f} us, status {r['status']}, transport errors {r['transport_errors']}")
        if name == "mixed":
            for op, o in sorted(r["ops"].items()):
                if op != "all":
                    print(f"    {op}: p50 {o['p50_us']:.0f} us, p99 {o['p99_us']:.0f} us")
PY
