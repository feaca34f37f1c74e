// PackedStrings: an immutable list of strings in one block, for texts a
// record keeps but seldom reads (a capability's title, description and
// keywords): the count and the end offset of each string, then their bytes.
//
// Value type, copyable on purpose. Thread safety: const methods may be called
// concurrently.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <span>
#include <string_view>

#include "fixed_array.h"

namespace biomatch::engine {

class PackedStrings {
 public:
  PackedStrings() = default;
  // Copies `items` into a block from `mr`.
  explicit PackedStrings(std::span<const std::string_view> items,
                         std::pmr::memory_resource* mr = std::pmr::get_default_resource());

  std::size_t size() const { return data_.empty() ? 0 : Word(0); }
  // The i-th string; valid while this object is. REQUIRES: i < size().
  std::string_view operator[](std::size_t i) const {
    const std::uint32_t begin = i == 0 ? 0 : Word(i);
    return {data_.data() + (1 + size()) * sizeof(std::uint32_t) + begin, Word(i + 1) - begin};
  }

 private:
  std::uint32_t Word(std::size_t i) const {
    std::uint32_t w;
    std::memcpy(&w, data_.data() + i * sizeof w, sizeof w);
    return w;
  }

  FixedArray<char> data_;  // empty when there are no strings
};

}  // namespace biomatch::engine
