// NodeConfig: the cairn node's settings, parsed from etcd-named flags and
// CAIRN_* environment variables and checked as etcd 3.4 checks them (with
// its error texts). Edge code: ParseNodeConfig is a pure function of its
// arguments (the environment comes in through a lookup callback), so tests
// call it directly; PrepareDataDir touches the file system.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/cairn/logger.h"
#include "cli/cairn/tls.h"
#include "core/util/result.h"
#include "core/util/status.h"

namespace cairn::node {

// One member of --initial-cluster: "name=url1,name=url2" gives one spec
// with two URLs.
struct PeerSpec {
  std::string name;
  std::vector<std::string> peer_urls;

  bool operator==(const PeerSpec&) const = default;
};

enum class ClusterState { kNew, kExisting };
enum class CompactionMode { kPeriodic, kRevision };

struct NodeConfig {
  std::string name = "default";
  std::string data_dir;  // defaults to "<name>.cairn"
  std::vector<std::string> listen_client_urls = {"http://localhost:2379"};
  std::vector<std::string> advertise_client_urls = {"http://localhost:2379"};
  // Where etcd's v3 API is served over plain gRPC (none by default); a
  // stepping stone until gRPC shares the client port (#13).
  std::vector<std::string> listen_grpc_urls;
  std::vector<std::string> listen_peer_urls = {"http://localhost:2380"};
  std::vector<std::string> initial_advertise_peer_urls = {
      "http://localhost:2380"};
  // In flag order; defaults to <name>=<initial-advertise-peer-urls>.
  std::vector<PeerSpec> initial_cluster;
  ClusterState initial_cluster_state = ClusterState::kNew;
  std::string initial_cluster_token = "etcd-cluster";

  // etcd's timing model: one Raft tick per heartbeat interval.
  uint64_t heartbeat_interval_ms = 100;
  uint64_t election_timeout_ms = 1000;
  uint64_t tick_ms = 100;   // = heartbeat_interval_ms
  int heartbeat_ticks = 1;  // always 1, as in etcd
  int election_ticks = 10;  // election_timeout_ms / heartbeat_interval_ms
  // --initial-election-tick-advance: on start, once enough peers answer,
  // skip most of the first election timeout (election_advance.h).
  bool initial_election_tick_advance = true;

  uint64_t snapshot_count = 100000;
  int64_t quota_backend_bytes = 0;  // 0: the default, 2 GiB
  uint64_t max_request_bytes = 1572864;
  // --disk-reserve-bytes: the free space (bytes) the member keeps on its
  // data directory's file system; below it the member raises NOSPACE
  // (0 on the command line: 64 MiB + 2 * max_request_bytes).
  uint64_t disk_reserve_bytes = (uint64_t{64} << 20) + 2 * 1572864;
  CompactionMode auto_compaction_mode = CompactionMode::kPeriodic;
  // Periodic mode: the retention window in ms; revision mode: revisions to
  // keep. 0 turns auto compaction off.
  uint64_t auto_compaction_retention = 0;
  LogLevel log_level = LogLevel::kInfo;

  // --cert-file, --key-file, --trusted-ca-file, --client-cert-auth: the
  // https client listeners, and leader forwarding's client certificate.
  TlsInfo client_tls;
  // --peer-cert-file, --peer-key-file, --peer-trusted-ca-file,
  // --peer-client-cert-auth: the https peer listeners, and the peer
  // transport's client certificate and trusted CA.
  TlsInfo peer_tls;
  // Auth: etcd's simple tokens (--auth-token simple, the only kind
  // cairn serves), their TTL in seconds (--auth-token-ttl) and bcrypt's
  // cost for new passwords (--bcrypt-cost).
  uint64_t auth_token_ttl_s = 300;
  int bcrypt_cost = 10;
};

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment (std::getenv).
EnvLookup ProcessEnv();

// What main() should do after parsing.
struct ConfigOutcome {
  std::optional<NodeConfig> config;  // set: go on and run the node
  int exit_code = 0;                 // otherwise: exit with this code
  std::string out;                   // text for stdout (--help, --version)
  std::string err;                   // a one-line error for stderr
};

// Parses `args` (without the program name). A flag not given on the
// command line is taken from CAIRN_<FLAG> (upper case, '-' as '_', e.g.
// CAIRN_INITIAL_CLUSTER), then from the default. Errors give exit code 1
// and one line, e.g. "error verifying flags, --heartbeat-interval must be
// >0 (set to 0ms). See 'cairn --help'."
ConfigOutcome ParseNodeConfig(const std::vector<std::string>& args,
                              const EnvLookup& env);

// Parses "a=http://h:1,b=http://h:2" (repeated names collect URLs). Errors:
// kInvalidArgument with the URL check's text for an entry without "=" or
// with a bad URL.
Result<std::vector<PeerSpec>> ParseInitialCluster(const std::string& text);

// The member named --name must be in --initial-cluster with exactly its
// --initial-advertise-peer-urls. Errors: kInvalidArgument with etcd's
// texts ("couldn't find local name ...", "--initial-cluster has ... but
// missing from --initial-advertise-peer-urls=...").
Status CheckLocalMember(const NodeConfig& cfg);

// etcd's checks of the TLS flags against the listen URLs, in its order
// and words: "KeyFile and CertFile must both be present[key: K, cert: C]"
// when only one of a pair is given; "cannot listen on TLS for H:P:
// KeyFile and CertFile are not presented" for an https peer URL without
// --peer-cert-file/--peer-key-file; "TLS key/cert (--cert-file,
// --key-file) must be provided for client url U with HTTPS scheme". The
// files themselves are loaded when the node starts (CheckTlsFiles).
Status CheckTlsFlags(const NodeConfig& cfg);

// Creates `dir` if needed and checks that files can be created in it.
// Errors: kIOError "cannot access data directory: <reason>".
Status PrepareDataDir(const std::string& dir);

}  // namespace cairn::node
