// PreallocEnv: a leveldb::Env whose write-ahead log files ("NNNNNN.log")
// are written into space allocated ahead of the writes, so that a synced
// write does not change the file's size.
//
// Why: LevelDB appends to its log, so every fdatasync of a growing file
// also commits the new size to the file system's journal: on this
// project's machine a 200-byte append plus fdatasync took ~180 us, the
// same write into allocated space ~120 us (docs/performance.md). The raft
// log syncs once per Ready, so this is on every write's path. etcd
// preallocates its WAL segments for the same reason.
//
// The log's end is then no longer the file's end: the space past the last
// record reads as zeros, which LevelDB's log reader skips (a zero-type,
// zero-length record: "preallocated file regions", db/log_reader.cc). A
// crash can leave the last record torn, with zeros where its missing
// bytes would be; in an appended file those bytes would simply be absent,
// which the reader drops as a torn tail, but here it would see a checksum
// mismatch and, with paranoid_checks, refuse to open. So a log file is
// read through a view that ends where its zeros begin (LogDataEnd), and a
// record that fails its checksum with nothing but zeros after it counts
// as a torn tail, as it would at the end of an appended file. Damage with
// data after it is still reported.
//
// EDGE code (file I/O): part of the cairn_storage_leveldb target.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "leveldb/env.h"

namespace cairn::storage {

class PreallocEnv : public leveldb::EnvWrapper {
 public:
  // Log files grow `chunk` bytes at a time.
  explicit PreallocEnv(leveldb::Env* base, uint64_t chunk = 4 << 20)
      : leveldb::EnvWrapper(base), chunk_(chunk) {}

  leveldb::Status NewWritableFile(const std::string& fname,
                                  leveldb::WritableFile** result) override;
  leveldb::Status NewSequentialFile(const std::string& fname,
                                    leveldb::SequentialFile** result) override;

  // The process-wide instance over leveldb::Env::Default().
  static PreallocEnv* Default();

 private:
  uint64_t chunk_;
};

// Whether `fname` names a LevelDB write-ahead log ("<digits>.log").
bool IsLevelDbLogName(std::string_view fname);

// The length of the log data at the start of `data`, a LevelDB log file's
// bytes: where the zeros of its preallocated space begin, and before a
// last record that is torn (one that fails its checksum, or runs past its
// block, with zeros after it and nothing else). data.size() when no zeros
// follow the records, or when damage has data after it or is at the very
// end (the reader reports it, as it does in an appended log).
size_t LogDataEnd(std::string_view data);

}  // namespace cairn::storage
