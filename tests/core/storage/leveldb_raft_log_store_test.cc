// Tests of LevelDbRaftLogStore beyond the shared conformance suite: state
// survives close and reopen (entries, hard state, snapshot, compaction,
// truncation); damaged stores are refused on Open with kCorruption naming
// the key (flipped bits, truncated values, a missing entry in the middle,
// a bad meta record); unusable paths give kIOError without crashing; and a
// randomized test drives random Save/Compact/snapshot sequences against
// raft::MemoryStorage as the model, reopening at random points and
// comparing every read.
#include "core/storage/leveldb_raft_log_store.h"

#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/util/random.h"
#include "leveldb/db.h"
#include "tests/core/storage/store_test_util.h"

namespace cairn::storage {
namespace {

using raft::Entry;
using raft::Index;

std::unique_ptr<LevelDbRaftLogStore> MustOpen(const std::string& path) {
  auto opened = LevelDbRaftLogStore::Open(path);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (!opened.ok()) return nullptr;
  return std::move(opened).value();
}

// The store's key for entry i (docs/storage.md): "e/" + big-endian index.
std::string EntryKey(Index i) {
  std::string key = "e/";
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>((i >> shift) & 0xff));
  }
  return key;
}

// Rewrites the raw value at `key` through LevelDB itself, bypassing the
// store, as a failing disk or a buggy writer would.
void Tamper(const std::string& path, const std::string& key,
            void (*mutate)(std::string*)) {
  leveldb::DB* raw = nullptr;
  ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  std::string value;
  if (mutate == nullptr) {
    ASSERT_TRUE(db->Delete(leveldb::WriteOptions(), key).ok());
    return;
  }
  ASSERT_TRUE(db->Get(leveldb::ReadOptions(), key, &value).ok()) << key;
  mutate(&value);
  ASSERT_TRUE(db->Put(leveldb::WriteOptions(), key, value).ok());
}

void FlipBit(std::string* v) { (*v)[v->size() / 2] ^= 0x10; }
void Truncate(std::string* v) { v->resize(v->size() / 2); }

// A store holding a snapshot at 3, entries 4..9, a hard state, compacted
// to 5.
void Populate(const std::string& path) {
  auto store = MustOpen(path);
  ASSERT_NE(store, nullptr);
  raft::Snapshot snap = MakeSnapshot(3, 2);
  raft::HardState hs{.term = 3, .vote = 1, .commit = 8};
  ASSERT_TRUE(store->Save(&hs, MakeEntries(4, 9, 3), &snap, true).ok());
  ASSERT_TRUE(store->Compact(5).ok());
}

void ExpectCorruptionNaming(const std::string& path, const std::string& key) {
  auto opened = LevelDbRaftLogStore::Open(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kCorruption)
      << opened.status().ToString();
  EXPECT_NE(opened.status().message().find("key " + key), std::string::npos)
      << opened.status().ToString();
}

TEST(LevelDbRaftLogStoreTest, StateSurvivesReopen) {
  TempDir dir;
  MemoryLogStore model;
  {
    auto store = MustOpen(dir.path());
    ASSERT_NE(store, nullptr);
    raft::Snapshot snap = MakeSnapshot(3, 2);
    raft::HardState hs{.term = 3, .vote = 1, .commit = 8};
    for (RaftLogStore* s : {static_cast<RaftLogStore*>(store.get()),
                            static_cast<RaftLogStore*>(&model)}) {
      ASSERT_TRUE(s->Save(&hs, MakeEntries(4, 9, 3), &snap, true).ok());
      ASSERT_TRUE(s->Compact(5).ok());
      // Truncate the conflicting suffix 8..9 with a new term.
      ASSERT_TRUE(s->Save(nullptr, MakeEntries(7, 7, 4), nullptr, false).ok());
    }
    ExpectSameReads(model, *store);
  }
  auto reopened = MustOpen(dir.path());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->FirstIndex(), 6u);
  EXPECT_EQ(reopened->LastIndex(), 7u);
  EXPECT_EQ(reopened->TermAt(5).value(), 3u);
  EXPECT_EQ(reopened->TermAt(7).value(), 4u);
  EXPECT_EQ(reopened->GetSnapshot().value(), MakeSnapshot(3, 2));
  ExpectSameReads(model, *reopened);
}

TEST(LevelDbRaftLogStoreTest, FlippedBitInEntryIsCorruption) {
  TempDir dir;
  Populate(dir.path());
  Tamper(dir.path(), EntryKey(7), FlipBit);
  ExpectCorruptionNaming(dir.path(), "e/7");
}

TEST(LevelDbRaftLogStoreTest, TruncatedEntryIsCorruption) {
  TempDir dir;
  Populate(dir.path());
  Tamper(dir.path(), EntryKey(9), Truncate);
  ExpectCorruptionNaming(dir.path(), "e/9");
}

TEST(LevelDbRaftLogStoreTest, CorruptHardStateSnapshotAndMeta) {
  for (const char* key : {"h", "s", "f"}) {
    for (auto mutate : {FlipBit, Truncate}) {
      TempDir dir;
      Populate(dir.path());
      Tamper(dir.path(), key, mutate);
      ExpectCorruptionNaming(dir.path(), key);
    }
  }
}

TEST(LevelDbRaftLogStoreTest, MissingMiddleEntryIsCorruption) {
  TempDir dir;
  Populate(dir.path());
  Tamper(dir.path(), EntryKey(7), nullptr);
  ExpectCorruptionNaming(dir.path(), "e/8");
  auto opened = LevelDbRaftLogStore::Open(dir.path());
  EXPECT_NE(opened.status().message().find("gap"), std::string::npos);
}

TEST(LevelDbRaftLogStoreTest, MissingFirstEntryIsCorruption) {
  TempDir dir;
  Populate(dir.path());
  Tamper(dir.path(), EntryKey(6), nullptr);  // first index after Compact(5)
  ExpectCorruptionNaming(dir.path(), "e/7");
}

TEST(LevelDbRaftLogStoreTest, EntryUnderAnotherKeyIsCorruption) {
  TempDir dir;
  Populate(dir.path());
  {
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), dir.path(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::string v8;
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), EntryKey(8), &v8).ok());
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), EntryKey(7), v8).ok());
  }
  ExpectCorruptionNaming(dir.path(), "e/7");
}

TEST(LevelDbRaftLogStoreTest, PathThatIsAFileIsIOError) {
  TempDir dir;
  { std::ofstream(dir.path()) << "not a directory"; }
  auto opened = LevelDbRaftLogStore::Open(dir.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kIOError)
      << opened.status().ToString();
  auto below = LevelDbRaftLogStore::Open(dir.path() + "/sub");
  ASSERT_FALSE(below.ok());
  EXPECT_EQ(below.status().code(), Code::kIOError);
}

TEST(LevelDbRaftLogStoreTest, UnwritableDirectoryIsIOError) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  std::filesystem::create_directory(dir.path());
  std::filesystem::permissions(
      dir.path(),
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  auto opened = LevelDbRaftLogStore::Open(dir.path() + "/db");
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kIOError);
}

TEST(LevelDbRaftLogStoreTest, SecondOpenOfLockedStoreIsIOError) {
  TempDir dir;
  auto first = MustOpen(dir.path());
  ASSERT_NE(first, nullptr);
  auto second = LevelDbRaftLogStore::Open(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kIOError);
}

// The "e/" keys LevelDB holds, live or dead.
size_t CountEntryKeys(const std::string& path) {
  leveldb::DB* raw = nullptr;
  EXPECT_TRUE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  std::unique_ptr<leveldb::Iterator> it(
      db->NewIterator(leveldb::ReadOptions()));
  size_t n = 0;
  for (it->Seek("e/"); it->Valid() && it->key().starts_with("e/"); it->Next()) {
    n++;
  }
  return n;
}

// A new store at `path` holding entries lo..hi of term 1.
std::unique_ptr<LevelDbRaftLogStore> OpenHolding(const std::string& path,
                                                 Index lo, Index hi) {
  auto store = MustOpen(path);
  if (store == nullptr) return nullptr;
  Status s = store->Save(nullptr, MakeEntries(lo, hi, 1), nullptr, true);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return store;
}

TEST(LevelDbRaftLogStoreTest, SnapshotsDeleteTheOldLogOverLaterSaves) {
  TempDir dir;
  {
    auto store = OpenHolding(dir.path(), 1, 1000);
    ASSERT_NE(store, nullptr);
    // As the server snapshots: the entries after the snapshot come again.
    raft::Snapshot snap = MakeSnapshot(900, 1);
    ASSERT_TRUE(
        store->Save(nullptr, MakeEntries(901, 1000, 1), &snap, true).ok());
    EXPECT_EQ(store->FirstIndex(), 901u);
    EXPECT_EQ(store->Entries(901, 1001, raft::kNoLimit).value(),
              MakeEntries(901, 1000, 1));
    EXPECT_EQ(store->TermAt(900).value(), 1u);
    EXPECT_EQ(store->TermAt(899).status().code(), Code::kCompacted);
  }
  // Not all at once: at most 16 + 4 per entry saved with it.
  EXPECT_EQ(CountEntryKeys(dir.path()), 1000u - (16 + 4 * 100));
  {
    // A reopened store finds the dead entries and goes on deleting them.
    auto store = MustOpen(dir.path());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->FirstIndex(), 901u);
    EXPECT_EQ(store->LastIndex(), 1000u);
    raft::HardState hs{.term = 1, .vote = 1, .commit = 1000};
    for (int i = 0; i < 30; i++) {
      ASSERT_TRUE(store->Save(&hs, {}, nullptr, false).ok());
    }
    ASSERT_TRUE(store->Compact(950).ok());
    for (int i = 0; i < 4; i++) {
      ASSERT_TRUE(store->Save(&hs, {}, nullptr, false).ok());
    }
    EXPECT_EQ(store->FirstIndex(), 951u);
  }
  EXPECT_EQ(CountEntryKeys(dir.path()), 50u);
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Entries(951, 1001, raft::kNoLimit).value(),
            MakeEntries(951, 1000, 1));
}

TEST(LevelDbRaftLogStoreTest, ReadsPastTheRecentEntriesKeptGoToDisk) {
  // 6 MiB of entries, more than the store keeps in memory (4 MiB): reads
  // of the oldest, the newest and across both, then a conflicting
  // suffix and a compaction, all as saved.
  TempDir dir;
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  std::vector<Entry> all;
  for (Index i = 1; i <= 6144; i++) {
    all.push_back(
        {.term = 1, .index = i, .data = std::string(1024, 'a' + i % 26)});
  }
  for (size_t i = 0; i < all.size(); i += 512) {
    std::vector<Entry> part(all.begin() + i, all.begin() + i + 512);
    ASSERT_TRUE(store->Save(nullptr, part, nullptr, false).ok());
  }
  auto slice = [&](Index lo, Index hi) {
    return std::vector<Entry>(all.begin() + (lo - 1), all.begin() + (hi - 1));
  };
  EXPECT_EQ(store->Entries(1, 10, raft::kNoLimit).value(), slice(1, 10));
  EXPECT_EQ(store->Entries(6000, 6145, raft::kNoLimit).value(),
            slice(6000, 6145));
  EXPECT_EQ(store->Entries(100, 6145, raft::kNoLimit).value(),
            slice(100, 6145));
  EXPECT_EQ(store->Entries(6000, 6145, 3000).value(), slice(6000, 6002));
  EXPECT_EQ(store->TermAt(6100).value(), 1u);
  all.resize(6100);
  all.push_back({.term = 2, .index = 6101, .data = "new"});
  ASSERT_TRUE(store->Save(nullptr, {all.back()}, nullptr, true).ok());
  EXPECT_EQ(store->LastIndex(), 6101u);
  EXPECT_EQ(store->Entries(6050, 6102, raft::kNoLimit).value(),
            slice(6050, 6102));
  ASSERT_TRUE(store->Compact(6090).ok());
  EXPECT_EQ(store->Entries(6091, 6102, raft::kNoLimit).value(),
            slice(6091, 6102));
  EXPECT_EQ(store->TermAt(6101).value(), 2u);
  store.reset();
  store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Entries(6091, 6102, raft::kNoLimit).value(),
            slice(6091, 6102));
}

TEST(LevelDbRaftLogStoreTest, ASnapshotBelowTheOffsetLeavesNoStaleLog) {
  // Entries 1..20 compacted to 15 (1..15 dead, still stored), then a
  // snapshot at 10: nothing past 10 may read as its log after a reopen.
  TempDir dir;
  {
    auto store = OpenHolding(dir.path(), 1, 20);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Compact(15).ok());
    raft::Snapshot snap = MakeSnapshot(10, 2);
    ASSERT_TRUE(store->Save(nullptr, {}, &snap, true).ok());
    EXPECT_EQ(store->LastIndex(), 10u);
  }
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->FirstIndex(), 11u);
  EXPECT_EQ(store->LastIndex(), 10u);
  ASSERT_TRUE(store->Save(nullptr, MakeEntries(11, 12, 2), nullptr, true).ok());
  store.reset();
  store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->LastIndex(), 12u);
  EXPECT_EQ(store->Entries(11, 13, raft::kNoLimit).value(),
            MakeEntries(11, 12, 2));
}

// One random Save, Compact or snapshot install applied to both stores.
void RandomStep(Random& rnd, raft::Term* term, RaftLogStore& model,
                RaftLogStore& store) {
  const Index first = model.FirstIndex();
  const Index last = model.LastIndex();
  const uint64_t op = rnd.Uniform(100);
  if (op < 50) {
    const Index lo = rnd.Range(first > 2 ? first - 2 : 1, last + 1);
    *term += rnd.Uniform(2);
    std::vector<Entry> ents = MakeEntries(lo, lo + rnd.Uniform(6), *term);
    raft::HardState hs{.term = *term, .vote = rnd.Uniform(4), .commit = lo};
    const raft::HardState* hsp = rnd.OneIn(1, 2) ? &hs : nullptr;
    const bool sync = rnd.OneIn(1, 2);
    ASSERT_TRUE(model.Save(hsp, ents, nullptr, sync).ok());
    ASSERT_TRUE(store.Save(hsp, ents, nullptr, sync).ok());
  } else if (op < 75) {
    const Index i = rnd.Range(first - 1, last);
    Status want = model.Compact(i);
    EXPECT_EQ(want.code(), store.Compact(i).code()) << "compact " << i;
  } else {
    const Index snap_index = model.GetSnapshot().value().metadata.index;
    const Index i = rnd.Range(snap_index > 0 ? snap_index : 1, last + 4);
    *term += rnd.Uniform(2);
    raft::Snapshot snap = MakeSnapshot(i, *term);
    std::vector<Entry> ents;
    if (rnd.OneIn(1, 2)) ents = MakeEntries(i + 1, i + rnd.Uniform(4), *term);
    Status want = model.Save(nullptr, ents, &snap, true);
    EXPECT_EQ(want.code(), store.Save(nullptr, ents, &snap, true).code())
        << "snapshot " << i;
  }
}

TEST(LevelDbRaftLogStoreTest, RandomizedAgainstMemoryStorage) {
  for (uint64_t seed = 1; seed <= 12; seed++) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Random rnd(seed);
    TempDir dir;
    MemoryLogStore model;
    auto store = MustOpen(dir.path());
    ASSERT_NE(store, nullptr);
    raft::Term term = 1;
    for (int step = 0; step < 150; step++) {
      if (rnd.OneIn(1, 6)) {
        store.reset();
        store = MustOpen(dir.path());
        ASSERT_NE(store, nullptr);
      } else {
        RandomStep(rnd, &term, model, *store);
      }
      ASSERT_NO_FATAL_FAILURE(ExpectSameReads(model, *store))
          << "step " << step;
      if (::testing::Test::HasFailure()) return;
    }
  }
}

}  // namespace
}  // namespace cairn::storage
