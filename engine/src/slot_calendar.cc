#include "slot_calendar.h"

#include <algorithm>
#include <cassert>

namespace biomatch::engine {

SlotCalendar::SlotCalendar(std::vector<Slot> slots, std::pmr::memory_resource* mr) {
  const auto by_start = [](const Slot& a, const Slot& b) { return a.start < b.start; };
  if (!std::is_sorted(slots.begin(), slots.end(), by_start)) std::sort(slots.begin(), slots.end(), by_start);
  const std::size_t n = slots.size();
  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  size_ = static_cast<std::uint32_t>(n);
  words_ = FixedArray<std::uint32_t>(3 * n + 2 * blocks, mr);
  if (n > 0) base_ = slots.front().start;
  std::uint32_t* starts = words_.data();
  std::uint32_t* durations = starts + n;
  std::uint32_t* free_units = durations + n;
  std::int64_t block_free = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Slot& s = slots[i];
    starts[i] = static_cast<std::uint32_t>(s.start - base_);
    durations[i] = static_cast<std::uint32_t>(s.end - s.start);
    free_units[i] = static_cast<std::uint32_t>(s.units - s.reserved);
    total_units_ += s.units;
    block_free += free_units[i];
    if (i % kBlock == kBlock - 1 || i + 1 == n) {
      SetBlockFree(i / kBlock, block_free);
      total_free_ += block_free;
      block_free = 0;
    }
    if (s.reserved != 0) {
      if (reserved_.empty()) reserved_.assign(n, 0);
      reserved_[i] = static_cast<std::int32_t>(s.reserved);
    }
  }
}

Slot SlotCalendar::slot(std::size_t i) const {
  const std::int64_t reserved = reserved_.empty() ? 0 : reserved_[i];
  return Slot{start(i), end(i), Free(i) + reserved, reserved};
}

std::vector<Slot> SlotCalendar::Slots() const {
  std::vector<Slot> out;
  out.reserve(size_);
  for (std::size_t i = 0; i < size_; ++i) out.push_back(slot(i));
  return out;
}

std::size_t SlotCalendar::FirstStartingAtOrAfter(Seconds t) const {
  if (size_ == 0 || t <= base_) return 0;
  const Seconds offset = t - base_;
  if (offset > starts()[size_ - 1]) return size_;  // also every offset beyond 32 bits
  return static_cast<std::size_t>(std::lower_bound(starts(), starts() + size_, static_cast<std::uint32_t>(offset)) -
                                  starts());
}

std::pair<std::size_t, std::size_t> SlotCalendar::Inside(Seconds not_before, Seconds deadline) const {
  const std::size_t lo = FirstStartingAtOrAfter(not_before);
  // Ends are sorted: the first slot ending after the deadline bounds the range.
  std::size_t hi = lo;
  for (std::size_t count = size_ - lo; count > 0;) {
    const std::size_t half = count / 2;
    if (end(hi + half) <= deadline) {
      hi += half + 1;
      count -= half + 1;
    } else {
      count = half;
    }
  }
  return {lo, hi};
}

void SlotCalendar::Add(std::size_t i, std::int64_t delta) {
  free_units()[i] = static_cast<std::uint32_t>(Free(i) + delta);
  SetBlockFree(i / kBlock, BlockFree(i / kBlock) + delta);
  total_free_ += delta;
}

void SlotCalendar::Reserve(std::size_t i, std::int64_t units) {
  Add(i, -units);
  if (reserved_.empty()) reserved_.assign(size_, 0);
  reserved_[i] = static_cast<std::int32_t>(reserved_[i] + units);
}

void SlotCalendar::Release(std::size_t i, std::int64_t units) {
  Add(i, units);
  reserved_[i] = static_cast<std::int32_t>(reserved_[i] - units);
  if (total_free_ == total_units_) reserved_ = {};  // nothing reserved: drop the column
}

std::int64_t SlotCalendar::FreeIn(std::size_t lo, std::size_t hi) const {
  std::int64_t sum = 0;
  std::size_t i = lo;
  for (; i < hi && i % kBlock != 0; ++i) sum += Free(i);
  for (; i + kBlock <= hi; i += kBlock) sum += BlockFree(i / kBlock);
  for (; i < hi; ++i) sum += Free(i);
  return sum;
}

std::int64_t SlotCalendar::UnitsIn(std::size_t lo, std::size_t hi) const {
  std::int64_t sum = 0;
  for (std::size_t i = lo; i < hi; ++i) sum += slot(i).units;
  return sum;
}

std::optional<SlotCalendar::Fill> SlotCalendar::EarliestFill(Seconds not_before, Seconds deadline,
                                                            std::int64_t quantity) const {
  assert(quantity >= 1);
  const std::size_t n = size_;
  const std::uint32_t* free_units = this->free_units();
  std::size_t i = FirstStartingAtOrAfter(not_before);
  std::size_t first = n;  // none yet
  std::int64_t need = quantity;
  // Slot by slot to the next block boundary, then whole blocks while they
  // cannot complete the fill, then slot by slot again.
  auto walk_to = [&](std::size_t stop) {
    for (; i < stop; ++i) {
      if (free_units[i] == 0) continue;
      if (first == n) first = i;
      need -= free_units[i];
      if (need <= 0) return true;
    }
    return false;
  };
  bool done = walk_to(std::min(n, (i + kBlock - 1) / kBlock * kBlock));
  while (!done && i < n) {
    const std::int64_t block = BlockFree(i / kBlock);
    if (block >= need || (block > 0 && first == n)) {
      done = walk_to(std::min(n, i + kBlock));  // completes the fill, or finds `first`
    } else {
      need -= block;
      i += kBlock;
    }
  }
  // Ends are sorted too: the fill fits the window when its last slot does.
  if (!done || end(i) > deadline) return std::nullopt;
  return Fill{first, i};
}

std::optional<std::size_t> SlotCalendar::Find(Seconds start, Seconds end) const {
  const std::size_t i = FirstStartingAtOrAfter(start);
  if (i == size_ || this->start(i) != start || this->end(i) != end) return std::nullopt;
  return i;
}

}  // namespace biomatch::engine
