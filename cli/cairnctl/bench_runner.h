// The load loop shared by cairnctl benchmark and check perf: --clients
// threads send requests through --conns gateway connections until
// --total requests were sent or --duration has passed, optionally at most
// --rate requests per second, and the latency of each is recorded. Edge
// code: threads, sockets and the steady clock.
//
// HTTP/1.1 carries one request at a time per connection (the gRPC clients
// of etcd's tools multiplex), so clients that share a connection take
// turns on it; the measured latency includes that wait, as a gRPC
// client's would include its queueing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cairnctl/bench_report.h"
#include "cli/cairnctl/gateway_client.h"
#include "core/util/status.h"

namespace cairn::ctl {

struct RunOptions {
  int clients = 1;
  // Stop after this many requests (when > 0) ...
  int64_t total = 0;
  // ... or after this long (when total is 0).
  std::chrono::nanoseconds duration{0};
  // At most this many requests per second, over all clients; 0: no limit.
  double rate = 0;
  // Where the progress line goes (nullptr: none); `tty` redraws one line
  // with a bar, otherwise a plain line is printed every 10 seconds.
  std::ostream* progress = nullptr;
  bool tty = false;
  // The run stops when this many requests in a row failed (an endpoint
  // that went away), so that a dead cluster ends the run quickly.
  int64_t max_consecutive_errors = 100;
};

// Hands out send times at most `rate` per second, in order (a token
// bucket of one, as etcd's rate.NewLimiter(rate, 1)); rate 0 is no
// limit. Thread-safe.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(double rate) : rate_(rate) {}
  // The caller's slot (now, without a limit); nullopt when the slot would
  // come after `deadline`.
  std::optional<Clock::time_point> Take(Clock::time_point deadline);
  // Sleeps until the caller's slot; false, at once, when it would come
  // after `deadline`.
  bool Wait(Clock::time_point deadline);

 private:
  const double rate_;
  std::mutex mu_;
  Clock::time_point next_{};  // guarded by mu_
};

// One request: `client` is the client's index, `seq` the request's number
// (0, 1, ...). Returns the request's error, counted by its message.
using BenchOp =
    std::function<Status(GatewayClient& conn, int client, int64_t seq)>;

// Runs `op` as RunOptions say, client i using conns[i % conns.size()].
// REQUIRES: clients >= 1, conns non-empty, total > 0 or duration > 0.
LatencyStats RunLoad(const RunOptions& options,
                     const std::vector<std::unique_ptr<GatewayClient>>& conns,
                     const BenchOp& op);

// What every load run shares, whatever drives the requests: the clock,
// the progress display (a ticker thread counts the seconds of a timed
// run), and the figures at the end.
class LoadFrame {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LoadFrame(const RunOptions& options);
  ~LoadFrame();
  LoadFrame(const LoadFrame&) = delete;
  LoadFrame& operator=(const LoadFrame&) = delete;

  bool timed() const { return timed_; }
  Clock::time_point deadline() const { return deadline_; }
  double SecondsSinceStart() const;
  // A request of a --total run ended.
  void CountOne();
  // Stops the progress and computes the figures. The run ends with its
  // last answer (`last_success_s` after the start; the wall time when
  // nothing succeeded): requests that fail by timing out after it (a
  // connection the server never took) do not stretch the time the
  // throughput is divided by.
  LatencyStats Finish(std::vector<double> lats_s,
                      std::map<std::string, int64_t> errors,
                      double last_success_s, bool aborted);

 private:
  const bool timed_;
  const Clock::time_point start_;
  const Clock::time_point deadline_;
  std::unique_ptr<class Progress> progress_;
  std::atomic<bool> done_{false};
  std::thread ticker_;
};

// Draws progress for a count that grows to `total` (requests, or seconds
// of a timed run) on `out` until Finish; redraws on a terminal every
// 200 ms, otherwise prints a plain line every 10 s. Thread-safe.
class Progress {
 public:
  Progress(std::ostream* out, bool tty, int64_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(int64_t n);
  // Draws the last state and ends the line; idempotent.
  void Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cairn::ctl
