// KeyIndex generations, following etcd's key_index.go worked example:
// gets at every revision, tombstones, and compaction step by step,
// including that a tombstone at the compact revision is kept (#18089) and
// that Keep (the hash's view) never keeps a tombstone; Restore rebuilds
// a compacted index that answers like the original.
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

// An index rebuilt from the records Compact left (etcd's keyIndex.restore)
// answers Get, Compact and later writes as the compacted original does.
TEST(KeyIndexTest, RestoreMatchesCompactedOriginal) {
  KeyIndex original;
  original.Put({2, 0});
  original.Put({3, 1});
  original.Put({5, 0});
  ASSERT_EQ(original.Compact(4), (Revision{3, 1}));
  // The first surviving record is 3.1 with version 2, created at 2.
  KeyIndex restored;
  restored.Restore({2, 0}, {3, 1}, 2, /*tombstone=*/false);
  restored.Put({5, 0});
  for (int64_t rev = 4; rev <= 7; rev++) {
    auto want = original.Get(rev);
    auto got = restored.Get(rev);
    ASSERT_EQ(got.has_value(), want.has_value()) << rev;
    EXPECT_EQ(got->modified, want->modified);
    EXPECT_EQ(got->created, want->created);
    EXPECT_EQ(got->version, want->version);
  }
  ASSERT_TRUE(original.Tombstone({6, 0}).ok());
  ASSERT_TRUE(restored.Tombstone({6, 0}).ok());
  EXPECT_EQ(restored.Compact(6), original.Compact(6));
  EXPECT_EQ(restored.generations().size(), original.generations().size());
}

// The tombstone kept at the compact revision restores to a deleted key
// that a put recreates at version 1.
TEST(KeyIndexTest, RestoreOfKeptTombstone) {
  KeyIndex ki;
  ki.Restore({4, 0}, {4, 0}, 1, /*tombstone=*/true);
  EXPECT_FALSE(ki.IsEmpty());
  EXPECT_FALSE(ki.IsLive());
  EXPECT_FALSE(ki.Get(4).has_value());
  EXPECT_EQ(ki.Tombstone({5, 0}).code(), Code::kNotFound);
  ki.Put({6, 0});
  auto v = ki.Get(6);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->version, 1);
  EXPECT_EQ(v->created, (Revision{6, 0}));
  EXPECT_EQ(ki.Compact(7), (Revision{6, 0}));
  EXPECT_EQ(ki.generations().size(), 1u);
}

}  // namespace
}  // namespace cairn::mvcc
