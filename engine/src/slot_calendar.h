// SlotCalendar: one capability's availability slots with reserved units,
// answering "how many free units in slots inside [from, to]" and "the earliest
// slot at which q free units are reached" in O(log n) through a Fenwick tree
// over free units, so instruments with hundreds of slots are never scanned.
//
// Slots are sorted by start and do not overlap, so their ends are sorted too
// and the slots lying wholly inside a window form one index range.
//
// Thread safety: const methods may be called concurrently; mutation needs
// external synchronisation.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "biomatch/engine/time.h"
#include "biomatch/engine/types.h"

namespace biomatch::engine {

class SlotCalendar {
 public:
  SlotCalendar() = default;
  // REQUIRES: ValidateSlots(slots) passed. Sorts by start; keeps `reserved`.
  explicit SlotCalendar(std::vector<Slot> slots);

  std::size_t size() const { return slots_.size(); }
  Slot slot(std::size_t i) const;
  std::vector<Slot> Slots() const;
  std::int64_t total_units() const { return total_units_; }
  std::int64_t total_reserved() const { return total_reserved_; }

  // [lo, hi): the slots with start >= not_before and end <= deadline.
  std::pair<std::size_t, std::size_t> Inside(Seconds not_before, Seconds deadline) const;
  std::int64_t FreeIn(std::size_t lo, std::size_t hi) const;
  // Offered units of slots [lo, hi): a scan, for statistics only.
  std::int64_t UnitsIn(std::size_t lo, std::size_t hi) const;

  struct Fill {
    std::size_t first = 0;  // first slot with a free unit
    std::size_t last = 0;   // the slot at which `quantity` free units are reached
  };
  // Earliest-first fill of `quantity` units from slots [lo, hi); nullopt when
  // they hold fewer free units. REQUIRES: quantity >= 1.
  std::optional<Fill> EarliestFill(std::size_t lo, std::size_t hi, std::int64_t quantity) const;

  std::int64_t Free(std::size_t i) const { return PrefixFree(i + 1) - PrefixFree(i); }
  // Index of the slot [start, end), if there is one.
  std::optional<std::size_t> Find(Seconds start, Seconds end) const;
  // REQUIRES: 0 <= units <= Free(i) (Reserve), <= reserved units (Release).
  void Reserve(std::size_t i, std::int64_t units) { Add(i, -units); }
  void Release(std::size_t i, std::int64_t units) { Add(i, units); }

 private:
  // 16 bytes a slot; reserved = units - free, with free read from the tree.
  struct Entry {
    Seconds start;
    std::uint32_t duration;  // end - start; ValidateSlots bounds it
    std::int32_t units;
  };
  std::int64_t PrefixFree(std::size_t n) const;  // free units of slots [0, n)
  void Add(std::size_t i, std::int64_t delta);

  std::vector<Entry> slots_;
  std::vector<std::int64_t> tree_;  // Fenwick tree over free units, 1-based
  std::int64_t total_units_ = 0;
  std::int64_t total_reserved_ = 0;
};

}  // namespace biomatch::engine
