// StateMachine: construction, and its layout in the backend (the keyspace
// and leases through mvcc/kv_persist.h and lease/lessor_persist.h, the
// rest through backend_layout.h).

#include "core/lease/lessor_persist.h"
#include "core/mvcc/kv_persist.h"
#include "core/server/backend_layout.h"
#include "core/server/state_machine.h"

namespace cairn::server {

namespace {

lease::Config TrackedLessorConfig(lease::Config cfg) {
  cfg.track_changes = true;
  return cfg;
}

}  // namespace

mvcc::KvStoreOptions StateMachine::KvOptions() {
  // No op limit here: client txns are checked against max_txn_ops before
  // they are proposed, and a lease revoke deletes all of its keys, however
  // many, in one txn.
  return mvcc::KvStoreOptions{
      .max_txn_ops = SIZE_MAX,
      .lease_exists = [this](int64_t id) { return lessor_->Contains(id); },
      .track_changes = true};
}

StateMachine::StateMachine(const StateMachineOptions& options)
    : options_(options),
      lessor_(
          std::make_unique<lease::Lessor>(TrackedLessorConfig(options.lessor))),
      kv_(std::make_unique<mvcc::KvStore>(KvOptions())),
      hub_(std::make_unique<mvcc::WatchHub>(*kv_, options.watch)) {}

Result<std::unique_ptr<StateMachine>> StateMachine::Load(
    const StateMachineOptions& options, const storage::Backend& backend) {
  std::unique_ptr<StateMachine> sm(new StateMachine(options));
  Result<std::unique_ptr<mvcc::KvStore>> kv =
      mvcc::LoadKvStore(backend, sm->KvOptions());
  if (!kv.ok()) return kv.status();
  Result<std::unique_ptr<lease::Lessor>> lessor = lease::LoadLessor(
      backend, TrackedLessorConfig(options.lessor), *kv.value());
  if (!lessor.ok()) return lessor.status();
  // The hub reads the store: replace it together with the store.
  sm->hub_.reset();
  sm->kv_ = std::move(kv).value();
  sm->lessor_ = std::move(lessor).value();
  sm->hub_ = std::make_unique<mvcc::WatchHub>(*sm->kv_, options.watch);
  if (Status s = sm->LoadCluster(backend); !s.ok()) return s;
  Result<ProposalWindows> proposals = ProposalWindows::Load(backend);
  if (!proposals.ok()) return proposals.status();
  sm->proposals_ = std::move(proposals).value();
  Result<auth::AuthStore> auth = auth::AuthStore::Load(backend);
  if (!auth.ok()) return auth.status();
  sm->auth_ = std::move(auth).value();
  Result<std::string> applied = backend.Get(kAppliedKey);
  if (applied.ok()) {
    Result<std::pair<raft::Index, raft::Term>> a =
        DecodeApplied(applied.value());
    if (!a.ok()) return a.status();
    sm->SetApplied(a.value().first, a.value().second);
  } else if (applied.status().code() != Code::kNotFound) {
    return applied.status();
  }
  return sm;
}

Status StateMachine::LoadCluster(const storage::Backend& backend) {
  Status bad;
  Status s = backend.Scan(
      kMemberPrefix, PrefixEnd(kMemberPrefix),
      [&](std::string_view key, std::string_view value) {
        Result<uint64_t> id = IdOfKey(key, kMemberPrefix);
        Result<api::Member> m = DecodeMember(value);
        if (!id.ok() || !m.ok() || m.value().id != id.value()) {
          bad = Status::Corruption("server backend: bad member record");
          return false;
        }
        members_[id.value()] = m.value();
        return true;
      });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  s = backend.Scan(kRemovedPrefix, PrefixEnd(kRemovedPrefix),
                   [&](std::string_view key, std::string_view) {
                     Result<uint64_t> id = IdOfKey(key, kRemovedPrefix);
                     if (!id.ok()) bad = id.status();
                     if (id.ok()) removed_ids_.insert(id.value());
                     return id.ok();
                   });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  s = backend.Scan(kAlarmPrefix, PrefixEnd(kAlarmPrefix),
                   [&](std::string_view key, std::string_view) {
                     auto a = AlarmOfKey(key);
                     if (!a.ok()) bad = a.status();
                     if (a.ok()) alarms_.insert(a.value());
                     return a.ok();
                   });
  if (!s.ok()) return s;
  return bad;
}

void StateMachine::WriteChanges(storage::WriteBatch& batch) {
  mvcc::WriteKvChanges(kv_->TakeChanges(), batch);
  lease::WriteLessorChanges(*lessor_, lessor_->TakeChanges(), batch);
  for (storage::WriteBatch::Op& op : cluster_ops_) {
    if (op.value) {
      batch.Put(std::move(op.key), std::move(*op.value));
    } else {
      batch.Delete(std::move(op.key));
    }
  }
  cluster_ops_.clear();
  auth_.WriteChanges(batch);
  proposals_.WriteChanges(batch);
  batch.Put(std::string(kAppliedKey),
            EncodeApplied(applied_index_, applied_term_));
}

}  // namespace cairn::server
