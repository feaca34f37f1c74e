#include <gtest/gtest.h>

#include "biomatch/engine/engine.h"
#include "testutil.h"

namespace biomatch::engine {
namespace {

using biomatch::testing::MakeCapability;
using biomatch::testing::MakePlatform;
using biomatch::testing::MakeRequest;
using biomatch::testing::Now;
using biomatch::testing::T;

TEST(StatsTest, OverviewCountsEntitiesAndUnits) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c2", "p1"), Now()).ok());
  ASSERT_TRUE(e.PutRequest(MakeRequest("r1"), Now()).ok());
  ASSERT_TRUE(e.PutRequest(MakeRequest("r2"), Now()).ok());
  ASSERT_TRUE(e.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now()).ok());
  ASSERT_TRUE(e.Hold({"h2", "r2", "c2", std::nullopt, 900}, Now()).ok());
  ASSERT_TRUE(e.Confirm("h2", Now()).ok());
  const Overview o = e.GetOverview();
  EXPECT_EQ(o.platforms, 1u);
  EXPECT_EQ(o.capabilities, 2u);
  EXPECT_EQ(o.requests, 2u);
  EXPECT_EQ(o.open_requests, 0u);
  EXPECT_EQ(o.held_reservations, 1u);
  EXPECT_EQ(o.confirmed_reservations, 1u);
  EXPECT_EQ(o.offered_units, 6);
  EXPECT_EQ(o.reserved_units, 2);
}

TEST(StatsTest, BalanceGroupsDemandAndSupply) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  Request matched = MakeRequest("r1");
  matched.region = "CN/SC/chengdu";
  Request unmatched = MakeRequest("r2");
  unmatched.budget_max = 1;
  Request other = MakeRequest("r3");
  other.category = "analysis/nmr";
  for (const Request& r : {matched, unmatched, other}) ASSERT_TRUE(e.PutRequest(r, Now()).ok());

  const auto rows = e.Balance(GroupBy::kCategory, 2, T("2026-11-30T00:00:00Z"), T("2027-02-01T00:00:00Z"), Now());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].group, "analysis/nmr");
  EXPECT_EQ(rows[0].open_requests, 1u);
  EXPECT_EQ(rows[0].unmatched_requests, 1u);
  EXPECT_EQ(rows[0].supply_units, 0);
  EXPECT_EQ(rows[1].group, "preclinical/safety");
  EXPECT_EQ(rows[1].demand_units, 2);
  EXPECT_EQ(rows[1].supply_units, 3);
  EXPECT_EQ(rows[1].unmatched_requests, 1u);

  const auto by_region = e.Balance(GroupBy::kRegion, 2, Now(), T("2027-02-01T00:00:00Z"), Now());
  ASSERT_EQ(by_region.size(), 2u);
  EXPECT_EQ(by_region[0].group, "CN/SC");
  EXPECT_EQ(by_region[0].open_requests, 1u);
  EXPECT_EQ(by_region[0].supply_units, 3);
  EXPECT_EQ(by_region[1].group, "unknown");
  EXPECT_EQ(by_region[1].open_requests, 2u);
}

TEST(StatsTest, UtilizationIsReservedOverOffered) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  ASSERT_TRUE(e.PutRequest(MakeRequest("r1"), Now()).ok());
  ASSERT_TRUE(e.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now()).ok());
  const auto rows = e.Utilization(GroupBy::kPlatform, 2, T("2026-12-01T00:00:00Z"), T("2027-01-01T00:00:00Z"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].group, "p1");
  EXPECT_EQ(rows[0].offered_units, 3);
  EXPECT_EQ(rows[0].reserved_units, 1);
  EXPECT_TRUE(e.Utilization(GroupBy::kCategory, 2, T("2027-01-01T00:00:00Z"), T("2027-02-01T00:00:00Z"))[0].offered_units == 0);
}

}  // namespace
}  // namespace biomatch::engine
