#include "core/raft/raft.h"

#include <algorithm>
#include <cstdarg>

#include "core/raft/changer.h"
#include "core/raft/codec.h"
#include "core/raft/describe.h"
#include "core/util/check.h"
#include "core/util/strings.h"

namespace cairn::raft {

namespace {

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

// The context of a vote request caused by a leadership transfer: it
// overrides the leader lease of check-quorum (the old leader asked for it).
constexpr const char* kCampaignTransfer = "CampaignTransfer";

MessageType VoteRespType(MessageType t) {
  return t == MessageType::kVote ? MessageType::kVoteResp
                                 : MessageType::kPreVoteResp;
}

}  // namespace

Raft::Raft(const Config& c)
    : id_(c.id),
      log_(c.storage, c.max_committed_size_per_ready),
      max_msg_size_(c.max_size_per_msg),
      max_uncommitted_size_(c.max_uncommitted_entries_size),
      tracker_(c.max_inflight_msgs, c.max_inflight_bytes),
      check_quorum_(c.check_quorum),
      pre_vote_(c.pre_vote),
      disable_proposal_forwarding_(c.disable_proposal_forwarding),
      step_down_on_removal_(c.step_down_on_removal),
      planted_bug_(c.planted_bug),
      heartbeat_timeout_(c.heartbeat_tick),
      election_timeout_(c.election_tick),
      random_(c.random),
      logger_(c.logger),
      debug_logger_(c.debug_logger) {
  CAIRN_CHECK(c.id != kNone, "cannot use none as id");
  CAIRN_CHECK(c.heartbeat_tick > 0, "heartbeat tick must be > 0");
  CAIRN_CHECK(c.election_tick > c.heartbeat_tick,
              "election tick must be greater than heartbeat tick");
  CAIRN_CHECK(c.random != nullptr, "a Random is required");
  CAIRN_CHECK(c.max_inflight_msgs > 0, "max inflight messages must be > 0");
  Result<InitialState> init = c.storage->GetInitialState();
  CAIRN_CHECK(init.ok(), "initial state: %s", init.status().ToString().c_str());
  const InitialState& st = init.value();
  SwitchToConfig(Changer::Restore(st.conf_state, log_.LastIndex(),
                                  c.max_inflight_msgs, c.max_inflight_bytes));
  if (!st.hard_state.empty()) {
    const HardState& hs = st.hard_state;
    CAIRN_CHECK(hs.commit >= log_.committed() && hs.commit <= log_.LastIndex(),
                "%llu state.commit %llu is out of range [%llu, %llu]", U(id_),
                U(hs.commit), U(log_.committed()), U(log_.LastIndex()));
    log_.CommitTo(hs.commit);
    term_ = hs.term;
    vote_ = hs.vote;
  }
  if (c.applied > 0) log_.AppliedTo(c.applied);
  BecomeFollower(term_, kNone);
  if (logging())
    Logf(
        "newRaft %llu [peers: %s, term: %llu, commit: %llu, applied: "
        "%llu, lastindex: %llu, lastterm: %llu]",
        U(id_), tracker_.config().ToString().c_str(), U(term_),
        U(log_.committed()), U(log_.applied()), U(log_.LastIndex()),
        U(log_.LastTerm()));
}

void Raft::Logf(const char* fmt, ...) const {
  if (!logging()) return;
  va_list args;
  va_start(args, fmt);
  const std::string line = StrFormatV(fmt, args);
  va_end(args);
  logger_(line);
}

void Raft::Debugf(const char* fmt, ...) const {
  if (!debug_logger_) return;
  va_list args;
  va_start(args, fmt);
  const std::string line = StrFormatV(fmt, args);
  va_end(args);
  debug_logger_(line);
}

HardState Raft::GetHardState() const {
  return HardState{term_, vote_, log_.committed()};
}

RaftStatus Raft::GetStatus() const {
  RaftStatus s;
  s.id = id_;
  s.hard_state = GetHardState();
  s.soft_state = GetSoftState();
  s.applied = log_.applied();
  s.config = tracker_.config();
  s.lead_transferee = lead_transferee_;
  if (state_ == StateType::kLeader) {
    for (const auto& [id, pr] : tracker_.progress()) {
      s.progress.emplace_back(id, pr.ToString());
    }
  }
  return s;
}

void Raft::Send(Message m) {
  if (m.from == kNone) m.from = id_;
  // Vote traffic carries the term it is about (the candidate's next term
  // for pre-votes); everything else but proposals and forwarded reads
  // carries our current term.
  const bool vote_traffic =
      m.type == MessageType::kVote || m.type == MessageType::kVoteResp ||
      m.type == MessageType::kPreVote || m.type == MessageType::kPreVoteResp;
  if (vote_traffic) {
    CAIRN_CHECK(m.term != 0, "term should be set when sending %s",
                std::string(MessageTypeName(m.type)).c_str());
  } else {
    CAIRN_CHECK(m.term == 0, "term should not be set when sending %s",
                std::string(MessageTypeName(m.type)).c_str());
    if (m.type != MessageType::kProp && m.type != MessageType::kReadIndex) {
      m.term = term_;
    }
  }
  msgs_.push_back(std::move(m));
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      election_timeout_ + static_cast<int>(random_->Uniform(
                              static_cast<uint64_t>(election_timeout_)));
}

void Raft::Reset(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  tracker_.ResetVotes();
  const Index last = log_.LastIndex();
  for (auto& [id, pr] : tracker_.progress()) {
    const bool learner = pr.is_learner;
    pr = Progress(last + 1, tracker_.max_inflight(),
                  tracker_.max_inflight_bytes());
    pr.is_learner = learner;
    if (id == id_) pr.match = last;
  }
  pending_conf_index_ = 0;
  uncommitted_size_ = 0;
  read_only_ = ReadOnly();
  pending_read_index_messages_.clear();
}

void Raft::BecomeFollower(Term term, NodeId lead) {
  Reset(term);
  lead_ = lead;
  state_ = StateType::kFollower;
  Logf("%llu became follower at term %llu", U(id_), U(term_));
}

void Raft::BecomeCandidate() {
  CAIRN_CHECK(state_ != StateType::kLeader,
              "invalid transition [leader -> candidate]");
  Reset(term_ + 1);
  vote_ = id_;
  state_ = StateType::kCandidate;
  Logf("%llu became candidate at term %llu", U(id_), U(term_));
}

void Raft::BecomePreCandidate() {
  CAIRN_CHECK(state_ != StateType::kLeader,
              "invalid transition [leader -> pre-candidate]");
  // A pre-candidate keeps its term and vote: the pre-vote round changes
  // nothing durable (dissertation §9.6).
  tracker_.ResetVotes();
  lead_ = kNone;
  state_ = StateType::kPreCandidate;
  Logf("%llu became pre-candidate at term %llu", U(id_), U(term_));
}

void Raft::BecomeLeader() {
  CAIRN_CHECK(state_ != StateType::kFollower,
              "invalid transition [follower -> leader]");
  Reset(term_);
  lead_ = id_;
  state_ = StateType::kLeader;
  Progress* self = tracker_.Get(id_);
  self->BecomeReplicate();
  self->recent_active = true;
  // Conservatively treat every entry of the log as a possible pending
  // conf change: a new one waits until all of them are applied.
  pending_conf_index_ = log_.LastIndex();
  // An empty entry of the new term lets the leader commit everything
  // before it (Raft §5.4.2 / Figure 8) and find out the commit index
  // needed to serve reads (§6.4). Its payload is empty so it never counts
  // against the uncommitted budget.
  CAIRN_CHECK(AppendEntries({Entry{}}), "empty entry was dropped");
  Logf("%llu became leader at term %llu", U(id_), U(term_));
}

bool Raft::Promotable() const {
  const Progress* pr = tracker_.Get(id_);
  return pr != nullptr && !pr->is_learner && !log_.HasPendingSnapshot();
}

bool Raft::PastElectionTimeout() const {
  return election_elapsed_ >= randomized_election_timeout_;
}

void Raft::Tick() {
  if (state_ == StateType::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  election_elapsed_++;
  if (Promotable() && PastElectionTimeout()) {
    election_elapsed_ = 0;
    Status s = Step(NewMsg(MessageType::kHup, kNone, id_));
    (void)s;  // a local kHup never fails
  }
}

void Raft::TickHeartbeat() {
  heartbeat_elapsed_++;
  election_elapsed_++;
  if (election_elapsed_ >= election_timeout_) {
    election_elapsed_ = 0;
    if (check_quorum_) {
      Status s = Step(NewMsg(MessageType::kCheckQuorum, kNone, id_));
      (void)s;  // local, never fails
    }
    // A transfer that did not finish within an election timeout is
    // abandoned so that the leader accepts proposals again (§3.10).
    if (state_ == StateType::kLeader && lead_transferee_ != kNone) {
      Logf(
          "%llu [term %llu] abort transferring leadership to "
          "%llu: not done within an election timeout",
          U(id_), U(term_), U(lead_transferee_));
      AbortLeaderTransfer();
    }
  }
  if (state_ != StateType::kLeader) return;
  if (heartbeat_elapsed_ >= heartbeat_timeout_) {
    heartbeat_elapsed_ = 0;
    Status s = Step(NewMsg(MessageType::kBeat, kNone, id_));
    (void)s;  // local, never fails
  }
}

bool Raft::HasUnappliedConfChange() const {
  if (log_.committed() <= log_.applied()) return false;
  Result<std::vector<Entry>> ents =
      log_.Slice(log_.applied() + 1, log_.committed() + 1, kNoLimit);
  CAIRN_CHECK(ents.ok(), "unapplied entries: %s",
              ents.status().ToString().c_str());
  for (const Entry& e : ents.value()) {
    if (e.type == EntryType::kConfChange) return true;
  }
  return false;
}

void Raft::Hup(CampaignType t) {
  if (state_ == StateType::kLeader) {
    Logf("%llu ignoring MsgHup because already leader", U(id_));
    return;
  }
  if (!Promotable()) {
    Logf("%llu is unpromotable and can not campaign", U(id_));
    return;
  }
  // A node must apply a committed conf change before campaigning: it
  // might otherwise lead under a configuration that no longer holds.
  if (HasUnappliedConfChange()) {
    Logf(
        "%llu cannot campaign at term %llu since there are still "
        "pending configuration changes to apply",
        U(id_), U(term_));
    return;
  }
  Logf("%llu is starting a new election at term %llu", U(id_), U(term_));
  Campaign(t);
}

void Raft::Campaign(CampaignType t) {
  if (!Promotable()) return;
  Term term;
  MessageType vote_type;
  if (t == CampaignType::kPreElection) {
    BecomePreCandidate();
    vote_type = MessageType::kPreVote;
    // Pre-votes ask about the term the real election would use.
    term = term_ + 1;
  } else {
    BecomeCandidate();
    vote_type = MessageType::kVote;
    term = term_;
  }
  if (Poll(id_, VoteRespType(vote_type), true).result == VoteResult::kVoteWon) {
    // A single-voter group wins at once.
    if (t == CampaignType::kPreElection) {
      Campaign(CampaignType::kElection);
    } else {
      BecomeLeader();
    }
    return;
  }
  for (NodeId id : tracker_.VoterNodes()) {
    if (id == id_) continue;
    if (logging())
      Logf(
          "%llu [logterm: %llu, index: %llu] sent %s request to %llu "
          "at term %llu",
          U(id_), U(log_.LastTerm()), U(log_.LastIndex()),
          std::string(MessageTypeName(vote_type)).c_str(), U(id), U(term_));
    Message m = NewMsg(vote_type, id);
    m.term = term;
    m.index = log_.LastIndex();
    m.log_term = log_.LastTerm();
    if (t == CampaignType::kTransfer) m.context = kCampaignTransfer;
    Send(std::move(m));
  }
}

VoteTally Raft::Poll(NodeId id, MessageType t, bool granted) {
  if (granted) {
    if (logging())
      Logf("%llu received %s from %llu at term %llu", U(id_),
           std::string(MessageTypeName(t)).c_str(), U(id), U(term_));
  } else {
    if (logging())
      Logf("%llu received %s rejection from %llu at term %llu", U(id_),
           std::string(MessageTypeName(t)).c_str(), U(id), U(term_));
  }
  tracker_.RecordVote(id, granted);
  return tracker_.TallyVotes();
}

Status Raft::Step(Message m) {
  if (!StepByTerm(m)) return Status::Ok();
  switch (m.type) {
    case MessageType::kHup:
      Hup(pre_vote_ ? CampaignType::kPreElection : CampaignType::kElection);
      return Status::Ok();
    case MessageType::kVote:
    case MessageType::kPreVote:
      HandleVoteRequest(m);
      return Status::Ok();
    default:
      return StepRole(m);
  }
}

Status Raft::StepRole(Message& m) {
  switch (state_) {
    case StateType::kLeader:
      return StepLeader(m);
    case StateType::kCandidate:
    case StateType::kPreCandidate:
      return StepCandidate(m);
    case StateType::kFollower:
      return StepFollower(m);
  }
  return Status::Ok();
}

// Compares the message's term with ours (Raft §5.1) and returns whether
// the message should be processed further.
bool Raft::StepByTerm(const Message& m) {
  if (m.term == 0) return true;  // local message
  if (m.term > term_) {
    const bool vote_req =
        m.type == MessageType::kVote || m.type == MessageType::kPreVote;
    if (vote_req) {
      const bool force = m.context == kCampaignTransfer;
      const bool in_lease = check_quorum_ && lead_ != kNone &&
                            election_elapsed_ < election_timeout_;
      // With check-quorum a follower that heard from its leader within
      // the minimum election timeout ignores vote requests: that leader
      // still has a quorum (dissertation §4.2.3, "disruptive servers").
      if (!force && in_lease) {
        if (logging())
          Logf(
              "%llu [logterm: %llu, index: %llu, vote: %llu] ignored "
              "%s from %llu [logterm: %llu, index: %llu] at term "
              "%llu: lease is not expired",
              U(id_), U(log_.LastTerm()), U(log_.LastIndex()), U(vote_),
              std::string(MessageTypeName(m.type)).c_str(), U(m.from),
              U(m.log_term), U(m.index), U(term_));
        return false;
      }
    }
    if (m.type == MessageType::kPreVote) {
      // Never change the term because of a pre-vote request.
    } else if (m.type == MessageType::kPreVoteResp && !m.reject) {
      // A granted pre-vote carries the future term; the term moves only
      // when the pre-candidate wins and campaigns for real.
    } else {
      if (logging())
        Logf(
            "%llu [term: %llu] received a %s message with higher "
            "term from %llu [term: %llu]",
            U(id_), U(term_), std::string(MessageTypeName(m.type)).c_str(),
            U(m.from), U(m.term));
      const bool from_leader = m.type == MessageType::kApp ||
                               m.type == MessageType::kHeartbeat ||
                               m.type == MessageType::kSnap;
      BecomeFollower(m.term, from_leader ? m.from : kNone);
    }
    return true;
  }
  if (m.term < term_) {
    StepLowerTerm(m);
    return false;
  }
  return true;
}

// Answers (or ignores) a message from an older term; it is never
// processed further.
void Raft::StepLowerTerm(const Message& m) {
  if ((check_quorum_ || pre_vote_) &&
      (m.type == MessageType::kHeartbeat || m.type == MessageType::kApp)) {
    // A leader that a partition left behind at a lower term would never
    // learn of the newer one if we just dropped it, since with
    // check-quorum or pre-vote our vote requests cannot reach it with a
    // higher term either. Answering with our term makes it step down.
    Send(NewMsg(MessageType::kAppResp, m.from));
  } else if (m.type == MessageType::kPreVote) {
    // Reject stale pre-votes explicitly so the pre-candidate learns our
    // term instead of waiting for a timeout.
    Message resp = NewMsg(MessageType::kPreVoteResp, m.from);
    resp.term = term_;
    resp.reject = true;
    Send(std::move(resp));
  } else {
    if (logging())
      Logf(
          "%llu [term: %llu] ignored a %s message with lower term "
          "from %llu [term: %llu]",
          U(id_), U(term_), std::string(MessageTypeName(m.type)).c_str(),
          U(m.from), U(m.term));
  }
}

void Raft::HandleVoteRequest(const Message& m) {
  // We can vote if this is a repeat of a vote we cast, if we have not
  // voted and know of no leader in this term, or if this is a pre-vote for
  // a future term (which never binds us).
  const bool can_vote = vote_ == m.from || (vote_ == kNone && lead_ == kNone) ||
                        (m.type == MessageType::kPreVote && m.term > term_);
  const bool grant = can_vote && log_.IsUpToDate(m.index, m.log_term);
  if (logging()) {
    Logf(
        "%llu [logterm: %llu, index: %llu, vote: %llu] %s %s for %llu "
        "[logterm: %llu, index: %llu] at term %llu",
        U(id_), U(log_.LastTerm()), U(log_.LastIndex()), U(vote_),
        grant ? "cast" : "rejected",
        std::string(MessageTypeName(m.type)).c_str(), U(m.from), U(m.log_term),
        U(m.index), U(term_));
  }
  if (grant) {
    // The response carries the request's term: for a pre-vote that is
    // the future term, which the pre-candidate counts.
    Message resp = NewMsg(VoteRespType(m.type), m.from);
    resp.term = m.term;
    Send(std::move(resp));
    if (m.type == MessageType::kVote) {
      // Granting a vote resets the timer so we do not compete right away.
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    Message resp = NewMsg(VoteRespType(m.type), m.from);
    resp.term = term_;
    resp.reject = true;
    Send(std::move(resp));
  }
}

ConfState Raft::ApplyConfChange(const ConfChange& cc) {
  Changer changer(tracker_, log_.LastIndex());
  bool auto_leave = false;
  Result<ChangeResult> r = Status::InvalidArgument("unset");
  if (cc.LeaveJoint()) {
    r = changer.LeaveJoint();
  } else if (cc.EnterJoint(&auto_leave)) {
    r = changer.EnterJoint(auto_leave, cc.changes);
  } else {
    r = changer.Simple(cc.changes);
  }
  // The leader validated the change before proposing; a committed change
  // that cannot apply means the replicas diverged.
  CAIRN_CHECK(r.ok(), "%llu cannot apply conf change %s: %s", U(id_),
              DescribeConfChange(cc).c_str(), r.status().ToString().c_str());
  return SwitchToConfig(std::move(r).value());
}

void Raft::AppliedTo(Index index, uint64_t applied_bytes) {
  const Index old_applied = log_.applied();
  const Index new_applied = std::max(index, old_applied);
  log_.AppliedTo(new_applied);
  ReduceUncommittedSize(applied_bytes);
  // Auto-leave: once the joint configuration is applied, the leader
  // proposes the empty change that leaves it (etcd's ConfChangeV2 auto
  // transition).
  if (tracker_.config().auto_leave && new_applied >= pending_conf_index_ &&
      state_ == StateType::kLeader) {
    Entry e = NewEntry(EncodeConfChange(ConfChange()), EntryType::kConfChange);
    Message m = NewMsg(MessageType::kProp, kNone, id_);
    m.entries.push_back(std::move(e));
    Status s = Step(std::move(m));
    if (logging())
      Logf(
          "initiating automatic transition out of joint "
          "configuration %s%s",
          tracker_.config().ToString().c_str(),
          s.ok() ? "" : (": " + s.ToString()).c_str());
  }
}

}  // namespace cairn::raft
