// Runs the keyspace transcripts in tests/testdata/mvcc/*.txt, each against
// a fresh KvStore; the commands are described in kv_transcript.h.
#include <gtest/gtest.h>

#include <string>

#include "core/mvcc/kv_store.h"
#include "tests/core/mvcc/kv_transcript.h"
#include "tests/support/datadriven.h"

namespace cairn::mvcc {
namespace {

using ::cairn::testing::TestData;

TEST(KvStoreTranscriptTest, All) {
  const auto files =
      ::cairn::testing::ListFiles(std::string(CAIRN_TESTDATA_DIR) + "/mvcc");
  ASSERT_FALSE(files.empty());
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    KvStore store;
    ::cairn::testing::RunFile(file, [&store](const TestData& d) {
      return RunKvCommand(store, d, nullptr);
    });
  }
}

}  // namespace
}  // namespace cairn::mvcc
