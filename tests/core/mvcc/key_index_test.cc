// KeyIndex generations, following etcd's key_index.go worked example:
// gets at every revision, tombstones, and compaction step by step,
// including that a tombstone at the compact revision is kept (#18089) and
// that Keep (the hash's view) never keeps a tombstone.
#include "core/mvcc/key_index.h"

#include <gtest/gtest.h>

namespace cairn::mvcc {
namespace {

// put(1.0); put(2.0); tombstone(3.0); put(4.0); tombstone(5.0).
KeyIndex Example() {
  KeyIndex ki;
  ki.Put({1, 0});
  ki.Put({2, 0});
  EXPECT_TRUE(ki.Tombstone({3, 0}).ok());
  ki.Put({4, 0});
  EXPECT_TRUE(ki.Tombstone({5, 0}).ok());
  return ki;
}

TEST(KeyIndexTest, GetAcrossGenerations) {
  KeyIndex ki = Example();
  ASSERT_EQ(ki.generations().size(), 3u);
  EXPECT_FALSE(ki.Get(0).has_value());
  auto v1 = ki.Get(1);
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->modified, (Revision{1, 0}));
  EXPECT_EQ(v1->version, 1);
  auto v2 = ki.Get(2);
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(v2->created, (Revision{1, 0}));
  EXPECT_FALSE(ki.Get(3).has_value());
  auto v4 = ki.Get(4);
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->version, 1);
  EXPECT_EQ(v4->created, (Revision{4, 0}));
  EXPECT_FALSE(ki.Get(5).has_value());
  EXPECT_FALSE(ki.Get(100).has_value());
  EXPECT_FALSE(ki.IsLive());
}

TEST(KeyIndexTest, TombstoneOnDeletedKeyIsNotFound) {
  KeyIndex ki = Example();
  EXPECT_EQ(ki.Tombstone({6, 0}).code(), Code::kNotFound);
}

TEST(KeyIndexTest, CompactStepByStep) {
  KeyIndex ki = Example();
  EXPECT_EQ(ki.Compact(2), (Revision{2, 0}));
  ASSERT_EQ(ki.generations().size(), 3u);
  EXPECT_EQ(ki.generations()[0].revs.size(), 2u);
  EXPECT_EQ(ki.Get(2)->version, 2);  // the version survives compaction
  EXPECT_EQ(ki.Compact(4), (Revision{4, 0}));
  ASSERT_EQ(ki.generations().size(), 2u);
  EXPECT_EQ(ki.generations()[0].revs.front(), (Revision{4, 0}));
  // The tombstone at the compact revision stays for watchers.
  EXPECT_EQ(ki.Compact(5), (Revision{5, 0}));
  ASSERT_EQ(ki.generations().size(), 2u);
  EXPECT_EQ(ki.generations()[0].revs.size(), 1u);
  EXPECT_FALSE(ki.IsEmpty());
  EXPECT_FALSE(ki.Compact(6).has_value());
  EXPECT_TRUE(ki.IsEmpty());
}

TEST(KeyIndexTest, KeepSkipsTombstones) {
  KeyIndex ki = Example();
  EXPECT_EQ(ki.Keep(2), (Revision{2, 0}));
  EXPECT_FALSE(ki.Keep(3).has_value());
  EXPECT_EQ(ki.Keep(4), (Revision{4, 0}));
  EXPECT_FALSE(ki.Keep(5).has_value());
  EXPECT_FALSE(ki.Keep(9).has_value());
  // Keep does not modify.
  EXPECT_EQ(ki.generations().size(), 3u);
}

TEST(KeyIndexTest, LiveKeyKeepsLatest) {
  KeyIndex ki;
  ki.Put({2, 0});
  ki.Put({3, 1});
  ki.Put({7, 0});
  EXPECT_EQ(ki.Compact(5), (Revision{3, 1}));
  EXPECT_EQ(ki.Get(5)->version, 2);
  EXPECT_EQ(ki.Get(7)->version, 3);
  EXPECT_EQ(ki.Compact(9), (Revision{7, 0}));
  EXPECT_EQ(ki.generations()[0].revs.size(), 1u);
  EXPECT_TRUE(ki.IsLive());
}

}  // namespace
}  // namespace cairn::mvcc
