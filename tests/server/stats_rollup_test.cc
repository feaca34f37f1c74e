#include "stats_rollup.h"

#include <gtest/gtest.h>

#include "biomatch/engine/time.h"
#include "biomatch/storage/store.h"
#include "events.h"
#include "testutil.h"

namespace biomatch::server {
namespace {

using biomatch::testing::MakePlatform;
using biomatch::testing::MakeRequest;
using biomatch::testing::TempDir;
using engine::Seconds;

constexpr Seconds kDay = 86400;

class StatsRollupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::Options so;
    so.dir = (dir_.path() / "data").string();
    so.event_maker = EventsOf;
    auto store = storage::Store::Open(so, &engine_, engine::NowSeconds());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override { store_.reset(); }

  // Commits one event of `type` with request facets, `days` before today.
  void Past(int days, const std::string& type, const std::string& data, const std::string& category = "a/b",
            const std::string& region = "CN/SC") {
    EventFacets f;
    f.category = category;
    f.region = region;
    ASSERT_TRUE(store_->WaitDurable(store_->Submit({}, {}, {{type, EncodeEventBody(f, data)}}, today_ - days * kDay)).ok());
  }
  void Durable() { ASSERT_TRUE(store_->WaitDurable(storage::Store::TakeThreadTicket()).ok()); }

  std::vector<std::int64_t> Values(const StatsRollup& rollup, SeriesMetric metric, std::string category = "",
                                   std::string region = "") {
    SeriesQuery q;
    q.metric = metric;
    q.from = today_ - 3 * kDay;
    q.to = today_ + kDay;
    q.category = std::move(category);
    q.region = std::move(region);
    std::vector<std::int64_t> values;
    for (const SeriesPoint& p : rollup.Series(q)) values.push_back(p.value);
    return values;
  }

  TempDir dir_;
  engine::Engine engine_;
  std::unique_ptr<storage::Store> store_;
  const Seconds today_ = engine::NowSeconds() / kDay * kDay;
};

TEST_F(StatsRollupTest, CountsTheEventsPerDayAndFollowsNewOnes) {
  Past(3, "request.created", R"({"id":"x1"})");
  Past(3, "request.created", R"({"id":"x2"})");
  Past(3, "request.created", R"({"id":"x3"})", "a/bc");
  Past(3, "request.unmet", R"({"request_id":"x2","unmet":true})");
  Past(2, "request.matched", R"({"request_id":"x1"})");
  Past(2, "reservation.created", R"({"id":"h1","request_id":"x1","quantity":4})");
  Past(1, "request.matched", R"({"request_id":"x1"})");  // again after a restart: counted once
  Past(1, "request.unmet", R"({"request_id":"x2","unmet":false})");
  Past(1, "request.matched", R"({"request_id":"x2"})");
  Past(1, "reservation.completed", R"({"id":"h1","request_id":"x1","quantity":3})");
  // Today, through the engine: r1 has no capability (unmet).
  ASSERT_TRUE(engine_.PutPlatform(MakePlatform("p1"), engine::NowSeconds()).ok());
  engine::Request r1 = MakeRequest("r1");
  r1.category = "a/b/c";
  r1.region = "CN/SC/chengdu";
  ASSERT_TRUE(engine_.PutRequest(r1, engine::NowSeconds()).ok());
  Durable();

  auto built = StatsRollup::Build(*store_, engine_);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  const StatsRollup& rollup = **built;
  EXPECT_EQ(rollup.history_from(), today_ - 3 * kDay);
  using V = std::vector<std::int64_t>;
  EXPECT_EQ(Values(rollup, SeriesMetric::kRequestsCreated), (V{3, 0, 0, 1}));
  EXPECT_EQ(Values(rollup, SeriesMetric::kRequestsCreated, "a/b"), (V{2, 0, 0, 1})) << "whole segments";
  EXPECT_EQ(Values(rollup, SeriesMetric::kRequestsCreated, "", "CN/SC/chengdu"), (V{0, 0, 0, 1}));
  EXPECT_EQ(Values(rollup, SeriesMetric::kRequestsMatched), (V{0, 1, 1, 0}));
  EXPECT_EQ(Values(rollup, SeriesMetric::kUnitsReserved), (V{0, 4, 0, 0}));
  EXPECT_EQ(Values(rollup, SeriesMetric::kUnitsCompleted), (V{0, 0, 3, 0}));
  EXPECT_EQ(Values(rollup, SeriesMetric::kUnmatchedRequests), (V{1, 1, 0, 1}));
  EXPECT_EQ(Values(rollup, SeriesMetric::kUnmatchedRequests, "a/b/c"), (V{0, 0, 0, 1}));

  // r1 cancelled: it leaves unmet demand, today.
  const std::uint64_t seen = store_->last_seq();
  ASSERT_TRUE(engine_.CancelRequest("r1", engine::NowSeconds()).ok());
  Durable();
  std::vector<storage::Event> more;
  ASSERT_TRUE(store_->ReadEvents(seen + 1, [&](const storage::Event& e) {
    more.push_back(e);
    return true;
  }).ok());
  (*built)->Add(more);
  EXPECT_EQ(Values(rollup, SeriesMetric::kUnmatchedRequests), (V{1, 1, 0, 0}));

  // Built again from the same log and engine (a restart): the same series.
  auto again = StatsRollup::Build(*store_, engine_);
  ASSERT_TRUE(again.ok());
  for (int m = 0; m < kSeriesMetricCount; ++m) {
    EXPECT_EQ(Values(**again, static_cast<SeriesMetric>(m)), Values(rollup, static_cast<SeriesMetric>(m)))
        << ToString(static_cast<SeriesMetric>(m));
  }
}

TEST_F(StatsRollupTest, WeeksSumTheirDays) {
  Past(3, "request.created", R"({"id":"x1"})");
  Past(1, "request.created", R"({"id":"x2"})");
  auto built = StatsRollup::Build(*store_, engine_);
  ASSERT_TRUE(built.ok());
  SeriesQuery q;
  q.step_days = 7;
  q.from = today_ - 3 * kDay;
  q.to = today_ + 8 * kDay;
  const std::vector<SeriesPoint> points = (*built)->Series(q);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].t, today_ - 3 * kDay);
  EXPECT_EQ(points[0].value, 2);
  EXPECT_EQ(points[1].t, today_ + 4 * kDay);
  EXPECT_EQ(points[1].value, 0);
}

TEST(SeriesQueryTest, NamesTheBadParameter) {
  const Seconds now = biomatch::testing::Now();
  EXPECT_EQ(ParseSeriesQuery({}, now).status().field(), "metric");
  EXPECT_EQ(ParseSeriesQuery({{"metric", "units"}}, now).status().field(), "metric");
  EXPECT_EQ(ParseSeriesQuery({{"metric", "units_reserved"}, {"step", "month"}}, now).status().field(), "step");
  EXPECT_EQ(ParseSeriesQuery({{"metric", "units_reserved"}, {"from", "yesterday"}}, now).status().field(), "from");
  EXPECT_EQ(ParseSeriesQuery({{"metric", "units_reserved"}, {"from", "2021-01-01T00:00:00Z"}, {"to", "2020-01-01T00:00:00Z"}}, now).status().field(), "to");
  EXPECT_EQ(ParseSeriesQuery({{"metric", "units_reserved"}, {"from", "1990-01-01T00:00:00Z"}}, now).status().field(),
            "from") << "too many steps";
  const auto q = ParseSeriesQuery({{"metric", "unmatched_requests"}, {"step", "week"}, {"from", "2026-11-02T10:00:00Z"}}, now);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->metric, SeriesMetric::kUnmatchedRequests);
  EXPECT_EQ(q->step_days, 7);
  EXPECT_EQ(q->from, biomatch::testing::T("2026-11-02T00:00:00Z")) << "its day's midnight";
  EXPECT_EQ(q->to, now);

  EXPECT_EQ(ParseBalanceQuery({{"by", "platform"}}, now).status().field(), "by");
  EXPECT_EQ(ParseBalanceQuery({{"depth", "0"}}, now).status().field(), "depth");
  EXPECT_EQ(ParseBalanceQuery({{"depth", "2x"}}, now).status().field(), "depth");
  EXPECT_EQ(ParseBalanceQuery({{"prefix", "a//b"}}, now).status().field(), "prefix");
  EXPECT_EQ(ParseUtilizationQuery({{"by", "requester"}}, now).status().field(), "by");
  const auto b = ParseBalanceQuery({{"by", "region"}, {"depth", "3"}}, now);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->by, engine::GroupBy::kRegion);
  EXPECT_EQ(b->depth, 3u);
  EXPECT_EQ(b->from, now);
  EXPECT_EQ(b->to, now + 30 * kDay);
}

TEST(StatsJsonTest, RatiosAreNullWithoutSupply) {
  engine::StatsQuery q;
  q.from = biomatch::testing::T("2026-12-01T00:00:00Z");
  q.to = biomatch::testing::T("2026-12-31T00:00:00Z");
  std::string out;
  AppendBalanceJson(q.from, q, {{"a", 2, 5, 1, 2, 0}, {"b", 1, 3, 0, 0, 2}}, &out);
  EXPECT_EQ(out, R"({"as_of":"2026-12-01T00:00:00Z","from":"2026-12-01T00:00:00Z","to":"2026-12-31T00:00:00Z","groups":[)"
                 R"({"group":"a","open_requests":2,"open_demand_units":5,"unmatched_requests":1,"unmatched_demand_units":2,"free_supply_units":0,"demand_supply_ratio":null},)"
                 R"({"group":"b","open_requests":1,"open_demand_units":3,"unmatched_requests":0,"unmatched_demand_units":0,"free_supply_units":2,"demand_supply_ratio":1.5}]})");
  out.clear();
  AppendUtilizationJson(q.from, q, {{"p1", 10, 4, 1}, {"p2", 0, 0, 0}}, &out);
  EXPECT_NE(out.find(R"({"group":"p1","offered_units":10,"reserved_units":4,"completed_units":1,"utilization":0.4})"),
            std::string::npos) << out;
  EXPECT_NE(out.find(R"("utilization":null})"), std::string::npos) << out;
}

}  // namespace
}  // namespace biomatch::server
