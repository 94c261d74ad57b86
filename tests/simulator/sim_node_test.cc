// Tests of SimNode's simulated disk: a Ready's writes are visible to the
// Raft core at once but survive a crash only after FinishSync (the fsync),
// a restart rebuilds the member from what was synced, a torn write is
// discarded on recovery, and a failed fsync hands nothing to the host
// (which must crash the member). A one-member
// cluster keeps the Readys small and predictable: its campaign makes it
// leader of term 1 with an empty entry at index 2.
#include "simulator/sim_node.h"

#include "gtest/gtest.h"

namespace cairn::sim {
namespace {

SimNodeOptions OneMember() {
  SimNodeOptions o;
  o.id = 1;
  o.voters = {1};
  o.seed = 42;
  return o;
}

TEST(SimNodeTest, BootsFromTheMembershipSnapshot) {
  SimNode n(OneMember());
  EXPECT_FALSE(n.crashed());
  EXPECT_EQ(n.snapshot_index(), 1u);
  EXPECT_EQ(n.disk().durable_last_index(), 1u);
  EXPECT_EQ(n.raw().raft().term(), 0u);
}

TEST(SimNodeTest, CrashBeforeTheFsyncLosesTheReady) {
  SimNode n(OneMember());
  n.raw().Campaign();
  ASSERT_TRUE(n.TakeReady());
  n.WriteReady();
  EXPECT_TRUE(n.syncing());
  EXPECT_FALSE(n.TakeReady());  // one Ready in flight at a time
  ASSERT_TRUE(n.in_flight().hard_state.has_value());
  EXPECT_EQ(n.in_flight().hard_state->term, 1u);
  EXPECT_EQ(n.disk().durable_hard_state().term, 0u);  // not synced yet
  const uint64_t before = n.incarnation();
  const CrashReport crash = n.Crash(0);
  EXPECT_GT(crash.lost_bytes, 0u);
  EXPECT_EQ(crash.torn_bytes, 0u);
  EXPECT_TRUE(n.crashed());
  EXPECT_FALSE(n.syncing());
  EXPECT_EQ(n.incarnation(), before + 1);
  const RecoveryReport rec = n.Restart();
  EXPECT_EQ(rec.records, 1u);  // the bootstrap snapshot
  EXPECT_EQ(rec.discarded_bytes, 0u);
  EXPECT_EQ(n.raw().raft().term(), 0u);  // the vote and term were lost
  EXPECT_EQ(n.disk().durable_last_index(), 1u);
}

TEST(SimNodeTest, FinishedFsyncSurvivesACrash) {
  SimNode n(OneMember());
  n.raw().Campaign();
  ASSERT_TRUE(n.TakeReady());
  n.WriteReady();
  Result<raft::Ready> synced = n.FinishSync();
  ASSERT_TRUE(synced.ok());
  raft::Ready rd = std::move(synced).value();
  EXPECT_FALSE(n.syncing());
  ASSERT_FALSE(rd.entries.empty());
  EXPECT_EQ(n.disk().durable_hard_state().term, 1u);
  EXPECT_EQ(n.disk().durable_last_index(), rd.entries.back().index);
  n.raw().Advance();
  n.Crash(1000);  // nothing unsynced: nothing to tear
  n.Restart();
  EXPECT_EQ(n.raw().raft().term(), 1u);
  EXPECT_EQ(n.raw().raft().log().LastIndex(), rd.entries.back().index);
}

// A crash that lets part of the unsynced Ready reach the disk leaves a
// torn record, which recovery finds by its checksum (or length) and
// drops: the member comes back exactly as of the last fsync.
TEST(SimNodeTest, TornWriteIsDiscardedOnRecovery) {
  SimNode n(OneMember());
  n.raw().Campaign();
  ASSERT_TRUE(n.TakeReady());
  n.WriteReady();
  const uint64_t unsynced = n.disk().unsynced_bytes();
  ASSERT_GT(unsynced, 10u);
  const CrashReport crash = n.Crash(unsynced - 3);
  EXPECT_EQ(crash.torn_bytes, unsynced - 3);
  const RecoveryReport rec = n.Restart();
  EXPECT_EQ(rec.discarded_bytes, unsynced - 3);
  EXPECT_FALSE(rec.why.empty());
  EXPECT_EQ(n.raw().raft().term(), 0u);
  EXPECT_EQ(n.raw().raft().log().LastIndex(), 1u);
}

// An fsync failure returns kIOError and keeps the Ready from the host;
// after the crash the member has only what was synced before.
TEST(SimNodeTest, FailedFsyncHandsNothingToTheHost) {
  SimNode n(OneMember());
  n.raw().Campaign();
  ASSERT_TRUE(n.TakeReady());
  n.WriteReady();
  n.disk().FailNextSync();
  Result<raft::Ready> rd = n.FinishSync();
  ASSERT_FALSE(rd.ok());
  EXPECT_EQ(rd.status().code(), Code::kIOError);
  EXPECT_EQ(n.disk().durable_hard_state().term, 0u);
  n.Crash(0);
  n.Restart();
  EXPECT_EQ(n.raw().raft().term(), 0u);
}

}  // namespace
}  // namespace cairn::sim
