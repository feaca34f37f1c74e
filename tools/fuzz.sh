#!/usr/bin/env bash
# Fuzzes each target of fuzz/ with libFuzzer for N minutes, one after another:
# builds them with clang-14, AddressSanitizer and UBSan in build-fuzz/
# (installing clang-14 when missing), seeds each from fuzz/corpus/<target>/
# and grows its corpus in build-fuzz/corpus/<target>/. A finding stops its
# target and leaves the input in build-fuzz/findings/<target>/; fix it and
# copy the input into fuzz/corpus/<target>/.
# Usage: tools/fuzz.sh [minutes per target (10)] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh clang-14 libclang-rt-14-dev

minutes=${1:-10}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(http_fuzzer json_codec_fuzzer bulk_fuzzer ws_frame_fuzzer)
export CCACHE_DIR="${CCACHE_DIR:-$PWD/.ccache}"

mkdir -p build-fuzz
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" "-DBIOMATCH_SANITIZE=address;undefined;fuzzer-no-link" \
  -DBIOMATCH_LIBFUZZER=ON -DBIOMATCH_BUILD_TESTS=OFF -DBIOMATCH_BUILD_BENCHMARKS=OFF > build-fuzz/configure.log
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}"

# No leak checks: the in-process server keeps state (and threads) from one
# input to the next on purpose, which LeakSanitizer's per-input check flags.
export ASAN_OPTIONS=detect_leaks=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/findings/$t"
  echo "== $t: $minutes min"
  "build-fuzz/fuzz/$t" "build-fuzz/corpus/$t" "fuzz/corpus/$t" -max_total_time=$((minutes * 60)) \
    -max_len=16384 -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/findings/$t/" 2>&1 | tee "build-fuzz/$t.log" | grep -E '^(#|==|INFO: seed|stat::|FINDING|SUMMARY)' || true
done
