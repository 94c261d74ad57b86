#include "core/lease/lessor_persist.h"

#include <map>
#include <utility>

#include "core/lease/lessor_codec.h"
#include "core/storage/stored_value.h"
#include "core/util/coding.h"
#include "core/util/crc32c.h"
#include "core/util/strings.h"

namespace cairn::lease {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

Status BadRecord(std::string_view key, const char* why) {
  return Status::Corruption(
      StrFormat("lease backend: key %s: %s", EscapeBytes(key).c_str(), why));
}

std::string EncodeLease(const Lease& lease) {
  std::string body;
  AppendVarint(body, static_cast<uint64_t>(lease.ttl_s));
  AppendVarint(body, static_cast<uint64_t>(lease.remaining_ttl_s));
  return storage::EncodeStoredValue(LeaseRecordKey(lease.id), body);
}

std::string EncodeCounter(uint64_t counter) {
  std::string body;
  AppendVarint(body, counter);
  return storage::EncodeStoredValue(kLeaseMetaKey, body);
}

Result<LeaseRecord> DecodeLease(std::string_view key, std::string_view value) {
  if (key.size() != kLeaseRecordPrefix.size() + 8) {
    return BadRecord(key, "not a lease key");
  }
  Result<std::string_view> body = storage::DecodeStoredValue(key, value);
  if (!body.ok()) return body.status();
  ByteReader r(body.value());
  LeaseRecord rec;
  rec.id = static_cast<LeaseId>(
      DecodeBigEndian64(key.substr(kLeaseRecordPrefix.size())) ^ kSignBit);
  const uint64_t ttl = r.Varint();
  const uint64_t remaining = r.Varint();
  if (!r.done() || rec.id == kNoLease || ttl < 1 ||
      ttl > uint64_t{kMaxLeaseTtlS} || remaining > uint64_t{kMaxLeaseTtlS}) {
    return BadRecord(key, "malformed lease");
  }
  rec.ttl_s = static_cast<int64_t>(ttl);
  rec.remaining_ttl_s = static_cast<int64_t>(remaining);
  return rec;
}

// The auto id counter; 0 when never written (explicit ids only).
Result<uint64_t> LoadCounter(const storage::Backend& backend) {
  Result<std::string> value = backend.Get(kLeaseMetaKey);
  if (!value.ok()) {
    if (value.status().code() == Code::kNotFound) return uint64_t{0};
    return value.status();
  }
  Result<std::string_view> body =
      storage::DecodeStoredValue(kLeaseMetaKey, value.value());
  if (!body.ok()) return body.status();
  ByteReader r(body.value());
  const uint64_t counter = r.Varint();
  if (!r.done()) return BadRecord(kLeaseMetaKey, "malformed");
  return counter;
}

// Attaches every live key with a lease to its record in `image`.
Status AttachKeys(const mvcc::KvStore& kv, LessorImage& image) {
  std::map<LeaseId, size_t> pos;
  for (size_t i = 0; i < image.leases.size(); i++) {
    pos[image.leases[i].id] = i;
  }
  Status status;
  kv.VisitLive([&](const mvcc::KeyValue& live) {
    if (live.lease == kNoLease || !status.ok()) return;
    auto it = pos.find(live.lease);
    if (it == pos.end()) {
      status = Status::Corruption(StrFormat(
          "lease backend: key %s is attached to lease %lld, which is not "
          "stored",
          EscapeBytes(live.key).c_str(), static_cast<long long>(live.lease)));
      return;
    }
    // VisitLive walks keys ascending, so each list stays sorted.
    image.leases[it->second].keys.push_back(live.key);
  });
  return status;
}

}  // namespace

std::string LeaseRecordKey(LeaseId id) {
  std::string key(kLeaseRecordPrefix);
  AppendBigEndian64(key, static_cast<uint64_t>(id) ^ kSignBit);
  return key;
}

void WriteLessorChanges(const Lessor& lessor, const LessorChanges& changes,
                        storage::WriteBatch& batch) {
  for (LeaseId id : changes.leases) {
    if (const Lease* lease = lessor.Find(id)) {
      batch.Put(LeaseRecordKey(id), EncodeLease(*lease));
    } else {
      batch.Delete(LeaseRecordKey(id));
    }
  }
  if (changes.counter_changed) {
    batch.Put(std::string(kLeaseMetaKey),
              EncodeCounter(lessor.auto_id_counter()));
  }
}

void WriteLessor(const Lessor& lessor, storage::WriteBatch& batch) {
  LessorChanges all;
  all.leases = lessor.Leases();
  all.counter_changed = true;
  WriteLessorChanges(lessor, all, batch);
}

Result<std::unique_ptr<Lessor>> LoadLessor(const storage::Backend& backend,
                                           const Config& cfg,
                                           const mvcc::KvStore& kv) {
  Result<uint64_t> counter = LoadCounter(backend);
  if (!counter.ok()) return counter.status();
  LessorImage image;
  image.auto_id_counter = counter.value();
  Status status;
  Status scan = backend.Scan(kLeaseRecordPrefix, kLeaseRecordEnd,
                             [&](std::string_view key, std::string_view value) {
                               Result<LeaseRecord> rec =
                                   DecodeLease(key, value);
                               if (!rec.ok()) status = rec.status();
                               if (rec.ok())
                                 image.leases.push_back(std::move(rec).value());
                               return status.ok();
                             });
  if (!scan.ok()) return scan;
  if (!status.ok()) return status;
  status = AttachKeys(kv, image);
  if (!status.ok()) return status;
  auto lessor = std::make_unique<Lessor>(cfg);
  // Through the snapshot codec, which checks limits and invariants once
  // for both ways a lessor's state arrives.
  status = lessor->Restore(EncodeLessorImage(image));
  if (!status.ok()) return status;
  if (cfg.track_changes) (void)lessor->TakeChanges();
  return lessor;
}

}  // namespace cairn::lease
