// The transcript harness itself: arguments of every form, input lines,
// fenced output with blank lines, and comments, run against
// tests/testdata/datadriven/harness.txt with a small calculator handler.
#include "tests/support/datadriven.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <numeric>
#include <sstream>

namespace cairn::testing {
namespace {

std::string Calc(const TestData& d) {
  if (d.cmd == "sum") {
    std::vector<std::string> vals = d.Args("of");
    uint64_t total = 0;
    for (const std::string& v : vals) total += std::stoull(v);
    return std::to_string(total) + "\n";
  }
  if (d.cmd == "echo") {
    std::ostringstream out;
    for (const std::string& p : d.Positionals()) out << "word " << p << "\n";
    out << "n=" << d.ArgUint("n", 99) << " m=" << d.ArgInt("m", -1) << "\n";
    return out.str() + d.input;
  }
  if (d.cmd == "lines") {
    // Output with blank lines needs the fenced form.
    return "first\n\nthird\n";
  }
  return "unknown command " + d.cmd + "\n";
}

TEST(DataDrivenTest, Harness) {
  RunFile(std::string(CAIRN_TESTDATA_DIR) + "/datadriven/harness.txt", Calc);
}

TEST(DataDrivenTest, ListFilesFindsTranscripts) {
  std::vector<std::string> files =
      ListFiles(std::string(CAIRN_TESTDATA_DIR) + "/datadriven");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_NE(files[0].find("harness.txt"), std::string::npos);
}

TEST(DataDrivenTest, MismatchIsReported) {
  // A handler that answers wrongly must fail the run.
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::
            INTERCEPT_ONLY_CURRENT_THREAD,
        &failures);
    RunFile(std::string(CAIRN_TESTDATA_DIR) + "/datadriven/harness.txt",
            [](const TestData&) { return std::string("wrong\n"); });
  }
  EXPECT_GE(failures.size(), 3);
}

}  // namespace
}  // namespace cairn::testing
