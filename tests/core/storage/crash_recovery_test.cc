// Recovery after a crash at any point is exact: a scripted run of N apply
// steps (keyspace and lease changes in one batch each, a random third of
// them synced) is replayed onto a fresh MemoryBackend, crashed after EVERY
// prefix of commits in three ways (all unsynced batches lost; the same
// with a torn copy of the last batch left on disk; a random number of
// unsynced batches kept plus a torn next one, as a process crash leaves
// them), and the keyspace and lessor loaded from what remains must be
// exactly the state after the last batch that survived whole: the last
// synced one, or the last kept one. Torn batches never show up in part.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/storage/memory_backend.h"
#include "core/util/random.h"
#include "tests/core/lease/persisted_pair.h"

namespace cairn::storage {
namespace {

struct Step {
  WriteBatch batch;
  bool sync = false;
  std::string state;  // the fingerprint once this batch is applied
};

class CrashRecoveryTest : public ::testing::Test {
 protected:
  static constexpr int kSteps = 60;

  CrashRecoveryTest()
      : seed_(::testing::UnitTest::GetInstance()->random_seed() + 0xc7a500),
        rnd_(seed_) {
    std::printf("CrashRecoveryTest seed=%llu\n",
                static_cast<unsigned long long>(seed_));
    lease::PersistedPair pair;
    initial_ = pair.Fingerprint();
    for (int i = 0; i < kSteps; i++) {
      // A few apply steps per batch, as an apply loop batches entries.
      const uint64_t n = rnd_.Range(1, 4);
      for (uint64_t j = 0; j < n; j++) pair.RandomStep(rnd_);
      steps_.push_back(
          Step{pair.TakeBatch(), rnd_.OneIn(1, 3), pair.Fingerprint()});
    }
  }

  // The state after the first `n` steps (n == 0: the empty state).
  const std::string& StateAfter(size_t n) const {
    return n == 0 ? initial_ : steps_[n - 1].state;
  }

  // Commits the first `k` steps to `b`; returns how many were durable
  // (up to and including the last synced one).
  size_t CommitPrefix(MemoryBackend& b, size_t k) const {
    size_t durable = 0;
    for (size_t i = 0; i < k; i++) {
      EXPECT_TRUE(b.Commit(steps_[i].batch, steps_[i].sync).ok());
      if (steps_[i].sync) durable = i + 1;
    }
    return durable;
  }

  void ExpectLoads(const MemoryBackend& b, size_t expected_steps,
                   const std::string& what) const {
    lease::PersistedPair loaded;
    Status s = loaded.Reload(b);
    ASSERT_TRUE(s.ok()) << what << ": " << s.ToString();
    ASSERT_EQ(loaded.Fingerprint(), StateAfter(expected_steps)) << what;
  }

  uint64_t seed_;
  Random rnd_;
  std::string initial_;
  std::vector<Step> steps_;
};

TEST_F(CrashRecoveryTest, MachineCrashAfterEveryPrefix) {
  for (size_t k = 0; k <= steps_.size(); k++) {
    MemoryBackend b;
    const size_t durable = CommitPrefix(b, k);
    EXPECT_EQ(b.unsynced_batches(), k - durable);
    b.Crash();
    ExpectLoads(b, durable, "crash after " + std::to_string(k));
  }
}

TEST_F(CrashRecoveryTest, TornLastBatchAfterEveryPrefix) {
  size_t torn = 0;
  for (size_t k = 0; k <= steps_.size(); k++) {
    MemoryBackend b;
    const size_t durable = CommitPrefix(b, k);
    b.Crash(/*tear_last=*/true);
    torn += b.torn_records_discarded();
    ExpectLoads(b, durable, "torn crash after " + std::to_string(k));
  }
  EXPECT_GT(torn, 0u);
}

TEST_F(CrashRecoveryTest, ProcessCrashKeepsAPrefixOfUnsynced) {
  for (size_t k = 0; k <= steps_.size(); k++) {
    MemoryBackend b;
    const size_t durable = CommitPrefix(b, k);
    const size_t unsynced = b.unsynced_batches();
    const size_t keep = static_cast<size_t>(rnd_.Uniform(unsynced + 1));
    const size_t torn_bytes = static_cast<size_t>(rnd_.Uniform(200));
    b.Crash(MemoryBackend::CrashOptions{.keep_unsynced = keep,
                                        .torn_bytes = torn_bytes});
    ExpectLoads(b, durable + keep,
                "crash after " + std::to_string(k) + " keeping " +
                    std::to_string(keep) + " torn " +
                    std::to_string(torn_bytes));
    // The recovered backend keeps working: the next batch of the script
    // applies on top when the state it was made from survived.
    if (keep == unsynced && k < steps_.size()) {
      ASSERT_TRUE(b.Commit(steps_[k].batch, true).ok());
      b.Crash();
      ExpectLoads(b, k + 1, "commit after recovery at " + std::to_string(k));
    }
  }
}

}  // namespace
}  // namespace cairn::storage
