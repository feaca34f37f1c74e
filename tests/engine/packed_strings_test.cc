#include "packed_strings.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace biomatch::engine {
namespace {

std::vector<std::string> All(const PackedStrings& p) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < p.size(); ++i) out.emplace_back(p[i]);
  return out;
}

TEST(PackedStringsTest, KeepsEveryStringInOrder) {
  const std::vector<std::string_view> items = {"大鼠28天重复给药毒性试验", "", "GLP"};
  const PackedStrings p(items);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(All(p), (std::vector<std::string>{"大鼠28天重复给药毒性试验", "", "GLP"}));
  const std::string with_nul("x\0y", 3);
  const std::vector<std::string_view> binary = {with_nul};
  EXPECT_EQ(PackedStrings(binary)[0], with_nul);
}

TEST(PackedStringsTest, EmptyListsAndCopies) {
  EXPECT_EQ(PackedStrings().size(), 0u);
  EXPECT_EQ(PackedStrings(std::span<const std::string_view>()).size(), 0u);
  const std::vector<std::string_view> items = {"title", "description"};
  PackedStrings original(items);
  const PackedStrings copy = original;
  original = PackedStrings();
  EXPECT_EQ(All(copy), (std::vector<std::string>{"title", "description"}));
}

}  // namespace
}  // namespace biomatch::engine
