// Engine benchmarks: index build, match (indexed and brute force), reverse
// match and reservation at 10k, 100k and 1M capabilities, over the generator's
// realistic query mix. Per-query latency percentiles are reported as counters
// (p50_us, p90_us, p99_us); memory as rss_mb against the catalogue's NDJSON
// size (ndjson_mb).
//
//   build/bench/engine_bench --benchmark_filter='Match/100000'
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "biomatch/catalog/catalog.h"
#include "timed_loop.h"
#include "biomatch/engine/engine.h"
#include "biomatch/server/json_codec.h"

namespace biomatch {
namespace {

using engine::Engine;
using engine::MatchOptions;

double RssMb() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// Bytes of the bulk NDJSON the generator writes for this catalogue.
double NdjsonMb(const catalog::Catalog& c) {
  std::size_t bytes = 0;
  std::string line;
  auto count = [&](const auto& entity) {
    line.clear();
    server::AppendBulkPutLine(entity, &line);
    bytes += line.size();
  };
  for (const auto& p : c.platforms) count(p);
  for (const auto& x : c.capabilities) count(x);
  for (const auto& r : c.requests) count(r);
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}

catalog::CatalogSpec Spec(std::size_t capabilities) {
  catalog::CatalogSpec spec;
  spec.capabilities = capabilities;
  return spec;
}

engine::Seconds Now(const catalog::CatalogSpec& spec) { return spec.start - 86400; }

// The catalogue as the bulk path's operations, as POST /v1/bulk parses them.
std::vector<engine::BatchOp> BulkOps(catalog::Catalog c) {
  std::vector<engine::BatchOp> ops;
  ops.reserve(c.platforms.size() + c.capabilities.size() + c.requests.size());
  for (auto& p : c.platforms) ops.push_back({engine::BatchOp::Kind::kPut, p.id, std::move(p)});
  for (auto& x : c.capabilities) ops.push_back({engine::BatchOp::Kind::kPut, x.id, std::move(x)});
  for (auto& r : c.requests) ops.push_back({engine::BatchOp::Kind::kPut, r.id, std::move(r)});
  return ops;
}

// One loaded engine per size, kept for the whole run (1M takes a while).
struct Loaded {
  std::unique_ptr<Engine> engine = std::make_unique<Engine>();
  std::vector<engine::Request> queries;
  std::vector<std::string> capability_ids;
  std::vector<std::string> request_ids;
  double build_seconds = 0;
  double rss_mb = 0;
  double ndjson_mb = 0;
};

Loaded& Get(std::size_t capabilities) {
  static std::map<std::size_t, std::unique_ptr<Loaded>> cache;
  auto& slot = cache[capabilities];
  if (!slot) {
    slot = std::make_unique<Loaded>();
    const catalog::CatalogSpec spec = Spec(capabilities);
    malloc_trim(0);
    const double rss_before = RssMb();
    {
      catalog::Catalog catalog = catalog::GenerateCatalog(spec);
      slot->ndjson_mb = NdjsonMb(catalog);
      for (const auto& c : catalog.capabilities) slot->capability_ids.push_back(c.id);
      for (const auto& r : catalog.requests) slot->request_ids.push_back(r.id);
      std::vector<engine::BatchOp> ops = BulkOps(std::move(catalog));
      // The build: ApplyBatch indexes the operations and frees them.
      std::vector<engine::BatchError> errors;
      const auto start = std::chrono::steady_clock::now();
      if (!slot->engine->ApplyBatch(std::move(ops), Now(spec), &errors).ok()) std::abort();
      slot->build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    malloc_trim(0);
    slot->rss_mb = RssMb() - rss_before;  // this engine alone, the source data freed
    slot->queries = catalog::GenerateQueries(spec, 2000, 99);
  }
  return *slot;
}

using bench::TimedLoop;

void BM_IndexBuild(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Loaded& loaded = Get(n);
  for (auto _ : state) {
    state.SetIterationTime(loaded.build_seconds);
  }
  state.counters["capabilities"] = static_cast<double>(n);
  state.counters["rss_mb"] = loaded.rss_mb;
  state.counters["ndjson_mb"] = loaded.ndjson_mb;
  state.counters["rss_per_ndjson"] = loaded.rss_mb / loaded.ndjson_mb;
}

void BM_Match(benchmark::State& state) {
  Loaded& loaded = Get(static_cast<std::size_t>(state.range(0)));
  const catalog::CatalogSpec spec = Spec(static_cast<std::size_t>(state.range(0)));
  std::uint64_t feasible = 0;
  TimedLoop(state, [&](std::size_t i) {
    auto r = loaded.engine->Match(loaded.queries[i % loaded.queries.size()], MatchOptions{Now(spec), 10, true});
    feasible += r->feasible;
    benchmark::DoNotOptimize(r);
  });
  state.counters["feasible_avg"] = static_cast<double>(feasible) / static_cast<double>(state.iterations());
}

void BM_BruteForceMatch(benchmark::State& state) {
  Loaded& loaded = Get(static_cast<std::size_t>(state.range(0)));
  const catalog::CatalogSpec spec = Spec(static_cast<std::size_t>(state.range(0)));
  TimedLoop(state, [&](std::size_t i) {
    auto r = loaded.engine->BruteForceMatch(loaded.queries[i % loaded.queries.size()], MatchOptions{Now(spec), 10, true});
    benchmark::DoNotOptimize(r);
  });
}

void BM_ReverseMatch(benchmark::State& state) {
  Loaded& loaded = Get(static_cast<std::size_t>(state.range(0)));
  const catalog::CatalogSpec spec = Spec(static_cast<std::size_t>(state.range(0)));
  TimedLoop(state, [&](std::size_t i) {
    const std::string& id = loaded.capability_ids[(i * 7919) % loaded.capability_ids.size()];
    auto r = loaded.engine->ReverseMatch(id, MatchOptions{Now(spec), 10, false});
    benchmark::DoNotOptimize(r);
  });
}

// Hold then cancel on the best match of a stored request.
void BM_HoldCancel(benchmark::State& state) {
  Loaded& loaded = Get(static_cast<std::size_t>(state.range(0)));
  const catalog::CatalogSpec spec = Spec(static_cast<std::size_t>(state.range(0)));
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::size_t i = 0; i < loaded.request_ids.size() && pairs.size() < 500; ++i) {
    auto m = loaded.engine->MatchStored(loaded.request_ids[i], MatchOptions{Now(spec), 1, false});
    if (m.ok() && !m->matches.empty()) pairs.emplace_back(loaded.request_ids[i], m->matches[0].capability_id);
  }
  if (pairs.empty()) {
    state.SkipWithError("no feasible stored request");
    return;
  }
  std::uint64_t n = 0;
  TimedLoop(state, [&](std::size_t i) {
    const auto& [request, capability] = pairs[i % pairs.size()];
    const std::string id = "bench-hold-" + std::to_string(n++);
    auto held = loaded.engine->Hold({id, request, capability, std::nullopt, 900}, Now(spec));
    if (held.ok()) (void)loaded.engine->CancelReservation(id, Now(spec));
  });
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (const std::int64_t n : {10'000, 100'000, 1'000'000}) b->Arg(n);
  b->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_IndexBuild)->Apply(Sizes)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Match)->Apply(Sizes);
BENCHMARK(BM_BruteForceMatch)->Apply(Sizes)->MinTime(2.0);
BENCHMARK(BM_ReverseMatch)->Apply(Sizes);
BENCHMARK(BM_HoldCancel)->Apply(Sizes);

}  // namespace
}  // namespace biomatch

BENCHMARK_MAIN();
