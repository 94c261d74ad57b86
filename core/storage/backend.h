// Backend: the keyspace backend of a member, an ordered map of byte strings
// with atomic batched writes (the role bbolt plays in etcd). core/server
// lays its state out in it (revisions, leases, membership, the applied
// index) and writes, with every batch of applied entries, one WriteBatch
// that carries the applied index, so that a restart never applies an entry
// twice or skips one.
//
// Pure core interface. An implementation is owned by the one thread that
// drives the member's core; it is not thread-safe and answers
// deterministically. Implementations: MemoryBackend (tests, the simulator;
// it holds the same bytes and loses unsynced batches on a simulated crash)
// and LevelDbBackend (nodes; an edge, its own CMake target).
//
// Durability contract, as RaftLogStore's: a successful Commit with `sync`
// survives a crash of the machine, one without it a crash of the process;
// each Commit is atomic (after any crash all of the batch or none of it is
// visible). A failed Commit (kIOError) leaves the disk state unknown and the
// host must fail-stop (STYLE.md E5). Corrupt data is reported as
// kCorruption by Get and Scan, never returned as a value.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/util/result.h"
#include "core/util/status.h"

namespace cairn::storage {

// Puts and deletes applied in order, atomically, by Backend::Commit.
class WriteBatch {
 public:
  struct Op {
    std::string key;
    std::optional<std::string> value;  // nullopt: delete `key`
  };

  void Put(std::string key, std::string value) {
    bytes_ += key.size() + value.size();
    ops_.push_back(Op{std::move(key), std::move(value)});
  }
  void Delete(std::string key) {
    bytes_ += key.size();
    ops_.push_back(Op{std::move(key), std::nullopt});
  }
  void Clear() {
    ops_.clear();
    bytes_ = 0;
  }

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  // Key and value bytes of every op, for sizing batches.
  size_t bytes() const { return bytes_; }

 private:
  std::vector<Op> ops_;
  size_t bytes_ = 0;
};

class Backend {
 public:
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;
  virtual ~Backend() = default;

  // Applies every op of `batch`, in order, as one atomic write; syncs to
  // stable storage before returning when `sync`. Errors: kIOError.
  virtual Status Commit(const WriteBatch& batch, bool sync) = 0;

  // The value stored under `key`. Errors: kNotFound; kCorruption;
  // kIOError.
  virtual Result<std::string> Get(std::string_view key) const = 0;

  // Calls `fn(key, value)` for every key in [begin, end), ascending, until
  // it returns false; an empty `end` means no upper bound. The views are
  // valid only during the call. Errors: kCorruption (the scan stops at the
  // first bad record, having called fn only for good ones); kIOError.
  virtual Status Scan(
      std::string_view begin, std::string_view end,
      const std::function<bool(std::string_view key, std::string_view value)>&
          fn) const = 0;
};

}  // namespace cairn::storage
