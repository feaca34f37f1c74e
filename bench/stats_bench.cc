// Statistics benchmarks: balance, utilization and a 90-day time series at
// 100k and 1M capabilities (20k and 100k open requests), on the generator's
// catalogue with holds, confirmations and completions on part of it, and 90
// days of events in a real store (the rollup built from its log, as at
// start). Latency percentiles per call as counters (p50_us, p90_us,
// p99_us); build_s is the bulk load including the unmet-demand rebuild,
// rollup_build_s the rollup's start-up read of the log.
//
//   build/bench/stats_bench --benchmark_filter='/100000'
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "biomatch/engine/engine.h"
#include "biomatch/server/json_stats.h"
#include "biomatch/storage/store.h"
#include "biomatch/catalog/catalog.h"
#include "timed_loop.h"
#include "events.h"
#include "stats_rollup.h"

namespace biomatch {
namespace {

constexpr engine::Seconds kDay = 86400;
constexpr int kHistoryDays = 90;

struct Loaded {
  engine::Engine engine;
  engine::Seconds now = 0;
  std::vector<std::string> categories;  // of the requests, for filters
  std::filesystem::path dir;
  engine::Engine store_engine;  // the store's own (empty) engine
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<server::StatsRollup> rollup;
  double build_seconds = 0, rollup_build_seconds = 0;
  std::uint64_t unmatched = 0, events = 0;
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Holds the best match of every fifth request; confirms half of them and
// completes half of those.
void Reserve(Loaded* l, const std::vector<std::string>& request_ids) {
  int n = 0;
  for (std::size_t i = 0; i < request_ids.size(); i += 5) {
    const auto m = l->engine.MatchStored(request_ids[i], {l->now, 1, false});
    if (!m.ok() || m->matches.empty()) continue;
    const std::string id = "h" + std::to_string(n++);
    if (!l->engine.Hold({id, request_ids[i], m->matches[0].capability_id, 1, 86400}, l->now).ok()) continue;
    if (n % 2 == 0 && l->engine.Confirm(id, l->now).ok() && n % 4 == 0) (void)l->engine.Complete(id, l->now);
  }
}

// 90 days of the events the statistics read, one commit per day: each
// request created on some day, matched (or unmet) then, a fifth reserved and
// some completed.
void WriteHistory(Loaded* l, const std::vector<engine::Request>& requests) {
  std::mt19937 rng(7);
  std::vector<std::vector<storage::EventDraft>> days(kHistoryDays);
  for (const engine::Request& r : requests) {
    auto& day = days[std::uniform_int_distribution<int>(0, kHistoryDays - 1)(rng)];
    server::EventFacets f;
    f.category = r.category;
    f.region = r.region.value_or("");
    const std::string id = "{\"id\":\"" + r.id + "\",\"request_id\":\"" + r.id + "\"";
    day.push_back({"request.created", server::EncodeEventBody(f, id + "}")});
    const bool unmet = std::bernoulli_distribution(0.15)(rng);
    day.push_back({unmet ? "request.unmet" : "request.matched",
                   server::EncodeEventBody(f, id + (unmet ? ",\"unmet\":true}" : "}"))});
    if (std::bernoulli_distribution(0.2)(rng)) {
      day.push_back({"reservation.created", server::EncodeEventBody(f, id + ",\"quantity\":2}")});
      day.push_back({"reservation.completed", server::EncodeEventBody(f, id + ",\"quantity\":2}")});
    }
  }
  for (int d = 0; d < kHistoryDays; ++d) {
    l->events += days[static_cast<std::size_t>(d)].size();
    const std::uint64_t ticket =
        l->store->Submit({}, {}, std::move(days[static_cast<std::size_t>(d)]), l->now - (kHistoryDays - d) * kDay);
    if (!l->store->WaitDurable(ticket).ok()) std::abort();
  }
}

Loaded& Get(std::size_t capabilities) {
  // Never destroyed: RocksDB's statics may go first at exit.
  static auto* cache = new std::map<std::size_t, std::unique_ptr<Loaded>>;
  auto& slot = (*cache)[capabilities];
  if (slot) return *slot;
  slot = std::make_unique<Loaded>();
  Loaded* l = slot.get();
  catalog::CatalogSpec spec;
  spec.capabilities = capabilities;
  spec.requests = capabilities <= 100000 ? 20000 : capabilities / 10;
  l->now = spec.start - kDay;
  catalog::Catalog catalog = catalog::GenerateCatalog(spec);
  std::vector<engine::Request> requests = catalog.requests;
  std::vector<std::string> request_ids;
  for (const engine::Request& r : requests) {
    request_ids.push_back(r.id);
    l->categories.push_back(r.category.substr(0, r.category.find('/')));
  }
  std::vector<engine::BatchOp> ops;
  for (auto& p : catalog.platforms) ops.push_back({engine::BatchOp::Kind::kPut, p.id, std::move(p)});
  for (auto& x : catalog.capabilities) ops.push_back({engine::BatchOp::Kind::kPut, x.id, std::move(x)});
  for (auto& r : catalog.requests) ops.push_back({engine::BatchOp::Kind::kPut, r.id, std::move(r)});
  std::vector<engine::BatchError> errors;
  const auto start = std::chrono::steady_clock::now();
  if (!l->engine.ApplyBatch(std::move(ops), l->now, &errors).ok()) std::abort();
  l->build_seconds = SecondsSince(start);
  Reserve(l, request_ids);
  l->unmatched = l->engine.GetOverview().unmatched_requests;

  l->dir = std::filesystem::temp_directory_path() / ("biomatch-stats-bench-" + std::to_string(capabilities));
  std::filesystem::remove_all(l->dir);
  storage::Options so;
  so.dir = l->dir.string();
  so.durability = storage::Durability::kOs;
  auto store = storage::Store::Open(so, &l->store_engine, l->now);
  if (!store.ok()) std::abort();
  l->store = std::move(store).value();
  WriteHistory(l, requests);
  const auto rollup_start = std::chrono::steady_clock::now();
  auto rollup = server::StatsRollup::Build(*l->store, l->engine);
  if (!rollup.ok()) std::abort();
  l->rollup = std::move(rollup).value();
  l->rollup_build_seconds = SecondsSince(rollup_start);
  return *l;
}

template <typename Op>
void TimedLoop(benchmark::State& state, const Loaded& l, Op op) {
  bench::TimedLoop(state, op);
  state.counters["build_s"] = l.build_seconds;
  state.counters["rollup_build_s"] = l.rollup_build_seconds;
  state.counters["unmatched"] = static_cast<double>(l.unmatched);
  state.counters["events"] = static_cast<double>(l.events);
}

engine::StatsQuery Query(const Loaded& l, engine::GroupBy by) {
  engine::StatsQuery q;
  q.by = by;
  q.from = l.now;
  q.to = l.now + 30 * kDay;
  return q;
}

void BM_BalanceByCategory(benchmark::State& state) {
  Loaded& l = Get(static_cast<std::size_t>(state.range(0)));
  TimedLoop(state, l, [&](std::size_t) { benchmark::DoNotOptimize(l.engine.Balance(Query(l, engine::GroupBy::kCategory), l.now)); });
}

void BM_BalanceByRegion(benchmark::State& state) {
  Loaded& l = Get(static_cast<std::size_t>(state.range(0)));
  TimedLoop(state, l, [&](std::size_t) { benchmark::DoNotOptimize(l.engine.Balance(Query(l, engine::GroupBy::kRegion), l.now)); });
}

void BM_UtilizationByPlatform(benchmark::State& state) {
  Loaded& l = Get(static_cast<std::size_t>(state.range(0)));
  TimedLoop(state, l, [&](std::size_t) { benchmark::DoNotOptimize(l.engine.Utilization(Query(l, engine::GroupBy::kPlatform))); });
}

void BM_UtilizationByCategory(benchmark::State& state) {
  Loaded& l = Get(static_cast<std::size_t>(state.range(0)));
  TimedLoop(state, l, [&](std::size_t) { benchmark::DoNotOptimize(l.engine.Utilization(Query(l, engine::GroupBy::kCategory))); });
}

// Every metric in turn over 90 days by day; every other call filtered by a
// request's top-level category.
void BM_Timeseries90Days(benchmark::State& state) {
  Loaded& l = Get(static_cast<std::size_t>(state.range(0)));
  TimedLoop(state, l, [&](std::size_t i) {
    server::SeriesQuery q;
    q.metric = static_cast<server::SeriesMetric>(i % server::kSeriesMetricCount);
    q.from = l.now - kHistoryDays * kDay;
    q.to = l.now;
    if (i % 2 == 1) q.category = l.categories[i % l.categories.size()];
    benchmark::DoNotOptimize(l.rollup->Series(q));
  });
}

BENCHMARK(BM_BalanceByCategory)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(50);
BENCHMARK(BM_BalanceByRegion)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(50);
BENCHMARK(BM_UtilizationByPlatform)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(50);
BENCHMARK(BM_UtilizationByCategory)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(50);
BENCHMARK(BM_Timeseries90Days)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->Iterations(200);

}  // namespace
}  // namespace biomatch

BENCHMARK_MAIN();
