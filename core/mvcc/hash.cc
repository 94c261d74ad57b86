#include "core/mvcc/hash.h"

#include <array>

namespace cairn::mvcc {
namespace {

// The reflected Castagnoli polynomial.
constexpr uint32_t kCastagnoli = 0x82f63b78;

constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; bit++) {
      crc = (crc & 1) ? (crc >> 1) ^ kCastagnoli : crc >> 1;
    }
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kTable = MakeTable();

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

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

uint32_t Crc32cExtend(uint32_t crc, std::string_view data) {
  crc = ~crc;
  for (unsigned char c : data) {
    crc = kTable[(crc ^ c) & 0xff] ^ (crc >> 8);
  }
  return ~crc;
}

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
