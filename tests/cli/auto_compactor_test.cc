// AutoCompactor: etcd 3.4's two auto-compaction modes, driven with a fake
// clock. Periodic keeps about a retention of history (compacts to the
// revision sampled a retention ago, every min(retention, 1h)); revision
// mode keeps the last N revisions (checked every 5 minutes). Only the
// leader compacts, never backwards or twice to the same revision, and
// retention 0 never compacts.
#include "cli/cairn/auto_compactor.h"

#include <gtest/gtest.h>

namespace cairn::node {
namespace {

constexpr int64_t kMin = 60 * 1000;

TEST(AutoCompactorTest, OffByDefault) {
  AutoCompactor c(CompactionMode::kPeriodic, 0);
  for (int64_t t = 0; t < 100 * kMin; t += kMin) {
    EXPECT_FALSE(c.Due(t, t, true).has_value());
  }
}

TEST(AutoCompactorTest, PeriodicKeepsARetentionOfHistory) {
  // Retention 10 minutes: samples every minute, compaction every 10.
  AutoCompactor c(CompactionMode::kPeriodic, 10 * kMin);
  std::vector<std::pair<int64_t, int64_t>> done;  // (time, revision)
  for (int64_t t = 0; t <= 35 * kMin; t += kMin / 2) {
    // One revision per second, from 100.
    if (auto r = c.Due(t, 100 + t / 1000, true)) done.emplace_back(t, *r);
  }
  ASSERT_EQ(done.size(), 3u);
  for (const auto& [t, rev] : done) {
    // The revision of about a retention ago, never newer.
    EXPECT_LE(rev, 100 + (t - 10 * kMin) / 1000);
    EXPECT_GE(rev, 100 + (t - 11 * kMin) / 1000);
  }
  EXPECT_EQ(done[0].first, 10 * kMin);
}

TEST(AutoCompactorTest, PeriodicOnlyOnTheLeaderAndNeverTwice) {
  AutoCompactor c(CompactionMode::kPeriodic, 10 * kMin);
  int compactions = 0;
  for (int64_t t = 0; t <= 25 * kMin; t += kMin) {
    if (c.Due(t, 5, /*is_leader=*/t > 15 * kMin)) compactions++;
  }
  // The revision never moved: one compaction to it, then none.
  EXPECT_EQ(compactions, 1);
}

TEST(AutoCompactorTest, RevisionModeKeepsTheLastN) {
  AutoCompactor c(CompactionMode::kRevision, 1000);
  EXPECT_FALSE(c.Due(0, 5000, true).has_value());
  EXPECT_FALSE(c.Due(4 * kMin, 5000, true).has_value());  // not yet 5 min
  std::optional<int64_t> r = c.Due(5 * kMin, 5000, true);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 4000);
  EXPECT_FALSE(c.Due(10 * kMin, 5000, true).has_value());   // no progress
  EXPECT_FALSE(c.Due(15 * kMin, 9000, false).has_value());  // a follower
  r = c.Due(20 * kMin, 9000, true);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 8000);
  AutoCompactor small(CompactionMode::kRevision, 1000);
  (void)small.Due(0, 10, true);
  EXPECT_FALSE(small.Due(5 * kMin, 10, true).has_value());  // nothing old
}

}  // namespace
}  // namespace cairn::node
