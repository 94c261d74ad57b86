#include "tests/core/storage/backend_test_env.h"

#include <gtest/gtest.h>

#include <string>

#include "core/storage/leveldb_backend.h"
#include "core/storage/memory_backend.h"
#include "core/util/check.h"
#include "leveldb/db.h"
#include "tests/core/storage/store_test_util.h"

namespace cairn::storage {
namespace {

class MemoryEnv : public BackendEnv {
 public:
  Backend& backend() override { return backend_; }
  void Restart() override {
    backend_.Crash(MemoryBackend::CrashOptions{
        .keep_unsynced = backend_.unsynced_batches(), .torn_bytes = 0});
  }
  bool CorruptValue(std::string_view key) override {
    return backend_.CorruptValue(key);
  }

 private:
  MemoryBackend backend_;
};

// A LevelDbBackend in a temporary directory. Damage is done with LevelDB
// directly: the stored value (with its frame) is rewritten with one bit
// flipped, as a bad sector inside a value would leave it.
class LevelDbEnv : public BackendEnv {
 public:
  LevelDbEnv() { Restart(); }
  Backend& backend() override { return *backend_; }
  void Restart() override {
    backend_.reset();
    auto opened = LevelDbBackend::Open(dir_.path());
    CAIRN_CHECK(opened.ok(), "%s", opened.status().ToString().c_str());
    backend_ = std::move(opened).value();
  }
  bool CorruptValue(std::string_view key) override {
    backend_.reset();
    leveldb::DB* raw = nullptr;
    leveldb::Options options;
    CAIRN_CHECK(leveldb::DB::Open(options, dir_.path(), &raw).ok(), "open");
    std::unique_ptr<leveldb::DB> db(raw);
    std::string value;
    const std::string k(key);
    const bool found = db->Get(leveldb::ReadOptions(), k, &value).ok();
    if (found && !value.empty()) {
      value[0] = static_cast<char>(value[0] ^ 0x10);
      CAIRN_CHECK(db->Put(leveldb::WriteOptions(), k, value).ok(), "put");
    }
    db.reset();
    Restart();
    return found && !value.empty();
  }

 private:
  TempDir dir_;
  std::unique_ptr<LevelDbBackend> backend_;
};

}  // namespace

std::string_view BackendKindName(BackendKind kind) {
  switch (kind) {
    case BackendKind::kMemory:
      return "Memory";
    case BackendKind::kLevelDb:
      return "LevelDb";
  }
  return "?";
}

std::unique_ptr<BackendEnv> MakeBackendEnv(BackendKind kind) {
  switch (kind) {
    case BackendKind::kMemory:
      return std::make_unique<MemoryEnv>();
    case BackendKind::kLevelDb:
      return std::make_unique<LevelDbEnv>();
  }
  return nullptr;
}

}  // namespace cairn::storage
