// EventQueue: events fire in time order, ties in scheduling order, the
// clock follows the events, and scheduling in the past is a bug.
#include "simulator/event_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn::sim {
namespace {

TEST(EventQueueTest, FiresInTimeOrderTiesInInsertionOrder) {
  EventQueue<std::string> q;
  q.At(30, "c");
  q.At(10, "a1");
  q.At(20, "b");
  q.At(10, "a2");
  std::string order;
  while (!q.empty()) {
    std::string ev = q.Pop();
    order += ev + "@" + std::to_string(q.now()) + " ";
  }
  EXPECT_EQ(order, "a1@10 a2@10 b@20 c@30 ");
}

TEST(EventQueueTest, AfterIsRelativeToNow) {
  EventQueue<int> q;
  q.At(100, 1);
  EXPECT_EQ(q.NextTime(), 100u);
  q.Pop();
  q.After(5, 2);
  EXPECT_EQ(q.NextTime(), 105u);
  EXPECT_EQ(q.size(), 1u);
}

TEST(EventQueueTest, EmptyHasNoNextTime) {
  EventQueue<int> q;
  EXPECT_FALSE(q.NextTime().has_value());
}

TEST(EventQueueDeathTest, PastIsABug) {
  EventQueue<int> q;
  q.At(50, 1);
  q.Pop();
  EXPECT_DEATH(q.At(49, 2), "in the past");
}

}  // namespace
}  // namespace cairn::sim
