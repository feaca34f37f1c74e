// TimedLoop: times each call of a benchmark's operation and reports its
// percentiles (p50_us, p90_us, p99_us) as counters: the benchmarks' one way
// of reporting latency, since Google Benchmark reports only means.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

#include <benchmark/benchmark.h>

namespace biomatch::bench {

inline void ReportPercentiles(benchmark::State& state, std::vector<double>& us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us.size())))]; };
  state.counters["p50_us"] = at(0.50);
  state.counters["p90_us"] = at(0.90);
  state.counters["p99_us"] = at(0.99);
}

// Times each call of `op(i)`, i = 0, 1, ..., and reports percentiles.
template <typename Op>
void TimedLoop(benchmark::State& state, Op op) {
  std::vector<double> us;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    op(i++);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  ReportPercentiles(state, us);
}

}  // namespace biomatch::bench
