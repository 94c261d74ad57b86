#include "cli/cairn/election_advance.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace cairn::node {
namespace {

using std::chrono::milliseconds;

// Fake hooks: the test sets how many peers are needed and answer; every
// advance is recorded.
struct Fake {
  std::atomic<size_t> needed{1};
  std::atomic<size_t> answering{0};
  std::atomic<int> asked{0};
  std::mutex mu;
  std::vector<std::pair<int, size_t>> advances;  // guarded by mu

  ElectionAdvanceHooks Hooks() {
    return {.peers_needed = [this] { return needed.load(); },
            .peers_answering =
                [this](milliseconds) {
                  asked++;
                  return answering.load();
                },
            .advance =
                [this](int ticks, size_t peers) {
                  std::lock_guard<std::mutex> lock(mu);
                  advances.emplace_back(ticks, peers);
                }};
  }
  std::vector<std::pair<int, size_t>> Advances() {
    std::lock_guard<std::mutex> lock(mu);
    return advances;
  }
  // Waits (bounded) until `pred` holds.
  template <typename P>
  bool WaitFor(P pred) {
    for (int i = 0; i < 400 && !pred(); i++) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    return pred();
  }
};

ElectionAdvanceOptions Fast() {
  return {.election_ticks = 10,
          .poll = milliseconds(5),
          .give_up = milliseconds(200)};
}

TEST(ElectionAdvanceTest, AdvancesAllButTwoTicksOnceEnoughPeersAnswer) {
  Fake f;
  f.needed = 2;
  f.answering = 1;
  ElectionAdvance a(Fast(), f.Hooks());
  ASSERT_TRUE(f.WaitFor([&] { return f.asked >= 3; }));
  EXPECT_TRUE(f.Advances().empty());  // one of two is not enough
  f.answering = 2;
  ASSERT_TRUE(f.WaitFor([&] { return !f.Advances().empty(); }));
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_EQ(f.Advances(), (std::vector<std::pair<int, size_t>>{{8, 2}}));
}

TEST(ElectionAdvanceTest, ALoneVoterAdvancesAllButOneTickWithoutAsking) {
  Fake f;
  f.needed = 0;
  ElectionAdvance a(Fast(), f.Hooks());
  ASSERT_TRUE(f.WaitFor([&] { return !f.Advances().empty(); }));
  EXPECT_EQ(f.Advances(), (std::vector<std::pair<int, size_t>>{{9, 0}}));
  EXPECT_EQ(f.asked, 0);
}

TEST(ElectionAdvanceTest, GivesUpWithoutAdvancingWhenPeersStaySilent) {
  Fake f;
  f.needed = 1;
  {
    ElectionAdvance a(Fast(), f.Hooks());
    std::this_thread::sleep_for(milliseconds(400));  // past give_up
    const int asked = f.asked;
    std::this_thread::sleep_for(milliseconds(50));
    EXPECT_EQ(f.asked, asked);  // it stopped asking
  }
  EXPECT_TRUE(f.Advances().empty());
}

TEST(ElectionAdvanceTest, AMembershipNotYetKnownIsWaitedFor) {
  Fake f;
  f.needed = SIZE_MAX;  // the host has not published its members yet
  f.answering = 2;
  ElectionAdvance a(Fast(), f.Hooks());
  ASSERT_TRUE(f.WaitFor([&] { return f.asked >= 2; }));
  EXPECT_TRUE(f.Advances().empty());
  f.needed = 1;
  ASSERT_TRUE(f.WaitFor([&] { return !f.Advances().empty(); }));
  EXPECT_EQ(f.Advances().front(), (std::pair<int, size_t>{8, 2}));
}

TEST(ElectionAdvanceTest, DestroyingItStopsItPromptly) {
  Fake f;
  f.needed = 1;
  const auto start = std::chrono::steady_clock::now();
  {
    ElectionAdvance a({.election_ticks = 10,
                       .poll = milliseconds(1000),
                       .give_up = milliseconds(60000)},
                      f.Hooks());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  EXPECT_TRUE(f.Advances().empty());
}

}  // namespace
}  // namespace cairn::node
