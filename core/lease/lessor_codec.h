// The lessor's snapshot format: the replicated lessor state as bytes, for
// Raft snapshots. Pure core; stateless functions.
//
// Layout (integers little-endian, fixed width):
//   "CLS" 0x01                  magic and format version
//   u64 auto_id_counter
//   u32 lease_count
//   lease_count times:
//     i64 id, i64 ttl_s, i64 remaining_ttl_s, u32 key_count,
//     key_count times: u32 key_len, key bytes
//   u32 crc32c of every byte before it
//
// The encoding is canonical (leases by ascending id, keys ascending), so
// equal states give equal bytes. Decode checks the checksum first and then
// every field, so corrupt input is reported as kCorruption and never
// crashes or allocates beyond what the input's length allows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/lease/lease.h"
#include "core/util/crc32c.h"
#include "core/util/result.h"

namespace cairn::lease {

struct LeaseRecord {
  LeaseId id = kNoLease;
  int64_t ttl_s = 0;
  int64_t remaining_ttl_s = 0;
  std::vector<std::string> keys;  // ascending, unique

  bool operator==(const LeaseRecord&) const = default;
};

struct LessorImage {
  uint64_t auto_id_counter = 0;
  std::vector<LeaseRecord> leases;  // ascending id, no kNoLease

  bool operator==(const LessorImage&) const = default;
};

// REQUIRES: `image` is canonical (ascending unique ids and keys), as the
// lessor produces it.
std::string EncodeLessorImage(const LessorImage& image);

// Decodes bytes made by EncodeLessorImage. Errors: kCorruption for a bad
// magic, version, checksum, length, order, id, TTL or key; a key attached
// to two leases is corruption too. kResourceExhausted when it holds more
// than `max_leases` leases.
Result<LessorImage> DecodeLessorImage(std::string_view bytes,
                                      size_t max_leases);

}  // namespace cairn::lease
