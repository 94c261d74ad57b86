// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of
// every record cairn encodes (Raft messages and entries, lessor images) and
// of etcd's HashKV. Pure core; a table-driven function with no state.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn {

// The CRC-32C of `data`, continuing from `crc` (0 for a fresh checksum):
// Crc32c(b, Crc32c(a)) == Crc32c(a + b). Crc32c("123456789") == 0xe3069283.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

}  // namespace cairn
