// Small path and randomness helpers of base/.
#include <gtest/gtest.h>

#include "base/files.h"

namespace cordon {
namespace {

TEST(Files, SameOrBeneathFollowsPathComponents) {
  EXPECT_TRUE(is_same_or_beneath("/a/b", "/a/b"));
  EXPECT_TRUE(is_same_or_beneath("/a/b/c", "/a/b"));
  EXPECT_FALSE(is_same_or_beneath("/a/bc", "/a/b"));
  EXPECT_FALSE(is_same_or_beneath("/a", "/a/b"));
  EXPECT_TRUE(is_same_or_beneath("/anything", "/"));
}

TEST(Files, RandomHexHasTwoDigitsPerByteAndVaries) {
  auto a = random_hex(8);
  auto b = random_hex(8);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 16u);
  EXPECT_NE(*a, *b);
}

TEST(Files, ExpandHome) {
  EXPECT_EQ(expand_home("~", "/home/u"), "/home/u");
  EXPECT_EQ(expand_home("~/x", "/home/u"), "/home/u/x");
  EXPECT_EQ(expand_home("/x", "/home/u"), "/x");
}

}  // namespace
}  // namespace cordon
