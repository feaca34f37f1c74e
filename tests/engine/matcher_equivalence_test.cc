// The indexed matcher returns exactly what the brute-force scan returns: same
// feasible count, same rejection counts, same ranked top-k with the same
// scores, over random catalogues, random queries and random changes.
#include <map>
#include <random>
#include <span>
#include <tuple>

#include <gtest/gtest.h>

#include "biomatch/catalog/catalog.h"
#include "biomatch/engine/engine.h"
#include "replicas.h"
#include "state.h"
#include "testutil.h"

namespace biomatch::engine {

// Reads the engine's state directly (a friend of Engine).
class EngineTestAccess {
 public:
  static const Replicas* State(const Engine& e) { return e.replicas_.get(); }
};

namespace {

void ExpectSameResult(const MatchResult& indexed, const MatchResult& brute, std::size_t query) {
  ASSERT_EQ(indexed.feasible, brute.feasible) << "query " << query;
  ASSERT_EQ(indexed.rejected, brute.rejected) << "query " << query;
  ASSERT_EQ(indexed.matches.size(), brute.matches.size()) << "query " << query;
  for (std::size_t i = 0; i < indexed.matches.size(); ++i) {
    ASSERT_EQ(indexed.matches[i], brute.matches[i]) << "query " << query << " rank " << i;
  }
}

// A generated catalogue of 3,000 capabilities in `engine`, then random
// changes, so the indexes have seen updates, deletes and holds.
void LoadChangedCatalogue(Engine& engine, const catalog::CatalogSpec& spec, const catalog::Catalog& catalog,
                          std::mt19937_64& rng) {
  const Seconds now = spec.start - 86400;
  for (const Platform& p : catalog.platforms) ASSERT_TRUE(engine.PutPlatform(p, now).ok());
  for (const Capability& c : catalog.capabilities) ASSERT_TRUE(engine.PutCapability(c, now).ok());
  for (const Request& r : catalog.requests) ASSERT_TRUE(engine.PutRequest(r, now).ok());

  for (std::size_t i = 0; i < catalog.capabilities.size() / 20; ++i) {
    const Capability& c = catalog.capabilities[rng() % catalog.capabilities.size()];
    switch (rng() % 4) {
      case 0:
        (void)engine.DeleteCapability(c.id);
        break;
      case 3: {
        // A calendar of every other slot, shifted a day later.
        std::vector<Slot> slots;
        for (std::size_t k = 0; k < c.slots.size(); k += 2) {
          slots.push_back({c.slots[k].start + 86400, c.slots[k].end + 86400, c.slots[k].units + 1, 0});
        }
        (void)engine.ReplaceSlots(c.id, slots, now);
        break;
      }
      case 1: {
        Capability moved = c;
        moved.category = catalog.capabilities[rng() % catalog.capabilities.size()].category;
        moved.stages = static_cast<StageSet>(1 + rng() % 31);
        (void)engine.PutCapability(moved, now);
        break;
      }
      default: {
        const Request& r = catalog.requests[rng() % catalog.requests.size()];
        (void)engine.Hold({"h" + std::to_string(i), r.id, c.id, std::nullopt, 900}, now);
      }
    }
  }
  for (std::size_t i = 0; i < catalog.platforms.size() / 10; ++i) {
    Platform p = catalog.platforms[rng() % catalog.platforms.size()];
    p.open = !p.open;
    ASSERT_TRUE(engine.PutPlatform(p, now).ok());
  }
}

class MatcherEquivalenceTest : public ::testing::TestWithParam<std::uint64_t> {
 protected:
  void SetUp() override {
    spec.seed = GetParam();
    spec.capabilities = 3000;
    catalog = catalog::GenerateCatalog(spec);
    LoadChangedCatalogue(engine, spec, catalog, rng);
  }

  catalog::CatalogSpec spec;
  catalog::Catalog catalog;
  std::mt19937_64 rng{GetParam()};
  Engine engine;
};

TEST_P(MatcherEquivalenceTest, IndexedEqualsBruteForce) {
  const std::uint64_t seed = GetParam();
  const Seconds now = spec.start - 86400;
  const std::vector<Request> queries = catalog::GenerateQueries(spec, 1000, seed + 1);
  std::size_t with_matches = 0;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const MatchOptions options{now + static_cast<Seconds>(rng() % (30 * 86400)), 1 + rng() % 20, true};
    auto indexed = engine.Match(queries[i], options);
    auto brute = engine.BruteForceMatch(queries[i], options);
    ASSERT_TRUE(indexed.ok()) << indexed.status().ToString();
    ASSERT_TRUE(brute.ok());
    ExpectSameResult(*indexed, *brute, i);
    with_matches += indexed->feasible > 0;
  }
  // The comparison means something only if many queries do match.
  EXPECT_GT(with_matches, queries.size() / 3);
  EXPECT_LT(with_matches, queries.size()) << "some queries should have no match";
}

// The batch search (allocation's) returns for each stored request exactly
// the top matches of its own search, and so does a search that skips the
// calendars of pairs that cannot rank.
TEST_P(MatcherEquivalenceTest, BatchEqualsOneSearchEach) {
  const Seconds now = spec.start - 86400 + static_cast<Seconds>(rng() % (10 * 86400));
  const Replicas::Read s(*EngineTestAccess::State(engine));
  // Stored requests grouped as a batch needs them: same node, depth, unit and stage.
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint16_t, Unit, Stage>, std::vector<QueryPlan>> groups;
  for (const Request& r : catalog.requests) {
    if (const auto idx = s->requests.Find(r.id)) {
      const QueryPlan& q = s->requests.at(*idx).plan;
      groups[{q.node, q.deepest_prefix, q.depth, q.unit, q.stage}].push_back(q);
    }
  }
  std::size_t compared = 0, with_matches = 0;
  for (const std::size_t limit : {1, 5, 16}) {
    const MatchOptions one{now, limit, false};
    MatchOptions pruned = one;
    pruned.count_feasible = false;
    for (const auto& [key, plans] : groups) {
      for (std::size_t first = 0; first < plans.size(); first += 7) {
        const std::span<const QueryPlan> batch(plans.data() + first, std::min<std::size_t>(7, plans.size() - first));
        const std::vector<MatchResult> together = RunIndexedBatch(*s, batch, pruned);
        ASSERT_EQ(together.size(), batch.size());
        for (std::size_t i = 0; i < batch.size(); ++i) {
          const MatchResult alone = RunIndexed(*s, batch[i], one);
          ASSERT_EQ(together[i].matches, alone.matches) << "limit " << limit << ", request " << i << " of a batch";
          ASSERT_EQ(RunIndexed(*s, batch[i], pruned).matches, alone.matches) << "limit " << limit;
          ++compared;
          with_matches += !alone.matches.empty();
        }
      }
    }
  }
  EXPECT_GT(with_matches, compared / 3) << "too few requests match for the comparison to mean much";
}

INSTANTIATE_TEST_SUITE_P(Seeds, MatcherEquivalenceTest, ::testing::Values(1, 2, 3));

}  // namespace
}  // namespace biomatch::engine
