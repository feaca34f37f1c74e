#include "id_index.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace biomatch::engine {
namespace {

std::vector<std::uint32_t> ScanAll(const IdIndex& index, std::string_view after = {}) {
  std::vector<std::uint32_t> out;
  index.ScanAfter(after, [&](std::uint32_t idx) {
    out.push_back(idx);
    return true;
  });
  return out;
}

TEST(IdIndexTest, FindsInsertedIdsAndForgetsErasedOnes) {
  IdIndex index;
  EXPECT_FALSE(index.Find("a"));
  index.Insert("b", 0);
  index.Insert("a", 1);
  EXPECT_EQ(index.Find("a"), 1u);
  EXPECT_EQ(index.Find("b"), 0u);
  EXPECT_EQ(index.id(0), "b");
  EXPECT_EQ(index.size(), 2u);
  index.Erase(0);
  EXPECT_FALSE(index.Find("b"));
  EXPECT_EQ(index.Find("a"), 1u);
  EXPECT_EQ(index.size(), 1u);
  index.Insert("b", 0);  // an index and an id can be used again
  EXPECT_EQ(index.Find("b"), 0u);
}

TEST(IdIndexTest, FindOrInsertKeepsOrder) {
  IdIndex index;
  EXPECT_TRUE(index.FindOrInsert("b", 0).second);
  EXPECT_FALSE(index.FindOrInsert("b", 1).second);
  EXPECT_TRUE(index.FindOrInsert("a", 1).second);
  EXPECT_EQ(ScanAll(index), (std::vector<std::uint32_t>{1, 0}));
  EXPECT_EQ(index.size(), 2u);
}

TEST(IdIndexTest, ScansInByteOrderAfterAnId) {
  IdIndex index;
  const std::vector<std::string> ids = {"m", "a", "z", "b:1", "B", "a.b"};
  for (std::uint32_t i = 0; i < ids.size(); ++i) index.Insert(ids[i], i);
  EXPECT_EQ(ScanAll(index), (std::vector<std::uint32_t>{4, 1, 5, 3, 0, 2}));  // B a a.b b:1 m z
  EXPECT_EQ(ScanAll(index, "a"), (std::vector<std::uint32_t>{5, 3, 0, 2}));
  EXPECT_EQ(ScanAll(index, "c"), (std::vector<std::uint32_t>{0, 2})) << "`after` need not exist";
  EXPECT_TRUE(ScanAll(index, "z").empty());
  std::vector<std::uint32_t> first_two;
  index.ScanAfter("", [&](std::uint32_t idx) {
    first_two.push_back(idx);
    return first_two.size() < 2;
  });
  EXPECT_EQ(first_two, (std::vector<std::uint32_t>{4, 1}));
}

// Random inserts and erases, in and out of order, across chunk splits,
// merges and arena compactions, agree with a std::map.
TEST(IdIndexTest, AgreesWithAStdMap) {
  std::mt19937_64 rng(11);
  IdIndex index;
  std::map<std::string, std::uint32_t> reference;
  std::vector<std::uint32_t> free_idx;
  std::uint32_t next_idx = 0;
  auto random_id = [&] {
    // Mostly increasing ids (a bulk load), some random ones, some long.
    std::string id = rng() % 4 == 0 ? "x" + std::to_string(rng() % 100000) : "c-" + std::to_string(1000000 + next_idx);
    if (rng() % 50 == 0) id += std::string(100, 'q');
    return id;
  };
  for (int step = 0; step < 60000; ++step) {
    if (reference.empty() || rng() % 3 != 0 || step < 5000) {
      const std::string id = random_id();
      if (reference.count(id)) continue;
      std::uint32_t idx;
      if (!free_idx.empty() && rng() % 2 == 0) {
        idx = free_idx.back();
        free_idx.pop_back();
      } else {
        idx = next_idx++;
      }
      index.Insert(id, idx);
      reference[id] = idx;
    } else {
      auto it = reference.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(rng() % std::min<std::size_t>(reference.size(), 64)));
      if (rng() % 2 == 0) it = std::prev(reference.end());
      index.Erase(it->second);
      free_idx.push_back(it->second);
      reference.erase(it);
    }
    if (step % 5000 == 0 || step == 59999) {
      ASSERT_EQ(index.size(), reference.size());
      std::vector<std::uint32_t> expected;
      for (const auto& [id, idx] : reference) {
        ASSERT_EQ(index.Find(id), idx) << id;
        ASSERT_EQ(index.id(idx), id);
        expected.push_back(idx);
      }
      ASSERT_EQ(ScanAll(index), expected);
      const std::string after = random_id();
      expected.clear();
      for (auto it = reference.upper_bound(after); it != reference.end(); ++it) expected.push_back(it->second);
      ASSERT_EQ(ScanAll(index, after), expected);
    }
  }
  // Erasing everything leaves an empty, usable index.
  for (const auto& [id, idx] : reference) index.Erase(idx);
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(ScanAll(index).empty());
  index.Insert("again", 0);
  EXPECT_EQ(ScanAll(index), (std::vector<std::uint32_t>{0}));
}

}  // namespace
}  // namespace biomatch::engine
