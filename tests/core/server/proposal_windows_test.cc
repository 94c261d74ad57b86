// ProposalWindows: a session's request ids are applied once each, in any
// order within the window; ids below it are refused as too old; the
// sessions kept are bounded, evicting the one whose last entry is oldest;
// and the windows round-trip through the backend (damaged records are
// kCorruption). Also the state machine's load of them.
#include "core/server/proposal_windows.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/server/state_machine.h"
#include "core/storage/memory_backend.h"
#include "core/util/coding.h"

namespace cairn::server {
namespace {

using Verdict = ProposalWindows::Verdict;

void Commit(ProposalWindows& w, storage::Backend& backend) {
  storage::WriteBatch batch;
  w.WriteChanges(batch);
  ASSERT_TRUE(backend.Commit(batch, /*sync=*/true).ok());
}

TEST(ProposalWindowsTest, ARepeatIsADuplicate) {
  ProposalWindows w;
  EXPECT_EQ(w.Admit(7, 100, 1), Verdict::kNew);
  EXPECT_EQ(w.Admit(7, 100, 2), Verdict::kDuplicate);
  EXPECT_EQ(w.Admit(7, 101, 3), Verdict::kNew);
  EXPECT_EQ(w.Admit(7, 100, 4), Verdict::kDuplicate);
  EXPECT_EQ(w.Admit(7, 101, 5), Verdict::kDuplicate);
  // Another session's equal id is its own.
  EXPECT_EQ(w.Admit(8, 100, 6), Verdict::kNew);
  EXPECT_EQ(w.size(), 2u);
}

TEST(ProposalWindowsTest, OutOfOrderIdsInTheWindowApplyOnce) {
  ProposalWindows w;
  EXPECT_EQ(w.Admit(1, 1000, 1), Verdict::kNew);
  // 1003 overtakes 1001 and 1002, which still apply, once.
  EXPECT_EQ(w.Admit(1, 1003, 2), Verdict::kNew);
  EXPECT_EQ(w.Admit(1, 1002, 3), Verdict::kNew);
  EXPECT_EQ(w.Admit(1, 1001, 4), Verdict::kNew);
  for (uint64_t id = 1000; id <= 1003; id++) {
    EXPECT_EQ(w.Admit(1, id, 5), Verdict::kDuplicate) << id;
  }
  // The window's lowest id is highest - 63.
  EXPECT_EQ(w.Admit(1, 1003 + 63, 6), Verdict::kNew);
  EXPECT_EQ(w.Admit(1, 1003, 7), Verdict::kDuplicate);
  EXPECT_EQ(w.Admit(1, 1004, 7), Verdict::kNew);
  EXPECT_EQ(w.Admit(1, 1003 + 64, 8), Verdict::kNew);
  EXPECT_EQ(w.Admit(1, 1003, 8), Verdict::kTooOld);
  EXPECT_EQ(w.Admit(1, 1004, 8), Verdict::kDuplicate);
  // A jump past the whole window forgets it: all below are too old.
  EXPECT_EQ(w.Admit(1, 5000, 9), Verdict::kNew);
  EXPECT_EQ(w.Admit(1, 5000 - 64, 10), Verdict::kTooOld);
  EXPECT_EQ(w.Admit(1, 5000 - 63, 11), Verdict::kNew);
  EXPECT_EQ(w.Admit(1, 5000, 12), Verdict::kDuplicate);
}

TEST(ProposalWindowsTest, TheSessionWithTheOldestEntryIsEvicted) {
  ProposalWindows w;
  const uint64_t n = ProposalWindows::kMaxSessions;
  for (uint64_t s = 1; s <= n; s++) w.Admit(s, 10, /*index=*/100 + s);
  // Session 1's last entry becomes the newest; 2 is now the oldest.
  EXPECT_EQ(w.Admit(1, 11, 1000), Verdict::kNew);
  EXPECT_EQ(w.Admit(n + 1, 10, 1001), Verdict::kNew);
  EXPECT_EQ(w.size(), n);
  EXPECT_EQ(w.Admit(1, 11, 1002), Verdict::kDuplicate);
  EXPECT_EQ(w.Admit(3, 10, 1003), Verdict::kDuplicate);
  // Session 2 was forgotten: its repeat starts it anew (the documented
  // limit), evicting the next oldest, 3 (a duplicate is not a use).
  EXPECT_EQ(w.Admit(2, 10, 1004), Verdict::kNew);
  EXPECT_EQ(w.Admit(4, 10, 1005), Verdict::kDuplicate);
  EXPECT_EQ(w.Admit(3, 10, 1006), Verdict::kNew);
}

TEST(ProposalWindowsTest, BackendRoundTripWithEvictions) {
  storage::MemoryBackend backend;
  ProposalWindows w;
  const uint64_t n = ProposalWindows::kMaxSessions;
  for (uint64_t s = 1; s <= n; s++) w.Admit(s, 10, s);
  Commit(w, backend);
  w.Admit(n + 1, 50, 1000);  // evicts session 1
  w.Admit(2, 12, 1001);
  Commit(w, backend);

  Result<ProposalWindows> loaded = ProposalWindows::Load(backend);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ProposalWindows& l = loaded.value();
  EXPECT_EQ(l.size(), n);
  EXPECT_EQ(l.Admit(2, 10, 2000), Verdict::kDuplicate);
  EXPECT_EQ(l.Admit(2, 12, 2000), Verdict::kDuplicate);
  EXPECT_EQ(l.Admit(2, 11, 2001), Verdict::kNew);
  EXPECT_EQ(l.Admit(n + 1, 50, 2002), Verdict::kDuplicate);
  // Session 1 is gone from the backend too (its key was deleted).
  size_t keys = 0;
  ASSERT_TRUE(backend
                  .Scan(kSessionPrefix, "",
                        [&](std::string_view key, std::string_view) {
                          if (key.substr(0, kSessionPrefix.size()) !=
                              kSessionPrefix) {
                            return false;
                          }
                          keys++;
                          return true;
                        })
                  .ok());
  EXPECT_EQ(keys, n);
}

TEST(ProposalWindowsTest, DamagedRecordsAreCorruption) {
  auto load_with = [](std::string key, std::string value) {
    storage::MemoryBackend backend;
    storage::WriteBatch batch;
    batch.Put(std::move(key), std::move(value));
    EXPECT_TRUE(backend.Commit(batch, true).ok());
    return ProposalWindows::Load(backend).status().code();
  };
  std::string key(kSessionPrefix);
  AppendBigEndian64(key, 9);
  std::string good;
  AppendFixed(good, 10, 8);
  AppendFixed(good, 1, 8);
  AppendFixed(good, 3, 8);
  EXPECT_EQ(load_with(key, good), Code::kOk);
  EXPECT_EQ(load_with(key, good.substr(0, 23)), Code::kCorruption);
  EXPECT_EQ(load_with(key, good + "x"), Code::kCorruption);
  EXPECT_EQ(load_with(key + "x", good), Code::kCorruption);
  std::string zero_key(kSessionPrefix);
  AppendBigEndian64(zero_key, 0);
  EXPECT_EQ(load_with(zero_key, good), Code::kCorruption);
  // The highest id is always among those applied (bit 0).
  std::string no_highest = good;
  no_highest[8] = 0;
  EXPECT_EQ(load_with(key, no_highest), Code::kCorruption);
}

TEST(ProposalWindowsTest, StateMachineKeepsThemAcrossALoad) {
  storage::MemoryBackend backend;
  StateMachine sm(StateMachineOptions{});
  EXPECT_EQ(sm.AdmitProposal(5, 77, 1), Verdict::kNew);
  sm.SetApplied(1, 1);
  storage::WriteBatch batch;
  sm.WriteChanges(batch);
  ASSERT_TRUE(backend.Commit(batch, true).ok());
  Result<std::unique_ptr<StateMachine>> loaded =
      StateMachine::Load(StateMachineOptions{}, backend);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded.value()->AdmitProposal(5, 77, 2), Verdict::kDuplicate);
  EXPECT_EQ(loaded.value()->AdmitProposal(5, 78, 2), Verdict::kNew);
}

}  // namespace
}  // namespace cairn::server
