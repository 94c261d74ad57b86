// CallDeadlines: a bound on how long a front end waits for the host loop.
// NodeHost::CallAsync hands a call to the loop and returns; were the loop
// stalled (a hung disk), the call's connection would wait for as long as
// the client does. Guard wraps the call's answer function so that, if no
// answer came within `limit`, the function gets ErrTimeout ("etcdserver:
// request timed out", as the blocking NodeHost::Call gives) and the
// loop's later answer is dropped: exactly one answer either way.
//
// Edge code: one thread, which looks for overdue calls every limit / 4
// (at most once a second), so that registering a call wakes nobody. The
// limit is the same for every call, so calls fall due in the order they
// came and the thread only looks at the oldest.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/cairn/host_answer.h"

namespace cairn::node {

class CallDeadlines {
 public:
  using Done = std::function<void(UnaryAnswer)>;

  explicit CallDeadlines(std::chrono::milliseconds limit);
  // Stops the thread. Calls still waiting keep their wrapped functions,
  // which go on passing answers through, with no time limit.
  ~CallDeadlines();
  CallDeadlines(const CallDeadlines&) = delete;
  CallDeadlines& operator=(const CallDeadlines&) = delete;

  // `done`, answered within the limit: the result passes the first answer
  // on and drops any later one; if it is not called in time, `done` gets
  // ErrTimeout from this object's thread.
  Done Guard(Done done);

  // Calls waiting for an answer (for tests and metrics).
  size_t waiting() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Waiting {
    Clock::time_point due;
    Done done;
  };
  // Shared with every wrapped function, which may outlive this object.
  struct Table {
    std::mutex mu;
    uint64_t next = 0;
    std::map<uint64_t, Waiting> calls;  // by arrival, hence by due time
    // Takes call `id`'s function out, or an empty one if it was answered.
    Done Take(uint64_t id);
  };

  void Run();

  const std::chrono::milliseconds limit_;
  const std::shared_ptr<Table> table_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
  std::thread thread_;
};

}  // namespace cairn::node
