#include "cli/cairn/election_advance.h"

#include <pthread.h>

#include <utility>

namespace cairn::node {

ElectionAdvance::ElectionAdvance(ElectionAdvanceOptions options,
                                 ElectionAdvanceHooks hooks)
    : options_(options), hooks_(std::move(hooks)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tick-advance");
    Run();
  });
}

ElectionAdvance::~ElectionAdvance() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool ElectionAdvance::Sleep(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stop_; });
}

void ElectionAdvance::Run() {
  const auto deadline = std::chrono::steady_clock::now() + options_.give_up;
  // The membership is read after the first wait: the host publishes it
  // from its loop, which has only just started.
  while (Sleep(options_.poll)) {
    const size_t needed = hooks_.peers_needed();
    if (needed == 0) {
      hooks_.advance(options_.election_ticks - 1, 0);
      return;
    }
    const size_t answering = hooks_.peers_answering(options_.poll);
    if (answering >= needed) {
      hooks_.advance(options_.election_ticks - 2, answering);
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) return;
  }
}

}  // namespace cairn::node
