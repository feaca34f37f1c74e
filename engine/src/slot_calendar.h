// SlotCalendar: one capability's availability slots with reserved units,
// answering "the earliest slot at which q free units inside a window are
// reached" and "free units in a range" without scanning every slot.
//
// Slots are sorted by start and do not overlap, so their ends are sorted too
// and the slots lying wholly inside a window form one index range. Everything
// a search reads sits in one block of 32-bit words: a header (first start,
// slot count, total and free units), then the slots column-wise (start
// offsets from the first start, durations, free units: 12 bytes a slot), then
// the free units of each run of kBlock slots. A search is a binary search over
// the starts; a fill walks free units slot by slot across at most two partial
// runs and whole runs by their sums. Reserved units get their own column,
// outside the block, only once a slot has some.
//
// A View reads the block through one pointer: matching keeps views where it
// finds capabilities, and never touches the calendar object itself.
//
// Thread safety: const methods (and Views) may be used concurrently;
// mutation needs external synchronisation.
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

  struct Fill {
    std::size_t first = 0;  // first slot with a free unit
    std::size_t last = 0;   // the slot at which `quantity` free units are reached
  };

  // The read side of a calendar, a pointer to its block: valid while the
  // calendar lives and keeps its slots (reservations show through it).
  class View {
   public:
    View() = default;  // an empty calendar

    std::size_t size() const { return w_[kSizeWord]; }
    Seconds start(std::size_t i) const { return base() + starts()[i]; }
    Seconds end(std::size_t i) const { return start(i) + durations()[i]; }
    std::int64_t Free(std::size_t i) const { return free_units()[i]; }
    std::int64_t total_units() const { return Int64(kTotalUnitsWord); }
    std::int64_t total_reserved() const { return total_units() - Int64(kTotalFreeWord); }

    // [lo, hi): the slots with start >= not_before and end <= deadline.
    std::pair<std::size_t, std::size_t> Inside(Seconds not_before, Seconds deadline) const;
    std::int64_t FreeIn(std::size_t lo, std::size_t hi) const;
    // Earliest-first fill of `quantity` units from the slots with start >=
    // not_before and end <= deadline; nullopt when they hold fewer free
    // units. REQUIRES: quantity >= 1.
    std::optional<Fill> EarliestFill(Seconds not_before, Seconds deadline, std::int64_t quantity) const;
    // Index of the slot [start, end), if there is one.
    std::optional<std::size_t> Find(Seconds start, Seconds end) const;

    // Hints the CPU to load the first cache lines of the block, where a
    // search begins (a performance hint only).
    void Prefetch() const {
      __builtin_prefetch(w_);
      __builtin_prefetch(w_ + 16);
      __builtin_prefetch(w_ + 32);
    }

   private:
    friend class SlotCalendar;
    // Header words. ValidateSlots bounds start offsets and durations below
    // 2^32 seconds, and units below 2^31.
    static constexpr std::size_t kBaseWord = 0;  // two words: the first start
    static constexpr std::size_t kSizeWord = 2;
    static constexpr std::size_t kTotalUnitsWord = 4;  // two words
    static constexpr std::size_t kTotalFreeWord = 6;   // two words
    static constexpr std::size_t kHeaderWords = 8;
    static constexpr std::uint32_t kEmpty[kHeaderWords] = {};

    explicit View(const std::uint32_t* words) : w_(words) {}
    std::int64_t Int64(std::size_t word) const {
      std::int64_t v;
      std::memcpy(&v, w_ + word, sizeof v);
      return v;
    }
    Seconds base() const { return Int64(kBaseWord); }
    const std::uint32_t* starts() const { return w_ + kHeaderWords; }
    const std::uint32_t* durations() const { return starts() + size(); }
    const std::uint32_t* free_units() const { return starts() + 2 * size(); }
    std::int64_t RunFree(std::size_t r) const { return Int64(kHeaderWords + 3 * size() + 2 * r); }
    std::size_t FirstStartingAtOrAfter(Seconds t) const;

    const std::uint32_t* w_ = kEmpty;
  };

  SlotCalendar() = default;
  // REQUIRES: ValidateSlots(slots) passed. Sorts by start; keeps `reserved`.
  // The block comes from `mr`.
  explicit SlotCalendar(std::vector<Slot> slots, std::pmr::memory_resource* mr = std::pmr::get_default_resource());

  View view() const { return words_.empty() ? View() : View(words_.data()); }

  // The View's queries, for convenience.
  std::size_t size() const { return view().size(); }
  Seconds start(std::size_t i) const { return view().start(i); }
  Seconds end(std::size_t i) const { return view().end(i); }
  std::int64_t Free(std::size_t i) const { return view().Free(i); }
  std::int64_t total_units() const { return view().total_units(); }
  std::int64_t total_reserved() const { return view().total_reserved(); }
  std::pair<std::size_t, std::size_t> Inside(Seconds not_before, Seconds deadline) const {
    return view().Inside(not_before, deadline);
  }
  std::int64_t FreeIn(std::size_t lo, std::size_t hi) const { return view().FreeIn(lo, hi); }
  std::optional<Fill> EarliestFill(Seconds not_before, Seconds deadline, std::int64_t quantity) const {
    return view().EarliestFill(not_before, deadline, quantity);
  }
  std::optional<std::size_t> Find(Seconds start, Seconds end) const { return view().Find(start, end); }

  Slot slot(std::size_t i) const;
  std::vector<Slot> Slots() const;
  // Offered units of slots [lo, hi): a scan, for statistics only.
  std::int64_t UnitsIn(std::size_t lo, std::size_t hi) const;

  // REQUIRES: 0 <= units <= Free(i) (Reserve), <= reserved units (Release).
  void Reserve(std::size_t i, std::int64_t units);
  void Release(std::size_t i, std::int64_t units);

 private:
  void AddInt64(std::size_t word, std::int64_t delta);
  void AddFree(std::size_t i, std::int64_t delta);

  FixedArray<std::uint32_t> words_;     // the block; empty for no slots
  std::vector<std::int32_t> reserved_;  // by slot; empty while nothing is reserved
};

}  // namespace biomatch::engine
