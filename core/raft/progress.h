// Progress: the leader's view of one follower (etcd-io/raft
// tracker/progress.go and design.md). A follower's progress is in one of
// three states:
//
//            +--------------------------------------------------------+
//            |                  send snapshot                         |
//            |                                                        |
//  +---------+----------+ +----------v---------+ |   probe            | |
//  snapshot         | |   one MsgApp per   |  <------ snapshot installed -----|
//  wait for the     | |   heartbeat        |         (or sending failed)      |
//  follower, send   |
//  +---------+----------+                                  |   nothing |
//            | append accepted        ^ +--------------------+ v | append
//            rejected
//  +--------------------+             | (or unreachable)
//  |   replicate        +-------------+
//  |   stream MsgApps,  |
//  |   bounded by the   |
//  |   inflights window |
//  +--------------------+
//
// Pure core, single-threaded.
#pragma once

#include <string>

#include "core/raft/inflights.h"
#include "core/raft/types.h"

namespace cairn::raft {

enum class ProgressState : uint8_t {
  kProbe = 0,
  kReplicate = 1,
  kSnapshot = 2,
};

std::string_view ProgressStateName(ProgressState s);

struct Progress {
  Progress(Index next_index, size_t max_inflight, uint64_t max_inflight_bytes)
      : next(next_index), inflights(max_inflight, max_inflight_bytes) {}

  // Everything up to match is known to be replicated on the follower.
  Index match = 0;
  // The next entry to send. Invariant: match < next.
  Index next;
  ProgressState state = ProgressState::kProbe;
  // In kSnapshot: the index of the snapshot being sent.
  Index pending_snapshot = 0;
  // Set when the follower was heard from since the last check-quorum.
  bool recent_active = false;
  // In kProbe: a MsgApp is outstanding, send no more until a heartbeat
  // response (or an append response) arrives.
  bool probe_sent = false;
  Inflights inflights;
  bool is_learner = false;

  // Leaves the current state and clears its bookkeeping.
  void ResetState(ProgressState s);
  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(Index snapshot_index);

  // The follower acknowledged up to n. Returns false when n is stale.
  bool MaybeUpdate(Index n);
  // Entries up to n were sent, assume they arrive.
  void OptimisticUpdate(Index n) { next = n + 1; }
  // The follower rejected an append at `rejected`, hinting that it may
  // match at `match_hint`. Returns false when the rejection is stale.
  bool MaybeDecrTo(Index rejected, Index match_hint);
  // True when the leader must not send this follower entries right now.
  bool IsPaused() const;

  // "StateReplicate match=5 next=6" plus flags, for transcripts.
  std::string ToString() const;
};

}  // namespace cairn::raft
