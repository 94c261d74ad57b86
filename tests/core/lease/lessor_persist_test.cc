// lessor_persist: leases written through Lessor::TakeChanges and
// WriteLessorChanges (in the same batch as the keyspace's changes, as the
// server writes them) and loaded back with LoadLessor must give the same
// lessor: same leases, TTLs, checkpointed remaining TTLs, auto id counter
// and key attachments (rebuilt from the keyspace's live keys). The model
// test runs random grants (chosen and explicit, negative ids too),
// revokes (whose keys are deleted in one txn), checkpoints, puts with and
// without leases and deletes, with compactions; at random points it loads
// both the keyspace and the lessor from the backend, compares the
// lessor's snapshot encoding, and continues with the loaded pair. Also:
// damaged lease records and keys naming a lease that is not stored are
// kCorruption; Attach/Detach never rewrite lease records.
#include "core/lease/lessor_persist.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/mvcc/kv_persist.h"
#include "core/storage/memory_backend.h"
#include "core/util/random.h"
#include "tests/core/lease/persisted_pair.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cairn::lease {
namespace {

using Pair = PersistedPair;

TEST(LessorPersistTest, RandomOpsReloadIdentically) {
  const uint64_t seed =
      ::testing::UnitTest::GetInstance()->random_seed() + 0x1e5000;
  std::printf("LessorPersistTest seed=%llu\n",
              static_cast<unsigned long long>(seed));
  Random rnd(seed);
  storage::MemoryBackend backend;
  Pair pair;
  int reloads = 0;
  for (int step = 0; step < 1500; step++) {
    pair.RandomStep(rnd);
    pair.Persist(backend, rnd.OneIn(1, 2));
    if (rnd.OneIn(1, 50)) {
      const std::string before = pair.lessor().Encode();
      const std::string fingerprint = pair.Fingerprint();
      const uint64_t next_before = pair.lessor().auto_id_counter();
      ASSERT_TRUE(pair.Reload(backend).ok()) << "step " << step;
      ASSERT_EQ(pair.lessor().Encode(), before) << "step " << step;
      ASSERT_EQ(pair.Fingerprint(), fingerprint) << "step " << step;
      ASSERT_EQ(pair.lessor().auto_id_counter(), next_before);
      reloads++;
    }
  }
  EXPECT_GT(reloads, 10);
}

TEST(LessorPersistTest, ChosenIdsContinueAfterReload) {
  storage::MemoryBackend backend;
  Pair a;
  a.Grant(kNoLease, 60);
  a.Grant(kNoLease, 60);
  a.Grant(-3, 10);  // explicit negative ids are legal, as in etcd 3.4
  a.Put("x", -3);
  a.Persist(backend, true);
  Pair b;
  ASSERT_TRUE(b.Reload(backend).ok());
  EXPECT_EQ(b.lessor().LeaseOf("x"), -3);
  Result<GrantResult> ga = a.lessor().Grant(kNoLease, 60, 0);
  Result<GrantResult> gb = b.lessor().Grant(kNoLease, 60, 0);
  ASSERT_TRUE(ga.ok() && gb.ok());
  EXPECT_EQ(ga.value().id, gb.value().id);
  EXPECT_EQ(a.lessor().Encode(), b.lessor().Encode());
}

TEST(LessorPersistTest, AttachWritesNoLeaseRecord) {
  Pair p;
  p.Grant(5, 60);
  (void)p.lessor().TakeChanges();
  p.Put("a", 5);
  p.Put("b", 5);
  p.Delete("a");
  EXPECT_TRUE(p.lessor().TakeChanges().empty());
  p.lessor().ApplyCheckpoint({.id = 5, .remaining_ttl_s = 30}, 0);
  p.lessor().ApplyCheckpoint({.id = 99, .remaining_ttl_s = 30}, 0);
  LessorChanges c = p.lessor().TakeChanges();
  EXPECT_EQ(c.leases, std::vector<LeaseId>{5});
  EXPECT_FALSE(c.counter_changed);
}

TEST(LessorPersistTest, DamagedLeaseRecordIsCorruption) {
  storage::MemoryBackend backend;
  Pair a;
  a.Grant(7, 60);
  a.Persist(backend, true);
  ASSERT_TRUE(backend.CorruptValue(LeaseRecordKey(7)));
  Pair b;
  EXPECT_EQ(b.Reload(backend).code(), Code::kCorruption);
}

TEST(LessorPersistTest, KeyOnMissingLeaseIsCorruption) {
  storage::MemoryBackend backend;
  Pair a;
  a.Grant(7, 60);
  a.Put("k", 7);
  a.Persist(backend, true);
  storage::WriteBatch drop;
  drop.Delete(LeaseRecordKey(7));
  ASSERT_TRUE(backend.Commit(drop, true).ok());
  Pair b;
  Status s = b.Reload(backend);
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_NE(s.message().find("lease 7"), std::string::npos) << s.ToString();
}

TEST(LessorPersistTest, WriteLessorWritesEverything) {
  Lessor plain(Config{});
  ASSERT_TRUE(plain.Grant(kNoLease, 60, 0).ok());
  ASSERT_TRUE(plain.Grant(-9, 30, 0).ok());
  plain.ApplyCheckpoint({.id = -9, .remaining_ttl_s = 12}, 0);
  storage::MemoryBackend backend;
  storage::WriteBatch batch;
  WriteLessor(plain, batch);
  ASSERT_TRUE(backend.Commit(batch, true).ok());
  mvcc::KvStore empty;
  Result<std::unique_ptr<Lessor>> loaded = LoadLessor(backend, Config{}, empty);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded.value()->Encode(), plain.Encode());
}

}  // namespace
}  // namespace cairn::lease
