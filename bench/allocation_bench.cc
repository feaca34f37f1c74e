// Allocation benchmarks (issue 12) on the generator's catalogues:
//
//   BM_Plan/<capabilities>/<requests>: plan every open request of a
//     generated catalogue (16 candidates each, a reading thread per core).
//     Counters: read_s (the shared lock held), solve_s, cpu_s (of all
//     threads), pairs, placed,
//     score, the baselines, upper_bound, and peak_mb: the peak resident
//     memory the plan added to the loaded engine.
//   BM_Scarce/<demand x supply>: one category (the study leaf with most
//     capabilities in a 20k catalogue) and generated requests rewritten into
//     it until their units are 1x or 4x the category's free units: total
//     score and requests placed, optimal against first_come and best_first,
//     and the gap to upper_bound.
//   BM_Candidates/<k>: the 4x market planned with k candidates a request,
//     against the plan with all of them (score_vs_all).
//
//   build/bench/allocation_bench --benchmark_filter='BM_Plan/100000'
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include "biomatch/engine/allocation.h"
#include "biomatch/engine/engine.h"
#include "biomatch/catalog/catalog.h"

namespace biomatch {
namespace {

using engine::AllocationOptions;
using engine::AllocationPlan;
using engine::AllocationSelect;
using engine::Engine;

// A /proc/self/status field in MiB ("VmRSS", "VmHWM").
double StatusMb(const char* field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kb = 0;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, field, std::strlen(field)) == 0) kb = std::atof(line + std::strlen(field) + 1);
  }
  std::fclose(f);
  return kb / 1024.0;
}

// CPU seconds (user and system) of every thread of the process so far.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

// Resets VmHWM to the current resident size (Linux: clear_refs 5).
void ResetPeak() {
  if (FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
}

engine::Seconds Now() { return catalog::kDefaultCatalogStart - 86400; }

void Load(Engine* e, catalog::Catalog catalog) {
  std::vector<engine::BatchOp> ops;
  for (auto& p : catalog.platforms) ops.push_back({engine::BatchOp::Kind::kPut, p.id, std::move(p)});
  for (auto& c : catalog.capabilities) ops.push_back({engine::BatchOp::Kind::kPut, c.id, std::move(c)});
  for (auto& r : catalog.requests) ops.push_back({engine::BatchOp::Kind::kPut, r.id, std::move(r)});
  std::vector<engine::BatchError> errors;
  if (!e->ApplyBatch(std::move(ops), Now(), &errors).ok()) std::abort();
}

AllocationPlan PlanOrDie(const Engine& e, std::size_t limit, std::size_t candidates) {
  AllocationSelect select;
  select.limit = limit;
  AllocationOptions options;
  options.now = Now();
  options.candidates = candidates;
  options.threads = std::max(1u, std::thread::hardware_concurrency());
  auto plan = e.PlanAllocation(select, options);
  if (!plan.ok()) std::abort();
  return std::move(plan).value();
}

void Report(benchmark::State& state, const AllocationPlan& plan) {
  state.counters["requests"] = static_cast<double>(plan.requests);
  state.counters["pairs"] = static_cast<double>(plan.candidate_pairs);
  state.counters["read_s"] = plan.read_seconds;
  state.counters["solve_s"] = plan.solve_seconds;
  state.counters["placed"] = static_cast<double>(plan.totals.placed);
  state.counters["score"] = plan.totals.score;
  state.counters["fc_placed"] = static_cast<double>(plan.first_come.placed);
  state.counters["fc_score"] = plan.first_come.score;
  state.counters["bf_placed"] = static_cast<double>(plan.best_first.placed);
  state.counters["bf_score"] = plan.best_first.score;
  state.counters["upper_bound"] = plan.upper_bound;
  state.counters["gap_pct"] = plan.upper_bound > 0 ? 100 * (plan.upper_bound - plan.totals.score) / plan.upper_bound : 0;
  state.counters["fc_loss_pct"] = plan.totals.score > 0 ? 100 * (1 - plan.first_come.score / plan.totals.score) : 0;
  state.counters["bf_loss_pct"] = plan.totals.score > 0 ? 100 * (1 - plan.best_first.score / plan.totals.score) : 0;
}

void BM_Plan(benchmark::State& state) {
  const auto capabilities = static_cast<std::size_t>(state.range(0));
  const auto requests = static_cast<std::size_t>(state.range(1));
  Engine e;
  {
    catalog::CatalogSpec spec;
    spec.capabilities = capabilities;
    spec.requests = requests;
    Load(&e, catalog::GenerateCatalog(spec));
  }
  const double engine_mb = StatusMb("VmRSS");
  for (auto _ : state) {
    ResetPeak();
    const double before = StatusMb("VmRSS");
    const double cpu = CpuSeconds();
    const auto start = std::chrono::steady_clock::now();
    const AllocationPlan plan = PlanOrDie(e, requests, 16);
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    state.counters["cpu_s"] = CpuSeconds() - cpu;
    state.counters["peak_mb"] = StatusMb("VmHWM") - before;
    Report(state, plan);
  }
  state.counters["process_mb"] = engine_mb;
}
BENCHMARK(BM_Plan)
    ->Args({100000, 10000})
    ->Args({1000000, 100000})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// The study leaf with the most capabilities, and the engine holding a 20k
// catalogue's platforms and capabilities (no requests).
struct Market {
  Engine engine;
  std::string leaf;
  engine::Stage stage = engine::Stage::kPreclinical;
  std::int64_t supply = 0;  // free units of the leaf's capabilities
  std::size_t capabilities = 0;
};

// The market with requests for `ratio` times its supply, made once per ratio.
Market& Scarce(int ratio) {
  static std::map<int, std::unique_ptr<Market>> cache;
  auto& m = cache[ratio];
  if (m) return *m;
  m = std::make_unique<Market>();
  catalog::CatalogSpec spec;
  spec.capabilities = 20000;
  catalog::Catalog catalog = catalog::GenerateCatalog(spec);
  catalog.requests.clear();
  std::map<std::string, std::size_t> per_leaf;
  for (const auto& c : catalog.capabilities) {
    if (c.unit == engine::Unit::kStudy) ++per_leaf[c.category];
  }
  m->leaf = std::max_element(per_leaf.begin(), per_leaf.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
  for (const auto& leaf : catalog::Taxonomy()) {
    if (leaf.path == m->leaf) m->stage = leaf.primary_stage;
  }
  for (const auto& c : catalog.capabilities) {
    if (c.category != m->leaf) continue;
    ++m->capabilities;
    for (const auto& s : c.slots) m->supply += s.units;
  }
  Load(&m->engine, std::move(catalog));
  // Generated study requests (their windows, places, qualifications and
  // texts), moved into the leaf; budgets dropped, as they were priced for
  // another leaf.
  spec.infeasible_share = 0;
  std::int64_t demand = 0;
  std::size_t made = 0;
  for (std::uint64_t seed = 1; demand < ratio * m->supply; ++seed) {
    for (engine::Request& r : catalog::GenerateQueries(spec, 2000, seed)) {
      if (r.unit != engine::Unit::kStudy || demand >= ratio * m->supply) continue;
      r.id = "r-" + std::to_string(++made);
      r.category = m->leaf;
      r.stage = m->stage;
      r.budget_max.reset();
      demand += r.quantity;
      if (!m->engine.PutRequest(std::move(r), Now() + static_cast<engine::Seconds>(made)).ok()) std::abort();
    }
  }
  return *m;
}

void BM_Scarce(benchmark::State& state) {
  Market& m = Scarce(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    const AllocationPlan plan = PlanOrDie(m.engine, engine::kMaxAllocationRequests, 16);
    Report(state, plan);
  }
  state.counters["supply_units"] = static_cast<double>(m.supply);
  state.counters["capabilities"] = static_cast<double>(m.capabilities);
  state.SetLabel(m.leaf);
}
BENCHMARK(BM_Scarce)->Arg(1)->Arg(4)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Candidates(benchmark::State& state) {
  Market& m = Scarce(4);
  static const double all = PlanOrDie(m.engine, engine::kMaxAllocationRequests, engine::kMaxAllocationCandidates).totals.score;
  for (auto _ : state) {
    const AllocationPlan plan = PlanOrDie(m.engine, engine::kMaxAllocationRequests, static_cast<std::size_t>(state.range(0)));
    Report(state, plan);
    state.counters["score_vs_all"] = plan.totals.score / all;
  }
}
BENCHMARK(BM_Candidates)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Arg(16)->Arg(64)->Arg(1000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace biomatch

BENCHMARK_MAIN();
