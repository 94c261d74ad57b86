// Server: requests answered from local state, and linearizable reads.
//
// A linearizable read needs a ReadIndex round (Raft dissertation §6.4):
// the leader confirms it still leads and names its commit index; the read
// is served once this member has applied up to that index. Reads are
// batched: every read that arrives while a round is in flight waits for
// the NEXT round (the in-flight one may have fixed its index before the
// read arrived, so it could miss a write that completed in between), and
// one round serves all of them, as etcd's linearizableReadLoop does.
//
//   queued --(round sent)--> in flight --(ReadState)--> ready
//   ready --(applied >= index)--> answered

#include <utility>

#include "core/mvcc/request_check.h"
#include "core/server/server.h"
#include "core/util/coding.h"
#include "core/util/strings.h"

namespace cairn::server {

void Server::SubmitRead(uint64_t token, const Request& request,
                        std::optional<auth::AuthInfo> auth) {
  if (const auto* q = std::get_if<mvcc::RangeRequest>(&request)) {
    if (Status s = mvcc::CheckRangeRequest(*q); !s.ok()) {
      return Respond(token, s);
    }
    if (q->serializable ||
        (config_.sim_bugs.follower_local_read && !is_leader())) {
      return ServeRange(PendingRead{
          .client_token = token, .request = *q, .auth = std::move(auth)});
    }
    return SubmitLinearizable(token, *q, std::move(auth));
  }
  if (std::holds_alternative<api::LeaseLeasesRequest>(request)) {
    // Served from the local lessor, as etcd 3.4 does.
    api::LeaseLeasesResponse resp;
    resp.leases = sm_->lessor().Leases();
    return Respond(token, Response(resp));
  }
  if (std::holds_alternative<api::MemberListRequest>(request)) {
    return Respond(
        token, Response(api::MemberListResponse{.members = sm_->Members()}));
  }
  if (const auto* a = std::get_if<api::AlarmRequest>(&request)) {
    return Respond(token,
                   Response(api::AlarmResponse{.alarms = sm_->Alarms(*a)}));
  }
  if (std::holds_alternative<api::StatusRequest>(request)) {
    return Respond(token, Response(MakeStatus()));
  }
  const auto& h = std::get<api::HashKVRequest>(request);
  Result<mvcc::HashKVResponse> r = sm_->kv().HashKV(h.revision);
  if (!r.ok()) return Respond(token, r.status());
  Respond(token, Response(r.value()));
}

void Server::SubmitLinearizable(uint64_t token, mvcc::RangeRequest req,
                                std::optional<auth::AuthInfo> auth) {
  reads_queued_.push_back(
      PendingRead{.client_token = token,
                  .deadline_ms = now_ms_ + config_.request_timeout_ms,
                  .request = std::move(req),
                  .auth = std::move(auth)});
  MaybeSendReadIndex();
}

void Server::MaybeSendReadIndex() {
  // A round that got no answer within an election timeout was dropped
  // (no leader, a leader change): send a fresh one for its reads.
  const int64_t retry_ms = config_.election_ticks * config_.tick_ms;
  if (read_in_flight_ && now_ms_ - read_in_flight_->sent_ms >= retry_ms) {
    std::vector<PendingRead>& old = read_in_flight_->reads;
    reads_queued_.insert(reads_queued_.begin(), old.begin(), old.end());
    read_in_flight_.reset();
  }
  if (read_in_flight_ || reads_queued_.empty()) return;
  std::string ctx;
  AppendFixed(ctx, ++next_read_ctx_, 8);
  read_in_flight_ = ReadBatch{.ctx = ctx,
                              .sent_ms = now_ms_,
                              .reads = std::exchange(reads_queued_, {})};
  raw_->ReadIndex(std::move(ctx));
}

void Server::OnReadStates(const std::vector<raft::ReadState>& states) {
  for (const raft::ReadState& rs : states) {
    if (!read_in_flight_ || rs.request_ctx != read_in_flight_->ctx) continue;
    reads_ready_.push_back(ReadyRead{
        .index = rs.index, .reads = std::move(read_in_flight_->reads)});
    read_in_flight_.reset();
  }
}

void Server::ServeReadyReads() {
  const raft::Index applied = sm_->applied_index();
  for (auto it = reads_ready_.begin(); it != reads_ready_.end();) {
    if (it->index > applied) {
      ++it;
      continue;
    }
    for (const PendingRead& r : it->reads) ServeRange(r);
    it = reads_ready_.erase(it);
  }
}

void Server::ServeRange(const PendingRead& read) {
  if (read.auth.has_value()) {
    // Checked against the auth store as of now: a token names its user,
    // whose permissions are read at the store's current revision.
    auth::AuthInfo who = *read.auth;
    if (who.revision != 0) who.revision = sm_->auth().revision();
    Status s = sm_->auth().CheckPermitted(who, read.request.key,
                                          read.request.range_end,
                                          api::Permission::Type::kRead);
    if (!s.ok()) return Respond(read.client_token, s);
  }
  Result<mvcc::RangeResponse> r = sm_->Range(read.request);
  if (!r.ok()) return Respond(read.client_token, r.status());
  Respond(read.client_token, Response(r.value()));
}

api::StatusResponse Server::MakeStatus() const {
  api::StatusResponse s;
  s.version = "3.4.23";
  s.db_size = static_cast<int64_t>(sm_->kv().SizeBytes());
  s.db_size_in_use = s.db_size;
  s.leader = lead_;
  const raft::RaftStatus rs = raw_->GetStatus();
  s.raft_index = rs.hard_state.commit;
  s.raft_term = rs.hard_state.term;
  s.raft_applied_index = sm_->applied_index();
  const api::Member* self = sm_->FindMember(config_.member_id);
  s.is_learner = self != nullptr && self->is_learner;
  // etcd lists "no leader" and every alarm, in proto text form.
  if (lead_ == 0) s.errors.push_back(ErrNoLeader().message());
  for (const api::AlarmMember& a : sm_->Alarms(api::AlarmRequest{})) {
    const char* name =
        a.alarm == api::AlarmType::kNoSpace ? "NOSPACE" : "CORRUPT";
    s.errors.push_back(StrFormat("memberID:%llu alarm:%s ",
                                 (unsigned long long)a.member_id, name));
  }
  return s;
}

// Answers ErrTimeout to every request whose deadline passed.
void Server::ExpireRequests() {
  for (auto it = writes_.begin(); it != writes_.end();) {
    if (it->second.deadline_ms > now_ms_) {
      ++it;
      continue;
    }
    Respond(it->second.client_token, ErrTimeout());
    it = writes_.erase(it);
  }
  auto expire = [this](std::vector<PendingRead>& reads) {
    std::vector<PendingRead> keep;
    for (PendingRead& r : reads) {
      if (r.deadline_ms > now_ms_) {
        keep.push_back(std::move(r));
      } else {
        Respond(r.client_token, ErrTimeout());
      }
    }
    reads = std::move(keep);
  };
  expire(reads_queued_);
  if (read_in_flight_) expire(read_in_flight_->reads);
  for (ReadyRead& r : reads_ready_) expire(r.reads);
  MaybeSendReadIndex();
}

}  // namespace cairn::server
