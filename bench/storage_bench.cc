// Storage benchmarks: durable single-entity writes with 1, 8 and 32 concurrent
// writers in fsync and os modes (group commit), recovery time at 100k and 1M
// capabilities, and bulk load of the generator's NDJSON (parse, validate,
// index, persist) in MB/s.
//
//   build/bench/storage_bench --benchmark_filter=DurableWrites
// Data directories go under $BIOMATCH_BENCH_DIR (default /tmp).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>

#include "biomatch/catalog/catalog.h"
#include "biomatch/engine/engine.h"
#include "biomatch/server/json_codec.h"
#include "biomatch/storage/store.h"

namespace biomatch {
namespace {

namespace fs = std::filesystem;
using engine::Engine;
using storage::Store;

fs::path FreshDir(const std::string& name) {
  const char* base = std::getenv("BIOMATCH_BENCH_DIR");
  fs::path dir = fs::path(base ? base : "/tmp") / ("biomatch-bench-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

std::unique_ptr<Store> OpenStore(const fs::path& dir, Engine* e, storage::Durability durability,
                                 storage::OpenStats* stats = nullptr) {
  storage::Options o;
  o.dir = dir.string();
  o.durability = durability;
  auto opened = Store::Open(o, e, engine::NowSeconds(), stats);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    std::abort();
  }
  return std::move(opened).value();
}

// N writer threads each PUT requests and wait until each is durable.
void BM_DurableWrites(benchmark::State& state) {
  const int writers = static_cast<int>(state.range(0));
  const auto durability = state.range(1) == 0 ? storage::Durability::kFsync : storage::Durability::kOs;
  const fs::path dir = FreshDir("writes");
  Engine e;
  auto store = OpenStore(dir, &e, durability);
  catalog::CatalogSpec spec;
  spec.capabilities = 100;
  const catalog::Catalog catalog = catalog::GenerateCatalog(spec);
  std::uint64_t total = 0;
  for (auto _ : state) {
    std::atomic<std::uint64_t> done{0};
    std::vector<std::thread> threads;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    for (int t = 0; t < writers; ++t) {
      threads.emplace_back([&, t] {
        engine::Request r = catalog.requests[static_cast<std::size_t>(t) % catalog.requests.size()];
        for (std::uint64_t i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
          r.id = "w" + std::to_string(t) + "-" + std::to_string(i);
          if (!e.PutRequest(r, engine::NowSeconds()).ok()) std::abort();
          if (!store->WaitDurable(Store::TakeThreadTicket()).ok()) std::abort();
          ++done;
        }
      });
    }
    for (auto& th : threads) th.join();
    total += done.load();
  }
  state.counters["writes_per_s"] = benchmark::Counter(static_cast<double>(total), benchmark::Counter::kIsRate);
  store.reset();
  fs::remove_all(dir);
}
BENCHMARK(BM_DurableWrites)
    ->ArgsProduct({{1, 8, 32}, {0, 1}})
    ->ArgNames({"writers", "os_mode"})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Writes a catalogue of N capabilities once, then times opening it.
void BM_Recovery(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const fs::path dir = FreshDir("recovery-" + std::to_string(n));
  {
    catalog::CatalogSpec spec;
    spec.capabilities = n;
    const catalog::Catalog catalog = catalog::GenerateCatalog(spec);
    Engine e;
    auto store = OpenStore(dir, &e, storage::Durability::kOs);
    const engine::Seconds now = spec.start - 86400;
    for (const auto& p : catalog.platforms) (void)e.PutPlatform(p, now);
    for (const auto& c : catalog.capabilities) (void)e.PutCapability(c, now);
    for (const auto& r : catalog.requests) (void)e.PutRequest(r, now);
    (void)store->WaitDurable(Store::TakeThreadTicket());
  }
  storage::OpenStats stats;
  for (auto _ : state) {
    Engine e;
    auto store = OpenStore(dir, &e, storage::Durability::kFsync, &stats);
    state.SetIterationTime(stats.seconds);
  }
  state.counters["capabilities"] = static_cast<double>(stats.capabilities);
  state.counters["requests"] = static_cast<double>(stats.requests);
  fs::remove_all(dir);
}
BENCHMARK(BM_Recovery)->Arg(100'000)->Arg(1'000'000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

// The generator's NDJSON for N capabilities, in memory.
std::string CatalogNdjson(std::size_t capabilities) {
  catalog::CatalogSpec spec;
  spec.capabilities = capabilities;
  const catalog::Catalog c = catalog::GenerateCatalog(spec);
  std::string out;
  for (const auto& p : c.platforms) server::AppendBulkPutLine(p, &out);
  for (const auto& x : c.capabilities) server::AppendBulkPutLine(x, &out);
  for (const auto& r : c.requests) server::AppendBulkPutLine(r, &out);
  return out;
}

// Bulk load as POST /v1/bulk does it: parse every NDJSON line, validate,
// apply all-or-nothing batches of 10,000 lines, persist (fsync), with events.
void BM_BulkLoad(benchmark::State& state) {
  const std::string ndjson = CatalogNdjson(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    const fs::path dir = FreshDir("bulk");
    Engine e;
    storage::Options o;
    o.dir = dir.string();
    o.event_maker = [](const engine::ChangeSet& c, const engine::ChangeContext&) {
      std::vector<storage::EventDraft> events;
      for (const auto& x : c.capabilities) events.push_back({"capability.created", x.id});
      return events;
    };
    auto store = std::move(Store::Open(o, &e, engine::NowSeconds()).value());
    server::JsonReader reader(8u << 20);
    const auto start = std::chrono::steady_clock::now();
    std::vector<engine::BatchOp> ops;
    std::vector<engine::BatchError> errors;
    std::uint64_t last_ticket = 0;
    auto flush = [&] {
      if (ops.empty()) return;
      if (!e.ApplyBatch(std::move(ops), engine::NowSeconds(), &errors).ok()) std::abort();
      last_ticket = Store::TakeThreadTicket();
      ops.clear();
    };
    for (std::size_t pos = 0; pos < ndjson.size();) {
      const std::size_t nl = ndjson.find('\n', pos);
      engine::BatchOp op;
      if (!reader.ReadBulkLine(std::string_view(ndjson).substr(pos, nl - pos), &op).ok()) std::abort();
      ops.push_back(std::move(op));
      if (ops.size() == 10000) flush();
      pos = nl + 1;
    }
    flush();
    if (!store->WaitDurable(last_ticket).ok()) std::abort();
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    store.reset();
    fs::remove_all(dir);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(ndjson.size()) * state.iterations());
  state.counters["ndjson_mb"] = static_cast<double>(ndjson.size()) / (1 << 20);
}
BENCHMARK(BM_BulkLoad)->Arg(100'000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace biomatch

BENCHMARK_MAIN();
