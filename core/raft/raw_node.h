// RawNode: the host-facing API of the Raft core (etcd-io/raft rawnode.go).
// Inputs are Step (a message from a peer), Tick (logical time), Propose,
// ProposeConfChange, ReadIndex and TransferLeader; the output is a Ready
// batch taken with TakeReady and acknowledged with Advance. See ready.h
// and docs/raft.md for the host's fixed order: persist, send, apply,
// advance.
//
// Pure core: no I/O, clock or threads; one thread owns a RawNode. Same
// inputs and same Random seed => identical Readys.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/raft/raft.h"
#include "core/raft/ready.h"
#include "core/raft/types.h"
#include "core/util/status.h"

namespace cairn::raft {

class RawNode {
 public:
  // REQUIRES: config valid (see Config); storage and random outlive this.
  explicit RawNode(const Config& config);
  RawNode(const RawNode&) = delete;
  RawNode& operator=(const RawNode&) = delete;

  // Advances logical time by one tick (election and heartbeat timers).
  void Tick();
  // Starts an election now (with pre-vote if configured).
  void Campaign();
  // Proposes `data` for the log. Fails (the proposal is dropped, retry
  // elsewhere or later) with kNoLeader, kNotLeader or kResourceExhausted.
  // Success does not mean the entry will commit.
  Status Propose(std::string data);
  // Proposes several payloads as one message: on the leader they are
  // appended together and travel in the same MsgApps (fewer messages than
  // one Propose each). All or none are accepted; same errors as Propose.
  Status ProposeBatch(std::vector<std::string> batch);
  // Proposes a membership change; same errors as Propose. The change takes
  // effect when the host calls ApplyConfChange for the committed entry.
  Status ProposeConfChange(const ConfChange& cc);
  // Applies a committed conf change entry's change (decoded by the host)
  // and returns the new membership. Call while applying, before Advance.
  ConfState ApplyConfChange(const ConfChange& cc);
  // Feeds a message received from a peer. kInvalidArgument (and the
  // message is ignored) for a local message type, a response from an
  // unknown peer, or a malformed message (e.g. MsgSnap without snapshot,
  // MsgApp with non-contiguous entries).
  Status Step(const Message& m);
  // The same, taking the message over (no copy of its entries).
  Status Step(Message&& m);
  // Requests a linearizable read; the answer arrives as a ReadState with
  // the same ctx in a later Ready (never, if dropped).
  void ReadIndex(std::string ctx);
  // Asks the leader (directly or via this follower) to hand leadership to
  // `transferee`.
  void TransferLeader(NodeId transferee);
  // The transport could not reach `id`.
  void ReportUnreachable(NodeId id);
  // The outcome of sending a snapshot to `id`.
  void ReportSnapshot(NodeId id, SnapshotStatus status);

  // Whether TakeReady would return anything (false while a taken Ready
  // awaits Advance).
  bool HasReady() const;
  // Takes the pending work. REQUIRES: the previous Ready was Advanced.
  Ready TakeReady();
  // The host finished steps 1-3 for the last Ready.
  void Advance();

  RaftStatus GetStatus() const { return raft_.GetStatus(); }
  const Raft& raft() const { return raft_; }
  Raft& raft() { return raft_; }

 private:
  // Why Step refuses `m`, if it does.
  Status CheckPeerMessage(const Message& m) const;

  Raft raft_;
  SoftState prev_soft_state_;
  HardState prev_hard_state_;
  // What the Ready handed out and not yet advanced asks Advance to
  // acknowledge.
  struct InProgress {
    Index last_index = 0;  // last entry to persist (0: none)
    Term last_term = 0;
    std::optional<Index> snapshot_index;
    Index applied = 0;  // last entry to apply (0: none)
    uint64_t applied_bytes = 0;
  };
  std::optional<InProgress> in_progress_;
};

}  // namespace cairn::raft
