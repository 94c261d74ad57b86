// Tests of LevelDbBackend beyond the shared conformance suite: a byte
// flipped inside a value in a table file on disk is reported as
// kCorruption (never returned); the keyspace and leases written through it
// load back identically after close and reopen; unusable paths (a file, a
// directory below a file, an unwritable directory, a directory locked by
// another open) give kIOError naming the path, without crashing. A View
// reads a consistent snapshot in pieces while commits go on.
#include "core/storage/leveldb_backend.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>

#include "core/util/random.h"
#include "tests/core/lease/persisted_pair.h"
#include "tests/core/storage/store_test_util.h"

namespace cairn::storage {
namespace {

std::unique_ptr<LevelDbBackend> MustOpen(const std::string& path) {
  auto opened = LevelDbBackend::Open(path);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (!opened.ok()) return nullptr;
  return std::move(opened).value();
}

// Flips one byte of the first occurrence of `needle` in any table file of
// `dir`; returns whether it found one.
bool FlipInTableFiles(const std::string& dir, const std::string& needle) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".ldb") continue;
    std::string bytes;
    {
      std::ifstream in(e.path(), std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    const size_t pos = bytes.find(needle);
    if (pos == std::string::npos) continue;
    bytes[pos + needle.size() / 2] ^= 0x01;
    std::ofstream out(e.path(), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return true;
  }
  return false;
}

TEST(LevelDbBackendTest, FlippedByteOnDiskIsCorruption) {
  TempDir dir;
  // Random bytes do not compress, so the value appears verbatim on disk.
  Random rnd(7);
  std::string value(4000, '\0');
  for (char& c : value) c = static_cast<char>(rnd.Uniform(256));
  {
    auto b = MustOpen(dir.path());
    ASSERT_NE(b, nullptr);
    WriteBatch batch;
    batch.Put("before", "ok");
    batch.Put("victim", value);
    batch.Put("zafter", "ok");
    ASSERT_TRUE(b->Commit(batch, true).ok());
    b->CompactAll();  // into a table file
  }
  ASSERT_TRUE(FlipInTableFiles(dir.path(), value.substr(1000, 64)));
  auto b = MustOpen(dir.path());
  ASSERT_NE(b, nullptr);
  Result<std::string> got = b->Get("victim");
  EXPECT_EQ(got.status().code(), Code::kCorruption) << got.status().ToString();
  Status scan = b->Scan({}, {}, [](std::string_view, std::string_view v) {
    EXPECT_EQ(v, "ok");  // only intact values are ever handed out
    return true;
  });
  EXPECT_EQ(scan.code(), Code::kCorruption);
  Result<bool> view = b->OpenView()->Read(
      [](std::string_view, std::string_view v) { return v == "ok"; });
  EXPECT_EQ(view.status().code(), Code::kCorruption);
}

// A View reads the backend as it was when opened, in as many pieces as the
// reader wants, while later commits change it.
TEST(LevelDbBackendTest, ViewIsAConsistentSnapshotReadInPieces) {
  TempDir dir;
  auto b = MustOpen(dir.path());
  ASSERT_NE(b, nullptr);
  WriteBatch batch;
  std::map<std::string, std::string> want;
  for (int i = 0; i < 10; i++) {
    const std::string k = "k" + std::to_string(i);
    batch.Put(k, "v" + std::to_string(i));
    want[k] = "v" + std::to_string(i);
  }
  ASSERT_TRUE(b->Commit(batch, true).ok());
  std::unique_ptr<LevelDbBackend::View> view = b->OpenView();
  WriteBatch later;
  later.Delete("k3");
  later.Put("k5", "changed");
  later.Put("k55", "new");
  ASSERT_TRUE(b->Commit(later, true).ok());
  std::map<std::string, std::string> got;
  int calls = 0;
  bool more = true;
  while (more) {
    int n = 0;
    Result<bool> r = view->Read([&](std::string_view k, std::string_view v) {
      got.emplace(std::string(k), std::string(v));
      return ++n < 3;  // stop after each third key
    });
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    more = r.value();
    ASSERT_LT(++calls, 10);
  }
  EXPECT_EQ(calls, 4);  // 3 + 3 + 3 + 1
  EXPECT_EQ(got, want);
  EXPECT_EQ(b->Get("k5").value(), "changed");
}

TEST(LevelDbBackendTest, KeyspaceAndLeasesReloadAfterReopen) {
  TempDir dir;
  Random rnd(42);
  lease::PersistedPair pair;
  {
    auto b = MustOpen(dir.path());
    ASSERT_NE(b, nullptr);
    for (int i = 0; i < 300; i++) {
      pair.RandomStep(rnd);
      pair.Persist(*b, i % 7 == 0);
    }
  }
  auto b = MustOpen(dir.path());
  ASSERT_NE(b, nullptr);
  lease::PersistedPair loaded;
  ASSERT_TRUE(loaded.Reload(*b).ok());
  EXPECT_EQ(loaded.Fingerprint(), pair.Fingerprint());
}

TEST(LevelDbBackendTest, PathThatIsAFileIsIOError) {
  TempDir dir;
  { std::ofstream(dir.path()) << "not a directory"; }
  auto opened = LevelDbBackend::Open(dir.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kIOError);
  EXPECT_NE(opened.status().message().find(dir.path()), std::string::npos)
      << opened.status().ToString();
  auto below = LevelDbBackend::Open(dir.path() + "/sub");
  ASSERT_FALSE(below.ok());
  EXPECT_EQ(below.status().code(), Code::kIOError);
}

TEST(LevelDbBackendTest, UnwritableDirectoryIsIOError) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  std::filesystem::create_directory(dir.path());
  std::filesystem::permissions(
      dir.path(),
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  auto opened = LevelDbBackend::Open(dir.path() + "/db");
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kIOError);
}

TEST(LevelDbBackendTest, SecondOpenOfLockedDirectoryIsIOError) {
  TempDir dir;
  auto first = MustOpen(dir.path());
  ASSERT_NE(first, nullptr);
  auto second = LevelDbBackend::Open(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kIOError);
}

}  // namespace
}  // namespace cairn::storage
