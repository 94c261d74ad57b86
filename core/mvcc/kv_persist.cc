#include "core/mvcc/kv_persist.h"

#include <utility>

#include "core/storage/stored_value.h"
#include "core/util/check.h"
#include "core/util/coding.h"
#include "core/util/crc32c.h"
#include "core/util/strings.h"

namespace cairn::mvcc {
namespace {

constexpr size_t kRecordKeyBytes = kKvRecordPrefix.size() + 16;

Status BadRecord(std::string_view key, const char* why) {
  return Status::Corruption(
      StrFormat("mvcc backend: key %s: %s", EscapeBytes(key).c_str(), why));
}

std::string EncodeMeta(int64_t rev, int64_t compact_rev) {
  std::string body;
  AppendVarint(body, static_cast<uint64_t>(rev));
  AppendVarint(body, static_cast<uint64_t>(compact_rev + 1));
  return storage::EncodeStoredValue(kKvMetaKey, body);
}

struct Meta {
  int64_t rev = 1;
  int64_t compact_rev = -1;
};

Result<Meta> DecodeMeta(std::string_view value) {
  Result<std::string_view> body = storage::DecodeStoredValue(kKvMetaKey, value);
  if (!body.ok()) return body.status();
  ByteReader r(body.value());
  const uint64_t rev = r.Varint();
  const uint64_t compact_plus_one = r.Varint();
  if (!r.done() || rev < 1 || rev > uint64_t{INT64_MAX} ||
      compact_plus_one > rev + 1) {
    return BadRecord(kKvMetaKey, "malformed");
  }
  return Meta{.rev = static_cast<int64_t>(rev),
              .compact_rev = static_cast<int64_t>(compact_plus_one) - 1};
}

}  // namespace

std::string KvRecordKey(Revision rev) {
  CAIRN_CHECK(rev.main >= 0 && rev.sub >= 0, "revision %s",
              RevisionToString(rev).c_str());
  std::string key(kKvRecordPrefix);
  AppendBigEndian64(key, static_cast<uint64_t>(rev.main));
  AppendBigEndian64(key, static_cast<uint64_t>(rev.sub));
  return key;
}

std::string EncodeKvRecord(const KvRecord& record) {
  std::string body;
  AppendKvRecordBody(record, body);
  return storage::EncodeStoredValue(KvRecordKey(record.rev), body);
}

Result<KvRecord> DecodeKvRecord(std::string_view key, std::string_view value) {
  if (key.size() != kRecordKeyBytes || !key.starts_with(kKvRecordPrefix)) {
    return BadRecord(key, "not a revision key");
  }
  const uint64_t main = DecodeBigEndian64(key.substr(kKvRecordPrefix.size()));
  const uint64_t sub =
      DecodeBigEndian64(key.substr(kKvRecordPrefix.size() + 8));
  if (main > uint64_t{INT64_MAX} || sub > uint64_t{INT64_MAX}) {
    return BadRecord(key, "revision out of range");
  }
  Result<std::string_view> body = storage::DecodeStoredValue(key, value);
  if (!body.ok()) return body.status();
  KvRecord rec;
  Status s = DecodeKvRecordBody(
      body.value(),
      Revision{static_cast<int64_t>(main), static_cast<int64_t>(sub)}, rec);
  if (!s.ok()) return BadRecord(key, s.message().c_str());
  return rec;
}

void WriteKvChanges(const KvChanges& changes, storage::WriteBatch& batch) {
  if (changes.empty()) return;
  for (const KvRecord& r : changes.added) {
    batch.Put(KvRecordKey(r.rev), EncodeKvRecord(r));
  }
  for (const Revision& rev : changes.removed) batch.Delete(KvRecordKey(rev));
  batch.Put(std::string(kKvMetaKey),
            EncodeMeta(changes.rev, changes.compact_rev));
}

Result<std::unique_ptr<KvStore>> LoadKvStore(const storage::Backend& backend,
                                             KvStoreOptions options) {
  Meta meta;
  Result<std::string> meta_value = backend.Get(kKvMetaKey);
  const bool has_meta = meta_value.ok();
  if (has_meta) {
    Result<Meta> decoded = DecodeMeta(meta_value.value());
    if (!decoded.ok()) return decoded.status();
    meta = decoded.value();
  } else if (meta_value.status().code() != Code::kNotFound) {
    return meta_value.status();
  }
  auto store = std::make_unique<KvStore>(std::move(options));
  Status status;
  Status scan = backend.Scan(
      kKvRecordPrefix, kKvRecordEnd,
      [&](std::string_view key, std::string_view value) {
        Result<KvRecord> rec = DecodeKvRecord(key, value);
        status = rec.ok() ? store->RestoreRecord(std::move(rec).value())
                          : rec.status();
        return status.ok();
      });
  if (!scan.ok()) return scan;
  if (!status.ok()) return status;
  if (!has_meta && store->rev() != 1) {
    return BadRecord(kKvMetaKey, "missing while revision records exist");
  }
  status = store->FinishRestore(meta.rev, meta.compact_rev);
  if (!status.ok()) return status;
  return store;
}

}  // namespace cairn::mvcc
