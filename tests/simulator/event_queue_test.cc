// EventQueue: events fire in time order, ties in scheduling order, the
// clock follows the events, and scheduling in the past is a bug.
#include "simulator/event_queue.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

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

// Many events, scheduled while others fire, with many ties: the queue
// agrees with a plain ordered model of (time, scheduling order).
TEST(EventQueueTest, InterleavedSchedulingMatchesAnOrderedModel) {
  EventQueue<uint64_t> q;
  std::set<std::pair<Micros, uint64_t>> model;  // (time, id), id ascending
  uint64_t next_id = 0;
  uint64_t x = 42;
  auto draw = [&x](uint64_t n) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % n;
  };
  for (int step = 0; step < 20000; step++) {
    if (model.empty() || draw(3) != 0) {
      const Micros at = q.now() + draw(8);  // many ties, many at now()
      q.At(at, next_id);
      model.insert({at, next_id++});
      continue;
    }
    const uint64_t id = q.Pop();
    ASSERT_EQ(std::make_pair(q.now(), id), *model.begin()) << step;
    model.erase(model.begin());
    EXPECT_EQ(q.size(), model.size());
  }
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
