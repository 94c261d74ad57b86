// StateMachine: the replicated state of one member, changed only by
// applying committed Raft entries in log order: the keyspace (KvStore), the
// leases (Lessor), the cluster membership, the alarms and the applied
// index/term. Applying the same entries to two StateMachines gives the same
// responses and the same state on both (etcd's applierV3 plus
// RaftCluster).
//
// It also owns the WatchHub that serves watches on its keyspace, since
// every applied write must notify it.
//
// Persistence: the state lives in a storage::Backend too. The keyspace and
// the leases use the layouts of mvcc/kv_persist.h and
// lease/lessor_persist.h; this class owns the rest (docs/server.md):
//
//   meta/applied             u64 LE applied index, u64 LE applied term
//   cluster/member/<id BE>   EncodeMember (entry_codec.h)
//   cluster/removed/<id BE>  "" (ids that may never return, as etcd's)
//   cluster/alarm/<id BE><type u8>  ""
//   cluster/session/<id BE>  the proposals applied (proposal_windows.h)
//   auth/...                 the auth store (core/auth/auth_store.h)
//
// WriteChanges adds everything changed since the last call to a batch;
// Load rebuilds an equal StateMachine from a backend.
//
// Pure core: single-threaded, no clocks (now_ms is passed in and affects
// only the primary lessor's local expiry times), no randomness, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/api/cluster_types.h"
#include "core/auth/auth_store.h"
#include "core/lease/lessor.h"
#include "core/mvcc/kv_store.h"
#include "core/mvcc/watch_hub.h"
#include "core/raft/types.h"
#include "core/server/entry_codec.h"
#include "core/server/proposal_windows.h"
#include "core/server/request.h"
#include "core/storage/backend.h"
#include "core/util/result.h"

namespace cairn::server {

struct StateMachineOptions {
  lease::Config lessor;
  mvcc::WatchHubOptions watch;
  // TEST ONLY (server::Config::SimBugs::lease_revoke_keeps_keys): a lease
  // revoke deletes all but the last of its keys, which stays attached to
  // a lease that no longer exists.
  bool sim_revoke_keeps_key = false;
};

// Whether `req` may add to the keyspace: a put, a txn with a put on some
// branch (nested ones included), a lease grant. These are refused with
// ErrNoSpace while a NOSPACE alarm is active (etcd's capped applier);
// deletes, compactions, revokes, alarms and the rest still go through so
// that space can be freed.
bool NeedsSpace(const WriteRequest& req);

class StateMachine {
 public:
  // An empty state (applied index 0) tracking its changes.
  explicit StateMachine(const StateMachineOptions& options);
  // The state stored in `backend` (empty if the backend is). Errors:
  // kCorruption for damaged or inconsistent records; kIOError.
  static Result<std::unique_ptr<StateMachine>> Load(
      const StateMachineOptions& options, const storage::Backend& backend);
  StateMachine(const StateMachine&) = delete;
  StateMachine& operator=(const StateMachine&) = delete;

  // ---- Apply path (every member, log order) ----------------------------

  // Applies one write request. Errors are the request's own (etcd's
  // texts): the keyspace's, ErrLeaseNotFound for a put naming a missing
  // lease, ErrNoSpace while a NOSPACE alarm is active (puts, txns with
  // puts, lease grants), ErrMemberNotFound for an update of an unknown
  // member. A failed request changes nothing.
  Result<Response> ApplyWrite(const WriteRequest& req, int64_t now_ms) {
    return ApplyWrite(req, std::nullopt, applied_index_ + 1, now_ms);
  }
  // The same for a request sent by `auth` (a client's; nullopt for the
  // server's own, which are never checked) in the entry at `index`. With
  // auth enabled the request is checked first, as etcd's authApplierV3
  // does: puts, deletes and txns against the user's key permissions
  // (every compare and op, nested txns included), a lease revoke against
  // WRITE on every key of the lease, auth calls against role root (a
  // user may get itself and its roles). Errors then: ErrUserEmpty (no
  // token), ErrAuthOldRevision, ErrPermissionDenied, ErrUserNotFound.
  Result<Response> ApplyWrite(const WriteRequest& req,
                              const std::optional<auth::AuthInfo>& auth,
                              raft::Index index, int64_t now_ms);

  // Whether a member change is valid against the current membership:
  // ErrMemberExist / ErrPeerUrlExist for an add of a known id or URL (or
  // of a removed id), ErrMemberNotFound for remove/promote of an unknown
  // id, ErrMemberNotLearner for a promote of a voter, ErrUnhealthy for a
  // change that would leave no voter.
  Status CheckMemberChange(const MemberChange& change) const;
  // Records a valid member change (CheckMemberChange passed).
  void ApplyMemberChange(const MemberChange& change);

  // Whether request `id` of proposer `session` in the entry at `index` is
  // new (and records it), a repeat of one already applied, or too old to
  // tell (ProposalWindows). REQUIRES: session != 0.
  ProposalWindows::Verdict AdmitProposal(uint64_t session, uint64_t id,
                                         raft::Index index) {
    return proposals_.Admit(session, id, index);
  }

  void SetApplied(raft::Index index, raft::Term term) {
    applied_index_ = index;
    applied_term_ = term;
  }

  // Adds every change since the last call (keyspace, leases, membership,
  // alarms, proposal windows) and the applied index to `batch`.
  void WriteChanges(storage::WriteBatch& batch);

  // ---- Reads (local) ----------------------------------------------------

  Result<mvcc::RangeResponse> Range(const mvcc::RangeRequest& req) const {
    return kv_->Range(req);
  }
  // Members by id.
  std::vector<api::Member> Members() const;
  const api::Member* FindMember(uint64_t id) const;
  bool WasRemoved(uint64_t id) const { return removed_ids_.count(id) != 0; }
  // Alarms matching a get request (member 0 / alarm kNone match all).
  std::vector<api::AlarmMember> Alarms(const api::AlarmRequest& req) const;
  bool NoSpace() const;
  // Whether this member's NOSPACE alarm is active.
  bool HasNoSpaceAlarm(uint64_t member_id) const {
    return alarms_.count({member_id, api::AlarmType::kNoSpace}) != 0;
  }
  // The raft ConfState this membership implies (voters and learners).
  raft::ConfState ConfState() const;

  raft::Index applied_index() const { return applied_index_; }
  raft::Term applied_term() const { return applied_term_; }
  mvcc::KvStore& kv() { return *kv_; }
  const mvcc::KvStore& kv() const { return *kv_; }
  lease::Lessor& lessor() { return *lessor_; }
  const lease::Lessor& lessor() const { return *lessor_; }
  mvcc::WatchHub& hub() { return *hub_; }
  const auth::AuthStore& auth() const { return auth_; }

  // Adds a founding member (bootstrap only).
  void AddInitialMember(const api::Member& m);

 private:
  Result<Response> ApplyPut(const mvcc::PutRequest& req);
  Result<Response> ApplyDelete(const mvcc::DeleteRangeRequest& req);
  Result<Response> ApplyTxn(const mvcc::TxnRequest& req);
  Result<Response> ApplyGrant(const api::LeaseGrantRequest& req,
                              int64_t now_ms);
  Result<Response> ApplyRevoke(const api::LeaseRevokeRequest& req);
  Result<Response> ApplyAlarm(const api::AlarmRequest& req);
  Result<Response> ApplyMemberUpdate(const api::MemberUpdateRequest& req);
  Result<Response> ApplyMemberAttributes(const MemberAttributesRequest& req);
  Result<Response> ApplyAuth(const AuthWriteRequest& req,
                             const std::optional<auth::AuthInfo>& info,
                             raft::Index index);
  Status CheckWriteAuth(const WriteRequest& req,
                        const auth::AuthInfo& info) const;
  Status CheckTxnAuth(const mvcc::TxnRequest& txn,
                      const auth::AuthInfo& info) const;
  Status CheckLeaseKeys(int64_t lease, const auth::AuthInfo& info) const;
  // Keeps the lessor's key attachments in step with a write's events and
  // hands the events to the watch hub.
  void Publish(const std::vector<mvcc::Event>& events);
  // Backend ops for membership and alarm changes, queued for WriteChanges.
  void StoreMember(const api::Member& m);
  void QueueOp(std::string key, std::optional<std::string> value);
  Status LoadCluster(const storage::Backend& backend);
  // The KvStore options, with the lease check bound to this object.
  mvcc::KvStoreOptions KvOptions();

  StateMachineOptions options_;
  std::unique_ptr<lease::Lessor> lessor_;
  std::unique_ptr<mvcc::KvStore> kv_;
  std::unique_ptr<mvcc::WatchHub> hub_;
  std::map<uint64_t, api::Member> members_;
  std::set<uint64_t> removed_ids_;
  std::set<std::pair<uint64_t, api::AlarmType>> alarms_;
  auth::AuthStore auth_;
  ProposalWindows proposals_;
  raft::Index applied_index_ = 0;
  raft::Term applied_term_ = 0;
  std::vector<storage::WriteBatch::Op> cluster_ops_;
};

}  // namespace cairn::server
