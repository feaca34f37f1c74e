// StringIndex: strings, each naming a caller-chosen index (a record's id, a
// vocabulary term): lookup by string, and the string of an index.
//
// The strings live in one arena of bytes, compacted once erased strings are
// half of it; lookup is an open-addressing hash table of (hash, index) pairs
// with linear probing and backward-shift deletion. About 20 bytes per string
// plus its bytes, in three allocations whatever the count.
//
// Thread safety: const methods may be called concurrently; mutation needs
// external synchronisation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace biomatch::engine {

class StringIndex {
 public:
  std::optional<std::uint32_t> Find(std::string_view s) const;
  // REQUIRES: `s` is absent, `idx` names no string, and `s` does not view
  // this index's own storage.
  void Insert(std::string_view s, std::uint32_t idx);
  // The index `s` names and false; or, when it names none, `idx` and true
  // after naming `idx` by it (one probe where Find and Insert take two).
  // REQUIRES: `idx` names no string, and `s` does not view this index's own
  // storage.
  std::pair<std::uint32_t, bool> FindOrInsert(std::string_view s, std::uint32_t idx);
  // REQUIRES: `idx` names a string.
  void Erase(std::uint32_t idx);
  // Room for `n` more strings (of `bytes` bytes in all) without rehashing
  // or growing the arena.
  void Reserve(std::size_t n, std::size_t bytes);

  // The string `idx` names; the view is valid until the next mutation.
  // REQUIRES: `idx` names a string.
  std::string_view at(std::uint32_t idx) const {
    const Ref& r = refs_[idx];
    return {arena_.data() + r.offset, r.size};
  }
  std::size_t size() const { return size_; }

 private:
  static constexpr std::uint32_t kNoIdx = 0xFFFFFFFF;

  struct Ref {
    std::uint32_t offset = kNoIdx;  // kNoIdx: the index names no string
    std::uint32_t size = 0;
  };
  struct Bucket {
    std::uint32_t hash = 0;  // low bits of the string's hash; its home bucket is hash & mask
    std::uint32_t idx = kNoIdx;
  };

  static std::uint32_t Hash(std::string_view s);
  std::size_t Probe(std::string_view s, std::uint32_t hash) const;  // its bucket or an empty one
  void Rehash(std::size_t buckets);
  void CompactArena();

  std::vector<char> arena_;
  std::size_t garbage_ = 0;  // arena bytes of erased strings
  std::vector<Ref> refs_;    // by index
  std::vector<Bucket> buckets_;
  std::size_t size_ = 0;
};

}  // namespace biomatch::engine
