// Tests of the simulated world (world.h, sim_node.h): the same seed gives
// a byte-identical trace; a fault-free run elects one leader and commits
// and acknowledges every proposal; faulty runs stay safe and live; and a
// planted host bug (sending before the fsync) is caught by the checkers.
#include "simulator/world.h"

#include <sstream>

#include "gtest/gtest.h"

namespace cairn::sim {
namespace {

std::string TraceOf(WorldOptions o) {
  std::ostringstream out;
  o.trace = &out;
  RunResult r = RunWorld(o);
  EXPECT_TRUE(r.ok) << r.invariant << ": " << r.detail;
  return out.str();
}

TEST(WorldTest, SameSeedGivesByteIdenticalTrace) {
  WorldOptions o;
  o.seed = 7;
  o.nodes = 5;
  o.duration = 2 * kSeconds;
  const std::string a = TraceOf(o);
  const std::string b = TraceOf(o);
  EXPECT_GT(a.size(), 10000u);
  EXPECT_EQ(a, b);
  o.seed = 8;
  EXPECT_NE(TraceOf(o), a);  // the seed matters
}

// Fuzzing runs untraced and re-runs failures traced: both must take the
// same path.
TEST(WorldTest, TracingDoesNotChangeTheRun) {
  WorldOptions o;
  o.seed = 11;
  o.duration = 2 * kSeconds;
  RunResult traced = RunWorld(o);
  o.tracing = false;
  RunResult untraced = RunWorld(o);
  EXPECT_TRUE(traced.ok);
  EXPECT_EQ(untraced.ok, traced.ok);
  EXPECT_EQ(untraced.stats.events, traced.stats.events);
  EXPECT_EQ(untraced.stats.messages, traced.stats.messages);
  EXPECT_EQ(untraced.stats.simulated, traced.stats.simulated);
  EXPECT_EQ(untraced.stats.acknowledged, traced.stats.acknowledged);
  EXPECT_EQ(untraced.stats.trace_lines, 0u);
  EXPECT_GT(traced.stats.trace_lines, 1000u);
}

TEST(WorldTest, FaultFreeRunElectsOneLeaderAndCommitsEverything) {
  WorldOptions o;
  o.seed = 3;
  o.nodes = 3;
  o.faults = false;
  o.duration = 2 * kSeconds;
  o.rate = 50;
  RunResult r = RunWorld(o);
  ASSERT_TRUE(r.ok) << r.invariant << ": " << r.detail;
  EXPECT_EQ(r.stats.elections, 1u);
  EXPECT_EQ(r.stats.faults, 0u);
  EXPECT_GE(r.stats.proposals, 100u);
  EXPECT_EQ(r.stats.acknowledged, r.stats.proposals);
  EXPECT_TRUE(r.plan.empty());
}

TEST(WorldTest, FaultyRunsStaySafeAndLive) {
  for (uint64_t seed = 1; seed <= 5; seed++) {
    WorldOptions o;
    o.seed = seed;
    o.nodes = 3 + static_cast<int>(seed % 3) * 2;
    o.duration = 3 * kSeconds;
    RunResult r = RunWorld(o);
    EXPECT_TRUE(r.ok) << "seed " << seed << ": " << r.invariant << ": "
                      << r.detail;
    EXPECT_FALSE(r.plan.empty());
    EXPECT_GT(r.stats.faults, 0u);
    EXPECT_GT(r.stats.acknowledged, 0u);
  }
}

TEST(WorldTest, GivenPlanReplacesTheGeneratedOne) {
  WorldOptions o;
  o.seed = 4;
  o.duration = 2 * kSeconds;
  FaultPlan generated = PlanFor(o);
  ASSERT_FALSE(generated.empty());
  o.plan = FaultPlan{generated.front()};
  RunResult r = RunWorld(o);
  EXPECT_EQ(r.plan.size(), 1u);
}

// The planted bug sends a Ready's messages before its fsync. The
// persistence-contract checker sees the first vote or term leave before
// it is durable, long before a crash could turn it into a split vote or a
// lost acknowledged entry (which the Raft core's own checks would then
// catch by aborting).
TEST(WorldTest, PlantedSendBeforeSyncIsCaught) {
  for (uint64_t seed = 1; seed <= 3; seed++) {
    WorldOptions o;
    o.seed = seed;
    o.nodes = 3;
    o.duration = 2 * kSeconds;
    o.bug = PlantedBug::kSendBeforeSync;
    RunResult r = RunWorld(o);
    EXPECT_FALSE(r.ok) << "seed " << seed;
    EXPECT_EQ(r.invariant, "persistence-contract") << r.detail;
    EXPECT_NE(r.detail.find("before it was durable"), std::string::npos);
    EXPECT_FALSE(r.last_trace.empty());
  }
}

}  // namespace
}  // namespace cairn::sim
