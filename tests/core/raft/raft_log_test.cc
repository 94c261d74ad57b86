// RaftLog and Unstable: appends with conflicts, the follower's MaybeAppend,
// conflict search for fast backtracking, terms across storage, unstable
// tail and snapshot, commit rule, size-limited slices, and the committed
// entries handed to the application.
#include "core/raft/raft_log.h"

#include <gtest/gtest.h>

#include "core/raft/memory_storage.h"
#include "core/raft/unstable.h"

namespace cairn::raft {
namespace {

Entry E(Term term, Index index, std::string data = "") {
  Entry e;
  e.term = term;
  e.index = index;
  e.data = std::move(data);
  return e;
}

std::vector<Entry> Terms(Index first, std::vector<Term> terms) {
  std::vector<Entry> out;
  for (Term t : terms) out.push_back(E(t, first++));
  return out;
}

TEST(UnstableTest, TruncateAndAppend) {
  Unstable u(5);
  u.TruncateAndAppend(Terms(5, {1, 1, 1}));
  EXPECT_EQ(*u.MaybeLastIndex(), 7u);
  u.TruncateAndAppend(Terms(6, {2, 2}));  // replaces 6 and 7
  EXPECT_EQ(u.entries(), Terms(5, {1, 2, 2}));
  u.TruncateAndAppend(Terms(4, {3}));  // before the offset: replaces all
  EXPECT_EQ(u.offset(), 4u);
  EXPECT_EQ(u.entries(), Terms(4, {3}));
}

TEST(UnstableTest, StableToIgnoresReplacedEntries) {
  Unstable u(1);
  u.TruncateAndAppend(Terms(1, {1, 1}));
  u.StableTo(2, 2);  // wrong term: the entry was replaced meanwhile
  EXPECT_EQ(u.entries().size(), 2u);
  u.StableTo(1, 1);
  EXPECT_EQ(u.offset(), 2u);
  EXPECT_EQ(u.entries(), Terms(2, {1}));
}

TEST(UnstableTest, SnapshotTerms) {
  Unstable u(1);
  Snapshot s;
  s.metadata.index = 10;
  s.metadata.term = 3;
  u.Restore(s);
  EXPECT_EQ(*u.MaybeFirstIndex(), 11u);
  EXPECT_EQ(*u.MaybeLastIndex(), 10u);
  EXPECT_EQ(*u.MaybeTerm(10), 3u);
  EXPECT_FALSE(u.MaybeTerm(9).has_value());
  u.StableSnapTo(10);
  EXPECT_FALSE(u.snapshot().has_value());
}

class RaftLogTest : public ::testing::Test {
 protected:
  MemoryStorage storage_;
};

TEST_F(RaftLogTest, AppendTruncatesConflictingSuffix) {
  storage_.Append(Terms(1, {1, 2}));
  RaftLog log(&storage_, kNoLimit);
  EXPECT_EQ(log.Append(Terms(3, {2})), 3u);
  EXPECT_EQ(log.Append(Terms(2, {3, 3})), 3u);
  EXPECT_EQ(log.TermAt(2).value(), 3u);
  EXPECT_EQ(log.unstable().offset(), 2u);
  EXPECT_EQ(log.LastTerm(), 3u);
}

TEST_F(RaftLogTest, MaybeAppend) {
  storage_.Append(Terms(1, {1, 2, 3}));
  RaftLog log(&storage_, kNoLimit);
  log.CommitTo(1);
  // Mismatched term at index 3: rejected.
  EXPECT_FALSE(log.MaybeAppend(3, 2, 3, {}).has_value());
  // Index beyond the log: rejected.
  EXPECT_FALSE(log.MaybeAppend(4, 3, 3, {}).has_value());
  // Matching, no new entries: commit capped at the last new index.
  EXPECT_EQ(log.MaybeAppend(2, 2, 3, {}).value(), 2u);
  EXPECT_EQ(log.committed(), 2u);
  // Conflict at 3 replaced, commit follows.
  EXPECT_EQ(log.MaybeAppend(2, 2, 4, Terms(3, {4, 4})).value(), 4u);
  EXPECT_EQ(log.committed(), 4u);
  EXPECT_EQ(log.TermAt(3).value(), 4u);
}

TEST_F(RaftLogTest, MaybeAppendNeverOverwritesCommitted) {
  storage_.Append(Terms(1, {1, 2, 3}));
  RaftLog log(&storage_, kNoLimit);
  log.CommitTo(3);
  EXPECT_DEATH({ (void)log.MaybeAppend(1, 1, 3, Terms(2, {5})); }, "conflicts");
}

TEST_F(RaftLogTest, FindConflict) {
  storage_.Append(Terms(1, {1, 2, 3}));
  RaftLog log(&storage_, kNoLimit);
  EXPECT_EQ(log.FindConflict(Terms(1, {1, 2, 3})), 0u);
  EXPECT_EQ(log.FindConflict(Terms(2, {2, 3, 4})), 4u);  // new entry
  EXPECT_EQ(log.FindConflict(Terms(2, {1, 4})), 2u);
}

TEST_F(RaftLogTest, FindConflictByTermSkipsWholeTerms) {
  // Terms:  1 1 1 4 4 5 5 5 5 (indexes 1..9), as a follower diverged
  // from a leader whose log has term 2 at index 8.
  storage_.Append(Terms(1, {1, 1, 1, 4, 4, 5, 5, 5, 5}));
  RaftLog log(&storage_, kNoLimit);
  EXPECT_EQ(log.FindConflictByTerm(9, 2), (std::pair<Index, Term>(3, 1)));
  EXPECT_EQ(log.FindConflictByTerm(9, 5), (std::pair<Index, Term>(9, 5)));
  EXPECT_EQ(log.FindConflictByTerm(5, 4), (std::pair<Index, Term>(5, 4)));
  EXPECT_EQ(log.FindConflictByTerm(9, 0), (std::pair<Index, Term>(0, 0)));
}

TEST_F(RaftLogTest, TermOfCompactedIndexIsCompacted) {
  storage_.Append(Terms(1, {1, 1, 2, 2, 3}));
  ASSERT_TRUE(storage_.Compact(3).ok());
  RaftLog log(&storage_, kNoLimit);
  EXPECT_EQ(log.FirstIndex(), 4u);
  EXPECT_EQ(log.TermAt(3).value(), 2u);  // the dummy entry keeps its term
  EXPECT_EQ(log.TermAt(2).status().code(), Code::kCompacted);
  EXPECT_EQ(log.TermAt(6).status().code(), Code::kNotFound);
  EXPECT_EQ(log.Slice(2, 5, kNoLimit).status().code(), Code::kCompacted);
  EXPECT_FALSE(log.MatchTerm(2, 1));
}

TEST_F(RaftLogTest, SliceAcrossStorageAndUnstableWithLimit) {
  storage_.Append(
      {E(1, 1, std::string(10, 'a')), E(1, 2, std::string(10, 'b'))});
  RaftLog log(&storage_, kNoLimit);
  log.Append({E(2, 3, std::string(10, 'c')), E(2, 4, std::string(10, 'd'))});
  EXPECT_EQ(log.Slice(1, 5, kNoLimit).value().size(), 4u);
  EXPECT_EQ(log.Slice(2, 4, kNoLimit).value(),
            (std::vector<Entry>{E(1, 2, std::string(10, 'b')),
                                E(2, 3, std::string(10, 'c'))}));
  const uint64_t one = 10 + kEntryOverheadBytes;
  EXPECT_EQ(log.Slice(1, 5, 0).value().size(), 1u);  // at least one
  EXPECT_EQ(log.Slice(1, 5, 2 * one).value().size(), 2u);
  EXPECT_EQ(log.Slice(1, 5, 3 * one).value().size(), 3u);
  EXPECT_EQ(log.Slice(1, 5, 3 * one - 1).value().size(), 2u);
}

TEST_F(RaftLogTest, CommitRuleNeedsCurrentTerm) {
  RaftLog log(&storage_, kNoLimit);
  log.Append(Terms(1, {1, 1, 2}));
  EXPECT_FALSE(log.MaybeCommit(2, 2));  // entry 2 is of term 1
  EXPECT_EQ(log.committed(), 0u);
  EXPECT_TRUE(log.MaybeCommit(3, 2));
  EXPECT_EQ(log.committed(), 3u);
  EXPECT_FALSE(log.MaybeCommit(2, 1));  // never backwards
}

TEST_F(RaftLogTest, IsUpToDate) {
  RaftLog log(&storage_, kNoLimit);
  log.Append(Terms(1, {1, 2, 3}));
  EXPECT_TRUE(log.IsUpToDate(3, 3));
  EXPECT_TRUE(log.IsUpToDate(1, 4));   // higher term wins
  EXPECT_FALSE(log.IsUpToDate(9, 2));  // lower term loses however long
  EXPECT_FALSE(log.IsUpToDate(2, 3));
}

TEST_F(RaftLogTest, NextCommittedEntsRespectsAppliedAndLimit) {
  RaftLog log(&storage_, 2 * kEntryOverheadBytes);
  log.Append(Terms(1, {1, 1, 1, 1}));
  EXPECT_FALSE(log.HasNextCommittedEnts());
  log.CommitTo(3);
  EXPECT_EQ(log.NextCommittedEnts(), Terms(1, {1, 1}));  // size limited
  log.AppliedTo(2);
  EXPECT_EQ(log.NextCommittedEnts(), Terms(3, {1}));
  log.AppliedTo(3);
  EXPECT_FALSE(log.HasNextCommittedEnts());
}

TEST_F(RaftLogTest, RestoreFromSnapshot) {
  RaftLog log(&storage_, kNoLimit);
  log.Append(Terms(1, {1, 1}));
  Snapshot s;
  s.metadata.index = 100;
  s.metadata.term = 5;
  log.Restore(s);
  EXPECT_EQ(log.committed(), 100u);
  EXPECT_EQ(log.FirstIndex(), 101u);
  EXPECT_EQ(log.LastIndex(), 100u);
  EXPECT_EQ(log.LastTerm(), 5u);
  EXPECT_TRUE(log.HasPendingSnapshot());
  EXPECT_FALSE(log.HasNextCommittedEnts());
}

TEST(MemoryStorageTest, CompactSnapshotAndAppend) {
  MemoryStorage s;
  s.Append(Terms(1, {1, 2, 3, 4}));
  EXPECT_EQ(s.FirstIndex(), 1u);
  EXPECT_EQ(s.LastIndex(), 4u);
  ConfState cs;
  cs.voters = {1, 2};
  ASSERT_TRUE(s.CreateSnapshot(3, cs, "img").ok());
  EXPECT_EQ(s.CreateSnapshot(2, cs, "old").status().code(),
            Code::kFailedPrecondition);
  ASSERT_TRUE(s.Compact(3).ok());
  EXPECT_EQ(s.Compact(2).code(), Code::kCompacted);
  EXPECT_EQ(s.FirstIndex(), 4u);
  EXPECT_EQ(s.Entries(3, 5, kNoLimit).status().code(), Code::kCompacted);
  EXPECT_EQ(s.Entries(4, 5, kNoLimit).value(), Terms(4, {4}));
  s.Append(Terms(2, {9, 9, 9}));  // 2 and 3 are in the snapshot: skipped
  EXPECT_EQ(s.LastIndex(), 4u);
  EXPECT_EQ(s.TermAt(4).value(), 9u);
  EXPECT_EQ(s.GetSnapshot().value().metadata.conf_state, cs);
  Snapshot newer;
  newer.metadata.index = 20;
  newer.metadata.term = 7;
  ASSERT_TRUE(s.ApplySnapshot(newer).ok());
  EXPECT_EQ(s.FirstIndex(), 21u);
  EXPECT_EQ(s.TermAt(20).value(), 7u);
  EXPECT_EQ(s.ApplySnapshot(newer).code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace cairn::raft
