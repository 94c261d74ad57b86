// Tests of SimLogStore, the simulator's fault-injecting Raft log store:
// what Raft reads matches raft::MemoryStorage's semantics (appends that
// replace a conflicting suffix, snapshots, compaction); writes survive a
// crash only once synced; a crash that tears the unsynced tail at ANY
// byte leaves a file whose recovery keeps exactly the whole records and
// drops the torn one; a flipped bit is caught by the record checksum; and
// an injected fsync failure makes nothing durable.
#include "simulator/sim_log_store.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cairn::sim {
namespace {

using raft::Entry;
using raft::HardState;
using raft::Index;
using raft::Term;

Entry E(Index i, Term t, std::string data = "") {
  Entry e;
  e.index = i;
  e.term = t;
  e.data = std::move(data);
  return e;
}

raft::Snapshot Snap(Index i, Term t) {
  raft::Snapshot s;
  s.metadata.index = i;
  s.metadata.term = t;
  s.metadata.conf_state.voters = {1, 2, 3};
  s.data = "image";
  return s;
}

// Everything Raft can read from `s`, as one string.
std::string Dump(const SimLogStore& s) {
  std::string out = "first=" + std::to_string(s.FirstIndex()) +
                    " last=" + std::to_string(s.LastIndex());
  Result<raft::InitialState> init = s.GetInitialState();
  EXPECT_TRUE(init.ok());
  out += " hs=" + std::to_string(init.value().hard_state.term) + "/" +
         std::to_string(init.value().hard_state.vote) + "/" +
         std::to_string(init.value().hard_state.commit);
  for (Index i = s.FirstIndex(); i <= s.LastIndex(); i++) {
    Result<std::vector<Entry>> e = s.Entries(i, i + 1, raft::kNoLimit);
    EXPECT_TRUE(e.ok());
    out += " " + std::to_string(i) + ":" +
           std::to_string(e.value().front().term) + ":" +
           e.value().front().data;
  }
  return out;
}

HardState Hs(Term term, uint64_t vote, Index commit) {
  HardState hs;
  hs.term = term;
  hs.vote = vote;
  hs.commit = commit;
  return hs;
}

TEST(SimLogStoreTest, ReadsFollowMemoryStorageSemantics) {
  SimLogStore s(/*defer_sync=*/false);
  raft::Snapshot snap = Snap(3, 3);
  ASSERT_TRUE(s.Save(nullptr, {}, &snap, true).ok());
  ASSERT_TRUE(
      s.Save(nullptr, {E(4, 4, "a"), E(5, 4, "b"), E(6, 4, "c")}, nullptr, true)
          .ok());
  // A conflicting append at 5 replaces the suffix from 5 on.
  ASSERT_TRUE(s.Save(nullptr, {E(5, 5, "x")}, nullptr, true).ok());
  EXPECT_EQ(s.LastIndex(), 5u);
  EXPECT_EQ(s.TermAt(5).value(), 5u);
  EXPECT_EQ(s.TermAt(3).value(), 3u);
  EXPECT_EQ(s.TermAt(2).status().code(), Code::kCompacted);
  EXPECT_EQ(s.TermAt(6).status().code(), Code::kNotFound);
  // A snapshot that is not newer is refused and writes nothing.
  const uint64_t before = s.file_bytes();
  raft::Snapshot old = Snap(2, 2);
  EXPECT_EQ(s.Save(nullptr, {}, &old, true).code(), Code::kFailedPrecondition);
  EXPECT_EQ(s.file_bytes(), before);
  ASSERT_TRUE(s.Compact(4).ok());
  EXPECT_EQ(s.FirstIndex(), 5u);
  EXPECT_EQ(s.Compact(4).code(), Code::kCompacted);
}

TEST(SimLogStoreTest, RecoveryReplaysEverySyncedRecord) {
  SimLogStore s(/*defer_sync=*/true);
  raft::Snapshot snap = Snap(3, 3);
  HardState hs = Hs(4, 2, 4);
  ASSERT_TRUE(s.Save(&hs, {}, &snap, true).ok());
  ASSERT_TRUE(
      s.Save(nullptr, {E(4, 4, "a"), E(5, 4, "b")}, nullptr, true).ok());
  ASSERT_TRUE(s.Save(nullptr, {E(5, 5, "c")}, nullptr, true).ok());
  ASSERT_TRUE(s.Compact(4).ok());
  ASSERT_TRUE(s.Sync().ok());
  EXPECT_EQ(s.durable_last_index(), 5u);
  EXPECT_EQ(s.durable_hard_state().vote, 2u);
  const std::string want = Dump(s);
  CrashReport crash = s.Crash(0);
  EXPECT_EQ(crash.lost_bytes, 0u);
  RecoveryReport rec = s.Recover();
  EXPECT_EQ(rec.records, 4u);
  EXPECT_EQ(rec.discarded_bytes, 0u);
  EXPECT_EQ(Dump(s), want);
}

TEST(SimLogStoreTest, UnsyncedWritesAreLostInACrash) {
  SimLogStore s(/*defer_sync=*/true);
  ASSERT_TRUE(s.Save(nullptr, {E(1, 1, "a")}, nullptr, true).ok());
  ASSERT_TRUE(s.Sync().ok());
  HardState hs = Hs(2, 3, 1);
  ASSERT_TRUE(s.Save(&hs, {E(2, 2, "b")}, nullptr, true).ok());
  EXPECT_EQ(s.LastIndex(), 2u);           // Raft reads it at once
  EXPECT_EQ(s.durable_last_index(), 1u);  // but it is not durable
  EXPECT_EQ(s.durable_hard_state().term, 0u);
  CrashReport crash = s.Crash(0);
  EXPECT_GT(crash.lost_bytes, 0u);
  s.Recover();
  EXPECT_EQ(s.LastIndex(), 1u);
  EXPECT_EQ(s.GetInitialState().value().hard_state.term, 0u);
}

// Two unsynced records torn at every possible byte: recovery keeps the
// synced state plus whichever unsynced records reached the file whole,
// and drops the torn remainder.
TEST(SimLogStoreTest, TearAtEveryByteKeepsOnlyWholeRecords) {
  auto make = [] {
    auto s = std::make_unique<SimLogStore>(/*defer_sync=*/true);
    EXPECT_TRUE(s->Save(nullptr, {E(1, 1, "a")}, nullptr, true).ok());
    EXPECT_TRUE(s->Sync().ok());
    return s;
  };
  std::unique_ptr<SimLogStore> probe = make();
  const std::string synced = Dump(*probe);
  HardState hs = Hs(2, 1, 1);
  ASSERT_TRUE(probe->Save(&hs, {E(2, 2, "bb")}, nullptr, true).ok());
  const uint64_t first = probe->unsynced_bytes();
  const std::string after_first = Dump(*probe);
  ASSERT_TRUE(probe->Save(nullptr, {E(3, 2, "ccc")}, nullptr, true).ok());
  const uint64_t total = probe->unsynced_bytes();
  const std::string after_both = Dump(*probe);
  for (uint64_t tear = 0; tear <= total; tear++) {
    std::unique_ptr<SimLogStore> s = make();
    ASSERT_TRUE(s->Save(&hs, {E(2, 2, "bb")}, nullptr, true).ok());
    ASSERT_TRUE(s->Save(nullptr, {E(3, 2, "ccc")}, nullptr, true).ok());
    CrashReport crash = s->Crash(tear);
    EXPECT_EQ(crash.torn_bytes, tear);
    RecoveryReport rec = s->Recover();
    const std::string want = tear == total   ? after_both
                             : tear >= first ? after_first
                                             : synced;
    EXPECT_EQ(Dump(*s), want) << "tear at byte " << tear;
    const bool whole = tear == 0 || tear == first || tear == total;
    EXPECT_EQ(rec.discarded_bytes > 0, !whole) << "tear at byte " << tear;
    EXPECT_EQ(rec.why.empty(), whole) << rec.why;
    // New records follow the last good one.
    ASSERT_TRUE(
        s->Save(nullptr, {E(s->LastIndex() + 1, 3, "z")}, nullptr, true).ok());
    ASSERT_TRUE(s->Sync().ok());
    s->Crash(0);
    EXPECT_EQ(s->Recover().discarded_bytes, 0u);
  }
}

TEST(SimLogStoreTest, FlippedBitFailsTheChecksum) {
  SimLogStore s(/*defer_sync=*/false);
  ASSERT_TRUE(s.Save(nullptr, {E(1, 1, "a")}, nullptr, true).ok());
  const uint64_t good = s.file_bytes();
  ASSERT_TRUE(s.Save(nullptr, {E(2, 1, "payload")}, nullptr, true).ok());
  s.file_for_test()[s.file_bytes() - 2] ^= 0x10;
  s.Crash(0);
  RecoveryReport rec = s.Recover();
  EXPECT_EQ(rec.records, 1u);
  EXPECT_EQ(rec.why, "record checksum mismatch");
  EXPECT_EQ(s.file_bytes(), good);
  EXPECT_EQ(s.LastIndex(), 1u);
}

TEST(SimLogStoreTest, FailedSyncMakesNothingDurable) {
  SimLogStore s(/*defer_sync=*/true);
  HardState hs = Hs(1, 1, 0);
  ASSERT_TRUE(s.Save(&hs, {E(1, 1, "a")}, nullptr, true).ok());
  s.FailNextSync();
  EXPECT_EQ(s.Sync().code(), Code::kIOError);
  EXPECT_EQ(s.durable_last_index(), 0u);
  EXPECT_EQ(s.file_bytes(), 0u);
  s.Crash(0);
  s.Recover();
  EXPECT_EQ(s.LastIndex(), 0u);
  // Only the next sync fails.
  ASSERT_TRUE(s.Save(&hs, {E(1, 1, "a")}, nullptr, true).ok());
  EXPECT_TRUE(s.Sync().ok());
  EXPECT_EQ(s.durable_last_index(), 1u);
}

// Files the fuzzer made (tests/fuzz/sim_log_store_fuzz.cc): records with
// good checksums in an order Save never writes. Recovery used to abort on
// them; it keeps the good prefix and drops the rest as corrupt.
std::string ReadTestFile(const std::string& name) {
  std::ifstream in(std::string(CAIRN_SOURCE_DIR) +
                       "/tests/simulator/testdata_simlog/" + name,
                   std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(SimLogStoreTest, RecoveryRefusesRecordsSaveNeverWrites) {
  for (const char* name :
       {"duplicate_snapshot_record", "records_out_of_order"}) {
    const std::string bytes = ReadTestFile(name);
    ASSERT_FALSE(bytes.empty()) << name;
    SimLogStore s(/*defer_sync=*/false);
    s.file_for_test() = bytes;
    const RecoveryReport r = s.Recover();
    EXPECT_GT(r.discarded_bytes, 0u) << name;
    EXPECT_NE(r.why.find("raft log record"), std::string::npos)
        << name << ": " << r.why;
    EXPECT_EQ(s.file_bytes() + r.discarded_bytes, bytes.size()) << name;
    EXPECT_TRUE(s.TermAt(s.LastIndex()).ok()) << name;
  }
}

}  // namespace
}  // namespace cairn::sim
