// Server: what only the leader does (lease expiry and checkpoints, keep-
// alives, time-to-live, leadership moves, learner promotion) and the
// proposal of membership changes.

#include <algorithm>
#include <utility>

#include "core/server/server.h"
#include "core/util/strings.h"

namespace cairn::server {

namespace {

// Revokes proposed per tick at most; the rest follow on later ticks (the
// lessor reports them again after its retry interval).
constexpr size_t kMaxRevokesPerTick = 500;

}  // namespace

void Server::SubmitKeepAlive(uint64_t token,
                             const api::LeaseKeepAliveRequest& r) {
  // Keep-alives never go through Raft: only the leader's lessor knows
  // expiries (etcd forwards them to the leader; the host does that here).
  if (!is_leader()) return Respond(token, ErrNotLeader());
  if (!sm_->lessor().is_primary()) return Respond(token, ErrLeaderChanged());
  Result<lease::RenewResult> renew = sm_->lessor().Renew(r.id, now_ms_);
  api::LeaseKeepAliveResponse resp;
  resp.id = r.id;
  if (!renew.ok()) {
    // etcd answers a keep-alive of an unknown lease with TTL 0.
    if (renew.status().code() != Code::kLeaseNotFound) {
      return Respond(token, renew.status());
    }
    return Respond(token, Response(resp));
  }
  if (renew.value().clear_checkpoint) {
    // A later leader must not restart the lease from its old checkpoint.
    LeaseCheckpointRequest cp;
    cp.checkpoints.push_back({.id = r.id, .remaining_ttl_s = 0});
    Status s = ProposeInternal(std::move(cp));
    if (!s.ok()) Log("checkpoint clear dropped: " + s.ToString());
  }
  resp.ttl = renew.value().ttl_s;
  Respond(token, Response(resp));
}

void Server::SubmitTimeToLive(uint64_t token,
                              const api::LeaseTimeToLiveRequest& r) {
  if (!is_leader()) return Respond(token, ErrNotLeader());
  if (!sm_->lessor().is_primary()) return Respond(token, ErrLeaderChanged());
  Result<lease::TimeToLiveResult> ttl =
      sm_->lessor().TimeToLive(r.id, r.keys, now_ms_);
  api::LeaseTimeToLiveResponse resp;
  resp.id = r.id;
  if (!ttl.ok()) {
    if (ttl.status().code() != Code::kLeaseNotFound) {
      return Respond(token, ttl.status());
    }
    resp.ttl = lease::kUnknownLeaseTtl;  // etcd: TTL -1, no error
    return Respond(token, Response(resp));
  }
  resp.ttl = ttl.value().ttl_s;
  resp.granted_ttl = ttl.value().granted_ttl_s;
  resp.keys = ttl.value().keys;
  Respond(token, Response(resp));
}

void Server::SubmitMoveLeader(uint64_t token, const api::MoveLeaderRequest& r) {
  if (!is_leader()) return Respond(token, ErrNotLeader());
  const api::Member* m = sm_->FindMember(r.target_id);
  if (m == nullptr || m->is_learner) {
    return Respond(token, ErrBadLeaderTransferee());
  }
  if (r.target_id == config_.member_id) {
    return Respond(token, Response(api::MoveLeaderResponse{}));
  }
  if (move_) return Respond(token, ErrTooManyRequests());
  raw_->TransferLeader(r.target_id);
  move_ = PendingMove{.client_token = token,
                      .target = r.target_id,
                      .deadline_ms = now_ms_ + config_.request_timeout_ms};
}

void Server::CheckMove() {
  if (!move_) return;
  if (lead_ == move_->target) {
    Respond(move_->client_token, Response(api::MoveLeaderResponse{}));
    move_.reset();
  } else if (now_ms_ >= move_->deadline_ms) {
    Respond(move_->client_token, ErrTimeoutLeaderTransfer());
    move_.reset();
  }
}

void Server::SubmitMemberChange(uint64_t token, const Request& request) {
  MemberChange change;
  if (const auto* add = std::get_if<api::MemberAddRequest>(&request)) {
    change.kind = MemberChange::Kind::kAdd;
    change.member.id = ChooseMemberId();
    change.member.peer_urls = add->peer_urls;
    change.member.is_learner = add->is_learner;
  } else if (const auto* rm = std::get_if<api::MemberRemoveRequest>(&request)) {
    change.kind = MemberChange::Kind::kRemove;
    change.member.id = rm->id;
  } else {
    change.kind = MemberChange::Kind::kPromote;
    change.member.id = std::get<api::MemberPromoteRequest>(request).id;
    // Only the leader knows how far the learner got (etcd forwards
    // promotions to the leader).
    if (!is_leader()) return Respond(token, ErrNotLeader());
  }
  if (Status s = sm_->CheckMemberChange(change); !s.ok()) {
    return Respond(token, s);
  }
  if (change.kind == MemberChange::Kind::kPromote &&
      !LearnerReady(change.member.id)) {
    return Respond(token, ErrLearnerNotReady());
  }
  ProposeMemberChange(token, std::move(change));
}

// etcd's isLearnerReady: the learner has replicated at least 90% of what
// the leader has.
bool Server::LearnerReady(uint64_t id) const {
  const raft::ProgressTracker& t = raw_->raft().tracker();
  const raft::Progress* learner = t.Get(id);
  const raft::Progress* self = t.Get(config_.member_id);
  if (learner == nullptr || self == nullptr) return false;
  return learner->match * 10 >= self->match * 9;
}

uint64_t Server::TransferTarget() const {
  if (!is_leader()) return 0;
  const raft::ProgressTracker& t = raw_->raft().tracker();
  uint64_t best = 0;
  raft::Index best_match = 0;
  for (const api::Member& m : sm_->Members()) {
    if (m.id == config_.member_id || m.is_learner) continue;
    const raft::Progress* p = t.Get(m.id);
    if (p != nullptr && (best == 0 || p->match > best_match)) {
      best = m.id;
      best_match = p->match;
    }
  }
  return best;
}

uint64_t Server::ChooseMemberId() {
  while (true) {
    const uint64_t id = random_.Next();
    if (id != 0 && sm_->FindMember(id) == nullptr && !sm_->WasRemoved(id)) {
      return id;
    }
  }
}

void Server::MaybePromoteLessor() {
  if (!is_leader() || sm_->lessor().is_primary()) return;
  if (sm_->applied_index() < promote_at_index_) return;
  // etcd extends every lease by the election timeout on promotion, since
  // keep-alives may have been lost while there was no leader.
  sm_->lessor().Promote(now_ms_, config_.election_ticks * config_.tick_ms);
  Log(StrFormat("lessor promoted with %zu leases", sm_->lessor().size()));
}

void Server::LeaderDuties() {
  if (!sm_->lessor().is_primary()) return;
  for (lease::LeaseId id :
       sm_->lessor().ExpiredLeases(now_ms_, kMaxRevokesPerTick)) {
    Status s = ProposeInternal(api::LeaseRevokeRequest{.id = id});
    // A dropped revoke is retried when the lessor reports it again.
    if (!s.ok()) break;
  }
  std::vector<lease::Checkpoint> due = sm_->lessor().CheckpointsDue(now_ms_);
  if (!due.empty()) {
    Status s = ProposeInternal(LeaseCheckpointRequest{std::move(due)});
    if (!s.ok()) Log("checkpoints dropped: " + s.ToString());
  }
  MaybeRaiseNoSpace();
}

// etcd raises NOSPACE when the backend outgrows its quota; here the
// leader watches the keyspace's size and proposes the alarm (again after a
// request timeout if the proposal was lost).
void Server::MaybeRaiseNoSpace() {
  if (config_.quota_bytes <= 0 || sm_->NoSpace()) return;
  if (static_cast<int64_t>(sm_->kv().SizeBytes()) <= config_.quota_bytes) {
    return;
  }
  if (now_ms_ < next_alarm_ms_) return;
  next_alarm_ms_ = now_ms_ + config_.request_timeout_ms;
  api::AlarmRequest a;
  a.action = api::AlarmRequest::Action::kActivate;
  a.member_id = config_.member_id;
  a.alarm = api::AlarmType::kNoSpace;
  Status s = ProposeInternal(a);
  if (!s.ok()) Log("NOSPACE alarm dropped: " + s.ToString());
  Log("keyspace over its quota: raising NOSPACE");
}

void Server::ReportDiskHeadroom(int64_t bytes) {
  disk_headroom_ = bytes;
  disk_short_ = bytes <= 0;
  MaybeRaiseDiskAlarm();
}

// A member short of disk space raises NOSPACE for itself, through Raft
// like any alarm (a follower's proposal goes to the leader), so that the
// whole cluster stops taking writes that need space.
void Server::MaybeRaiseDiskAlarm() {
  if (!disk_short_ || removed_) return;
  if (sm_->HasNoSpaceAlarm(config_.member_id)) return;
  if (now_ms_ < next_disk_alarm_ms_) return;
  next_disk_alarm_ms_ = now_ms_ + config_.request_timeout_ms;
  api::AlarmRequest a;
  a.action = api::AlarmRequest::Action::kActivate;
  a.member_id = config_.member_id;
  a.alarm = api::AlarmType::kNoSpace;
  Status s = ProposeInternal(a);
  Log(s.ok() ? std::string("disk space short: raising NOSPACE")
             : "disk space short: NOSPACE alarm dropped: " + s.ToString());
}

}  // namespace cairn::server
