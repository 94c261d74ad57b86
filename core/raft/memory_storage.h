// MemoryStorage: a Storage kept in memory (etcd-io/raft MemoryStorage),
// used by tests, the benchmark and the simulator. The host appends to it
// and installs snapshots into it in step (1) of the Ready loop; the Raft
// core reads it.
//
// Pure core. Single-threaded: the thread driving the RawNode owns it. The
// log is kept as a vector whose element 0 is a dummy entry carrying the
// index and term of the latest snapshot.
#pragma once

#include <string>
#include <vector>

#include "core/raft/storage.h"

namespace cairn::raft {

class MemoryStorage : public Storage {
 public:
  MemoryStorage();

  Result<InitialState> GetInitialState() const override;
  Result<std::vector<Entry>> Entries(Index lo, Index hi,
                                     uint64_t max_bytes) const override;
  Result<Term> TermAt(Index i) const override;
  Index LastIndex() const override;
  Index FirstIndex() const override;
  Result<Snapshot> GetSnapshot() const override;

  void SetHardState(const HardState& hs) { hard_state_ = hs; }
  const HardState& hard_state() const { return hard_state_; }

  // Replaces the whole log by `snap`. Fails with kFailedPrecondition when
  // snap is not newer than the current snapshot.
  Status ApplySnapshot(const Snapshot& snap);

  // Makes a snapshot at applied index i carrying `cs` and `data` (the
  // state machine's image). Does not compact; call Compact for that.
  // Fails with kFailedPrecondition when i is not newer than the current
  // snapshot. REQUIRES: i <= LastIndex().
  Result<Snapshot> CreateSnapshot(Index i, const ConfState& cs,
                                  std::string data);

  // Drops the entries before compact_index. Fails with kCompacted when they
  // are already gone. REQUIRES: compact_index <= LastIndex().
  Status Compact(Index compact_index);

  // Appends entries, replacing any suffix they conflict with. Entries at or
  // below the snapshot are ignored. REQUIRES: no gap after LastIndex().
  void Append(const std::vector<Entry>& entries);

 private:
  HardState hard_state_;
  Snapshot snapshot_;
  std::vector<Entry> ents_;  // ents_[0] is the dummy entry
};

}  // namespace cairn::raft
