#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest:
#   1. Release build with -Werror: every test;
#   2. OpenAPI: the release biomatchd's /openapi.json validates, and every
#      operation's real answers match their declared schemas
#      (tools/openapi_check.mjs; Node from Debian, validators from npm);
#   3. AddressSanitizer + UBSan build: every test;
#   4. ThreadSanitizer build: the concurrency and stream tests;
#   5. the Release biomatchd's /metrics through `promtool check metrics`, and
#      the dashboard (/ui/) in headless Chromium (tools/ui_test/ui_test.mjs);
# and, after the release build, clang's -Wthread-safety over the library
# sources, syntax only (the thread_safety target, checking the lock annotations).
# Build trees live in build-ci/ (reused across runs, with ccache).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh clang-14 curl prometheus chromium fonts-noto-cjk  # clang-14: the thread-safety check
command -v npm > /dev/null || tools/install_deps.sh nodejs npm  # any Node >= 18 will do

jobs=$(nproc)
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"

configure_and_build() {  # dir, targets (empty: all), cmake args...
  local dir=$1 targets=$2; shift 2
  cmake -S . -B "$dir" -DBIOMATCH_WERROR=ON "$@" > "$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
  cmake --build "$dir" -j "$jobs" ${targets:+--target $targets}
}
test_targets="engine_tests storage_tests server_tests restart_tests http_fuzzer json_codec_fuzzer bulk_fuzzer ws_frame_fuzzer"
tsan_targets="engine_tests storage_tests server_tests"  # what its concurrency tests need
# Sanitizer trees build with -Og -g1: with UBSan, -O2 -g compiles the Beast-heavy
# sources about five times slower, and line tables are all the reports need.
sanitizer_flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-Og -g1 -DNDEBUG"
  -DBIOMATCH_BUILD_BENCHMARKS=OFF)

mkdir -p build-ci
echo "== release"
configure_and_build build-ci/release "" -DCMAKE_BUILD_TYPE=Release -DBIOMATCH_BUILD_BENCHMARKS=ON
echo "== thread safety (clang -Wthread-safety, syntax only)"
cmake --build build-ci/release -j "$jobs" --target thread_safety
ctest --test-dir build-ci/release --output-on-failure -j "$jobs"

echo "== openapi: the document validates and real answers match it"
command -v node > /dev/null && command -v npm > /dev/null || tools/install_deps.sh nodejs npm
# The validators, pinned by tools/openapi/package-lock.json; failing to
# install them fails the run.
mkdir -p build-ci/npm
cp tools/openapi/package.json tools/openapi/package-lock.json build-ci/npm/
npm ci --prefix build-ci/npm --no-audit --no-fund --loglevel=error
node tools/openapi_check.mjs --biomatchd build-ci/release/server/biomatchd --npm build-ci/npm

echo "== address;undefined sanitizers"
configure_and_build build-ci/asan "$test_targets" "${sanitizer_flags[@]}" -DBIOMATCH_SANITIZE='address;undefined'
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --test-dir build-ci/asan --output-on-failure -j "$jobs"

echo "== thread sanitizer (concurrency tests)"
configure_and_build build-ci/tsan "$tsan_targets" "${sanitizer_flags[@]}" -DBIOMATCH_SANITIZE=thread
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tools/tsan.supp" ctest --test-dir build-ci/tsan --output-on-failure -j "$jobs" -R 'Concurren|StreamTest'

# Starts build-ci/release's biomatchd --demo on a free loopback port with admin
# token $1 and its data in $2; sets daemon_pid and daemon_url.
start_daemon() {
  BIOMATCH_ADMIN_TOKEN=$1 build-ci/release/server/biomatchd --listen 127.0.0.1:0 --data "$2" --demo \
    2> "$2.log" & daemon_pid=$!
  local port=""
  for _ in $(seq 300); do
    port=$(grep -o 'port [0-9]*' "$2.log" | cut -d' ' -f2) && [ -n "$port" ] && break
    kill -0 "$daemon_pid" 2> /dev/null || { cat "$2.log"; exit 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "biomatchd did not start"; cat "$2.log"; exit 1; }
  daemon_url="http://127.0.0.1:$port"
}

echo "== /metrics through promtool, the dashboard in Chromium"
ui_dir=build-ci/release/ui-test
rm -rf "$ui_dir" && mkdir -p "$ui_dir"
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
start_daemon "$token" "$ui_dir/data"
trap 'kill $daemon_pid 2> /dev/null || true' EXIT
curl -sf "$daemon_url/v1/stats/overview" -H "Authorization: Bearer $token" > /dev/null  # one request counted
curl -sf "$daemon_url/metrics" > "$ui_dir/metrics.txt"
promtool check metrics < "$ui_dir/metrics.txt" || { echo "promtool found problems in /metrics"; exit 1; }
for m in process_resident_memory_bytes process_virtual_memory_bytes process_cpu_seconds_total process_open_fds \
         process_max_fds process_start_time_seconds biomatch_build_info; do
  grep -q "^$m[ {]" "$ui_dir/metrics.txt" || { echo "/metrics lacks $m"; exit 1; }
done
echo "promtool: /metrics has no problems"
# puppeteer-core at the version tools/ui_test/package-lock.json pins, under the build tree.
cp tools/ui_test/package.json tools/ui_test/package-lock.json tools/ui_test/ui_test.mjs "$ui_dir/"
(cd "$ui_dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
node "$ui_dir/ui_test.mjs" --url "$daemon_url" --token "$token" --screenshot build-ci/release/ui-screenshot.png
kill "$daemon_pid" && wait "$daemon_pid"
trap - EXIT
