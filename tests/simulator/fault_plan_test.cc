// FaultPlan: generation is deterministic per seed, stays inside the run,
// closes every fault it opens (every cut restored, crash restarted, pause
// resumed), honours the enabled kinds; the shrinker finds a minimal failing
// set of episodes within its run budget.
#include "simulator/fault_plan.h"

#include <gtest/gtest.h>

#include <map>

namespace cairn::sim {
namespace {

FaultOptions FiveNodes() {
  FaultOptions o;
  o.nodes = {1, 2, 3, 4, 5};
  o.duration = 20 * kSeconds;
  return o;
}

TEST(FaultPlanTest, SameSeedSamePlan) {
  Random a(11), b(11), c(12);
  const FaultOptions o = FiveNodes();
  EXPECT_EQ(DescribeFaultPlan(GenerateFaultPlan(a, o)),
            DescribeFaultPlan(GenerateFaultPlan(b, o)));
  Random a2(11);
  EXPECT_NE(DescribeFaultPlan(GenerateFaultPlan(a2, o)),
            DescribeFaultPlan(GenerateFaultPlan(c, o)));
}

TEST(FaultPlanTest, EveryFaultClosesInsideTheRun) {
  for (uint64_t seed = 1; seed <= 200; seed++) {
    Random rng(seed);
    const FaultOptions o = FiveNodes();
    FaultPlan plan = GenerateFaultPlan(rng, o);
    ASSERT_FALSE(plan.empty()) << "seed " << seed;
    std::map<std::pair<NodeId, NodeId>, int> cuts;
    std::map<NodeId, int> crashed, paused, skewed;
    int loss = 0;
    Micros last = 0;
    for (const Fault& f : plan) {
      ASSERT_GE(f.at, last) << "plan not sorted, seed " << seed;
      ASSERT_LE(f.at, o.duration);
      last = f.at;
      for (const Link& l : f.links) {
        ASSERT_NE(l.from, l.to);
        cuts[{l.from, l.to}] += f.kind == FaultKind::kCutLinks ? 1 : -1;
      }
      // A crash armed at a crash point or by a failing fsync may never
      // fire, but its episode still ends with the restart.
      if (f.kind == FaultKind::kCrash || f.kind == FaultKind::kCrashAt ||
          f.kind == FaultKind::kSyncFail) {
        crashed[f.node]++;
      }
      if (f.kind == FaultKind::kRestart) crashed[f.node]--;
      if (f.kind == FaultKind::kPause) paused[f.node]++;
      if (f.kind == FaultKind::kResume) paused[f.node]--;
      if (f.kind == FaultKind::kTickSkew) skewed[f.node]++;
      if (f.kind == FaultKind::kClearSkew) skewed[f.node]--;
      if (f.kind == FaultKind::kSetLoss) loss++;
      if (f.kind == FaultKind::kClearLoss) loss--;
    }
    for (auto& [link, n] : cuts) EXPECT_EQ(n, 0) << "seed " << seed;
    for (auto& [node, n] : crashed) EXPECT_EQ(n, 0) << "seed " << seed;
    for (auto& [node, n] : paused) EXPECT_EQ(n, 0) << "seed " << seed;
    for (auto& [node, n] : skewed) EXPECT_EQ(n, 0) << "seed " << seed;
    EXPECT_EQ(loss, 0) << "seed " << seed;
  }
}

TEST(FaultPlanTest, OnlyEnabledKinds) {
  FaultOptions o = FiveNodes();
  o.partitions = o.one_way = o.flapping = o.swizzle = false;
  o.pauses = o.loss = o.skew = false;
  o.crash_points = o.sync_failures = o.clock_jumps = false;
  Random rng(3);
  for (const Fault& f : GenerateFaultPlan(rng, o)) {
    EXPECT_TRUE(f.kind == FaultKind::kCrash || f.kind == FaultKind::kRestart)
        << f.ToString();
  }
  o.crashes = false;
  EXPECT_TRUE(GenerateFaultPlan(rng, o).empty());
}

// Flaps stay down 1/5 to 2 election timeouts and clock jumps step 1/5 to
// 3, for the historical 100 ms timeout and for etcd's 1 s.
TEST(FaultPlanTest, FlapsAndClockJumpsScaleWithTheElectionTimeout) {
  for (Micros et : {100 * kMillis, 1 * kSeconds}) {
    FaultOptions o = FiveNodes();
    o.partitions = o.one_way = o.swizzle = o.crashes = false;
    o.pauses = o.loss = o.skew = o.crash_points = o.sync_failures = false;
    o.election_timeout = et;
    o.max_episode = 10 * kSeconds;
    int flaps = 0;
    int jumps = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
      Random rng(seed);
      std::map<uint32_t, Micros> cut_at;  // by episode
      for (const Fault& f : GenerateFaultPlan(rng, o)) {
        if (f.kind == FaultKind::kCutLinks) cut_at[f.episode] = f.at;
        if (f.kind == FaultKind::kRestoreLinks) {
          const Micros down = f.at - cut_at.at(f.episode);
          EXPECT_GE(down, et / 5) << f.ToString();
          EXPECT_LE(down, 2 * et) << f.ToString();
          flaps++;
        }
        if (f.kind == FaultKind::kClockJump) {
          EXPECT_GE(f.value * kMillis, et / 5) << f.ToString();
          EXPECT_LE(f.value * kMillis, 3 * et) << f.ToString();
          jumps++;
        }
      }
    }
    EXPECT_GT(flaps, 20) << "timeout " << et;
    EXPECT_GT(jumps, 10) << "timeout " << et;
  }
}

TEST(FaultPlanTest, RendersReadably) {
  Fault f{.at = 1250000,
          .kind = FaultKind::kCutLinks,
          .episode = 3,
          .links = {{1, 2}, {1, 3}}};
  EXPECT_EQ(f.ToString(), "1.250000s ep3 cut 1>2,1>3");
  Fault c{.at = 5, .kind = FaultKind::kCrash, .episode = 0, .node = 2};
  EXPECT_EQ(c.ToString(), "0.000005s ep0 crash n2");
}

TEST(FaultPlanTest, RendersDiskAndClockFaults) {
  Fault c{.at = 2000000, .kind = FaultKind::kCrashAt, .episode = 4, .node = 1};
  c.value = static_cast<uint32_t>(CrashPoint::kAfterWrite);
  EXPECT_EQ(c.ToString(), "2.000000s ep4 crash-at n1 point=after-write");
  Fault j{.at = 7, .kind = FaultKind::kClockJump, .episode = 1, .node = 3};
  j.value = 250;
  j.value2 = 1;
  EXPECT_EQ(j.ToString(), "0.000007s ep1 clock-jump n3 by=-250ms");
}

// Every generated plan reads back to itself from its description, which
// is what `cairnsim replay --plan FILE` runs.
TEST(FaultPlanTest, ParseReadsBackWhatDescribeWrote) {
  for (uint64_t seed = 1; seed <= 100; seed++) {
    Random rng(seed);
    const FaultPlan plan = GenerateFaultPlan(rng, FiveNodes());
    const std::string text = DescribeFaultPlan(plan);
    Result<FaultPlan> back = ParseFaultPlan("# a comment\n\n" + text);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(DescribeFaultPlan(back.value()), text) << "seed " << seed;
  }
  Result<FaultPlan> indented = ParseFaultPlan("  0.100000s ep0 crash n2\n");
  ASSERT_TRUE(indented.ok());
  EXPECT_EQ(indented.value().size(), 1u);
}

TEST(FaultPlanTest, ParseNamesTheBadLine) {
  Result<FaultPlan> bad =
      ParseFaultPlan("0.100000s ep0 crash n2\n0.2s ep1 explode n1\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("line 2"), std::string::npos);
  EXPECT_FALSE(ParseFaultPlan("1.000000s ep0 crash n2\n"
                              "0.500000s ep1 crash n1\n")
                   .ok());  // out of order
  EXPECT_FALSE(ParseFaultPlan("0.100000s ep0 crash-at n2 point=nowhere").ok());
}

bool HasKind(const FaultPlan& plan, FaultKind kind) {
  for (const Fault& f : plan) {
    if (f.kind == kind) return true;
  }
  return false;
}

TEST(FaultPlanTest, ShrinkKeepsOnlyWhatTheFailureNeeds) {
  // A "bug" that shows only when a crash and a loss episode both happen.
  Random rng(21);
  FaultOptions o = FiveNodes();
  o.duration = 60 * kSeconds;
  FaultPlan plan = GenerateFaultPlan(rng, o);
  auto fails = [](const FaultPlan& p) {
    return HasKind(p, FaultKind::kCrash) && HasKind(p, FaultKind::kSetLoss);
  };
  ASSERT_TRUE(fails(plan));
  ASSERT_GT(Episodes(plan).size(), 20u);
  FaultPlan small = ShrinkFaultPlan(plan, fails, 1000);
  EXPECT_TRUE(fails(small));
  EXPECT_EQ(Episodes(small).size(), 2u) << DescribeFaultPlan(small);
}

TEST(FaultPlanTest, ShrinkRespectsItsBudget) {
  Random rng(22);
  FaultPlan plan = GenerateFaultPlan(rng, FiveNodes());
  int runs = 0;
  auto fails = [&](const FaultPlan& p) {
    runs++;
    return p.size() > 0;  // anything non-empty "fails"
  };
  FaultPlan small = ShrinkFaultPlan(plan, fails, 5);
  EXPECT_LE(runs, 5);
  EXPECT_TRUE(fails(small));
}

TEST(FaultPlanTest, ShrinkToEmptyWhenFaultsDoNotMatter) {
  Random rng(23);
  FaultPlan plan = GenerateFaultPlan(rng, FiveNodes());
  EXPECT_TRUE(ShrinkFaultPlan(
                  plan, [](const FaultPlan&) { return true; }, 10)
                  .empty());
}

}  // namespace
}  // namespace cairn::sim
