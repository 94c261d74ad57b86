#include "core/mvcc/packed_record.h"

#include <cstring>

#include "core/util/check.h"
#include "core/util/coding.h"

namespace cairn::mvcc {
namespace {

constexpr uint8_t kPutKind = 0;
constexpr uint8_t kTombstoneKind = 1;
// A body's bytes beyond its key and value: the kind and five varints.
constexpr size_t kBodyOverhead = 1 + 5 * 10;

}  // namespace

void AppendKvRecordBody(const KvRecord& record, std::string& out) {
  out.push_back(
      static_cast<char>(record.tombstone ? kTombstoneKind : kPutKind));
  AppendVarint(out, record.kv.key.size());
  out += record.kv.key;
  if (record.tombstone) return;
  AppendVarint(out, static_cast<uint64_t>(record.kv.create_revision));
  AppendVarint(out, static_cast<uint64_t>(record.kv.version));
  AppendVarint(out, static_cast<uint64_t>(record.kv.lease));
  AppendVarint(out, record.kv.value.size());
  out += record.kv.value;
}

Status DecodeKvRecordBody(std::string_view body, Revision rev, KvRecord& out) {
  ByteReader r(body);
  out = KvRecord{};
  out.rev = rev;
  const uint8_t kind = r.U8();
  out.tombstone = kind == kTombstoneKind;
  out.kv.key = std::string(r.LengthPrefixed());
  if (kind == kPutKind) {
    out.kv.create_revision = static_cast<int64_t>(r.Varint());
    out.kv.mod_revision = rev.main;
    out.kv.version = static_cast<int64_t>(r.Varint());
    out.kv.lease = static_cast<int64_t>(r.Varint());
    out.kv.value = std::string(r.LengthPrefixed());
  } else if (kind != kTombstoneKind) {
    return Status::Corruption("unknown record kind");
  }
  if (!r.done()) return Status::Corruption("malformed record");
  return Status::Ok();
}

PackedRecord::PackedRecord(const KvRecord& record) : rev(record.rev) {
  std::string body;
  body.reserve(kBodyOverhead + record.kv.key.size() + record.kv.value.size());
  AppendKvRecordBody(record, body);
  std::string length;
  AppendVarint(length, body.size());
  // Not make_unique: it would zero the block first.
  data_.reset(new char[length.size() + body.size()]);
  std::memcpy(data_.get(), length.data(), length.size());
  std::memcpy(data_.get() + length.size(), body.data(), body.size());
}

// The length was written by AppendVarint, so it is well formed and the
// loop reads only the block's own bytes.
std::string_view PackedRecord::body() const {
  const char* p = data_.get();
  uint64_t n = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<uint8_t>(*p++);
    n |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
  }
  return std::string_view(p, static_cast<size_t>(n));
}

size_t PackedRecord::payload_bytes() const {
  ByteReader r(body());
  const bool put = r.U8() == kPutKind;
  size_t bytes = r.LengthPrefixed().size();
  if (put) {
    for (int i = 0; i < 3; i++) r.Varint();
    bytes += r.LengthPrefixed().size();
  }
  return bytes;
}

KvRecord PackedRecord::Unpack() const {
  KvRecord out;
  Status s = DecodeKvRecordBody(body(), rev, out);
  CAIRN_CHECK(s.ok(), "packed record at %s: %s", RevisionToString(rev).c_str(),
              s.ToString().c_str());
  return out;
}

KeyValue PackedRecord::kv() const { return Unpack().kv; }

size_t PackedRecord::heap_bytes() const {
  const std::string_view b = body();
  return static_cast<size_t>(b.data() - data_.get()) + b.size();
}

}  // namespace cairn::mvcc
