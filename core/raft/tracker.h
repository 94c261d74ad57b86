// ProgressTracker: the leader's bookkeeping of the configuration, of every
// member's Progress and of votes in an election (etcd-io/raft
// tracker/tracker.go).
//
// Pure core, single-threaded. Progress is kept in a std::map by node id so
// that every walk over members happens in ascending id order, and outputs
// (messages, renderings) are deterministic.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/raft/progress.h"
#include "core/raft/quorum.h"
#include "core/raft/types.h"

namespace cairn::raft {

// A membership configuration. Learners never vote; learners_next are
// voters of the outgoing half that turn into learners when the joint
// configuration is left (a node cannot be a voter and a learner at once).
struct TrackerConfig {
  JointConfig voters;
  std::set<NodeId> learners;
  std::set<NodeId> learners_next;
  bool auto_leave = false;

  bool operator==(const TrackerConfig&) const = default;
  bool joint() const { return !voters.outgoing.empty(); }
  // "voters=(1 2 3)&&(1 2) learners=(4) learners_next=(3) autoleave".
  std::string ToString() const;
};

using ProgressMap = std::map<NodeId, Progress>;

struct VoteTally {
  size_t granted = 0;
  size_t rejected = 0;
  VoteResult result = VoteResult::kVotePending;
};

class ProgressTracker {
 public:
  ProgressTracker(size_t max_inflight, uint64_t max_inflight_bytes)
      : max_inflight_(max_inflight), max_inflight_bytes_(max_inflight_bytes) {}

  // The configuration as a ConfState (sorted ids).
  ConfState GetConfState() const;
  // True when the only voter is a single node (no joint config).
  bool IsSingleton() const;
  // The largest index a quorum has acknowledged.
  Index Committed() const;
  // True when a quorum of voters was recently active (check-quorum).
  bool QuorumActive() const;
  // Sorted ids of the voters (both halves) and of the learners.
  std::vector<NodeId> VoterNodes() const;
  std::vector<NodeId> LearnerNodes() const;

  void ResetVotes() { votes_.clear(); }
  // Records id's vote; the first vote of each node counts.
  void RecordVote(NodeId id, bool granted);
  VoteTally TallyVotes() const;
  VoteResult VoteResultOf(const std::map<NodeId, bool>& votes) const {
    return JointVoteResult(config_.voters, votes);
  }

  Progress* Get(NodeId id);
  const Progress* Get(NodeId id) const;

  TrackerConfig& config() { return config_; }
  const TrackerConfig& config() const { return config_; }
  ProgressMap& progress() { return progress_; }
  const ProgressMap& progress() const { return progress_; }
  size_t max_inflight() const { return max_inflight_; }
  uint64_t max_inflight_bytes() const { return max_inflight_bytes_; }

 private:
  TrackerConfig config_;
  ProgressMap progress_;
  std::map<NodeId, bool> votes_;
  size_t max_inflight_;
  uint64_t max_inflight_bytes_;
};

}  // namespace cairn::raft
