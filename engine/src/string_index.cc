#include "string_index.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>

namespace biomatch::engine {
namespace {

std::uint64_t Mix(std::uint64_t x) {
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ull;
  x ^= x >> 32;
  return x;
}

}  // namespace

// Eight bytes at a time, each word mixed in by a multiply: fast for the short
// strings indexed here (ids, words), and spread well enough for probing.
std::uint32_t StringIndex::Hash(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = Mix(h ^ w);
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = Mix(h ^ w);
  }
  return static_cast<std::uint32_t>(Mix(h));
}

std::size_t StringIndex::Probe(std::string_view s, std::uint32_t hash) const {
  const std::size_t mask = buckets_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Bucket& b = buckets_[i];
    if (b.idx == kNoIdx || (b.hash == hash && at(b.idx) == s)) return i;
  }
}

std::optional<std::uint32_t> StringIndex::Find(std::string_view s) const {
  if (size_ == 0) return std::nullopt;
  const std::uint32_t idx = buckets_[Probe(s, Hash(s))].idx;
  if (idx == kNoIdx) return std::nullopt;
  return idx;
}

void StringIndex::Rehash(std::size_t buckets) {
  std::vector<Bucket> old = std::move(buckets_);
  buckets_.assign(buckets, Bucket{});
  const std::size_t mask = buckets_.size() - 1;
  for (const Bucket& b : old) {
    if (b.idx == kNoIdx) continue;
    std::size_t i = b.hash & mask;
    while (buckets_[i].idx != kNoIdx) i = (i + 1) & mask;
    buckets_[i] = b;
  }
}

void StringIndex::Reserve(std::size_t n, std::size_t bytes) {
  std::size_t buckets = std::max<std::size_t>(16, buckets_.size());
  while ((size_ + n) * 4 > buckets * 3) buckets *= 2;  // at most 3/4 full
  if (buckets != buckets_.size()) Rehash(buckets);
  if (arena_.size() + bytes > arena_.capacity()) arena_.reserve(std::max(arena_.size() + bytes, 2 * arena_.capacity()));
}

void StringIndex::Insert(std::string_view s, std::uint32_t idx) {
  [[maybe_unused]] const auto [named, inserted] = FindOrInsert(s, idx);
  assert(inserted);
}

std::pair<std::uint32_t, bool> StringIndex::FindOrInsert(std::string_view s, std::uint32_t idx) {
  if ((size_ + 1) * 4 > buckets_.size() * 3) Rehash(std::max<std::size_t>(16, buckets_.size() * 2));
  const std::uint32_t hash = Hash(s);
  const std::size_t b = Probe(s, hash);
  if (buckets_[b].idx != kNoIdx) return {buckets_[b].idx, false};
  buckets_[b] = {hash, idx};

  assert(arena_.size() + s.size() < std::numeric_limits<std::uint32_t>::max());
  if (refs_.size() <= idx) refs_.resize(std::max<std::size_t>(idx + 1, refs_.size() * 3 / 2));
  refs_[idx] = {static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(s.size())};
  arena_.insert(arena_.end(), s.begin(), s.end());
  ++size_;
  return {idx, true};
}

void StringIndex::Erase(std::uint32_t idx) {
  const std::string_view s = at(idx);
  // Backward-shift deletion keeps every probe chain unbroken.
  const std::size_t mask = buckets_.size() - 1;
  std::size_t hole = Probe(s, Hash(s));
  assert(buckets_[hole].idx == idx);
  for (std::size_t j = (hole + 1) & mask; buckets_[j].idx != kNoIdx; j = (j + 1) & mask) {
    const std::size_t home = buckets_[j].hash & mask;
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!stays) {
      buckets_[hole] = buckets_[j];
      hole = j;
    }
  }
  buckets_[hole] = Bucket{};

  // The string's bytes become garbage; compact once they are half the arena.
  garbage_ += refs_[idx].size;
  refs_[idx] = Ref{};
  --size_;
  if (garbage_ > 4096 && garbage_ * 2 > arena_.size()) CompactArena();
}

void StringIndex::CompactArena() {
  std::vector<char> arena;
  arena.reserve(arena_.size() - garbage_);
  for (Ref& r : refs_) {
    if (r.offset == kNoIdx) continue;
    const auto offset = static_cast<std::uint32_t>(arena.size());
    arena.insert(arena.end(), arena_.begin() + r.offset, arena_.begin() + r.offset + r.size);
    r.offset = offset;
  }
  arena_ = std::move(arena);
  garbage_ = 0;
}

}  // namespace biomatch::engine
