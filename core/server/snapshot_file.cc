#include "core/server/snapshot_file.h"

#include <string>

#include "core/server/backend_layout.h"
#include "core/server/entry_codec.h"
#include "core/server/proposal_windows.h"
#include "core/server/state_machine.h"
#include "core/storage/backend_snapshot.h"
#include "core/storage/memory_backend.h"
#include "core/util/check.h"

namespace cairn::server {

namespace {

// The keys a new cluster must not inherit: who the old members were, and
// how far the old log was applied (a bootstrap starts at index 1) and
// which of its proposals.
bool BelongsToOldCluster(std::string_view key) {
  for (std::string_view prefix :
       {kMemberPrefix, kRemovedPrefix, kAlarmPrefix, kSessionPrefix}) {
    if (key.substr(0, prefix.size()) == prefix) return true;
  }
  return key == kAppliedKey;
}

}  // namespace

Result<SnapshotInfo> InspectSnapshot(std::string_view dump) {
  storage::MemoryBackend mem;
  if (Status s = storage::RestoreBackend(mem, dump); !s.ok()) return s;
  SnapshotInfo info;
  Status s = mem.Scan({}, {}, [&](std::string_view, std::string_view) {
    info.total_keys++;
    return true;
  });
  if (!s.ok()) return s;
  Result<std::unique_ptr<StateMachine>> sm =
      StateMachine::Load(StateMachineOptions{}, mem);
  if (!sm.ok()) return sm.status();
  const mvcc::KvStore& kv = sm.value()->kv();
  info.revision = kv.rev();
  info.compact_revision = kv.compact_rev();
  Result<mvcc::HashKVResponse> hash = kv.HashKV(0);
  if (!hash.ok()) return hash.status();
  info.hash = hash.value().hash;
  return info;
}

Status RestoreForNewCluster(storage::Backend& backend, std::string_view dump,
                            const std::vector<api::Member>& members) {
  storage::MemoryBackend mem;
  if (Status s = storage::RestoreBackend(mem, dump); !s.ok()) return s;
  // Loading proves the state is whole before any byte reaches `backend`.
  Result<std::unique_ptr<StateMachine>> sm =
      StateMachine::Load(StateMachineOptions{}, mem);
  if (!sm.ok()) return sm.status();
  storage::WriteBatch batch;
  Status s = mem.Scan({}, {}, [&](std::string_view k, std::string_view v) {
    if (!BelongsToOldCluster(k)) batch.Put(std::string(k), std::string(v));
    return true;
  });
  if (!s.ok()) return s;
  for (const api::Member& m : members) {
    CAIRN_CHECK(m.id != 0, "member id 0");
    api::Member voter = m;
    voter.is_learner = false;
    batch.Put(MemberKey(m.id), EncodeMember(voter));
  }
  bool empty = true;
  s = backend.Scan({}, {}, [&](std::string_view, std::string_view) {
    empty = false;
    return false;
  });
  if (!s.ok()) return s;
  CAIRN_CHECK(empty, "restore into a used backend");
  return backend.Commit(batch, /*sync=*/true);
}

}  // namespace cairn::server
