#include "id_index.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <limits>

namespace biomatch::engine {

std::uint32_t IdIndex::Hash(std::string_view id) {
  return static_cast<std::uint32_t>(std::hash<std::string_view>{}(id));
}

std::size_t IdIndex::Probe(std::string_view id, std::uint32_t hash) const {
  const std::size_t mask = buckets_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Bucket& b = buckets_[i];
    if (b.idx == kNoIdx || (b.hash == hash && this->id(b.idx) == id)) return i;
  }
}

std::optional<std::uint32_t> IdIndex::Find(std::string_view id) const {
  if (size_ == 0) return std::nullopt;
  const std::uint32_t idx = buckets_[Probe(id, Hash(id))].idx;
  if (idx == kNoIdx) return std::nullopt;
  return idx;
}

void IdIndex::Grow() {
  std::vector<Bucket> old = std::move(buckets_);
  buckets_.assign(std::max<std::size_t>(16, old.size() * 2), Bucket{});
  const std::size_t mask = buckets_.size() - 1;
  for (const Bucket& b : old) {
    if (b.idx == kNoIdx) continue;
    std::size_t i = b.hash & mask;
    while (buckets_[i].idx != kNoIdx) i = (i + 1) & mask;
    buckets_[i] = b;
  }
}

std::size_t IdIndex::ChunkAfter(std::string_view id) const {
  if (chunks_.empty() || this->id(chunks_.back().back()) <= id) return chunks_.size();
  const auto it = std::partition_point(chunks_.begin(), chunks_.end(),
                                       [&](const Chunk& c) { return this->id(c.back()) <= id; });
  return static_cast<std::size_t>(it - chunks_.begin());
}

std::size_t IdIndex::PositionAfter(const Chunk& chunk, std::string_view id) const {
  const auto it =
      std::partition_point(chunk.begin(), chunk.end(), [&](std::uint32_t idx) { return this->id(idx) <= id; });
  return static_cast<std::size_t>(it - chunk.begin());
}

void IdIndex::Insert(std::string_view id, std::uint32_t idx) {
  // Hash table.
  if ((size_ + 1) * 4 > buckets_.size() * 3) Grow();
  const std::uint32_t hash = Hash(id);
  const std::size_t b = Probe(id, hash);
  assert(buckets_[b].idx == kNoIdx);
  buckets_[b] = {hash, idx};

  // Order: the chunk the id falls into, or a new last chunk.
  std::size_t c = ChunkAfter(id);
  if (c == chunks_.size()) {
    if (chunks_.empty() || chunks_.back().size() == kMaxChunk) {
      chunks_.emplace_back();
      chunks_.back().reserve(kMaxChunk);
    }
    chunks_.back().push_back(idx);
  } else {
    Chunk& chunk = chunks_[c];
    chunk.insert(chunk.begin() + static_cast<std::ptrdiff_t>(PositionAfter(chunk, id)), idx);
    if (chunk.size() > kMaxChunk) {
      Chunk tail(chunk.begin() + kMaxChunk / 2, chunk.end());
      chunk.resize(kMaxChunk / 2);
      chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c) + 1, std::move(tail));
    }
  }

  assert(arena_.size() + id.size() < std::numeric_limits<std::uint32_t>::max());
  if (refs_.size() <= idx) refs_.resize(idx + 1);
  refs_[idx] = {static_cast<std::uint32_t>(arena_.size()), static_cast<std::uint32_t>(id.size())};
  arena_.insert(arena_.end(), id.begin(), id.end());
  ++size_;
}

void IdIndex::Erase(std::uint32_t idx) {
  const std::string_view key = id(idx);

  // Hash table: backward-shift deletion keeps every probe chain unbroken.
  const std::size_t mask = buckets_.size() - 1;
  std::size_t hole = Probe(key, Hash(key));
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

  // Order: remove, then merge a small chunk into a neighbour. The chunk
  // holding the id is the first whose last id is not below it.
  const auto it = std::partition_point(chunks_.begin(), chunks_.end(),
                                       [&](const Chunk& ch) { return this->id(ch.back()) < key; });
  const auto at = static_cast<std::size_t>(it - chunks_.begin());
  Chunk& chunk = chunks_[at];
  const std::size_t pos = PositionAfter(chunk, key) - 1;
  assert(chunk[pos] == idx);
  chunk.erase(chunk.begin() + static_cast<std::ptrdiff_t>(pos));
  if (chunk.empty()) {
    chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(at));
  } else if (at + 1 < chunks_.size() && chunk.size() + chunks_[at + 1].size() <= kMaxChunk / 2) {
    chunk.insert(chunk.end(), chunks_[at + 1].begin(), chunks_[at + 1].end());
    chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }

  // The id's bytes become garbage; compact once they are half the arena.
  garbage_ += refs_[idx].size;
  refs_[idx] = Ref{};
  --size_;
  if (garbage_ > 4096 && garbage_ * 2 > arena_.size()) CompactArena();
}

void IdIndex::CompactArena() {
  std::vector<char> arena;
  arena.reserve(arena_.size() - garbage_);
  for (Ref& r : refs_) {
    if (r.offset == kNoIdx) continue;
    const std::uint32_t offset = static_cast<std::uint32_t>(arena.size());
    arena.insert(arena.end(), arena_.begin() + r.offset, arena_.begin() + r.offset + r.size);
    r.offset = offset;
  }
  arena_ = std::move(arena);
  garbage_ = 0;
}

}  // namespace biomatch::engine
