// A member's state as a file: what `cairnctl snapshot save` downloads from
// /v3/maintenance/snapshot (the backend dump of storage/backend_snapshot.h,
// followed by a SHA-256 of it, as etcd appends one to its bbolt file), what
// `snapshot status` reports of it, and how `snapshot restore` turns it into
// the backend of a member of a NEW cluster.
//
// Pure core: stateless functions over bytes and the Backend interface. The
// SHA-256 trailer is checked by the caller (an edge with a crypto library).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/api/cluster_types.h"
#include "core/storage/backend.h"
#include "core/util/result.h"
#include "core/util/status.h"

namespace cairn::server {

// The bytes etcd appends to a snapshot: a SHA-256 of what precedes them.
inline constexpr size_t kSnapshotHashBytes = 32;

struct SnapshotInfo {
  // etcd's HashKV of the keyspace at `revision` (what `endpoint hashkv`
  // answered for the member at that revision).
  uint32_t hash = 0;
  int64_t revision = 0;
  int64_t compact_revision = 0;
  uint64_t total_keys = 0;  // backend records: keyspace, leases, cluster
};

// Verifies `dump` (the snapshot without its SHA-256 trailer) and describes
// it. Errors: kCorruption for a damaged or malformed dump, or state that
// does not load (storage/backend_snapshot.h, StateMachine::Load).
Result<SnapshotInfo> InspectSnapshot(std::string_view dump);

// Writes into `backend` the keyspace and leases of `dump` with `members`
// as the membership, leaving out the old members, removed ids, alarms and
// applied index: a member over the result bootstraps the new cluster
// (Server) from the snapshot's revisions and leases, whatever founders its
// flags name, as etcd's snapshot restore fixes the membership in the data
// directory. The whole dump is verified before anything is written, and
// one synced Commit writes it all. REQUIRES: `backend` is empty; members
// have distinct non-zero ids. Errors: kCorruption as InspectSnapshot; the
// backend's kIOError.
Status RestoreForNewCluster(storage::Backend& backend, std::string_view dump,
                            const std::vector<api::Member>& members);

}  // namespace cairn::server
