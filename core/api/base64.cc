#include "core/api/base64.h"

#include <array>
#include <cstdint>

namespace cairn::api {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kInvalid = 0xff;

// Built at compile time, so there is no mutable state (STYLE.md A7).
constexpr std::array<uint8_t, 256> MakeDecodeMap() {
  std::array<uint8_t, 256> map{};
  for (auto& v : map) v = kInvalid;
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    map[static_cast<uint8_t>(kAlphabet[i])] = static_cast<uint8_t>(i);
  }
  return map;
}
constexpr std::array<uint8_t, 256> kDecodeMap = MakeDecodeMap();

bool IsNewline(char c) { return c == '\n' || c == '\r'; }

Status Corrupt(size_t offset) {
  return Status::InvalidArgument("illegal base64 data at input byte " +
                                 std::to_string(offset));
}

size_t SkipNewlines(std::string_view src, size_t si) {
  while (si < src.size() && IsNewline(src[si])) ++si;
  return si;
}

// The state of one 4-character quantum being decoded.
struct Quantum {
  std::array<uint8_t, 4> sextets{};
  size_t count = 0;  // sextets read (2..4 when complete)
  bool is_last = false;
};

// Handles a '=' met at quantum position j (Go's decodeQuantum padding
// branch). `si` is just past the '='. Returns the offset of a problem or
// src.size()+1 when the padding is well formed.
size_t CheckPadding(std::string_view src, size_t si, size_t j) {
  if (j < 2) return si - 1;  // "=" too early: incorrect padding
  if (j == 2) {
    // "==" is required; the first '=' is consumed already.
    si = SkipNewlines(src, si);
    if (si == src.size()) return src.size();  // not enough padding
    if (src[si] != '=') return si - 1;
    ++si;
  }
  si = SkipNewlines(src, si);
  if (si < src.size()) return si;  // data after the padding
  return src.size() + 1;
}

void AppendQuantum(const Quantum& q, std::string& out) {
  uint32_t v = (uint32_t{q.sextets[0]} << 18) | (uint32_t{q.sextets[1]} << 12) |
               (uint32_t{q.sextets[2]} << 6) | uint32_t{q.sextets[3]};
  out.push_back(static_cast<char>(v >> 16));
  if (q.count >= 3) out.push_back(static_cast<char>((v >> 8) & 0xff));
  if (q.count >= 4) out.push_back(static_cast<char>(v & 0xff));
}

}  // namespace

std::string EncodeBase64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
    size_t n = bytes.size() - i < 3 ? bytes.size() - i : 3;
    if (n > 1) v |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
    if (n > 2) v |= uint32_t{static_cast<uint8_t>(bytes[i + 2])};
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(n > 1 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back(n > 2 ? kAlphabet[v & 63] : '=');
  }
  return out;
}

// Mirrors Go's encoding/base64 decodeQuantum loop so that the reported
// offsets are the ones etcd's gateway reports.
Result<std::string> DecodeBase64(std::string_view src) {
  std::string out;
  size_t si = 0;
  while (true) {
    Quantum q;
    for (int j = 0; j < 4; ++j) {
      if (si == src.size()) {
        if (j == 0) return out;
        return Corrupt(si - static_cast<size_t>(j));  // padding required
      }
      char in = src[si++];
      uint8_t v = kDecodeMap[static_cast<uint8_t>(in)];
      if (v != kInvalid) {
        q.sextets[static_cast<size_t>(j)] = v;
        q.count = static_cast<size_t>(j) + 1;
        continue;
      }
      if (IsNewline(in)) {
        --j;
        continue;
      }
      if (in != '=') return Corrupt(si - 1);
      size_t bad = CheckPadding(src, si, static_cast<size_t>(j));
      if (bad <= src.size()) return Corrupt(bad);
      q.is_last = true;
      break;
    }
    AppendQuantum(q, out);
    if (q.is_last) return out;
  }
}

}  // namespace cairn::api
