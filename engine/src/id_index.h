// IdIndex: the ids of one table of records, each naming a record index:
// lookup by id, and iteration in id byte order (for listings).
//
// Lookup is a StringIndex. Order is a list of sorted chunks of record
// indices: an insertion moves at most one chunk, and ids appended in
// increasing order (the usual bulk load) cost one comparison. About 30 bytes
// per id plus the id itself, against some 80 for a std::map.
//
// Thread safety: const methods may be called concurrently; mutation needs
// external synchronisation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "string_index.h"

namespace biomatch::engine {

class IdIndex {
 public:
  std::optional<std::uint32_t> Find(std::string_view id) const { return ids_.Find(id); }
  // REQUIRES: `id` is absent, `idx` names no id, and `id` does not view this
  // index's own storage.
  void Insert(std::string_view id, std::uint32_t idx);
  // As StringIndex::FindOrInsert.
  std::pair<std::uint32_t, bool> FindOrInsert(std::string_view id, std::uint32_t idx);
  // REQUIRES: `idx` names an id.
  void Erase(std::uint32_t idx);
  // Room for `n` more ids (of `bytes` bytes in all).
  void Reserve(std::size_t n, std::size_t bytes) { ids_.Reserve(n, bytes); }

  // The id `idx` names; the view is valid until the next mutation.
  // REQUIRES: `idx` names an id.
  std::string_view id(std::uint32_t idx) const { return ids_.at(idx); }
  std::size_t size() const { return ids_.size(); }

  // Calls fn(idx) for each id after `after` (every id when `after` is empty)
  // in byte order, until fn returns false.
  template <typename Fn>
  void ScanAfter(std::string_view after, Fn&& fn) const {
    std::size_t c = after.empty() ? 0 : ChunkAfter(after);
    if (c == chunks_.size()) return;
    std::size_t i = after.empty() ? 0 : PositionAfter(chunks_[c], after);
    for (; c < chunks_.size(); ++c, i = 0) {
      for (; i < chunks_[c].size(); ++i) {
        if (!fn(chunks_[c][i])) return;
      }
    }
  }

 private:
  static constexpr std::size_t kMaxChunk = 512;  // a full chunk splits in two
  using Chunk = std::vector<std::uint32_t>;

  // The first chunk whose last id is > id, chunks_.size() if none.
  std::size_t ChunkAfter(std::string_view id) const;
  // The position of the first id > `id` in `chunk`.
  std::size_t PositionAfter(const Chunk& chunk, std::string_view id) const;

  StringIndex ids_;
  std::vector<Chunk> chunks_;  // non-empty, sorted, each after the previous
};

}  // namespace biomatch::engine
