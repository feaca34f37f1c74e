// The indexed matcher returns exactly what the brute-force scan returns: same
// feasible count, same rejection counts, same ranked top-k with the same
// scores, over random catalogues, random queries and random changes.
#include <random>

#include <gtest/gtest.h>

#include "biomatch/catalog/catalog.h"
#include "biomatch/engine/engine.h"
#include "testutil.h"

namespace biomatch::engine {
namespace {

void ExpectSameResult(const MatchResult& indexed, const MatchResult& brute, std::size_t query) {
  ASSERT_EQ(indexed.feasible, brute.feasible) << "query " << query;
  ASSERT_EQ(indexed.rejected, brute.rejected) << "query " << query;
  ASSERT_EQ(indexed.matches.size(), brute.matches.size()) << "query " << query;
  for (std::size_t i = 0; i < indexed.matches.size(); ++i) {
    ASSERT_EQ(indexed.matches[i], brute.matches[i]) << "query " << query << " rank " << i;
  }
}

class MatcherEquivalenceTest : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(MatcherEquivalenceTest, IndexedEqualsBruteForce) {
  const std::uint64_t seed = GetParam();
  catalog::CatalogSpec spec;
  spec.seed = seed;
  spec.capabilities = 3000;
  const catalog::Catalog catalog = catalog::GenerateCatalog(spec);
  const Seconds now = spec.start - 86400;

  Engine engine;
  for (const Platform& p : catalog.platforms) ASSERT_TRUE(engine.PutPlatform(p, now).ok());
  for (const Capability& c : catalog.capabilities) ASSERT_TRUE(engine.PutCapability(c, now).ok());
  for (const Request& r : catalog.requests) ASSERT_TRUE(engine.PutRequest(r, now).ok());

  // Random changes, so the indexes have seen updates, deletes and holds.
  std::mt19937_64 rng(seed);
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

INSTANTIATE_TEST_SUITE_P(Seeds, MatcherEquivalenceTest, ::testing::Values(1, 2, 3));

}  // namespace
}  // namespace biomatch::engine
