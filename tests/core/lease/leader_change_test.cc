// The etcd #9888 / #17132 scenario: a long lease must keep counting down
// across leader changes instead of restarting from its full TTL. Three
// replica lessors apply the same committed entries in the same order (grant,
// attach, checkpoints, revokes); only the current leader's lessor is
// primary, and it alone proposes checkpoints and revokes. The leader
// changes five times, once onto a replica restarted from a snapshot of its
// own state (the restart case behind #17132). The remaining TTL a new
// leader reports must fall at every change, and the lease must be revoked
// on every replica, with the same keys, about when its TTL says. A second
// test shows the behaviour without checkpoints: the TTL resets every time.
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/lease/lessor.h"

namespace cairn::lease {
namespace {

constexpr LeaseId kId = 42;
constexpr int64_t kTtlS = 3600;
constexpr int64_t kExtendMs = 1000;  // etcd's extend: the election timeout
constexpr int64_t kStepMs = 1000;    // how often the leader's loop runs

class Cluster {
 public:
  explicit Cluster(const Config& cfg) : cfg_(cfg) {
    for (auto& r : replicas_) r = std::make_unique<Lessor>(cfg_);
    replicas_[leader_]->Promote(now_ms_, kExtendMs);
  }

  // A committed grant + put-with-lease, applied by every replica.
  void GrantWithKeys() {
    for (auto& r : replicas_) {
      Result<GrantResult> g = r->Grant(kId, kTtlS, now_ms_);
      ASSERT_TRUE(g.ok()) << g.status().ToString();
      ASSERT_TRUE(r->Attach(kId, "/svc/b").ok());
      ASSERT_TRUE(r->Attach(kId, "/svc/a").ok());
    }
  }

  // Runs the leader's loop for `ms`: every step it proposes due checkpoints
  // and revokes for expired leases, and every replica applies them.
  void Run(int64_t ms) {
    for (int64_t end = now_ms_ + ms; now_ms_ < end;) {
      now_ms_ += kStepMs;
      Lessor& leader = *replicas_[leader_];
      for (const Checkpoint& cp : leader.CheckpointsDue(now_ms_)) {
        checkpoints_++;
        for (auto& r : replicas_) r->ApplyCheckpoint(cp, now_ms_);
      }
      for (LeaseId id : leader.ExpiredLeases(now_ms_, 100)) ApplyRevoke(id);
    }
  }

  // The leader steps down, an election takes a second, and `next` (after
  // a restart from a snapshot when `restart`) becomes leader and is
  // promoted. Returns the new leader's remaining TTL for the lease.
  int64_t ChangeLeader(size_t next, bool restart) {
    replicas_[leader_]->Demote();
    now_ms_ += 1000;
    if (restart) {
      const std::string bytes = replicas_[next]->Encode();
      replicas_[next] = std::make_unique<Lessor>(cfg_);
      EXPECT_TRUE(replicas_[next]->Restore(bytes).ok());
    }
    leader_ = next;
    replicas_[leader_]->Promote(now_ms_, kExtendMs);
    for (size_t i = 0; i < replicas_.size(); i++) {
      EXPECT_EQ(replicas_[i]->is_primary(), i == leader_) << i;
    }
    Result<TimeToLiveResult> ttl =
        replicas_[leader_]->TimeToLive(kId, false, now_ms_);
    EXPECT_TRUE(ttl.ok()) << ttl.status().ToString();
    return ttl.ok() ? ttl.value().ttl_s : -1;
  }

  // Every replica holds the same replicated state.
  void ExpectReplicasEqual() const {
    for (auto& r : replicas_) {
      EXPECT_EQ(r->Encode(), replicas_[0]->Encode());
    }
  }

  int64_t now_ms() const { return now_ms_; }
  int checkpoints() const { return checkpoints_; }
  int64_t revoked_at_ms() const { return revoked_at_ms_; }
  const std::vector<std::string>& revoked_keys() const { return keys_; }
  const Lessor& replica(size_t i) const { return *replicas_[i]; }

 private:
  void ApplyRevoke(LeaseId id) {
    for (size_t i = 0; i < replicas_.size(); i++) {
      Result<std::vector<std::string>> keys = replicas_[i]->Revoke(id);
      ASSERT_TRUE(keys.ok()) << keys.status().ToString();
      if (i == 0) keys_ = keys.value();
      EXPECT_EQ(keys.value(), keys_);
    }
    revoked_at_ms_ = now_ms_;
  }

  Config cfg_;
  std::array<std::unique_ptr<Lessor>, 3> replicas_;
  size_t leader_ = 0;
  int64_t now_ms_ = 0;
  int checkpoints_ = 0;
  int64_t revoked_at_ms_ = -1;
  std::vector<std::string> keys_;
};

TEST(LeaderChangeTest, RemainingTtlSurvivesFiveLeaderChanges) {
  Config cfg;  // checkpoints on, every 5 minutes (etcd's default)
  Cluster c(cfg);
  c.GrantWithKeys();
  int64_t previous_ttl = kTtlS;  // granted while 0 was already leader
  // Leaders 0 -> 1 -> 2 -> 0 -> 1 -> 2; replica 0 restarts before its
  // second term (the third change, as in #17132).
  const size_t next[5] = {1, 2, 0, 1, 2};
  for (int change = 0; change < 5; change++) {
    c.Run(400'000);
    c.ExpectReplicasEqual();
    const int64_t elapsed_s = c.now_ms() / 1000;
    const int64_t ttl = c.ChangeLeader(next[change], change == 2);
    SCOPED_TRACE(testing::Message() << "change " << change + 1 << " at "
                                    << elapsed_s << "s ttl=" << ttl);
    EXPECT_LT(ttl, previous_ttl);
    // Each term of 400s recorded a checkpoint 300s in, so the new leader
    // starts at least 300s lower, less the election and the extend...
    EXPECT_LE(ttl, previous_ttl - 300 + 2);
    // ...and never below the true remaining time. What a change can lose is
    // the countdown since the last checkpoint (100s here) plus 2s, as in
    // etcd; it adds up over the changes.
    EXPECT_GE(ttl, kTtlS - elapsed_s);
    EXPECT_LE(ttl, kTtlS - elapsed_s + (change + 1) * (100 + 2));
    previous_ttl = ttl;
  }
  EXPECT_GE(c.checkpoints(), 5);
  // Now let the lease run out: the leader revokes it, every replica
  // returns the same sorted keys, and no replica keeps it.
  c.Run(int64_t{kTtlS} * 1000);
  ASSERT_GE(c.revoked_at_ms(), 0);
  EXPECT_EQ(c.revoked_keys(), (std::vector<std::string>{"/svc/a", "/svc/b"}));
  // Five changes can cost at most 100s and two seconds each.
  EXPECT_LE(c.revoked_at_ms(), (kTtlS + 5 * (100 + 2)) * 1000);
  EXPECT_GE(c.revoked_at_ms(), kTtlS * 1000);
  for (size_t i = 0; i < 3; i++) {
    EXPECT_FALSE(c.replica(i).Contains(kId)) << i;
    EXPECT_EQ(c.replica(i).LeaseOf("/svc/a"), kNoLease) << i;
  }
  c.ExpectReplicasEqual();
}

TEST(LeaderChangeTest, WithoutCheckpointsEveryLeaderResetsTheTtl) {
  Config cfg;
  cfg.checkpoint_enabled = false;
  Cluster c(cfg);
  c.GrantWithKeys();
  const size_t next[5] = {1, 2, 0, 1, 2};
  for (int change = 0; change < 5; change++) {
    c.Run(400'000);
    // etcd #9888: the full TTL plus the extend, every time.
    EXPECT_EQ(c.ChangeLeader(next[change], change == 2), kTtlS + 1)
        << "change " << change + 1;
  }
  EXPECT_EQ(c.checkpoints(), 0);
  EXPECT_EQ(c.revoked_at_ms(), -1);
}

}  // namespace
}  // namespace cairn::lease
