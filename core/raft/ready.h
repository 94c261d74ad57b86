// Ready: one batch of work the Raft core hands to its host (etcd-io/raft
// node.go, type Ready). The host handles a Ready in one fixed order
// (docs/raft.md, STYLE.md A2):
//
//   1. persist: install `snapshot` (if any), append `entries`, then store
//      `hard_state`, fsyncing when `must_sync`;
//   2. send `messages`;
//   3. apply `snapshot` and then `committed_entries` to the state machine
//      (calling RawNode::ApplyConfChange for conf change entries), and
//      serve `read_states` whose index has been applied;
//   4. call RawNode::Advance().
//
// Pure core value type.
#pragma once

#include <optional>
#include <vector>

#include "core/raft/types.h"

namespace cairn::raft {

struct Ready {
  // The leader and role, when they changed since the last Ready. Not
  // persisted; informational (e.g. to redirect clients).
  std::optional<SoftState> soft_state;

  // The term, vote and commit index, when they changed. MUST be durable
  // before any of `messages` is sent: a vote or term that is forgotten in
  // a crash could let this node vote twice in a term.
  std::optional<HardState> hard_state;

  // ReadIndex answers. Serve the read with request_ctx once the applied
  // index reaches `index`. Answers for requests that were dropped (e.g. by
  // a leader change) never arrive: retry after a timeout.
  std::vector<ReadState> read_states;

  // Entries to append to the durable log, replacing any stored entries at
  // the same or higher indexes. MUST be durable before `messages` are sent
  // (an append response promises them to the leader, and the leader's
  // MsgApps count its own copy toward commitment).
  std::vector<Entry> entries;

  // A snapshot to install (replacing the whole stored log) before
  // `entries` are appended. MUST be durable before `messages` are sent.
  std::optional<Snapshot> snapshot;

  // Entries known to be committed, to apply in order after `snapshot`.
  // They were persisted by this or an earlier Ready (step 1 comes first),
  // so applying them never outruns the durable log.
  std::vector<Entry> committed_entries;

  // Messages to send after step 1. Delivery may fail, repeat or reorder;
  // Raft copes. For MsgSnap, report the outcome with
  // RawNode::ReportSnapshot; for unreachable peers, ReportUnreachable.
  std::vector<Message> messages;

  // Whether step 1 must fsync: entries were added, or the term or vote
  // changed. A commit index change alone may be written lazily, since it
  // can be recovered from the leader.
  bool must_sync = false;
};

}  // namespace cairn::raft
