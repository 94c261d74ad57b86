// RaftLogStore: the durable Raft log of a node. Raft reads it through the
// raft::Storage interface; the host writes it in step (1) of the Ready loop
// (docs/raft.md, STYLE.md A2) through Save, and trims it through Compact
// after the state machine has taken a snapshot.
//
// Pure core interface. An implementation is owned by the one thread that
// drives the RawNode; it is not thread-safe and answers deterministically.
// The real implementation is LevelDbRaftLogStore (an edge, its own CMake
// target); tests and the simulator use raft::MemoryStorage, whose read and
// write semantics this interface mirrors (tests/core/storage checks both
// against one conformance suite).
//
// Durability contract: a successful Save with must_sync survives a crash
// of the process or the machine; a successful Save without it survives a
// crash of the process. Each Save is atomic: after a crash either all of
// it or none of it is visible. A failed Save (kIOError) leaves the
// in-memory view unchanged, but the host must fail-stop (STYLE.md E5)
// because the disk state is then unknown.
#pragma once

#include <vector>

#include "core/raft/storage.h"
#include "core/raft/types.h"
#include "core/util/status.h"

namespace cairn::storage {

class RaftLogStore : public raft::Storage {
 public:
  // Persists, in this order and as ONE atomic batch:
  //   1. `snap` when non-null and non-empty: replaces the whole log by the
  //      snapshot (etcd MemoryStorage.ApplySnapshot);
  //   2. `entries`: appended, replacing any suffix they conflict with;
  //      entries at or below the first index - 1 are ignored (etcd
  //      MemoryStorage.Append);
  //   3. `hs` when non-null: the new hard state.
  // Syncs to stable storage before returning when must_sync.
  // REQUIRES: entries have consecutive indices and leave no gap after the
  // last index (after `snap` is applied); violating this is a host bug and
  // crashes.
  // Errors: kFailedPrecondition when `snap` is not newer than the current
  // snapshot (nothing is written); kIOError when the write fails.
  virtual Status Save(const raft::HardState* hs,
                      const std::vector<raft::Entry>& entries,
                      const raft::Snapshot* snap, bool must_sync) = 0;

  // Drops the entries before compact_index; the entry at compact_index
  // keeps only its term, so TermAt(FirstIndex() - 1) still answers. Not
  // synced by itself: losing a compaction in a crash only keeps more log.
  // REQUIRES: compact_index <= LastIndex().
  // Errors: kCompacted when those entries are already gone; kCorruption
  // when the entry at compact_index cannot be read; kIOError on a failed
  // write.
  virtual Status Compact(raft::Index compact_index) = 0;
};

}  // namespace cairn::storage
