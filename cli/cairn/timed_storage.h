// TimedLogStore and TimedBackend: the node's Raft log store and keyspace
// backend, wrapped to time what the disk costs: every synced Save goes
// into etcd_disk_wal_fsync_duration_seconds and every backend Commit into
// etcd_disk_backend_commit_duration_seconds. Edge code (clocks); they
// forward everything else unchanged and are used by the host loop's
// thread only, as the stores they wrap.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/cairn/metrics.h"
#include "core/storage/backend.h"
#include "core/storage/raft_log_store.h"

namespace cairn::node {

class TimedLogStore : public storage::RaftLogStore {
 public:
  TimedLogStore(std::unique_ptr<storage::RaftLogStore> inner,
                Histogram& fsync_seconds)
      : inner_(std::move(inner)), fsync_seconds_(fsync_seconds) {}

  Result<raft::InitialState> GetInitialState() const override {
    return inner_->GetInitialState();
  }
  Result<std::vector<raft::Entry>> Entries(raft::Index lo, raft::Index hi,
                                           uint64_t max_bytes) const override {
    return inner_->Entries(lo, hi, max_bytes);
  }
  Result<raft::Term> TermAt(raft::Index i) const override {
    return inner_->TermAt(i);
  }
  raft::Index LastIndex() const override { return inner_->LastIndex(); }
  raft::Index FirstIndex() const override { return inner_->FirstIndex(); }
  Result<raft::Snapshot> GetSnapshot() const override {
    return inner_->GetSnapshot();
  }
  Status Save(const raft::HardState* hs,
              const std::vector<raft::Entry>& entries,
              const raft::Snapshot* snap, bool must_sync) override;
  Status Compact(raft::Index compact_index) override {
    return inner_->Compact(compact_index);
  }

 private:
  std::unique_ptr<storage::RaftLogStore> inner_;
  Histogram& fsync_seconds_;
};

class TimedBackend : public storage::Backend {
 public:
  // `inner` is borrowed and must outlive this.
  TimedBackend(storage::Backend& inner, Histogram& commit_seconds)
      : inner_(inner), commit_seconds_(commit_seconds) {}

  Status Commit(const storage::WriteBatch& batch, bool sync) override;
  Result<std::string> Get(std::string_view key) const override {
    return inner_.Get(key);
  }
  Status Scan(std::string_view begin, std::string_view end,
              const std::function<bool(std::string_view, std::string_view)>& fn)
      const override {
    return inner_.Scan(begin, end, fn);
  }

 private:
  storage::Backend& inner_;
  Histogram& commit_seconds_;
};

}  // namespace cairn::node
