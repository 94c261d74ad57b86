// The chaos driver's flags: durations and bad values.
#include "tests/chaos/chaos_options.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/chaos/fault_schedule.h"

namespace cairn::chaos {
namespace {

bool Parse(std::vector<std::string> args, Options* o) {
  args.insert(args.begin(), "chaos_driver");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParseFlags(static_cast<int>(argv.size()), argv.data(), o);
}

TEST(ChaosOptions, Durations) {
  EXPECT_EQ(ParseDuration("90"), 90u);
  EXPECT_EQ(ParseDuration("90s"), 90u);
  EXPECT_EQ(ParseDuration("30m"), 1800u);
  EXPECT_EQ(ParseDuration("1h"), 3600u);
  for (const char* bad : {"", "s", "5x", "-1", "1.5h", "9999999999"}) {
    EXPECT_EQ(ParseDuration(bad), 0u) << bad;
  }
}

TEST(ChaosOptions, Flags) {
  Options o;
  ASSERT_TRUE(Parse({"--cairn", "/bin/sh", "--duration", "2m", "--seed", "7",
                     "--members", "5", "--keep"},
                    &o));
  EXPECT_EQ(o.cairn, "/bin/sh");
  EXPECT_EQ(o.duration_s, 120u);
  EXPECT_EQ(o.seed, 7u);
  EXPECT_TRUE(o.seed_given);
  EXPECT_EQ(o.members, 5);
  EXPECT_TRUE(o.keep);
  Options bad;
  EXPECT_FALSE(Parse({}, &bad));  // --cairn is required
  EXPECT_FALSE(Parse({"--cairn", "/no/such/cairn"}, &bad));
  EXPECT_FALSE(Parse({"--cairn", "/bin/sh", "--members", "2"}, &bad));
  EXPECT_FALSE(Parse({"--cairn", "/bin/sh", "--seed", "x"}, &bad));
  EXPECT_FALSE(Parse({"--cairn", "/bin/sh", "--clients"}, &bad));
  EXPECT_FALSE(Parse({"--cairn", "/bin/sh", "--bogus", "1"}, &bad));
  EXPECT_FALSE(Parse({"--cairn", "/bin/sh", "--faults", "kill,nope"}, &bad));
  EXPECT_FALSE(Parse({"--cairn", "/bin/sh", "--faults", ""}, &bad));
  EXPECT_FALSE(Parse({"--cairn", "/bin/sh", "--faults", "kill,"}, &bad));
}

TEST(ChaosOptions, FaultKinds) {
  EXPECT_EQ(ParseFaultKinds("all"), 0x7fu);
  EXPECT_EQ(ParseFaultKinds("latency"),
            1u << static_cast<int>(FaultKind::kLatency));
  EXPECT_EQ(ParseFaultKinds("latency,kill"),
            (1u << static_cast<int>(FaultKind::kLatency)) |
                (1u << static_cast<int>(FaultKind::kKill)));
  EXPECT_EQ(ParseFaultKinds("latencies"), 0u);
  EXPECT_EQ(ParseFaultKinds("latency,,kill"), 0u);
  EXPECT_EQ(ParseFaultKinds("kill"), 1u << static_cast<int>(FaultKind::kKill));
  EXPECT_EQ(ParseFaultKinds("slow,pause"),
            (1u << static_cast<int>(FaultKind::kSlowLink)) |
                (1u << static_cast<int>(FaultKind::kPause)));
  Options o;
  ASSERT_TRUE(
      Parse({"--cairn", "/bin/sh", "--faults", "oneway,partition"}, &o));
  EXPECT_EQ(o.fault_kinds, ParseFaultKinds("partition,oneway"));
  // A schedule of one kind draws only that kind.
  FaultSchedule schedule(1, 3, ParseFaultKinds("majority"));
  for (int i = 0; i < 20; ++i) {
    const Fault f = schedule.Next();
    EXPECT_EQ(f.kind, FaultKind::kQuorumLoss);
    EXPECT_EQ(f.minority, 2);
  }
}

TEST(FaultSchedule, LatencyFaults) {
  for (int members : {3, 5, 7}) {
    FaultSchedule schedule(42, members, ParseFaultKinds("latency"));
    int scopes[3] = {0, 0, 0};  // one link one way, both ways, all links
    for (int i = 0; i < 300; ++i) {
      const Fault f = schedule.Next();
      ASSERT_EQ(f.kind, FaultKind::kLatency);
      EXPECT_STREQ(FaultName(f.kind), "added latency");
      EXPECT_GE(f.delay_ms, 20u);
      EXPECT_LE(f.delay_ms, 200u);
      EXPECT_EQ(f.jitter_ms, f.delay_ms / 4);
      EXPECT_GE(f.hold_ms, 1000u);
      EXPECT_LE(f.hold_ms, 6000u);
      ASSERT_GE(f.member, 0);
      ASSERT_LT(f.member, members);
      if (f.peer < 0) {
        EXPECT_EQ(f.peer, -1);
        EXPECT_TRUE(f.both_ways);
        ++scopes[2];
      } else {
        EXPECT_LT(f.peer, members);
        EXPECT_NE(f.peer, f.member);  // a link to another member
        ++scopes[f.both_ways ? 1 : 0];
      }
    }
    for (int n : scopes) EXPECT_GT(n, 50) << members << " members";
  }
}

TEST(FaultSchedule, AllKindsAreDrawnBySeed) {
  FaultSchedule a(7, 3, ParseFaultKinds("all"));
  FaultSchedule b(7, 3, ParseFaultKinds("all"));
  int count[kFaultKinds + 1] = {};
  for (int i = 0; i < 2000; ++i) {
    const Fault fa = a.Next();
    const Fault fb = b.Next();
    ASSERT_EQ(fa.kind, fb.kind);  // the same seed, the same schedule
    ASSERT_EQ(fa.hold_ms, fb.hold_ms);
    ASSERT_EQ(fa.delay_ms, fb.delay_ms);
    ++count[static_cast<int>(fa.kind)];
  }
  // Weights 25, 5, 15, 20, 20, 15, 15 of 115: every kind shows up, latency
  // about as often as slow links, and never kNone.
  for (int k = 0; k < kFaultKinds; ++k) EXPECT_GT(count[k], 30) << k;
  EXPECT_EQ(count[kFaultKinds], 0);
  const int latency = count[static_cast<int>(FaultKind::kLatency)];
  EXPECT_GT(latency, 180);
  EXPECT_LT(latency, 350);
  // Without latency in the set it is never drawn.
  FaultSchedule c(7, 3, ParseFaultKinds("kill,slow"));
  for (int i = 0; i < 200; ++i) {
    const FaultKind k = c.Next().kind;
    EXPECT_TRUE(k == FaultKind::kKill || k == FaultKind::kSlowLink);
  }
}

}  // namespace
}  // namespace cairn::chaos
