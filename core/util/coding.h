// Byte encodings shared by cairn's codecs: little-endian fixed-width
// integers and protobuf-style base-128 varints. Pure core; appends to a
// caller's string, no state.
#pragma once

#include <cstdint>
#include <string>

namespace cairn {

// Appends the low `bytes` bytes of `v`, least significant first.
// REQUIRES: 1 <= bytes <= 8.
void AppendFixed(std::string& out, uint64_t v, int bytes);

// Appends `v` as a varint: 7 bits a byte, low bits first, the top bit of
// each byte but the last set (protobuf's encoding, 1 to 10 bytes).
void AppendVarint(std::string& out, uint64_t v);

}  // namespace cairn
