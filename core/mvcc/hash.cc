#include "core/mvcc/hash.h"

#include "core/util/coding.h"

namespace cairn::mvcc {
namespace {

void AppendInt64Field(std::string& out, int field, int64_t v) {
  if (v == 0) return;
  AppendVarint(out, static_cast<uint64_t>(field) << 3);  // wire type 0
  AppendVarint(out, static_cast<uint64_t>(v));
}

void AppendBytesField(std::string& out, int field, const std::string& v) {
  if (v.empty()) return;
  AppendVarint(out, (static_cast<uint64_t>(field) << 3) | 2);  // wire type 2
  AppendVarint(out, v.size());
  out += v;
}

}  // namespace

std::string MarshalKeyValue(const KeyValue& kv) {
  std::string out;
  out.reserve(kv.key.size() + kv.value.size() + 40);
  AppendBytesField(out, 1, kv.key);
  AppendInt64Field(out, 2, kv.create_revision);
  AppendInt64Field(out, 3, kv.mod_revision);
  AppendInt64Field(out, 4, kv.version);
  AppendBytesField(out, 5, kv.value);
  AppendInt64Field(out, 6, kv.lease);
  return out;
}

}  // namespace cairn::mvcc
