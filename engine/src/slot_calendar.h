// SlotCalendar: one capability's availability slots with reserved units,
// answering "the earliest slot at which q free units inside a window are
// reached" and "free units in a range" without scanning every slot.
//
// Slots are sorted by start and do not overlap, so their ends are sorted too
// and the slots lying wholly inside a window form one index range. Free units
// are summed per block of kBlock consecutive slots: a fill walks at most two
// partial blocks slot by slot and whole blocks by their sums, which reads
// memory sequentially (a few cache lines for the usual small quantities)
// where a tree would jump.
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
  static constexpr std::size_t kBlock = 16;

  SlotCalendar() = default;
  // REQUIRES: ValidateSlots(slots) passed. Sorts by start; keeps `reserved`.
  explicit SlotCalendar(std::vector<Slot> slots);

  std::size_t size() const { return slots_.size(); }
  Slot slot(std::size_t i) const;
  std::vector<Slot> Slots() const;
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

  std::int64_t Free(std::size_t i) const { return slots_[i].free; }
  // Hints the CPU to load what a search reads first (a performance hint only).
  void Prefetch() const {
    __builtin_prefetch(blocks_.data());
    __builtin_prefetch(slots_.data());
  }
  // Index of the slot [start, end), if there is one.
  std::optional<std::size_t> Find(Seconds start, Seconds end) const;
  // REQUIRES: 0 <= units <= Free(i) (Reserve), <= reserved units (Release).
  void Reserve(std::size_t i, std::int64_t units) { Add(i, -units); }
  void Release(std::size_t i, std::int64_t units) { Add(i, units); }

 private:
  // 16 bytes a slot. ValidateSlots bounds both offsets below 2^32 seconds.
  struct Entry {
    std::uint32_t offset;    // start - base_
    std::uint32_t duration;  // end - start
    std::int32_t units;
    std::int32_t free;
  };
  Seconds Start(std::size_t i) const { return base_ + slots_[i].offset; }
  Seconds End(std::size_t i) const { return Start(i) + slots_[i].duration; }
  std::size_t FirstStartingAtOrAfter(Seconds t) const;
  void Add(std::size_t i, std::int64_t delta);

  // Slots [b*kBlock, (b+1)*kBlock): the first one's start, and their free
  // units. A search reads these first, then one block of slots.
  struct Block {
    Seconds first_start;
    std::int64_t free;
  };

  Seconds base_ = 0;  // the first slot's start
  std::vector<Entry> slots_;
  std::vector<Block> blocks_;
  std::int64_t total_units_ = 0;
  std::int64_t total_free_ = 0;
};

}  // namespace biomatch::engine
