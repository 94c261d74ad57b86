// The bytes a Backend keeps for each value: the caller's value followed by
// a CRC-32C of key and value, so that a damaged value (a flipped byte on
// disk, a value moved under another key) is reported as kCorruption and
// never returned. MemoryBackend and LevelDbBackend store exactly these
// bytes. Pure core; stateless functions.
//
// Layout: value bytes, then u32 little-endian Crc32c(value, Crc32c(key)).
#pragma once

#include <string>
#include <string_view>

#include "core/util/result.h"

namespace cairn::storage {

// Bytes added to each stored value.
inline constexpr size_t kStoredValueOverhead = 4;

std::string EncodeStoredValue(std::string_view key, std::string_view value);

// The value inside `stored` (a view into it). Errors: kCorruption naming
// the key when the checksum does not match or the record is too short.
Result<std::string_view> DecodeStoredValue(std::string_view key,
                                           std::string_view stored);

}  // namespace cairn::storage
