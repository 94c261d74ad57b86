// The key-index trie: insert/find/erase keep a compressed trie, ordered
// range scans return exactly the keys in [begin, end) (or from begin on)
// and stop early, and a randomized run against std::map (seed printed)
// checks every operation, including binary keys with 0x00 and 0xff bytes.
#include "core/mvcc/trie.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/util/random.h"

namespace cairn::mvcc {
namespace {

std::vector<std::string> Scan(const Trie& t, const std::string& begin,
                              const std::string& end, bool unbounded) {
  std::vector<std::string> keys;
  t.Visit(begin, end, unbounded, [&](const std::string& k, KeyIndex&) {
    keys.push_back(k);
    return true;
  });
  return keys;
}

TEST(TrieTest, InsertFindErase) {
  Trie t;
  for (const char* k : {"foo", "foobar", "fox", "f", "zeta"}) {
    t.FindOrInsert(k).Put(Revision{static_cast<int64_t>(t.size()) + 1, 0});
  }
  EXPECT_EQ(t.size(), 5u);
  ASSERT_NE(t.Find("foobar"), nullptr);
  EXPECT_EQ(t.Find("foobar")->modified().main, 3);
  EXPECT_EQ(t.Find("fo"), nullptr);
  EXPECT_EQ(t.Find("foob"), nullptr);
  EXPECT_EQ(t.Find("foobarr"), nullptr);
  EXPECT_TRUE(t.Erase("foo"));
  EXPECT_FALSE(t.Erase("foo"));
  EXPECT_FALSE(t.Erase("fo"));
  EXPECT_EQ(t.Find("foo"), nullptr);
  ASSERT_NE(t.Find("foobar"), nullptr);
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(Scan(t, "a", "", true),
            (std::vector<std::string>{"f", "foobar", "fox", "zeta"}));
}

TEST(TrieTest, RangeBounds) {
  Trie t;
  for (const char* k : {"a", "ab", "abc", "b", "ba", "c"}) {
    t.FindOrInsert(k).Put(Revision{1, 0});
  }
  EXPECT_EQ(Scan(t, "ab", "b", false), (std::vector<std::string>{"ab", "abc"}));
  EXPECT_EQ(Scan(t, "aa", "ba", false),
            (std::vector<std::string>{"ab", "abc", "b"}));
  EXPECT_EQ(Scan(t, "b", "", true), (std::vector<std::string>{"b", "ba", "c"}));
  EXPECT_TRUE(Scan(t, "d", "", true).empty());
  EXPECT_TRUE(Scan(t, "b", "a", false).empty());
}

TEST(TrieTest, ScanStopsWhenVisitorSaysSo) {
  Trie t;
  for (const char* k : {"k1", "k2", "k3"}) t.FindOrInsert(k).Put({1, 0});
  int seen = 0;
  t.Visit("k", "", true,
          [&](const std::string&, KeyIndex&) { return ++seen < 2; });
  EXPECT_EQ(seen, 2);
}

TEST(TrieTest, MemoryGrowsWithKeys) {
  Trie t;
  const size_t empty = t.MemoryBytes();
  for (int i = 0; i < 100; i++) {
    t.FindOrInsert("key/" + std::to_string(i)).Put({i + 1, 0});
  }
  EXPECT_GT(t.MemoryBytes(), empty + 100 * sizeof(KeyIndex));
}

std::string RandomKey(Random& rnd) {
  // A small alphabet with the extreme bytes makes shared prefixes, splits
  // and merges frequent.
  static constexpr char kAlphabet[] = {'a', 'b', '\0', '\xff', 'c'};
  std::string k;
  const uint64_t len = rnd.Range(1, 6);
  for (uint64_t i = 0; i < len; i++) k.push_back(kAlphabet[rnd.Uniform(5)]);
  return k;
}

TEST(TrieTest, RandomizedAgainstMap) {
  const uint64_t seed =
      ::testing::UnitTest::GetInstance()->random_seed() + 0x5eed0000ULL;
  std::printf("TrieTest.RandomizedAgainstMap seed=%llu\n",
              static_cast<unsigned long long>(seed));
  Random rnd(seed);
  Trie t;
  std::map<std::string, int64_t> model;
  for (int64_t step = 1; step <= 20000; step++) {
    const std::string k = RandomKey(rnd);
    const uint64_t op = rnd.Uniform(10);
    if (op < 5) {
      t.FindOrInsert(k).Put(Revision{step, 0});
      model[k] = step;
    } else if (op < 8) {
      ASSERT_EQ(t.Erase(k), model.erase(k) == 1) << "seed=" << seed;
    } else {
      const std::string end = RandomKey(rnd);
      const bool unbounded = rnd.OneIn(1, 4);
      std::vector<std::string> want;
      for (auto it = model.lower_bound(k); it != model.end(); ++it) {
        if (!unbounded && it->first >= end) break;
        want.push_back(it->first);
      }
      ASSERT_EQ(Scan(t, k, end, unbounded), want) << "seed=" << seed;
    }
    ASSERT_EQ(t.size(), model.size()) << "seed=" << seed;
    const KeyIndex* ki = t.Find(k);
    auto it = model.find(k);
    ASSERT_EQ(ki != nullptr, it != model.end()) << "seed=" << seed;
    if (ki != nullptr) {
      ASSERT_EQ(ki->modified().main, it->second);
    }
  }
  std::vector<std::string> all;
  for (const auto& [k, v] : model) all.push_back(k);
  EXPECT_EQ(Scan(t, std::string(1, '\0'), "", true), all);
}

}  // namespace
}  // namespace cairn::mvcc
