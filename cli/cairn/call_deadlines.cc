#include "cli/cairn/call_deadlines.h"

#include <pthread.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "core/server/request.h"

namespace cairn::node {

CallDeadlines::CallDeadlines(std::chrono::milliseconds limit)
    : limit_(limit), table_(std::make_shared<Table>()) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "call-deadlines");
    Run();
  });
}

CallDeadlines::~CallDeadlines() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

CallDeadlines::Done CallDeadlines::Table::Take(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = calls.find(id);
  if (it == calls.end()) return nullptr;
  Done done = std::move(it->second.done);
  calls.erase(it);
  return done;
}

CallDeadlines::Done CallDeadlines::Guard(Done done) {
  uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(table_->mu);
    id = table_->next++;
    table_->calls.emplace_hint(
        table_->calls.end(), id,
        Waiting{.due = Clock::now() + limit_, .done = std::move(done)});
  }
  return [table = table_, id](UnaryAnswer a) {
    if (Done first = table->Take(id)) first(std::move(a));
  };
}

size_t CallDeadlines::waiting() const {
  std::lock_guard<std::mutex> lock(table_->mu);
  return table_->calls.size();
}

void CallDeadlines::Run() {
  const auto period = std::clamp<std::chrono::milliseconds>(
      limit_ / 4, std::chrono::milliseconds(1), std::chrono::seconds(1));
  std::unique_lock<std::mutex> stop_lock(stop_mu_);
  while (!stop_cv_.wait_for(stop_lock, period, [this] { return stopping_; })) {
    std::vector<Done> overdue;
    {
      std::lock_guard<std::mutex> lock(table_->mu);
      const Clock::time_point now = Clock::now();
      auto& calls = table_->calls;
      while (!calls.empty() && calls.begin()->second.due <= now) {
        overdue.push_back(std::move(calls.begin()->second.done));
        calls.erase(calls.begin());
      }
    }
    // Answered outside both locks: a function may take its time (it
    // encodes and writes an error answer) or register another call.
    stop_lock.unlock();
    for (Done& done : overdue) {
      done(UnaryAnswer{.answer = server::ErrTimeout()});
    }
    stop_lock.lock();
  }
}

}  // namespace cairn::node
