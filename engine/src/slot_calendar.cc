#include "slot_calendar.h"

#include <algorithm>
#include <cassert>

namespace biomatch::engine {

SlotCalendar::SlotCalendar(std::vector<Slot> slots) {
  const auto by_start = [](const Slot& a, const Slot& b) { return a.start < b.start; };
  if (!std::is_sorted(slots.begin(), slots.end(), by_start)) std::sort(slots.begin(), slots.end(), by_start);
  slots_.reserve(slots.size());
  blocks_.reserve((slots.size() + kBlock - 1) / kBlock);
  if (!slots.empty()) base_ = slots.front().start;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    const auto free = static_cast<std::int32_t>(s.units - s.reserved);
    slots_.push_back({static_cast<std::uint32_t>(s.start - base_), static_cast<std::uint32_t>(s.end - s.start),
                      static_cast<std::int32_t>(s.units), free});
    if (i % kBlock == 0) blocks_.push_back({s.start, 0});
    blocks_.back().free += free;
    total_units_ += s.units;
    total_free_ += free;
  }
}

Slot SlotCalendar::slot(std::size_t i) const {
  const Entry& e = slots_[i];
  return Slot{Start(i), End(i), e.units, e.units - e.free};
}

std::vector<Slot> SlotCalendar::Slots() const {
  std::vector<Slot> out;
  out.reserve(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) out.push_back(slot(i));
  return out;
}

std::size_t SlotCalendar::FirstStartingAtOrAfter(Seconds t) const {
  // The last block starting before t holds the answer, or it is the next
  // block's first slot.
  const auto block = std::partition_point(blocks_.begin(), blocks_.end(), [&](const Block& b) { return b.first_start < t; });
  if (block == blocks_.begin()) return 0;
  std::size_t i = static_cast<std::size_t>(block - blocks_.begin() - 1) * kBlock;
  const std::size_t end = std::min(slots_.size(), i + kBlock);
  while (i < end && Start(i) < t) ++i;
  return i;
}

std::pair<std::size_t, std::size_t> SlotCalendar::Inside(Seconds not_before, Seconds deadline) const {
  const std::size_t lo = FirstStartingAtOrAfter(not_before);
  const auto hi = std::partition_point(slots_.begin() + static_cast<std::ptrdiff_t>(lo), slots_.end(),
                                       [&](const Entry& e) { return base_ + e.offset + e.duration <= deadline; });
  return {lo, static_cast<std::size_t>(hi - slots_.begin())};
}

void SlotCalendar::Add(std::size_t i, std::int64_t delta) {
  slots_[i].free = static_cast<std::int32_t>(slots_[i].free + delta);
  blocks_[i / kBlock].free += delta;
  total_free_ += delta;
}

std::int64_t SlotCalendar::FreeIn(std::size_t lo, std::size_t hi) const {
  std::int64_t sum = 0;
  std::size_t i = lo;
  for (; i < hi && i % kBlock != 0; ++i) sum += slots_[i].free;
  for (; i + kBlock <= hi; i += kBlock) sum += blocks_[i / kBlock].free;
  for (; i < hi; ++i) sum += slots_[i].free;
  return sum;
}

std::int64_t SlotCalendar::UnitsIn(std::size_t lo, std::size_t hi) const {
  std::int64_t sum = 0;
  for (std::size_t i = lo; i < hi; ++i) sum += slots_[i].units;
  return sum;
}

std::optional<SlotCalendar::Fill> SlotCalendar::EarliestFill(Seconds not_before, Seconds deadline,
                                                            std::int64_t quantity) const {
  assert(quantity >= 1);
  const std::size_t n = slots_.size();
  std::size_t i = FirstStartingAtOrAfter(not_before);
  std::optional<std::size_t> first;
  std::int64_t need = quantity;
  // Slot by slot to the next block boundary, then whole blocks while they
  // cannot complete the fill, then slot by slot again.
  auto walk_to = [&](std::size_t end) {
    for (; i < end; ++i) {
      if (slots_[i].free == 0) continue;
      if (!first) first = i;
      need -= slots_[i].free;
      if (need <= 0) return true;
    }
    return false;
  };
  bool done = walk_to(std::min(n, (i + kBlock - 1) / kBlock * kBlock));
  while (!done && i < n) {
    const std::int64_t block = blocks_[i / kBlock].free;
    if (block >= need || (block > 0 && !first)) {
      done = walk_to(std::min(n, i + kBlock));  // completes the fill, or finds `first`
    } else {
      need -= block;
      i += kBlock;
    }
  }
  // Ends are sorted too: the fill fits the window when its last slot does.
  if (!done || End(i) > deadline) return std::nullopt;
  return Fill{*first, i};
}

std::optional<std::size_t> SlotCalendar::Find(Seconds start, Seconds end) const {
  const std::size_t i = FirstStartingAtOrAfter(start);
  if (i == slots_.size() || Start(i) != start || End(i) != end) return std::nullopt;
  return i;
}

}  // namespace biomatch::engine
