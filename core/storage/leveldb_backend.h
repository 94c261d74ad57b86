// LevelDbBackend: the Backend of a real node, one LevelDB database in a
// directory of its own (docs/storage.md has the layout of what core/mvcc,
// core/lease and core/server keep in it).
//
// EDGE code, not pure core: it does file I/O through LevelDB and lives in
// the separate CMake target cairn_storage_leveldb (STYLE.md A10). Owned by
// the one thread that drives the member's core; not thread-safe.
//
// Each Commit is one leveldb::WriteBatch (atomic after any crash: LevelDB
// recovery drops a torn log record whole), written with WriteOptions::sync
// when `sync`. Every value is stored framed with a CRC-32C of key and
// value (stored_value.h, the same bytes MemoryBackend keeps); reads verify
// it and LevelDB's block checksums (verify_checksums, paranoid_checks), so
// a damaged value is kCorruption naming the key, never returned.
#pragma once

#include <memory>
#include <string>

#include "core/storage/backend.h"
#include "core/util/result.h"

namespace leveldb {
class DB;
}  // namespace leveldb

namespace cairn::storage {

class LevelDbBackend : public Backend {
 public:
  // Opens (creating when missing) the database in directory `path`.
  // Errors: kIOError when the directory cannot be used (it is a file, not
  // writable, locked by another process), naming the path; kCorruption
  // when LevelDB finds its own files damaged.
  static Result<std::unique_ptr<LevelDbBackend>> Open(const std::string& path);

  ~LevelDbBackend() override;

  Status Commit(const WriteBatch& batch, bool sync) override;
  Result<std::string> Get(std::string_view key) const override;
  Status Scan(
      std::string_view begin, std::string_view end,
      const std::function<bool(std::string_view key, std::string_view value)>&
          fn) const override;

  // A consistent view of the whole backend as of this call, read key by
  // key. Unlike the rest of this class, a View may be used from another
  // thread than the owner's while the owner goes on committing (LevelDB
  // reads under a snapshot are thread-safe); it must be destroyed before
  // the backend. Used to stream /v3/maintenance/snapshot without stalling
  // the member.
  class View {
   public:
    ~View();
    View(const View&) = delete;
    View& operator=(const View&) = delete;
    // Calls `fn(key, value)` for every key from the first one after the
    // last key a previous call stopped at (every key, the first time),
    // ascending, until it returns false or the keys run out; returns
    // whether keys remain. Values are verified as Scan verifies them.
    // Errors: kCorruption; kIOError.
    Result<bool> Read(const std::function<bool(std::string_view key,
                                               std::string_view value)>& fn);
    // Starts again from the first key (of the same snapshot).
    void Rewind();

   private:
    friend class LevelDbBackend;
    struct Impl;
    explicit View(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
  };
  std::unique_ptr<View> OpenView() const;

  // Compacts the whole key range (drops deleted and overwritten values
  // from the files); for benchmarks and tools, never needed for
  // correctness.
  void CompactAll();

 private:
  LevelDbBackend(std::unique_ptr<leveldb::DB> db, std::string path);

  std::unique_ptr<leveldb::DB> db_;
  std::string path_;
};

}  // namespace cairn::storage
