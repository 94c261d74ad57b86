// cairn: the replicated key-value node. Edge program.
//
// This build parses and checks its flags (etcd's names, CAIRN_* variables),
// prepares the data directory and logs its configuration as JSON lines. It
// does not serve yet: the replicated state machine (core/server) is not
// wired to the HTTP frontend and peer transport (issue #7), so it says so
// and exits 1 rather than pretending to run.
#include <iostream>
#include <string>
#include <vector>

#include "cli/cairn/logger.h"
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
            {"listen-client-urls", cfg.listen_client_urls},
            {"listen-peer-urls", cfg.listen_peer_urls},
            {"initial-cluster", cluster},
            {"heartbeat-interval-ms", cfg.heartbeat_interval_ms},
            {"election-ticks", cfg.election_ticks},
            {"max-request-bytes", cfg.max_request_bytes}});
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
  cairn::node::JsonLogger log(std::cerr, cfg.log_level, cfg.name);
  LogConfig(log, cfg);
  std::cerr << "Error: cairn cannot serve yet: the replicated server is not "
               "wired into the node (issue #7).\n";
  return 1;
}
