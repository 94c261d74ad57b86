// Byte encodings shared by cairn's codecs: little-endian fixed-width
// integers, big-endian keys, protobuf-style base-128 varints, and a
// bounds-checked reader for them. Pure core; no state beyond the reader's
// position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn {

// Appends the low `bytes` bytes of `v`, least significant first.
// REQUIRES: 1 <= bytes <= 8.
void AppendFixed(std::string& out, uint64_t v, int bytes);

// AppendVarint's multi-byte case.
void AppendVarintSlow(std::string& out, uint64_t v);

// Appends `v` as a varint: 7 bits a byte, low bits first, the top bit of
// each byte but the last set (protobuf's encoding, 1 to 10 bytes).
inline void AppendVarint(std::string& out, uint64_t v) {
  // Most fields (types, ids, small terms and indexes) fit one byte.
  if (v < 0x80) {
    out.push_back(static_cast<char>(v));
  } else {
    AppendVarintSlow(out, v);
  }
}

// Appends `v` as 8 bytes, most significant first, so that byte-wise order
// of the encodings is the numeric order (storage keys).
void AppendBigEndian64(std::string& out, uint64_t v);

// The value of 8 big-endian bytes. REQUIRES: in.size() >= 8.
uint64_t DecodeBigEndian64(std::string_view in);

// Reads the encodings above from a byte string. Every read checks bounds;
// the first failure sticks (ok() turns false and reads return zero or
// empty), so a decoder reads a whole structure and checks ok() once.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}

  uint8_t U8();
  // `bytes` little-endian bytes (AppendFixed). REQUIRES: 1 <= bytes <= 8.
  uint64_t Fixed(int bytes);
  // A minimal varint (non-minimal encodings fail, so that a flipped
  // continuation bit is always caught).
  uint64_t Varint();
  // A varint length, then that many bytes; the view borrows the input.
  std::string_view LengthPrefixed();
  // The next `n` bytes, borrowed from the input.
  std::string_view Raw(size_t n);

  bool ok() const { return ok_; }
  // True when every byte was read (and nothing failed).
  bool done() const { return ok_ && pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  uint64_t Fail() {
    ok_ = false;
    return 0;
  }

  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace cairn
