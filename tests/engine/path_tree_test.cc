#include "path_tree.h"

#include <gtest/gtest.h>

namespace biomatch::engine {
namespace {

TEST(PathTreeTest, InternsPathsWithTheirAncestors) {
  PathTree tree;
  const std::uint32_t leaf = tree.Intern("a/b/c");
  ASSERT_EQ(tree.size(), 3u);
  EXPECT_EQ(tree.node(leaf).path, "a/b/c");
  EXPECT_EQ(tree.node(leaf).depth, 3);
  const auto b = tree.Find("a/b");
  ASSERT_TRUE(b);
  EXPECT_EQ(tree.node(leaf).parent, *b);
  EXPECT_EQ(tree.Intern("a/b/c"), leaf) << "interning again finds the node";
  EXPECT_FALSE(tree.Find("a/bc"));
  EXPECT_EQ(tree.FindDeepestPrefix("a/b/x/y"), b);
  EXPECT_FALSE(tree.FindDeepestPrefix("z/b"));
}

TEST(PathTreeTest, ContainsWholeSegmentDescendantsOnly) {
  PathTree tree;
  const std::uint32_t sc = tree.Intern("CN/SC");
  const std::uint32_t chengdu = tree.Intern("CN/SC/chengdu");
  const std::uint32_t scx = tree.Intern("CN/SCX");
  EXPECT_TRUE(tree.Contains(sc, chengdu));
  EXPECT_TRUE(tree.Contains(sc, sc));
  EXPECT_FALSE(tree.Contains(chengdu, sc));
  EXPECT_FALSE(tree.Contains(sc, scx)) << "CN/SC is not a prefix of CN/SCX";
  EXPECT_TRUE(tree.Contains(*tree.Find("CN"), scx));
  EXPECT_FALSE(tree.Contains(PathTree::kNoNode, sc));
}

}  // namespace
}  // namespace biomatch::engine
