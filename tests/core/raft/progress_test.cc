// Flow control and follower progress: the Inflights ring (count and byte
// limits, freeing, wrap-around), Progress state transitions and the
// backtracking rule of MaybeDecrTo, the tracker's vote tally and
// check-quorum, and the Changer's membership rules.
#include "core/raft/progress.h"

#include <gtest/gtest.h>

#include "core/raft/changer.h"
#include "core/raft/inflights.h"
#include "core/raft/tracker.h"

namespace cairn::raft {
namespace {

TEST(InflightsTest, CountLimitAndFree) {
  Inflights in(3, 0);
  in.Add(1, 10);
  in.Add(2, 10);
  EXPECT_FALSE(in.Full());
  in.Add(5, 10);
  EXPECT_TRUE(in.Full());
  EXPECT_DEATH(in.Add(6, 1), "full");
  in.FreeLE(0);  // below the first: nothing
  EXPECT_EQ(in.Count(), 3u);
  in.FreeLE(4);
  EXPECT_EQ(in.Count(), 1u);
  EXPECT_EQ(in.bytes(), 10u);
  in.FreeLE(5);
  EXPECT_EQ(in.Count(), 0u);
}

TEST(InflightsTest, ByteLimit) {
  Inflights in(100, 250);
  in.Add(1, 100);
  in.Add(2, 100);
  EXPECT_FALSE(in.Full());
  in.Add(3, 100);
  EXPECT_TRUE(in.Full());  // 300 >= 250
  in.FreeFirstOne();
  EXPECT_FALSE(in.Full());
  EXPECT_EQ(in.bytes(), 200u);
}

TEST(InflightsTest, WrapsAround) {
  Inflights in(4, 0);
  Index next = 1;
  for (int round = 0; round < 50; round++) {
    while (!in.Full()) in.Add(next++, 1);
    EXPECT_EQ(in.Count(), 4u);
    in.FreeLE(next - 3);  // keep two in flight
    EXPECT_EQ(in.Count(), 2u);
  }
  in.Reset();
  EXPECT_EQ(in.Count(), 0u);
  EXPECT_EQ(in.bytes(), 0u);
}

TEST(ProgressTest, ProbeBacktracksWithHint) {
  Progress pr(10, 8, 0);
  pr.match = 2;
  // A stale rejection (not of the last probe) is ignored.
  EXPECT_FALSE(pr.MaybeDecrTo(5, 3));
  // Rejection of index 9 with hint 4: next jumps to 5.
  EXPECT_TRUE(pr.MaybeDecrTo(9, 4));
  EXPECT_EQ(pr.next, 5u);
  // Never below match + 1.
  EXPECT_TRUE(pr.MaybeDecrTo(4, 0));
  EXPECT_EQ(pr.next, 3u);
}

TEST(ProgressTest, ReplicateRejectionFallsBackToMatch) {
  Progress pr(10, 8, 0);
  pr.match = 5;
  pr.BecomeReplicate();
  pr.OptimisticUpdate(20);
  EXPECT_FALSE(pr.MaybeDecrTo(5, 0));  // at or below match: stale
  EXPECT_TRUE(pr.MaybeDecrTo(12, 0));
  EXPECT_EQ(pr.next, 6u);
}

TEST(ProgressTest, PausedPerState) {
  Progress pr(1, 2, 0);
  EXPECT_FALSE(pr.IsPaused());
  pr.probe_sent = true;
  EXPECT_TRUE(pr.IsPaused());
  EXPECT_TRUE(pr.MaybeUpdate(3));  // an ack unpauses the probe
  EXPECT_FALSE(pr.IsPaused());
  EXPECT_EQ(pr.next, 4u);
  pr.BecomeReplicate();
  pr.inflights.Add(4, 1);
  pr.inflights.Add(5, 1);
  EXPECT_TRUE(pr.IsPaused());
  pr.BecomeSnapshot(20);
  EXPECT_TRUE(pr.IsPaused());
  pr.BecomeProbe();  // after a snapshot, probe right after it
  EXPECT_EQ(pr.next, 21u);
  EXPECT_EQ(pr.ToString(), "StateProbe match=3 next=21 inactive");
}

ProgressTracker MakeTracker(const ConfState& cs) {
  ProgressTracker t(16, 0);
  ChangeResult r = Changer::Restore(cs, 10, 16, 0);
  t.config() = r.config;
  t.progress() = r.progress;
  return t;
}

TEST(TrackerTest, VotesAndQuorumActive) {
  ConfState cs;
  cs.voters = {1, 2, 3};
  cs.learners = {4};
  ProgressTracker t = MakeTracker(cs);
  t.RecordVote(1, true);
  t.RecordVote(4, true);  // learners never count
  t.RecordVote(2, false);
  t.RecordVote(2, true);  // only the first vote counts
  VoteTally tally = t.TallyVotes();
  EXPECT_EQ(tally.granted, 1u);
  EXPECT_EQ(tally.rejected, 1u);
  EXPECT_EQ(tally.result, VoteResult::kVotePending);
  t.RecordVote(3, true);
  EXPECT_EQ(t.TallyVotes().result, VoteResult::kVoteWon);
  EXPECT_FALSE(t.QuorumActive());
  t.Get(1)->recent_active = true;
  t.Get(4)->recent_active = true;
  EXPECT_FALSE(t.QuorumActive());
  t.Get(3)->recent_active = true;
  EXPECT_TRUE(t.QuorumActive());
  t.Get(1)->match = 9;
  t.Get(3)->match = 7;
  EXPECT_EQ(t.Committed(), 7u);
}

TEST(ChangerTest, SimpleAllowsOneVoterChange) {
  ConfState cs;
  cs.voters = {1, 2, 3};
  ProgressTracker t = MakeTracker(cs);
  Changer c(t, 10);
  Result<ChangeResult> r =
      c.Simple({{ConfChangeType::kAddNode, 4}, {ConfChangeType::kAddNode, 5}});
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  r = c.Simple({{ConfChangeType::kAddLearnerNode, 4}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().config.ToString(), "voters=(1 2 3) learners=(4)");
  EXPECT_EQ(r.value().progress.at(4).next, 10u);
  EXPECT_TRUE(r.value().progress.at(4).recent_active);
  // Removing every voter is refused.
  ConfState one;
  one.voters = {1};
  ProgressTracker t1 = MakeTracker(one);
  EXPECT_FALSE(Changer(t1, 10).Simple({{ConfChangeType::kRemoveNode, 1}}).ok());
}

TEST(ChangerTest, JointDemotesThroughLearnersNext) {
  ConfState cs;
  cs.voters = {1, 2, 3};
  ProgressTracker t = MakeTracker(cs);
  Result<ChangeResult> r = Changer(t, 10).EnterJoint(
      true,
      {{ConfChangeType::kAddLearnerNode, 3}, {ConfChangeType::kAddNode, 4}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().config.ToString(),
            "voters=(1 2 4)&&(1 2 3) learners_next=(3) autoleave");
  t.config() = r.value().config;
  t.progress() = r.value().progress;
  EXPECT_FALSE(Changer(t, 10).Simple({{ConfChangeType::kAddNode, 5}}).ok());
  EXPECT_FALSE(Changer(t, 10).EnterJoint(false, {}).ok());
  r = Changer(t, 10).LeaveJoint();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().config.ToString(), "voters=(1 2 4) learners=(3)");
  EXPECT_TRUE(r.value().progress.at(3).is_learner);
}

TEST(ChangerTest, LeaveJointRemovesOutgoingOnly) {
  ConfState cs;
  cs.voters = {1, 2, 3};
  ProgressTracker t = MakeTracker(cs);
  Result<ChangeResult> r = Changer(t, 10).EnterJoint(
      false, {{ConfChangeType::kRemoveNode, 1}, {ConfChangeType::kAddNode, 5}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().progress.count(1), 1u);  // still an outgoing voter
  t.config() = r.value().config;
  t.progress() = r.value().progress;
  EXPECT_FALSE(Changer(t, 10).LeaveJoint().value().progress.count(1));
  ConfState empty;
  ProgressTracker te = MakeTracker(empty);
  EXPECT_FALSE(Changer(te, 10).EnterJoint(false, {}).ok());
  EXPECT_FALSE(Changer(te, 10).LeaveJoint().ok());
}

}  // namespace
}  // namespace cairn::raft
