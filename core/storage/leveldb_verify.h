// VerifyLevelDbFiles: which file of a LevelDB directory is damaged, for a
// startup error that names it. LevelDB's own errors do not always say
// ("Corruption: block checksum mismatch"); the node calls this when one of
// its stores fails to open or to read, and appends the answer.
//
// EDGE code, not pure core (file I/O, LevelDB's table reader); part of the
// cairn_storage_leveldb target (STYLE.md A10).
//
// What is checked, file by file in name order:
//  - CURRENT: one line ending in a newline, naming a MANIFEST that exists;
//  - MANIFEST-* and *.log: LevelDB's log format (32 KiB blocks of records,
//    each with a masked CRC-32C of its type and payload): a record that
//    fails its checksum, or whose length runs past its block, is damage.
//    In a *.log an incomplete last record is a torn tail (a crash while
//    writing), which LevelDB's recovery drops, and is not reported; in a
//    MANIFEST (synced record by record) it is, as is an empty MANIFEST;
//  - *.ldb / *.sst: every block read through LevelDB's table reader with
//    checksums verified (a file shorter than a table's footer is damage).
// A truncated write-ahead log cannot be told from one that was never
// longer: the node checks that the raft log still reaches the keyspace's
// applied index instead (docs/storage.md, docs/chaos.md).
#pragma once

#include <string>

#include "core/util/status.h"

namespace cairn::storage {

// Ok when every file of the directory `dir` checks out; else kCorruption
// naming the first damaged file ("<dir>/000005.ldb: block checksum
// mismatch"); kIOError when the directory or a file cannot be read.
Status VerifyLevelDbFiles(const std::string& dir);

}  // namespace cairn::storage
