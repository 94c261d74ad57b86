#include "core/server/server.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/mvcc/hash.h"
#include "core/raft/describe.h"
#include "core/util/check.h"
#include "core/util/strings.h"

namespace cairn::server {

namespace {

using U = unsigned long long;

StateMachineOptions SmOptions(const Config& c) {
  return StateMachineOptions{
      .lessor = c.lessor,
      .watch = c.watch,
      .sim_revoke_keeps_key = c.sim_bugs.lease_revoke_keeps_keys};
}

}  // namespace

Server::Server(const Config& config, storage::RaftLogStore& log_store,
               storage::Backend& backend, Transport& transport, Logger& logger,
               Random& random)
    : config_(config),
      log_store_(log_store),
      backend_(backend),
      transport_(transport),
      logger_(logger),
      random_(random),
      sm_(std::make_unique<StateMachine>(SmOptions(config))),
      tokens_(config.auth_token_ttl_ms) {
  CAIRN_CHECK(config_.member_id != 0, "member id 0");
  CAIRN_CHECK(config_.tick_ms >= 1, "tick_ms %lld", (long long)config_.tick_ms);
  // Request ids: the member id in the top 16 bits keeps members apart,
  // and a random start keeps this incarnation's ids apart from entries an
  // earlier one left unapplied in the log (etcd uses a timestamp).
  next_request_id_ = (config_.member_id << 48) | (random_.Next() >> 24);
  next_read_ctx_ = random_.Next();
  // This incarnation's proposer session (proposal_windows.h), made from
  // the draws above rather than a third one, so that a seed's other
  // random choices stay as they were. Never 0: 0 marks no session.
  session_ = Random(next_request_id_ ^ next_read_ctx_).Next() | 1;
  const bool empty = log_store_.LastIndex() == 0;
  if (empty && (!config_.initial_members.empty() || HoldsRestoredState())) {
    Bootstrap();
  } else {
    Recover();
  }
}

Server::~Server() = default;

void Server::StartRaft(raft::Index applied) {
  raft::Config c;
  c.id = config_.member_id;
  c.election_tick = config_.election_ticks;
  c.heartbeat_tick = config_.heartbeat_ticks;
  c.storage = &log_store_;
  c.random = &random_;
  c.applied = applied;
  c.max_size_per_msg = config_.max_size_per_msg;
  c.max_inflight_msgs = config_.max_inflight_msgs;
  c.max_uncommitted_entries_size = config_.max_uncommitted_entries_size;
  c.check_quorum = config_.check_quorum;
  c.pre_vote = config_.pre_vote;
  c.logger = [this](const std::string& line) { Log(line); };
  c.debug_logger = [this](const std::string& line) {
    logger_.Debug(StrFormat("[%llx] ", U(config_.member_id)) + line);
  };
  raw_ = std::make_unique<raft::RawNode>(c);
}

void Server::Step(const raft::Message& msg) {
  if (removed_) return;
  Status s = raw_->Step(msg);
  if (!s.ok()) Log("dropped message: " + s.ToString());
}

void Server::Campaign() { raw_->Campaign(); }

void Server::AdvanceTicks(int ticks) {
  CAIRN_CHECK(ticks >= 0, "negative tick advance %d", ticks);
  const raft::Raft& r = raw_->raft();
  if (removed_ || r.state() != raft::StateType::kFollower ||
      r.lead() != raft::kNone) {
    return;
  }
  const int room = config_.election_ticks - 1 - r.election_elapsed();
  const int n = std::min(ticks, std::max(room, 0));
  for (int i = 0; i < n; i++) raw_->Tick();
}

void Server::ReportUnreachable(uint64_t peer) {
  if (!removed_) raw_->ReportUnreachable(peer);
}

void Server::ReportSnapshot(uint64_t peer, bool ok) {
  if (removed_) return;
  raw_->ReportSnapshot(peer, ok ? raft::SnapshotStatus::kFinish
                                : raft::SnapshotStatus::kFailure);
}

void Server::Tick(int64_t now_ms) {
  CAIRN_CHECK(now_ms >= now_ms_, "time went back: %lld < %lld",
              (long long)now_ms, (long long)now_ms_);
  now_ms_ = now_ms;
  if (!clock_started_) {
    clock_started_ = true;
    last_tick_ms_ = now_ms;
  }
  // One Raft tick per tick_ms elapsed. After a long pause (a stalled
  // host) at most two election timeouts' worth run, so that a catch-up
  // burst cannot turn into an unbounded loop.
  const int64_t max_ticks = 2 * int64_t{config_.election_ticks};
  int64_t ticks = (now_ms - last_tick_ms_) / config_.tick_ms;
  last_tick_ms_ += ticks * config_.tick_ms;
  if (ticks > max_ticks) ticks = max_ticks;
  for (int64_t i = 0; i < ticks && !removed_; i++) raw_->Tick();
  tokens_.Expire(now_ms);
  ExpireRequests();
  CheckMove();
  if (is_leader() && !removed_) LeaderDuties();
  MaybeRaiseDiskAlarm();
  MaybePublish();
}

void Server::MaybePublish() {
  if (removed_ || lead_ == 0 || now_ms_ < next_publish_ms_) return;
  if (config_.name.empty() && config_.client_urls.empty()) return;
  const api::Member* self = sm_->FindMember(config_.member_id);
  if (self == nullptr) return;  // not (yet) a member: nothing to publish
  if (self->name == config_.name && self->client_urls == config_.client_urls) {
    return;
  }
  next_publish_ms_ = now_ms_ + config_.election_ticks * config_.tick_ms;
  // A dropped proposal is simply proposed again at the next retry.
  (void)ProposeInternal(
      MemberAttributesRequest{.id = config_.member_id,
                              .name = config_.name,
                              .client_urls = config_.client_urls});
}

bool Server::Process() {
  bool any = false;
  while (!removed_ && raw_->HasReady()) {
    any = true;
    HandleReady(raw_->TakeReady());
  }
  return any;
}

// The one host loop (STYLE.md A2, docs/raft.md): persist, send, apply,
// advance, in this order for every Ready (a leader may send first: below).
void Server::HandleReady(raft::Ready rd) {
  if (rd.soft_state) {
    UpdateRole(*rd.soft_state);
    CheckMove();
  }
  // Transport::Send gives no delivery report, so a snapshot counts as
  // sent once handed over (below): were it lost, the leader would
  // otherwise wait in StateSnapshot forever (found by the simulator, kv
  // workload); as it is, the follower's next answer shows whether it
  // arrived, and the leader probes or sends another.
  std::vector<uint64_t> snapshots_to;
  std::optional<raft::Snapshot> sendable;
  raft::Message* last_snap = nullptr;
  for (raft::Message& m : rd.messages) {
    if (m.type != raft::MessageType::kSnap) continue;
    snapshots_to.push_back(m.to);
    if (!sendable) sendable = SendableSnapshot();
    if (last_snap != nullptr) last_snap->snapshot = *sendable;
    last_snap = &m;
  }
  // The dump can be the whole keyspace: the last message takes it, the
  // others (one Ready rarely holds two) get copies.
  if (last_snap != nullptr) last_snap->snapshot = std::move(*sendable);
  const raft::Snapshot* snap = rd.snapshot ? &*rd.snapshot : nullptr;
  const raft::HardState* hs = rd.hard_state ? &*rd.hard_state : nullptr;
  // (2 before 1) A leader sends first and writes its log while the
  // followers write theirs (dissertation 10.2.1; etcd does the same). Its
  // messages then promise nothing of this Ready's writes: it was leader
  // before this Ready (its term and vote were durable when it won), the
  // commit index it sends does not cover the entries being written (a
  // lone voter commits its own entries at once), and no answer is
  // counted before this loop returns, after the write.
  const bool send_first = is_leader() && !rd.soft_state &&
                          !rd.messages.empty() && snap == nullptr &&
                          (hs == nullptr || rd.entries.empty() ||
                           hs->commit < rd.entries.front().index);
  if (send_first) transport_.Send(std::move(rd.messages));
  // (3 before 1) Committed entries that an earlier Ready made durable here
  // are applied, and answered, before this Ready's writes and their sync:
  // nothing they answer waits on those writes. The rule recovery relies on
  // (RaiseCommitToApplied: an applied entry is in the durable log) holds,
  // as the entries being written all come after them. A snapshot
  // received or about to be taken (a membership change, snapshot-count),
  // or entries committed in the Ready that writes them (a lone voter, a
  // follower told the commit with the entries), keep the order.
  const bool apply_first =
      snap == nullptr && !rd.committed_entries.empty() &&
      (rd.entries.empty() ||
       rd.committed_entries.back().index < rd.entries.front().index) &&
      !SnapshotFollows(rd.committed_entries);
  if (apply_first) {
    ApplyEntries(rd.committed_entries);
    if (answers_ready_ && !responses_.empty() &&
        (hs != nullptr || !rd.entries.empty())) {
      answers_ready_();
    }
  }
  // (1) Persist. A follower's messages may promise these bytes (votes,
  // append acks), so they must be durable before it sends; failure is
  // fatal.
  if (snap != nullptr || hs != nullptr || !rd.entries.empty()) {
    Status s = log_store_.Save(hs, rd.entries, snap, rd.must_sync);
    CAIRN_CHECK(s.ok(), "raft log save failed: %s", s.ToString().c_str());
  }
  NoteProposed(rd.entries);
  // (2) Send.
  if (!send_first && !rd.messages.empty()) {
    transport_.Send(std::move(rd.messages));
  }
  // (3) Apply: a snapshot replaces the whole state, then the committed
  // entries follow it; one backend batch records it all.
  if (snap != nullptr) InstallSnapshot(*snap);
  if (!apply_first && !rd.committed_entries.empty()) {
    ApplyEntries(rd.committed_entries);
  }
  // This member's disk alarm applied: once disarmed while still short,
  // the next Tick raises it again at once.
  if (next_disk_alarm_ms_ != 0 && sm_->HasNoSpaceAlarm(config_.member_id)) {
    next_disk_alarm_ms_ = 0;
  }
  OnReadStates(rd.read_states);
  ServeReadyReads();
  // (4) Advance.
  raw_->Advance();
  for (uint64_t to : snapshots_to) {
    raw_->ReportSnapshot(to, raft::SnapshotStatus::kFinish);
  }
  MaybePromoteLessor();
  sm_->hub().Sync();
  MaybeSendReadIndex();
}

bool Server::SnapshotFollows(const std::vector<raft::Entry>& committed) const {
  for (const raft::Entry& e : committed) {
    if (e.type == raft::EntryType::kConfChange) return true;
  }
  return SnapshotDueAt(committed.back().index);
}

void Server::UpdateRole(const raft::SoftState& ss) {
  const bool was_leader = is_leader();
  if (ss.lead != lead_) {
    Log(StrFormat("leader is now %llx", U(ss.lead)));
  }
  lead_ = ss.lead;
  role_ = ss.state;
  if (is_leader() && !was_leader) {
    // The leader's first entry of its term is its last entry now.
    promote_at_index_ = raw_->raft().log().LastIndex();
  }
  if (!is_leader() && sm_->lessor().is_primary()) sm_->lessor().Demote();
}

void Server::Respond(uint64_t token, Result<Response> result) {
  if (result.ok()) result = AddHeader(std::move(result).value());
  responses_.push_back(ClientResponse{token, std::move(result)});
}

std::vector<ClientResponse> Server::TakeResponses() {
  return std::exchange(responses_, {});
}

void Server::Log(const std::string& line) {
  logger_.Log(StrFormat("[%llx] ", U(config_.member_id)) + line);
}

raft::Term Server::term() const { return raw_->raft().term(); }

api::ResponseHeader Server::Header() const {
  return api::ResponseHeader{.cluster_id = config_.cluster_id,
                             .member_id = config_.member_id,
                             .revision = sm_->kv().rev(),
                             .raft_term = term()};
}

uint32_t Server::KvHash() const {
  Result<mvcc::HashKVResponse> h = sm_->kv().HashKV(0);
  CAIRN_CHECK(h.ok(), "hash: %s", h.status().ToString().c_str());
  return h.value().hash;
}

size_t Server::pending_count() const {
  size_t n = writes_.size() + reads_queued_.size();
  if (read_in_flight_) n += read_in_flight_->reads.size();
  for (const ReadyRead& r : reads_ready_) n += r.reads.size();
  return n + (move_ ? 1 : 0);
}

void Server::Submit(uint64_t token, Request request,
                    const auth::Credentials& creds) {
  if (removed_) return Respond(token, ErrStopped());
  if (pending_count() >= config_.max_pending_requests) {
    return Respond(token, ErrTooManyRequests());
  }
  // The requests etcd answers without looking at the token.
  const bool no_auth =
      std::holds_alternative<api::LeaseKeepAliveRequest>(request) ||
      std::holds_alternative<api::LeaseTimeToLiveRequest>(request) ||
      std::holds_alternative<api::LeaseLeasesRequest>(request) ||
      std::holds_alternative<api::MemberListRequest>(request) ||
      std::holds_alternative<api::StatusRequest>(request) ||
      std::holds_alternative<api::MoveLeaderRequest>(request);
  std::optional<auth::AuthInfo> who;
  if (!no_auth) {
    if (std::holds_alternative<api::HashKVRequest>(request)) {
      if (Status s = CheckMaintenance(creds); !s.ok()) {
        return Respond(token, s);
      }
    }
    Result<std::optional<auth::AuthInfo>> r = ResolveAuth(creds);
    if (!r.ok()) {
      // The alarm call is the maintenance service's: etcd reports a bad
      // token there in the auth package's words.
      const bool alarm = std::holds_alternative<api::AlarmRequest>(request);
      return Respond(token,
                     alarm ? AsMaintenanceError(r.status()) : r.status());
    }
    who = std::move(r).value();
  }
  if (std::holds_alternative<api::MemberAddRequest>(request) ||
      std::holds_alternative<api::MemberRemoveRequest>(request) ||
      std::holds_alternative<api::MemberPromoteRequest>(request) ||
      std::holds_alternative<api::MemberUpdateRequest>(request)) {
    // etcd's checkMembershipOperationPermission: role root only.
    if (who.has_value()) {
      if (Status s = sm_->auth().CheckAdmin(*who); !s.ok()) {
        return Respond(token, s);
      }
    }
    if (!std::holds_alternative<api::MemberUpdateRequest>(request)) {
      return SubmitMemberChange(token, request);
    }
  }
  if (IsAuthRequest(request)) {
    return SubmitAuth(token, std::move(request), std::move(who));
  }
  if (IsWrite(request)) return SubmitWrite(token, request, std::move(who));
  if (const auto* k = std::get_if<api::LeaseKeepAliveRequest>(&request)) {
    return SubmitKeepAlive(token, *k);
  }
  if (const auto* t = std::get_if<api::LeaseTimeToLiveRequest>(&request)) {
    return SubmitTimeToLive(token, *t);
  }
  if (const auto* m = std::get_if<api::MoveLeaderRequest>(&request)) {
    return SubmitMoveLeader(token, *m);
  }
  SubmitRead(token, request, std::move(who));
}

}  // namespace cairn::server
