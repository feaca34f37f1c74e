#include "size_class_pool.h"

#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "engine/counting_resource.h"

namespace biomatch::engine {
namespace {

using testutil::CountingResource;

TEST(SizeClassPoolTest, ReusesFreedBlocksOfTheirClass) {
  SizeClassPool pool;
  void* a = pool.allocate(40, 4);
  void* b = pool.allocate(48, 8);  // same 16-byte class as 40
  EXPECT_NE(a, b);
  pool.deallocate(a, 40, 4);
  EXPECT_EQ(pool.allocate(33, 1), a) << "a freed block serves its class again";
  void* c = pool.allocate(64, 4);
  EXPECT_NE(c, b);
  EXPECT_EQ(pool.allocated_bytes(), SizeClassPool::kDefaultSlabBytes);
}

TEST(SizeClassPoolTest, LargeOrOveralignedBlocksComeFromUpstream) {
  CountingResource upstream;
  {
    SizeClassPool pool(SizeClassPool::kDefaultSlabBytes, &upstream);
    void* big = pool.allocate(SizeClassPool::kLargestPooled + 1, 8);
    EXPECT_EQ(upstream.live, 1);
    void* aligned = pool.allocate(16, 64);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(aligned) % 64, 0u);
    EXPECT_EQ(upstream.live, 2);
    pool.deallocate(big, SizeClassPool::kLargestPooled + 1, 8);
    pool.deallocate(aligned, 16, 64);
    EXPECT_EQ(upstream.live, 0);
    EXPECT_EQ(pool.allocated_bytes(), 0u);
  }
}

// Blocks live at once never overlap, are 16-byte aligned and keep what was
// written to them, across many slabs and reuse.
TEST(SizeClassPoolTest, LiveBlocksAreDisjointAndAligned) {
  SizeClassPool pool(64 << 10);  // small slabs: many of them
  std::mt19937_64 rng(3);
  struct Block {
    unsigned char* p;
    std::size_t size;
    unsigned char fill;
  };
  std::vector<Block> live;
  for (int step = 0; step < 50000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      const std::size_t size = 1 + rng() % SizeClassPool::kLargestPooled;
      auto* p = static_cast<unsigned char*>(pool.allocate(size, 1 + rng() % 2 * 3));
      ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p) % SizeClassPool::kGranule, 0u);
      const auto fill = static_cast<unsigned char>(rng());
      std::memset(p, fill, size);
      live.push_back({p, size, fill});
    } else {
      const std::size_t k = rng() % live.size();
      for (std::size_t i = 0; i < live[k].size; ++i) ASSERT_EQ(live[k].p[i], live[k].fill);
      pool.deallocate(live[k].p, live[k].size, 1);
      live[k] = live.back();
      live.pop_back();
    }
  }
  std::set<std::pair<std::uintptr_t, std::uintptr_t>> spans;
  for (const Block& b : live) {
    for (std::size_t i = 0; i < b.size; ++i) ASSERT_EQ(b.p[i], b.fill);
    spans.emplace(reinterpret_cast<std::uintptr_t>(b.p), reinterpret_cast<std::uintptr_t>(b.p) + b.size);
  }
  for (auto it = spans.begin(); std::next(it) != spans.end(); ++it) {
    ASSERT_LE(it->second, std::next(it)->first);
  }
  EXPECT_GT(pool.allocated_bytes(), 4 * pool.slab_bytes()) << "the test spans several slabs";
}

}  // namespace
}  // namespace biomatch::engine
