// The whole content of a Backend as one byte string, for Raft snapshots of
// the state machine: DumpBackend encodes it, RestoreBackend replaces a
// backend's content with it. Pure core; stateless functions over the
// Backend interface.
//
// Layout (integers little-endian fixed width unless "varint"):
//   "CBS" 0x01                         magic and format version
//   per key, ascending:
//     u8 1, varint key length, key, varint value length, value,
//     u32 crc32c of this record's bytes before the crc
//   u8 2, varint record count, u32 crc32c of every byte before it
//   optionally, fewer than kDumpAlignment zero bytes of padding
//
// Each record carries its own checksum so that the encoding can later be
// sent and verified in chunks; the trailer's checksum and count catch a
// truncated or reordered whole. The padding lets a snapshot file be sized
// as etcd's bbolt files are (pages, then a 32-byte SHA-256), which stock
// etcdctl checks before it keeps a downloaded snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/storage/backend.h"
#include "core/util/result.h"
#include "core/util/status.h"

namespace cairn::storage {

// Writes the dump encoding piece by piece, for a dump streamed while it
// is read (the node's /v3/maintenance/snapshot): Header() first, then
// Record() for each key in ascending order, then Trailer(). The pieces
// concatenated are exactly what DumpBackend returns for the same keys.
// RecordBytes() lets a caller size the whole dump before encoding it.
class DumpEncoder {
 public:
  std::string Header();
  // Appends the record of one key to `out`. REQUIRES: keys ascending.
  void Record(std::string& out, std::string_view key, std::string_view value);
  // The end tag, the record count and the checksum of every byte the
  // encoder produced.
  std::string Trailer();

  static size_t HeaderBytes();
  static size_t RecordBytes(std::string_view key, std::string_view value);
  static size_t TrailerBytes(uint64_t records);

 private:
  uint32_t crc_ = 0;
  uint64_t records_ = 0;
};

// Padded dumps are a whole number of these.
inline constexpr size_t kDumpAlignment = 512;
// How many zero bytes pad a dump of `dump_bytes` to kDumpAlignment.
inline size_t DumpPaddingBytes(size_t dump_bytes) {
  return (kDumpAlignment - dump_bytes % kDumpAlignment) % kDumpAlignment;
}

// Every key and value of `backend`, ascending by key (unpadded). Errors: the
// backend's Scan errors (kCorruption, kIOError).
Result<std::string> DumpBackend(const Backend& backend);

// Replaces the entire content of `backend` by the one encoded in `dump`,
// in ONE synced Commit (deletes of every present key, then the puts), so
// that after a crash the backend holds either the old or the new content.
// The whole input is verified before anything is written. Errors:
// kCorruption for malformed input (bad magic, checksum, order, length,
// count, padding that is not zeros or not shorter than kDumpAlignment;
// nothing is written); the backend's Scan errors while listing the
// present keys (nothing is written); the Commit's kIOError.
Status RestoreBackend(Backend& backend, std::string_view dump);

}  // namespace cairn::storage
