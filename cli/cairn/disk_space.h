// The node's answers to a data directory that runs out of space. Edge
// code (statvfs, process exit).
//
// FreeDiskBytes is what the host loop measures before each turn: the free
// space of the file system holding the data directory, as an unprivileged
// writer may use it (statvfs's f_bavail). The loop reports it to the
// Server, less --disk-reserve-bytes, which raises NOSPACE and refuses
// writes before the disk is full (server.h: ReportDiskHeadroom).
//
// FailStopLogStore and FailStopBackend wrap the member's stores: a write
// that still fails (ENOSPC after all, EIO) ends the process at once with
// one "fatal" log line naming the error and exit status 1, as etcd exits
// when its WAL or backend cannot be written. Nothing the failed write
// carried was acknowledged (the host answers a write only once it is
// applied and committed to the backend), and the stores recover a torn
// tail at the next start. Reads and everything else go through unchanged.
// Used by the host loop's thread only, as the stores they wrap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/cairn/forwarding_storage.h"
#include "cli/cairn/logger.h"
#include "core/util/result.h"

namespace cairn::node {

// The bytes free for an unprivileged writer on the file system of `dir`.
// Errors: kIOError (statvfs failed), naming the directory.
Result<uint64_t> FreeDiskBytes(const std::string& dir);

// `free` less `reserve` (both clamped to int64_t), negative when short.
int64_t DiskHeadroom(uint64_t free, uint64_t reserve);

// Logs "cannot write to the data directory" with `what` and `s` at level
// fatal and ends the process with status 1.
[[noreturn]] void DiskWriteFailed(JsonLogger& logger, const char* what,
                                  const Status& s);

class FailStopLogStore : public ForwardingLogStore {
 public:
  FailStopLogStore(std::unique_ptr<storage::RaftLogStore> inner,
                   JsonLogger& logger)
      : ForwardingLogStore(std::move(inner)), logger_(logger) {}

  Status Save(const raft::HardState* hs,
              const std::vector<raft::Entry>& entries,
              const raft::Snapshot* snap, bool must_sync) override;
  Status Compact(raft::Index compact_index) override;

 private:
  JsonLogger& logger_;
};

class FailStopBackend : public ForwardingBackend {
 public:
  // `inner` is borrowed and must outlive this.
  FailStopBackend(storage::Backend& inner, JsonLogger& logger)
      : ForwardingBackend(inner), logger_(logger) {}

  Status Commit(const storage::WriteBatch& batch, bool sync) override;

 private:
  JsonLogger& logger_;
};

}  // namespace cairn::node
