#include "cli/cairn/call_deadlines.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "core/server/request.h"

namespace cairn::node {
namespace {

using std::chrono::milliseconds;

// What each guarded call was answered, in the order the answers came.
class Answers {
 public:
  CallDeadlines::Done For(int call) {
    return [this, call](UnaryAnswer a) {
      std::lock_guard<std::mutex> lock(mu_);
      got_.push_back(
          {call, a.answer.ok() ? Code::kOk : a.answer.status().code()});
    };
  }
  std::vector<std::pair<int, Code>> got() const {
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }
  // Waits up to `limit` for `n` answers.
  bool WaitFor(size_t n, milliseconds limit) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (got().size() < n) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(milliseconds(2));
    }
    return true;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<int, Code>> got_;
};

const Code kTimeout = server::ErrTimeout().code();

TEST(CallDeadlinesTest, AnAnswerInTimePassesOnceAndNoTimeoutFollows) {
  Answers answers;
  CallDeadlines deadlines(milliseconds(40));
  CallDeadlines::Done guarded = deadlines.Guard(answers.For(1));
  EXPECT_EQ(deadlines.waiting(), 1u);
  guarded(UnaryAnswer{});
  EXPECT_EQ(deadlines.waiting(), 0u);
  guarded(UnaryAnswer{.answer = server::ErrStopped()});  // a second answer
  std::this_thread::sleep_for(milliseconds(120));
  EXPECT_EQ(answers.got(), (std::vector<std::pair<int, Code>>{{1, Code::kOk}}));
}

TEST(CallDeadlinesTest,
     AnUnansweredCallGetsTheTimeoutAndTheLateAnswerIsDropped) {
  Answers answers;
  CallDeadlines deadlines(milliseconds(40));
  const auto start = std::chrono::steady_clock::now();
  CallDeadlines::Done guarded = deadlines.Guard(answers.For(1));
  ASSERT_TRUE(answers.WaitFor(1, milliseconds(5000)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(40));
  EXPECT_EQ(deadlines.waiting(), 0u);
  guarded(UnaryAnswer{});  // the loop's answer, too late
  EXPECT_EQ(answers.got(), (std::vector<std::pair<int, Code>>{{1, kTimeout}}));
  EXPECT_EQ(server::ErrTimeout().message(), "etcdserver: request timed out");
}

TEST(CallDeadlinesTest, OnlyTheCallsLeftUnansweredTimeOut) {
  Answers answers;
  CallDeadlines deadlines(milliseconds(60));
  std::vector<CallDeadlines::Done> calls;
  for (int i = 0; i < 6; ++i) calls.push_back(deadlines.Guard(answers.For(i)));
  calls[1](UnaryAnswer{});
  calls[4](UnaryAnswer{});
  ASSERT_TRUE(answers.WaitFor(6, milliseconds(5000)));
  EXPECT_EQ(answers.got(), (std::vector<std::pair<int, Code>>{{1, Code::kOk},
                                                              {4, Code::kOk},
                                                              {0, kTimeout},
                                                              {2, kTimeout},
                                                              {3, kTimeout},
                                                              {5, kTimeout}}));
}

// Answers from many threads racing the deadline: every call is answered
// exactly once, by its own answer or by the timeout.
TEST(CallDeadlinesTest, AnswersRacingTheDeadlineAreGivenExactlyOnce) {
  Answers answers;
  constexpr int kCalls = 2000;
  std::vector<CallDeadlines::Done> calls;
  {
    CallDeadlines deadlines(milliseconds(4));
    for (int i = 0; i < kCalls; ++i) {
      calls.push_back(deadlines.Guard(answers.For(i)));
    }
    std::vector<std::thread> threads;
    std::atomic<int> next{0};
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = next++; i < kCalls; i = next++) {
          if (i % 50 == 0) std::this_thread::sleep_for(milliseconds(1));
          calls[i](UnaryAnswer{});
        }
      });
    }
    for (std::thread& t : threads) t.join();
  }
  ASSERT_EQ(answers.got().size(), static_cast<size_t>(kCalls));
  std::vector<int> seen(kCalls, 0);
  for (const auto& [call, code] : answers.got()) {
    ++seen[call];
    EXPECT_TRUE(code == Code::kOk || code == kTimeout);
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), kCalls);
}

// The host may answer after the deadlines' owner went away (the calls map
// outlives it in no order the host promises): the answer still passes.
TEST(CallDeadlinesTest, AGuardedCallOutlivesItsDeadlines) {
  Answers answers;
  CallDeadlines::Done guarded;
  {
    CallDeadlines deadlines(milliseconds(10'000));
    guarded = deadlines.Guard(answers.For(7));
  }
  guarded(UnaryAnswer{});
  EXPECT_EQ(answers.got(), (std::vector<std::pair<int, Code>>{{7, Code::kOk}}));
}

}  // namespace
}  // namespace cairn::node
