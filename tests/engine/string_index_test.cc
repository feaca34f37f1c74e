#include "string_index.h"

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

namespace biomatch::engine {
namespace {

TEST(StringIndexTest, FindsInsertedStringsAndForgetsErasedOnes) {
  StringIndex index;
  EXPECT_FALSE(index.Find(""));
  index.Insert("rat", 3);
  index.Insert("大鼠", 0);
  index.Insert("", 1);
  EXPECT_EQ(index.Find("rat"), 3u);
  EXPECT_EQ(index.Find("大鼠"), 0u);
  EXPECT_EQ(index.Find(""), 1u) << "the empty string is a string";
  EXPECT_FALSE(index.Find("ra"));
  EXPECT_EQ(index.at(0), "大鼠");
  EXPECT_EQ(index.size(), 3u);
  index.Erase(3);
  EXPECT_FALSE(index.Find("rat"));
  EXPECT_EQ(index.size(), 2u);
  index.Insert("rat", 7);
  EXPECT_EQ(index.Find("rat"), 7u);
}

TEST(StringIndexTest, FindOrInsertNamesOnlyNewStrings) {
  StringIndex index;
  EXPECT_EQ(index.FindOrInsert("a", 4), (std::pair<std::uint32_t, bool>{4, true}));
  EXPECT_EQ(index.FindOrInsert("a", 5), (std::pair<std::uint32_t, bool>{4, false})) << "`a` keeps its index";
  EXPECT_EQ(index.FindOrInsert("b", 5), (std::pair<std::uint32_t, bool>{5, true}));
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.at(5), "b");
}

// Random inserts and erases (probe chains shifted back, the arena compacted,
// the table grown and reserved) agree with a std::unordered_map.
TEST(StringIndexTest, AgreesWithAnUnorderedMap) {
  std::mt19937_64 rng(5);
  StringIndex index;
  index.Reserve(1000, 10000);
  std::unordered_map<std::string, std::uint32_t> reference;
  std::vector<std::uint32_t> free_idx;
  std::uint32_t next_idx = 0;
  for (int step = 0; step < 100000; ++step) {
    // A small key space, so that erased keys come back and chains collide.
    std::string s = "k" + std::to_string(rng() % 5000);
    if (rng() % 10 == 0) s += std::string(rng() % 40, 'x');
    if (auto it = reference.find(s); it != reference.end()) {
      ASSERT_EQ(index.Find(s), it->second);
      if (rng() % 2 == 0) {
        index.Erase(it->second);
        free_idx.push_back(it->second);
        reference.erase(it);
        ASSERT_FALSE(index.Find(s));
      }
    } else {
      ASSERT_FALSE(index.Find(s));
      std::uint32_t idx = next_idx++;
      if (!free_idx.empty() && rng() % 2 == 0) {
        idx = free_idx.back();
        free_idx.pop_back();
        --next_idx;
      }
      index.Insert(s, idx);
      reference[s] = idx;
    }
  }
  ASSERT_EQ(index.size(), reference.size());
  for (const auto& [s, idx] : reference) {
    ASSERT_EQ(index.Find(s), idx);
    ASSERT_EQ(index.at(idx), s);
  }
}

}  // namespace
}  // namespace biomatch::engine
