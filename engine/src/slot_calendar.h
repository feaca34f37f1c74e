// SlotCalendar: one capability's availability slots with reserved units,
// answering "the earliest slot at which q free units inside a window are
// reached" and "free units in a range" without scanning every slot.
//
// Slots are sorted by start and do not overlap, so their ends are sorted too
// and the slots lying wholly inside a window form one index range. The slots
// are stored column-wise in one allocation: starts (as offsets from the first
// start), durations and free units, 12 bytes a slot, then the free units of
// each block of kBlock consecutive slots. A search is a binary search over the
// starts; a fill walks free units slot by slot across at most two partial
// blocks and whole blocks by their sums. Reserved units get their own column
// only once a slot has some.
//
// Thread safety: const methods may be called concurrently; mutation needs
// external synchronisation.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <optional>
#include <utility>
#include <vector>

#include "biomatch/engine/time.h"
#include "biomatch/engine/types.h"
#include "fixed_array.h"

namespace biomatch::engine {

class SlotCalendar {
 public:
  static constexpr std::size_t kBlock = 16;

  SlotCalendar() = default;
  // REQUIRES: ValidateSlots(slots) passed. Sorts by start; keeps `reserved`.
  // The slots' block comes from `mr`.
  explicit SlotCalendar(std::vector<Slot> slots, std::pmr::memory_resource* mr = std::pmr::get_default_resource());

  std::size_t size() const { return size_; }
  Slot slot(std::size_t i) const;
  std::vector<Slot> Slots() const;
  Seconds start(std::size_t i) const { return base_ + starts()[i]; }
  Seconds end(std::size_t i) const { return start(i) + durations()[i]; }
  std::int64_t total_units() const { return total_units_; }
  std::int64_t total_reserved() const { return total_units_ - total_free_; }

  // [lo, hi): the slots with start >= not_before and end <= deadline.
  std::pair<std::size_t, std::size_t> Inside(Seconds not_before, Seconds deadline) const;
  std::int64_t FreeIn(std::size_t lo, std::size_t hi) const;
  // Offered units of slots [lo, hi): a scan, for statistics only.
  std::int64_t UnitsIn(std::size_t lo, std::size_t hi) const;

  struct Fill {
    std::size_t first = 0;  // first slot with a free unit
    std::size_t last = 0;   // the slot at which `quantity` free units are reached
  };
  // Earliest-first fill of `quantity` units from the slots with start >=
  // not_before and end <= deadline; nullopt when they hold fewer free units.
  // REQUIRES: quantity >= 1.
  std::optional<Fill> EarliestFill(Seconds not_before, Seconds deadline, std::int64_t quantity) const;

  std::int64_t Free(std::size_t i) const { return free_units()[i]; }
  // Hints the CPU to load what a search reads first (a performance hint only).
  void Prefetch() const { __builtin_prefetch(words_.data()); }
  // Index of the slot [start, end), if there is one.
  std::optional<std::size_t> Find(Seconds start, Seconds end) const;
  // REQUIRES: 0 <= units <= Free(i) (Reserve), <= reserved units (Release).
  void Reserve(std::size_t i, std::int64_t units);
  void Release(std::size_t i, std::int64_t units);

 private:
  // ValidateSlots bounds start offsets and durations below 2^32 seconds, and
  // units below 2^31.
  const std::uint32_t* starts() const { return words_.data(); }
  const std::uint32_t* durations() const { return words_.data() + size_; }
  const std::uint32_t* free_units() const { return words_.data() + 2 * size_; }
  std::uint32_t* free_units() { return words_.data() + 2 * size_; }
  // Block sums need 64 bits: two words each, read and written whole.
  std::int64_t BlockFree(std::size_t b) const {
    std::int64_t v;
    std::memcpy(&v, words_.data() + 3 * size_ + 2 * b, sizeof v);
    return v;
  }
  void SetBlockFree(std::size_t b, std::int64_t v) { std::memcpy(words_.data() + 3 * size_ + 2 * b, &v, sizeof v); }
  std::size_t FirstStartingAtOrAfter(Seconds t) const;
  void Add(std::size_t i, std::int64_t delta);

  Seconds base_ = 0;  // the first slot's start
  std::uint32_t size_ = 0;
  std::int64_t total_units_ = 0;
  std::int64_t total_free_ = 0;
  FixedArray<std::uint32_t> words_;     // starts, durations, free units, block sums
  std::vector<std::int32_t> reserved_;  // by slot; empty while nothing is reserved
};

}  // namespace biomatch::engine
