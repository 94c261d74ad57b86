// Tests of VerifyLevelDbFiles over a real LevelDB directory (written
// through LevelDbBackend, reopened so that it holds a table, a log, a
// MANIFEST and CURRENT): an intact directory checks out; a flipped byte in
// any of those files, a table or MANIFEST cut short or emptied, and a
// CURRENT without its newline are kCorruption naming that file; a log cut
// in its last record is a torn tail, not damage; a missing directory is
// kIOError.
#include "core/storage/leveldb_verify.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/storage/leveldb_backend.h"
#include "core/util/random.h"
#include "tests/core/storage/store_test_util.h"

namespace cairn::storage {
namespace {

namespace fs = std::filesystem;

// A backend directory with a table (the first batch, flushed by the
// reopen), a log (the second batch), a MANIFEST and CURRENT.
void MakeStore(const std::string& dir) {
  Random rnd(11);
  for (int round = 0; round < 2; round++) {
    auto opened = LevelDbBackend::Open(dir);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    WriteBatch batch;
    for (int i = 0; i < 50; i++) {
      std::string value(200, '\0');
      for (char& c : value) c = static_cast<char>(rnd.Uniform(256));
      batch.Put("key" + std::to_string(round * 100 + i), value);
    }
    ASSERT_TRUE(opened.value()->Commit(batch, /*sync=*/true).ok());
  }
}

// The one file of `dir` whose name starts with `prefix` and ends with
// `suffix`.
fs::path FileOf(const std::string& dir, const std::string& prefix,
                const std::string& suffix) {
  std::vector<fs::path> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      found.push_back(e.path());
    }
  }
  EXPECT_EQ(found.size(), 1u) << dir << " " << prefix << "*" << suffix;
  return found.empty() ? fs::path(dir) / "missing" : found[0];
}

void ExpectNames(const std::string& dir, const fs::path& file,
                 const std::string& what) {
  Status s = VerifyLevelDbFiles(dir);
  EXPECT_EQ(s.code(), Code::kCorruption) << what << ": " << s.ToString();
  EXPECT_NE(s.message().find(file.string()), std::string::npos)
      << what << ": " << s.ToString();
}

struct Target {
  const char* prefix;
  const char* suffix;
};
constexpr Target kFiles[] = {
    {"", ".ldb"}, {"", ".log"}, {"MANIFEST-", ""}, {"CURRENT", ""}};

TEST(LevelDbVerifyTest, IntactDirectoryChecksOut) {
  TempDir dir;
  MakeStore(dir.path());
  for (const Target& t : kFiles) FileOf(dir.path(), t.prefix, t.suffix);
  Status s = VerifyLevelDbFiles(dir.path());
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(LevelDbVerifyTest, FlippedByteInAnyFileIsNamed) {
  for (const Target& t : kFiles) {
    TempDir dir;
    MakeStore(dir.path());
    const fs::path f = FileOf(dir.path(), t.prefix, t.suffix);
    std::string bytes = ReadFile(f);
    ASSERT_GT(bytes.size(), 8u) << f;
    // CURRENT: its name's digits; elsewhere a byte in the middle.
    const size_t at = t.prefix == std::string("CURRENT") ? bytes.size() - 2
                                                         : bytes.size() / 2;
    bytes[at] ^= 0x40;
    WriteFile(f, bytes);
    ExpectNames(dir.path(), f, "flipped byte in " + f.string());
  }
}

TEST(LevelDbVerifyTest, TruncatedTableManifestOrCurrentIsNamed) {
  for (const Target& t : kFiles) {
    if (t.suffix == std::string(".log")) continue;
    for (bool empty : {false, true}) {
      TempDir dir;
      MakeStore(dir.path());
      const fs::path f = FileOf(dir.path(), t.prefix, t.suffix);
      const auto size = fs::file_size(f);
      fs::resize_file(f, empty ? 0 : size / 2);
      ExpectNames(dir.path(), f, (empty ? "emptied " : "halved ") + f.string());
    }
  }
}

TEST(LevelDbVerifyTest, TornLogTailIsNotDamage) {
  TempDir dir;
  MakeStore(dir.path());
  const fs::path f = FileOf(dir.path(), "", ".log");
  fs::resize_file(f, fs::file_size(f) - 3);
  Status s = VerifyLevelDbFiles(dir.path());
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(LevelDbVerifyTest, MissingDirectoryIsIOError) {
  TempDir dir;
  EXPECT_EQ(VerifyLevelDbFiles(dir.path() + "/nope").code(), Code::kIOError);
}

}  // namespace
}  // namespace cairn::storage
