// Random: the same seed gives the same sequence (the determinism the
// simulator relies on), pinned to fixed values so that a change of
// algorithm is noticed; draws stay in range and cover it.
#include "core/util/random.h"

#include <gtest/gtest.h>

#include <vector>

namespace cairn {
namespace {

TEST(RandomTest, SameSeedSameSequence) {
  Random a(7), b(7);
  for (int i = 0; i < 1000; i++) ASSERT_EQ(a.Next(), b.Next());
}

TEST(RandomTest, DifferentSeedsDiffer) {
  Random a(1), b(2);
  EXPECT_NE(a.Next(), b.Next());
}

TEST(RandomTest, SequenceIsPinned) {
  // If this changes, every recorded simulator seed changes meaning.
  Random r(42);
  std::vector<uint64_t> got;
  for (int i = 0; i < 3; i++) got.push_back(r.Uniform(1000000));
  Random again(42);
  EXPECT_EQ(got[0], again.Uniform(1000000));
  EXPECT_EQ(r.seed(), 42u);
  Random pinned(1);
  EXPECT_EQ(pinned.Next(), 0xb3f2af6d0fc710c5ULL);
}

TEST(RandomTest, UniformStaysInRangeAndCoversIt) {
  Random r(3);
  std::vector<int> seen(10, 0);
  for (int i = 0; i < 10000; i++) {
    uint64_t x = r.Uniform(10);
    ASSERT_LT(x, 10u);
    seen[x]++;
  }
  for (int count : seen) {
    EXPECT_GT(count, 800);
    EXPECT_LT(count, 1200);
  }
}

TEST(RandomTest, RangeIsInclusive) {
  Random r(5);
  bool saw_lo = false, saw_hi = false;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = r.Range(10, 12);
    ASSERT_GE(x, 10u);
    ASSERT_LE(x, 12u);
    saw_lo |= x == 10;
    saw_hi |= x == 12;
  }
  EXPECT_TRUE(saw_lo);
  EXPECT_TRUE(saw_hi);
  EXPECT_EQ(r.Range(4, 4), 4u);
}

TEST(RandomTest, ForkGivesIndependentStreams) {
  Random root(9);
  Random c1(root.Fork()), c2(root.Fork());
  EXPECT_NE(c1.Next(), c2.Next());
}

TEST(RandomDeathTest, UniformZeroAborts) {
  Random r(1);
  EXPECT_DEATH((void)r.Uniform(0), "Uniform\\(0\\)");
}

}  // namespace
}  // namespace cairn
