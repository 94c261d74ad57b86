// Fuzzes the Raft codec (core/raft/codec.h). The first input byte picks
// the decoder (message, entry, hard state, snapshot, conf change; low bits
// mod 5) and the mode (bit 7 set: raw, the rest of the input is decoded
// as is; clear: framed, the rest is the body after the kind and version
// bytes and the target adds the frame with a correct CRC-32C).
//
// Properties: decoding never crashes or trips a sanitizer; errors are
// kCorruption with a message; a value that decodes re-encodes to exactly
// the input bytes (the codec is canonical: minimal varints, strict bools
// and enums, no trailing bytes) and decodes again to an equal value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/raft/codec.h"
#include "core/util/check.h"
#include "tests/fuzz/fuzz_util.h"

namespace cairn::fuzz {
namespace {

constexpr uint8_t kVersion = 1;  // codec.cc's format version

template <class T, class DecodeFn, class EncodeFn>
void RoundTrip(std::string_view bytes, DecodeFn decode, EncodeFn encode) {
  Result<T> first = decode(bytes);
  if (!first.ok()) {
    CheckCorruption(first.status());
    return;
  }
  const std::string again = encode(first.value());
  CAIRN_CHECK(again == bytes, "re-encoding gave %zu bytes for %zu input bytes",
              again.size(), bytes.size());
  Result<T> second = decode(again);
  CAIRN_CHECK(second.ok(), "re-encoded value does not decode: %s",
              second.status().ToString().c_str());
  CAIRN_CHECK(second.value() == first.value(), "round trip changed the value");
}

}  // namespace
}  // namespace cairn::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn;
  fuzz::FuzzInput in(data, size);
  const uint8_t selector = in.Byte();
  const int which = (selector & 0x7f) % 5;
  const bool raw = (selector & 0x80) != 0;
  const std::string_view rest = in.Rest();
  std::string bytes;
  if (raw) {
    bytes = std::string(rest);
  } else {
    std::string body;
    body.push_back(static_cast<char>(which + 1));  // codec.cc's Kind
    body.push_back(static_cast<char>(fuzz::kVersion));
    body += rest;
    bytes = fuzz::CrcFirst(body);
  }
  switch (which) {
    case 0:
      fuzz::RoundTrip<raft::Message>(bytes, raft::DecodeMessage,
                                     raft::EncodeMessage);
      break;
    case 1:
      fuzz::RoundTrip<raft::Entry>(bytes, raft::DecodeEntry, raft::EncodeEntry);
      break;
    case 2:
      fuzz::RoundTrip<raft::HardState>(bytes, raft::DecodeHardState,
                                       raft::EncodeHardState);
      break;
    case 3:
      fuzz::RoundTrip<raft::Snapshot>(bytes, raft::DecodeSnapshot,
                                      raft::EncodeSnapshot);
      break;
    default:
      fuzz::RoundTrip<raft::ConfChange>(bytes, raft::DecodeConfChange,
                                        raft::EncodeConfChange);
      break;
  }
  return 0;
}
