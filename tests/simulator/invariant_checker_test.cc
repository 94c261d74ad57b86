// Tests of InvariantChecker: each safety checker is fed a fabricated
// history that breaks exactly its invariant and must name it, while the
// matching healthy history passes. The world (world_test.cc) feeds the
// same checker from real runs.
#include "simulator/invariant_checker.h"

#include <map>

#include "gtest/gtest.h"

namespace cairn::sim {
namespace {

using raft::Entry;
using raft::Index;

Entry E(Index index, raft::Term term, std::string data) {
  Entry e;
  e.index = index;
  e.term = term;
  e.data = std::move(data);
  return e;
}

// A log as a map, read through the checker's EntryAt.
InvariantChecker::EntryAt LogOf(std::map<Index, Entry> log) {
  return [log](Index i) -> std::optional<Entry> {
    auto it = log.find(i);
    if (it == log.end()) return std::nullopt;
    return it->second;
  };
}

// The terms of a log given as a map, read through the checker's TermAt.
InvariantChecker::TermAt TermsOf(std::map<Index, Entry> log) {
  return [log](Index i) -> std::optional<raft::Term> {
    auto it = log.find(i);
    if (it == log.end()) return std::nullopt;
    return it->second.term;
  };
}

TEST(InvariantCheckerTest, TwoLeadersInOneTermViolateElectionSafety) {
  InvariantChecker c;
  EXPECT_FALSE(c.ObserveLeader(1, 2).has_value());
  EXPECT_FALSE(c.ObserveLeader(1, 2).has_value());  // same leader again
  EXPECT_FALSE(c.ObserveLeader(2, 3).has_value());  // next term, new leader
  std::optional<Violation> v = c.ObserveLeader(3, 2);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "election-safety");
  EXPECT_NE(v->detail.find("term 2"), std::string::npos);
  EXPECT_EQ(c.terms_with_leader(), 2u);
}

TEST(InvariantCheckerTest, LeaderRewritingItsLogViolatesAppendOnly) {
  InvariantChecker c;
  EXPECT_FALSE(
      c.ObserveLeaderLog(1, 2, 3, TermsOf({{3, E(3, 2, "a")}})).has_value());
  // Growing is fine.
  EXPECT_FALSE(c.ObserveLeaderLog(
                    1, 2, 4, TermsOf({{3, E(3, 2, "a")}, {4, E(4, 2, "b")}}))
                   .has_value());
  // Truncating below the last index seen is not.
  std::optional<Violation> v =
      c.ObserveLeaderLog(1, 2, 3, TermsOf({{3, E(3, 2, "a")}}));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "leader-append-only");
  // A new term starts a fresh mark.
  EXPECT_FALSE(
      c.ObserveLeaderLog(1, 5, 2, TermsOf({{2, E(2, 1, "x")}})).has_value());
}

TEST(InvariantCheckerTest, DivergentCommittedEntriesViolateLogMatching) {
  InvariantChecker c;
  EXPECT_FALSE(c.ObserveCommitted(1, 1, E(2, 1, "a")).has_value());
  EXPECT_FALSE(c.ObserveCommitted(2, 1, E(2, 1, "a")).has_value());
  std::optional<Violation> v = c.ObserveCommitted(3, 1, E(2, 2, "b"));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "log-matching");
  EXPECT_EQ(c.max_committed(), 2u);
}

TEST(InvariantCheckerTest, LeaderMissingACommittedEntryViolatesCompleteness) {
  InvariantChecker c;
  ASSERT_FALSE(c.ObserveCommitted(1, 1, E(2, 1, "a")).has_value());
  ASSERT_FALSE(c.ObserveCommitted(1, 1, E(3, 1, "b")).has_value());
  EXPECT_FALSE(
      c.ObserveNewLeader(2, 2, LogOf({{2, E(2, 1, "a")}, {3, E(3, 1, "b")}}))
          .has_value());
  std::optional<Violation> v =
      c.ObserveNewLeader(3, 3, LogOf({{2, E(2, 1, "a")}}));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "leader-completeness");
}

// Seed 495 (5 members, --fault-gap 100 --disk-latency 20): a candidate
// of term 1 paused with its votes in its inbox and, resumed after terms 2
// and 3, legitimately became leader of term 1. Completeness binds only
// leaders of later terms than the commit.
TEST(InvariantCheckerTest, LateLeaderOfAnOlderTermNeedNotHoldLaterCommits) {
  InvariantChecker c;
  ASSERT_FALSE(c.ObserveCommitted(1, 2, E(2, 2, "")).has_value());
  EXPECT_FALSE(c.ObserveNewLeader(4, 1, LogOf({{2, E(2, 1, "")}})).has_value());
  EXPECT_FALSE(c.ObserveNewLeader(5, 2, LogOf({{2, E(2, 1, "")}})).has_value());
  std::optional<Violation> v = c.ObserveNewLeader(3, 3, LogOf({}));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "leader-completeness");
}

TEST(InvariantCheckerTest, LosingAnAcknowledgedProposalIsNamedAsSuch) {
  InvariantChecker c;
  ASSERT_FALSE(c.ObserveCommitted(1, 1, E(2, 1, "p1")).has_value());
  c.Acknowledge(E(2, 1, "p1"));
  std::optional<Violation> v =
      c.ObserveNewLeader(2, 2, LogOf({{2, E(2, 2, "other")}}));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "acknowledged-proposal-lost");
}

TEST(InvariantCheckerTest, DivergentAppliedEntriesViolateStateMachineSafety) {
  InvariantChecker c;
  c.ResetApplied(1, 1);
  c.ResetApplied(2, 1);
  EXPECT_FALSE(c.ObserveApplied(1, E(2, 1, "a")).has_value());
  std::optional<Violation> v = c.ObserveApplied(2, E(2, 1, "b"));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "state-machine-safety");
}

TEST(InvariantCheckerTest, ApplyingAgainstTheCommittedEntryIsCaught) {
  InvariantChecker c;
  c.ResetApplied(1, 1);
  ASSERT_FALSE(c.ObserveCommitted(2, 1, E(2, 1, "a")).has_value());
  std::optional<Violation> v = c.ObserveApplied(1, E(2, 1, "z"));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->invariant, "state-machine-safety");
}

TEST(InvariantCheckerTest, GapsAndRepeatsInAppliedSequenceAreCaught) {
  InvariantChecker c;
  c.ResetApplied(1, 1);
  EXPECT_FALSE(c.ObserveApplied(1, E(2, 1, "a")).has_value());
  std::optional<Violation> gap = c.ObserveApplied(1, E(4, 1, "c"));
  ASSERT_TRUE(gap.has_value());
  EXPECT_EQ(gap->invariant, "applied-prefix");
  // After a restart the member applies from its snapshot again.
  c.ResetApplied(1, 1);
  EXPECT_FALSE(c.ObserveApplied(1, E(2, 1, "a")).has_value());
  std::optional<Violation> repeat = c.ObserveApplied(1, E(2, 1, "a"));
  ASSERT_TRUE(repeat.has_value());
  EXPECT_EQ(repeat->invariant, "applied-prefix");
}

}  // namespace
}  // namespace cairn::sim
