// Tests of SimNode's simulated disk: a Ready's writes are visible to the
// Raft core at once but survive a crash only after FinishSync (the fsync),
// and a restart rebuilds the member from what was synced. A one-member
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
  EXPECT_EQ(n.durable().LastIndex(), 1u);
  EXPECT_EQ(n.raw().raft().term(), 0u);
}

TEST(SimNodeTest, CrashBeforeTheFsyncLosesTheReady) {
  SimNode n(OneMember());
  n.raw().Campaign();
  ASSERT_TRUE(n.StartReady());
  EXPECT_TRUE(n.syncing());
  EXPECT_FALSE(n.StartReady());  // one Ready in flight at a time
  ASSERT_TRUE(n.in_flight().hard_state.has_value());
  EXPECT_EQ(n.in_flight().hard_state->term, 1u);
  EXPECT_EQ(n.durable().hard_state().term, 0u);  // not synced yet
  const uint64_t before = n.incarnation();
  n.Crash();
  EXPECT_TRUE(n.crashed());
  EXPECT_FALSE(n.syncing());
  EXPECT_EQ(n.incarnation(), before + 1);
  n.Restart();
  EXPECT_EQ(n.raw().raft().term(), 0u);  // the vote and term were lost
  EXPECT_EQ(n.durable().LastIndex(), 1u);
}

TEST(SimNodeTest, FinishedFsyncSurvivesACrash) {
  SimNode n(OneMember());
  n.raw().Campaign();
  ASSERT_TRUE(n.StartReady());
  raft::Ready rd = n.FinishSync();
  EXPECT_FALSE(n.syncing());
  ASSERT_FALSE(rd.entries.empty());
  EXPECT_EQ(n.durable().hard_state().term, 1u);
  EXPECT_EQ(n.durable().LastIndex(), rd.entries.back().index);
  n.raw().Advance();
  n.Crash();
  n.Restart();
  EXPECT_EQ(n.raw().raft().term(), 1u);
  EXPECT_EQ(n.raw().raft().log().LastIndex(), rd.entries.back().index);
}

}  // namespace
}  // namespace cairn::sim
