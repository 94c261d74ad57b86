#include "cli/cairn/timed_storage.h"

#include <chrono>

namespace cairn::node {

namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

Status TimedLogStore::Save(const raft::HardState* hs,
                           const std::vector<raft::Entry>& entries,
                           const raft::Snapshot* snap, bool must_sync) {
  const auto start = std::chrono::steady_clock::now();
  Status s = inner().Save(hs, entries, snap, must_sync);
  // Only synced saves: etcd's histogram times the WAL's fsync.
  if (must_sync && s.ok()) fsync_seconds_.Observe(SecondsSince(start));
  return s;
}

Status TimedBackend::Commit(const storage::WriteBatch& batch, bool sync) {
  const auto start = std::chrono::steady_clock::now();
  Status s = inner().Commit(batch, sync);
  if (s.ok()) commit_seconds_.Observe(SecondsSince(start));
  return s;
}

}  // namespace cairn::node
