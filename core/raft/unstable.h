// Unstable: the tail of the Raft log not yet made durable by the host,
// plus an incoming snapshot not yet installed (etcd-io/raft log_unstable.go).
// Entries move out of here when the host acknowledges them in Advance.
//
// Pure core, single-threaded. Invariant: entries[i] has index offset + i;
// when a snapshot is held, offset == snapshot index + 1.
#pragma once

#include <optional>
#include <vector>

#include "core/raft/types.h"

namespace cairn::raft {

class Unstable {
 public:
  explicit Unstable(Index offset) : offset_(offset) {}

  // The first index when a snapshot is pending (its index + 1).
  std::optional<Index> MaybeFirstIndex() const;
  // The last index held here, from entries or else the snapshot.
  std::optional<Index> MaybeLastIndex() const;
  // The term of entry i if this holds it (or it is the snapshot's index).
  std::optional<Term> MaybeTerm(Index i) const;

  // The host made entries up to (i, t) durable. Ignored when the entry at
  // i was since replaced by one of another term.
  void StableTo(Index i, Term t);
  // The host installed the snapshot at index i.
  void StableSnapTo(Index i);
  // Replaces everything by a snapshot to be installed.
  void Restore(const Snapshot& snap);
  // Appends entries, truncating any conflicting suffix first.
  void TruncateAndAppend(const std::vector<Entry>& entries);
  // The entries in [lo, hi). REQUIRES: offset <= lo <= hi <= last + 1.
  std::vector<Entry> Slice(Index lo, Index hi) const;

  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }
  Index offset() const { return offset_; }

 private:
  std::optional<Snapshot> snapshot_;
  std::vector<Entry> entries_;
  Index offset_;
};

}  // namespace cairn::raft
