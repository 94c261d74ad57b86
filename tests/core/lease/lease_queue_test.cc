// LeaseQueue: one entry per lease, earliest time first, ties broken by the
// smaller id, and moves/removals keep the two indexes in step.
#include "core/lease/lease_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace cairn::lease {
namespace {

std::vector<LeaseId> Drain(LeaseQueue& q) {
  std::vector<LeaseId> out;
  while (!q.empty()) {
    out.push_back(q.Front()->id);
    q.PopFront();
  }
  return out;
}

TEST(LeaseQueueTest, OrdersByTimeThenId) {
  LeaseQueue q;
  q.Upsert(5, 100);
  q.Upsert(3, 100);
  q.Upsert(-2, 100);
  q.Upsert(1, 50);
  q.Upsert(9, 200);
  EXPECT_EQ(q.size(), 5u);
  EXPECT_EQ(Drain(q), (std::vector<LeaseId>{1, -2, 3, 5, 9}));
}

TEST(LeaseQueueTest, UpsertMovesAndRemoveForgets) {
  LeaseQueue q;
  q.Upsert(1, 10);
  q.Upsert(2, 20);
  q.Upsert(1, 30);  // moves, does not duplicate
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.TimeOf(1), 30);
  EXPECT_EQ(q.Front()->id, 2);
  q.Remove(2);
  q.Remove(7);  // not queued: no-op
  EXPECT_EQ(q.TimeOf(2), std::nullopt);
  EXPECT_EQ(Drain(q), std::vector<LeaseId>{1});
  EXPECT_FALSE(q.Front().has_value());
  q.Upsert(4, 1);
  q.Clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.TimeOf(4), std::nullopt);
}

TEST(LeaseQueueDeathTest, PopOfEmptyQueueAborts) {
  LeaseQueue q;
  EXPECT_DEATH(q.PopFront(), "empty lease queue");
}

}  // namespace
}  // namespace cairn::lease
