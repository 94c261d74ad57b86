// Conformance suite for storage::Backend: the SAME tests run against every
// implementation (MemoryBackend and LevelDbBackend, backend_test_env.h).
// Covers Get of a missing
// key, put/overwrite/delete, ops applied in batch order, Scan order and
// bounds (binary keys, empty bounds, early stop), empty values, what a
// process restart keeps, corruption of a stored value reported by Get and
// Scan (never returned), and a long random run against a std::map model
// with restarts in between.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/util/random.h"
#include "tests/core/storage/backend_test_env.h"

namespace cairn::storage {
namespace {

class BackendTest : public ::testing::TestWithParam<BackendKind> {
 protected:
  void SetUp() override { env_ = MakeBackendEnv(GetParam()); }

  Backend& backend() { return env_->backend(); }

  void Put(const std::string& k, const std::string& v, bool sync = false) {
    WriteBatch b;
    b.Put(k, v);
    ASSERT_TRUE(backend().Commit(b, sync).ok());
  }

  // Every key and value, via Scan.
  std::map<std::string, std::string> All() {
    std::map<std::string, std::string> out;
    Status s =
        backend().Scan({}, {}, [&](std::string_view k, std::string_view v) {
          out.emplace(std::string(k), std::string(v));
          return true;
        });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  std::vector<std::string> ScanKeys(std::string_view begin,
                                    std::string_view end, size_t max = 1000) {
    std::vector<std::string> keys;
    Status s =
        backend().Scan(begin, end, [&](std::string_view k, std::string_view) {
          keys.emplace_back(k);
          return keys.size() < max;
        });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return keys;
  }

  std::unique_ptr<BackendEnv> env_;
};

TEST_P(BackendTest, GetMissingIsNotFound) {
  Result<std::string> r = backend().Get("nope");
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_TRUE(All().empty());
}

TEST_P(BackendTest, PutOverwriteDelete) {
  Put("a", "1");
  EXPECT_EQ(backend().Get("a").value(), "1");
  Put("a", "2");
  EXPECT_EQ(backend().Get("a").value(), "2");
  WriteBatch del;
  del.Delete("a");
  del.Delete("never-there");  // deleting a missing key is not an error
  ASSERT_TRUE(backend().Commit(del, false).ok());
  EXPECT_EQ(backend().Get("a").status().code(), Code::kNotFound);
}

TEST_P(BackendTest, BatchOpsApplyInOrder) {
  WriteBatch b;
  b.Put("a", "1");
  b.Delete("a");
  b.Put("a", "2");
  b.Put("b", "x");
  b.Delete("b");
  b.Put("c", "");
  ASSERT_TRUE(backend().Commit(b, true).ok());
  EXPECT_EQ(All(), (std::map<std::string, std::string>{{"a", "2"}, {"c", ""}}));
  EXPECT_EQ(b.ops().size(), 6u);
  EXPECT_EQ(b.bytes(), 9u);  // key and value bytes of every op
}

TEST_P(BackendTest, EmptyBatchIsFine) {
  ASSERT_TRUE(backend().Commit(WriteBatch(), true).ok());
  EXPECT_TRUE(All().empty());
}

TEST_P(BackendTest, ScanIsOrderedAndBounded) {
  const std::vector<std::string> keys = {
      std::string("\0", 1), "a", "a\xff", "b", "ba", "c", "\xff\xff"};
  WriteBatch b;
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) b.Put(*it, "v" + *it);
  ASSERT_TRUE(backend().Commit(b, false).ok());
  EXPECT_EQ(ScanKeys({}, {}), keys);
  EXPECT_EQ(ScanKeys("b", "c"), (std::vector<std::string>{"b", "ba"}));
  EXPECT_EQ(ScanKeys("a", "b"), (std::vector<std::string>{"a", "a\xff"}));
  EXPECT_EQ(ScanKeys("ba", {}),
            (std::vector<std::string>{"ba", "c", "\xff\xff"}));
  EXPECT_EQ(ScanKeys("bb", "c"), std::vector<std::string>{});
  EXPECT_EQ(ScanKeys("c", "b"), std::vector<std::string>{});
  EXPECT_EQ(ScanKeys({}, {}, 2), (std::vector<std::string>{keys[0], "a"}));
  // Values travel with their keys.
  Status s =
      backend().Scan("c", "d", [](std::string_view k, std::string_view v) {
        EXPECT_EQ(k, "c");
        EXPECT_EQ(v, "vc");
        return true;
      });
  EXPECT_TRUE(s.ok());
}

TEST_P(BackendTest, RestartKeepsCommittedBatches) {
  Put("synced", "1", true);
  Put("unsynced", "2", false);
  env_->Restart();
  EXPECT_EQ(All(), (std::map<std::string, std::string>{{"synced", "1"},
                                                       {"unsynced", "2"}}));
  Put("after", "3", true);
  env_->Restart();
  EXPECT_EQ(All().size(), 3u);
}

TEST_P(BackendTest, CorruptValueIsReportedNeverReturned) {
  Put("a", "good", true);
  Put("b", "soon-bad", true);
  Put("c", "good", true);
  ASSERT_TRUE(env_->CorruptValue("b"));
  EXPECT_EQ(backend().Get("a").value(), "good");
  Result<std::string> bad = backend().Get("b");
  ASSERT_EQ(bad.status().code(), Code::kCorruption);
  EXPECT_NE(bad.status().message().find("b"), std::string::npos);
  std::vector<std::string> seen;
  Status s = backend().Scan({}, {}, [&](std::string_view k, std::string_view) {
    seen.emplace_back(k);
    return true;
  });
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_EQ(seen, std::vector<std::string>{"a"});
  // Past the damage the rest still reads.
  EXPECT_EQ(ScanKeys("b\x01", {}), std::vector<std::string>{"c"});
}

TEST_P(BackendTest, RandomBatchesMatchMapModel) {
  Random rnd(testing::UnitTest::GetInstance()->random_seed() + 11);
  std::map<std::string, std::string> model;
  for (int step = 0; step < 300; step++) {
    WriteBatch b;
    const int ops = static_cast<int>(rnd.Range(1, 8));
    for (int i = 0; i < ops; i++) {
      std::string key(1 + rnd.Uniform(3), 'a');
      for (char& c : key) c = static_cast<char>('a' + rnd.Uniform(4));
      if (rnd.OneIn(1, 3)) {
        b.Delete(key);
        model.erase(key);
      } else {
        std::string value(rnd.Uniform(40), static_cast<char>(rnd.Uniform(256)));
        b.Put(key, value);
        model[key] = value;
      }
    }
    ASSERT_TRUE(backend().Commit(b, rnd.OneIn(1, 2)).ok());
    if (rnd.OneIn(1, 50)) env_->Restart();
    if (step % 25 == 0) {
      ASSERT_EQ(All(), model) << "step " << step;
    }
  }
  EXPECT_EQ(All(), model);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendTest,
                         ::testing::ValuesIn(kBackendKinds),
                         [](const auto& test_info) {
                           return std::string(BackendKindName(test_info.param));
                         });

}  // namespace
}  // namespace cairn::storage
