#include "core/storage/leveldb_raft_log_store.h"

#include <algorithm>
#include <utility>

#include "core/raft/codec.h"
#include "core/storage/leveldb_prealloc_env.h"
#include "core/util/check.h"
#include "core/util/coding.h"
#include "core/util/crc32c.h"
#include "core/util/strings.h"
#include "leveldb/db.h"
#include "leveldb/iterator.h"
#include "leveldb/write_batch.h"

namespace cairn::storage {
namespace {

using raft::Entry;
using raft::Index;
using raft::Term;

// Key layout (docs/storage.md). Entry keys sort by index because the index
// is big-endian; the single-letter keys sort after every "e/" key.
constexpr char kEntryPrefix[] = "e/";
constexpr size_t kEntryKeyBytes = 2 + 8;
constexpr char kHardStateKey[] = "h";
constexpr char kSnapshotKey[] = "s";
constexpr char kMetaKey[] = "f";
// The meta value: [CRC32C of the rest, LE fixed32][offset index, LE
// fixed64][offset term, LE fixed64].
constexpr size_t kMetaBytes = 4 + 8 + 8;

std::string EntryKey(Index i) {
  std::string key(kEntryPrefix);
  for (int shift = 56; shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>((i >> shift) & 0xff));
  }
  return key;
}

bool IsEntryKey(const leveldb::Slice& key) {
  return key.starts_with(leveldb::Slice(kEntryPrefix, 2));
}

// The index of an "e/" key. REQUIRES: IsEntryKey(key) and the key has
// kEntryKeyBytes bytes.
Index EntryKeyIndex(const leveldb::Slice& key) {
  Index i = 0;
  for (size_t j = 2; j < kEntryKeyBytes; j++) {
    i = (i << 8) | static_cast<uint8_t>(key[j]);
  }
  return i;
}

// Reads `bytes` little-endian bytes at p (the inverse of AppendFixed).
uint64_t DecodeFixed(const char* p, int bytes) {
  uint64_t v = 0;
  for (int j = bytes - 1; j >= 0; j--) {
    v = (v << 8) | static_cast<uint8_t>(p[j]);
  }
  return v;
}

std::string EncodeMeta(Index index, Term term) {
  std::string body;
  AppendFixed(body, index, 8);
  AppendFixed(body, term, 8);
  std::string out;
  AppendFixed(out, Crc32c(body), 4);
  return out + body;
}

Status Corrupt(const std::string& key_name, const std::string& why) {
  return Status::Corruption(
      StrFormat("raft log store: key %s: %s", key_name.c_str(), why.c_str()));
}

std::string EntryKeyName(Index i) {
  return StrFormat("e/%llu", static_cast<unsigned long long>(i));
}

Status FromLevelDb(const leveldb::Status& s, const std::string& what) {
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

// Reads `key` into *value. Sets *found to false (and returns OK) when the
// key is absent.
Status GetValue(leveldb::DB* db, const char* key, std::string* value,
                bool* found) {
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  leveldb::Status s = db->Get(ro, key, value);
  *found = s.ok();
  if (s.ok() || s.IsNotFound()) return Status::Ok();
  return FromLevelDb(s, StrFormat("raft log store: reading key %s", key));
}

// Dead entries a Save deletes at most, beyond those it could add: more
// than a Save makes dead on average (one per entry it appends), so the
// dead entries never pile up, and few enough that no Save stalls.
constexpr size_t kDeadPerSave = 16;
constexpr size_t kDeadPerAppended = 4;

// The recent entries kept in memory (LevelDbRaftLogStore::recent_).
constexpr uint64_t kRecentBytes = 4 << 20;

}  // namespace

void LevelDbRaftLogStore::AddDead(DeadRanges& dead, Index lo, Index hi) {
  if (lo > hi) return;
  if (!dead.empty() && dead.back().second + 1 >= lo) {
    dead.back().second = std::max(dead.back().second, hi);
    return;
  }
  dead.emplace_back(lo, hi);
}

// The dead entries above `index` are deleted now: they would otherwise
// read as the log that follows a snapshot at `index`.
void LevelDbRaftLogStore::DeleteDeadAbove(DeadRanges& dead, Index index,
                                          leveldb::WriteBatch* batch) {
  while (!dead.empty() && dead.back().second > index) {
    auto& [lo, hi] = dead.back();
    for (Index i = std::max(lo, index + 1); i <= hi; i++) {
      batch->Delete(EntryKey(i));
    }
    if (lo > index) {
      dead.pop_back();
    } else {
      hi = index;
    }
  }
}

void LevelDbRaftLogStore::DeleteDead(DeadRanges& dead, size_t budget,
                                     leveldb::WriteBatch* batch) {
  while (budget > 0 && !dead.empty()) {
    auto& [lo, hi] = dead.front();
    const Index n = std::min<Index>(budget, hi - lo + 1);
    for (Index i = lo; i < lo + n; i++) batch->Delete(EntryKey(i));
    lo += n;
    budget -= n;
    if (lo > hi) dead.erase(dead.begin());  // ranges are few
  }
}

void LevelDbRaftLogStore::NoteSaved(const std::vector<Entry>& entries,
                                    Index start) {
  if (start == 0) {
    TrimRecent();
    return;
  }
  // The new entries replace every kept one from `start` on.
  while (!recent_.empty() && recent_.back().index >= start) {
    recent_bytes_ -= raft::EntryBytes(recent_.back());
    recent_.pop_back();
  }
  if (!recent_.empty() && recent_.back().index + 1 != start) {
    recent_.clear();
    recent_bytes_ = 0;
  }
  for (const Entry& e : entries) {
    if (e.index < start) continue;
    recent_.push_back(e);
    recent_bytes_ += raft::EntryBytes(e);
  }
  TrimRecent();
}

void LevelDbRaftLogStore::TrimRecent() {
  while (!recent_.empty() && (recent_.front().index <= offset_index_ ||
                              recent_bytes_ > kRecentBytes)) {
    recent_bytes_ -= raft::EntryBytes(recent_.front());
    recent_.pop_front();
  }
}

const Entry* LevelDbRaftLogStore::Recent(Index i) const {
  if (recent_.empty() || i < recent_.front().index ||
      i > recent_.back().index) {
    return nullptr;
  }
  return &recent_[i - recent_.front().index];
}

LevelDbRaftLogStore::LevelDbRaftLogStore(std::unique_ptr<leveldb::DB> db,
                                         std::string path)
    : db_(std::move(db)), path_(std::move(path)) {}

LevelDbRaftLogStore::~LevelDbRaftLogStore() = default;

Result<std::unique_ptr<LevelDbRaftLogStore>> LevelDbRaftLogStore::Open(
    const std::string& path) {
  leveldb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  // Every Save with must_sync syncs LevelDB's log: written into allocated
  // space, the sync need not commit a new file size too.
  options.env = PreallocEnv::Default();
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, path, &raw);
  if (!s.ok()) {
    return FromLevelDb(s, "raft log store: opening " + path);
  }
  std::unique_ptr<LevelDbRaftLogStore> store(
      new LevelDbRaftLogStore(std::unique_ptr<leveldb::DB>(raw), path));
  Status loaded = store->Load();
  if (!loaded.ok()) return loaded;
  return Result<std::unique_ptr<LevelDbRaftLogStore>>(std::move(store));
}

Status LevelDbRaftLogStore::Load() {
  std::string value;
  bool found = false;
  Status s = GetValue(db_.get(), kMetaKey, &value, &found);
  if (!s.ok()) return s;
  if (found) {
    if (value.size() != kMetaBytes) return Corrupt("f", "bad length");
    const uint64_t crc = DecodeFixed(value.data(), 4);
    if (crc != Crc32c(std::string_view(value).substr(4))) {
      return Corrupt("f", "checksum mismatch");
    }
    offset_index_ = DecodeFixed(value.data() + 4, 8);
    offset_term_ = DecodeFixed(value.data() + 12, 8);
  }
  s = GetValue(db_.get(), kHardStateKey, &value, &found);
  if (!s.ok()) return s;
  if (found) {
    Result<raft::HardState> hs = raft::DecodeHardState(value);
    if (!hs.ok()) return Corrupt("h", hs.status().ToString());
    hard_state_ = hs.value();
  }
  s = GetValue(db_.get(), kSnapshotKey, &value, &found);
  if (!s.ok()) return s;
  if (found) {
    Result<raft::Snapshot> snap = raft::DecodeSnapshot(value);
    if (!snap.ok()) return Corrupt("s", snap.status().ToString());
    snapshot_ = std::move(snap).value();
  }
  return LoadLog();
}

// Scans the "e/" keys after the offset: the entries must run without a
// gap from offset_index_ + 1, and each value must decode to the entry of
// its key. Keys at or below the offset are dead, still to be deleted.
Status LevelDbRaftLogStore::LoadLog() {
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  dead_.clear();
  it->Seek(kEntryPrefix);
  if (it->Valid() && IsEntryKey(it->key()) &&
      it->key().size() == kEntryKeyBytes) {
    AddDead(dead_, EntryKeyIndex(it->key()), offset_index_);
  }
  last_index_ = offset_index_;
  last_term_ = offset_term_;
  for (it->Seek(EntryKey(offset_index_ + 1));
       it->Valid() && IsEntryKey(it->key()); it->Next()) {
    if (it->key().size() != kEntryKeyBytes) {
      return Corrupt(EscapeBytes(it->key().ToString()), "bad entry key");
    }
    const Index i = EntryKeyIndex(it->key());
    if (i != last_index_ + 1) {
      return Corrupt(EntryKeyName(i),
                     StrFormat("log gap: expected entry %llu after %llu",
                               (unsigned long long)(last_index_ + 1),
                               (unsigned long long)last_index_));
    }
    Result<Entry> e = raft::DecodeEntry(
        std::string_view(it->value().data(), it->value().size()));
    if (!e.ok()) return Corrupt(EntryKeyName(i), e.status().ToString());
    if (e.value().index != i) {
      return Corrupt(EntryKeyName(i), "holds an entry of another index");
    }
    last_index_ = i;
    last_term_ = e.value().term;
  }
  if (!it->status().ok()) {
    return FromLevelDb(it->status(), "raft log store: scanning the log");
  }
  return Status::Ok();
}

Result<Entry> LevelDbRaftLogStore::ReadEntry(Index i) const {
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  std::string value;
  leveldb::Status s = db_->Get(ro, EntryKey(i), &value);
  if (s.IsNotFound()) return Corrupt(EntryKeyName(i), "entry missing");
  if (!s.ok()) return FromLevelDb(s, "raft log store: " + EntryKeyName(i));
  Result<Entry> e = raft::DecodeEntry(value);
  if (!e.ok()) return Corrupt(EntryKeyName(i), e.status().ToString());
  if (e.value().index != i) {
    return Corrupt(EntryKeyName(i), "holds an entry of another index");
  }
  return e;
}

Result<raft::InitialState> LevelDbRaftLogStore::GetInitialState() const {
  return raft::InitialState{hard_state_, snapshot_.metadata.conf_state};
}

Index LevelDbRaftLogStore::FirstIndex() const { return offset_index_ + 1; }

Index LevelDbRaftLogStore::LastIndex() const { return last_index_; }

Result<raft::Snapshot> LevelDbRaftLogStore::GetSnapshot() const {
  return snapshot_;
}

Result<Term> LevelDbRaftLogStore::TermAt(Index i) const {
  if (i < offset_index_) return Status(Code::kCompacted, "term compacted");
  if (i > last_index_) return Status(Code::kNotFound, "term unavailable");
  if (i == offset_index_) return offset_term_;
  if (i == last_index_) return last_term_;
  if (const Entry* kept = Recent(i)) return kept->term;
  Result<Entry> e = ReadEntry(i);
  if (!e.ok()) return e.status();
  return e.value().term;
}

Result<std::vector<Entry>> LevelDbRaftLogStore::Entries(
    Index lo, Index hi, uint64_t max_bytes) const {
  if (lo <= offset_index_) return Status(Code::kCompacted, "entries compacted");
  CAIRN_CHECK(hi <= last_index_ + 1, "entries hi %llu beyond last %llu",
              (unsigned long long)hi, (unsigned long long)last_index_);
  if (last_index_ == offset_index_)
    return Status(Code::kNotFound, "no entries");
  if (lo < hi && Recent(lo) != nullptr) {
    // raft::LimitSize: always the first entry, then while within budget.
    std::vector<Entry> out;
    uint64_t size = 0;
    for (Index i = lo; i < hi; i++) {
      const Entry& e = *Recent(i);
      size += raft::EntryBytes(e);
      if (!out.empty() && size > max_bytes) break;
      out.push_back(e);
    }
    return out;
  }
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  std::vector<Entry> out;
  uint64_t size = 0;
  it->Seek(EntryKey(lo));
  for (Index i = lo; i < hi; i++, it->Next()) {
    if (!it->Valid() || it->key() != leveldb::Slice(EntryKey(i))) {
      if (!it->status().ok()) {
        return FromLevelDb(it->status(), "raft log store: reading the log");
      }
      return Corrupt(EntryKeyName(i), "entry missing");
    }
    Result<Entry> e = raft::DecodeEntry(
        std::string_view(it->value().data(), it->value().size()));
    if (!e.ok()) return Corrupt(EntryKeyName(i), e.status().ToString());
    if (e.value().index != i) {
      return Corrupt(EntryKeyName(i), "holds an entry of another index");
    }
    // raft::LimitSize: always the first entry, then while within budget.
    size += raft::EntryBytes(e.value());
    if (!out.empty() && size > max_bytes) break;
    out.push_back(std::move(e).value());
  }
  return out;
}

Status LevelDbRaftLogStore::Save(const raft::HardState* hs,
                                 const std::vector<Entry>& entries,
                                 const raft::Snapshot* snap, bool must_sync) {
  leveldb::WriteBatch batch;
  Index offset_index = offset_index_;
  Term offset_term = offset_term_;
  Index last_index = last_index_;
  Term last_term = last_term_;
  DeadRanges dead = dead_;
  const bool has_snap = snap != nullptr && !snap->empty();
  if (has_snap) {
    if (snap->metadata.index <= snapshot_.metadata.index) {
      return Status(Code::kFailedPrecondition, "snapshot out of date");
    }
    const Index snap_index = snap->metadata.index;
    batch.Put(kSnapshotKey, raft::EncodeSnapshot(*snap));
    // The log up to the snapshot dies (deleted over later Saves); what is
    // stored past it goes now, replaced by `entries` if any.
    DeleteDeadAbove(dead, snap_index, &batch);
    for (Index i = std::max(offset_index, snap_index) + 1; i <= last_index;
         i++) {
      batch.Delete(EntryKey(i));
    }
    AddDead(dead, offset_index + 1, std::min(last_index, snap_index));
    offset_index = last_index = snap_index;
    offset_term = last_term = snap->metadata.term;
    batch.Put(kMetaKey, EncodeMeta(offset_index, offset_term));
  }
  const Index start =
      AppendToBatch(entries, offset_index, &last_index, &last_term, &batch);
  if (hs != nullptr) batch.Put(kHardStateKey, raft::EncodeHardState(*hs));
  DeleteDead(dead, kDeadPerSave + kDeadPerAppended * entries.size(), &batch);
  leveldb::WriteOptions wo;
  wo.sync = must_sync;
  leveldb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return Status::IOError("raft log store: save: " + s.ToString());
  dead_ = std::move(dead);
  if (has_snap) snapshot_ = *snap;
  if (hs != nullptr) hard_state_ = *hs;
  offset_index_ = offset_index;
  offset_term_ = offset_term;
  last_index_ = last_index;
  last_term_ = last_term;
  if (has_snap) {
    recent_.clear();
    recent_bytes_ = 0;
  }
  NoteSaved(entries, start);
  return Status::Ok();
}

// etcd MemoryStorage.Append on keys: entries at or below offset_index are
// skipped, the rest overwrite from their first index and every stored
// entry after the last new one is deleted (the conflicting suffix).
Index LevelDbRaftLogStore::AppendToBatch(const std::vector<Entry>& entries,
                                         Index offset_index, Index* last_index,
                                         Term* last_term,
                                         leveldb::WriteBatch* batch) {
  if (entries.empty()) return 0;
  const Index end = entries[0].index + entries.size() - 1;
  if (end <= offset_index) return 0;  // all already in the snapshot
  const size_t skip = entries[0].index <= offset_index
                          ? offset_index + 1 - entries[0].index
                          : 0;
  const Index start = entries[skip].index;
  CAIRN_CHECK(start <= *last_index + 1,
              "missing log entry [last: %llu, append at: %llu]",
              (unsigned long long)*last_index, (unsigned long long)start);
  for (size_t j = skip; j < entries.size(); j++) {
    CAIRN_CHECK(entries[j].index == start + (j - skip),
                "entries not consecutive at %llu",
                (unsigned long long)entries[j].index);
    batch->Put(EntryKey(entries[j].index), raft::EncodeEntry(entries[j]));
  }
  for (Index i = end + 1; i <= *last_index; i++) batch->Delete(EntryKey(i));
  *last_index = end;
  *last_term = entries.back().term;
  return start;
}

Status LevelDbRaftLogStore::Compact(Index compact_index) {
  if (compact_index <= offset_index_) {
    return Status(Code::kCompacted, "already compacted");
  }
  CAIRN_CHECK(compact_index <= last_index_, "compact %llu beyond last %llu",
              (unsigned long long)compact_index,
              (unsigned long long)last_index_);
  Result<Term> term = TermAt(compact_index);
  if (!term.ok()) return term.status();
  // The compacted entries die; later Saves delete them.
  leveldb::WriteBatch batch;
  batch.Put(kMetaKey, EncodeMeta(compact_index, term.value()));
  // Not synced: a lost compaction only leaves more log behind, and
  // LevelDB's log is ordered, so no later deletion survives without it.
  leveldb::Status s = db_->Write(leveldb::WriteOptions(), &batch);
  if (!s.ok()) {
    return Status::IOError("raft log store: compact: " + s.ToString());
  }
  AddDead(dead_, offset_index_ + 1, compact_index);
  offset_index_ = compact_index;
  offset_term_ = term.value();
  TrimRecent();
  return Status::Ok();
}

}  // namespace cairn::storage
