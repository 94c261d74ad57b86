#include "core/server/state_machine.h"

#include <algorithm>

#include "core/auth/password_hasher.h"
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

bool NeedsSpace(const WriteRequest& req) {
  if (const auto* t = std::get_if<mvcc::TxnRequest>(&req)) {
    return TxnHasPut(*t);
  }
  return std::holds_alternative<mvcc::PutRequest>(req) ||
         std::holds_alternative<api::LeaseGrantRequest>(req);
}

Result<Response> StateMachine::ApplyWrite(
    const WriteRequest& req, const std::optional<auth::AuthInfo>& auth,
    raft::Index index, int64_t now_ms) {
  if (const auto* a = std::get_if<AuthWriteRequest>(&req)) {
    return ApplyAuth(*a, auth, index);
  }
  if (auth.has_value()) {
    if (Status s = CheckWriteAuth(req, *auth); !s.ok()) return s;
  }
  if (NoSpace() && NeedsSpace(req)) return ErrNoSpace();
  if (const auto* p = std::get_if<mvcc::PutRequest>(&req)) {
    return ApplyPut(*p);
  }
  if (const auto* d = std::get_if<mvcc::DeleteRangeRequest>(&req)) {
    return ApplyDelete(*d);
  }
  if (const auto* t = std::get_if<mvcc::TxnRequest>(&req)) {
    return ApplyTxn(*t);
  }
  if (const auto* c = std::get_if<mvcc::CompactionRequest>(&req)) {
    Result<mvcc::CompactionResponse> r = kv_->Compact(*c);
    if (!r.ok()) return r.status();
    return Response(r.value());
  }
  if (const auto* g = std::get_if<api::LeaseGrantRequest>(&req)) {
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

// ---- Auth ----------------------------------------------------------------

namespace {

using PermType = api::Permission::Type;

}  // namespace

Status StateMachine::CheckLeaseKeys(int64_t lease,
                                    const auth::AuthInfo& info) const {
  // etcd's checkLeasePuts: whoever revokes a lease (or attaches a key to
  // it) must be able to write every key on it.
  const lease::Lease* l = lessor_->Find(lease);
  if (l == nullptr) return Status::Ok();
  for (const std::string& key : l->keys) {
    Status s = auth_.CheckPermitted(info, key, "", PermType::kWrite);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status StateMachine::CheckTxnAuth(const mvcc::TxnRequest& txn,
                                  const auth::AuthInfo& info) const {
  for (const mvcc::Compare& c : txn.compare) {
    Status s = auth_.CheckPermitted(info, c.key, c.range_end, PermType::kRead);
    if (!s.ok()) return s;
  }
  for (const auto* ops : {&txn.success, &txn.failure}) {
    for (const mvcc::RequestOp& op : *ops) {
      Status s;
      if (const auto* q = std::get_if<mvcc::RangeRequest>(&op.request)) {
        s = auth_.CheckPermitted(info, q->key, q->range_end, PermType::kRead);
      } else if (const auto* p = std::get_if<mvcc::PutRequest>(&op.request)) {
        s = auth_.CheckPermitted(info, p->key, "", PermType::kWrite);
      } else if (const auto* d =
                     std::get_if<mvcc::DeleteRangeRequest>(&op.request)) {
        if (d->prev_kv) {
          s = auth_.CheckPermitted(info, d->key, d->range_end, PermType::kRead);
        }
        if (s.ok()) {
          s = auth_.CheckPermitted(info, d->key, d->range_end,
                                   PermType::kWrite);
        }
      } else if (const auto* t = std::get_if<mvcc::TxnRequest>(&op.request)) {
        // etcd 3.4 leaves nested txns unchecked (a hole); cairn checks
        // them like the outer one.
        s = CheckTxnAuth(*t, info);
      }
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status StateMachine::CheckWriteAuth(const WriteRequest& req,
                                    const auth::AuthInfo& info) const {
  if (!auth_.enabled()) return Status::Ok();
  if (const auto* p = std::get_if<mvcc::PutRequest>(&req)) {
    Status s = auth_.CheckPermitted(info, p->key, "", PermType::kWrite);
    if (s.ok() && p->lease != 0) s = CheckLeaseKeys(p->lease, info);
    if (s.ok() && p->prev_kv) {
      s = auth_.CheckPermitted(info, p->key, "", PermType::kRead);
    }
    return s;
  }
  if (const auto* d = std::get_if<mvcc::DeleteRangeRequest>(&req)) {
    Status s =
        auth_.CheckPermitted(info, d->key, d->range_end, PermType::kWrite);
    if (s.ok() && d->prev_kv) {
      s = auth_.CheckPermitted(info, d->key, d->range_end, PermType::kRead);
    }
    return s;
  }
  if (const auto* t = std::get_if<mvcc::TxnRequest>(&req)) {
    return CheckTxnAuth(*t, info);
  }
  if (const auto* v = std::get_if<api::LeaseRevokeRequest>(&req)) {
    return CheckLeaseKeys(v->id, info);
  }
  // Compactions, lease grants and alarms are not checked in etcd 3.4;
  // member updates are checked before they are proposed.
  return Status::Ok();
}

Result<Response> StateMachine::ApplyAuth(
    const AuthWriteRequest& req, const std::optional<auth::AuthInfo>& info,
    raft::Index index) {
  const auth::AuthInfo who = info.value_or(auth::AuthInfo{});
  const AuthOp& op = req.op;
  if (const auto* a = std::get_if<AuthenticateOp>(&op)) {
    if (!auth_.enabled()) return auth::ErrAuthNotEnabled();
    const auth::User* u = auth_.FindUser(a->name);
    // The hash the edge verified must still be the user's.
    if (u == nullptr || u->no_password ||
        !auth::ConstantTimeEqual(u->password_hash, a->verified_hash)) {
      return auth::ErrAuthFailed();
    }
    return Response(api::AuthenticateResponse{.token = a->token_prefix + "." +
                                                       std::to_string(index)});
  }
  // Admin calls need role root; a user may read itself and its roles.
  Status admin = auth_.CheckAdmin(who);
  if (!admin.ok()) {
    const auth::User* self = auth_.FindUser(who.user);
    bool own = false;
    if (const auto* g1 = std::get_if<api::AuthUserGetRequest>(&op)) {
      own = self != nullptr && g1->name == who.user;
    } else if (const auto* g2 = std::get_if<api::AuthRoleGetRequest>(&op)) {
      own = self != nullptr && std::binary_search(self->roles.begin(),
                                                  self->roles.end(), g2->role);
    }
    if (!own) return admin;
  }
  Status s;
  if (std::holds_alternative<api::AuthEnableRequest>(op)) {
    s = auth_.Enable();
  } else if (std::holds_alternative<api::AuthDisableRequest>(op)) {
    s = auth_.Disable();
  } else if (const auto* o3 = std::get_if<api::AuthUserAddRequest>(&op)) {
    s = auth_.UserAdd(o3->name, o3->hashed_password, o3->no_password);
  } else if (const auto* o4 = std::get_if<api::AuthUserGetRequest>(&op)) {
    const auth::User* u = auth_.FindUser(o4->name);
    if (u == nullptr) return auth::ErrUserNotFound();
    return Response(api::AuthUserGetResponse{.roles = u->roles});
  } else if (std::holds_alternative<api::AuthUserListRequest>(op)) {
    return Response(api::AuthUserListResponse{.users = auth_.UserNames()});
  } else if (const auto* o5 = std::get_if<api::AuthUserDeleteRequest>(&op)) {
    s = auth_.UserDelete(o5->name);
  } else if (const auto* o6 =
                 std::get_if<api::AuthUserChangePasswordRequest>(&op)) {
    s = auth_.UserChangePassword(o6->name, o6->hashed_password);
  } else if (const auto* o7 = std::get_if<api::AuthUserGrantRoleRequest>(&op)) {
    s = auth_.UserGrantRole(o7->user, o7->role);
  } else if (const auto* o8 =
                 std::get_if<api::AuthUserRevokeRoleRequest>(&op)) {
    s = auth_.UserRevokeRole(o8->name, o8->role);
  } else if (const auto* o9 = std::get_if<api::AuthRoleAddRequest>(&op)) {
    s = auth_.RoleAdd(o9->name);
  } else if (const auto* o10 = std::get_if<api::AuthRoleGetRequest>(&op)) {
    const auth::Role* r = auth_.FindRole(o10->role);
    if (r == nullptr) return auth::ErrRoleNotFound();
    return Response(api::AuthRoleGetResponse{.perm = r->perms});
  } else if (std::holds_alternative<api::AuthRoleListRequest>(op)) {
    return Response(api::AuthRoleListResponse{.roles = auth_.RoleNames()});
  } else if (const auto* o11 = std::get_if<api::AuthRoleDeleteRequest>(&op)) {
    s = auth_.RoleDelete(o11->role);
  } else if (const auto* o12 =
                 std::get_if<api::AuthRoleGrantPermissionRequest>(&op)) {
    s = auth_.RoleGrantPermission(o12->name, o12->perm);
  } else {
    const auto& rv = std::get<api::AuthRoleRevokePermissionRequest>(op);
    s = auth_.RoleRevokePermission(rv.role, rv.key, rv.range_end);
  }
  if (!s.ok()) return s;
  return Response(api::AuthResponse{});
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
