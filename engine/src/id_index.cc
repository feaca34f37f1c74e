#include "id_index.h"

#include <algorithm>
#include <cassert>

namespace biomatch::engine {

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
  [[maybe_unused]] const auto [named, inserted] = FindOrInsert(id, idx);
  assert(inserted);
}

std::pair<std::uint32_t, bool> IdIndex::FindOrInsert(std::string_view id, std::uint32_t idx) {
  const auto found = ids_.FindOrInsert(id, idx);
  if (!found.second) return found;
  // The chunk the id falls into, or a new last chunk.
  const std::size_t c = ChunkAfter(id);
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
  return found;
}

void IdIndex::Erase(std::uint32_t idx) {
  // Remove, then merge a small chunk into its successor. The chunk holding
  // the id is the first whose last id is not below it.
  const std::string_view key = id(idx);
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
  ids_.Erase(idx);
}

}  // namespace biomatch::engine
