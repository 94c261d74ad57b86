// SimLogStore: a fault-injecting storage::RaftLogStore for the simulator.
// Simulator host code (it models a disk, so it lives outside the pure
// core); single threaded and deterministic: every fault is chosen by the
// caller, which draws it from the run's seed.
//
// The disk is one append-only file of checksummed records, kept as bytes:
//
//   record := crc32c(body):4 length(body):4 body
//   body   := 'S' flags:1 [len:4 snapshot] count:4 {len:4 entry}* [len:4 hs]
//           | 'C' compact_index:8
//
// where snapshot, entry and hs are the core/raft/codec.h encodings (each
// with its own CRC). Save and Compact append one record to the page cache
// (`unsynced`) and apply it to the in-memory view that Raft reads; Sync
// moves the page cache to the durable file. A crash drops the page cache;
// with `tear` it first lets a prefix of it reach the file, cutting the last
// record that made it short (a torn write). Recover rebuilds the view by
// replaying the file, checking every record's checksum and length; the
// first record that fails (the torn tail) and everything after it are
// discarded and the file is truncated there, as leveldb's log reader does
// (leveldb db/log_reader.cc, db/fault_injection_test.cc).
//
// An fsync can be made to fail (FailNextSync): Sync then returns kIOError
// and the durable state is unknown, so the host must fail-stop (STYLE.md
// E5): crash the member and recover from the file later.
//
// Durability as the RaftLogStore contract states it holds only with
// `defer_sync` off: Save(must_sync) then syncs before returning. The
// simulator's host sets `defer_sync` to model an fsync that takes
// simulated time: it calls Save, schedules the fsync's completion, then
// calls Sync, and sends nothing that depends on the write before that.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/raft/memory_storage.h"
#include "core/storage/raft_log_store.h"

namespace cairn::sim {

// What a crash did to the disk.
struct CrashReport {
  uint64_t lost_bytes = 0;  // unsynced bytes that never reached the file
  uint64_t torn_bytes = 0;  // unsynced bytes that did (a prefix)
};

// What recovery found in the file.
struct RecoveryReport {
  uint64_t records = 0;          // good records replayed
  uint64_t discarded_bytes = 0;  // a torn or corrupt tail, dropped
  std::string why;               // why the tail was dropped (or empty)
};

class SimLogStore : public storage::RaftLogStore {
 public:
  // An empty disk. With `defer_sync` Save never syncs; the host calls Sync.
  explicit SimLogStore(bool defer_sync);

  // raft::Storage, answered from the in-memory view (everything written,
  // synced or not, as a page cache would serve it).
  Result<raft::InitialState> GetInitialState() const override;
  Result<std::vector<raft::Entry>> Entries(raft::Index lo, raft::Index hi,
                                           uint64_t max_bytes) const override;
  Result<raft::Term> TermAt(raft::Index i) const override;
  raft::Index LastIndex() const override;
  raft::Index FirstIndex() const override;
  Result<raft::Snapshot> GetSnapshot() const override;

  // RaftLogStore. Save and Compact write one record each; see the file
  // comment for when it becomes durable.
  Status Save(const raft::HardState* hs,
              const std::vector<raft::Entry>& entries,
              const raft::Snapshot* snap, bool must_sync) override;
  Status Compact(raft::Index compact_index) override;

  // Makes every written record durable. kIOError when an injected
  // failure was armed (nothing becomes durable; the host must crash the
  // member, which loses the page cache).
  Status Sync();
  // Arms a failure of the next Sync.
  void FailNextSync() { fail_next_sync_ = true; }
  // Disarms a sync failure that has not fired.
  void ClearFailures() { fail_next_sync_ = false; }

  // Loses the page cache. When tear_bytes > 0, that many of its bytes
  // (at most all) reach the file first, in order. The view is stale until
  // Recover. Clears an armed sync failure.
  CrashReport Crash(uint64_t tear_bytes);

  // Rebuilds the view from the durable file, dropping a bad tail.
  RecoveryReport Recover();

  // The durable state as of the last Sync (or Recover): what a crash
  // keeps, whatever it tears.
  const raft::HardState& durable_hard_state() const { return durable_hs_; }
  raft::Index durable_last_index() const { return durable_last_; }

  uint64_t unsynced_bytes() const { return unsynced_.size(); }
  uint64_t file_bytes() const { return file_.size(); }
  // Test hook: the durable file, to damage it.
  std::string& file_for_test() { return file_; }

 private:
  // Applies a decoded save to the view. REQUIRES: snap is newer.
  void ApplySave(const raft::HardState* hs,
                 const std::vector<raft::Entry>& entries,
                 const raft::Snapshot* snap);
  // Replays one record body onto the view; kCorruption if it is damaged.
  Status Replay(std::string_view body);
  void AppendRecord(const std::string& body);

  bool defer_sync_;
  bool fail_next_sync_ = false;
  std::unique_ptr<raft::MemoryStorage> view_;
  std::string file_;      // durable bytes
  std::string unsynced_;  // written, not yet synced
  raft::HardState durable_hs_;
  raft::Index durable_last_ = 0;
};

}  // namespace cairn::sim
