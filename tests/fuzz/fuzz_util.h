// Helpers shared by the libFuzzer targets in tests/fuzz.
//
// Most of cairn's binary formats start or end with a CRC-32C, which a
// mutating fuzzer almost never gets right, so nearly every input would
// stop at the checksum test. The targets therefore take a mode from the
// input: "framed" inputs carry only the body and the target computes the
// checksum around it (so the fuzzer reaches the field decoders), "raw"
// inputs are passed through unchanged (so the checksum and framing
// checks are fuzzed too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/util/check.h"
#include "core/util/coding.h"
#include "core/util/crc32c.h"
#include "core/util/status.h"

namespace cairn::fuzz {

// Reads the fuzzer's bytes front to back; past the end every read gives
// zero bytes.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size)
      : in_(reinterpret_cast<const char*>(data), size) {}

  uint8_t Byte() {
    if (in_.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return b;
  }
  // Up to `n` bytes (fewer at the end).
  std::string_view Take(size_t n) {
    std::string_view out = in_.substr(0, n);
    in_.remove_prefix(out.size());
    return out;
  }
  // A byte string with a one-byte length.
  std::string_view Short() { return Take(Byte()); }
  std::string_view Rest() { return Take(in_.size()); }
  bool empty() const { return in_.empty(); }

 private:
  std::string_view in_;
};

// [u32 LE CRC-32C of body][body]: the frame of the raft and entry codecs.
inline std::string CrcFirst(std::string_view body) {
  std::string out;
  AppendFixed(out, Crc32c(body), 4);
  out += body;
  return out;
}

// The codecs' decode errors: kCorruption with a message.
inline void CheckCorruption(const Status& s) {
  CAIRN_CHECK(s.code() == Code::kCorruption && !s.message().empty(),
              "decode error is not a described kCorruption: %s",
              s.ToString().c_str());
}

}  // namespace cairn::fuzz
