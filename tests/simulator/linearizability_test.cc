// The linearizability checker: hand-made histories with known verdicts
// (stale reads, lost writes, concurrent ambiguity, CAS, deletes, ops with
// unknown outcomes, multi-key txns checked as one partition), the witness
// it reports, the step budget, and random histories generated from a true
// atomic register (always linearizable) then corrupted with a read of a
// value never written (never linearizable).
#include "simulator/linearizability.h"

#include <gtest/gtest.h>

#include "core/util/random.h"
#include "tests/support/kv_history.h"

namespace cairn::sim {
namespace {

using Kind = KvOp::Kind;
using V = CheckResult::Verdict;

KvOp Put(uint64_t c, std::string k, std::string v, uint64_t call,
         uint64_t ret) {
  return KvOp{.client = c,
              .kind = Kind::kPut,
              .key = std::move(k),
              .call = call,
              .ret = ret,
              .write = std::move(v)};
}

KvOp Get(uint64_t c, std::string k, std::optional<std::string> v, uint64_t call,
         uint64_t ret) {
  return KvOp{.client = c,
              .kind = Kind::kGet,
              .key = std::move(k),
              .call = call,
              .ret = ret,
              .read = std::move(v)};
}

KvOp Del(uint64_t c, std::string k, uint64_t call, uint64_t ret) {
  return KvOp{
      .client = c, .kind = Kind::kDelete, .key = k, .call = call, .ret = ret};
}

KvOp Cas(uint64_t c, std::string k, std::optional<std::string> expect,
         std::string v, bool ok, uint64_t call, uint64_t ret) {
  return KvOp{.client = c,
              .kind = Kind::kCas,
              .key = std::move(k),
              .call = call,
              .ret = ret,
              .write = std::move(v),
              .expect = std::move(expect),
              .succeeded = ok};
}

KvOp Unknown(KvOp op) {
  op.unknown = true;
  return op;
}

// A txn: if every compare holds, every write in one step (ok); else the
// reads saw the state (!ok).
KvOp Txn(uint64_t c, std::vector<KvOp::KeyValue> compares,
         std::vector<KvOp::KeyValue> writes, bool ok,
         std::vector<KvOp::KeyValue> reads, uint64_t call, uint64_t ret) {
  KvOp op{.client = c, .kind = Kind::kTxn, .call = call, .ret = ret};
  op.key = compares.empty() ? writes.front().first : compares.front().first;
  op.compares = std::move(compares);
  op.writes = std::move(writes);
  op.reads = std::move(reads);
  op.succeeded = ok;
  return op;
}

// Histories shaped like the kv workload's (closed-loop clients, unknown
// outcomes, CASes, two-key txns) from a true store are linearizable; a
// read of a value never written breaks them.
TEST(LinearizabilityTest, ClientHistoriesAreLinearizable) {
  for (uint64_t seed = 1; seed <= 3; seed++) {
    std::vector<KvOp> h = testing::ClientHistory(seed, 3000, 6, 6);
    CheckResult r = CheckLinearizable(h);
    EXPECT_EQ(r.verdict, V::kOk) << "seed " << seed << ": " << r.ToString();
    for (KvOp& op : h) {
      if (op.kind == Kind::kGet && !op.unknown && op.key == "k1") {
        op.read = "never-written";
        break;
      }
    }
    r = CheckLinearizable(h);
    EXPECT_EQ(r.verdict, V::kIllegal) << "seed " << seed;
    EXPECT_EQ(r.key, "k0,k1");
  }
}

TEST(LinearizabilityTest, TxnWritesBothKeysInOneStep) {
  const std::vector<KvOp> h = {
      Put(1, "a", "1", 0, 10),
      Txn(2, {{"a", "1"}, {"b", std::nullopt}}, {{"a", "2"}, {"b", "3"}}, true,
          {}, 20, 30),
      Get(3, "b", "3", 40, 50),
      // A txn whose compare fails reads both keys as one state.
      Txn(1, {{"a", "9"}}, {{"a", "x"}}, false, {{"a", "2"}, {"b", "3"}}, 60,
          70),
  };
  const CheckResult r = CheckLinearizable(h);
  EXPECT_EQ(r.verdict, V::kOk) << r.ToString();
  EXPECT_EQ(r.keys, 2u);
}

// A failed txn that reads half of another txn's writes: each key alone
// would be linearizable (b read before the write, a after), but not the
// two together, which the joint partition sees.
TEST(LinearizabilityTest, TxnReadingHalfOfAnotherTxnIsCaught) {
  const std::vector<KvOp> h = {
      Txn(1, {}, {{"a", "1"}, {"b", "2"}}, true, {}, 10, 20),
      Txn(2, {{"a", "9"}}, {{"a", "x"}}, false,
          {{"a", "1"}, {"b", std::nullopt}}, 12, 30),
  };
  const CheckResult r = CheckLinearizable(h);
  EXPECT_EQ(r.verdict, V::kIllegal) << r.ToString();
  EXPECT_EQ(r.key, "a,b");
  // Two puts instead of one txn, and two reads instead of one: the same
  // observations are linearizable (put a, get a, get b, put b).
  const std::vector<KvOp> split = {
      Put(1, "a", "1", 10, 20),
      Put(1, "b", "2", 10, 20),
      Get(2, "a", "1", 12, 30),
      Get(2, "b", std::nullopt, 12, 30),
  };
  EXPECT_EQ(CheckLinearizable(split).verdict, V::kOk);
}

// A txn with an unknown outcome may have applied (both writes) or not.
TEST(LinearizabilityTest, UnknownTxnAppliesWhollyOrNotAtAll) {
  std::vector<KvOp> h = {
      Unknown(Txn(1, {}, {{"a", "1"}, {"b", "2"}}, false, {}, 10, 0)),
      Get(2, "a", "1", 30, 40),
      Get(2, "b", "2", 50, 60),
  };
  EXPECT_EQ(CheckLinearizable(h).verdict, V::kOk);
  h[2] = Get(2, "b", std::nullopt, 50, 60);  // only half of it applied
  EXPECT_EQ(CheckLinearizable(h).verdict, V::kIllegal);
  h[1] = Get(2, "a", std::nullopt, 30, 40);  // none of it
  EXPECT_EQ(CheckLinearizable(h).verdict, V::kOk);
}

TEST(LinearizabilityTest, EmptyAndSequential) {
  EXPECT_EQ(CheckLinearizable({}).verdict, V::kOk);
  EXPECT_EQ(
      CheckLinearizable({Get(1, "x", std::nullopt, 0, 1),
                         Put(1, "x", "a", 2, 3), Get(2, "x", "a", 4, 5),
                         Del(1, "x", 6, 7), Get(2, "x", std::nullopt, 8, 9)})
          .verdict,
      V::kOk);
}

TEST(LinearizabilityTest, StaleReadIsIllegal) {
  CheckResult r =
      CheckLinearizable({Put(1, "x", "a", 0, 10), Put(1, "x", "b", 20, 30),
                         Get(2, "x", "a", 40, 50)});
  EXPECT_EQ(r.verdict, V::kIllegal);
  EXPECT_EQ(r.key, "x");
  ASSERT_FALSE(r.witness.empty());
  EXPECT_NE(r.ToString().find("c2 get x -> a [40,50]"), std::string::npos)
      << r.ToString();
}

TEST(LinearizabilityTest, ConcurrentReadMaySeeEither) {
  // The get overlaps the put: old or new value are both fine.
  for (std::optional<std::string> seen :
       {std::optional<std::string>("b"), std::optional<std::string>("a")}) {
    EXPECT_EQ(
        CheckLinearizable({Put(1, "x", "a", 0, 10), Put(1, "x", "b", 20, 40),
                           Get(2, "x", seen, 30, 50)})
            .verdict,
        V::kOk);
  }
}

TEST(LinearizabilityTest, ReadsMustNotGoBackInTime) {
  // Two sequential reads during one long write: new then old is illegal.
  EXPECT_EQ(
      CheckLinearizable({Put(1, "x", "a", 0, 1), Put(1, "x", "b", 10, 100),
                         Get(2, "x", "b", 20, 30), Get(2, "x", "a", 40, 50)})
          .verdict,
      V::kIllegal);
}

TEST(LinearizabilityTest, UnknownWriteMayHappenLateOrNever) {
  // A timed-out put seen later is fine, and so is one never seen.
  EXPECT_EQ(CheckLinearizable({Unknown(Put(1, "x", "a", 0, 0)),
                               Get(2, "x", std::nullopt, 5, 6),
                               Get(2, "x", "a", 100, 101)})
                .verdict,
            V::kOk);
  EXPECT_EQ(CheckLinearizable({Unknown(Put(1, "x", "a", 0, 0)),
                               Get(2, "x", std::nullopt, 100, 101)})
                .verdict,
            V::kOk);
  // But it cannot take effect before it was invoked.
  EXPECT_EQ(CheckLinearizable(
                {Get(2, "x", "a", 0, 5), Unknown(Put(1, "x", "a", 10, 0))})
                .verdict,
            V::kIllegal);
}

TEST(LinearizabilityTest, CasSemantics) {
  EXPECT_EQ(CheckLinearizable(
                {Put(1, "x", "a", 0, 1), Cas(2, "x", "a", "b", true, 2, 3),
                 Cas(3, "x", "a", "c", false, 4, 5), Get(1, "x", "b", 6, 7)})
                .verdict,
            V::kOk);
  // Two sequential CASes from the same expected value cannot both win.
  EXPECT_EQ(CheckLinearizable({Put(1, "x", "a", 0, 1),
                               Cas(2, "x", "a", "b", true, 2, 3),
                               Cas(3, "x", "a", "c", true, 4, 5)})
                .verdict,
            V::kIllegal);
  // A CAS on an absent key compares against absence.
  EXPECT_EQ(CheckLinearizable({Cas(1, "y", std::nullopt, "v", true, 0, 1),
                               Get(2, "y", "v", 2, 3)})
                .verdict,
            V::kOk);
}

TEST(LinearizabilityTest, KeysAreIndependentAndFailureNamesTheKey) {
  CheckResult r =
      CheckLinearizable({Put(1, "a", "1", 0, 1), Get(1, "a", "1", 2, 3),
                         Put(1, "b", "1", 0, 1), Get(1, "b", "2", 2, 3)});
  EXPECT_EQ(r.verdict, V::kIllegal);
  EXPECT_EQ(r.key, "b");
  EXPECT_EQ(r.keys, 2u);
}

TEST(LinearizabilityTest, StepBudgetGivesUnknown) {
  // Many fully concurrent writes and a read of the last: needs search.
  std::vector<KvOp> h;
  for (int i = 0; i < 30; i++) {
    h.push_back(Put(i, "x", std::to_string(i), 0, 1000));
  }
  h.push_back(Get(99, "x", "missing", 0, 1000));
  CheckResult r = CheckLinearizable(h, {.max_steps_per_key = 100});
  EXPECT_EQ(r.verdict, V::kUnknown);
  EXPECT_LE(r.steps, 101u);
}

TEST(LinearizabilityTest, RandomRegisterHistoriesAreLinearizable) {
  for (uint64_t seed = 1; seed <= 200; seed++) {
    std::vector<KvOp> h = testing::RegisterHistory(seed, 300, 3);
    CheckResult r = CheckLinearizable(h);
    ASSERT_EQ(r.verdict, V::kOk) << "seed " << seed << "\n" << r.ToString();
  }
}

TEST(LinearizabilityTest, ReadOfUnwrittenValueIsAlwaysCaught) {
  for (uint64_t seed = 1; seed <= 200; seed++) {
    std::vector<KvOp> h = testing::RegisterHistory(seed, 300, 3);
    Random rng(seed);
    for (size_t tries = 0; tries < h.size(); tries++) {
      KvOp& op = h[rng.Uniform(h.size())];
      if (op.kind != Kind::kGet || op.unknown) continue;
      op.read = "never-written";
      break;
    }
    CheckResult r = CheckLinearizable(h);
    ASSERT_EQ(r.verdict, V::kIllegal) << "seed " << seed;
    EXPECT_FALSE(r.witness.empty());
  }
}

}  // namespace
}  // namespace cairn::sim
