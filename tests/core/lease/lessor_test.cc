// Unit tests of the Lessor's edge cases that transcripts show less well:
// the minimum-TTL formula, chosen ids (deterministic, positive, skipping
// taken ids), key moves between leases, the expiry scan's bound and order
// with many leases, checkpoint clamping, failed restores leaving the state
// alone, precondition checks that abort, and a seeded random test that runs
// the same random operations on two replicas and against a small model
// (the lease -> keys map), checking equal encodings and snapshot round
// trips after every step.
#include "core/lease/lessor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/util/random.h"

namespace cairn::lease {
namespace {

TEST(LessorTest, MinTtlFollowsEtcdsFormula) {
  EXPECT_EQ(MinTtlSeconds(10, 100), 2);  // etcd defaults: 1.5s -> 2s
  EXPECT_EQ(MinTtlSeconds(30, 100), 5);  // 45 ticks * 100ms = 4.5s -> 5s
  EXPECT_EQ(MinTtlSeconds(5, 100), 1);   // (15 / 2) = 7 ticks -> 0.7s -> 1s
  EXPECT_EQ(MinTtlSeconds(20, 100), 3);  // exactly 3s stays 3s
  EXPECT_EQ(MinTtlSeconds(1, 1), 1);
}

TEST(LessorTest, ChosenIdsAreDeterministicPositiveAndFree) {
  Config cfg;
  cfg.id_seed = 7;
  Lessor a(cfg), b(cfg);
  std::set<LeaseId> ids;
  for (int i = 0; i < 200; i++) {
    Result<GrantResult> ga = a.Grant(kNoLease, 10, 0);
    Result<GrantResult> gb = b.Grant(kNoLease, 10, 0);
    ASSERT_TRUE(ga.ok());
    ASSERT_TRUE(gb.ok());
    EXPECT_EQ(ga.value().id, gb.value().id);
    EXPECT_GT(ga.value().id, 0);
    EXPECT_TRUE(ids.insert(ga.value().id).second);
  }
  Config other = cfg;
  other.id_seed = 8;
  Lessor c(other);
  EXPECT_NE(c.Grant(kNoLease, 10, 0).value().id, *ids.begin());
}

TEST(LessorTest, ChosenIdSkipsAnIdTakenExplicitly) {
  Config cfg;
  Lessor probe(cfg);
  const LeaseId first = probe.Grant(kNoLease, 10, 0).value().id;
  const LeaseId second = probe.Grant(kNoLease, 10, 0).value().id;
  Lessor l(cfg);
  ASSERT_TRUE(l.Grant(first, 10, 0).ok());
  EXPECT_EQ(l.Grant(kNoLease, 10, 0).value().id, second);
}

TEST(LessorTest, AttachMovesAKeyBetweenLeases) {
  Lessor l(Config{});
  ASSERT_TRUE(l.Grant(1, 10, 0).ok());
  ASSERT_TRUE(l.Grant(2, 10, 0).ok());
  ASSERT_TRUE(l.Attach(1, "k").ok());
  ASSERT_TRUE(l.Attach(1, "k").ok());  // twice is once
  ASSERT_TRUE(l.Attach(2, "k").ok());
  EXPECT_EQ(l.LeaseOf("k"), 2);
  EXPECT_TRUE(l.Find(1)->keys.empty());
  EXPECT_EQ(l.Revoke(1).value(), std::vector<std::string>{});
  EXPECT_EQ(l.Revoke(2).value(), std::vector<std::string>{"k"});
  EXPECT_EQ(l.LeaseOf("k"), kNoLease);
}

TEST(LessorTest, RevokeReturnsKeysInByteOrder) {
  Lessor l(Config{});
  ASSERT_TRUE(l.Grant(1, 10, 0).ok());
  const std::vector<std::string> attach = {"b", "a", "\xff", "A",
                                           std::string("a\0", 2)};
  for (const std::string& k : attach) ASSERT_TRUE(l.Attach(1, k).ok());
  std::vector<std::string> want = {"A", "a", std::string("a\0", 2), "b",
                                   "\xff"};
  EXPECT_EQ(l.Revoke(1).value(), want);
}

TEST(LessorTest, ExpiryScanIsBoundedAndOrderedByExpiryThenId) {
  Lessor l(Config{});
  l.Promote(0, 0);
  // Ids descending, TTLs in three groups, so order must come from the queue.
  for (LeaseId id = 300; id >= 1; id--) {
    ASSERT_TRUE(l.Grant(id, 10 + id % 3, 0).ok());
  }
  std::vector<LeaseId> seen;
  for (int round = 0; round < 20; round++) {
    std::vector<LeaseId> batch = l.ExpiredLeases(20'000, 32);
    EXPECT_LE(batch.size(), 32u);
    seen.insert(seen.end(), batch.begin(), batch.end());
  }
  ASSERT_EQ(seen.size(), 300u);
  for (size_t i = 1; i < seen.size(); i++) {
    const Lease* a = l.Find(seen[i - 1]);
    const Lease* b = l.Find(seen[i]);
    EXPECT_TRUE(a->expiry_ms < b->expiry_ms ||
                (a->expiry_ms == b->expiry_ms && a->id < b->id))
        << i;
  }
  // Everything was reported; nothing again until the retry interval.
  EXPECT_TRUE(l.ExpiredLeases(20'000, 1000).empty());
  EXPECT_EQ(l.ExpiredLeases(20'000 + 7000, 1000).size(), 300u);
}

TEST(LessorTest, RenewOfAReportedExpiredLeaseFailsUntilPromoted) {
  Lessor l(Config{});
  l.Promote(0, 0);
  ASSERT_TRUE(l.Grant(1, 5, 0).ok());
  EXPECT_EQ(l.ExpiredLeases(5000, 10), std::vector<LeaseId>{1});
  EXPECT_EQ(l.Renew(1, 5000).status().code(), Code::kLeaseNotFound);
  // The revoke was lost in a leader change; the next leader extends it,
  // and keep-alives work again (etcd: ErrNotPrimary, then a retry).
  l.Demote();
  EXPECT_EQ(l.Renew(1, 5000).status().code(), Code::kNotLeader);
  l.Promote(6000, 1000);
  Result<RenewResult> r = l.Renew(1, 6000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().ttl_s, 5);
  EXPECT_FALSE(r.value().clear_checkpoint);
}

TEST(LessorTest, CheckpointValuesAreClampedAndSurviveSnapshots) {
  Lessor l(Config{});
  ASSERT_TRUE(l.Grant(1, 600, 0).ok());
  l.ApplyCheckpoint({.id = 1, .remaining_ttl_s = -5}, 0);
  EXPECT_EQ(l.Find(1)->remaining_ttl_s, 0);
  l.ApplyCheckpoint({.id = 1, .remaining_ttl_s = kMaxLeaseTtlS + 1}, 0);
  EXPECT_EQ(l.Find(1)->remaining_ttl_s, kMaxLeaseTtlS);
  l.ApplyCheckpoint({.id = 1, .remaining_ttl_s = 120}, 0);
  Lessor r(Config{});
  ASSERT_TRUE(r.Restore(l.Encode()).ok());
  EXPECT_EQ(r.Find(1)->remaining_ttl_s, 120);
  EXPECT_EQ(r.Find(1)->RemainingTtl(), 120);
}

TEST(LessorTest, FailedRestoreLeavesTheStateAlone) {
  Lessor l(Config{});
  l.Promote(0, 0);
  ASSERT_TRUE(l.Grant(1, 60, 0).ok());
  ASSERT_TRUE(l.Attach(1, "k").ok());
  const std::string before = l.Encode();
  std::string bad = before;
  bad[bad.size() / 2] ^= 0x10;
  EXPECT_EQ(l.Restore(bad).code(), Code::kCorruption);
  EXPECT_EQ(l.Restore("").code(), Code::kCorruption);
  EXPECT_EQ(l.Encode(), before);
  EXPECT_TRUE(l.is_primary());
  EXPECT_EQ(l.LeaseOf("k"), 1);
}

TEST(LessorTest, RestoreRespectsTheLeaseLimitAndRaisesTtls) {
  Config big;
  big.min_ttl_s = 1;
  Lessor src(big);
  for (LeaseId id = 1; id <= 5; id++) ASSERT_TRUE(src.Grant(id, 1, 0).ok());
  Config small;
  small.max_leases = 4;
  Lessor dst(small);
  EXPECT_EQ(dst.Restore(src.Encode()).code(), Code::kResourceExhausted);
  Config raised;
  raised.min_ttl_s = 3;
  Lessor dst2(raised);
  ASSERT_TRUE(dst2.Restore(src.Encode()).ok());
  EXPECT_EQ(dst2.Find(1)->ttl_s, 3);
}

TEST(LessorTest, RestoreDemotes) {
  Lessor l(Config{});
  l.Promote(0, 0);
  ASSERT_TRUE(l.Grant(1, 60, 0).ok());
  ASSERT_TRUE(l.Restore(l.Encode()).ok());
  EXPECT_FALSE(l.is_primary());
  EXPECT_EQ(l.Find(1)->expiry_ms, kForeverMs);
  EXPECT_TRUE(l.ExpiredLeases(10'000'000, 10).empty());
}

TEST(LessorDeathTest, NegativeTimeIsAProgrammerError) {
  Lessor l(Config{});
  EXPECT_DEATH((void)l.Grant(1, 10, -1), "now_ms");
  EXPECT_DEATH(l.Promote(0, -1), "extend_ms");
}

TEST(LessorDeathTest, InvalidConfigIsAProgrammerError) {
  Config cfg;
  cfg.min_ttl_s = 0;
  EXPECT_DEATH(Lessor{cfg}, "min_ttl_s");
}

// One random operation on every replica; returns a description for
// failure messages.
class RandomOps {
 public:
  explicit RandomOps(uint64_t seed) : rng_(seed) {}

  void Step(std::vector<Lessor*>& replicas) {
    // Ids -3..9 without 0: a few negative ones, as etcd 3.4 accepts.
    LeaseId id = LeaseId(rng_.Range(1, 12)) - 4;
    if (id == kNoLease) id = 9;
    const std::string key(1, char('a' + rng_.Uniform(8)));
    now_ms_ += int64_t(rng_.Uniform(3000));
    switch (rng_.Uniform(6)) {
      case 0:
        Grant(replicas, id);
        break;
      case 1:
        Revoke(replicas, id);
        break;
      case 2:
        Attach(replicas, id, key);
        break;
      case 3:
        for (Lessor* r : replicas) (void)r->Detach(id, key);
        if (model_.count(id) != 0) model_[id].erase(key);
        break;
      case 4:
        for (Lessor* r : replicas) {
          r->ApplyCheckpoint({.id = id, .remaining_ttl_s = 3}, now_ms_);
        }
        break;
      default:
        // Only replica 0 is ever leader; leadership flips now and then.
        if (replicas[0]->is_primary()) {
          replicas[0]->Demote();
        } else {
          replicas[0]->Promote(now_ms_, 1000);
        }
        break;
    }
  }

  const std::map<LeaseId, std::set<std::string>>& model() const {
    return model_;
  }

 private:
  void Grant(std::vector<Lessor*>& replicas, LeaseId id) {
    const int64_t ttl_s = int64_t(rng_.Range(0, 20)) - 2;
    for (Lessor* r : replicas) {
      Result<GrantResult> g = r->Grant(id, ttl_s, now_ms_);
      EXPECT_EQ(g.ok(), model_.count(id) == 0);
      if (g.ok()) {
        EXPECT_EQ(g.value().ttl_s, std::max<int64_t>(ttl_s, 2));
      }
    }
    model_.try_emplace(id);
  }

  void Revoke(std::vector<Lessor*>& replicas, LeaseId id) {
    for (Lessor* r : replicas) {
      Result<std::vector<std::string>> keys = r->Revoke(id);
      EXPECT_EQ(keys.ok(), model_.count(id) != 0);
      if (keys.ok()) {
        std::vector<std::string> want(model_[id].begin(), model_[id].end());
        EXPECT_EQ(keys.value(), want);
      }
    }
    model_.erase(id);
  }

  void Attach(std::vector<Lessor*>& replicas, LeaseId id,
              const std::string& key) {
    for (Lessor* r : replicas) {
      EXPECT_EQ(r->Attach(id, key).ok(), model_.count(id) != 0);
    }
    if (model_.count(id) == 0) return;
    for (auto& [other, keys] : model_) keys.erase(key);
    model_[id].insert(key);
  }

  Random rng_;
  int64_t now_ms_ = 0;
  std::map<LeaseId, std::set<std::string>> model_;
};

TEST(LessorRandomTest, ReplicasAgreeWithTheModelAndRoundTrip) {
  for (uint64_t seed = 1; seed <= 20; seed++) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Lessor a(Config{}), b(Config{});
    std::vector<Lessor*> replicas = {&a, &b};
    RandomOps ops(seed);
    for (int step = 0; step < 300; step++) {
      ops.Step(replicas);
      ASSERT_EQ(a.Encode(), b.Encode()) << "step " << step;
      std::vector<LeaseId> want;
      for (const auto& [id, keys] : ops.model()) {
        want.push_back(id);
        ASSERT_EQ(a.Find(id)->keys, keys) << "step " << step;
        for (const std::string& k : keys) ASSERT_EQ(a.LeaseOf(k), id);
      }
      ASSERT_EQ(a.Leases(), want);
      Lessor restored(Config{});
      ASSERT_TRUE(restored.Restore(a.Encode()).ok());
      ASSERT_EQ(restored.Encode(), a.Encode());
    }
  }
}

}  // namespace
}  // namespace cairn::lease
