#include "biomatch/engine/allocation.h"

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <tuple>

#include <gtest/gtest.h>

#include "biomatch/engine/engine.h"
#include "biomatch/catalog/catalog.h"
#include "testutil.h"

namespace biomatch::engine {
namespace {

using biomatch::testing::DailySlots;
using biomatch::testing::kDay;
using biomatch::testing::MakeCapability;
using biomatch::testing::MakePlatform;
using biomatch::testing::MakeRequest;
using biomatch::testing::Now;
using biomatch::testing::T;

constexpr double kEps = 1e-6;

Request DayRequest(std::string id, std::int64_t quantity, Seconds from, Seconds to) {
  Request r = MakeRequest(std::move(id));
  r.unit = Unit::kDay;
  r.quantity = quantity;
  r.budget_max.reset();
  r.window = {from, to};
  return r;
}

Capability DayCapability(std::string id, std::string platform, double price, std::vector<Slot> slots) {
  Capability c = MakeCapability(std::move(id), std::move(platform));
  c.unit = Unit::kDay;
  c.price_per_unit = price;
  c.slots = std::move(slots);
  return c;
}

// What the test knows of the market, read through the engine's public
// reads and matcher only: each request's feasible capabilities with their
// scores (best first, as Match ranks them) and every slot's free units.
struct Market {
  struct Req {
    std::string id;
    std::int64_t quantity;
    Seconds not_before, deadline;
    std::vector<std::pair<std::string, double>> candidates;  // capability, score
  };
  std::vector<Req> requests;  // in creation order
  std::map<std::string, std::vector<Slot>> slots;  // by capability; `reserved` as stored

  static Market Read(const Engine& e, const std::vector<std::string>& request_ids, Seconds now) {
    Market m;
    for (const std::string& id : request_ids) {
      Request r = *e.GetRequest(id);
      Req q{id, r.quantity, std::max(r.window.earliest_start, now), r.window.deadline, {}};
      const MatchResult matches = *e.Match(r, {now, 1000, false});
      for (const Match& match : matches.matches) {
        q.candidates.emplace_back(match.capability_id, match.score);
        if (!m.slots.count(match.capability_id)) m.slots[match.capability_id] = e.GetCapability(match.capability_id)->slots;
      }
      m.requests.push_back(std::move(q));
    }
    return m;
  }
  std::map<std::string, std::vector<std::int64_t>> FreeUnits() const {
    std::map<std::string, std::vector<std::int64_t>> free;
    for (const auto& [cap, list] : slots) {
      for (const Slot& s : list) free[cap].push_back(s.units - s.reserved);
    }
    return free;
  }
  bool Inside(const Req& r, const Slot& s) const { return s.start >= r.not_before && s.end <= r.deadline; }

  // Earliest-first fill of r on cap, as a hold: true and the units taken
  // from *free, or false and nothing taken.
  bool Fill(const Req& r, const std::string& cap, std::map<std::string, std::vector<std::int64_t>>* free) const {
    std::vector<std::int64_t>& f = (*free)[cap];
    std::int64_t have = 0;
    for (std::size_t i = 0; i < f.size(); ++i) have += Inside(r, slots.at(cap)[i]) ? f[i] : 0;
    if (have < r.quantity) return false;
    std::int64_t left = r.quantity;
    for (std::size_t i = 0; i < f.size() && left > 0; ++i) {
      if (!Inside(r, slots.at(cap)[i])) continue;
      const std::int64_t take = std::min(f[i], left);
      f[i] -= take;
      left -= take;
    }
    return true;
  }

  AllocationTotals FirstCome() const {
    auto free = FreeUnits();
    AllocationTotals t;
    for (const Req& r : requests) {
      for (const auto& [cap, score] : r.candidates) {
        if (!Fill(r, cap, &free)) continue;
        ++t.placed, t.units += r.quantity, t.score += score;
        break;
      }
    }
    return t;
  }

  AllocationTotals BestFirst() const {
    std::vector<std::tuple<double, std::size_t, std::size_t>> pairs;  // score, request, candidate
    for (std::size_t r = 0; r < requests.size(); ++r) {
      for (std::size_t k = 0; k < requests[r].candidates.size(); ++k) pairs.emplace_back(requests[r].candidates[k].second, r, k);
    }
    std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
    auto free = FreeUnits();
    std::vector<bool> placed(requests.size());
    AllocationTotals t;
    for (const auto& [score, r, k] : pairs) {
      if (placed[r] || !Fill(requests[r], requests[r].candidates[k].first, &free)) continue;
      placed[r] = true;
      ++t.placed, t.units += requests[r].quantity, t.score += score;
    }
    return t;
  }

  // The best total score of any placement: each request none, or one
  // capability and any units of its slots inside the window.
  double Optimum() const {
    auto free = FreeUnits();
    double best = 0;
    std::function<void(std::size_t, double)> place_request;
    // Spreads `left` units of request r over slots [i..) of cap, then goes on.
    std::function<void(std::size_t, const std::string&, std::size_t, std::int64_t, double)> spread =
        [&](std::size_t r, const std::string& cap, std::size_t i, std::int64_t left, double score) {
          if (left == 0) return place_request(r + 1, score);
          std::vector<std::int64_t>& f = free[cap];
          if (i == f.size()) return;
          spread(r, cap, i + 1, left, score);
          if (!Inside(requests[r], slots.at(cap)[i])) return;
          for (std::int64_t take = 1; take <= std::min(f[i], left); ++take) {
            f[i] -= take;
            spread(r, cap, i + 1, left - take, score);
            f[i] += take;
          }
        };
    place_request = [&](std::size_t r, double score) {
      if (r == requests.size()) {
        best = std::max(best, score);
        return;
      }
      place_request(r + 1, score);
      for (const auto& [cap, s] : requests[r].candidates) spread(r, cap, 0, requests[r].quantity, score + s);
    };
    place_request(0, 0);
    return best;
  }
};

// A small random market in one category: 2 platforms, 2-4 capabilities of
// daily slots, 3-6 requests (quantities up to max_quantity) with random
// windows, budgets and texts, created one second apart.
std::vector<std::string> RandomMarket(Engine* e, std::uint64_t seed, std::int64_t max_quantity) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Platform near = MakePlatform("p1");
  Platform far = MakePlatform("p2");
  far.location = {31.2, 121.5};
  far.evaluation = Evaluation{60, 70, 65, 72};
  EXPECT_TRUE(e->PutPlatform(near, Now()).ok());
  EXPECT_TRUE(e->PutPlatform(far, Now()).ok());
  const int caps = uniform(2, 4);
  const Seconds day0 = T("2026-12-01T00:00:00Z");
  for (int c = 0; c < caps; ++c) {
    std::vector<Slot> slots;
    for (int d = 0; d < 4; ++d) {
      if (uniform(0, 3) == 0) continue;
      slots.push_back({day0 + d * kDay, day0 + (d + 1) * kDay, uniform(1, 2), 0});
    }
    if (slots.empty()) slots.push_back({day0, day0 + kDay, 1, 0});
    Capability cap = DayCapability("c" + std::to_string(c), c % 2 ? "p2" : "p1", 1000.0 * uniform(1, 9), slots);
    if (uniform(0, 1)) cap.keywords = {"toxicity"};
    EXPECT_TRUE(e->PutCapability(cap, Now()).ok());
  }
  std::vector<std::string> ids;
  const int requests = uniform(3, max_quantity > 1 ? 4 : 6);
  for (int r = 0; r < requests; ++r) {
    const int from = uniform(0, 2);
    const int to = uniform(from + 1, 4);
    Request req = DayRequest("r" + std::to_string(r), uniform(1, static_cast<int>(max_quantity)), day0 + from * kDay,
                             day0 + to * kDay);
    if (uniform(0, 2) == 0) req.budget_max = 1000.0 * uniform(3, 12) * static_cast<double>(req.quantity);
    if (uniform(0, 1)) req.text = "toxicity study";
    EXPECT_TRUE(e->PutRequest(req, Now() + r).ok());
    ids.push_back(req.id);
  }
  return ids;
}

// Every placed pair passes Match with the planned score, every request's
// units are whole and inside its window, and no slot is over its free units.
void ExpectValid(const Engine& e, const Market& m, const AllocationPlan& plan) {
  auto free = m.FreeUnits();
  for (const PlacedRequest& p : plan.plan) {
    const auto r = std::find_if(m.requests.begin(), m.requests.end(), [&](const Market::Req& q) { return q.id == p.request_id; });
    ASSERT_NE(r, m.requests.end());
    const Request doc = *e.GetRequest(p.request_id);
    const MatchResult match = *e.Match(doc, {Now(), 1000, false});
    const auto found = std::find_if(match.matches.begin(), match.matches.end(),
                                    [&](const Match& x) { return x.capability_id == p.capability_id; });
    ASSERT_NE(found, match.matches.end()) << p.request_id << " on " << p.capability_id << " is not feasible";
    EXPECT_DOUBLE_EQ(found->score, p.score);
    std::int64_t units = 0;
    for (const Allocation& a : p.allocations) {
      const auto& slots = m.slots.at(p.capability_id);
      const auto slot = std::find_if(slots.begin(), slots.end(), [&](const Slot& s) { return s.start == a.start && s.end == a.end; });
      ASSERT_NE(slot, slots.end());
      EXPECT_TRUE(m.Inside(*r, *slot)) << p.request_id;
      std::int64_t& left = free[p.capability_id][static_cast<std::size_t>(slot - slots.begin())];
      left -= a.units;
      EXPECT_GE(left, 0) << "slot " << FormatRfc3339(a.start) << " of " << p.capability_id << " is over capacity";
      units += a.units;
    }
    EXPECT_EQ(units, r->quantity);
  }
  EXPECT_EQ(plan.plan.size() + plan.unplaced.size(), m.requests.size());
  EXPECT_EQ(plan.totals.placed, plan.plan.size());
}

void ExpectBaselines(const Market& m, const AllocationPlan& plan) {
  const AllocationTotals first_come = m.FirstCome();
  const AllocationTotals best_first = m.BestFirst();
  EXPECT_EQ(plan.first_come.placed, first_come.placed);
  EXPECT_EQ(plan.first_come.units, first_come.units);
  EXPECT_NEAR(plan.first_come.score, first_come.score, kEps);
  EXPECT_EQ(plan.best_first.placed, best_first.placed);
  EXPECT_EQ(plan.best_first.units, best_first.units);
  EXPECT_NEAR(plan.best_first.score, best_first.score, kEps);
}

AllocationSelect Ids(std::vector<std::string> ids) {
  AllocationSelect s;
  s.request_ids = std::move(ids);
  return s;
}
AllocationSelect Limit(std::size_t limit) {
  AllocationSelect s;
  s.limit = limit;
  return s;
}
AllocationSelect Category(std::string prefix) {
  AllocationSelect s;
  s.category_prefix = std::move(prefix);
  return s;
}
AllocationOptions Options(std::size_t candidates = 100) {
  AllocationOptions o;
  o.now = Now();
  o.candidates = candidates;
  return o;
}

AllocationPlan Plan(const Engine& e, const AllocationSelect& select = {}, std::size_t candidates = 100) {
  auto plan = e.PlanAllocation(select, Options(candidates));
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : AllocationPlan{};
}

TEST(AllocationTest, UnitQuantitiesMatchExhaustiveOptimum) {
  int greedy_beaten = 0;  // instances where neither greedy finds the optimum
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Engine e;
    const auto ids = RandomMarket(&e, seed, 1);
    const Market m = Market::Read(e, ids, Now());
    const AllocationPlan plan = Plan(e);
    EXPECT_TRUE(plan.exact);
    EXPECT_NEAR(plan.totals.score, m.Optimum(), kEps);
    EXPECT_LE(plan.totals.score, plan.upper_bound + kEps);
    EXPECT_GE(plan.totals.score, std::max(plan.first_come.score, plan.best_first.score) - kEps);
    greedy_beaten += plan.totals.score > std::max(plan.first_come.score, plan.best_first.score) + kEps;
    ExpectValid(e, m, plan);
    ExpectBaselines(m, plan);
  }
  EXPECT_GE(greedy_beaten, 3) << "the instances are too easy to tell the optimum from a greedy";
}

TEST(AllocationTest, LargerQuantitiesStayWithinTheBound) {
  int inexact = 0;  // instances with quantities above 1 and some contention
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Engine e;
    const auto ids = RandomMarket(&e, 1000 + seed, 3);
    const Market m = Market::Read(e, ids, Now());
    const AllocationPlan plan = Plan(e);
    const double optimum = m.Optimum();
    EXPECT_LE(plan.totals.score, optimum + kEps);
    EXPECT_LE(optimum, plan.upper_bound + kEps);
    inexact += !plan.exact && plan.totals.placed < plan.requests;
    EXPECT_GE(plan.totals.score, std::max(plan.first_come.score, plan.best_first.score) - kEps);
    ExpectValid(e, m, plan);
    ExpectBaselines(m, plan);
  }
  EXPECT_GE(inexact, 5);
}

// A generated catalogue: the plan is the same whatever the number of
// threads reading it, and valid against the engine's own reads.
TEST(AllocationTest, GeneratedCatalogueSameWithAnyThreads) {
  catalog::CatalogSpec spec;
  spec.capabilities = 3000;
  spec.requests = 900;
  catalog::Catalog catalog = catalog::GenerateCatalog(spec);
  Engine e;
  std::vector<BatchOp> ops;
  for (auto& p : catalog.platforms) ops.push_back({BatchOp::Kind::kPut, p.id, std::move(p)});
  for (auto& c : catalog.capabilities) ops.push_back({BatchOp::Kind::kPut, c.id, std::move(c)});
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < catalog.requests.size(); ++i) {
    Request& r = catalog.requests[i];
    r.category = "preclinical";  // crowd them onto fewer capabilities
    ids.push_back(r.id);
  }
  std::vector<BatchError> errors;
  ASSERT_TRUE(e.ApplyBatch(std::move(ops), Now(), &errors).ok());
  for (std::size_t i = 0; i < catalog.requests.size(); ++i) {
    ASSERT_TRUE(e.PutRequest(catalog.requests[i], Now() + static_cast<Seconds>(i)).ok());
  }
  AllocationOptions one = Options(8);
  AllocationOptions three = one;
  three.threads = 3;
  const auto a = e.PlanAllocation({}, one);
  const auto b = e.PlanAllocation({}, three);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->plan, b->plan);
  EXPECT_EQ(a->unplaced, b->unplaced);
  EXPECT_EQ(a->requests, ids.size());
  EXPECT_GT(a->plan.size(), 100u);
  EXPECT_LE(a->totals.score, a->upper_bound + kEps);
  // Validity against Match and the calendars (all candidates of each, as Market reads them).
  ExpectValid(e, Market::Read(e, ids, Now()), *a);
}

// Two requests, one unit each side: first come gives r1 its best capability
// and leaves r2, which only c1 can serve, without; the plan places both.
class AllocationFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(engine_.PutPlatform(MakePlatform("p1"), Now()).ok());
    const Seconds day0 = T("2026-12-01T00:00:00Z");
    ASSERT_TRUE(engine_.PutCapability(DayCapability("c1", "p1", 1000, DailySlots(1, 1)), Now()).ok());
    ASSERT_TRUE(engine_.PutCapability(DayCapability("c2", "p1", 4000, DailySlots(1, 1)), Now()).ok());
    Request r1 = DayRequest("r1", 1, day0, day0 + 2 * kDay);
    Request r2 = DayRequest("r2", 1, day0, day0 + 2 * kDay);
    r2.budget_max = 2000;  // c2 is over it
    Request lost = DayRequest("r3", 1, day0, day0 + 2 * kDay);
    lost.unit = Unit::kSample;  // nobody sells samples
    ASSERT_TRUE(engine_.PutRequest(r1, Now()).ok());
    ASSERT_TRUE(engine_.PutRequest(r2, Now() + 1).ok());
    ASSERT_TRUE(engine_.PutRequest(lost, Now() + 2).ok());
  }
  std::vector<Reservation> Reservations() const { return engine_.ListReservations({}).items; }
  Engine engine_;
};

TEST_F(AllocationFixture, PlacesWhatFirstComeCannot) {
  const AllocationPlan plan = Plan(engine_);
  EXPECT_EQ(plan.requests, 3u);
  EXPECT_EQ(plan.first_come.placed, 1u);
  ASSERT_EQ(plan.plan.size(), 2u);
  EXPECT_EQ(plan.plan[0].request_id, "r1");
  EXPECT_EQ(plan.plan[0].capability_id, "c2");
  EXPECT_EQ(plan.plan[1].request_id, "r2");
  EXPECT_EQ(plan.plan[1].capability_id, "c1");
  EXPECT_EQ(plan.plan[1].allocations,
            (std::vector<Allocation>{{T("2026-12-01T00:00:00Z"), T("2026-12-02T00:00:00Z"), 1}}));
  EXPECT_GT(plan.totals.score, plan.first_come.score);
  ASSERT_EQ(plan.unplaced.size(), 1u);
  EXPECT_EQ(plan.unplaced[0], (UnplacedRequest{"r3", UnplacedReason::kNoFeasibleCapability}));
}

TEST_F(AllocationFixture, SaysWhenCapacityWasTaken) {
  // With c2 gone, r1 and r2 compete for c1's one unit.
  ASSERT_TRUE(engine_.DeleteCapability("c2").ok());
  const AllocationPlan plan = Plan(engine_, Ids({"r1", "r2"}));
  ASSERT_EQ(plan.plan.size(), 1u);
  ASSERT_EQ(plan.unplaced.size(), 1u);
  EXPECT_EQ(plan.unplaced[0].reason, UnplacedReason::kCapacityTaken);
}

TEST_F(AllocationFixture, SelectsByIdsAndLimitOldestFirst) {
  EXPECT_EQ(Plan(engine_, Ids({"r2"})).requests, 1u);
  const AllocationPlan two = Plan(engine_, Limit(2));
  EXPECT_EQ(two.requests, 2u);
  EXPECT_TRUE(two.unplaced.empty()) << "r3, the newest, is left out";
  EXPECT_EQ(Plan(engine_, Category("preclinical/safe")).requests, 0u) << "whole segments";
}

TEST_F(AllocationFixture, RejectsBadSelections) {
  EXPECT_EQ(engine_.PlanAllocation(Limit(0), Options()).status().field(), "select.limit");
  EXPECT_EQ(engine_.PlanAllocation(Limit(kMaxAllocationRequests + 1), Options()).status().field(), "select.limit");
  EXPECT_EQ(engine_.PlanAllocation(Ids({"r1", "nope"}), Options()).status().field(), "select.request_ids[1]");
  EXPECT_EQ(engine_.PlanAllocation(Ids({"bad id"}), Options()).status().field(), "select.request_ids[0]");
  EXPECT_EQ(engine_.PlanAllocation(Category("Bad"), Options()).status().field(), "select.category");
  EXPECT_EQ(engine_.PlanAllocation({}, Options(0)).status().field(), "candidates");
}

TEST_F(AllocationFixture, ApplyPlacesExactlyThePlanInOneChange) {
  int changes = 0;
  engine_.SetChangeObserver([&](const ChangeSet&, const ChangeContext&) { ++changes; });
  const AllocationPlan plan = Plan(engine_);
  auto placed = engine_.ApplyAllocation(plan, {"h1", "h2"}, 900, Now() + 5);
  ASSERT_TRUE(placed.ok()) << placed.status().ToString();
  EXPECT_EQ(changes, 1);
  const std::vector<Reservation> all = Reservations();
  ASSERT_EQ(all.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const Reservation r = *engine_.GetReservation(i == 0 ? "h1" : "h2");
    EXPECT_EQ(r, (*placed)[i]);
    EXPECT_EQ(r.request_id, plan.plan[i].request_id);
    EXPECT_EQ(r.capability_id, plan.plan[i].capability_id);
    EXPECT_EQ(r.allocations, plan.plan[i].allocations);
    EXPECT_EQ(r.status, ReservationStatus::kHeld);
    EXPECT_EQ(r.expires_at, Now() + 5 + 900);
    EXPECT_EQ(engine_.GetRequest(r.request_id)->status, RequestStatus::kReserved);
  }
  EXPECT_EQ(engine_.GetCapability("c1")->slots[0].reserved, 1);
  EXPECT_EQ(engine_.GetCapability("c2")->slots[0].reserved, 1);
  EXPECT_EQ(engine_.ApplyAllocation(plan, {"h3", "h4"}, 900, Now() + 6).status().code(), StatusCode::kConflict)
      << "the same plan twice";
}

TEST_F(AllocationFixture, ConflictingHoldBetweenPlanAndApplyChangesNothing) {
  const AllocationPlan plan = Plan(engine_);
  // Someone else's hold takes c2's only unit; the plan gave it to r1.
  Request other = DayRequest("r9", 1, T("2026-12-01T00:00:00Z"), T("2026-12-03T00:00:00Z"));
  ASSERT_TRUE(engine_.PutRequest(other, Now() + 3).ok());
  ASSERT_TRUE(engine_.Hold({"other", "r9", "c2", std::nullopt, 900}, Now() + 4).ok());
  const auto before_c1 = engine_.GetCapability("c1");
  int changes = 0;
  engine_.SetChangeObserver([&](const ChangeSet&, const ChangeContext&) { ++changes; });
  EXPECT_EQ(engine_.ApplyAllocation(plan, {"h1", "h2"}, 900, Now() + 5).status().code(), StatusCode::kConflict);
  EXPECT_EQ(changes, 0);
  EXPECT_EQ(Reservations().size(), 1u) << "only the other hold";
  EXPECT_EQ(engine_.GetCapability("c1")->slots, before_c1->slots) << "r2's unit on c1 was not taken either";
  EXPECT_EQ(engine_.GetRequest("r1")->status, RequestStatus::kOpen);
  EXPECT_EQ(engine_.GetRequest("r2")->status, RequestStatus::kOpen);
}

TEST_F(AllocationFixture, AppliedHoldsExpireLikeAnyOther) {
  const AllocationPlan plan = Plan(engine_);
  ASSERT_TRUE(engine_.ApplyAllocation(plan, {"h1", "h2"}, 60, Now()).ok());
  EXPECT_TRUE(engine_.Sweep(Now() + 59).reservations.empty());
  const ChangeSet swept = engine_.Sweep(Now() + 60);
  EXPECT_EQ(swept.reservations.size(), 2u);
  for (const char* id : {"h1", "h2"}) EXPECT_EQ(engine_.GetReservation(id)->status, ReservationStatus::kExpired);
  EXPECT_EQ(engine_.GetCapability("c1")->slots[0].reserved, 0);
  EXPECT_EQ(engine_.GetCapability("c2")->slots[0].reserved, 0);
  EXPECT_EQ(engine_.GetRequest("r1")->status, RequestStatus::kOpen);
  // Confirming in time keeps them instead.
  const AllocationPlan again = Plan(engine_, {}, 100);
  ASSERT_TRUE(engine_.ApplyAllocation(again, {"h3", "h4"}, 60, Now() + 100).ok());
  ASSERT_TRUE(engine_.Confirm("h3", Now() + 120).ok());
  engine_.Sweep(Now() + 200);
  EXPECT_EQ(engine_.GetReservation("h3")->status, ReservationStatus::kConfirmed);
  EXPECT_EQ(engine_.GetReservation("h4")->status, ReservationStatus::kExpired);
}

TEST_F(AllocationFixture, ApplyRejectsBadArguments) {
  const AllocationPlan plan = Plan(engine_);
  EXPECT_EQ(engine_.ApplyAllocation(plan, {"h1"}, 900, Now()).status().field(), "reservation_ids");
  EXPECT_EQ(engine_.ApplyAllocation(plan, {"h1", "h2"}, 5, Now()).status().field(), "hold_seconds");
  EXPECT_EQ(engine_.ApplyAllocation(plan, {"h1", "h1"}, 900, Now()).status().code(), StatusCode::kConflict);
  EXPECT_TRUE(Reservations().empty());
}

}  // namespace
}  // namespace biomatch::engine
