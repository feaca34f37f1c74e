#include "slot_calendar.h"

#include <random>

#include <gtest/gtest.h>

#include "testutil.h"

namespace biomatch::engine {
namespace {


using biomatch::testing::DailySlots;
using biomatch::testing::kDay;
using biomatch::testing::T;

// The window covering DailySlots' slots [lo, hi).
std::optional<SlotCalendar::Fill> FillDays(const SlotCalendar& cal, std::size_t lo, std::size_t hi, std::int64_t q) {
  const Seconds d0 = T("2026-12-01T00:00:00Z");
  return cal.EarliestFill(d0 + static_cast<Seconds>(lo) * kDay, d0 + static_cast<Seconds>(hi) * kDay, q);
}

TEST(SlotCalendarTest, InsideIncludesSlotsTouchingTheWindowEdges) {
  SlotCalendar cal(DailySlots(10, 2));
  const Seconds d0 = T("2026-12-01T00:00:00Z");
  auto [lo, hi] = cal.Inside(d0 + 2 * kDay, d0 + 5 * kDay);
  EXPECT_EQ(lo, 2u);
  EXPECT_EQ(hi, 5u);
  std::tie(lo, hi) = cal.Inside(d0 + 2 * kDay + 1, d0 + 5 * kDay - 1);
  EXPECT_EQ(lo, 3u) << "a slot starting before the window is out";
  EXPECT_EQ(hi, 4u) << "a slot ending after the window is out";
}

TEST(SlotCalendarTest, FillSpansSeveralSlotsEarliestFirst) {
  SlotCalendar cal(DailySlots(10, 2));
  auto fill = FillDays(cal, 0, 10, 5);
  ASSERT_TRUE(fill);
  EXPECT_EQ(fill->first, 0u);
  EXPECT_EQ(fill->last, 2u);
  cal.Reserve(0, 2);
  cal.Reserve(1, 1);
  fill = FillDays(cal, 0, 10, 2);
  ASSERT_TRUE(fill);
  EXPECT_EQ(fill->first, 1u) << "slot 0 has no free unit left";
  EXPECT_EQ(fill->last, 2u);
  EXPECT_FALSE(FillDays(cal, 0, 2, 2)) << "only one free unit in slots 0-1";
  EXPECT_FALSE(FillDays(cal, 3, 3, 1)) << "an empty range has nothing";
}

TEST(SlotCalendarTest, ZeroUnitSlotsAreSkipped) {
  std::vector<Slot> slots = DailySlots(3, 0);
  slots[2].units = 4;
  SlotCalendar cal(slots);
  auto fill = FillDays(cal, 0, 3, 1);
  ASSERT_TRUE(fill);
  EXPECT_EQ(fill->first, 2u);
  EXPECT_EQ(cal.FreeIn(0, 2), 0);
}

TEST(SlotCalendarTest, KeepsReservedUnitsAndTotals) {
  std::vector<Slot> slots = DailySlots(3, 5);
  slots[1].reserved = 3;
  SlotCalendar cal(slots);
  EXPECT_EQ(cal.slot(1).reserved, 3);
  EXPECT_EQ(cal.Free(1), 2);
  EXPECT_EQ(cal.total_units(), 15);
  EXPECT_EQ(cal.total_reserved(), 3);
  cal.Release(1, 3);
  EXPECT_EQ(cal.total_reserved(), 0);
  EXPECT_EQ(cal.Slots(), DailySlots(3, 5));
}

TEST(SlotCalendarTest, FindsSlotsByExactBounds) {
  SlotCalendar cal(DailySlots(5, 1));
  const Seconds d0 = T("2026-12-01T00:00:00Z");
  EXPECT_EQ(cal.Find(d0 + kDay, d0 + 2 * kDay), 1u);
  EXPECT_FALSE(cal.Find(d0 + kDay, d0 + 3 * kDay));
  EXPECT_FALSE(cal.Find(d0 - kDay, d0));
}

// The tree agrees with a plain scan over random calendars and reservations.
TEST(SlotCalendarTest, AgreesWithALinearScan) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    const int n = 1 + static_cast<int>(rng() % 300);
    std::vector<Slot> slots = DailySlots(n, 0);
    for (Slot& s : slots) s.units = static_cast<std::int64_t>(rng() % 4);
    SlotCalendar cal(slots);
    for (int i = 0; i < n / 2; ++i) {
      const std::size_t k = rng() % static_cast<std::size_t>(n);
      if (cal.Free(k) > 0) cal.Reserve(k, 1);
    }
    const std::size_t lo = rng() % static_cast<std::size_t>(n);
    const std::size_t hi = lo + rng() % (static_cast<std::size_t>(n) - lo + 1);
    const std::int64_t q = 1 + static_cast<std::int64_t>(rng() % 20);
    std::int64_t acc = 0;
    std::optional<std::size_t> first, last;
    for (std::size_t i = lo; i < hi && !last; ++i) {
      const std::int64_t f = cal.slot(i).units - cal.slot(i).reserved;
      if (f > 0 && !first) first = i;
      acc += f;
      if (acc >= q) last = i;
    }
    const auto fill = FillDays(cal, lo, hi, q);
    ASSERT_EQ(fill.has_value(), last.has_value()) << "round " << round;
    if (fill) {
      EXPECT_EQ(fill->first, *first);
      EXPECT_EQ(fill->last, *last);
    }
  }
}

}  // namespace
}  // namespace biomatch::engine
