// cairn: the replicated key-value node. Edge program: parses and checks
// its flags (etcd's names, CAIRN_* variables), prepares the data
// directory, starts the member (cli/cairn/node.h) and runs until SIGTERM
// or SIGINT (a graceful stop: leadership handed over, requests in flight
// answered, exit 0) or until the member is removed from its cluster.
#include <signal.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cairn/grpc_server.h"
#include "cli/cairn/logger.h"
#include "cli/cairn/node.h"
#include "cli/cairn/node_config.h"

namespace {

void LogConfig(cairn::node::JsonLogger& log,
               const cairn::node::NodeConfig& cfg) {
  std::string cluster;
  for (const auto& p : cfg.initial_cluster) {
    for (const auto& u : p.peer_urls) {
      cluster += (cluster.empty() ? "" : ",") + p.name + "=" + u;
    }
  }
  log.Info("configuration",
           {{"data-dir", cfg.data_dir},
            {"initial-cluster", cluster},
            {"heartbeat-interval-ms", cfg.heartbeat_interval_ms},
            {"election-ticks", cfg.election_ticks},
            {"snapshot-count", cfg.snapshot_count},
            {"max-request-bytes", cfg.max_request_bytes}});
}

// Waits for SIGTERM/SIGINT (blocked in every thread, taken here) or for
// the member to stop by itself. Returns the signal, or 0.
int WaitForStop(cairn::node::Node& node, const sigset_t& signals) {
  const timespec poll{.tv_sec = 0, .tv_nsec = 200'000'000};
  while (true) {
    const int sig = sigtimedwait(&signals, nullptr, &poll);
    if (sig > 0) return sig;
    if (node.WaitRemoved(std::chrono::milliseconds(0))) return 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  cairn::node::ConfigOutcome parsed =
      cairn::node::ParseNodeConfig(args, cairn::node::ProcessEnv());
  if (!parsed.config.has_value()) {
    std::cout << parsed.out;
    if (!parsed.err.empty()) std::cerr << "Error: " << parsed.err << "\n";
    return parsed.exit_code;
  }
  const cairn::node::NodeConfig& cfg = *parsed.config;
  if (cairn::Status s = cairn::node::PrepareDataDir(cfg.data_dir); !s.ok()) {
    std::cerr << "Error: " << s.message() << "\n";
    return 1;
  }
  // Block the stop signals before any thread starts, so that only
  // WaitForStop takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  cairn::node::JsonLogger log(std::cerr, cfg.log_level, cfg.name);
  // gRPC's threads may log until the process ends: their logger is never
  // destroyed.
  cairn::node::RouteGrpcLogs(
      new cairn::node::JsonLogger(std::cerr, cfg.log_level, cfg.name));
  LogConfig(log, cfg);
  auto node = cairn::node::Node::Start(cfg, log);
  if (!node.ok()) {
    log.Error("cannot start", {{"error", node.status().message()}});
    std::cerr << "Error: " << node.status().message() << "\n";
    return 1;
  }
  const int sig = WaitForStop(*node.value(), signals);
  if (sig != 0) {
    log.Info("received signal; shutting down",
             {{"signal", sig == SIGTERM ? "terminated" : "interrupt"}});
    node.value()->Shutdown(std::chrono::seconds(5));
  }
  node.value().reset();
  log.Info("stopped");
  return 0;
}
