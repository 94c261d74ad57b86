// Snapshot files on the client side: reading one (checking the SHA-256
// that /v3/maintenance/snapshot appends), and restoring one into the data
// directory of a member of a NEW cluster (`cairnctl snapshot restore`,
// etcdctl's). Edge code: files and LevelDB; called by cairnctl, which
// shares the node's data-directory layout and identity rules through this.
//
// A restored data directory holds member/identity (the member's and the
// new cluster's ids, derived from the flags as etcd derives them) and
// member/kv (the snapshot's keyspace and leases, with the new cluster's
// members). Starting cairn on it bootstraps the new cluster from that
// state; the node's own --initial-cluster flags are then ignored, as etcd
// ignores them once a data directory exists.
#pragma once

#include <string>

#include "core/server/snapshot_file.h"
#include "core/util/result.h"

namespace cairn::node {

// The dump inside snapshot file `path`. With `skip_hash_check` a file
// without the SHA-256 trailer is accepted (etcdctl's --skip-hash-check).
// Errors (etcdctl's texts): kIOError "open PATH: ..."; kInvalidArgument
// "snapshot missing hash but --skip-hash-check=false", "expected sha256
// [..], got [..]"; kCorruption "invalid database" when the content is not
// a snapshot.
Result<std::string> ReadSnapshotFile(const std::string& path,
                                     bool skip_hash_check);

struct RestoreOptions {
  std::string snapshot_path;
  std::string data_dir;  // empty: "<name>.cairn", as the node's default
  std::string name = "default";
  std::string initial_cluster = "default=http://localhost:2380";
  std::string initial_cluster_token = "etcd-cluster";
  std::string initial_advertise_peer_urls = "http://localhost:2380";
  bool skip_hash_check = false;
};

// Builds the new member's data directory. Nothing is left behind on
// failure. Errors (etcdctl's texts): kAlreadyExists-like kInvalidArgument
// `data-dir "D" exists`; kInvalidArgument for bad flags (`couldn't find
// local name "N" in the initial cluster configuration`, URL errors); the
// errors of ReadSnapshotFile; kIOError writing the directory.
Status RestoreSnapshot(const RestoreOptions& options);

}  // namespace cairn::node
