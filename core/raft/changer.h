// Changer: computes the configuration (and progress map) that results from
// applying a membership change (etcd-io/raft confchange/confchange.go).
// It supports the one-at-a-time protocol (Simple, at most one voter
// changes) and joint consensus (EnterJoint then LeaveJoint, dissertation
// §4.3), with learners, demotion of voters to learners through
// learners_next, and promotion of learners to voters.
//
// Pure core: it copies the tracker's state, never modifies it, and returns
// the new state as a value. Errors (kInvalidArgument) describe changes the
// protocol forbids; the tracker is then left as it was.
#pragma once

#include <utility>
#include <vector>

#include "core/raft/tracker.h"
#include "core/raft/types.h"
#include "core/util/result.h"

namespace cairn::raft {

struct ChangeResult {
  TrackerConfig config;
  ProgressMap progress;
};

class Changer {
 public:
  // last_index is the leader's (or node's) last log index; new members
  // start probing from there.
  Changer(const ProgressTracker& tracker, Index last_index)
      : tracker_(tracker), last_index_(last_index) {}

  // Enters a joint configuration: the current voters become the outgoing
  // half and `changes` apply to the incoming half. Fails when already
  // joint, or when the incoming half would be empty.
  Result<ChangeResult> EnterJoint(bool auto_leave,
                                  const std::vector<ConfChangeSingle>& changes);
  // Leaves the joint configuration: outgoing-only voters are removed and
  // learners_next become learners. Fails when not joint.
  Result<ChangeResult> LeaveJoint();
  // Applies changes that alter at most one voter, without a joint phase.
  Result<ChangeResult> Simple(const std::vector<ConfChangeSingle>& changes);

  // The state a node restores from a snapshot's ConfState.
  static ChangeResult Restore(const ConfState& cs, Index last_index,
                              size_t max_inflight, uint64_t max_inflight_bytes);

 private:
  Status Apply(ChangeResult* r,
               const std::vector<ConfChangeSingle>& changes) const;
  void MakeVoter(ChangeResult* r, NodeId id) const;
  void MakeLearner(ChangeResult* r, NodeId id) const;
  void Remove(ChangeResult* r, NodeId id) const;
  void InitProgress(ChangeResult* r, NodeId id, bool is_learner) const;
  ChangeResult Copy() const;

  const ProgressTracker& tracker_;
  Index last_index_;
};

// Crashes when the configuration and progress map disagree (every member
// has progress, learners are not voters, ...). Run after every change.
void CheckConfigInvariants(const TrackerConfig& cfg, const ProgressMap& prs);

}  // namespace cairn::raft
