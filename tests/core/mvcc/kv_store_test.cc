// KvStore cases that do not fit a transcript: the txn op limit at every
// nesting level, the lessor hook, memory accounting, and regressions named
// after etcd issues about compaction and deletes (#18089, #19179): the
// store must keep the tombstone at the compact revision so that a watcher
// starting there still gets the DELETE.
#include "core/mvcc/kv_store.h"

#include <gtest/gtest.h>

#include <string>

// Designated initializers name only the fields a case cares about.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cairn::mvcc {
namespace {

RequestOp PutOp(const std::string& k) {
  return RequestOp{PutRequest{.key = k, .value = "v"}};
}

TEST(KvStoreTest, TooManyOpsInTxn) {
  KvStore store;
  TxnRequest t;
  for (size_t i = 0; i < limits::kMaxTxnOpsDefault; i++) {
    t.success.push_back(PutOp("k" + std::to_string(i)));
  }
  ASSERT_TRUE(store.Txn(t).ok());
  t.failure.assign(limits::kMaxTxnOpsDefault + 1,
                   RequestOp{RangeRequest{.key = "a"}});
  auto r = store.Txn(t);
  EXPECT_EQ(r.status().message(),
            "etcdserver: too many operations in txn request");
  // The limit applies to a nested txn too, even in a branch not taken.
  TxnRequest outer;
  TxnRequest nested;
  nested.compare.assign(4, Compare{.key = "a"});
  outer.failure.push_back(RequestOp{nested});
  KvStore small(KvStoreOptions{.max_txn_ops = 3});
  EXPECT_EQ(small.Txn(outer).status().message(),
            "etcdserver: too many operations in txn request");
  EXPECT_EQ(store.rev(), 2);
}

TEST(KvStoreTest, LeaseHookRejectsUnknownLeases) {
  KvStore store(
      KvStoreOptions{.lease_exists = [](int64_t lease) { return lease == 5; }});
  EXPECT_TRUE(store.Put(PutRequest{.key = "a", .value = "1", .lease = 5}).ok());
  auto bad = store.Put(PutRequest{.key = "a", .value = "1", .lease = 6});
  EXPECT_EQ(bad.status().code(), Code::kLeaseNotFound);
  TxnRequest t;
  t.compare.push_back(Compare{.result = Compare::Result::kEqual,
                              .target = Compare::Target::kLease,
                              .key = "a",
                              .lease = 5});
  t.success.push_back(RequestOp{PutRequest{.key = "b", .lease = 6}});
  t.failure.push_back(RequestOp{PutRequest{.key = "b", .lease = 5}});
  EXPECT_EQ(store.Txn(t).status().code(), Code::kLeaseNotFound);
  t.compare[0].lease = 4;  // now the failure branch runs: lease 5 exists
  auto ok = store.Txn(t);
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(ok.value().response.succeeded);
  EXPECT_EQ(store.rev(), 3);
}

// etcd #18089: compacting at the revision of a delete must not lose the
// DELETE for a watcher that starts at the compact revision.
TEST(KvStoreTest, Issue18089CompactAtDeleteKeepsTombstone) {
  KvStore store;
  ASSERT_TRUE(store.Put(PutRequest{.key = "a", .value = "1"}).ok());    // 2
  ASSERT_TRUE(store.DeleteRange(DeleteRangeRequest{.key = "a"}).ok());  // 3
  ASSERT_TRUE(store.Compact(CompactionRequest{.revision = 3}).ok());
  auto evs = store.EventsFrom(3, 100);
  ASSERT_TRUE(evs.ok());
  ASSERT_EQ(evs.value().size(), 1u);
  EXPECT_EQ(evs.value()[0].type, Event::Type::kDelete);
  EXPECT_EQ(evs.value()[0].kv.key, "a");
  EXPECT_EQ(evs.value()[0].kv.mod_revision, 3);
  // The key reads as absent at the compact revision.
  auto r = store.Range(RangeRequest{.key = "a", .revision = 3});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().count, 0);
  EXPECT_EQ(store.key_count(), 1u);
}

// etcd #19179: a tombstone that is the only revision left of a key (its
// puts compacted away earlier) must still be delivered when a later
// compaction lands exactly on it, and dropped only by a compaction past it.
TEST(KvStoreTest, Issue19179TombstoneOnlyRevisionSurvivesCompaction) {
  KvStore store;
  ASSERT_TRUE(store.Put(PutRequest{.key = "a", .value = "1"}).ok());    // 2
  ASSERT_TRUE(store.Put(PutRequest{.key = "b", .value = "1"}).ok());    // 3
  ASSERT_TRUE(store.DeleteRange(DeleteRangeRequest{.key = "a"}).ok());  // 4
  ASSERT_TRUE(store.Compact(CompactionRequest{.revision = 3}).ok());
  ASSERT_TRUE(store.Compact(CompactionRequest{.revision = 4}).ok());
  auto evs = store.EventsFrom(4, 100);
  ASSERT_TRUE(evs.ok());
  ASSERT_EQ(evs.value().size(), 1u);
  EXPECT_EQ(evs.value()[0].type, Event::Type::kDelete);
  ASSERT_TRUE(store.Put(PutRequest{.key = "c", .value = "1"}).ok());  // 5
  ASSERT_TRUE(store.Compact(CompactionRequest{.revision = 5}).ok());
  EXPECT_EQ(store.key_count(), 2u);  // a is gone, b and c remain
  auto later = store.EventsFrom(5, 100);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later.value().size(), 1u);
  EXPECT_EQ(later.value()[0].kv.key, "c");
}

TEST(KvStoreTest, EventsFromDoesNotSplitARevision) {
  KvStore store;
  TxnRequest t;
  t.success = {PutOp("a"), PutOp("b"), PutOp("c")};
  ASSERT_TRUE(store.Txn(t).ok());
  ASSERT_TRUE(store.Put(PutRequest{.key = "d"}).ok());
  auto evs = store.EventsFrom(0, 1);
  ASSERT_TRUE(evs.ok());
  EXPECT_EQ(evs.value().size(), 3u);
}

TEST(KvStoreTest, MemoryIsAccounted) {
  KvStore store;
  const size_t empty = store.MemoryBytes();
  for (int i = 0; i < 1000; i++) {
    ASSERT_TRUE(
        store.Put(PutRequest{.key = "key/" + std::to_string(i), .value = "v"})
            .ok());
  }
  const size_t per_key = (store.MemoryBytes() - empty) / 1000;
  EXPECT_GT(per_key, 100u);
  EXPECT_LT(per_key, 1000u);
}

// SizeBytes is kept up to date by writes and compactions rather than
// computed: each record costs its struct, key and value bytes, each key
// in the index a fixed amount.
TEST(KvStoreTest, SizeBytesFollowsWritesAndCompaction) {
  KvStore store;
  const size_t empty = store.SizeBytes();
  const size_t record = sizeof(KvRecord);
  ASSERT_TRUE(store.Put(PutRequest{.key = "k", .value = "v"}).ok());
  const size_t one = store.SizeBytes();
  EXPECT_GT(one, empty + record + 2);  // plus the new key's index cost
  const size_t per_key = one - empty - record - 2;
  ASSERT_TRUE(store.Put(PutRequest{.key = "k", .value = "vvv"}).ok());
  EXPECT_EQ(store.SizeBytes(), one + record + 4);
  ASSERT_TRUE(store.DeleteRange(DeleteRangeRequest{.key = "k"}).ok());
  const size_t deleted = store.SizeBytes();
  EXPECT_EQ(deleted, one + record + 4 + record + 1);  // the tombstone: key
  ASSERT_TRUE(store.Put(PutRequest{.key = "x", .value = "y"}).ok());
  EXPECT_EQ(store.SizeBytes(), deleted + record + 2 + per_key);
  // Compacting past the delete drops k's three records and its index.
  ASSERT_TRUE(store.Compact(CompactionRequest{.revision = 5}).ok());
  EXPECT_EQ(store.SizeBytes(), empty + record + 2 + per_key);
}

}  // namespace
}  // namespace cairn::mvcc
