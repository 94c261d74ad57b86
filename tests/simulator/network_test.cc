// Network: latency within bounds, FIFO unless reordering is on, loss and
// duplication at their configured rates, one-way cuts, partitions, counted
// cuts that compose, and determinism for a seed.
#include "simulator/network.h"

#include <gtest/gtest.h>

namespace cairn::sim {
namespace {

LinkConfig Lossless(Micros lo, Micros hi) {
  LinkConfig cfg;
  cfg.latency_min = lo;
  cfg.latency_max = hi;
  return cfg;
}

TEST(NetworkTest, LatencyWithinBounds) {
  Random rng(1);
  Network net(rng, Lossless(100, 200));
  for (int i = 0; i < 1000; i++) {
    std::vector<Micros> t = net.Route(1, 2, 1000);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_GE(t[0], 1100u);
    EXPECT_LE(t[0], 1200u);
  }
}

TEST(NetworkTest, FifoLinksNeverReorder) {
  Random rng(2);
  Network net(rng, Lossless(10, 5000));
  Micros last = 0;
  for (Micros now = 0; now < 1000; now++) {
    std::vector<Micros> t = net.Route(1, 2, now);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_GE(t[0], last);
    last = t[0];
  }
}

TEST(NetworkTest, ReorderingLinksDoReorder) {
  Random rng(3);
  LinkConfig cfg = Lossless(10, 5000);
  cfg.reorder = true;
  Network net(rng, cfg);
  Micros last = 0;
  int inversions = 0;
  for (Micros now = 0; now < 1000; now++) {
    Micros t = net.Route(1, 2, now)[0];
    if (t < last) inversions++;
    last = t;
  }
  EXPECT_GT(inversions, 100);
}

TEST(NetworkTest, LossAndDuplicationRates) {
  Random rng(4);
  LinkConfig cfg = Lossless(1, 2);
  cfg.drop_ppm = 100000;      // 10%
  cfg.duplicate_ppm = 50000;  // 5%
  Network net(rng, cfg);
  int copies = 0;
  for (int i = 0; i < 20000; i++) copies += net.Route(1, 2, 0).size();
  const NetworkStats& s = net.stats();
  EXPECT_EQ(s.sent, 20000u);
  EXPECT_NEAR(s.dropped_loss, 2000, 300);
  EXPECT_NEAR(s.duplicated, 900, 200);  // 5% of the 90% not dropped
  EXPECT_EQ(copies, 20000 - (int)s.dropped_loss + (int)s.duplicated);
}

TEST(NetworkTest, OneWayCut) {
  Random rng(5);
  Network net(rng, Lossless(1, 1));
  net.Cut(1, 2);
  EXPECT_TRUE(net.Route(1, 2, 0).empty());
  EXPECT_EQ(net.Route(2, 1, 0).size(), 1u);
  EXPECT_EQ(net.stats().dropped_cut, 1u);
  net.Restore(1, 2);
  EXPECT_EQ(net.Route(1, 2, 0).size(), 1u);
}

TEST(NetworkTest, CutsAreCounted) {
  Random rng(6);
  Network net(rng, Lossless(1, 1));
  net.Cut(1, 2);
  net.Cut(1, 2);
  net.Restore(1, 2);
  EXPECT_TRUE(net.IsCut(1, 2));
  net.Restore(1, 2);
  EXPECT_FALSE(net.IsCut(1, 2));
  net.Restore(1, 2);  // no-op
  EXPECT_FALSE(net.IsCut(1, 2));
}

TEST(NetworkTest, PartitionCutsBetweenGroupsOnly) {
  Random rng(7);
  Network net(rng, Lossless(1, 1));
  net.Partition({{1, 2}, {3}});
  EXPECT_FALSE(net.IsCut(1, 2));
  EXPECT_TRUE(net.IsCut(1, 3));
  EXPECT_TRUE(net.IsCut(3, 2));
  EXPECT_EQ(net.Cuts().size(), 4u);
  net.Heal();
  EXPECT_TRUE(net.Cuts().empty());
}

TEST(NetworkTest, IsolateCutsBothWays) {
  Random rng(8);
  Network net(rng, Lossless(1, 1));
  net.Isolate(2, {1, 2, 3});
  EXPECT_TRUE(net.IsCut(2, 1));
  EXPECT_TRUE(net.IsCut(3, 2));
  EXPECT_FALSE(net.IsCut(1, 3));
}

TEST(NetworkTest, PerLinkOverride) {
  Random rng(9);
  Network net(rng, Lossless(1, 1));
  net.SetLink(1, 2, Lossless(500, 500));
  EXPECT_EQ(net.Route(1, 2, 0)[0], 500u);
  EXPECT_EQ(net.Route(2, 1, 0)[0], 1u);
  net.ClearLinkOverrides();
  EXPECT_EQ(net.Route(1, 3, 10)[0], 11u);
}

TEST(NetworkTest, SameSeedSameFates) {
  LinkConfig cfg = Lossless(1, 10000);
  cfg.drop_ppm = 200000;
  cfg.duplicate_ppm = 100000;
  cfg.reorder = true;
  auto run = [&](uint64_t seed) {
    Random rng(seed);
    Network net(rng, cfg);
    std::vector<Micros> all;
    for (Micros i = 0; i < 500; i++) {
      for (Micros t : net.Route(1 + i % 3, 1 + (i + 1) % 3, i)) {
        all.push_back(t);
      }
    }
    return all;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

}  // namespace
}  // namespace cairn::sim
