// ForwardingLogStore and ForwardingBackend: a Raft log store and a
// keyspace backend that pass every call to the one they wrap. The node's
// store decorators (timed_storage.h, disk_space.h) derive from them and
// override only the writes they act on, so the forwarding is written
// once. Used by the host loop's thread only, as the stores they wrap.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/storage/backend.h"
#include "core/storage/raft_log_store.h"

namespace cairn::node {

class ForwardingLogStore : public storage::RaftLogStore {
 public:
  explicit ForwardingLogStore(std::unique_ptr<storage::RaftLogStore> inner)
      : inner_(std::move(inner)) {}

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
              const raft::Snapshot* snap, bool must_sync) override {
    return inner_->Save(hs, entries, snap, must_sync);
  }
  Status Compact(raft::Index compact_index) override {
    return inner_->Compact(compact_index);
  }

 protected:
  storage::RaftLogStore& inner() { return *inner_; }

 private:
  std::unique_ptr<storage::RaftLogStore> inner_;
};

class ForwardingBackend : public storage::Backend {
 public:
  // `inner` is borrowed and must outlive this.
  explicit ForwardingBackend(storage::Backend& inner) : inner_(inner) {}

  Status Commit(const storage::WriteBatch& batch, bool sync) override {
    return inner_.Commit(batch, sync);
  }
  Result<std::string> Get(std::string_view key) const override {
    return inner_.Get(key);
  }
  Status Scan(std::string_view begin, std::string_view end,
              const std::function<bool(std::string_view, std::string_view)>& fn)
      const override {
    return inner_.Scan(begin, end, fn);
  }

 protected:
  storage::Backend& inner() { return inner_; }

 private:
  storage::Backend& inner_;
};

}  // namespace cairn::node
