// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of
// every record cairn encodes (Raft messages and entries, lessor images) and
// of etcd's HashKV. Pure core; no state beyond constant tables.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn {

// The CRC-32C of `data`, continuing from `crc` (0 for a fresh checksum):
// Crc32c(b, Crc32c(a)) == Crc32c(a + b). Crc32c("123456789") == 0xe3069283.
// Uses the CPU's crc32 instruction (x86-64 with SSE4.2) when there is one,
// else Crc32cPortable; both give the same result on every input.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

// The same in portable C++ (slice-by-8 tables). Exposed so that tests can
// compare it with the hardware path.
uint32_t Crc32cPortable(std::string_view data, uint32_t crc = 0);

// Whether Crc32c uses the hardware instruction on this machine.
bool Crc32cHardware();

}  // namespace cairn
