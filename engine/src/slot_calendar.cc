#include "slot_calendar.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace biomatch::engine {

SlotCalendar::SlotCalendar(std::vector<Slot> slots) {
  std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) { return a.start < b.start; });
  slots_.reserve(slots.size());
  tree_.assign(slots.size() + 1, 0);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    slots_.push_back({s.start, static_cast<std::uint32_t>(s.end - s.start), static_cast<std::int32_t>(s.units)});
    tree_[i + 1] = s.units - s.reserved;
    total_units_ += s.units;
    total_reserved_ += s.reserved;
  }
  // Linear-time Fenwick construction.
  for (std::size_t i = 1; i < tree_.size(); ++i) {
    const std::size_t parent = i + (i & (~i + 1));
    if (parent < tree_.size()) tree_[parent] += tree_[i];
  }
}

Slot SlotCalendar::slot(std::size_t i) const {
  const Entry& e = slots_[i];
  const std::int64_t free = Free(i);
  return Slot{e.start, e.start + e.duration, e.units, e.units - free};
}

std::vector<Slot> SlotCalendar::Slots() const {
  std::vector<Slot> out;
  out.reserve(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) out.push_back(slot(i));
  return out;
}

std::pair<std::size_t, std::size_t> SlotCalendar::Inside(Seconds not_before, Seconds deadline) const {
  const auto lo = std::partition_point(slots_.begin(), slots_.end(),
                                       [&](const Entry& e) { return e.start < not_before; });
  const auto hi = std::partition_point(lo, slots_.end(),
                                       [&](const Entry& e) { return e.start + e.duration <= deadline; });
  return {static_cast<std::size_t>(lo - slots_.begin()), static_cast<std::size_t>(hi - slots_.begin())};
}

std::int64_t SlotCalendar::PrefixFree(std::size_t n) const {
  std::int64_t sum = 0;
  for (; n > 0; n &= n - 1) sum += tree_[n];
  return sum;
}

void SlotCalendar::Add(std::size_t i, std::int64_t delta) {
  total_reserved_ -= delta;
  for (std::size_t n = i + 1; n < tree_.size(); n += n & (~n + 1)) tree_[n] += delta;
}

std::int64_t SlotCalendar::FreeIn(std::size_t lo, std::size_t hi) const {
  return hi <= lo ? 0 : PrefixFree(hi) - PrefixFree(lo);
}

std::int64_t SlotCalendar::UnitsIn(std::size_t lo, std::size_t hi) const {
  std::int64_t sum = 0;
  for (std::size_t i = lo; i < hi; ++i) sum += slots_[i].units;
  return sum;
}

std::optional<SlotCalendar::Fill> SlotCalendar::EarliestFill(std::size_t lo, std::size_t hi,
                                                            std::int64_t quantity) const {
  assert(quantity >= 1);
  if (hi <= lo) return std::nullopt;
  const std::int64_t base = PrefixFree(lo);
  if (PrefixFree(hi) - base < quantity) return std::nullopt;
  // Smallest n with PrefixFree(n) >= target, by Fenwick descent; the slot is n - 1.
  auto lower_bound = [&](std::int64_t target) {
    std::size_t pos = 0;
    std::int64_t acc = 0;
    for (std::size_t step = std::bit_floor(tree_.size() - 1); step > 0; step >>= 1) {
      const std::size_t next = pos + step;
      if (next < tree_.size() && acc + tree_[next] < target) {
        pos = next;
        acc += tree_[next];
      }
    }
    return pos;  // PrefixFree(pos) < target <= PrefixFree(pos + 1)
  };
  return Fill{lower_bound(base + 1), lower_bound(base + quantity)};
}

std::optional<std::size_t> SlotCalendar::Find(Seconds start, Seconds end) const {
  const auto it = std::partition_point(slots_.begin(), slots_.end(),
                                       [&](const Entry& e) { return e.start < start; });
  if (it == slots_.end() || it->start != start || it->start + it->duration != end) return std::nullopt;
  return static_cast<std::size_t>(it - slots_.begin());
}

}  // namespace biomatch::engine
