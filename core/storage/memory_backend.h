// MemoryBackend: the Backend of tests and the simulator. Pure core: an
// ordered std::map, no I/O, no clock; single owner, not thread-safe,
// deterministic.
//
// It keeps the bytes a disk would: every value framed with its CRC-32C
// (stored_value.h), and every Commit encoded as one checksummed batch
// record, as LevelDB's write-ahead log holds it. Two images exist:
//
//   live     what Get and Scan read: every committed batch;
//   durable  what survives a crash of the machine: every batch up to the
//            last Commit with `sync` (a synced Commit makes all earlier
//            batches durable too, as an ordered log does).
//
// Crash() models a machine crash and restart: unsynced batches are lost,
// then "recovery" replays what reached the disk. Crash options let a test
// keep some unsynced batches (a process crash keeps what the OS already
// has) and leave a torn, partly written batch record after them; recovery
// detects the torn record by its length and checksum and discards it
// whole, so a batch is never half applied.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/backend.h"

namespace cairn::storage {

class MemoryBackend : public Backend {
 public:
  struct CrashOptions {
    // How many of the unsynced batches (oldest first) reached the disk.
    size_t keep_unsynced = 0;
    // When > 0 and a batch follows the kept ones: that many bytes of its
    // record (at most all but one) reached the disk, a torn write.
    size_t torn_bytes = 0;
  };

  MemoryBackend() = default;

  Status Commit(const WriteBatch& batch, bool sync) override;
  Result<std::string> Get(std::string_view key) const override;
  Status Scan(
      std::string_view begin, std::string_view end,
      const std::function<bool(std::string_view key, std::string_view value)>&
          fn) const override;

  // ---- Fault injection -------------------------------------------------

  // A machine crash and restart: every unsynced batch is lost. With
  // `tear_last`, a strict prefix (half) of the last unsynced batch's
  // record is left on disk after the durable ones, and recovery must
  // discard it.
  void Crash(bool tear_last = false);
  // A crash keeping `options.keep_unsynced` unsynced batches and a torn
  // prefix of the next one (see CrashOptions).
  void Crash(const CrashOptions& options);

  // The next `n` Commits fail with kIOError and write nothing. (A real
  // backend's disk state after a failed write is unknown; the host must
  // fail-stop, so tests check that it does.)
  void FailCommits(size_t n) { fail_commits_ = n; }

  // Flips one bit of the stored bytes of `key` (live and durable images),
  // as a bad disk sector would. Returns false when the key is absent.
  bool CorruptValue(std::string_view key);

  // Batches committed since the last synced Commit.
  size_t unsynced_batches() const { return unsynced_.size(); }
  // Torn batch records found and discarded by all recoveries so far.
  size_t torn_records_discarded() const { return torn_discarded_; }
  // Keys held (live image).
  size_t size() const { return live_.size(); }

 private:
  using Map = std::map<std::string, std::string, std::less<>>;

  // One checksummed batch record: u32 crc32c(body), u32 body length, body
  // = varint op count, then per op u8 kind (1 put, 0 delete), key, and
  // for a put the stored value (varint length-prefixed).
  static std::string EncodeBatch(const WriteBatch& batch);
  // Applies a whole record to `map`; false (nothing applied) when it is
  // torn or damaged.
  static bool ApplyRecord(std::string_view record, Map& map);

  Map live_;
  Map durable_;
  std::vector<std::string> unsynced_;  // batch records, oldest first
  size_t fail_commits_ = 0;
  size_t torn_discarded_ = 0;
};

}  // namespace cairn::storage
