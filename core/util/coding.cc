#include "core/util/coding.h"

#include "core/util/check.h"

namespace cairn {

// Both build the bytes in a local buffer and append them at once: one
// capacity check instead of one per byte (they run for every field of
// every record).
void AppendFixed(std::string& out, uint64_t v, int bytes) {
  CAIRN_CHECK(bytes >= 1 && bytes <= 8, "AppendFixed of %d bytes", bytes);
  char buf[8];
  for (int i = 0; i < bytes; i++) {
    buf[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  }
  out.append(buf, static_cast<size_t>(bytes));
}

void AppendVarintSlow(std::string& out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

void AppendBigEndian64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

uint64_t DecodeBigEndian64(std::string_view in) {
  CAIRN_CHECK(in.size() >= 8, "DecodeBigEndian64 of %zu bytes", in.size());
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) {
    v = (v << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
  }
  return v;
}

uint8_t ByteReader::U8() {
  if (!ok_ || pos_ >= in_.size()) return static_cast<uint8_t>(Fail());
  return static_cast<uint8_t>(in_[pos_++]);
}

uint64_t ByteReader::Fixed(int bytes) {
  CAIRN_CHECK(bytes >= 1 && bytes <= 8, "Fixed of %d bytes", bytes);
  if (!ok_ || remaining() < static_cast<size_t>(bytes)) return Fail();
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_++])) << (8 * i);
  }
  return v;
}

uint64_t ByteReader::Varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    const uint8_t b = U8();
    if (!ok_) return 0;
    // The tenth byte may only carry the top bit of a 64-bit value.
    if (shift == 63 && b > 1) return Fail();
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      if (b == 0 && shift > 0) return Fail();
      return v;
    }
  }
  return Fail();
}

std::string_view ByteReader::LengthPrefixed() {
  const uint64_t n = Varint();
  if (!ok_ || n > remaining()) {
    Fail();
    return {};
  }
  return Raw(static_cast<size_t>(n));
}

std::string_view ByteReader::Raw(size_t n) {
  if (!ok_ || n > remaining()) {
    Fail();
    return {};
  }
  std::string_view out = in_.substr(pos_, n);
  pos_ += n;
  return out;
}

}  // namespace cairn
