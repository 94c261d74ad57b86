// Runs every server transcript (tests/testdata/server/*.txt) through a
// fresh ClusterEnv: an in-process cluster of Servers over in-memory logs,
// backends and network. The transcripts cover the write path, serializable
// and linearizable reads, leases (expiry, keep-alive, checkpoints across a
// leader change), membership changes, snapshots, crashes and restarts,
// timeouts and alarms; see each file's comments. CAIRN_REWRITE=1
// regenerates the expected output (read the diff).
#include <gtest/gtest.h>

#include "tests/core/server/cluster_env.h"
#include "tests/support/datadriven.h"

namespace cairn::server {
namespace {

TEST(ServerTranscriptTest, All) {
  const auto files =
      testing::ListFiles(std::string(CAIRN_TESTDATA_DIR) + "/server");
  ASSERT_FALSE(files.empty());
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    ClusterEnv env;
    testing::RunFile(
        path, [&env](const testing::TestData& d) { return env.Handle(d); });
  }
}

}  // namespace
}  // namespace cairn::server
