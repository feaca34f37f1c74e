#!/usr/bin/env bash
# Peak RSS of biomatchd under hostile clients (issue 9), one fresh server per
# client, loopback only, each client bounded in time:
#   pings:    one WebSocket client sends ~400 MB of pings and never reads;
#   pipeline: 60 connections each pipeline 32 GET /v1/capabilities?limit=1000
#             (~4 MB answers with the demo catalogue) and never read;
#   bodies:   4 connections each send an unauthenticated 200 MiB POST /v1/bulk.
# For each: VmHWM (peak RSS) once the server is up and idle, and after the
# client; and how long a GET /healthz took from another connection during it.
# Usage: bench/hostile_rss.sh [biomatchd] [seconds per client]
# Defaults: build/server/biomatchd, 20 s. Compare two binaries by running the
# script once with each, e.g. bench/hostile_rss.sh /work/baseline/biomatchd.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-build/server/biomatchd}
seconds=${2:-20}

work=$(mktemp -d /tmp/biomatch-hostile.XXXXXX)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT
token=hostile-token

hwm() { awk '/VmHWM/ {print int($2 / 1024) " MiB"}' "/proc/$server_pid/status"; }

for client in pings pipeline bodies; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$work/data"
  BIOMATCH_ADMIN_TOKEN=$token "$binary" --listen "127.0.0.1:$port" --data "$work/data" --threads 2 --demo \
    2> "$work/server-$client.log" &
  server_pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
  curl -sf -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{}' "http://127.0.0.1:$port/v1/subscriptions/s1" > /dev/null
  idle=$(hwm)
  timeout $((seconds + 30)) python3 - "$client" "$port" "$token" "$seconds" <<'PY' > "$work/client.txt" 2>&1 || true
import os, socket, sys, threading, time
client, port, token, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
deadline = time.time() + seconds

def connect(rcvbuf=4096):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    return s

def healthz():
    """Seconds a GET /healthz takes on a new connection (None: no answer in 10 s)."""
    start = time.time()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        while s.recv(65536):
            pass
        s.close()
        return time.time() - start
    except OSError:
        return None

def frame(opcode, payload):
    mask = b"\x01\x02\x03\x04"
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked

sent = 0
if client == "pings":
    s = connect()
    s.sendall(("GET /v1/stream?subscriptions=s1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               "Authorization: Bearer " + token + "\r\n\r\n").encode())
    batch = frame(0x9, b"p" * 125) * 8000  # ~1 MB
    s.settimeout(2)
    while sent < 400e6 and time.time() < deadline:
        try:
            s.sendall(batch)
        except OSError:
            break
        sent += len(batch)
    print("pings sent: %.0f MB" % (sent / 1e6))
elif client == "pipeline":
    request = ("GET /v1/capabilities?limit=1000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
               "\r\n\r\n").encode() * 32
    sockets = []
    for _ in range(60):
        s = connect()
        s.setblocking(False)
        try:
            s.send(request)
        except OSError:
            pass
        sockets.append(s)
    time.sleep(seconds / 2)
else:
    header = ("POST /v1/bulk HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
              "Content-Length: %d\r\n\r\n" % (200 << 20)).encode()
    chunk = b'{"op":"put"}\n' * 80000  # ~1 MB
    total = [0, 0]
    def body(i):
        s = connect()
        s.settimeout(seconds)
        try:
            s.sendall(header)
            left = 200 << 20
            while left > 0 and time.time() < deadline:
                n = s.send(chunk[:left])
                left -= n
                total[0] += n
        except OSError:
            pass
        try:
            answer = s.recv(100)
            if answer.startswith(b"HTTP/1.1 401"):
                total[1] += 1
        except OSError:
            pass
    threads = [threading.Thread(target=body, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(1)
    took = healthz()
    print("healthz during: %s" % ("no answer" if took is None else "%.0f ms" % (took * 1e3)))
    for t in threads:
        t.join()
    print("body bytes sent: %.0f MB; 401 answers read: %d" % (total[0] / 1e6, total[1]))
took = healthz()
print("healthz at the end: %s" % ("no answer in 10 s" if took is None else "%.0f ms" % (took * 1e3)))
PY
  printf '%-9s idle %-9s after %-9s %s\n' "$client" "$idle" "$(hwm)" "$(tr '\n' ';' < "$work/client.txt")"
  stop_server
done
