// Server: the backend batch of each apply step, snapshots, bootstrap and
// recovery.
//
// Durability argument. The Raft log is synced before anything depends on
// it; the backend batch of an apply step may be unsynced, because a crash
// that loses it only moves the applied index back and the entries are
// applied again from the log (each batch is atomic and carries its applied
// index, so no entry is applied twice or skipped). The one thing that must
// not happen is compacting the log past entries whose effects are not
// durable in the backend: so a snapshot first commits the backend with
// sync, then saves the snapshot (which drops the log before it).
//
// A snapshot this member takes carries no data: its state is the backend,
// which is synced at or past it, so recovery never needs the data (etcd's
// Raft snapshots likewise leave the keyspace in its bolt file). Copying the
// keyspace into the log store every snapshot_count entries stalled the
// loop for seconds once it held a few hundred thousand keys, long enough
// to lose the leader (bench-state's fill of 1M keys). The data is made
// only when a snapshot is sent (SendableSnapshot). A received snapshot
// keeps its data in the log store until the backend holds it: a crash in
// between restores it from there.

#include <algorithm>
#include <string_view>
#include <utility>

#include "core/raft/describe.h"
#include "core/server/backend_layout.h"
#include "core/server/server.h"
#include "core/storage/backend_snapshot.h"
#include "core/util/check.h"
#include "core/util/strings.h"

namespace cairn::server {

namespace {

using U = unsigned long long;

StateMachineOptions SmOptions(const Config& c) {
  // Keep in step with SmOptions in server.cc.
  return StateMachineOptions{
      .lessor = c.lessor,
      .watch = c.watch,
      .sim_revoke_keeps_key = c.sim_bugs.lease_revoke_keeps_keys};
}

// Voters and learners as sets (raft does not promise an order).
bool SameMembers(raft::ConfState a, raft::ConfState b) {
  for (auto* cs : {&a, &b}) {
    std::sort(cs->voters.begin(), cs->voters.end());
    std::sort(cs->learners.begin(), cs->learners.end());
  }
  return a.voters == b.voters && a.learners == b.learners;
}

}  // namespace

void Server::Bootstrap() {
  Result<std::string> any = backend_.Get(kAppliedKey);
  CAIRN_CHECK(!any.ok(), "bootstrap over a used backend");
  // A backend made by `cairnctl snapshot restore` holds a keyspace, leases
  // and the new cluster's members: the cluster starts from them, and the
  // flags' founders are ignored, as etcd ignores --initial-cluster once
  // its data directory exists.
  Result<std::unique_ptr<StateMachine>> loaded =
      StateMachine::Load(SmOptions(config_), backend_);
  CAIRN_CHECK(loaded.ok(), "backend: %s", loaded.status().ToString().c_str());
  sm_ = std::move(loaded).value();
  if (!sm_->Members().empty()) {
    Log("bootstrapping from a restored snapshot");
  } else {
    for (const api::Member& m : config_.initial_members) {
      CAIRN_CHECK(m.id != 0, "initial member with id 0");
      api::Member voter = m;
      voter.is_learner = false;
      sm_->AddInitialMember(voter);
    }
  }
  CAIRN_CHECK(!sm_->Members().empty(), "bootstrap without members");
  // The founding membership is the state at index 1 (term 1), installed
  // as a snapshot so that every founder starts from the same log.
  sm_->SetApplied(1, 1);
  PersistApplied(/*sync=*/true);
  raft::Snapshot snap;
  snap.metadata.index = 1;
  snap.metadata.term = 1;
  snap.metadata.conf_state = sm_->ConfState();
  Result<std::string> data = storage::DumpBackend(backend_);
  CAIRN_CHECK(data.ok(), "dump: %s", data.status().ToString().c_str());
  snap.data = std::move(data).value();
  Status s = log_store_.Save(nullptr, {}, &snap, /*must_sync=*/true);
  CAIRN_CHECK(s.ok(), "bootstrap save: %s", s.ToString().c_str());
  snapshot_index_ = 1;
  conf_state_ = snap.metadata.conf_state;
  Log(StrFormat("bootstrapped cluster %llx with %zu members",
                U(config_.cluster_id), sm_->Members().size()));
  StartRaft(1);
}

bool Server::HoldsRestoredState() const {
  if (backend_.Get(kAppliedKey).ok()) return false;
  bool any = false;
  Status s = backend_.Scan(kMemberPrefix, PrefixEnd(kMemberPrefix),
                           [&](std::string_view, std::string_view) {
                             any = true;
                             return false;
                           });
  CAIRN_CHECK(s.ok(), "backend: %s", s.ToString().c_str());
  return any;
}

void Server::Recover() {
  Result<std::unique_ptr<StateMachine>> sm =
      StateMachine::Load(SmOptions(config_), backend_);
  CAIRN_CHECK(sm.ok(), "backend: %s", sm.status().ToString().c_str());
  sm_ = std::move(sm).value();
  Result<raft::Snapshot> snap = log_store_.GetSnapshot();
  CAIRN_CHECK(snap.ok(), "log snapshot: %s", snap.status().ToString().c_str());
  snapshot_index_ = snap.value().metadata.index;
  conf_state_ = snap.value().metadata.conf_state;
  if (snapshot_index_ > sm_->applied_index()) {
    // The member crashed after saving a received snapshot and before its
    // backend held it: the log before the snapshot is gone, so the state
    // comes from the snapshot (etcd opens the snapshot's db likewise).
    Log(StrFormat("backend at %llu behind snapshot %llu: restoring it",
                  U(sm_->applied_index()), U(snapshot_index_)));
    InstallSnapshot(snap.value());
  } else if (sm_->applied_index() > snapshot_index_ &&
             !SameMembers(sm_->ConfState(), conf_state_)) {
    // A membership change was applied and persisted, but the crash came
    // before its snapshot: Raft would restart with the old membership and
    // never see the change again. Take that snapshot now.
    Snapshot();
    conf_state_ = sm_->ConfState();
  }
  const api::Member* self = sm_->FindMember(config_.member_id);
  removed_ = self == nullptr && sm_->WasRemoved(config_.member_id);
  RaiseCommitToApplied();
  Log(StrFormat("recovered at applied index %llu (snapshot %llu)",
                U(sm_->applied_index()), U(snapshot_index_)));
  StartRaft(sm_->applied_index());
}

// The commit index reaches the log in Saves without sync (only entries and
// votes need one), while the backend batch of the entries then applied may
// survive a crash that loses that Save: the log and the backend are flushed
// independently. Applied entries were committed, and are in the log
// (entries are synced before they are applied), so the durable commit
// index is raised to the applied one before Raft starts (Raft refuses an
// applied index above its commit; found by the simulator, kv workload).
void Server::RaiseCommitToApplied() {
  Result<raft::InitialState> init = log_store_.GetInitialState();
  CAIRN_CHECK(init.ok(), "log state: %s", init.status().ToString().c_str());
  raft::HardState hs = init.value().hard_state;
  const raft::Index applied = sm_->applied_index();
  if (hs.commit >= applied) return;
  CAIRN_CHECK(log_store_.LastIndex() >= applied,
              "applied index %llu beyond the log's last index %llu", U(applied),
              U(log_store_.LastIndex()));
  Log(StrFormat("commit index %llu below applied %llu: raised", U(hs.commit),
                U(applied)));
  hs.commit = applied;
  Status s = log_store_.Save(&hs, {}, nullptr, /*must_sync=*/true);
  CAIRN_CHECK(s.ok(), "raise commit: %s", s.ToString().c_str());
}

void Server::PersistApplied(bool sync) {
  storage::WriteBatch batch;
  sm_->WriteChanges(batch);
  if (config_.sim_bugs.applied_index_apart) {
    return PersistAppliedApart(batch, sync);
  }
  Status s = backend_.Commit(batch, sync);
  // STYLE.md E5: the durable path is fail-stop.
  CAIRN_CHECK(s.ok(), "backend commit failed: %s", s.ToString().c_str());
}

// The planted bug (Config::SimBugs::applied_index_apart): the changes and
// the applied index that describes them go in two batches, so that a crash
// between the two keeps changes whose entries are applied again. The
// proposal windows record what was applied too, so they go with the index
// (with the changes, they would make the repeats no-ops).
void Server::PersistAppliedApart(const storage::WriteBatch& batch, bool sync) {
  storage::WriteBatch changes;
  storage::WriteBatch applied;
  for (const storage::WriteBatch::Op& op : batch.ops()) {
    const bool bookkeeping =
        op.key == kAppliedKey ||
        std::string_view(op.key).starts_with(kSessionPrefix);
    storage::WriteBatch& to = bookkeeping ? applied : changes;
    if (op.value) {
      to.Put(op.key, *op.value);
    } else {
      to.Delete(op.key);
    }
  }
  CAIRN_CHECK(backend_.Commit(changes, /*sync=*/false).ok(), "commit");
  CAIRN_CHECK(backend_.Commit(applied, sync).ok(), "commit");
}

bool Server::SnapshotDueAt(raft::Index applied) const {
  return applied - snapshot_index_ >= config_.snapshot_count;
}

void Server::Snapshot() {
  if (sm_->applied_index() <= snapshot_index_) return;
  PersistApplied(/*sync=*/true);
  CreateSnapshot();
}

// REQUIRES: the backend holds (synced) the state at the applied index.
void Server::CreateSnapshot() {
  const raft::Index index = sm_->applied_index();
  if (index <= snapshot_index_) return;
  raft::Snapshot snap;
  snap.metadata.index = index;
  snap.metadata.term = sm_->applied_term();
  snap.metadata.conf_state = sm_->ConfState();
  // Saving a snapshot replaces the whole log, so the entries after it
  // (persisted, maybe not yet committed) are written again in the same
  // atomic Save. TODO(server): keep SnapshotCatchUpEntries behind the
  // snapshot once RaftLogStore can store a snapshot without truncating.
  std::vector<raft::Entry> tail;
  const raft::Index last = log_store_.LastIndex();
  if (last > index) {
    Result<std::vector<raft::Entry>> ents =
        log_store_.Entries(index + 1, last + 1, raft::kNoLimit);
    CAIRN_CHECK(ents.ok(), "tail: %s", ents.status().ToString().c_str());
    tail = std::move(ents).value();
  }
  Status s = log_store_.Save(nullptr, tail, &snap, /*must_sync=*/true);
  CAIRN_CHECK(s.ok(), "snapshot save: %s", s.ToString().c_str());
  snapshot_index_ = index;
  Log(StrFormat("snapshot at %llu/%llu %s", U(index), U(snap.metadata.term),
                raft::DescribeConfState(snap.metadata.conf_state).c_str()));
}

// What a leader sends a follower that is too far behind for entries, in
// place of the log store's data-less snapshot: the state at the applied
// index, which is committed and past that snapshot (etcd sends its merged
// snapshot likewise). The follower's answer then names this index.
// REQUIRES: the backend holds the state at the applied index (between
// Readies: each apply step ends with its batch).
raft::Snapshot Server::SendableSnapshot() const {
  raft::Snapshot snap;
  snap.metadata.index = sm_->applied_index();
  snap.metadata.term = sm_->applied_term();
  snap.metadata.conf_state = sm_->ConfState();
  Result<std::string> data = storage::DumpBackend(backend_);
  CAIRN_CHECK(data.ok(), "dump: %s", data.status().ToString().c_str());
  snap.data = std::move(data).value();
  return snap;
}

// Replaces the whole state by a snapshot's (already saved in the log by
// step 1 of the loop).
void Server::InstallSnapshot(const raft::Snapshot& snap) {
  Status s = storage::RestoreBackend(backend_, snap.data);
  // The snapshot's bytes are checksummed; a damaged one must never be
  // applied, and the log before it is gone: fail-stop.
  CAIRN_CHECK(s.ok(), "snapshot restore: %s", s.ToString().c_str());
  Result<std::unique_ptr<StateMachine>> sm =
      StateMachine::Load(SmOptions(config_), backend_);
  CAIRN_CHECK(sm.ok(), "snapshot load: %s", sm.status().ToString().c_str());
  CAIRN_CHECK(sm.value()->applied_index() == snap.metadata.index,
              "snapshot at %llu holds state at %llu", U(snap.metadata.index),
              U(sm.value()->applied_index()));
  ResetWatches(*sm.value());
  sm_ = std::move(sm).value();
  snapshot_index_ = snap.metadata.index;
  conf_state_ = snap.metadata.conf_state;
  const api::Member* self = sm_->FindMember(config_.member_id);
  if (self == nullptr && sm_->WasRemoved(config_.member_id)) removed_ = true;
  // Tokens outlive a snapshot only while auth stays enabled (a disable
  // in the entries the snapshot covers cleared them everywhere else).
  if (!sm_->auth().enabled()) tokens_.Clear();
  Log(StrFormat("installed snapshot at %llu/%llu", U(snap.metadata.index),
                U(snap.metadata.term)));
}

}  // namespace cairn::server
