#include "core/storage/backend_snapshot.h"

#include <cstdint>

#include "core/util/coding.h"
#include "core/util/crc32c.h"
#include "core/util/strings.h"

namespace cairn::storage {
namespace {

constexpr std::string_view kMagic("CBS\x01", 4);
constexpr uint8_t kRecordTag = 1;
constexpr uint8_t kEndTag = 2;

Status Bad(const char* what) {
  return Status::Corruption(StrFormat("backend snapshot: %s", what));
}

size_t VarintBytes(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

// Parses the records after the magic into `batch` as puts; returns the
// position of the end tag. Checks each record's checksum and key order.
Result<size_t> ParseRecords(std::string_view dump, WriteBatch& batch) {
  size_t pos = kMagic.size();
  std::string last_key;
  bool first = true;
  while (pos < dump.size() && static_cast<uint8_t>(dump[pos]) == kRecordTag) {
    ByteReader r(dump.substr(pos + 1));
    const std::string_view key = r.LengthPrefixed();
    const std::string_view value = r.LengthPrefixed();
    if (!r.ok()) return Bad("truncated record");
    const size_t body = 1 + (dump.size() - pos - 1 - r.remaining());
    const uint64_t crc = r.Fixed(4);
    if (!r.ok()) return Bad("truncated record");
    if (crc != Crc32c(dump.substr(pos, body))) {
      return Bad("record checksum mismatch");
    }
    if (!first && key <= last_key) return Bad("keys out of order");
    first = false;
    last_key.assign(key);
    batch.Put(std::string(key), std::string(value));
    pos += body + 4;
  }
  return pos;
}

}  // namespace

std::string DumpEncoder::Header() {
  crc_ = Crc32c(kMagic, crc_);
  return std::string(kMagic);
}

void DumpEncoder::Record(std::string& out, std::string_view key,
                         std::string_view value) {
  const size_t start = out.size();
  out.push_back(static_cast<char>(kRecordTag));
  AppendVarint(out, key.size());
  out.append(key);
  AppendVarint(out, value.size());
  out.append(value);
  AppendFixed(out, Crc32c(std::string_view(out).substr(start)), 4);
  crc_ = Crc32c(std::string_view(out).substr(start), crc_);
  records_++;
}

std::string DumpEncoder::Trailer() {
  std::string out;
  out.push_back(static_cast<char>(kEndTag));
  AppendVarint(out, records_);
  AppendFixed(out, Crc32c(out, crc_), 4);
  return out;
}

size_t DumpEncoder::HeaderBytes() { return kMagic.size(); }

size_t DumpEncoder::RecordBytes(std::string_view key, std::string_view value) {
  return 1 + VarintBytes(key.size()) + key.size() + VarintBytes(value.size()) +
         value.size() + 4;
}

size_t DumpEncoder::TrailerBytes(uint64_t records) {
  return 1 + VarintBytes(records) + 4;
}

Result<std::string> DumpBackend(const Backend& backend) {
  DumpEncoder enc;
  std::string out = enc.Header();
  Status s = backend.Scan({}, {}, [&](std::string_view k, std::string_view v) {
    enc.Record(out, k, v);
    return true;
  });
  if (!s.ok()) return s;
  out += enc.Trailer();
  return out;
}

Status RestoreBackend(Backend& backend, std::string_view dump) {
  if (dump.substr(0, kMagic.size()) != kMagic) {
    return Bad("bad magic or version");
  }
  // Deletes of the present keys first, then the puts; reading the backend
  // writes nothing, so a bad dump still leaves it untouched.
  WriteBatch batch;
  Status s = backend.Scan({}, {}, [&](std::string_view k, std::string_view) {
    batch.Delete(std::string(k));
    return true;
  });
  if (!s.ok()) return s;
  const size_t deletes = batch.ops().size();
  Result<size_t> end = ParseRecords(dump, batch);
  if (!end.ok()) return end.status();
  ByteReader r(dump.substr(end.value()));
  const uint8_t tag = r.U8();
  const uint64_t count = r.Varint();
  const size_t covered = dump.size() - r.remaining();
  const uint64_t crc = r.Fixed(4);
  if (!r.ok() || tag != kEndTag) return Bad("bad or missing trailer");
  const std::string_view padding = dump.substr(dump.size() - r.remaining());
  if (padding.size() >= kDumpAlignment ||
      padding.find_first_not_of('\0') != std::string_view::npos) {
    return Bad("bad or missing trailer");
  }
  if (crc != Crc32c(dump.substr(0, covered))) return Bad("checksum mismatch");
  if (count != batch.ops().size() - deletes) {
    return Bad("record count mismatch");
  }
  return backend.Commit(batch, /*sync=*/true);
}

}  // namespace cairn::storage
