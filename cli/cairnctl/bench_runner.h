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

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
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

// One request: `client` is the client's index, `seq` the request's number
// (0, 1, ...). Returns the request's error, counted by its message.
using BenchOp =
    std::function<Status(GatewayClient& conn, int client, int64_t seq)>;

// Runs `op` as RunOptions say, client i using conns[i % conns.size()].
// REQUIRES: clients >= 1, conns non-empty, total > 0 or duration > 0.
LatencyStats RunLoad(const RunOptions& options,
                     const std::vector<std::unique_ptr<GatewayClient>>& conns,
                     const BenchOp& op);

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
