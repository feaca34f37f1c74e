// Percolation: events matched against 100,000 standing subscriptions on one
// core, through the index (BM_Percolate) and by checking every subscription
// (BM_PercolateEveryFilter) for comparison. The events are those the server
// derives from a generated catalogue (capability.created, request.created,
// match.found with the match watch on), stored form included: each
// iteration decodes an event's facets and finds its subscriptions, as the
// stream hub does.
//
//   build/bench/percolator_bench --benchmark_filter=Percolate
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "biomatch/catalog/catalog.h"
#include "biomatch/engine/engine.h"
#include "events.h"
#include "subscription_book.h"

namespace biomatch {
namespace {

using server::EventFacets;
using server::Subscription;

struct Event {
  std::string type;
  std::string body;
};

// The events of loading a catalogue, in commit order.
std::vector<Event> CatalogueEvents() {
  catalog::CatalogSpec spec;
  spec.capabilities = 20000;
  spec.requests = 4000;
  catalog::Catalog catalog = catalog::GenerateCatalog(spec);
  engine::Engine e;
  e.SetMatchWatch({true, 0.5, 10});
  std::vector<Event> events;
  e.SetChangeObserver([&](const engine::ChangeSet& c, const engine::ChangeContext& context) {
    for (auto& draft : server::EventsOf(c, context)) events.push_back({std::move(draft.type), std::move(draft.body)});
  });
  const engine::Seconds now = spec.start - 86400;
  for (auto& p : catalog.platforms) (void)e.PutPlatform(std::move(p), now);
  for (auto& c : catalog.capabilities) (void)e.PutCapability(std::move(c), now);
  for (auto& r : catalog.requests) (void)e.PutRequest(std::move(r), now);
  std::erase_if(events, [](const Event& x) { return x.type == "platform.updated"; });
  return events;
}

// Subscriptions as agencies would hold them: their field of the taxonomy
// (a top-level field, a discipline or a single service) and their province
// or city, for one or two event types; sometimes stages, keywords, a
// minimum score or the ids of platforms or requesters they broker for.
std::vector<Subscription> Subscriptions(std::size_t n) {
  std::mt19937_64 rng(2026);
  const auto taxonomy = catalog::Taxonomy();
  catalog::CatalogSpec spec;
  spec.capabilities = 2000;
  const catalog::Catalog sample = catalog::GenerateCatalog(spec);
  const std::vector<std::vector<std::string>> type_sets = {
      {"request.created"}, {"match.found"}, {"capability.created"}, {"request.created", "match.found"},
      {"capability.created", "capability.updated"}, {"match.found", "request.created", "capability.created"}};
  // The first `segments` segments of a path.
  auto prefix = [](std::string_view path, std::size_t segments) {
    std::size_t end = 0;
    for (std::size_t s = 0; s < segments; ++s) {
      end = path.find('/', s == 0 ? 0 : end + 1);
      if (end == std::string_view::npos) return std::string(path);
    }
    return std::string(path.substr(0, end));
  };
  std::vector<Subscription> subs(n);
  for (std::size_t i = 0; i < n; ++i) {
    Subscription& s = subs[i];
    s.id = "s-" + std::to_string(i);
    s.owner = "agency-" + std::to_string(i % 300);
    if (rng() % 20 != 0) s.types = type_sets[rng() % type_sets.size()];
    const catalog::TaxonomyLeaf& leaf = taxonomy[rng() % taxonomy.size()];
    const std::uint64_t depth = rng() % 20;
    s.category = prefix(leaf.path, depth < 2 ? 1 : depth < 11 ? 2 : 3);
    if (rng() % 20 < 17) {
      const std::string& region = sample.platforms[rng() % sample.platforms.size()].region;
      s.region = prefix(region, rng() % 5 < 3 ? 2 : 3);
    }
    if (rng() % 5 == 0) s.stages = leaf.stages;
    if (rng() % 7 == 0) {
      const std::string_view title = leaf.title_en;
      s.keywords = {std::string(title.substr(0, title.find(' ')))};
    }
    if (rng() % 3 == 0) s.min_score = 0.5 + static_cast<double>(rng() % 40) / 100.0;
    if (rng() % 40 == 0) s.platform_ids = {sample.platforms[rng() % sample.platforms.size()].id};
    if (rng() % 40 == 0) s.requester_ids = {"org-" + std::to_string(rng() % 5000)};
  }
  return subs;
}

struct Fixture {
  std::vector<Event> events = CatalogueEvents();
  server::SubscriptionBook book;
  server::Percolator everything;  // only for the filters: BM_PercolateEveryFilter walks them all
  std::vector<std::string> ids;
  Fixture() {
    for (Subscription& s : Subscriptions(100000)) {
      ids.push_back(s.id);
      everything.Put(std::make_shared<const Subscription>(s));
      book.Put(std::move(s));
    }
  }
};

Fixture& Get() {
  static Fixture fixture;
  return fixture;
}

void BM_Percolate(benchmark::State& state) {
  Fixture& f = Get();
  std::size_t i = 0, total = 0;
  EventFacets facets;
  for (auto _ : state) {
    const Event& e = f.events[i++ % f.events.size()];
    std::string_view data;
    if (!server::DecodeEventBody(e.body, &facets, &data).ok()) state.SkipWithError("undecodable event");
    f.book.Match(e.type, facets, [&](const Subscription&) { ++total; });
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["subscriptions"] = static_cast<double>(f.book.size());
  state.counters["matches_per_event"] = static_cast<double>(total) / static_cast<double>(state.iterations());
  state.counters["events"] = static_cast<double>(f.events.size());
}

void BM_PercolateEveryFilter(benchmark::State& state) {
  Fixture& f = Get();
  std::size_t i = 0, total = 0;
  for (auto _ : state) {
    const Event& e = f.events[i++ % f.events.size()];
    EventFacets facets;
    std::string_view data;
    if (!server::DecodeEventBody(e.body, &facets, &data).ok()) state.SkipWithError("undecodable event");
    const std::size_t type = server::EventTypeIndex(e.type);
    for (const std::string& id : f.ids) {
      const server::CompiledFilter* filter = f.everything.Find(id);
      total += filter->TakesType(type) && filter->Passes(e.type, facets);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["matches_per_event"] = static_cast<double>(total) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_Percolate)->MinTime(3.0);
BENCHMARK(BM_PercolateEveryFilter)->MinTime(3.0);

}  // namespace
}  // namespace biomatch

BENCHMARK_MAIN();
