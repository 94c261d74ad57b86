// Quorum math: the committed index of majority and joint configurations
// (including missing acks and empty halves) and vote results, in the
// spirit of etcd-io/raft quorum/testdata.
#include "core/raft/quorum.h"

#include <gtest/gtest.h>

#include <map>

namespace cairn::raft {
namespace {

class MapAcks : public AckedIndexer {
 public:
  explicit MapAcks(std::map<NodeId, Index> m) : m_(std::move(m)) {}
  bool AckedIndex(NodeId id, Index* index) const override {
    auto it = m_.find(id);
    if (it == m_.end()) return false;
    *index = it->second;
    return true;
  }

 private:
  std::map<NodeId, Index> m_;
};

TEST(QuorumTest, MajorityCommittedIndex) {
  EXPECT_EQ(MajorityCommittedIndex({}, MapAcks({})), UINT64_MAX);
  EXPECT_EQ(
      MajorityCommittedIndex({1}, MapAcks(std::map<NodeId, Index>{{1, 7}})),
      7u);
  EXPECT_EQ(MajorityCommittedIndex({1, 2}, MapAcks({{1, 7}, {2, 5}})), 5u);
  EXPECT_EQ(
      MajorityCommittedIndex({1, 2, 3}, MapAcks({{1, 7}, {2, 5}, {3, 9}})), 7u);
  // A missing ack counts as 0.
  EXPECT_EQ(MajorityCommittedIndex({1, 2, 3}, MapAcks({{1, 7}, {3, 9}})), 7u);
  EXPECT_EQ(MajorityCommittedIndex({1, 2, 3},
                                   MapAcks(std::map<NodeId, Index>{{1, 7}})),
            0u);
  EXPECT_EQ(MajorityCommittedIndex({1, 2, 3, 4},
                                   MapAcks({{1, 1}, {2, 2}, {3, 3}, {4, 4}})),
            2u);
  EXPECT_EQ(MajorityCommittedIndex(
                {1, 2, 3, 4, 5},
                MapAcks({{1, 10}, {2, 2}, {3, 30}, {4, 4}, {5, 50}})),
            10u);
  // Nine voters take the heap path.
  std::map<NodeId, Index> acks;
  for (NodeId id = 1; id <= 9; id++) acks[id] = id * 10;
  EXPECT_EQ(MajorityCommittedIndex({1, 2, 3, 4, 5, 6, 7, 8, 9}, MapAcks(acks)),
            50u);
}

TEST(QuorumTest, JointCommittedIndexIsMinOfHalves) {
  MapAcks acks({{1, 100}, {2, 101}, {3, 99}, {4, 3}, {5, 4}});
  JointConfig c{{1, 2, 3}, {}};
  EXPECT_EQ(JointCommittedIndex(c, acks), 100u);
  c.outgoing = {3, 4, 5};
  EXPECT_EQ(JointCommittedIndex(c, acks), 4u);
  c.outgoing = {1, 2};
  EXPECT_EQ(JointCommittedIndex(c, acks), 100u);
}

TEST(QuorumTest, MajorityVoteResult) {
  EXPECT_EQ(MajorityVoteResult({}, {}), VoteResult::kVoteWon);
  EXPECT_EQ(MajorityVoteResult({1, 2, 3}, {}), VoteResult::kVotePending);
  EXPECT_EQ(MajorityVoteResult({1, 2, 3}, {{1, true}}),
            VoteResult::kVotePending);
  EXPECT_EQ(MajorityVoteResult({1, 2, 3}, {{1, true}, {2, false}}),
            VoteResult::kVotePending);
  EXPECT_EQ(MajorityVoteResult({1, 2, 3}, {{1, true}, {3, true}}),
            VoteResult::kVoteWon);
  EXPECT_EQ(MajorityVoteResult({1, 2, 3}, {{2, false}, {3, false}}),
            VoteResult::kVoteLost);
  // Votes of non-members do not count.
  EXPECT_EQ(MajorityVoteResult({1, 2, 3}, {{1, true}, {9, true}}),
            VoteResult::kVotePending);
  EXPECT_EQ(MajorityVoteResult({1, 2}, {{1, true}, {2, false}}),
            VoteResult::kVoteLost);
}

TEST(QuorumTest, JointVoteResult) {
  JointConfig c{{1, 2, 3}, {3, 4, 5}};
  EXPECT_EQ(JointVoteResult(c, {{1, true}, {2, true}}),
            VoteResult::kVotePending);
  EXPECT_EQ(JointVoteResult(c, {{1, true}, {2, true}, {4, true}, {5, true}}),
            VoteResult::kVoteWon);
  EXPECT_EQ(JointVoteResult(c, {{1, true}, {2, true}, {4, false}, {5, false}}),
            VoteResult::kVoteLost);
  EXPECT_EQ(DescribeJointConfig(c), "(1 2 3)&&(3 4 5)");
}

}  // namespace
}  // namespace cairn::raft
