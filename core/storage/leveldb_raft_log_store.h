// LevelDbRaftLogStore: the RaftLogStore of a real node, kept in a LevelDB
// database of its own (docs/storage.md has the key layout).
//
// EDGE code, not pure core: it does file I/O through LevelDB and lives in
// the separate CMake target cairn_storage_leveldb (STYLE.md A10). Owned by
// the one thread that drives the RawNode; not thread-safe.
//
// Every stored value carries a CRC32C (raft/codec.h framing). Open reads
// and verifies the whole log, so a damaged or incomplete store is reported
// as kCorruption naming the key, before Raft reads anything from it. A
// read that later finds a bad value also returns kCorruption; corrupt data
// is never returned as an entry.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/storage/raft_log_store.h"
#include "core/util/result.h"

namespace leveldb {
class DB;
class WriteBatch;
}  // namespace leveldb

namespace cairn::storage {

class LevelDbRaftLogStore : public RaftLogStore {
 public:
  // Opens (creating when missing) the store in directory `path`, loads
  // and verifies it. Errors: kIOError when the directory cannot be used
  // (it is a file, not writable, locked by another process); kCorruption
  // when a stored value fails its checksum or decoding, or the log has a
  // gap, naming the key.
  static Result<std::unique_ptr<LevelDbRaftLogStore>> Open(
      const std::string& path);

  ~LevelDbRaftLogStore() override;

  Result<raft::InitialState> GetInitialState() const override;
  Result<std::vector<raft::Entry>> Entries(raft::Index lo, raft::Index hi,
                                           uint64_t max_bytes) const override;
  Result<raft::Term> TermAt(raft::Index i) const override;
  raft::Index LastIndex() const override;
  raft::Index FirstIndex() const override;
  Result<raft::Snapshot> GetSnapshot() const override;

  Status Save(const raft::HardState* hs,
              const std::vector<raft::Entry>& entries,
              const raft::Snapshot* snap, bool must_sync) override;
  Status Compact(raft::Index compact_index) override;

 private:
  LevelDbRaftLogStore(std::unique_ptr<leveldb::DB> db, std::string path);

  // Loads meta, hard state and snapshot, then scans and verifies the log.
  Status Load();
  Status LoadLog();
  // Reads and decodes entry i. kCorruption when it is damaged or missing.
  Result<raft::Entry> ReadEntry(raft::Index i) const;
  // Adds `entries` to `batch` as MemoryStorage.Append would apply them to
  // a log ending at *last_index; updates *last_index and *last_term.
  // Returns the index of the first entry written, 0 when none.
  static raft::Index AppendToBatch(const std::vector<raft::Entry>& entries,
                                   raft::Index offset_index,
                                   raft::Index* last_index,
                                   raft::Term* last_term,
                                   leveldb::WriteBatch* batch);

  // Ranges of entry indices at or below the offset that may still be
  // stored, oldest first. A snapshot or a compaction drops entries from
  // the log at once, but Saves delete them a few at a time (DeleteDead):
  // one write deleting 100000 entries held the host loop ~40 ms.
  // A vector, not a deque: Save copies it, and an empty deque allocates.
  using DeadRanges = std::vector<std::pair<raft::Index, raft::Index>>;
  static void AddDead(DeadRanges& dead, raft::Index lo, raft::Index hi);
  // Deletes the dead entries above `index` and drops them from `dead`.
  static void DeleteDeadAbove(DeadRanges& dead, raft::Index index,
                              leveldb::WriteBatch* batch);
  // Deletes up to `budget` dead entries, oldest first.
  static void DeleteDead(DeadRanges& dead, size_t budget,
                         leveldb::WriteBatch* batch);

  // The newest entries, kept as saved (a suffix of the log, up to
  // kRecentBytes): Raft reads back what it just saved, to apply it and to
  // send it, and a LevelDB iterator per read cost a few percent of a
  // member's CPU under load.
  std::deque<raft::Entry> recent_;
  uint64_t recent_bytes_ = 0;
  // Updates recent_ after a Save that wrote `entries` (from index
  // `start` on; none when start is 0) and left the offset at
  // offset_index_.
  void NoteSaved(const std::vector<raft::Entry>& entries, raft::Index start);
  // Drops recent entries at or below offset_index_ and beyond the cap.
  void TrimRecent();
  // The recent entry at index i, if kept.
  const raft::Entry* Recent(raft::Index i) const;

  std::unique_ptr<leveldb::DB> db_;
  std::string path_;
  raft::HardState hard_state_;
  raft::Snapshot snapshot_;
  // The index and term of the entry just before the first stored one (the
  // last compacted entry, or the snapshot); etcd's dummy entry.
  raft::Index offset_index_ = 0;
  raft::Term offset_term_ = 0;
  raft::Index last_index_ = 0;
  raft::Term last_term_ = 0;  // cached: Raft asks for it on every append
  DeadRanges dead_;
};

}  // namespace cairn::storage
