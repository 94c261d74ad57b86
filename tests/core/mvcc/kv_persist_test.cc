// kv_persist: a KvStore persisted through TakeChanges/WriteKvChanges into a
// MemoryBackend and loaded back with LoadKvStore must be indistinguishable
// from the original. The model test runs random puts, deletes (single and
// ranges), txns and compactions; after every step it commits the changes
// (synced or not); at random points it loads a new store and compares rev,
// compact_rev, key_count, HashKV at every readable revision, Range of all
// keys at every readable revision and the event log, then runs the same
// next ops on both and compares every outcome, and continues with the
// LOADED store persisting (so a loaded store's own changes are tested).
// Also: the record codec round trip; a damaged or inconsistent record is
// kCorruption and never applied; a backend without keyspace data gives an
// empty store.
#include "core/mvcc/kv_persist.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/storage/memory_backend.h"
#include "core/util/random.h"

// Designated initializers name only the fields a case cares about.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cairn::mvcc {
namespace {

using Op =
    std::variant<PutRequest, DeleteRangeRequest, TxnRequest, CompactionRequest>;

std::string Describe(const Status& s) { return s.ToString(); }

std::string DescribeEvents(const std::vector<Event>& events) {
  std::string out;
  for (const Event& ev : events) out += DescribeEvent(ev) + "\n";
  return out;
}

// The whole observable outcome of one op, as text.
std::string Apply(KvStore& store, const Op& op) {
  if (const auto* put = std::get_if<PutRequest>(&op)) {
    Result<PutResult> r = store.Put(*put);
    if (!r.ok()) return Describe(r.status());
    return "put@" + std::to_string(r.value().response.header.revision) + "\n" +
           DescribeEvents(r.value().events);
  }
  if (const auto* del = std::get_if<DeleteRangeRequest>(&op)) {
    Result<DeleteRangeResult> r = store.DeleteRange(*del);
    if (!r.ok()) return Describe(r.status());
    return "del " + std::to_string(r.value().response.deleted) + "@" +
           std::to_string(r.value().response.header.revision) + "\n" +
           DescribeEvents(r.value().events);
  }
  if (const auto* txn = std::get_if<TxnRequest>(&op)) {
    Result<TxnResult> r = store.Txn(*txn);
    if (!r.ok()) return Describe(r.status());
    return std::string("txn ") +
           (r.value().response.succeeded ? "ok" : "else") + "@" +
           std::to_string(r.value().response.header.revision) + "\n" +
           DescribeEvents(r.value().events);
  }
  Result<CompactionResponse> r = store.Compact(std::get<CompactionRequest>(op));
  return r.ok() ? "compacted" : Describe(r.status());
}

class Workload {
 public:
  explicit Workload(uint64_t seed) : rnd_(seed) {}

  std::string Key() { return "k" + std::to_string(rnd_.Uniform(12)); }

  PutRequest Put() {
    return PutRequest{.key = Key(),
                      .value = "v" + std::to_string(rnd_.Uniform(100)),
                      .lease = static_cast<int64_t>(rnd_.Uniform(3)),
                      .prev_kv = false,
                      .ignore_value = false,
                      .ignore_lease = false};
  }

  DeleteRangeRequest Delete() {
    DeleteRangeRequest req;
    req.key = Key();
    if (rnd_.OneIn(1, 3)) req.range_end = Key();
    return req;
  }

  TxnRequest Txn() {
    TxnRequest txn;
    Compare cmp;
    cmp.key = Key();
    cmp.target = Compare::Target::kVersion;
    cmp.version = static_cast<int64_t>(rnd_.Uniform(3));
    txn.compare.push_back(cmp);
    // Distinct keys per branch: etcd rejects duplicates.
    const uint64_t first = rnd_.Uniform(12);
    const uint64_t n = rnd_.Range(1, 4);
    for (uint64_t i = 0; i < n; i++) {
      const std::string key = "k" + std::to_string((first + i * 5) % 12);
      if (rnd_.OneIn(1, 3)) {
        txn.success.push_back(RequestOp{DeleteRangeRequest{.key = key}});
      } else {
        txn.success.push_back(RequestOp{PutRequest{.key = key, .value = "t"}});
      }
    }
    txn.failure.push_back(RequestOp{Put()});
    return txn;
  }

  Op Next(const KvStore& store) {
    const uint64_t pick = rnd_.Uniform(20);
    if (pick == 0 && store.rev() > store.compact_rev()) {
      const int64_t lo = std::max<int64_t>(store.compact_rev() + 1, 1);
      return CompactionRequest{
          .revision = static_cast<int64_t>(rnd_.Range(
              static_cast<uint64_t>(lo), static_cast<uint64_t>(store.rev()))),
          .physical = false};
    }
    if (pick < 10) return Put();
    if (pick < 15) return Delete();
    return Txn();
  }

  Random& rnd() { return rnd_; }

 private:
  Random rnd_;
};

RangeRequest AllAt(int64_t rev) {
  RangeRequest req;
  req.key = std::string(1, '\0');
  req.range_end = std::string(1, '\0');
  req.revision = rev;
  return req;
}

std::string DescribeRange(const Result<RangeResponse>& r) {
  if (!r.ok()) return r.status().ToString();
  std::string out = "count=" + std::to_string(r.value().count) +
                    " rev=" + std::to_string(r.value().header.revision) + "\n";
  for (const KeyValue& kv : r.value().kvs) out += DescribeKeyValue(kv) + "\n";
  return out;
}

// Every observable answer of the two stores agrees.
void ExpectSameStore(const KvStore& want, const KvStore& got) {
  ASSERT_EQ(got.rev(), want.rev());
  ASSERT_EQ(got.compact_rev(), want.compact_rev());
  ASSERT_EQ(got.key_count(), want.key_count());
  const int64_t first = std::max<int64_t>(want.compact_rev(), 1);
  for (int64_t rev = first; rev <= want.rev(); rev++) {
    ASSERT_EQ(DescribeRange(got.Range(AllAt(rev))),
              DescribeRange(want.Range(AllAt(rev))))
        << "at revision " << rev;
    const int64_t hash_rev = rev == want.compact_rev() ? 0 : rev;
    ASSERT_EQ(got.HashKV(hash_rev).value().hash,
              want.HashKV(hash_rev).value().hash)
        << "HashKV at " << hash_rev;
  }
  auto want_events = want.EventsFrom(first, 1 << 20);
  auto got_events = got.EventsFrom(first, 1 << 20);
  ASSERT_TRUE(want_events.ok() && got_events.ok());
  ASSERT_EQ(DescribeEvents(got_events.value()),
            DescribeEvents(want_events.value()));
}

std::unique_ptr<KvStore> Load(const storage::Backend& backend) {
  KvStoreOptions options;
  options.track_changes = true;
  Result<std::unique_ptr<KvStore>> loaded = LoadKvStore(backend, options);
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
  return loaded.ok() ? std::move(loaded).value() : nullptr;
}

void Persist(KvStore& store, storage::Backend& backend, bool sync) {
  storage::WriteBatch batch;
  WriteKvChanges(store.TakeChanges(), batch);
  ASSERT_TRUE(backend.Commit(batch, sync).ok());
}

TEST(KvPersistTest, RandomOpsReloadIdentically) {
  const uint64_t seed =
      ::testing::UnitTest::GetInstance()->random_seed() + 0x6b7000;
  std::printf("KvPersistTest seed=%llu\n",
              static_cast<unsigned long long>(seed));
  Workload w(seed);
  storage::MemoryBackend backend;
  KvStoreOptions options;
  options.track_changes = true;
  auto store = std::make_unique<KvStore>(options);
  std::unique_ptr<KvStore> shadow;  // the store before the last reload
  int reloads = 0;
  for (int step = 0; step < 1500; step++) {
    const Op op = w.Next(*store);
    const std::string outcome = Apply(*store, op);
    if (shadow) {
      ASSERT_EQ(outcome, Apply(*shadow, op)) << "step " << step;
      (void)shadow->TakeChanges();
    }
    Persist(*store, backend, w.rnd().OneIn(1, 2));
    if (w.rnd().OneIn(1, 40)) {
      std::unique_ptr<KvStore> loaded = Load(backend);
      ASSERT_NE(loaded, nullptr);
      ExpectSameStore(*store, *loaded);
      shadow = std::move(store);
      store = std::move(loaded);
      reloads++;
    }
  }
  EXPECT_GT(reloads, 10);
  std::unique_ptr<KvStore> last = Load(backend);
  ASSERT_NE(last, nullptr);
  ExpectSameStore(*store, *last);
}

// The tombstone kept exactly at the compact revision is a key's only
// record; the restored index must keep the key (key_count) and let it be
// recreated with version 1.
TEST(KvPersistTest, TombstoneAtCompactRevisionRestores) {
  storage::MemoryBackend backend;
  KvStoreOptions options;
  options.track_changes = true;
  KvStore store(options);
  ASSERT_TRUE(store.Put({.key = "a", .value = "1"}).ok());  // 2
  ASSERT_TRUE(store.Put({.key = "a", .value = "2"}).ok());  // 3
  ASSERT_TRUE(store.DeleteRange({.key = "a"}).ok());        // 4
  ASSERT_TRUE(store.Put({.key = "b", .value = "x"}).ok());  // 5
  ASSERT_TRUE(store.Put({.key = "b", .value = "y"}).ok());  // 6
  ASSERT_TRUE(store.Compact({.revision = 4}).ok());
  Persist(store, backend, true);
  std::unique_ptr<KvStore> loaded = Load(backend);
  ASSERT_NE(loaded, nullptr);
  ExpectSameStore(store, *loaded);
  EXPECT_EQ(loaded->key_count(), 2u);
  for (KvStore* s : {&store, loaded.get()}) {
    Result<PutResult> r = s->Put({.key = "a", .value = "3"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().events[0].kv.version, 1);
    EXPECT_EQ(r.value().events[0].kv.create_revision, 7);
    Result<PutResult> b = s->Put({.key = "b", .value = "z"});
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b.value().events[0].kv.version, 3);
    EXPECT_EQ(b.value().events[0].kv.create_revision, 5);
  }
  ExpectSameStore(store, *loaded);
}

TEST(KvPersistTest, EmptyBackendGivesEmptyStore) {
  storage::MemoryBackend backend;
  std::unique_ptr<KvStore> loaded = Load(backend);
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(loaded->rev(), 1);
  EXPECT_EQ(loaded->compact_rev(), -1);
  EXPECT_EQ(loaded->key_count(), 0u);
}

TEST(KvPersistTest, RecordCodecRoundTrips) {
  KvRecord put{.rev = {7, 2},
               .tombstone = false,
               .kv = {.key = std::string("k\0\xff", 3),
                      .create_revision = 5,
                      .mod_revision = 7,
                      .version = 3,
                      .value = std::string(1000, 'v'),
                      .lease = -42}};
  KvRecord tomb{.rev = {9, 0}, .tombstone = true, .kv = {.key = "gone"}};
  for (const KvRecord& r : {put, tomb}) {
    const std::string key = KvRecordKey(r.rev);
    Result<KvRecord> back = DecodeKvRecord(key, EncodeKvRecord(r));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back.value(), r);
    // Moved under another revision's key: caught.
    EXPECT_EQ(
        DecodeKvRecord(KvRecordKey({8, 0}), EncodeKvRecord(r)).status().code(),
        Code::kCorruption);
  }
  EXPECT_LT(KvRecordKey({255, 9}), KvRecordKey({256, 0}));
  // Every single-bit flip of a value is caught.
  const std::string value = EncodeKvRecord(put);
  for (size_t i = 0; i < value.size(); i += 7) {
    std::string bad = value;
    bad[i] = static_cast<char>(bad[i] ^ 0x04);
    EXPECT_EQ(DecodeKvRecord(KvRecordKey(put.rev), bad).status().code(),
              Code::kCorruption);
  }
}

// Writes a raw record that passes its checksum but breaks the history.
void CommitRecord(storage::Backend& backend, const KvRecord& r) {
  storage::WriteBatch batch;
  batch.Put(KvRecordKey(r.rev), EncodeKvRecord(r));
  ASSERT_TRUE(backend.Commit(batch, true).ok());
}

TEST(KvPersistTest, InconsistentRecordsAreCorruption) {
  KvStoreOptions options;
  options.track_changes = true;
  KvStore store(options);
  ASSERT_TRUE(store.Put({.key = "a", .value = "1"}).ok());  // 2
  ASSERT_TRUE(store.Put({.key = "a", .value = "2"}).ok());  // 3
  struct Case {
    const char* name;
    KvRecord extra;
    int64_t meta_rev;
  };
  const std::vector<Case> cases = {
      {"version gap",
       {.rev = {4, 0},
        .kv = {.key = "a",
               .create_revision = 2,
               .mod_revision = 4,
               .version = 5,
               .value = "x"}},
       4},
      {"creation with version 2",
       {.rev = {4, 0},
        .kv = {.key = "b",
               .create_revision = 4,
               .mod_revision = 4,
               .version = 2,
               .value = "x"}},
       4},
      {"wrong create revision",
       {.rev = {4, 0},
        .kv = {.key = "a",
               .create_revision = 3,
               .mod_revision = 4,
               .version = 3,
               .value = "x"}},
       4},
      {"meta behind the log",
       {.rev = {4, 0},
        .kv = {.key = "a",
               .create_revision = 2,
               .mod_revision = 4,
               .version = 3,
               .value = "x"}},
       3},
  };
  for (const Case& c : cases) {
    storage::MemoryBackend backend;
    KvStore s(options);
    ASSERT_TRUE(s.Put({.key = "a", .value = "1"}).ok());
    ASSERT_TRUE(s.Put({.key = "a", .value = "2"}).ok());
    KvChanges changes = s.TakeChanges();
    changes.added.push_back(c.extra);
    changes.rev = c.meta_rev;
    storage::WriteBatch batch;
    WriteKvChanges(changes, batch);
    ASSERT_TRUE(backend.Commit(batch, true).ok());
    KvStoreOptions plain;
    Result<std::unique_ptr<KvStore>> r = LoadKvStore(backend, plain);
    EXPECT_EQ(r.status().code(), Code::kCorruption) << c.name;
  }
}

TEST(KvPersistTest, DamagedRecordIsCorruption) {
  storage::MemoryBackend backend;
  KvStoreOptions options;
  options.track_changes = true;
  KvStore store(options);
  ASSERT_TRUE(store.Put({.key = "a", .value = "1"}).ok());
  ASSERT_TRUE(store.Put({.key = "b", .value = "2"}).ok());
  Persist(store, backend, true);
  ASSERT_TRUE(backend.CorruptValue(KvRecordKey({3, 0})));
  EXPECT_EQ(LoadKvStore(backend, {}).status().code(), Code::kCorruption);
}

TEST(KvPersistTest, RecordsWithoutMetaAreCorruption) {
  storage::MemoryBackend backend;
  CommitRecord(
      backend,
      {.rev = {2, 0},
       .kv = {
           .key = "a", .create_revision = 2, .mod_revision = 2, .version = 1}});
  EXPECT_EQ(LoadKvStore(backend, {}).status().code(), Code::kCorruption);
}

TEST(KvPersistTest, UntrackedStoreTakesNothing) {
  KvStore store;
  ASSERT_TRUE(store.Put({.key = "a", .value = "1"}).ok());
  EXPECT_DEATH((void)store.TakeChanges(), "does not track changes");
}

// A loaded store's change feed holds only what is written after the load,
// each record exactly as written (the feed is filled as records are
// appended, not from the packed log).
TEST(KvPersistTest, LoadedStoreReportsOnlyLaterWrites) {
  storage::MemoryBackend backend;
  KvStoreOptions options;
  options.track_changes = true;
  KvStore store(options);
  ASSERT_TRUE(store.Put({.key = "a", .value = "1", .lease = 7}).ok());
  ASSERT_TRUE(store.DeleteRange({.key = "a"}).ok());
  Persist(store, backend, true);
  std::unique_ptr<KvStore> loaded = Load(backend);
  ASSERT_NE(loaded, nullptr);
  EXPECT_TRUE(loaded->TakeChanges().empty());
  ASSERT_TRUE(loaded->Put({.key = "b", .value = "2"}).ok());
  KvChanges changes = loaded->TakeChanges();
  ASSERT_EQ(changes.added.size(), 1u);
  EXPECT_EQ(changes.added[0], (KvRecord{.rev = {4, 0},
                                        .tombstone = false,
                                        .kv = {.key = "b",
                                               .create_revision = 4,
                                               .mod_revision = 4,
                                               .version = 1,
                                               .value = "2"}}));
  EXPECT_EQ(changes.rev, 4);
}

}  // namespace
}  // namespace cairn::mvcc
