// TimedLogStore and TimedBackend: the node's Raft log store and keyspace
// backend, wrapped to time what the disk costs: every synced Save goes
// into etcd_disk_wal_fsync_duration_seconds and every backend Commit into
// etcd_disk_backend_commit_duration_seconds. Edge code (clocks); they
// forward everything else unchanged and are used by the host loop's
// thread only, as the stores they wrap.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "cli/cairn/forwarding_storage.h"
#include "cli/cairn/metrics.h"

namespace cairn::node {

class TimedLogStore : public ForwardingLogStore {
 public:
  TimedLogStore(std::unique_ptr<storage::RaftLogStore> inner,
                Histogram& fsync_seconds)
      : ForwardingLogStore(std::move(inner)), fsync_seconds_(fsync_seconds) {}

  Status Save(const raft::HardState* hs,
              const std::vector<raft::Entry>& entries,
              const raft::Snapshot* snap, bool must_sync) override;

 private:
  Histogram& fsync_seconds_;
};

class TimedBackend : public ForwardingBackend {
 public:
  // `inner` is borrowed and must outlive this.
  TimedBackend(storage::Backend& inner, Histogram& commit_seconds)
      : ForwardingBackend(inner), commit_seconds_(commit_seconds) {}

  Status Commit(const storage::WriteBatch& batch, bool sync) override;

 private:
  Histogram& commit_seconds_;
};

}  // namespace cairn::node
