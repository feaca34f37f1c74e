#include "packed_strings.h"

#include <cassert>
#include <limits>

namespace biomatch::engine {

PackedStrings::PackedStrings(std::span<const std::string_view> items, std::pmr::memory_resource* mr) {
  if (items.empty()) return;
  std::size_t bytes = 0;
  for (const std::string_view s : items) bytes += s.size();
  assert(bytes <= std::numeric_limits<std::uint32_t>::max());
  const std::size_t header = (1 + items.size()) * sizeof(std::uint32_t);
  data_ = FixedArray<char>(header + bytes, mr);
  auto put_word = [&](std::size_t i, std::size_t w) {
    const auto v = static_cast<std::uint32_t>(w);
    std::memcpy(data_.data() + i * sizeof v, &v, sizeof v);
  };
  put_word(0, items.size());
  std::size_t end = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].empty()) std::memcpy(data_.data() + header + end, items[i].data(), items[i].size());
    end += items[i].size();
    put_word(i + 1, end);
  }
}

}  // namespace biomatch::engine
