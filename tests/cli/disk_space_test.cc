// Tests of the node's disk-space pieces (cli/cairn/disk_space.h): the
// headroom arithmetic (clamped, negative when short), statvfs on a real
// directory and on a missing one, and the fail-stop stores: a write that
// fails ends the process with status 1 and one fatal log line naming the
// error, while a write that succeeds and every read pass through.
#include "cli/cairn/disk_space.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <limits>

#include "core/storage/memory_backend.h"

namespace cairn::node {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(DiskSpaceTest, Headroom) {
  EXPECT_EQ(DiskHeadroom(100, 30), 70);
  EXPECT_EQ(DiskHeadroom(30, 100), -70);
  EXPECT_EQ(DiskHeadroom(100, 100), 0);
  EXPECT_EQ(DiskHeadroom(UINT64_MAX, 0), kMax);
  EXPECT_EQ(DiskHeadroom(0, UINT64_MAX), -kMax);
}

TEST(DiskSpaceTest, FreeBytesOfARealAndAMissingDirectory) {
  const std::string tmp = std::filesystem::temp_directory_path().string();
  Result<uint64_t> free = FreeDiskBytes(tmp);
  ASSERT_TRUE(free.ok()) << free.status().ToString();
  EXPECT_GT(free.value(), 0u);
  Result<uint64_t> missing = FreeDiskBytes(tmp + "/cairn-no-such-dir/x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kIOError);
  EXPECT_NE(missing.status().message().find("cairn-no-such-dir"),
            std::string::npos);
}

// A backend whose commits fail as a full disk makes them fail.
class FullBackend : public storage::MemoryBackend {
 public:
  Status Commit(const storage::WriteBatch&, bool) override {
    return Status::IOError("writing: No space left on device");
  }
};

TEST(DiskSpaceTest, WritesAndReadsPassThrough) {
  storage::MemoryBackend inner;
  JsonLogger logger(std::cerr, LogLevel::kInfo, "t");
  FailStopBackend b(inner, logger);
  storage::WriteBatch batch;
  batch.Put("k", "v");
  ASSERT_TRUE(b.Commit(batch, /*sync=*/true).ok());
  Result<std::string> got = b.Get("k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value(), "v");
}

TEST(DiskSpaceDeathTest, FailedWriteExitsWithOneFatalLine) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  FullBackend inner;
  JsonLogger logger(std::cerr, LogLevel::kInfo, "t");
  FailStopBackend b(inner, logger);
  storage::WriteBatch batch;
  batch.Put("k", "v");
  EXPECT_EXIT((void)b.Commit(batch, /*sync=*/true),
              ::testing::ExitedWithCode(1),
              "\"level\":\"fatal\".*\"msg\":\"cannot write to the data "
              "directory\",\"store\":\"backend\",\"error\":\"io-error: "
              "writing: No space left on device\"");
}

}  // namespace
}  // namespace cairn::node
