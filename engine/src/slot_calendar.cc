#include "slot_calendar.h"

#include <algorithm>
#include <cassert>

namespace biomatch::engine {

SlotCalendar::SlotCalendar(std::vector<Slot> slots, std::pmr::memory_resource* mr) {
  if (slots.empty()) return;
  const auto by_start = [](const Slot& a, const Slot& b) { return a.start < b.start; };
  if (!std::is_sorted(slots.begin(), slots.end(), by_start)) std::sort(slots.begin(), slots.end(), by_start);
  const std::size_t n = slots.size();
  const std::size_t runs = (n + kBlock - 1) / kBlock;
  words_ = FixedArray<std::uint32_t>(View::kHeaderWords + 3 * n + 2 * runs, mr);
  std::uint32_t* w = words_.data();
  auto put_int64 = [&](std::size_t word, std::int64_t v) { std::memcpy(w + word, &v, sizeof v); };
  const Seconds base = slots.front().start;
  put_int64(View::kBaseWord, base);
  w[View::kSizeWord] = static_cast<std::uint32_t>(n);
  std::uint32_t* starts = w + View::kHeaderWords;
  std::uint32_t* durations = starts + n;
  std::uint32_t* free_units = durations + n;
  std::int64_t total_units = 0, total_free = 0, run_free = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Slot& s = slots[i];
    starts[i] = static_cast<std::uint32_t>(s.start - base);
    durations[i] = static_cast<std::uint32_t>(s.end - s.start);
    free_units[i] = static_cast<std::uint32_t>(s.units - s.reserved);
    total_units += s.units;
    run_free += free_units[i];
    if (i % kBlock == kBlock - 1 || i + 1 == n) {
      put_int64(View::kHeaderWords + 3 * n + 2 * (i / kBlock), run_free);
      total_free += run_free;
      run_free = 0;
    }
    if (s.reserved != 0) {
      if (reserved_.empty()) reserved_.assign(n, 0);
      reserved_[i] = static_cast<std::int32_t>(s.reserved);
    }
  }
  put_int64(View::kTotalUnitsWord, total_units);
  put_int64(View::kTotalFreeWord, total_free);
}

Slot SlotCalendar::slot(std::size_t i) const {
  const std::int64_t reserved = reserved_.empty() ? 0 : reserved_[i];
  return Slot{start(i), end(i), Free(i) + reserved, reserved};
}

std::vector<Slot> SlotCalendar::Slots() const {
  std::vector<Slot> out;
  out.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) out.push_back(slot(i));
  return out;
}

std::int64_t SlotCalendar::UnitsIn(std::size_t lo, std::size_t hi) const {
  std::int64_t sum = 0;
  for (std::size_t i = lo; i < hi; ++i) sum += slot(i).units;
  return sum;
}

void SlotCalendar::AddInt64(std::size_t word, std::int64_t delta) {
  std::int64_t v;
  std::memcpy(&v, words_.data() + word, sizeof v);
  v += delta;
  std::memcpy(words_.data() + word, &v, sizeof v);
}

void SlotCalendar::AddFree(std::size_t i, std::int64_t delta) {
  const std::size_t n = size();
  std::uint32_t& free_units = words_[View::kHeaderWords + 2 * n + i];
  free_units = static_cast<std::uint32_t>(free_units + delta);
  AddInt64(View::kHeaderWords + 3 * n + 2 * (i / kBlock), delta);
  AddInt64(View::kTotalFreeWord, delta);
}

void SlotCalendar::Reserve(std::size_t i, std::int64_t units) {
  AddFree(i, -units);
  if (reserved_.empty()) reserved_.assign(size(), 0);
  reserved_[i] = static_cast<std::int32_t>(reserved_[i] + units);
}

void SlotCalendar::Release(std::size_t i, std::int64_t units) {
  AddFree(i, units);
  reserved_[i] = static_cast<std::int32_t>(reserved_[i] - units);
  if (total_reserved() == 0) reserved_ = {};  // nothing reserved: drop the column
}

std::size_t SlotCalendar::View::FirstStartingAtOrAfter(Seconds t) const {
  const std::size_t n = size();
  if (n == 0 || t <= base()) return 0;
  const Seconds offset = t - base();
  if (offset > starts()[n - 1]) return n;  // also every offset beyond 32 bits
  return static_cast<std::size_t>(std::lower_bound(starts(), starts() + n, static_cast<std::uint32_t>(offset)) -
                                  starts());
}

std::pair<std::size_t, std::size_t> SlotCalendar::View::Inside(Seconds not_before, Seconds deadline) const {
  const std::size_t lo = FirstStartingAtOrAfter(not_before);
  // Ends are sorted: the first slot ending after the deadline bounds the
  // range. Windows mostly end early in a calendar: gallop from lo (reading
  // the ends near it, not across the calendar), then halve what is left.
  const std::size_t n = size();
  std::size_t hi = lo;  // every slot before hi ends by the deadline
  std::size_t step = 1;
  while (hi + step <= n && end(hi + step - 1) <= deadline) {
    hi += step;
    step *= 2;
  }
  for (std::size_t count = std::min(n, hi + step - 1) - hi; count > 0;) {
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

std::int64_t SlotCalendar::View::FreeIn(std::size_t lo, std::size_t hi) const {
  std::int64_t sum = 0;
  std::size_t i = lo;
  for (; i < hi && i % kBlock != 0; ++i) sum += Free(i);
  for (; i + kBlock <= hi; i += kBlock) sum += RunFree(i / kBlock);
  for (; i < hi; ++i) sum += Free(i);
  return sum;
}

std::optional<SlotCalendar::Fill> SlotCalendar::View::EarliestFill(Seconds not_before, Seconds deadline,
                                                                  std::int64_t quantity) const {
  assert(quantity >= 1);
  const std::size_t n = size();
  const std::uint32_t* free_units = this->free_units();
  std::size_t i = FirstStartingAtOrAfter(not_before);
  std::size_t first = n;  // none yet
  std::int64_t need = quantity;
  // Slot by slot to the next run boundary, then whole runs while they cannot
  // complete the fill, then slot by slot again.
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
    const std::int64_t run = RunFree(i / kBlock);
    if (run >= need || (run > 0 && first == n)) {
      done = walk_to(std::min(n, i + kBlock));  // completes the fill, or finds `first`
    } else {
      need -= run;
      i += kBlock;
    }
  }
  // Ends are sorted too: the fill fits the window when its last slot does.
  if (!done || end(i) > deadline) return std::nullopt;
  return Fill{first, i};
}

std::optional<std::size_t> SlotCalendar::View::Find(Seconds start, Seconds end) const {
  const std::size_t i = FirstStartingAtOrAfter(start);
  if (i == size() || this->start(i) != start || this->end(i) != end) return std::nullopt;
  return i;
}

}  // namespace biomatch::engine
