// Conformance suite for RaftLogStore: the SAME tests run against the
// reference semantics (raft::MemoryStorage behind MemoryLogStore), against
// LevelDbRaftLogStore, and against LevelDbRaftLogStore closed and reopened
// after every write, so that whatever Raft reads is identical across all
// three. Covers Append with conflicting-suffix truncation, Compact,
// snapshots, Entries with max_bytes and TermAt's kCompacted/kNotFound, in
// the shape of etcd-io/raft storage_test.go.
#include <memory>
#include <string>
#include <vector>

#include "core/storage/leveldb_raft_log_store.h"
#include "tests/core/storage/store_test_util.h"

namespace cairn::storage {
namespace {

using raft::Entry;
using raft::Index;
using raft::Term;

enum class Kind { kMemory, kLevelDb, kLevelDbReopen };

class RaftLogStoreTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kMemory) {
      store_ = std::make_unique<MemoryLogStore>();
    } else {
      Reopen();
    }
  }

  // After a write: the reopening variant closes and reopens the store.
  void AfterWrite() {
    if (GetParam() == Kind::kLevelDbReopen) Reopen();
  }

  void Reopen() {
    store_.reset();
    auto opened = LevelDbRaftLogStore::Open(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  // Saves `ents` (synced), then reopens in the reopening variant.
  void SaveEntries(const std::vector<Entry>& ents) {
    ASSERT_TRUE(store_->Save(nullptr, ents, nullptr, true).ok());
    AfterWrite();
  }

  // etcd's fixture: a snapshot at 3 (term 3), then entries 4 and 5.
  void SetUpSnapshotAt3() {
    raft::Snapshot snap = MakeSnapshot(3, 3);
    ASSERT_TRUE(store_->Save(nullptr, {}, &snap, true).ok());
    AfterWrite();
    SaveEntries({E(4, 4), E(5, 5)});
  }

  static Entry E(Index i, Term t) {
    Entry e;
    e.index = i;
    e.term = t;
    e.data = "d" + std::to_string(i);
    return e;
  }

  std::vector<Entry> All() {
    auto r = store_->Entries(store_->FirstIndex(), store_->LastIndex() + 1,
                             raft::kNoLimit);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : std::vector<Entry>{};
  }

  TempDir dir_;
  std::unique_ptr<RaftLogStore> store_;
};

TEST_P(RaftLogStoreTest, EmptyStore) {
  EXPECT_EQ(store_->FirstIndex(), 1u);
  EXPECT_EQ(store_->LastIndex(), 0u);
  EXPECT_EQ(store_->TermAt(0).value(), 0u);
  EXPECT_EQ(store_->TermAt(1).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->Entries(1, 1, raft::kNoLimit).status().code(),
            Code::kNotFound);
  EXPECT_TRUE(store_->GetSnapshot().value().empty());
  EXPECT_TRUE(store_->GetInitialState().value().hard_state.empty());
}

TEST_P(RaftLogStoreTest, TermAt) {
  SetUpSnapshotAt3();
  EXPECT_EQ(store_->TermAt(2).status().code(), Code::kCompacted);
  EXPECT_EQ(store_->TermAt(3).value(), 3u);
  EXPECT_EQ(store_->TermAt(4).value(), 4u);
  EXPECT_EQ(store_->TermAt(5).value(), 5u);
  EXPECT_EQ(store_->TermAt(6).status().code(), Code::kNotFound);
}

TEST_P(RaftLogStoreTest, EntriesWithMaxBytes) {
  SetUpSnapshotAt3();
  SaveEntries({E(6, 6)});
  const uint64_t s4 = raft::EntryBytes(E(4, 4));
  const uint64_t s5 = raft::EntryBytes(E(5, 5));
  const uint64_t s6 = raft::EntryBytes(E(6, 6));
  EXPECT_EQ(store_->Entries(2, 6, raft::kNoLimit).status().code(),
            Code::kCompacted);
  EXPECT_EQ(store_->Entries(3, 4, raft::kNoLimit).status().code(),
            Code::kCompacted);
  struct Case {
    Index lo, hi;
    uint64_t max_bytes;
    std::vector<Entry> want;
  };
  const std::vector<Case> cases = {
      {4, 5, raft::kNoLimit, {E(4, 4)}},
      {4, 6, raft::kNoLimit, {E(4, 4), E(5, 5)}},
      {4, 7, raft::kNoLimit, {E(4, 4), E(5, 5), E(6, 6)}},
      {4, 7, 0, {E(4, 4)}},  // at least one entry
      {4, 7, s4 + s5, {E(4, 4), E(5, 5)}},
      {4, 7, s4 + s5 + s6 / 2, {E(4, 4), E(5, 5)}},
      {4, 7, s4 + s5 + s6 - 1, {E(4, 4), E(5, 5)}},
      {4, 7, s4 + s5 + s6, {E(4, 4), E(5, 5), E(6, 6)}},
      {5, 5, raft::kNoLimit, {}},
  };
  for (const Case& c : cases) {
    auto got = store_->Entries(c.lo, c.hi, c.max_bytes);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got.value(), c.want)
        << c.lo << ".." << c.hi << " max " << c.max_bytes;
  }
}

TEST_P(RaftLogStoreTest, AppendTruncatesConflictingSuffix) {
  SetUpSnapshotAt3();
  SaveEntries({E(6, 5), E(7, 5)});
  // Overwrite from 5 with a new term: 6 and 7 must disappear.
  SaveEntries({E(5, 6)});
  EXPECT_EQ(store_->LastIndex(), 5u);
  EXPECT_EQ(All(), (std::vector<Entry>{E(4, 4), E(5, 6)}));
  EXPECT_EQ(store_->TermAt(6).status().code(), Code::kNotFound);
}

TEST_P(RaftLogStoreTest, AppendIgnoresEntriesInSnapshot) {
  SetUpSnapshotAt3();
  // etcd TestStorageAppend: entries 1..5 where 1..3 are in the snapshot.
  SaveEntries({E(1, 1), E(2, 2), E(3, 3), E(4, 6), E(5, 6)});
  EXPECT_EQ(All(), (std::vector<Entry>{E(4, 6), E(5, 6)}));
  // Entirely below the first index: nothing changes.
  SaveEntries({E(2, 9)});
  EXPECT_EQ(All(), (std::vector<Entry>{E(4, 6), E(5, 6)}));
  // Extends directly after the last index.
  SaveEntries({E(6, 6)});
  EXPECT_EQ(store_->LastIndex(), 6u);
  EXPECT_EQ(store_->TermAt(6).value(), 6u);
}

TEST_P(RaftLogStoreTest, Compact) {
  SetUpSnapshotAt3();
  EXPECT_EQ(store_->Compact(2).code(), Code::kCompacted);
  EXPECT_EQ(store_->Compact(3).code(), Code::kCompacted);
  ASSERT_TRUE(store_->Compact(4).ok());
  AfterWrite();
  EXPECT_EQ(store_->FirstIndex(), 5u);
  EXPECT_EQ(store_->LastIndex(), 5u);
  EXPECT_EQ(store_->TermAt(4).value(), 4u);
  EXPECT_EQ(store_->TermAt(3).status().code(), Code::kCompacted);
  EXPECT_EQ(store_->Entries(4, 6, raft::kNoLimit).status().code(),
            Code::kCompacted);
  ASSERT_TRUE(store_->Compact(5).ok());
  AfterWrite();
  EXPECT_EQ(store_->FirstIndex(), 6u);
  EXPECT_EQ(store_->LastIndex(), 5u);
  EXPECT_EQ(store_->TermAt(5).value(), 5u);
  // The snapshot is independent of compaction.
  EXPECT_EQ(store_->GetSnapshot().value().metadata.index, 3u);
  SaveEntries({E(6, 7)});
  EXPECT_EQ(All(), (std::vector<Entry>{E(6, 7)}));
}

TEST_P(RaftLogStoreTest, ApplySnapshotReplacesLog) {
  SetUpSnapshotAt3();
  raft::Snapshot old_snap = MakeSnapshot(2, 2);
  EXPECT_EQ(store_->Save(nullptr, {}, &old_snap, true).code(),
            Code::kFailedPrecondition);
  raft::Snapshot same = MakeSnapshot(3, 3);
  EXPECT_EQ(store_->Save(nullptr, {}, &same, true).code(),
            Code::kFailedPrecondition);
  raft::Snapshot snap = MakeSnapshot(10, 8);
  snap.metadata.conf_state.learners = {4};
  ASSERT_TRUE(store_->Save(nullptr, {}, &snap, true).ok());
  AfterWrite();
  EXPECT_EQ(store_->FirstIndex(), 11u);
  EXPECT_EQ(store_->LastIndex(), 10u);
  EXPECT_EQ(store_->TermAt(10).value(), 8u);
  EXPECT_EQ(store_->TermAt(5).status().code(), Code::kCompacted);
  EXPECT_EQ(store_->GetSnapshot().value(), snap);
  EXPECT_EQ(store_->GetInitialState().value().conf_state,
            snap.metadata.conf_state);
}

TEST_P(RaftLogStoreTest, SaveAppliesSnapshotEntriesAndHardStateTogether) {
  SaveEntries({E(1, 1), E(2, 1), E(3, 2)});
  raft::Snapshot snap = MakeSnapshot(5, 3);
  raft::HardState hs{.term = 4, .vote = 2, .commit = 6};
  ASSERT_TRUE(store_->Save(&hs, {E(6, 4), E(7, 4)}, &snap, false).ok());
  AfterWrite();
  EXPECT_EQ(store_->FirstIndex(), 6u);
  EXPECT_EQ(store_->LastIndex(), 7u);
  EXPECT_EQ(store_->TermAt(5).value(), 3u);
  EXPECT_EQ(All(), (std::vector<Entry>{E(6, 4), E(7, 4)}));
  EXPECT_EQ(store_->GetInitialState().value().hard_state, hs);
  // A later hard state alone replaces it.
  raft::HardState hs2{.term = 5, .vote = 0, .commit = 7};
  ASSERT_TRUE(store_->Save(&hs2, {}, nullptr, true).ok());
  AfterWrite();
  EXPECT_EQ(store_->GetInitialState().value().hard_state, hs2);
}

std::string KindName(const ::testing::TestParamInfo<Kind>& param) {
  switch (param.param) {
    case Kind::kMemory:
      return "Memory";
    case Kind::kLevelDb:
      return "LevelDb";
    case Kind::kLevelDbReopen:
      return "LevelDbReopened";
  }
  return "Unknown";
}

INSTANTIATE_TEST_SUITE_P(AllStores, RaftLogStoreTest,
                         ::testing::Values(Kind::kMemory, Kind::kLevelDb,
                                           Kind::kLevelDbReopen),
                         KindName);

}  // namespace
}  // namespace cairn::storage
