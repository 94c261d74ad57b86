#include "core/util/small_vector.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace cairn {
namespace {

TEST(SmallVectorTest, OneElementStaysInline) {
  SmallVector<int> v;
  EXPECT_TRUE(v.empty());
  v.push_back(7);
  EXPECT_FALSE(v.on_heap());
  EXPECT_EQ(v.size(), 1u);
  EXPECT_EQ(v.front(), 7);
  EXPECT_EQ(v.back(), 7);
  v.push_back(8);
  EXPECT_TRUE(v.on_heap());
  EXPECT_EQ(v.capacity(), 2u);
  EXPECT_EQ(v[0], 7);
  EXPECT_EQ(v[1], 8);
}

TEST(SmallVectorTest, GrowsKeepingOrderOfNonTrivialElements) {
  SmallVector<std::string> v;
  for (int i = 0; i < 100; i++) v.push_back(std::string(40, 'a' + i % 26));
  ASSERT_EQ(v.size(), 100u);
  EXPECT_GE(v.capacity(), 100u);
  for (int i = 0; i < 100; i++) {
    EXPECT_EQ(v[static_cast<size_t>(i)], std::string(40, 'a' + i % 26));
  }
}

TEST(SmallVectorTest, EraseMovesTheTailDownAndKeepsCapacity) {
  SmallVector<std::string> v;
  for (const char* s : {"a", "b", "c", "d", "e"}) v.push_back(s);
  const size_t cap = v.capacity();
  auto it = v.erase(v.begin() + 1, v.begin() + 3);
  EXPECT_EQ(*it, "d");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0], "a");
  EXPECT_EQ(v[1], "d");
  EXPECT_EQ(v[2], "e");
  EXPECT_EQ(v.capacity(), cap);
  v.erase(v.begin(), v.begin());  // empty range: nothing happens
  EXPECT_EQ(v.size(), 3u);
  v.erase(v.begin(), v.end());
  EXPECT_TRUE(v.empty());
  v.push_back("again");
  EXPECT_EQ(v.back(), "again");
}

TEST(SmallVectorTest, CopiesAndMovesInlineAndHeapContents) {
  SmallVector<std::string> one;
  one.push_back("only");
  SmallVector<std::string> many;
  for (int i = 0; i < 5; i++) many.push_back(std::to_string(i));

  SmallVector<std::string> one_copy(one);
  SmallVector<std::string> many_copy(many);
  EXPECT_TRUE(one_copy == one);
  EXPECT_TRUE(many_copy == many);
  EXPECT_FALSE(one_copy == many_copy);

  SmallVector<std::string> moved_one(std::move(one_copy));
  SmallVector<std::string> moved_many(std::move(many_copy));
  EXPECT_TRUE(moved_one == one);
  EXPECT_TRUE(moved_many == many);
  EXPECT_TRUE(one_copy.empty());   // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(many_copy.empty());  // NOLINT(bugprone-use-after-move)

  moved_one = many;  // copy-assign over an inline one
  EXPECT_TRUE(moved_one == many);
  moved_many = std::move(moved_one);  // move-assign over a heap one
  EXPECT_TRUE(moved_many == many);
  moved_many = moved_many;  // self-assignment keeps the contents
  EXPECT_TRUE(moved_many == many);
}

TEST(SmallVectorTest, DestroysEveryElementExactlyOnce) {
  auto counter = std::make_shared<int>(0);
  {
    SmallVector<std::shared_ptr<int>> v;
    for (int i = 0; i < 9; i++) v.push_back(counter);
    EXPECT_EQ(counter.use_count(), 10);
    v.erase(v.begin(), v.begin() + 4);
    EXPECT_EQ(counter.use_count(), 6);
    SmallVector<std::shared_ptr<int>> w(std::move(v));
    EXPECT_EQ(counter.use_count(), 6);
    SmallVector<std::shared_ptr<int>> x(1);
    x[0] = counter;
    EXPECT_EQ(counter.use_count(), 7);
  }
  EXPECT_EQ(counter.use_count(), 1);
}

TEST(SmallVectorTest, SizedConstructorValueInitializes) {
  SmallVector<int> v(3);
  ASSERT_EQ(v.size(), 3u);
  for (int x : v) EXPECT_EQ(x, 0);
}

}  // namespace
}  // namespace cairn
