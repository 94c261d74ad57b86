// OpenStores: a member's Raft log store (<member dir>/raft) and keyspace
// backend (<member dir>/kv), opened and checked before the Server sees
// them. Edge code (files).
//
// The Server stops the process (a CHECK) on storage it cannot load, which
// is right for damage found while running but is no way to greet an
// operator. So at startup every stored byte is read once here first: the
// log store verifies its whole log when it opens, the backend is scanned
// whole (LevelDB block checksums and each value's CRC-32C), and the log
// must still reach the index the keyspace says it applied (a write-ahead
// log cut short loses synced entries without a checksum to show it).
// Any failure is a startup error naming the store, and the damaged file
// when one can be named (storage/leveldb_verify.h); nothing is served.
#pragma once

#include <memory>
#include <string>

#include "core/storage/leveldb_backend.h"
#include "core/storage/leveldb_raft_log_store.h"
#include "core/util/result.h"

namespace cairn::node {

struct Stores {
  std::unique_ptr<storage::LevelDbRaftLogStore> log;
  std::unique_ptr<storage::LevelDbBackend> backend;
};

// Errors: the stores' own (kIOError, kCorruption), with "; damaged file:
// <path>: <what>" appended when a file of the store's directory fails
// VerifyLevelDbFiles; kCorruption when the log ends before the keyspace's
// applied index.
Result<Stores> OpenStores(const std::string& member_dir);

}  // namespace cairn::node
