// The leader's half of Raft: proposals, replication with flow control and
// conflict hints, the commit rule, heartbeats, ReadIndex and leadership
// transfer. Split out of raft.cc to keep each file small; one handler per
// message type rather than one large role function.
#include <algorithm>

#include "core/raft/codec.h"
#include "core/raft/describe.h"
#include "core/raft/raft.h"
#include "core/util/check.h"
#include "core/util/strings.h"

namespace cairn::raft {

namespace {
unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }
}  // namespace

Status Raft::StepLeader(Message& m) {
  switch (m.type) {
    case MessageType::kBeat:
      BcastHeartbeat(read_only_.LastPendingRequestCtx());
      return Status::Ok();
    case MessageType::kCheckQuorum:
      if (!tracker_.QuorumActive()) {
        Logf(
            "%llu stepped down to follower since quorum is not "
            "active",
            U(id_));
        BecomeFollower(term_, kNone);
      }
      // Mark everyone inactive; they prove themselves again by answering
      // before the next check.
      for (auto& [id, pr] : tracker_.progress()) {
        if (id != id_) pr.recent_active = false;
      }
      return Status::Ok();
    case MessageType::kProp:
      return LeaderPropose(m);
    case MessageType::kReadIndex:
      LeaderReadIndex(m);
      return Status::Ok();
    default:
      break;
  }
  Progress* pr = tracker_.Get(m.from);
  if (pr == nullptr) {
    Logf("%llu no progress available for %llu", U(id_), U(m.from));
    return Status::Ok();
  }
  switch (m.type) {
    case MessageType::kAppResp:
      LeaderAppendResp(m, *pr);
      break;
    case MessageType::kHeartbeatResp:
      LeaderHeartbeatResp(m, *pr);
      break;
    case MessageType::kSnapStatus:
      LeaderSnapStatus(m, *pr);
      break;
    case MessageType::kUnreachable:
      // The transport lost a message: in replicate state we would wait
      // for acks that never come, so fall back to probing.
      if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
      break;
    case MessageType::kTransferLeader:
      LeaderTransfer(m, *pr);
      break;
    default:
      break;
  }
  return Status::Ok();
}

Status Raft::LeaderPropose(Message& m) {
  CAIRN_CHECK(!m.entries.empty(), "%llu stepped empty MsgProp", U(id_));
  if (tracker_.Get(id_) == nullptr) {
    // Removed from the configuration but still leading (possible only
    // without step_down_on_removal): refuse rather than commit entries
    // without being a member.
    return Status(Code::kNotLeader, "raft proposal dropped: leader removed");
  }
  if (lead_transferee_ != kNone) {
    return Status(Code::kNotLeader,
                  "raft proposal dropped: leadership transfer in progress");
  }
  const Index last = log_.LastIndex();
  for (size_t i = 0; i < m.entries.size(); i++) {
    Entry& e = m.entries[i];
    if (e.type != EntryType::kConfChange) continue;
    Result<ConfChange> cc = DecodeConfChange(e.data);
    const char* refused = nullptr;
    if (!cc.ok()) {
      refused = "undecodable";
    } else {
      const bool already_pending = pending_conf_index_ > log_.applied();
      const bool already_joint = tracker_.config().joint();
      const bool wants_leave = cc.value().LeaveJoint();
      if (already_pending) {
        refused = "possible unapplied conf change";
      } else if (already_joint && !wants_leave) {
        refused = "must transition out of joint config first";
      } else if (!already_joint && wants_leave) {
        refused = "not in joint state; refusing empty conf change";
      }
    }
    if (refused != nullptr) {
      // Replace rather than drop so that the indexes of the batch stay as
      // the proposer expects; the no-op commits harmlessly.
      if (logging())
        Logf("%llu ignoring conf change at config %s: %s", U(id_),
             tracker_.config().ToString().c_str(), refused);
      e = Entry{};
    } else {
      pending_conf_index_ = last + i + 1;
    }
  }
  if (!AppendEntries(std::move(m.entries))) {
    return Status(Code::kResourceExhausted,
                  "raft proposal dropped: too many uncommitted entries");
  }
  BcastAppend();
  return Status::Ok();
}

bool Raft::AppendEntries(std::vector<Entry> entries) {
  Index li = log_.LastIndex();
  for (size_t i = 0; i < entries.size(); i++) {
    entries[i].term = term_;
    entries[i].index = li + 1 + i;
  }
  if (!IncreaseUncommittedSize(entries)) {
    Logf(
        "%llu appending new entries to log would exceed "
        "uncommitted entry size limit; dropping proposal",
        U(id_));
    return false;
  }
  li = log_.Append(entries);
  // The leader's own entries count towards the quorum right away: the
  // host persists them before it sends the MsgApps built from them, so no
  // follower can ack them before they are durable here.
  tracker_.Get(id_)->MaybeUpdate(li);
  MaybeCommit();
  return true;
}

bool Raft::IncreaseUncommittedSize(const std::vector<Entry>& entries) {
  const uint64_t s = PayloadBytes(entries);
  // Always admit a proposal when nothing is uncommitted, so that a single
  // large entry cannot be stuck forever.
  if (uncommitted_size_ > 0 && s > 0 &&
      uncommitted_size_ + s > max_uncommitted_size_) {
    return false;
  }
  uncommitted_size_ += s;
  return true;
}

void Raft::ReduceUncommittedSize(uint64_t bytes) {
  uncommitted_size_ = bytes > uncommitted_size_ ? 0 : uncommitted_size_ - bytes;
}

bool Raft::MaybeCommit() {
  // Counting replicas commits only an entry of the current term (§5.4.2,
  // Figure 8); MaybeCommit checks the term of the quorum index.
  const Index quorum = tracker_.Committed();
  if (planted_bug_ == PlantedBug::kCommitPreviousTerm) {
    // Planted bug: whatever term the quorum index has will do.
    Result<Term> t = log_.TermAt(quorum);
    if (t.ok()) return log_.MaybeCommit(quorum, t.value());
  }
  return log_.MaybeCommit(quorum, term_);
}

bool Raft::MaybeSendAppend(NodeId to, bool send_if_empty) {
  Progress* pr = tracker_.Get(to);
  if (pr == nullptr || pr->IsPaused()) return false;
  Message m = NewMsg(MessageType::kApp, to);
  Result<Term> term = log_.TermAt(pr->next - 1);
  Result<std::vector<Entry>> ents = log_.EntriesFrom(pr->next, max_msg_size_);
  if (ents.ok() && ents.value().empty() && !send_if_empty) return false;
  if (!term.ok() || !ents.ok()) return SendSnapshot(to, *pr, m);
  m.type = MessageType::kApp;
  m.index = pr->next - 1;
  m.log_term = term.value();
  m.entries = std::move(ents).value();
  m.commit = log_.committed();
  if (!m.entries.empty() && pr->state == ProgressState::kReplicate) {
    // Stream: assume delivery and account the message in the window.
    uint64_t bytes = 0;
    for (const Entry& e : m.entries) bytes += EntryBytes(e);
    pr->OptimisticUpdate(m.entries.back().index);
    pr->inflights.Add(m.entries.back().index, bytes);
  } else if (pr->state == ProgressState::kProbe) {
    // Probe: one message per heartbeat interval until one is accepted.
    pr->probe_sent = true;
  }
  Send(std::move(m));
  return true;
}

bool Raft::SendSnapshot(NodeId to, Progress& pr, Message& m) {
  // The entries the follower needs were compacted: send the snapshot.
  if (!pr.recent_active) {
    Debugf("ignore sending snapshot to %llu since it is not recently active",
           U(to));
    return false;
  }
  Result<Snapshot> snap = log_.GetSnapshot();
  if (!snap.ok()) {
    CAIRN_CHECK(snap.status().code() == Code::kUnavailable, "snapshot: %s",
                snap.status().ToString().c_str());
    Logf(
        "%llu failed to send snapshot to %llu because snapshot is "
        "temporarily unavailable",
        U(id_), U(to));
    return false;
  }
  CAIRN_CHECK(!snap.value().empty(), "need non-empty snapshot");
  const Index sindex = snap.value().metadata.index;
  if (logging())
    Logf(
        "%llu [firstindex: %llu, commit: %llu] sent snapshot[index: "
        "%llu, term: %llu] to %llu [%s]",
        U(id_), U(log_.FirstIndex()), U(log_.committed()), U(sindex),
        U(snap.value().metadata.term), U(to), pr.ToString().c_str());
  pr.BecomeSnapshot(sindex);
  m.type = MessageType::kSnap;
  m.snapshot = std::move(snap).value();
  Send(std::move(m));
  return true;
}

void Raft::BcastAppend() {
  for (const auto& [id, pr] : tracker_.progress()) {
    if (id != id_) SendAppend(id);
  }
}

void Raft::BcastHeartbeat(const std::string& ctx) {
  for (const auto& [id, pr] : tracker_.progress()) {
    if (id == id_) continue;
    // Never tell a follower to commit past what it is known to hold: it
    // may lack those entries (or hold conflicting ones).
    Message m = NewMsg(MessageType::kHeartbeat, id);
    m.commit = std::min(pr.match, log_.committed());
    m.context = ctx;
    Send(std::move(m));
  }
}

void Raft::LeaderAppendResp(const Message& m, Progress& pr) {
  pr.recent_active = true;
  if (m.reject) {
    Logf(
        "%llu received MsgAppResp(rejected, hint: (index %llu, term "
        "%llu)) from %llu for index %llu",
        U(id_), U(m.reject_hint), U(m.log_term), U(m.from), U(m.index));
    // Fast backtracking: the follower told us its last entry at or below
    // the rejected index whose term is <= the probed term. Skipping every
    // entry of ours with a larger term finds the match point in about one
    // round trip per differing term rather than one per entry.
    Index next_probe = m.reject_hint;
    if (m.log_term > 0) {
      next_probe = log_.FindConflictByTerm(m.reject_hint, m.log_term).first;
    }
    if (pr.MaybeDecrTo(m.index, next_probe)) {
      if (pr.state == ProgressState::kReplicate) pr.BecomeProbe();
      SendAppend(m.from);
    }
    return;
  }
  const bool old_paused = pr.IsPaused();
  if (!pr.MaybeUpdate(m.index)) return;
  if (pr.state == ProgressState::kProbe) {
    pr.BecomeReplicate();
  } else if (pr.state == ProgressState::kSnapshot &&
             pr.match + 1 >= log_.FirstIndex()) {
    // The follower caught up far enough (from the snapshot or otherwise)
    // that plain appends can continue.
    if (logging())
      Logf(
          "%llu recovered from needing snapshot, resumed sending "
          "replication messages to %llu [%s]",
          U(id_), U(m.from), pr.ToString().c_str());
    pr.BecomeProbe();
    pr.BecomeReplicate();
  } else if (pr.state == ProgressState::kReplicate) {
    pr.inflights.FreeLE(m.index);
  }
  if (MaybeCommit()) {
    ReleasePendingReadIndexMessages();
    BcastAppend();
  } else if (old_paused) {
    SendAppend(m.from);
  }
  // Fill the window with as many messages as flow control allows.
  while (MaybeSendAppend(m.from, false)) {
  }
  if (m.from == lead_transferee_ && pr.match == log_.LastIndex()) {
    Logf(
        "%llu sent MsgTimeoutNow to %llu after received "
        "MsgAppResp",
        U(id_), U(m.from));
    Send(NewMsg(MessageType::kTimeoutNow, m.from));
  }
}

void Raft::LeaderHeartbeatResp(const Message& m, Progress& pr) {
  pr.recent_active = true;
  pr.probe_sent = false;
  // A full window may be stuck behind lost messages; a heartbeat response
  // frees one slot so that replication makes progress (etcd 3.5).
  if (pr.state == ProgressState::kReplicate && pr.inflights.Full()) {
    pr.inflights.FreeFirstOne();
  }
  if (pr.match < log_.LastIndex()) SendAppend(m.from);
  if (m.context.empty()) return;
  const std::map<NodeId, bool>* acks = read_only_.RecvAck(m.from, m.context);
  if (acks == nullptr || tracker_.VoteResultOf(*acks) != VoteResult::kVoteWon) {
    return;
  }
  for (const ReadIndexStatus& rs : read_only_.Advance(m.context)) {
    RespondToReadIndex(rs.req, rs.index);
  }
}

void Raft::LeaderSnapStatus(const Message& m, Progress& pr) {
  if (pr.state != ProgressState::kSnapshot) return;
  if (m.reject) {
    // Sending failed: forget the snapshot and probe again, which will
    // send a fresh one if the entries are still compacted.
    pr.pending_snapshot = 0;
    if (logging())
      Logf(
          "%llu snapshot failed, resumed sending replication "
          "messages to %llu [%s]",
          U(id_), U(m.from), pr.ToString().c_str());
  } else {
    if (logging())
      Logf(
          "%llu snapshot succeeded, resumed sending replication "
          "messages to %llu [%s]",
          U(id_), U(m.from), pr.ToString().c_str());
  }
  pr.BecomeProbe();
  // Wait for the follower's answer (or a heartbeat response) before the
  // next append, so that we do not probe below the snapshot.
  pr.probe_sent = true;
}

void Raft::LeaderTransfer(const Message& m, Progress& pr) {
  if (pr.is_learner) {
    Logf("%llu is learner. Ignored transferring leadership", U(m.from));
    return;
  }
  const NodeId transferee = m.from;
  if (lead_transferee_ != kNone) {
    if (lead_transferee_ == transferee) {
      Logf(
          "%llu [term %llu] transfer leadership to %llu is in "
          "progress, ignores request to same node %llu",
          U(id_), U(term_), U(transferee), U(transferee));
      return;
    }
    Logf(
        "%llu [term %llu] abort previous transferring leadership "
        "to %llu",
        U(id_), U(term_), U(lead_transferee_));
    AbortLeaderTransfer();
  }
  if (transferee == id_) {
    Logf(
        "%llu is already leader. Ignored transferring leadership "
        "to self",
        U(id_));
    return;
  }
  Logf("%llu [term %llu] starts to transfer leadership to %llu", U(id_),
       U(term_), U(transferee));
  // The transfer must finish within an election timeout (§3.10).
  election_elapsed_ = 0;
  lead_transferee_ = transferee;
  if (pr.match == log_.LastIndex()) {
    Logf(
        "%llu sends MsgTimeoutNow to %llu immediately as %llu "
        "already has up-to-date log",
        U(id_), U(transferee), U(transferee));
    Send(NewMsg(MessageType::kTimeoutNow, transferee));
  } else {
    SendAppend(transferee);
  }
}

void Raft::LeaderReadIndex(Message& m) {
  if (tracker_.IsSingleton()) {
    // Alone, the leader is trivially still the leader.
    RespondToReadIndex(m, log_.committed());
    return;
  }
  // A new leader does not know the latest commit index until it committed
  // an entry of its own term (dissertation §6.4 step 1); hold the request.
  if (!CommittedEntryInCurrentTerm()) {
    pending_read_index_messages_.push_back(std::move(m));
    return;
  }
  SendReadIndexResponse(m);
}

bool Raft::CommittedEntryInCurrentTerm() const {
  Result<Term> t = log_.TermAt(log_.committed());
  return t.ok() && t.value() == term_;
}

void Raft::ReleasePendingReadIndexMessages() {
  if (pending_read_index_messages_.empty()) return;
  if (!CommittedEntryInCurrentTerm()) return;
  std::vector<Message> msgs = std::move(pending_read_index_messages_);
  pending_read_index_messages_.clear();
  for (const Message& m : msgs) SendReadIndexResponse(m);
}

void Raft::SendReadIndexResponse(const Message& m) {
  // Record the commit index now, then confirm leadership with a heartbeat
  // round carrying the request's context (§6.4 steps 2-3).
  const std::string& ctx = m.entries[0].data;
  read_only_.AddRequest(log_.committed(), m);
  const std::map<NodeId, bool>* acks = read_only_.RecvAck(id_, ctx);
  if (acks != nullptr && tracker_.VoteResultOf(*acks) == VoteResult::kVoteWon) {
    for (const ReadIndexStatus& rs : read_only_.Advance(ctx)) {
      RespondToReadIndex(rs.req, rs.index);
    }
    return;
  }
  BcastHeartbeat(ctx);
}

void Raft::RespondToReadIndex(const Message& req, Index read_index) {
  if (req.from == kNone || req.from == id_) {
    read_states_.push_back(ReadState{read_index, req.entries[0].data});
    return;
  }
  Message resp = NewMsg(MessageType::kReadIndexResp, req.from);
  resp.index = read_index;
  resp.entries = req.entries;
  Send(std::move(resp));
}

}  // namespace cairn::raft
