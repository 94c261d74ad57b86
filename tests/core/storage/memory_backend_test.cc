// MemoryBackend's crash model (docs/storage.md): unsynced batches are lost
// by Crash; a synced Commit makes every earlier batch durable; a torn
// batch record left by a crash is detected and discarded whole, at every
// possible tear length; a process-style crash can keep a prefix of the
// unsynced batches; injected Commit failures write nothing; a flipped bit
// survives a crash and is still reported.
#include "core/storage/memory_backend.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace cairn::storage {
namespace {

std::map<std::string, std::string> All(const Backend& b) {
  std::map<std::string, std::string> out;
  Status s = b.Scan({}, {}, [&](std::string_view k, std::string_view v) {
    out.emplace(std::string(k), std::string(v));
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

WriteBatch Batch(
    std::initializer_list<std::pair<std::string, std::string>> kv) {
  WriteBatch b;
  for (const auto& [k, v] : kv) b.Put(k, v);
  return b;
}

using Map = std::map<std::string, std::string>;

TEST(MemoryBackendTest, CrashDropsUnsyncedBatches) {
  MemoryBackend b;
  ASSERT_TRUE(b.Commit(Batch({{"a", "1"}}), true).ok());
  ASSERT_TRUE(b.Commit(Batch({{"b", "2"}}), false).ok());
  ASSERT_TRUE(b.Commit(Batch({{"a", "3"}}), false).ok());
  EXPECT_EQ(b.unsynced_batches(), 2u);
  EXPECT_EQ(All(b), (Map{{"a", "3"}, {"b", "2"}}));
  b.Crash();
  EXPECT_EQ(All(b), (Map{{"a", "1"}}));
  EXPECT_EQ(b.unsynced_batches(), 0u);
  EXPECT_EQ(b.torn_records_discarded(), 0u);
}

TEST(MemoryBackendTest, SyncMakesEarlierBatchesDurable) {
  MemoryBackend b;
  ASSERT_TRUE(b.Commit(Batch({{"a", "1"}}), false).ok());
  ASSERT_TRUE(b.Commit(Batch({{"b", "2"}}), false).ok());
  ASSERT_TRUE(b.Commit(Batch({{"c", "3"}}), true).ok());
  b.Crash();
  EXPECT_EQ(All(b), (Map{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
}

TEST(MemoryBackendTest, TornLastBatchVanishesWhole) {
  MemoryBackend b;
  ASSERT_TRUE(b.Commit(Batch({{"a", "1"}}), true).ok());
  ASSERT_TRUE(b.Commit(Batch({{"x", "lost"}}), false).ok());
  WriteBatch multi = Batch({{"b", "2"}, {"c", "3"}, {"d", "4"}});
  multi.Delete("a");
  ASSERT_TRUE(b.Commit(multi, false).ok());
  b.Crash(/*tear_last=*/true);
  EXPECT_EQ(All(b), (Map{{"a", "1"}}));
  EXPECT_EQ(b.torn_records_discarded(), 1u);
  // The backend keeps working after recovery.
  ASSERT_TRUE(b.Commit(Batch({{"e", "5"}}), true).ok());
  b.Crash();
  EXPECT_EQ(All(b), (Map{{"a", "1"}, {"e", "5"}}));
}

// Every strict prefix of a batch record must be recognised as torn (the
// backend CHECKs that recovery never applies one).
TEST(MemoryBackendTest, EveryTearLengthIsDiscarded) {
  for (size_t torn = 1; torn < 64; torn++) {
    MemoryBackend b;
    ASSERT_TRUE(b.Commit(Batch({{"base", "0"}}), true).ok());
    WriteBatch w = Batch({{"k1", "value-one"}, {"k2", std::string(9, '\0')}});
    w.Delete("base");
    ASSERT_TRUE(b.Commit(w, false).ok());
    b.Crash(
        MemoryBackend::CrashOptions{.keep_unsynced = 0, .torn_bytes = torn});
    EXPECT_EQ(All(b), (Map{{"base", "0"}})) << "torn at " << torn;
    EXPECT_EQ(b.torn_records_discarded(), 1u);
  }
}

TEST(MemoryBackendTest, CrashCanKeepAPrefixOfUnsyncedBatches) {
  MemoryBackend b;
  ASSERT_TRUE(b.Commit(Batch({{"a", "1"}}), false).ok());
  ASSERT_TRUE(b.Commit(Batch({{"b", "2"}}), false).ok());
  ASSERT_TRUE(b.Commit(Batch({{"c", "3"}}), false).ok());
  b.Crash(MemoryBackend::CrashOptions{.keep_unsynced = 1, .torn_bytes = 5});
  EXPECT_EQ(All(b), (Map{{"a", "1"}}));
  EXPECT_EQ(b.torn_records_discarded(), 1u);
}

TEST(MemoryBackendTest, InjectedCommitFailureWritesNothing) {
  MemoryBackend b;
  b.FailCommits(2);
  EXPECT_EQ(b.Commit(Batch({{"a", "1"}}), true).code(), Code::kIOError);
  EXPECT_EQ(b.Commit(Batch({{"b", "1"}}), false).code(), Code::kIOError);
  EXPECT_TRUE(All(b).empty());
  ASSERT_TRUE(b.Commit(Batch({{"c", "1"}}), true).ok());
  EXPECT_EQ(All(b), (Map{{"c", "1"}}));
}

TEST(MemoryBackendTest, CorruptionSurvivesACrash) {
  MemoryBackend b;
  ASSERT_TRUE(b.Commit(Batch({{"a", "1"}}), true).ok());
  EXPECT_FALSE(b.CorruptValue("missing"));
  ASSERT_TRUE(b.CorruptValue("a"));
  EXPECT_EQ(b.Get("a").status().code(), Code::kCorruption);
  b.Crash();
  EXPECT_EQ(b.Get("a").status().code(), Code::kCorruption);
}

}  // namespace
}  // namespace cairn::storage
