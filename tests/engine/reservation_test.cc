#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "biomatch/engine/engine.h"
#include "testutil.h"

namespace biomatch::engine {
namespace {

using biomatch::testing::DailySlots;
using biomatch::testing::MakeCapability;
using biomatch::testing::MakePlatform;
using biomatch::testing::MakeRequest;
using biomatch::testing::Now;
using biomatch::testing::T;

class ReservationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(engine_.PutPlatform(MakePlatform("p1"), Now()).ok());
    Capability c = MakeCapability("c1", "p1");
    c.unit = Unit::kDay;
    c.price_per_unit = 1000;
    c.slots = DailySlots(5, 2);  // Dec 1-5, two units a day
    ASSERT_TRUE(engine_.PutCapability(c, Now()).ok());
  }
  Request DayRequest(std::string id, std::int64_t quantity) {
    Request r = MakeRequest(std::move(id));
    r.unit = Unit::kDay;
    r.quantity = quantity;
    return r;
  }
  Engine engine_;
};

TEST_F(ReservationTest, HoldTakesEarliestSlotsFirst) {
  ASSERT_TRUE(engine_.PutRequest(DayRequest("r1", 3), Now()).ok());
  auto h = engine_.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now());
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->status, ReservationStatus::kHeld);
  EXPECT_EQ(h->quantity, 3);
  EXPECT_EQ(h->expires_at, Now() + 900);
  ASSERT_EQ(h->allocations.size(), 2u);
  EXPECT_EQ(h->allocations[0], (Allocation{T("2026-12-01T00:00:00Z"), T("2026-12-02T00:00:00Z"), 2}));
  EXPECT_EQ(h->allocations[1], (Allocation{T("2026-12-02T00:00:00Z"), T("2026-12-03T00:00:00Z"), 1}));
  EXPECT_EQ(engine_.GetRequest("r1")->status, RequestStatus::kReserved);
}

TEST_F(ReservationTest, LifecycleConfirmCompleteFulfils) {
  ASSERT_TRUE(engine_.PutRequest(DayRequest("r1", 2), Now()).ok());
  ASSERT_TRUE(engine_.Hold({"h1", "r1", "c1", 1, 900}, Now()).ok());
  EXPECT_EQ(engine_.GetRequest("r1")->status, RequestStatus::kOpen) << "one of two units reserved";
  ASSERT_TRUE(engine_.Hold({"h2", "r1", "c1", 1, 900}, Now()).ok());
  EXPECT_EQ(engine_.GetRequest("r1")->status, RequestStatus::kReserved);
  EXPECT_EQ(engine_.Hold({"h3", "r1", "c1", 1, 900}, Now()).status().code(), StatusCode::kConflict)
      << "live units may not exceed the request's quantity";
  EXPECT_EQ(engine_.Complete("h1", Now()).status().code(), StatusCode::kConflict) << "held, not confirmed";
  for (const char* id : {"h1", "h2"}) {
    ASSERT_TRUE(engine_.Confirm(id, Now() + 10).ok());
    auto done = engine_.Complete(id, Now() + 20);
    ASSERT_TRUE(done.ok());
    EXPECT_EQ(done->status, ReservationStatus::kCompleted);
  }
  EXPECT_EQ(engine_.GetRequest("r1")->status, RequestStatus::kFulfilled);
  EXPECT_EQ(engine_.CancelReservation("h1", Now()).status().code(), StatusCode::kConflict);
}

TEST_F(ReservationTest, CancelFreesUnitsAndReopensTheRequest) {
  ASSERT_TRUE(engine_.PutRequest(DayRequest("r1", 10), Now()).ok());
  ASSERT_TRUE(engine_.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now()).ok());
  EXPECT_EQ(engine_.Match(DayRequest("", 1), {Now(), 10, true})->feasible, 0u) << "all ten units are held";
  ASSERT_TRUE(engine_.CancelReservation("h1", Now()).ok());
  EXPECT_EQ(engine_.GetRequest("r1")->status, RequestStatus::kOpen);
  EXPECT_EQ(engine_.Match(DayRequest("", 10), {Now(), 10, true})->feasible, 1u);
}

TEST_F(ReservationTest, HoldsExpireAndFreeTheirUnits) {
  ASSERT_TRUE(engine_.PutRequest(DayRequest("r1", 10), Now()).ok());
  ASSERT_TRUE(engine_.Hold({"h1", "r1", "c1", std::nullopt, 60}, Now()).ok());
  EXPECT_TRUE(engine_.Sweep(Now() + 59).empty());
  EXPECT_EQ(engine_.Confirm("h1", Now() + 60).status().code(), StatusCode::kConflict) << "expired at +60";
  const ChangeSet swept = engine_.Sweep(Now() + 60);
  ASSERT_EQ(swept.reservations.size(), 1u);
  EXPECT_EQ(swept.reservations[0].status, ReservationStatus::kExpired);
  ASSERT_EQ(swept.requests.size(), 1u);
  EXPECT_EQ(swept.requests[0].status, RequestStatus::kOpen);
  EXPECT_EQ(engine_.GetCapability("c1")->slots[0].reserved, 0);
  EXPECT_TRUE(engine_.Hold({"h2", "r1", "c1", std::nullopt, 60}, Now() + 61).ok());
}

TEST_F(ReservationTest, OpenRequestsExpireAfterTheirDeadline) {
  ASSERT_TRUE(engine_.PutRequest(DayRequest("r1", 1), Now()).ok());
  const Seconds deadline = engine_.GetRequest("r1")->window.deadline;
  const ChangeSet at_deadline = engine_.Sweep(deadline);
  EXPECT_TRUE(at_deadline.requests.empty()) << "still open at its deadline";
  // Its slots started meanwhile: the request became unmet demand.
  EXPECT_EQ(at_deadline.unmet_changes, (std::vector<UnmetChange>{{"r1", UnmetChange::Kind::kEntered}}));
  const ChangeSet swept = engine_.Sweep(deadline + 1);
  ASSERT_EQ(swept.requests.size(), 1u);
  EXPECT_EQ(swept.requests[0].status, RequestStatus::kExpired);
  EXPECT_EQ(engine_.Hold({"h1", "r1", "c1", std::nullopt, 60}, deadline + 2).status().code(), StatusCode::kConflict);
}

TEST_F(ReservationTest, HoldChecksThePair) {
  ASSERT_TRUE(engine_.PutRequest(DayRequest("r1", 11), Now()).ok());
  EXPECT_EQ(engine_.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now()).status().code(), StatusCode::kConflict)
      << "only ten units exist";
  EXPECT_EQ(engine_.Hold({"h1", "r-missing", "c1", 1, 900}, Now()).status().field(), "request_id");
  EXPECT_EQ(engine_.Hold({"h1", "r1", "c-missing", 1, 900}, Now()).status().field(), "capability_id");
  EXPECT_EQ(engine_.Hold({"h1", "r1", "c1", 1, 5}, Now()).status().field(), "hold_seconds");
  EXPECT_EQ(engine_.Hold({"h1", "r1", "c1", 0, 900}, Now()).status().field(), "quantity");
  Request study = MakeRequest("r-study");  // unit study: c1 sells days
  ASSERT_TRUE(engine_.PutRequest(study, Now()).ok());
  EXPECT_EQ(engine_.Hold({"h1", "r-study", "c1", 1, 900}, Now()).status().code(), StatusCode::kConflict);
  ASSERT_TRUE(engine_.Hold({"h1", "r1", "c1", 1, 900}, Now()).ok());
  EXPECT_EQ(engine_.Hold({"h1", "r1", "c1", 1, 900}, Now()).status().code(), StatusCode::kConflict)
      << "reservation ids are unique";
  EXPECT_EQ(engine_.GetOverview().held_reservations, 1u) << "failed holds left nothing";
}

TEST_F(ReservationTest, ListByRequestAndCapability) {
  ASSERT_TRUE(engine_.PutRequest(DayRequest("r1", 2), Now()).ok());
  ASSERT_TRUE(engine_.PutRequest(DayRequest("r2", 1), Now()).ok());
  ASSERT_TRUE(engine_.Hold({"h1", "r1", "c1", 1, 900}, Now()).ok());
  ASSERT_TRUE(engine_.Hold({"h2", "r2", "c1", 1, 900}, Now()).ok());
  ListQuery q;
  q.request_id = "r2";
  const auto page = engine_.ListReservations(q);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, "h2");
  q = ListQuery{};
  q.capability_id = "c1";
  EXPECT_EQ(engine_.ListReservations(q).items.size(), 2u);
}

// Many threads race for the last units: exactly as many succeed as there are
// units, and the calendar never shows more reserved than offered.
TEST_F(ReservationTest, ConcurrentHoldsNeverOversell) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    ASSERT_TRUE(engine_.PutRequest(DayRequest("r" + std::to_string(i), 1), Now()).ok());
  }
  std::atomic<int> held{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string n = std::to_string(t * kPerThread + i);
        auto r = engine_.Hold({"h" + n, "r" + n, "c1", 1, 900}, Now());
        if (r.ok()) {
          ++held;
          if (i % 3 == 0) (void)engine_.Match(DayRequest("", 1), {Now(), 5, true});
        } else {
          EXPECT_EQ(r.status().code(), StatusCode::kConflict);
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(held.load(), 10);
  EXPECT_EQ(conflicts.load(), kThreads * kPerThread - 10);
  const Capability c = *engine_.GetCapability("c1");
  for (const Slot& s : c.slots) EXPECT_EQ(s.reserved, s.units);
  EXPECT_EQ(engine_.GetOverview().reserved_units, 10);
}

// Holds, cancels and expiries interleaved from many threads keep the books
// balanced: reserved units always equal the units of live reservations.
TEST_F(ReservationTest, ConcurrentChurnKeepsTheBooks) {
  constexpr int kThreads = 6;
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(engine_.PutRequest(DayRequest("r" + std::to_string(i), 3), Now()).ok());
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string id = "h" + std::to_string(t) + "-" + std::to_string(i);
        auto h = engine_.Hold({id, "r" + std::to_string(t), "c1", 1 + i % 3, 10}, Now());
        if (h.ok() && i % 2 == 0) (void)engine_.CancelReservation(id, Now());
        if (i % 7 == 0) (void)engine_.Sweep(Now() + 10);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::int64_t live_units = 0;
  ListQuery q;
  q.limit = 100000;
  for (const Reservation& r : engine_.ListReservations(q).items) {
    if (r.status == ReservationStatus::kHeld || r.status == ReservationStatus::kConfirmed) live_units += r.quantity;
  }
  std::int64_t reserved = 0;
  const Capability before = *engine_.GetCapability("c1");
  for (const Slot& s : before.slots) {
    EXPECT_LE(s.reserved, s.units);
    reserved += s.reserved;
  }
  EXPECT_EQ(reserved, live_units);
  (void)engine_.Sweep(Now() + 10);
  const Capability after = *engine_.GetCapability("c1");
  for (const Slot& s : after.slots) EXPECT_EQ(s.reserved, 0);
}

}  // namespace
}  // namespace biomatch::engine
