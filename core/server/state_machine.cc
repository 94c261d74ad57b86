#include "core/server/state_machine.h"

#include <algorithm>

#include "core/server/backend_layout.h"

namespace cairn::server {

namespace {

// Whether a txn could write a key on some branch: etcd's capped applier
// refuses such txns while NOSPACE is raised (deletes alone are allowed so
// that space can be freed).
bool TxnHasPut(const mvcc::TxnRequest& t) {
  for (const auto* ops : {&t.success, &t.failure}) {
    for (const mvcc::RequestOp& op : *ops) {
      if (std::holds_alternative<mvcc::PutRequest>(op.request)) return true;
      const auto* inner = std::get_if<mvcc::TxnRequest>(&op.request);
      if (inner != nullptr && TxnHasPut(*inner)) return true;
    }
  }
  return false;
}

}  // namespace

Result<Response> StateMachine::ApplyWrite(const WriteRequest& req,
                                          int64_t now_ms) {
  if (const auto* p = std::get_if<mvcc::PutRequest>(&req)) {
    if (NoSpace()) return ErrNoSpace();
    return ApplyPut(*p);
  }
  if (const auto* d = std::get_if<mvcc::DeleteRangeRequest>(&req)) {
    return ApplyDelete(*d);
  }
  if (const auto* t = std::get_if<mvcc::TxnRequest>(&req)) {
    if (NoSpace() && TxnHasPut(*t)) return ErrNoSpace();
    return ApplyTxn(*t);
  }
  if (const auto* c = std::get_if<mvcc::CompactionRequest>(&req)) {
    Result<mvcc::CompactionResponse> r = kv_->Compact(*c);
    if (!r.ok()) return r.status();
    return Response(r.value());
  }
  if (const auto* g = std::get_if<api::LeaseGrantRequest>(&req)) {
    if (NoSpace()) return ErrNoSpace();
    return ApplyGrant(*g, now_ms);
  }
  if (const auto* v = std::get_if<api::LeaseRevokeRequest>(&req)) {
    return ApplyRevoke(*v);
  }
  if (const auto* cp = std::get_if<LeaseCheckpointRequest>(&req)) {
    for (const lease::Checkpoint& c : cp->checkpoints) {
      lessor_->ApplyCheckpoint(c, now_ms);
    }
    // Nobody waits for a checkpoint; the response is never delivered.
    return Response(api::LeaseRevokeResponse{});
  }
  if (const auto* a = std::get_if<api::AlarmRequest>(&req)) {
    return ApplyAlarm(*a);
  }
  if (const auto* a = std::get_if<MemberAttributesRequest>(&req)) {
    return ApplyMemberAttributes(*a);
  }
  return ApplyMemberUpdate(std::get<api::MemberUpdateRequest>(req));
}

Result<Response> StateMachine::ApplyPut(const mvcc::PutRequest& req) {
  Result<mvcc::PutResult> r = kv_->Put(req);
  if (!r.ok()) return r.status();
  Publish(r.value().events);
  return Response(r.value().response);
}

Result<Response> StateMachine::ApplyDelete(
    const mvcc::DeleteRangeRequest& req) {
  Result<mvcc::DeleteRangeResult> r = kv_->DeleteRange(req);
  if (!r.ok()) return r.status();
  Publish(r.value().events);
  return Response(r.value().response);
}

Result<Response> StateMachine::ApplyTxn(const mvcc::TxnRequest& req) {
  Result<mvcc::TxnResult> r = kv_->Txn(req);
  if (!r.ok()) return r.status();
  Publish(r.value().events);
  return Response(r.value().response);
}

Result<Response> StateMachine::ApplyGrant(const api::LeaseGrantRequest& req,
                                          int64_t now_ms) {
  Result<lease::GrantResult> r = lessor_->Grant(req.id, req.ttl, now_ms);
  if (!r.ok()) return r.status();
  api::LeaseGrantResponse resp;
  resp.header.revision = kv_->rev();
  resp.id = r.value().id;
  resp.ttl = r.value().ttl_s;
  return Response(resp);
}

Result<Response> StateMachine::ApplyRevoke(const api::LeaseRevokeRequest& req) {
  Result<std::vector<std::string>> keys = lessor_->Revoke(req.id);
  if (!keys.ok()) return keys.status();
  if (options_.sim_revoke_keeps_key && !keys.value().empty()) {
    keys.value().pop_back();
  }
  if (!keys.value().empty()) {
    // Every key of the lease goes in ONE revision (etcd's lessor revokes
    // through one write txn), so a watcher sees the revoke atomically.
    mvcc::TxnRequest txn;
    for (const std::string& key : keys.value()) {
      txn.success.push_back({mvcc::DeleteRangeRequest{.key = key}});
    }
    Result<mvcc::TxnResult> r = kv_->Txn(txn);
    // Deleting existing keys cannot fail, whatever their number: the
    // store has no op limit (the server checks client txns against
    // max_txn_ops before proposing them).
    CAIRN_CHECK(r.ok(), "lease %lld revoke: %s", (long long)req.id,
                r.status().ToString().c_str());
    Publish(r.value().events);
  }
  api::LeaseRevokeResponse resp;
  resp.header.revision = kv_->rev();
  return Response(resp);
}

Result<Response> StateMachine::ApplyAlarm(const api::AlarmRequest& req) {
  api::AlarmResponse resp;
  const std::pair<uint64_t, api::AlarmType> a{req.member_id, req.alarm};
  if (req.action == api::AlarmRequest::Action::kActivate) {
    // etcd answers an activation with the alarm it raised (nothing when
    // it was already raised).
    if (req.alarm != api::AlarmType::kNone && alarms_.insert(a).second) {
      resp.alarms.push_back({req.member_id, req.alarm});
      QueueOp(AlarmKey(req.member_id, req.alarm), "");
    }
  } else if (req.action == api::AlarmRequest::Action::kDeactivate) {
    if (alarms_.erase(a) > 0) {
      resp.alarms.push_back({req.member_id, req.alarm});
      QueueOp(AlarmKey(req.member_id, req.alarm), std::nullopt);
    }
  } else {
    resp.alarms = Alarms(req);
  }
  return Response(resp);
}

Result<Response> StateMachine::ApplyMemberUpdate(
    const api::MemberUpdateRequest& req) {
  auto it = members_.find(req.id);
  if (it == members_.end()) return ErrMemberNotFound();
  it->second.peer_urls = req.peer_urls;
  StoreMember(it->second);
  api::MemberUpdateResponse resp;
  resp.members = Members();
  return Response(resp);
}

Result<Response> StateMachine::ApplyMemberAttributes(
    const MemberAttributesRequest& req) {
  // A member removed meanwhile publishes nothing (etcd ignores it too).
  auto it = members_.find(req.id);
  if (it == members_.end()) return ErrMemberNotFound();
  it->second.name = req.name;
  it->second.client_urls = req.client_urls;
  StoreMember(it->second);
  return Response(api::MemberUpdateResponse{.members = Members()});
}

void StateMachine::Publish(const std::vector<mvcc::Event>& events) {
  if (events.empty()) return;
  for (const mvcc::Event& ev : events) {
    const int64_t old_lease = ev.prev_kv ? ev.prev_kv->lease : 0;
    const int64_t new_lease =
        ev.type == mvcc::Event::Type::kPut ? ev.kv.lease : 0;
    if (old_lease != 0 && old_lease != new_lease) {
      // The lease may be gone already (revoke deletes its own keys); a
      // detach from a missing lease has nothing to undo.
      (void)lessor_->Detach(old_lease, ev.kv.key);
    }
    if (new_lease != 0) {
      // KvStore checked lease_exists before writing, so this holds.
      Status s = lessor_->Attach(new_lease, ev.kv.key);
      CAIRN_CHECK(s.ok(), "attach: %s", s.ToString().c_str());
    }
  }
  hub_->Notify(events);
}

Status StateMachine::CheckMemberChange(const MemberChange& change) const {
  const uint64_t id = change.member.id;
  const auto it = members_.find(id);
  switch (change.kind) {
    case MemberChange::Kind::kAdd:
      if (id == 0 || it != members_.end() || WasRemoved(id)) {
        return ErrMemberExist();
      }
      for (const auto& [mid, m] : members_) {
        for (const std::string& url : m.peer_urls) {
          const auto& urls = change.member.peer_urls;
          if (std::find(urls.begin(), urls.end(), url) != urls.end()) {
            return ErrPeerUrlExist();
          }
        }
      }
      return Status::Ok();
    case MemberChange::Kind::kRemove: {
      if (it == members_.end()) return ErrMemberNotFound();
      size_t voters = 0;
      for (const auto& [mid, m] : members_) voters += m.is_learner ? 0 : 1;
      if (!it->second.is_learner && voters <= 1) return ErrUnhealthy();
      return Status::Ok();
    }
    case MemberChange::Kind::kPromote:
      if (it == members_.end()) return ErrMemberNotFound();
      if (!it->second.is_learner) return ErrMemberNotLearner();
      return Status::Ok();
  }
  return ErrMemberNotFound();
}

void StateMachine::ApplyMemberChange(const MemberChange& change) {
  const uint64_t id = change.member.id;
  switch (change.kind) {
    case MemberChange::Kind::kAdd:
      members_[id] = change.member;
      StoreMember(change.member);
      return;
    case MemberChange::Kind::kRemove:
      members_.erase(id);
      removed_ids_.insert(id);
      QueueOp(MemberKey(id), std::nullopt);
      QueueOp(RemovedKey(id), "");
      return;
    case MemberChange::Kind::kPromote: {
      api::Member& m = members_.at(id);
      m.is_learner = false;
      StoreMember(m);
      return;
    }
  }
}

void StateMachine::AddInitialMember(const api::Member& m) {
  members_[m.id] = m;
  StoreMember(m);
}

void StateMachine::StoreMember(const api::Member& m) {
  QueueOp(MemberKey(m.id), EncodeMember(m));
}

void StateMachine::QueueOp(std::string key, std::optional<std::string> value) {
  cluster_ops_.push_back({std::move(key), std::move(value)});
}

std::vector<api::Member> StateMachine::Members() const {
  std::vector<api::Member> out;
  for (const auto& [id, m] : members_) out.push_back(m);
  return out;
}

const api::Member* StateMachine::FindMember(uint64_t id) const {
  auto it = members_.find(id);
  return it == members_.end() ? nullptr : &it->second;
}

std::vector<api::AlarmMember> StateMachine::Alarms(
    const api::AlarmRequest& req) const {
  std::vector<api::AlarmMember> out;
  for (const auto& [member, type] : alarms_) {
    if (req.member_id != 0 && req.member_id != member) continue;
    if (req.alarm != api::AlarmType::kNone && req.alarm != type) continue;
    out.push_back({member, type});
  }
  return out;
}

bool StateMachine::NoSpace() const {
  for (const auto& a : alarms_) {
    if (a.second == api::AlarmType::kNoSpace) return true;
  }
  return false;
}

raft::ConfState StateMachine::ConfState() const {
  raft::ConfState cs;
  for (const auto& [id, m] : members_) {
    (m.is_learner ? cs.learners : cs.voters).push_back(id);
  }
  return cs;
}

}  // namespace cairn::server
