// Storage: the Raft log as the host has made it durable, read by the Raft
// core (etcd-io/raft storage.go). Raft never writes through this interface;
// the host writes (in the order Ready documents) and Raft reads.
//
// Pure core interface. Implementations are owned by one thread, the one
// that drives the RawNode, and must answer deterministically.
//
// Errors:
//   kCompacted    the requested index is at or below the first index - 1
//                 boundary the host compacted away (etcd ErrCompacted).
//   kNotFound     the index lies beyond the last stored entry
//                 (etcd ErrUnavailable).
//   kUnavailable  GetSnapshot only: no snapshot can be produced right now,
//                 Raft retries later (etcd ErrSnapshotTemporarilyUnavailable).
#pragma once

#include <cstdint>
#include <vector>

#include "core/raft/types.h"
#include "core/util/result.h"
#include "core/util/status.h"

namespace cairn::raft {

// What a node restarts from: its hard state and its membership.
struct InitialState {
  HardState hard_state;
  ConfState conf_state;
};

class Storage {
 public:
  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  virtual ~Storage() = default;

  // The persisted hard state and the membership of the latest snapshot.
  virtual Result<InitialState> GetInitialState() const = 0;

  // The entries in [lo, hi), at most max_bytes in total (EntryBytes) but
  // always at least one entry when any exist. REQUIRES: lo <= hi <=
  // LastIndex() + 1. Fails with kCompacted when lo <= the snapshot index.
  virtual Result<std::vector<Entry>> Entries(Index lo, Index hi,
                                             uint64_t max_bytes) const = 0;

  // The term of entry i, which must lie in [FirstIndex() - 1, LastIndex()]:
  // the term of FirstIndex() - 1 is that of the snapshot. Fails with
  // kCompacted below and kNotFound above that range.
  virtual Result<Term> TermAt(Index i) const = 0;

  // The index of the last entry (or of the snapshot when there is none).
  virtual Index LastIndex() const = 0;

  // The index of the first entry that may still be read through Entries;
  // older entries were compacted into the snapshot.
  virtual Index FirstIndex() const = 0;

  // The most recent snapshot. kUnavailable when it is being produced.
  virtual Result<Snapshot> GetSnapshot() const = 0;
};

// Keeps the first entries of `entries` whose EntryBytes sum to at most
// max_bytes, and always at least one.
void LimitSize(std::vector<Entry>* entries, uint64_t max_bytes);

}  // namespace cairn::raft
