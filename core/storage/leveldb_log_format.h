// LevelDB's log format (leveldb db/log_format.h, doc/log_format.md), as
// far as cairn reads it: 32 KiB blocks of records, each a 7-byte header
// (masked CRC-32C of type and payload, 2-byte length, type) and its
// payload; a block's last 0-6 bytes, too few for a header, are zeros.
// Read by VerifyLevelDbFiles (naming a damaged file) and PreallocEnv
// (where a preallocated log's data ends).
//
// EDGE code: part of the cairn_storage_leveldb target.
#pragma once

#include <cstddef>
#include <string_view>

namespace cairn::storage {

inline constexpr size_t kLogBlockSize = 32768;
inline constexpr size_t kLogHeaderSize = 7;

struct LogRecordAt {
  enum Kind {
    kRecord,      // a record whose checksum holds
    kTrailer,     // a block's trailer, too short for a header
    kZero,        // a zero header: preallocated space (the reader skips
                  // the rest of the block)
    kIncomplete,  // a header or payload cut off by the end of the data
    kBad,         // a payload running past its block, or a checksum
                  // mismatch
  };
  Kind kind = kRecord;
  // Where the next header may start (for kBad: after the claimed payload,
  // at most data.size()).
  size_t next = 0;
  const char* what = "";  // for kBad: "bad record length" or "checksum
                          // mismatch"
};

// What is at `pos` of the log bytes `data`. REQUIRES: pos < data.size().
LogRecordAt ReadLogRecordAt(std::string_view data, size_t pos);

}  // namespace cairn::storage
