// Quorum math for majority and joint configurations (etcd-io/raft
// quorum/). A majority configuration is a set of voter ids; a joint one is
// two of them (incoming, outgoing) that must both agree (dissertation §4.3).
//
// Pure core: pure functions over sorted sets; results never depend on
// iteration order of anything unordered.
#pragma once

#include <map>
#include <set>
#include <string>

#include "core/raft/types.h"

namespace cairn::raft {

using MajorityConfig = std::set<NodeId>;

enum class VoteResult : uint8_t {
  kVotePending = 0,  // neither won nor lost yet
  kVoteLost = 1,
  kVoteWon = 2,
};

// Answers "what index has node id acknowledged?" (nullopt: unknown).
class AckedIndexer {
 public:
  virtual ~AckedIndexer() = default;
  virtual bool AckedIndex(NodeId id, Index* index) const = 0;
};

// The largest index acknowledged by a majority of `voters`. An empty
// configuration returns UINT64_MAX so that it never holds a joint
// configuration back.
Index MajorityCommittedIndex(const MajorityConfig& voters,
                             const AckedIndexer& acked);

// The result of an election among `voters`, given the votes so far
// (true = granted). Votes of non-voters are ignored. An empty
// configuration wins.
VoteResult MajorityVoteResult(const MajorityConfig& voters,
                              const std::map<NodeId, bool>& votes);

// A joint configuration: [0] is the incoming, [1] the outgoing half (empty
// when not joint).
struct JointConfig {
  MajorityConfig incoming;
  MajorityConfig outgoing;

  bool operator==(const JointConfig&) const = default;
  // The union of both halves.
  std::set<NodeId> Ids() const;
  bool Contains(NodeId id) const {
    return incoming.count(id) != 0 || outgoing.count(id) != 0;
  }
};

// The minimum of both halves' committed index.
Index JointCommittedIndex(const JointConfig& cfg, const AckedIndexer& acked);
// Won when both halves win, lost when either loses, else pending.
VoteResult JointVoteResult(const JointConfig& cfg,
                           const std::map<NodeId, bool>& votes);

// "(1 2 3)" or "(1 2 3)&&(1 2)" for a joint configuration.
std::string DescribeJointConfig(const JointConfig& cfg);
std::string DescribeMajorityConfig(const MajorityConfig& cfg);

}  // namespace cairn::raft
