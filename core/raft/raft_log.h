// RaftLog: the whole log as Raft sees it, durable part (Storage) plus
// unstable tail (Unstable), with the commit and applied indexes
// (etcd-io/raft log.go). Raft §5.3's log matching and the conflict search
// used for fast backtracking live here.
//
// Pure core, single-threaded. Invariants: applied <= committed <=
// LastIndex(); FirstIndex() - 1 <= committed.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "core/raft/storage.h"
#include "core/raft/types.h"
#include "core/raft/unstable.h"
#include "core/util/result.h"

namespace cairn::raft {

class RaftLog {
 public:
  // Reads the initial first/last index from `storage`, which must outlive
  // the log. max_applying_bytes bounds the committed entries handed out per
  // Ready.
  RaftLog(const Storage* storage, uint64_t max_applying_bytes);

  RaftLog(const RaftLog&) = delete;
  RaftLog& operator=(const RaftLog&) = delete;

  // The follower side of AppendEntries: when the entry (index, log_term)
  // matches, appends `entries` (replacing a conflicting suffix), advances
  // the commit index to min(committed, last new index) and returns that
  // last new index; otherwise returns nullopt. Crashes when asked to
  // overwrite a committed entry (a safety violation upstream).
  std::optional<Index> MaybeAppend(Index index, Term log_term, Index committed,
                                   const std::vector<Entry>& entries);

  // Appends entries after their first index - 1 (truncating any suffix
  // from there) and returns the new last index. REQUIRES: that index - 1 >=
  // committed.
  Index Append(const std::vector<Entry>& entries);

  // The index of the first entry whose term differs from ours (or that we
  // lack), or 0 when every entry matches.
  Index FindConflict(const std::vector<Entry>& entries) const;

  // The largest index <= `index` whose term is <= `term`, with that term
  // (0 when unknown, e.g. compacted). Used for the conflict hint of a
  // rejected append: everything after it cannot match the leader.
  std::pair<Index, Term> FindConflictByTerm(Index index, Term term) const;

  Index FirstIndex() const;
  Index LastIndex() const;
  Term LastTerm() const;

  // The term of entry i. kCompacted below FirstIndex() - 1, kNotFound past
  // LastIndex().
  Result<Term> TermAt(Index i) const;
  bool MatchTerm(Index i, Term t) const;
  // Raft §5.4.1: is a log ending at (last_index, term) at least as up to
  // date as ours?
  bool IsUpToDate(Index last_index, Term term) const;

  // The entries from i to the end, at most max_bytes (at least one).
  Result<std::vector<Entry>> EntriesFrom(Index i, uint64_t max_bytes) const;
  // The entries in [lo, hi), at most max_bytes (at least one).
  Result<std::vector<Entry>> Slice(Index lo, Index hi,
                                   uint64_t max_bytes) const;

  // Committed entries not yet handed to the application.
  bool HasNextCommittedEnts() const;
  std::vector<Entry> NextCommittedEnts() const;

  // Commits up to max_index when that entry has term `term` (Raft §5.4.2:
  // only entries of the leader's term are committed by counting).
  bool MaybeCommit(Index max_index, Term term);
  void CommitTo(Index to);
  void AppliedTo(Index i);
  void StableTo(Index i, Term t) { unstable_.StableTo(i, t); }
  void StableSnapTo(Index i) { unstable_.StableSnapTo(i); }

  // The pending unstable snapshot if any, else the storage's snapshot.
  Result<Snapshot> GetSnapshot() const;
  // Replaces the log by a snapshot (follower catch-up, Raft §7).
  void Restore(const Snapshot& snap);

  bool HasPendingSnapshot() const { return unstable_.snapshot().has_value(); }
  const Unstable& unstable() const { return unstable_; }
  Index committed() const { return committed_; }
  Index applied() const { return applied_; }

 private:
  Status CheckOutOfBounds(Index lo, Index hi) const;

  const Storage* storage_;
  Unstable unstable_;
  Index committed_;
  Index applied_;
  uint64_t max_applying_bytes_;
};

}  // namespace cairn::raft
