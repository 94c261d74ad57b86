// Runs every transcript in tests/testdata/raft through the
// InteractionEnv, each file in a fresh cluster. The transcripts are the
// main behavioural tests of the Raft core: each opens with comments that
// explain the scenario. CAIRN_REWRITE=1 regenerates expected output.
#include <gtest/gtest.h>

#include "tests/core/raft/interaction_env.h"
#include "tests/support/datadriven.h"

namespace cairn::raft {
namespace {

class RaftTranscriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RaftTranscriptTest, Run) {
  InteractionEnv env;
  testing::RunFile(
      GetParam(), [&env](const testing::TestData& d) { return env.Handle(d); });
}

std::string Name(const ::testing::TestParamInfo<std::string>& info) {
  std::string base = info.param.substr(info.param.rfind('/') + 1);
  base = base.substr(0, base.size() - 4);
  for (char& c : base) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return base;
}

INSTANTIATE_TEST_SUITE_P(Transcripts, RaftTranscriptTest,
                         ::testing::ValuesIn(testing::ListFiles(
                             std::string(CAIRN_TESTDATA_DIR) + "/raft")),
                         Name);

}  // namespace
}  // namespace cairn::raft
