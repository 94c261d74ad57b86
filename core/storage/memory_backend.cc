#include "core/storage/memory_backend.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/storage/stored_value.h"
#include "core/util/check.h"
#include "core/util/coding.h"
#include "core/util/crc32c.h"
#include "core/util/strings.h"

namespace cairn::storage {
namespace {

constexpr size_t kRecordHeader = 8;  // crc + body length
constexpr uint8_t kPutOp = 1;
constexpr uint8_t kDeleteOp = 0;

void AppendBytes(std::string& out, std::string_view bytes) {
  AppendVarint(out, bytes.size());
  out.append(bytes);
}

}  // namespace

std::string MemoryBackend::EncodeBatch(const WriteBatch& batch) {
  std::string body;
  AppendVarint(body, batch.ops().size());
  for (const WriteBatch::Op& op : batch.ops()) {
    body.push_back(static_cast<char>(op.value ? kPutOp : kDeleteOp));
    AppendBytes(body, op.key);
    if (op.value) AppendBytes(body, EncodeStoredValue(op.key, *op.value));
  }
  std::string record;
  AppendFixed(record, Crc32c(body), 4);
  AppendFixed(record, body.size(), 4);
  return record + body;
}

bool MemoryBackend::ApplyRecord(std::string_view record, Map& map) {
  ByteReader header(record);
  const uint64_t crc = header.Fixed(4);
  const uint64_t len = header.Fixed(4);
  if (!header.ok() || len != header.remaining()) return false;
  const std::string_view body = record.substr(kRecordHeader);
  if (Crc32c(body) != crc) return false;
  ByteReader r(body);
  struct Parsed {
    std::string_view key;
    std::optional<std::string_view> stored;
  };
  std::vector<Parsed> ops;
  const uint64_t count = r.Varint();
  for (uint64_t i = 0; r.ok() && i < count; i++) {
    const uint8_t kind = r.U8();
    Parsed op{.key = r.LengthPrefixed(), .stored = std::nullopt};
    if (kind == kPutOp) {
      op.stored = r.LengthPrefixed();
    } else if (kind != kDeleteOp) {
      return false;
    }
    ops.push_back(op);
  }
  if (!r.done()) return false;
  for (const Parsed& op : ops) {
    if (op.stored) {
      map.insert_or_assign(std::string(op.key), std::string(*op.stored));
    } else if (auto it = map.find(op.key); it != map.end()) {
      map.erase(it);
    }
  }
  return true;
}

Status MemoryBackend::Commit(const WriteBatch& batch, bool sync) {
  if (fail_commits_ > 0) {
    fail_commits_--;
    return Status::IOError("memory backend: injected write failure");
  }
  std::string record = EncodeBatch(batch);
  // Through the decoder, so that the bytes a crash keeps are the bytes
  // read now.
  const bool applied = ApplyRecord(record, live_);
  CAIRN_CHECK(applied, "memory backend: a fresh batch record did not decode");
  unsynced_.push_back(std::move(record));
  if (sync) {
    for (const std::string& r : unsynced_) {
      const bool ok = ApplyRecord(r, durable_);
      CAIRN_CHECK(ok, "memory backend: batch record did not decode");
    }
    unsynced_.clear();
  }
  return Status::Ok();
}

Result<std::string> MemoryBackend::Get(std::string_view key) const {
  auto it = live_.find(key);
  if (it == live_.end()) {
    return Status::NotFound(
        StrFormat("backend: key %s not found", EscapeBytes(key).c_str()));
  }
  Result<std::string_view> value = DecodeStoredValue(key, it->second);
  if (!value.ok()) return value.status();
  return std::string(value.value());
}

Status MemoryBackend::Scan(
    std::string_view begin, std::string_view end,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  for (auto it = live_.lower_bound(begin); it != live_.end(); ++it) {
    if (!end.empty() && std::string_view(it->first) >= end) break;
    Result<std::string_view> value = DecodeStoredValue(it->first, it->second);
    if (!value.ok()) return value.status();
    if (!fn(it->first, value.value())) break;
  }
  return Status::Ok();
}

void MemoryBackend::Crash(bool tear_last) {
  CrashOptions options;
  if (tear_last && !unsynced_.empty()) {
    // Move the last batch into the torn position right after the durable
    // image; the earlier unsynced batches are lost either way.
    std::swap(unsynced_.front(), unsynced_.back());
    options.torn_bytes = std::max<size_t>(1, unsynced_.front().size() / 2);
  }
  Crash(options);
}

void MemoryBackend::Crash(const CrashOptions& options) {
  const size_t keep = std::min(options.keep_unsynced, unsynced_.size());
  for (size_t i = 0; i < keep; i++) {
    const bool ok = ApplyRecord(unsynced_[i], durable_);
    CAIRN_CHECK(ok, "memory backend: batch record did not decode");
  }
  if (options.torn_bytes > 0 && keep < unsynced_.size()) {
    const std::string& next = unsynced_[keep];
    const size_t n = std::min(options.torn_bytes, next.size() - 1);
    // Recovery reads the torn record like any other; its length and
    // checksum must expose it, or a half batch would be applied.
    const bool applied =
        ApplyRecord(std::string_view(next).substr(0, n), durable_);
    CAIRN_CHECK(!applied, "memory backend: a torn batch record was applied");
    torn_discarded_++;
  }
  unsynced_.clear();
  live_ = durable_;
}

bool MemoryBackend::CorruptValue(std::string_view key) {
  bool found = false;
  for (Map* map : {&live_, &durable_}) {
    auto it = map->find(key);
    if (it == map->end() || it->second.empty()) continue;
    it->second[0] = static_cast<char>(it->second[0] ^ 0x10);
    found = true;
  }
  return found;
}

}  // namespace cairn::storage
