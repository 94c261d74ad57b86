// The follower and candidate halves of Raft, plus what every role shares:
// accepting appends and snapshots, and switching configurations. Split out
// of raft.cc to keep each file small.
#include <algorithm>

#include "core/raft/changer.h"
#include "core/raft/describe.h"
#include "core/raft/raft.h"
#include "core/util/check.h"
#include "core/util/strings.h"

namespace cairn::raft {

namespace {
unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }
}  // namespace

void Raft::SendAppResp(NodeId to, Index index) {
  Message m = NewMsg(MessageType::kAppResp, to);
  m.index = index;
  Send(std::move(m));
}

Status Raft::StepFollower(Message& m) {
  switch (m.type) {
    case MessageType::kProp:
      if (lead_ == kNone) {
        Logf("%llu no leader at term %llu; dropping proposal", U(id_),
             U(term_));
        return Status(Code::kNoLeader, "raft proposal dropped: no leader");
      }
      if (disable_proposal_forwarding_) {
        return Status(Code::kNotLeader,
                      "raft proposal dropped: forwarding disabled");
      }
      m.to = lead_;
      Send(std::move(m));
      return Status::Ok();
    case MessageType::kApp:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleAppendEntries(m);
      return Status::Ok();
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleHeartbeat(m);
      return Status::Ok();
    case MessageType::kSnap:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleSnapshot(m);
      return Status::Ok();
    case MessageType::kTransferLeader:
    case MessageType::kReadIndex:
      if (lead_ == kNone) {
        if (logging())
          Logf("%llu no leader at term %llu; dropping %s", U(id_), U(term_),
               std::string(MessageTypeName(m.type)).c_str());
        return Status::Ok();
      }
      m.to = lead_;
      // A request forwarded to us by another follower already carries a
      // term; Send stamps ours.
      if (m.type == MessageType::kTransferLeader) m.term = 0;
      Send(std::move(m));
      return Status::Ok();
    case MessageType::kTimeoutNow:
      // The leader hands over: campaign at once, skipping pre-vote and
      // overriding other followers' leader lease (§3.10).
      Logf(
          "%llu [term %llu] received MsgTimeoutNow from %llu and "
          "starts an election to get leadership",
          U(id_), U(term_), U(m.from));
      Hup(CampaignType::kTransfer);
      return Status::Ok();
    case MessageType::kReadIndexResp:
      if (m.entries.size() != 1) return Status::Ok();
      read_states_.push_back(ReadState{m.index, m.entries[0].data});
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

Status Raft::StepCandidate(Message& m) {
  // Only responses of the kind we asked for count; a pre-candidate may
  // still see stale vote responses of an earlier real election.
  const MessageType my_resp = state_ == StateType::kPreCandidate
                                  ? MessageType::kPreVoteResp
                                  : MessageType::kVoteResp;
  switch (m.type) {
    case MessageType::kProp:
      Logf("%llu no leader at term %llu; dropping proposal", U(id_), U(term_));
      return Status(Code::kNoLeader, "raft proposal dropped: no leader");
    case MessageType::kApp:
      // Someone won this term: follow them (§5.2).
      BecomeFollower(m.term, m.from);
      HandleAppendEntries(m);
      return Status::Ok();
    case MessageType::kHeartbeat:
      BecomeFollower(m.term, m.from);
      HandleHeartbeat(m);
      return Status::Ok();
    case MessageType::kSnap:
      BecomeFollower(m.term, m.from);
      HandleSnapshot(m);
      return Status::Ok();
    default:
      break;
  }
  if (m.type != my_resp) return Status::Ok();
  const VoteTally tally = Poll(m.from, m.type, !m.reject);
  if (logging())
    Logf("%llu has received %zu %s votes and %zu vote rejections", U(id_),
         tally.granted, std::string(MessageTypeName(m.type)).c_str(),
         tally.rejected);
  if (tally.result == VoteResult::kVoteWon) {
    if (state_ == StateType::kPreCandidate) {
      Campaign(CampaignType::kElection);
    } else {
      BecomeLeader();
      BcastAppend();
    }
  } else if (tally.result == VoteResult::kVoteLost) {
    // A rejection may carry a newer term, which StepByTerm already took;
    // return to follower at the (possibly new) term.
    BecomeFollower(term_, kNone);
  }
  return Status::Ok();
}

// Planted bug (PlantedBug::kKeepConflictingSuffix): when the leader's
// entries overlap ours, keep ours and append only past our last index,
// then acknowledge everything as if it matched. Returns whether it acted.
bool Raft::KeepConflictingSuffix(const Message& m) {
  if (m.entries.empty() || !log_.MatchTerm(m.index, m.log_term)) return false;
  const Index last = log_.LastIndex();
  if (m.entries.front().index > last) return false;
  std::vector<Entry> beyond;
  for (const Entry& e : m.entries) {
    if (e.index > last) beyond.push_back(e);
  }
  const Index from = std::min(last, m.entries.back().index);
  Result<Term> from_term = log_.TermAt(from);
  if (!from_term.ok()) return false;
  std::optional<Index> got =
      log_.MaybeAppend(from, from_term.value(), m.commit, beyond);
  if (!got.has_value()) return false;
  SendAppResp(m.from, std::max(*got, m.index + m.entries.size()));
  return true;
}

void Raft::HandleAppendEntries(const Message& m) {
  if (m.index < log_.committed()) {
    // Everything up to our commit index matches the leader's log
    // (Log Matching); tell it so it can skip ahead.
    SendAppResp(m.from, log_.committed());
    return;
  }
  if (planted_bug_ == PlantedBug::kKeepConflictingSuffix &&
      KeepConflictingSuffix(m)) {
    return;
  }
  if (std::optional<Index> last =
          log_.MaybeAppend(m.index, m.log_term, m.commit, m.entries)) {
    SendAppResp(m.from, *last);
    return;
  }
  // Reject with a hint: the last index at or below the probed one whose
  // term is <= the probed term. The leader skips every entry after it
  // (see LeaderAppendResp), so a long divergent suffix costs one round
  // trip per term rather than per entry.
  const Index hint_index = std::min(m.index, log_.LastIndex());
  const auto [hint, hint_term] =
      log_.FindConflictByTerm(hint_index, m.log_term);
  if (logging())
    Logf(
        "%llu [logterm: %llu, index: %llu] rejected MsgApp "
        "[logterm: %llu, index: %llu] from %llu",
        U(id_), U(log_.TermAt(m.index).ok() ? log_.TermAt(m.index).value() : 0),
        U(m.index), U(m.log_term), U(m.index), U(m.from));
  Message resp = NewMsg(MessageType::kAppResp, m.from);
  resp.index = m.index;
  resp.reject = true;
  resp.reject_hint = hint;
  resp.log_term = hint_term;
  Send(std::move(resp));
}

void Raft::HandleHeartbeat(const Message& m) {
  // The leader capped m.commit at our match, so it is safe to commit.
  log_.CommitTo(m.commit);
  Message resp = NewMsg(MessageType::kHeartbeatResp, m.from);
  resp.context = m.context;
  Send(std::move(resp));
}

void Raft::HandleSnapshot(const Message& m) {
  CAIRN_CHECK(m.snapshot.has_value(), "MsgSnap without snapshot");
  const Snapshot& snap = *m.snapshot;
  const Index sindex = snap.metadata.index;
  const Term sterm = snap.metadata.term;
  if (Restore(snap)) {
    Logf(
        "%llu [commit: %llu] restored snapshot [index: %llu, term: "
        "%llu]",
        U(id_), U(log_.committed()), U(sindex), U(sterm));
    SendAppResp(m.from, log_.LastIndex());
  } else {
    Logf(
        "%llu [commit: %llu] ignored snapshot [index: %llu, term: "
        "%llu]",
        U(id_), U(log_.committed()), U(sindex), U(sterm));
    SendAppResp(m.from, log_.committed());
  }
}

bool Raft::Restore(const Snapshot& snap) {
  const SnapshotMetadata& md = snap.metadata;
  if (md.index <= log_.committed()) return false;
  if (state_ != StateType::kFollower) {
    // Only a leader of our term sends snapshots, and it would have made us
    // a follower; anything else is a bug elsewhere. Be defensive like
    // etcd: move to a new term rather than accept it.
    Logf(
        "%llu attempted to restore snapshot as leader; should "
        "never happen",
        U(id_));
    BecomeFollower(term_ + 1, kNone);
    return false;
  }
  const ConfState& cs = md.conf_state;
  bool found = false;
  for (const auto* ids : {&cs.voters, &cs.learners, &cs.voters_outgoing}) {
    found = found || std::find(ids->begin(), ids->end(), id_) != ids->end();
  }
  if (!found) {
    // A snapshot for a configuration without us cannot be right for us.
    if (logging())
      Logf(
          "%llu attempted to restore snapshot but it is not in the "
          "ConfState %s; should never happen",
          U(id_), DescribeConfState(cs).c_str());
    return false;
  }
  if (log_.MatchTerm(md.index, md.term)) {
    // We already hold the snapshot's last entry: just fast-forward the
    // commit index; the log after it may be longer and is kept.
    log_.CommitTo(md.index);
    return false;
  }
  log_.Restore(snap);
  SwitchToConfig(Changer::Restore(cs, log_.LastIndex(), tracker_.max_inflight(),
                                  tracker_.max_inflight_bytes()));
  return true;
}

ConfState Raft::SwitchToConfig(ChangeResult r) {
  tracker_.config() = std::move(r.config);
  tracker_.progress() = std::move(r.progress);
  if (logging())
    Logf("%llu switched to configuration %s", U(id_),
         tracker_.config().ToString().c_str());
  const ConfState cs = tracker_.GetConfState();
  const Progress* self = tracker_.Get(id_);
  is_learner_ = self != nullptr && self->is_learner;
  if ((self == nullptr || is_learner_) && state_ == StateType::kLeader) {
    // This leader was removed or demoted. With step_down_on_removal it
    // steps down now; the rest elect a leader among themselves. Otherwise
    // it keeps serving (refusing proposals) until another node wins.
    if (step_down_on_removal_) BecomeFollower(term_, kNone);
    return cs;
  }
  if (state_ != StateType::kLeader || cs.voters.empty()) return cs;
  // The quorum may have shrunk: commit what it now allows, and tell
  // everyone; otherwise make sure new members get their first probe.
  if (MaybeCommit()) {
    BcastAppend();
  } else {
    for (const auto& [id, pr] : tracker_.progress()) {
      if (id != id_) MaybeSendAppend(id, false);
    }
  }
  if (lead_transferee_ != kNone &&
      !tracker_.config().voters.Contains(lead_transferee_)) {
    AbortLeaderTransfer();
  }
  return cs;
}

}  // namespace cairn::raft
