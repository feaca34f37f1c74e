#include "fixed_array.h"

#include <memory_resource>

#include <gtest/gtest.h>

#include "engine/counting_resource.h"

namespace biomatch::engine {
namespace {

using testutil::CountingResource;

TEST(FixedArrayTest, IsZeroedAndAllocatesFromItsResource) {
  CountingResource mr;
  {
    FixedArray<std::uint32_t> a(5, &mr);
    EXPECT_EQ(mr.live, 1);
    ASSERT_EQ(a.size(), 5u);
    for (const std::uint32_t v : a) EXPECT_EQ(v, 0u);
    FixedArray<std::uint32_t> empty(0, &mr);
    EXPECT_TRUE(empty.empty());
    EXPECT_EQ(mr.live, 1) << "an empty array holds no block";
  }
  EXPECT_EQ(mr.live, 0);
}

TEST(FixedArrayTest, CopiesAreDeepAndMovesHandTheBlockOver) {
  CountingResource mr;
  {
    FixedArray<int> a(3, &mr);
    a[0] = 1, a[1] = 2, a[2] = 3;
    FixedArray<int> copy = a;
    copy[0] = 9;
    EXPECT_EQ(a[0], 1);
    EXPECT_EQ(mr.live, 2) << "the copy comes from the same resource";
    FixedArray<int> moved = std::move(a);
    EXPECT_EQ(mr.live, 2);
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(moved[2], 3);
    moved = copy;
    EXPECT_EQ(moved[0], 9);
    EXPECT_EQ(mr.live, 2);
    moved = FixedArray<int>();
    EXPECT_EQ(mr.live, 1);
  }
  EXPECT_EQ(mr.live, 0);
}

}  // namespace
}  // namespace biomatch::engine
