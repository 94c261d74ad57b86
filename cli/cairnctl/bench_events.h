// The benchmarks' event-driven load loop: all --clients on one thread,
// over --conns non-blocking plain-HTTP connections watched with epoll.
// Edge code: sockets, epoll and the steady clock.
//
// Why not a thread per client (bench_runner.h's RunLoad): every request
// then puts its thread to sleep and wakes it, ~2 context switches a
// request, which on a small machine took a third of the CPU the cluster
// under test could have had. One thread that collects every answer that
// arrived in one epoll_wait does the same load for a fraction (etcd's
// benchmark tool gets the same from Go's goroutines over its netpoller).
//
// The load is RunLoad's: clients take turns on a connection they share,
// a request's latency counts from when its client was ready (so it
// includes that wait), --rate hands out send times in order, a --total
// run sends exactly that many requests, a timed run sends none after its
// end and waits for those in flight, and the run gives up after
// max_consecutive_errors failed requests in a row. Each request has the
// command timeout (plus the dial timeout while connecting); a connection
// that failed, timed out or was closed by the server is opened again for
// the next request. Errors read as GatewayClient::Call's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cli/cairnctl/bench_report.h"
#include "cli/cairnctl/bench_runner.h"
#include "cli/cairnctl/gateway_client.h"

namespace cairn::ctl {

// One kind of request: POSTed to `path` with body(client, seq) as JSON.
struct BenchRequest {
  std::string path;
  std::function<Json(int client, int64_t seq)> body;
};

// Whether RunEventLoad can carry a client with these options: plain HTTP
// only, and no user to authenticate again (a token is sent as it is).
bool EventLoadFits(const ClientOptions& client);

// Runs `request` as RunOptions say, client i on connection i % conns to
// endpoints[(i % conns) % endpoints.size()].
// REQUIRES: EventLoadFits(client); options as RunLoad's; conns >= 1.
LatencyStats RunEventLoad(const RunOptions& options,
                          const ClientOptions& client,
                          const std::vector<Endpoint>& endpoints, int conns,
                          const BenchRequest& request);

}  // namespace cairn::ctl
