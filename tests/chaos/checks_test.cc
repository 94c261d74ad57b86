// The chaos run's post-run checks find what they should: gaps, missing
// acknowledged writes, watchers that skipped or repeated events, and the
// watch stream's messages parse as the gateway prints them.
#include "tests/chaos/checks.h"

#include <gtest/gtest.h>

namespace cairn::chaos {
namespace {

std::vector<WatchEvent> History3() {
  return {{2, "chaos/k0", "a"}, {3, "chaos/k1", "b"}, {4, "chaos/k0", {}}};
}

TEST(ChaosChecks, EventHistoryContiguous) {
  EXPECT_TRUE(CheckEventHistory(History3(), 4).empty());
  EXPECT_TRUE(CheckEventHistory({}, 1).empty());
}

TEST(ChaosChecks, EventHistoryGapAndShortEnd) {
  std::vector<WatchEvent> gap = History3();
  gap.erase(gap.begin() + 1);
  std::vector<std::string> found = CheckEventHistory(gap, 4);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "event history: revision 4 where 3 was due");
  found = CheckEventHistory(History3(), 6);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "event history ends at 4, the cluster is at 6");
}

TEST(ChaosChecks, AckedWritesFoundOrReported) {
  std::vector<AckedWrite> acked = {{"chaos/k0", "a", 2},
                                   {"chaos/k1", "b", 3},
                                   {"chaos/k0", std::nullopt, 4}};
  EXPECT_TRUE(CheckAckedWrites(acked, History3()).empty());
  acked.push_back({"chaos/k1", "lost", 3});
  acked.push_back({"chaos/k2", "x", 9});
  std::vector<std::string> found = CheckAckedWrites(acked, History3());
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0],
            "acknowledged write chaos/k1=\"lost\" at revision 3 not in the "
            "history (found chaos/k1=\"b\")");
  EXPECT_EQ(found[1],
            "acknowledged write chaos/k2=\"x\" at revision 9 not in the "
            "history (found nothing)");
}

TEST(ChaosChecks, WatcherMustEqualHistory) {
  EXPECT_TRUE(CheckWatcher("w", History3(), History3()).empty());
  std::vector<WatchEvent> changed = History3();
  changed[2].value = "z";
  std::vector<std::string> found = CheckWatcher("w", changed, History3());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0],
            "w event 2: revision 4 chaos/k0=\"z\", the history has revision 4 "
            "chaos/k0=<deleted>");
  std::vector<WatchEvent> short_seen = History3();
  short_seen.pop_back();
  found = CheckWatcher("w", short_seen, History3());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], "w saw 2 events, the history has 3");
}

TEST(ChaosChecks, ParseWatchEvents) {
  // As the gateway prints them: PUT is the default type, left out.
  ctl::Json msg = ctl::Json::parse(R"({"result":{"header":{"revision":"5"},
    "events":[{"kv":{"key":"Y2hhb3MvazA=","mod_revision":"4","value":"YQ=="}},
              {"type":"DELETE","kv":{"key":"Y2hhb3MvazE=","mod_revision":"5"}}]}})");
  Result<std::vector<WatchEvent>> evs = ParseWatchEvents(msg);
  ASSERT_TRUE(evs.ok()) << evs.status().ToString();
  ASSERT_EQ(evs.value().size(), 2u);
  EXPECT_EQ(evs.value()[0].revision, 4);
  EXPECT_EQ(evs.value()[0].key, "chaos/k0");
  EXPECT_EQ(evs.value()[0].value, "a");
  EXPECT_EQ(evs.value()[1].revision, 5);
  EXPECT_EQ(evs.value()[1].key, "chaos/k1");
  EXPECT_EQ(evs.value()[1].value, std::nullopt);

  EXPECT_TRUE(
      ParseWatchEvents(ctl::Json::parse(R"({"result":{"created":true}})"))
          .ok());
  EXPECT_EQ(
      ParseWatchEvents(ctl::Json::parse(R"({"result":{"canceled":true}})"))
          .status()
          .code(),
      Code::kUnavailable);
  EXPECT_EQ(ParseWatchEvents(ctl::Json::parse(R"({"nope":1})")).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(
      ParseWatchEvents(
          ctl::Json::parse(R"({"result":{"events":[{"kv":{"key":"!!"}}]}})"))
          .status()
          .code(),
      Code::kInvalidArgument);
}

TEST(ChaosChecks, Percentiles) {
  EXPECT_EQ(Percentiles({}), "none");
  EXPECT_EQ(Percentiles({30, 10, 20}), "p50 20 ms, p99 30 ms, max 30 ms (n=3)");
}

}  // namespace
}  // namespace cairn::chaos
