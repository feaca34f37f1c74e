#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest:
#   1. Release build with -Werror: every test;
#   2. OpenAPI: the release biomatchd's /openapi.json validates, and every
#      operation's real answers match their declared schemas
#      (tools/openapi_check.mjs; Node from Debian, validators from npm);
#   3. AddressSanitizer + UBSan build: every test;
#   4. ThreadSanitizer build: the concurrency and stream tests;
# and, after the release build, clang's -Wthread-safety over the library
# sources, syntax only (the thread_safety target, checking the lock annotations).
# Build trees live in build-ci/ (reused across runs, with ccache).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh clang-14  # clang-14: the thread-safety check

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
