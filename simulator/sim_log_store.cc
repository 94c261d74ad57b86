#include "simulator/sim_log_store.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "core/raft/codec.h"
#include "core/util/check.h"
#include "core/util/coding.h"
#include "core/util/crc32c.h"

namespace cairn::sim {

namespace {

constexpr char kSaveRecord = 'S';
constexpr char kCompactRecord = 'C';
constexpr uint8_t kHasSnapshot = 1;
constexpr uint8_t kHasHardState = 2;
constexpr size_t kHeader = 8;  // crc:4 length:4

uint64_t ReadFixed(std::string_view in, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; i--) {
    v = (v << 8) | static_cast<uint8_t>(in[pos + static_cast<size_t>(i)]);
  }
  return v;
}

void AppendBlob(std::string& out, const std::string& blob) {
  AppendFixed(out, blob.size(), 4);
  out += blob;
}

// Reads the length-prefixed blob at *pos; false when it overruns `in`.
bool ReadBlob(std::string_view in, size_t* pos, std::string_view* blob) {
  if (in.size() - *pos < 4) return false;
  const uint64_t n = ReadFixed(in, *pos, 4);
  *pos += 4;
  if (in.size() - *pos < n) return false;
  *blob = in.substr(*pos, n);
  *pos += n;
  return true;
}

std::string EncodeSave(const raft::HardState* hs,
                       const std::vector<raft::Entry>& entries,
                       const raft::Snapshot* snap) {
  std::string body(1, kSaveRecord);
  uint8_t flags = 0;
  if (snap != nullptr) flags |= kHasSnapshot;
  if (hs != nullptr) flags |= kHasHardState;
  body.push_back(static_cast<char>(flags));
  if (snap != nullptr) AppendBlob(body, raft::EncodeSnapshot(*snap));
  AppendFixed(body, entries.size(), 4);
  for (const raft::Entry& e : entries) AppendBlob(body, raft::EncodeEntry(e));
  if (hs != nullptr) AppendBlob(body, raft::EncodeHardState(*hs));
  return body;
}

Status Bad(const char* what) {
  return Status::Corruption(std::string("raft log record: ") + what);
}

}  // namespace

SimLogStore::SimLogStore(bool defer_sync)
    : defer_sync_(defer_sync), view_(std::make_unique<raft::MemoryStorage>()) {}

Result<raft::InitialState> SimLogStore::GetInitialState() const {
  return view_->GetInitialState();
}

Result<std::vector<raft::Entry>> SimLogStore::Entries(
    raft::Index lo, raft::Index hi, uint64_t max_bytes) const {
  return view_->Entries(lo, hi, max_bytes);
}

Result<raft::Term> SimLogStore::TermAt(raft::Index i) const {
  return view_->TermAt(i);
}

raft::Index SimLogStore::LastIndex() const { return view_->LastIndex(); }

raft::Index SimLogStore::FirstIndex() const { return view_->FirstIndex(); }

Result<raft::Snapshot> SimLogStore::GetSnapshot() const {
  return view_->GetSnapshot();
}

Status SimLogStore::Save(const raft::HardState* hs,
                         const std::vector<raft::Entry>& entries,
                         const raft::Snapshot* snap, bool must_sync) {
  if (snap != nullptr && snap->empty()) snap = nullptr;
  if (snap != nullptr) {
    Result<raft::Snapshot> current = view_->GetSnapshot();
    CAIRN_CHECK(current.ok(), "the view always has a snapshot");
    if (snap->metadata.index <= current.value().metadata.index) {
      return Status(Code::kFailedPrecondition, "snapshot is out of date");
    }
  }
  if (hs == nullptr && entries.empty() && snap == nullptr) {
    return must_sync && !defer_sync_ ? Sync() : Status::Ok();
  }
  AppendRecord(EncodeSave(hs, entries, snap));
  ApplySave(hs, entries, snap);
  if (must_sync && !defer_sync_) return Sync();
  return Status::Ok();
}

void SimLogStore::ApplySave(const raft::HardState* hs,
                            const std::vector<raft::Entry>& entries,
                            const raft::Snapshot* snap) {
  if (snap != nullptr) {
    CAIRN_CHECK(view_->ApplySnapshot(*snap).ok(), "snapshot checked above");
  }
  view_->Append(entries);
  if (hs != nullptr) view_->SetHardState(*hs);
}

Status SimLogStore::Compact(raft::Index compact_index) {
  Status s = view_->Compact(compact_index);
  if (!s.ok()) return s;
  std::string body(1, kCompactRecord);
  AppendFixed(body, compact_index, 8);
  AppendRecord(body);
  // Not synced by itself (raft_log_store.h): losing it keeps more log.
  return Status::Ok();
}

void SimLogStore::AppendRecord(const std::string& body) {
  AppendFixed(unsynced_, Crc32c(body), 4);
  AppendFixed(unsynced_, body.size(), 4);
  unsynced_ += body;
}

Status SimLogStore::Sync() {
  if (fail_next_sync_) {
    fail_next_sync_ = false;
    return Status::IOError("injected fsync failure");
  }
  file_ += unsynced_;
  unsynced_.clear();
  durable_hs_ = view_->hard_state();
  durable_last_ = view_->LastIndex();
  return Status::Ok();
}

CrashReport SimLogStore::Crash(uint64_t tear_bytes) {
  CrashReport report;
  const uint64_t reach = std::min<uint64_t>(tear_bytes, unsynced_.size());
  file_.append(unsynced_, 0, reach);
  report.torn_bytes = reach;
  report.lost_bytes = unsynced_.size() - reach;
  unsynced_.clear();
  fail_next_sync_ = false;
  return report;
}

RecoveryReport SimLogStore::Recover() {
  CAIRN_CHECK(unsynced_.empty(), "Recover without a Crash");
  RecoveryReport report;
  view_ = std::make_unique<raft::MemoryStorage>();
  const std::string_view file(file_);
  size_t pos = 0;
  while (pos < file.size()) {
    if (file.size() - pos < kHeader) {
      report.why = "short record header";
      break;
    }
    const uint32_t crc = static_cast<uint32_t>(ReadFixed(file, pos, 4));
    const uint64_t len = ReadFixed(file, pos + 4, 4);
    if (file.size() - pos - kHeader < len) {
      report.why = "record runs past the end of the file";
      break;
    }
    const std::string_view body = file.substr(pos + kHeader, len);
    if (Crc32c(body) != crc) {
      report.why = "record checksum mismatch";
      break;
    }
    Status s = Replay(body);
    if (!s.ok()) {
      report.why = s.ToString();
      break;
    }
    report.records++;
    pos += kHeader + len;
  }
  // The tail that failed never completed: drop it so that new records
  // follow the last good one.
  report.discarded_bytes = file.size() - pos;
  file_.resize(pos);
  durable_hs_ = view_->hard_state();
  durable_last_ = view_->LastIndex();
  return report;
}

Status SimLogStore::Replay(std::string_view body) {
  if (body.empty()) return Bad("empty");
  if (body[0] == kCompactRecord) {
    if (body.size() != 9) return Bad("compact record size");
    const raft::Index at = ReadFixed(body, 1, 8);
    if (at > view_->LastIndex()) return Bad("compaction beyond the log");
    Status s = view_->Compact(at);
    return s.ok() ? s : Bad("compaction out of range");
  }
  if (body[0] != kSaveRecord || body.size() < 6) return Bad("unknown kind");
  const uint8_t flags = static_cast<uint8_t>(body[1]);
  size_t pos = 2;
  std::string_view blob;
  std::optional<raft::Snapshot> snap;
  if ((flags & kHasSnapshot) != 0) {
    if (!ReadBlob(body, &pos, &blob)) return Bad("snapshot overruns");
    Result<raft::Snapshot> s = raft::DecodeSnapshot(blob);
    if (!s.ok()) return s.status();
    snap = std::move(s).value();
  }
  if (body.size() - pos < 4) return Bad("entry count overruns");
  const uint64_t count = ReadFixed(body, pos, 4);
  pos += 4;
  std::vector<raft::Entry> entries;
  for (uint64_t i = 0; i < count; i++) {
    if (!ReadBlob(body, &pos, &blob)) return Bad("entry overruns");
    Result<raft::Entry> e = raft::DecodeEntry(blob);
    if (!e.ok()) return e.status();
    entries.push_back(std::move(e).value());
  }
  std::optional<raft::HardState> hs;
  if ((flags & kHasHardState) != 0) {
    if (!ReadBlob(body, &pos, &blob)) return Bad("hard state overruns");
    Result<raft::HardState> h = raft::DecodeHardState(blob);
    if (!h.ok()) return h.status();
    hs = h.value();
  }
  if (pos != body.size()) return Bad("trailing bytes");
  // A record with good checksums can still say what Save never writes (a
  // damaged or foreign file): refuse it rather than trip the log's checks.
  raft::Index last = view_->LastIndex();
  if (snap.has_value()) {
    Result<raft::Snapshot> current = view_->GetSnapshot();
    if (current.ok() &&
        snap->metadata.index <= current.value().metadata.index) {
      return Bad("snapshot not newer than the one before it");
    }
    last = snap->metadata.index;
  }
  for (size_t i = 0; i < entries.size(); i++) {
    if (entries[i].index != entries[0].index + i) {
      return Bad("entries out of order");
    }
  }
  if (!entries.empty() &&
      (entries[0].index == 0 || entries[0].index > last + 1)) {
    return Bad("entries leave a gap after the log");
  }
  ApplySave(hs ? &*hs : nullptr, entries, snap ? &*snap : nullptr);
  return Status::Ok();
}

}  // namespace cairn::sim
