#include "cli/cairn/disk_space.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace cairn::node {

Result<uint64_t> FreeDiskBytes(const std::string& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) {
    return Status::IOError("statvfs " + dir + ": " + std::strerror(errno));
  }
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

int64_t DiskHeadroom(uint64_t free, uint64_t reserve) {
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(std::min(free, kMax)) -
         static_cast<int64_t>(std::min(reserve, kMax));
}

void DiskWriteFailed(JsonLogger& logger, const char* what, const Status& s) {
  logger.Log(LogLevel::kFatal, "cannot write to the data directory",
             {{"store", what}, {"error", s.ToString()}});
  std::_Exit(1);
}

Status FailStopLogStore::Save(const raft::HardState* hs,
                              const std::vector<raft::Entry>& entries,
                              const raft::Snapshot* snap, bool must_sync) {
  Status s = inner().Save(hs, entries, snap, must_sync);
  if (!s.ok()) DiskWriteFailed(logger_, "raft log", s);
  return s;
}

Status FailStopLogStore::Compact(raft::Index compact_index) {
  Status s = inner().Compact(compact_index);
  // Compact refuses an index out of range without writing: the caller's
  // to handle. Only a failed write ends the process.
  if (s.code() == Code::kIOError) DiskWriteFailed(logger_, "raft log", s);
  return s;
}

Status FailStopBackend::Commit(const storage::WriteBatch& batch, bool sync) {
  Status s = inner().Commit(batch, sync);
  if (!s.ok()) DiskWriteFailed(logger_, "backend", s);
  return s;
}

}  // namespace cairn::node
