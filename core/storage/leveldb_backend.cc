#include "core/storage/leveldb_backend.h"

#include <utility>

#include "core/storage/stored_value.h"
#include "core/util/strings.h"
#include "leveldb/db.h"
#include "leveldb/iterator.h"
#include "leveldb/write_batch.h"

namespace cairn::storage {
namespace {

Status FromLevelDb(const leveldb::Status& s, const std::string& what) {
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

leveldb::Slice ToSlice(std::string_view s) {
  return leveldb::Slice(s.data(), s.size());
}

std::string_view ToView(const leveldb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

leveldb::ReadOptions VerifyingReads() {
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  return ro;
}

}  // namespace

LevelDbBackend::LevelDbBackend(std::unique_ptr<leveldb::DB> db,
                               std::string path)
    : db_(std::move(db)), path_(std::move(path)) {}

LevelDbBackend::~LevelDbBackend() = default;

Result<std::unique_ptr<LevelDbBackend>> LevelDbBackend::Open(
    const std::string& path) {
  leveldb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  // Larger memtables mean fewer, larger level-0 files while a node applies
  // at full speed; LevelDB's default is 4 MiB.
  options.write_buffer_size = 16 << 20;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, path, &raw);
  if (!s.ok()) return FromLevelDb(s, "backend: opening " + path);
  return std::unique_ptr<LevelDbBackend>(
      new LevelDbBackend(std::unique_ptr<leveldb::DB>(raw), path));
}

Status LevelDbBackend::Commit(const WriteBatch& batch, bool sync) {
  leveldb::WriteBatch wb;
  for (const WriteBatch::Op& op : batch.ops()) {
    if (op.value) {
      wb.Put(op.key, EncodeStoredValue(op.key, *op.value));
    } else {
      wb.Delete(op.key);
    }
  }
  leveldb::WriteOptions wo;
  wo.sync = sync;
  leveldb::Status s = db_->Write(wo, &wb);
  if (!s.ok()) return FromLevelDb(s, "backend: writing to " + path_);
  return Status::Ok();
}

Result<std::string> LevelDbBackend::Get(std::string_view key) const {
  std::string stored;
  leveldb::Status s = db_->Get(VerifyingReads(), ToSlice(key), &stored);
  if (s.IsNotFound()) {
    return Status::NotFound(
        StrFormat("backend: key %s not found", EscapeBytes(key).c_str()));
  }
  if (!s.ok()) {
    return FromLevelDb(s, "backend: reading key " + EscapeBytes(key));
  }
  Result<std::string_view> value = DecodeStoredValue(key, stored);
  if (!value.ok()) return value.status();
  return std::string(value.value());
}

Status LevelDbBackend::Scan(
    std::string_view begin, std::string_view end,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  leveldb::ReadOptions ro = VerifyingReads();
  // A scan reads each block once; keep it from evicting the hot blocks.
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  for (it->Seek(ToSlice(begin)); it->Valid(); it->Next()) {
    const std::string_view key = ToView(it->key());
    if (!end.empty() && key >= end) break;
    Result<std::string_view> value =
        DecodeStoredValue(key, ToView(it->value()));
    if (!value.ok()) return value.status();
    if (!fn(key, value.value())) break;
  }
  if (!it->status().ok()) {
    return FromLevelDb(it->status(), "backend: scanning " + path_);
  }
  return Status::Ok();
}

struct LevelDbBackend::View::Impl {
  leveldb::DB* db = nullptr;
  const leveldb::Snapshot* snapshot = nullptr;
  std::unique_ptr<leveldb::Iterator> it;
  std::string path;
};

LevelDbBackend::View::View(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

LevelDbBackend::View::~View() {
  impl_->it.reset();  // before the snapshot it reads under
  impl_->db->ReleaseSnapshot(impl_->snapshot);
}

Result<bool> LevelDbBackend::View::Read(
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  leveldb::Iterator& it = *impl_->it;
  for (; it.Valid(); it.Next()) {
    const std::string_view key = ToView(it.key());
    Result<std::string_view> value = DecodeStoredValue(key, ToView(it.value()));
    if (!value.ok()) return value.status();
    if (!fn(key, value.value())) {
      it.Next();
      break;
    }
  }
  if (!it.status().ok()) {
    return FromLevelDb(it.status(), "backend: reading " + impl_->path);
  }
  return it.Valid();
}

void LevelDbBackend::View::Rewind() { impl_->it->SeekToFirst(); }

std::unique_ptr<LevelDbBackend::View> LevelDbBackend::OpenView() const {
  auto impl = std::make_unique<View::Impl>();
  impl->db = db_.get();
  impl->snapshot = db_->GetSnapshot();
  impl->path = path_;
  leveldb::ReadOptions ro = VerifyingReads();
  ro.fill_cache = false;
  ro.snapshot = impl->snapshot;
  impl->it.reset(db_->NewIterator(ro));
  impl->it->SeekToFirst();
  return std::unique_ptr<View>(new View(std::move(impl)));
}

void LevelDbBackend::CompactAll() { db_->CompactRange(nullptr, nullptr); }

}  // namespace cairn::storage
