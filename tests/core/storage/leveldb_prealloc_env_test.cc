// Tests of PreallocEnv and LogDataEnd: a raft log store's write-ahead log
// is written into preallocated space (a copy taken while the store is
// open, as a killed process leaves it, ends in zeros) and that copy opens
// with every synced Save; a last record torn by a crash, with only zeros
// after it, is dropped as a torn tail (and VerifyLevelDbFiles agrees),
// while damage with data after it is still refused; a clean close gives
// the unused space back. LogDataEnd and IsLevelDbLogName on their own.
#include "core/storage/leveldb_prealloc_env.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "core/storage/leveldb_log_format.h"
#include "core/storage/leveldb_raft_log_store.h"
#include "core/storage/leveldb_verify.h"
#include "tests/core/storage/store_test_util.h"

namespace cairn::storage {
namespace {

namespace fs = std::filesystem;

fs::path LogOf(const std::string& dir) {
  std::vector<fs::path> logs;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (IsLevelDbLogName(e.path().filename().string()))
      logs.push_back(e.path());
  }
  EXPECT_EQ(logs.size(), 1u);
  return logs.empty() ? fs::path() : logs.back();
}

// A store in `dir` holding entries 1..n, one synced Save each, and a copy
// of its files in `copy` taken while it is still open.
void SaveAndCopyOpen(const std::string& dir, const std::string& copy,
                     raft::Index n) {
  auto opened = LevelDbRaftLogStore::Open(dir);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  for (raft::Index i = 1; i <= n; i++) {
    ASSERT_TRUE(opened.value()
                    ->Save(nullptr, MakeEntries(i, i, 1), nullptr,
                           /*must_sync=*/true)
                    .ok());
  }
  fs::create_directories(copy);
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename() == "LOCK") continue;
    fs::copy_file(e.path(), fs::path(copy) / e.path().filename());
  }
}

raft::Index LastIndexOf(const std::string& dir) {
  auto opened = LevelDbRaftLogStore::Open(dir);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? opened.value()->LastIndex() : 0;
}

TEST(PreallocEnvTest, AnOpenStoresLogEndsInZerosAndReopensWhole) {
  TempDir dir, copy;
  SaveAndCopyOpen(dir.path(), copy.path(), 20);
  const std::string log = ReadFile(LogOf(copy.path()));
  const size_t end = LogDataEnd(log);
  ASSERT_GT(end, 0u);
  // Allocated ahead: the file is longer than its records.
  EXPECT_GE(log.size(), size_t{4} << 20);
  EXPECT_LT(end, log.size());
  EXPECT_EQ(LastIndexOf(copy.path()), 20u);
  EXPECT_TRUE(VerifyLevelDbFiles(copy.path()).ok());
}

TEST(PreallocEnvTest, ATornLastRecordIsDroppedNotCorruption) {
  TempDir dir, copy;
  SaveAndCopyOpen(dir.path(), copy.path(), 20);
  const fs::path file = LogOf(copy.path());
  std::string log = ReadFile(file);
  const size_t end = LogDataEnd(log);
  // The last record's last bytes never reached the disk.
  for (size_t i = end - 10; i < end; i++) log[i] = 0;
  WriteFile(file, log);
  EXPECT_LT(LogDataEnd(log), end);
  EXPECT_TRUE(VerifyLevelDbFiles(copy.path()).ok());
  EXPECT_EQ(LastIndexOf(copy.path()), 19u);
}

TEST(PreallocEnvTest, DamageWithDataAfterItIsStillCorruption) {
  TempDir dir, copy;
  SaveAndCopyOpen(dir.path(), copy.path(), 20);
  const fs::path file = LogOf(copy.path());
  std::string log = ReadFile(file);
  ASSERT_EQ(LogDataEnd(log) < log.size(), true);
  log[20] ^= 0x40;  // inside the first record
  WriteFile(file, log);
  EXPECT_EQ(LogDataEnd(log), log.size());
  EXPECT_EQ(LevelDbRaftLogStore::Open(copy.path()).status().code(),
            Code::kCorruption);
  const Status v = VerifyLevelDbFiles(copy.path());
  EXPECT_EQ(v.code(), Code::kCorruption);
  EXPECT_NE(v.message().find(file.filename().string()), std::string::npos)
      << v.ToString();
}

TEST(PreallocEnvTest, ACleanCloseGivesTheSpaceBack) {
  TempDir dir, copy;
  SaveAndCopyOpen(dir.path(), copy.path(), 5);  // the store is closed now
  const std::string log = ReadFile(LogOf(dir.path()));
  EXPECT_EQ(LogDataEnd(log), log.size());
  EXPECT_LT(log.size(), size_t{1} << 20);
  EXPECT_EQ(LastIndexOf(dir.path()), 5u);
}

// A log of `n` records of `size` bytes each, as LevelDB writes one.
std::string LogRecords(int n, size_t size) {
  TempDir dir;
  {
    auto opened = LevelDbRaftLogStore::Open(dir.path());
    EXPECT_TRUE(opened.ok());
    for (int i = 1; i <= n; i++) {
      raft::Entry e;
      e.index = static_cast<raft::Index>(i);
      e.term = 1;
      e.data = std::string(size, static_cast<char>('a' + i % 26));
      EXPECT_TRUE(opened.value()->Save(nullptr, {e}, nullptr, true).ok());
    }
  }
  // A clean close keeps the log, cut to its records.
  return ReadFile(LogOf(dir.path()));
}

TEST(PreallocEnvTest, LogDataEndCases) {
  EXPECT_EQ(LogDataEnd(""), 0u);
  const std::string recs = LogRecords(3, 100);
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(LogDataEnd(recs), recs.size());
  const std::string zeros(100000, '\0');
  EXPECT_EQ(LogDataEnd(recs + zeros), recs.size());
  EXPECT_EQ(LogDataEnd(zeros), 0u);
  // A record cut short by the end of the data is left to the reader.
  EXPECT_EQ(LogDataEnd(recs.substr(0, recs.size() - 3)), recs.size() - 3);
  // Records spanning blocks (40 KB entries): the zeros still end them.
  const std::string big = LogRecords(3, 40000);
  EXPECT_GT(big.size(), kLogBlockSize);
  EXPECT_EQ(LogDataEnd(big + zeros), big.size());
  // A checksum mismatch at the very end is damage, not a torn tail.
  std::string flipped = recs;
  flipped[flipped.size() - 1] ^= 1;
  EXPECT_EQ(LogDataEnd(flipped), flipped.size());
  // The same record with zeros after it was torn by a crash.
  const size_t last = LogDataEnd(recs.substr(0, recs.size() - 1) + zeros);
  EXPECT_LT(last, recs.size());
  EXPECT_EQ(LogDataEnd(flipped + zeros), last);
  // Zeros, then data: not preallocated space; the reader decides.
  const std::string mixed = recs + zeros + "x";
  EXPECT_EQ(LogDataEnd(mixed), mixed.size());
}

TEST(PreallocEnvTest, LogNames) {
  EXPECT_TRUE(IsLevelDbLogName("000012.log"));
  EXPECT_TRUE(IsLevelDbLogName("/a/b.c/000012.log"));
  EXPECT_FALSE(IsLevelDbLogName("MANIFEST-000002"));
  EXPECT_FALSE(IsLevelDbLogName("LOG"));
  EXPECT_FALSE(IsLevelDbLogName("x.log"));
  EXPECT_FALSE(IsLevelDbLogName(".log"));
  EXPECT_FALSE(IsLevelDbLogName("000012.ldb"));
}

}  // namespace
}  // namespace cairn::storage
