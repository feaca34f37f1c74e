#include <random>
#include <set>
#include <string>

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

StatsQuery Query(GroupBy by, std::size_t depth, Seconds from, Seconds to, std::string prefix = "") {
  StatsQuery q;
  q.by = by;
  q.depth = depth;
  q.prefix = std::move(prefix);
  q.from = from;
  q.to = to;
  return q;
}

TEST(StatsTest, BalanceGroupsDemandAndSupply) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  Request matched = MakeRequest("r1");
  matched.region = "CN/SC/chengdu";
  Request unmatched = MakeRequest("r2");
  unmatched.budget_max = 1;
  unmatched.quantity = 2;
  Request other = MakeRequest("r3");
  other.category = "analysis/nmr";
  for (const Request& r : {matched, unmatched, other}) ASSERT_TRUE(e.PutRequest(r, Now()).ok());

  const auto rows = e.Balance(Query(GroupBy::kCategory, 2, T("2026-11-30T00:00:00Z"), T("2027-02-01T00:00:00Z")), Now());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].group, "analysis/nmr");
  EXPECT_EQ(rows[0].open_requests, 1u);
  EXPECT_EQ(rows[0].unmatched_requests, 1u);
  EXPECT_EQ(rows[0].unmatched_demand_units, 1);
  EXPECT_EQ(rows[0].free_supply_units, 0);
  EXPECT_EQ(rows[1].group, "preclinical/safety");
  EXPECT_EQ(rows[1].open_demand_units, 3);
  EXPECT_EQ(rows[1].free_supply_units, 3);
  EXPECT_EQ(rows[1].unmatched_requests, 1u);
  EXPECT_EQ(rows[1].unmatched_demand_units, 2);
  EXPECT_EQ(e.GetOverview().unmatched_requests, 2u);
  const std::vector<Request> unmatched_requests = e.UnmatchedRequests();
  ASSERT_EQ(unmatched_requests.size(), 2u);
  EXPECT_EQ(unmatched_requests[0].id, "r2");
  EXPECT_EQ(unmatched_requests[1].id, "r3");

  const auto by_region = e.Balance(Query(GroupBy::kRegion, 2, Now(), T("2027-02-01T00:00:00Z")), Now());
  ASSERT_EQ(by_region.size(), 2u);
  EXPECT_EQ(by_region[0].group, "CN/SC");
  EXPECT_EQ(by_region[0].open_requests, 1u);
  EXPECT_EQ(by_region[0].free_supply_units, 3);
  EXPECT_EQ(by_region[1].group, "unknown");
  EXPECT_EQ(by_region[1].open_requests, 2u);
}

TEST(StatsTest, BalanceDrillsDownByPrefix) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  Capability nmr = MakeCapability("c2", "p1");
  nmr.category = "analysis/nmr";
  ASSERT_TRUE(e.PutCapability(nmr, Now()).ok());
  Request r = MakeRequest("r1");
  r.category = "preclinical/pharmacology";
  ASSERT_TRUE(e.PutRequest(r, Now()).ok());

  const auto rows = e.Balance(Query(GroupBy::kCategory, 3, Now(), T("2027-02-01T00:00:00Z"), "preclinical"), Now());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].group, "preclinical/pharmacology");
  EXPECT_EQ(rows[0].open_requests, 1u);
  EXPECT_EQ(rows[1].group, "preclinical/safety/repeat-dose-toxicity");
  EXPECT_EQ(rows[1].free_supply_units, 3);
  // "preclinical" is no prefix of "preclinicalx", and regionless demand is under no prefix.
  EXPECT_TRUE(e.Balance(Query(GroupBy::kCategory, 2, Now(), T("2027-02-01T00:00:00Z"), "preclin"), Now()).empty());
  EXPECT_TRUE(e.Balance(Query(GroupBy::kRegion, 2, Now(), T("2027-02-01T00:00:00Z"), "CN/BJ"), Now()).empty());
}

TEST(StatsTest, UtilizationIsReservedOverOffered) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  Capability c = MakeCapability("c1", "p1");
  c.slots[0].units = 10;
  ASSERT_TRUE(e.PutCapability(c, Now()).ok());
  Request r = MakeRequest("r1");
  r.quantity = 4;
  r.budget_max = std::nullopt;
  ASSERT_TRUE(e.PutRequest(r, Now()).ok());
  ASSERT_TRUE(e.Hold({"h1", "r1", "c1", 3, 900}, Now()).ok());
  ASSERT_TRUE(e.Hold({"h2", "r1", "c1", 1, 900}, Now()).ok());
  ASSERT_TRUE(e.Confirm("h2", Now()).ok());
  ASSERT_TRUE(e.Complete("h2", Now()).ok());
  const auto rows = e.Utilization(Query(GroupBy::kPlatform, 2, T("2026-12-01T00:00:00Z"), T("2027-01-01T00:00:00Z")));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].group, "p1");
  EXPECT_EQ(rows[0].offered_units, 10);
  EXPECT_EQ(rows[0].reserved_units, 4);
  EXPECT_EQ(rows[0].completed_units, 1);
  const auto later = e.Utilization(Query(GroupBy::kCategory, 2, T("2027-01-01T00:00:00Z"), T("2027-02-01T00:00:00Z")));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].group, "preclinical/safety");
  EXPECT_EQ(later[0].offered_units, 0);
}

// Unmet demand, kept incrementally, against a brute-force count over a
// random catalogue through random changes. The events (UnmetChange) replay
// to the same set, and each request gains its first match once.
class UnmetDemandModel {
 public:
  explicit UnmetDemandModel(std::uint32_t seed) : rng_(seed) {}

  void Run(int steps) {
    e_.SetChangeObserver([this](const ChangeSet& changes, const ChangeContext&) {
      for (const UnmetChange& u : changes.unmet_changes) {
        switch (u.kind) {
          case UnmetChange::Kind::kEntered: EXPECT_TRUE(reported_.insert(u.request_id).second) << u.request_id; break;
          case UnmetChange::Kind::kLeft: EXPECT_EQ(reported_.erase(u.request_id), 1u) << u.request_id; break;
          case UnmetChange::Kind::kFirstMatch:
            EXPECT_TRUE(first_matched_.insert(u.request_id).second) << u.request_id;
            break;
        }
      }
      for (const Request& r : changes.deleted_requests) first_matched_.erase(r.id);
    });
    for (int p = 0; p < 4; ++p) PutPlatform("p" + std::to_string(p));
    for (int c = 0; c < 30; ++c) PutCapability("c" + std::to_string(c));
    for (int r = 0; r < 40; ++r) PutRequest("r" + std::to_string(r));
    Check("setup");
    for (int step = 0; step < steps; ++step) {
      const std::string what = Step();
      Check("step " + std::to_string(step) + " (" + what + ")");
      if (::testing::Test::HasFailure()) return;
    }
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool Coin(double p = 0.5) { return std::bernoulli_distribution(p)(rng_); }

  void PutPlatform(const std::string& id) {
    Platform p = biomatch::testing::MakePlatform(id);
    p.open = Coin(0.85);
    p.region = kRegions[Pick(3)];
    p.location = {30.0 + Pick(10), 104.0 + Pick(10)};
    if (Coin(0.3)) p.qualifications = {};
    (void)e_.PutPlatform(p, now_);
  }
  void PutCapability(const std::string& id) {
    Capability c = biomatch::testing::MakeCapability(id, "p" + std::to_string(Pick(4)));
    c.category = kCategories[Pick(5)];
    c.unit = Coin() ? Unit::kStudy : Unit::kHour;
    c.stages = StageBit(Coin(0.8) ? Stage::kPreclinical : Stage::kClinical);
    c.price_per_unit = 1000 * (1 + Pick(10));
    c.slots = Slots();
    (void)e_.PutCapability(c, now_);
  }
  std::vector<Slot> Slots() {
    std::vector<Slot> slots;
    Seconds at = biomatch::testing::T("2026-12-01T00:00:00Z") + Pick(5) * biomatch::testing::kDay;
    for (int n = Pick(4); n > 0; --n) {
      const Seconds end = at + (1 + Pick(3)) * biomatch::testing::kDay;
      slots.push_back({at, end, 1 + Pick(3), 0});
      at = end + Pick(3) * biomatch::testing::kDay;
    }
    return slots;
  }
  void PutRequest(const std::string& id) {
    Request r = biomatch::testing::MakeRequest(id);
    r.category = kCategories[Pick(5)];
    r.unit = Coin() ? Unit::kStudy : Unit::kHour;
    r.stage = Coin(0.8) ? Stage::kPreclinical : Stage::kClinical;
    r.quantity = 1 + Pick(4);
    r.budget_max = Coin(0.7) ? std::optional<double>(4000.0 * (1 + Pick(5))) : std::nullopt;
    const Seconds start = biomatch::testing::T("2026-12-01T00:00:00Z") + Pick(6) * biomatch::testing::kDay;
    r.window = {start, start + (3 + Pick(20)) * biomatch::testing::kDay};
    r.max_distance_km = Coin(0.3) ? std::optional<double>(300) : std::nullopt;
    r.region = Coin(0.2) ? std::optional<std::string>(kRegions[Pick(3)]) : std::nullopt;
    r.required_qualifications = Coin(0.4) ? std::vector<std::string>{"GLP"} : std::vector<std::string>{};
    (void)e_.PutRequest(r, now_);
  }
  std::string Some(const char* kind, ListQuery q = {}) {
    q.limit = 1000;
    std::vector<std::string> ids;
    if (std::string_view(kind) == "capability") {
      for (const Capability& c : e_.ListCapabilities(q).items) ids.push_back(c.id);
    } else if (std::string_view(kind) == "request") {
      for (const Request& r : e_.ListRequests(q).items) ids.push_back(r.id);
    } else {
      for (const Reservation& r : e_.ListReservations(q).items) ids.push_back(r.id);
    }
    return ids.empty() ? "none" : ids[static_cast<std::size_t>(Pick(static_cast<int>(ids.size())))];
  }

  std::string Step() {
    switch (Pick(13)) {
      case 0: PutCapability("c" + std::to_string(Pick(40))); return "put capability";
      case 1: (void)e_.DeleteCapability(Some("capability")); return "delete capability";
      case 2: (void)e_.ReplaceSlots(Some("capability"), Slots(), now_); return "replace slots";
      case 3: PutRequest("r" + std::to_string(Pick(50))); return "put request";
      case 4: (void)e_.DeleteRequest(Some("request")); return "delete request";
      case 5: (void)e_.CancelRequest(Some("request"), now_); return "cancel request";
      case 6:
      case 7: {
        ListQuery open;
        open.request_status = RequestStatus::kOpen;
        const std::string request = Some("request", open);
        if (request == "none") return "hold (none open)";
        const MatchResult m = e_.MatchStored(request, {now_, 3, false}).value();
        if (m.matches.empty()) return "hold (no match)";
        (void)e_.Hold({"h" + std::to_string(holds_++), request, m.matches[static_cast<std::size_t>(Pick(static_cast<int>(m.matches.size())))].capability_id,
                       1 + Pick(2), 600},
                      now_);
        return "hold";
      }
      case 8: (void)e_.CancelReservation(Some("reservation"), now_); return "cancel reservation";
      case 9: (void)e_.Confirm(Some("reservation"), now_); return "confirm";
      case 10: (void)e_.Complete(Some("reservation"), now_); return "complete";
      case 11: PutPlatform("p" + std::to_string(Pick(4))); return "put platform";
      default:
        now_ += Pick(8) * 3600;  // slots start, holds expire
        (void)e_.Sweep(now_);
        return "sweep";
    }
  }

  // Everything a reader can see of the engine, matches included.
  struct Seen {
    std::vector<Platform> platforms;
    std::vector<Capability> capabilities;
    std::vector<Request> requests;
    std::vector<Reservation> reservations;
    std::vector<Request> unmatched;
    std::vector<Match> matches;  // each request's top 5, then each capability's
    std::uint64_t open = 0, held = 0, confirmed = 0;
    std::int64_t offered = 0, reserved = 0;
    bool operator==(const Seen&) const = default;
  };
  Seen See() const {
    ListQuery all;
    all.limit = 1000;
    Seen s;
    s.platforms = e_.ListPlatforms(all).items;
    s.capabilities = e_.ListCapabilities(all).items;
    s.requests = e_.ListRequests(all).items;
    s.reservations = e_.ListReservations(all).items;
    s.unmatched = e_.UnmatchedRequests();
    auto add = [&](Result<MatchResult> found) {
      for (Match& m : found.value().matches) s.matches.push_back(std::move(m));
    };
    for (const Request& r : s.requests) add(e_.MatchStored(r.id, {now_, 5, false}));
    for (const Capability& c : s.capabilities) add(e_.ReverseMatch(c.id, {now_, 5, false}));
    const Overview o = e_.GetOverview();
    s.open = o.open_requests, s.held = o.held_reservations, s.confirmed = o.confirmed_reservations;
    s.offered = o.offered_units, s.reserved = o.reserved_units;
    return s;
  }

  void Check(const std::string& where) {
    if (check_replicas_) {
      // A mutation that fails still runs on both copies and publishes the
      // other one (replicas.h): what readers see must not change.
      const Seen before = See();
      EXPECT_FALSE(e_.DeletePlatform("no-such-platform").ok());
      EXPECT_TRUE(See() == before) << where << ": the engine's two copies differ";
      return;
    }
    ListQuery open;
    open.request_status = RequestStatus::kOpen;
    open.limit = 1000;
    std::set<std::string> expected;
    std::int64_t demand = 0;
    for (const Request& r : e_.ListRequests(open).items) {
      if (e_.BruteForceMatch(r, {now_, 0, false}).value().feasible == 0) {
        expected.insert(r.id);
        demand += r.quantity;
      } else {
        EXPECT_TRUE(first_matched_.contains(r.id)) << where << ": " << r.id << " matches, never announced";
      }
    }
    std::set<std::string> unmatched;
    for (const Request& r : e_.UnmatchedRequests()) unmatched.insert(r.id);
    EXPECT_EQ(unmatched, expected) << where;
    EXPECT_EQ(e_.GetOverview().unmatched_requests, expected.size()) << where;
    EXPECT_EQ(reported_, expected) << where << ": the changes replay to another set";
    std::uint64_t counted = 0;
    for (const BalanceRow& row : e_.Balance(Query(GroupBy::kCategory, 1, now_, now_ + 60 * biomatch::testing::kDay), now_)) {
      counted += row.unmatched_requests;
    }
    EXPECT_EQ(counted, expected.size()) << where;
    (void)demand;
    seen_unmatched_ += expected.size();
    seen_open_ += e_.ListRequests(open).items.size();
  }

 public:
  std::size_t seen_unmatched_ = 0, seen_open_ = 0;
  bool check_replicas_ = false;  // Check compares the engine's two copies instead

 private:

  static constexpr const char* kCategories[] = {"a", "a/b", "a/b/c", "a/d", "e"};
  static constexpr const char* kRegions[] = {"CN/SC/chengdu", "CN/SC/mianyang", "CN/BJ"};
  std::mt19937 rng_;
  Engine e_;
  Seconds now_ = biomatch::testing::Now();
  int holds_ = 0;
  std::set<std::string> reported_;
  std::set<std::string> first_matched_;
};

TEST(StatsTest, UnmetDemandIsExactThroughRandomChanges) {
  for (std::uint32_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    UnmetDemandModel model(seed);
    model.Run(300);
    if (HasFailure()) return;
    // Both states occur: the check is not vacuous.
    EXPECT_GT(model.seen_unmatched_, 0u);
    EXPECT_LT(model.seen_unmatched_, model.seen_open_);
  }
}

TEST(EngineReplicasTest, BothCopiesAgreeThroughRandomChanges) {
  for (std::uint32_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    UnmetDemandModel model(seed);
    model.check_replicas_ = true;
    model.Run(150);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace biomatch::engine
