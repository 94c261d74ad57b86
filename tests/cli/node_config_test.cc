// ParseNodeConfig: etcd's flag names and defaults, CAIRN_* variables
// (command line wins), the derived ticks, and etcd 3.4.23's error texts for
// bad values (each recorded by running etcd with the same flag);
// PrepareDataDir on usable and unusable directories.
#include "cli/cairn/node_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace cairn::node {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

ConfigOutcome Parse(std::vector<std::string> args,
                    std::map<std::string, std::string> env = {}) {
  return ParseNodeConfig(args, Env(std::move(env)));
}

std::string ErrorOf(std::vector<std::string> args,
                    std::map<std::string, std::string> env = {}) {
  ConfigOutcome out = Parse(std::move(args), std::move(env));
  EXPECT_FALSE(out.config.has_value());
  EXPECT_EQ(out.exit_code, 1);
  return out.err;
}

TEST(NodeConfigTest, Defaults) {
  ConfigOutcome out = Parse({});
  ASSERT_TRUE(out.config.has_value()) << out.err;
  const NodeConfig& c = *out.config;
  EXPECT_EQ(c.name, "default");
  EXPECT_EQ(c.data_dir, "default.cairn");
  EXPECT_EQ(c.listen_client_urls,
            std::vector<std::string>{"http://localhost:2379"});
  ASSERT_EQ(c.initial_cluster.size(), 1u);
  EXPECT_EQ(c.initial_cluster[0],
            (PeerSpec{"default", {"http://localhost:2380"}}));
  EXPECT_EQ(c.initial_cluster_state, ClusterState::kNew);
  EXPECT_EQ(c.heartbeat_ticks, 1);
  EXPECT_EQ(c.election_ticks, 10);
  EXPECT_EQ(c.tick_ms, 100u);
  EXPECT_EQ(c.max_request_bytes, 1572864u);
  EXPECT_EQ(c.snapshot_count, 100000u);
  EXPECT_EQ(c.log_level, LogLevel::kInfo);
}

// --listen-grpc-urls (issue #13): none by default, http:// or https://
// URLs, from the flag or CAIRN_LISTEN_GRPC_URLS.
TEST(NodeConfigTest, ListenGrpcUrls) {
  ConfigOutcome none = Parse({});
  ASSERT_TRUE(none.config.has_value()) << none.err;
  EXPECT_TRUE(none.config->listen_grpc_urls.empty());
  ConfigOutcome two =
      Parse({"--listen-grpc-urls", "http://127.0.0.1:1,http://127.0.0.1:2"});
  ASSERT_TRUE(two.config.has_value()) << two.err;
  EXPECT_EQ(
      two.config->listen_grpc_urls,
      (std::vector<std::string>{"http://127.0.0.1:1", "http://127.0.0.1:2"}));
  ConfigOutcome env =
      Parse({}, {{"CAIRN_LISTEN_GRPC_URLS", "http://127.0.0.1:3"}});
  ASSERT_TRUE(env.config.has_value()) << env.err;
  EXPECT_EQ(env.config->listen_grpc_urls,
            std::vector<std::string>{"http://127.0.0.1:3"});
  // https:// needs the client certificate and key, as an https client URL.
  EXPECT_EQ(ErrorOf({"--listen-grpc-urls", "https://127.0.0.1:1"}),
            "TLS key/cert (--cert-file, --key-file) must be provided for "
            "client url https://127.0.0.1:1 with HTTPS scheme");
  ConfigOutcome tls = Parse({"--listen-grpc-urls", "https://127.0.0.1:1",
                             "--cert-file", "c.pem", "--key-file", "k.pem"});
  ASSERT_TRUE(tls.config.has_value()) << tls.err;
  EXPECT_EQ(tls.config->listen_grpc_urls,
            std::vector<std::string>{"https://127.0.0.1:1"});
  EXPECT_EQ(ErrorOf({"--listen-grpc-urls", "ftp://x:1"}),
            "invalid value \"ftp://x:1\" for flag -listen-grpc-urls: URL "
            "scheme must be http, https, unix, or unixs: ftp://x:1");
}

// --disk-reserve-bytes (cairn's own): 0 is 64 MiB + 2 * max-request-bytes.
TEST(NodeConfigTest, DiskReserve) {
  ConfigOutcome def = Parse({"--max-request-bytes", "1000"});
  ASSERT_TRUE(def.config.has_value()) << def.err;
  EXPECT_EQ(def.config->disk_reserve_bytes, (uint64_t{64} << 20) + 2000);
  ConfigOutcome set = Parse({}, {{"CAIRN_DISK_RESERVE_BYTES", "4096"}});
  ASSERT_TRUE(set.config.has_value()) << set.err;
  EXPECT_EQ(set.config->disk_reserve_bytes, 4096u);
  EXPECT_EQ(ErrorOf({"--disk-reserve-bytes", "-1"}),
            "invalid value \"-1\" for flag -disk-reserve-bytes: parse error");
}

TEST(NodeConfigTest, ThreeMemberFlags) {
  ConfigOutcome out = Parse({"--name",
                             "b",
                             "--data-dir=/tmp/x",
                             "--initial-cluster",
                             "a=http://127.0.0.1:2380,b=http://127.0.0.1:2381,"
                             "c=http://127.0.0.1:2382",
                             "--initial-advertise-peer-urls",
                             "http://127.0.0.1:2381",
                             "--listen-peer-urls",
                             "http://127.0.0.1:2381",
                             "--listen-client-urls",
                             "http://127.0.0.1:2479,http://127.0.0.1:2480",
                             "--initial-cluster-state",
                             "existing",
                             "--heartbeat-interval",
                             "50",
                             "--election-timeout",
                             "600",
                             "--log-level",
                             "warn",
                             "--auto-compaction-mode",
                             "revision",
                             "--auto-compaction-retention",
                             "1000",
                             "--max-request-bytes",
                             "1024"});
  ASSERT_TRUE(out.config.has_value()) << out.err;
  const NodeConfig& c = *out.config;
  EXPECT_EQ(c.data_dir, "/tmp/x");
  ASSERT_EQ(c.initial_cluster.size(), 3u);
  EXPECT_EQ(c.initial_cluster[2].name, "c");
  EXPECT_EQ(c.listen_client_urls.size(), 2u);
  EXPECT_EQ(c.initial_cluster_state, ClusterState::kExisting);
  EXPECT_EQ(c.tick_ms, 50u);
  EXPECT_EQ(c.election_ticks, 12);
  EXPECT_EQ(c.log_level, LogLevel::kWarn);
  EXPECT_EQ(c.auto_compaction_mode, CompactionMode::kRevision);
  EXPECT_EQ(c.auto_compaction_retention, 1000u);
  EXPECT_EQ(c.max_request_bytes, 1024u);
}

TEST(NodeConfigTest, EnvironmentFillsFlagsNotGiven) {
  ConfigOutcome out =
      Parse({"--heartbeat-interval=200"},
            {{"CAIRN_NAME", "n1"},
             {"CAIRN_DATA_DIR", "/var/lib/n1"},
             {"CAIRN_INITIAL_CLUSTER", "n1=http://127.0.0.1:2380"},
             {"CAIRN_INITIAL_ADVERTISE_PEER_URLS", "http://127.0.0.1:2380"},
             {"CAIRN_HEARTBEAT_INTERVAL", "7"},
             {"CAIRN_ELECTION_TIMEOUT", "2000"}});
  ASSERT_TRUE(out.config.has_value()) << out.err;
  EXPECT_EQ(out.config->name, "n1");
  EXPECT_EQ(out.config->data_dir, "/var/lib/n1");
  EXPECT_EQ(out.config->heartbeat_interval_ms, 200u);  // flag wins
  EXPECT_EQ(out.config->election_ticks, 10);
}

TEST(NodeConfigTest, PeriodicRetention) {
  auto ms = [](const std::string& r) {
    ConfigOutcome out = Parse({"--auto-compaction-retention", r});
    EXPECT_TRUE(out.config.has_value()) << out.err;
    return out.config ? out.config->auto_compaction_retention : 0;
  };
  EXPECT_EQ(ms("1"), 3600000u);  // a bare number is hours
  EXPECT_EQ(ms("30m"), 1800000u);
  EXPECT_EQ(ms("1h30m"), 5400000u);
  EXPECT_EQ(ErrorOf({"--auto-compaction-retention", "soon"}),
            "error verifying flags, invalid auto-compaction-retention "
            "\"soon\". See 'cairn --help'.");
}

// The texts etcd 3.4.23 printed for the same flags.
TEST(NodeConfigTest, EtcdErrorTexts) {
  EXPECT_EQ(
      ErrorOf({"--election-timeout", "400", "--heartbeat-interval", "100"}),
      "error verifying flags, --election-timeout[400ms] should be at "
      "least as 5 times as --heartbeat-interval[100ms]. See 'cairn "
      "--help'.");
  EXPECT_EQ(
      ErrorOf({"--election-timeout", "60000", "--heartbeat-interval", "1000"}),
      "error verifying flags, --election-timeout[60000ms] is too long, "
      "and should be set less than 50000ms. See 'cairn --help'.");
  EXPECT_EQ(ErrorOf({"--heartbeat-interval", "0"}),
            "error verifying flags, --heartbeat-interval must be >0 (set to "
            "0ms). See 'cairn --help'.");
  EXPECT_EQ(ErrorOf({"--auto-compaction-mode", "bogus"}),
            "error verifying flags, unknown auto-compaction-mode \"bogus\". "
            "See 'cairn --help'.");
  EXPECT_EQ(ErrorOf({"--initial-cluster", "default=foo"}),
            "error setting up initial cluster: URL scheme must be http, "
            "https, unix, or unixs: foo");
  EXPECT_EQ(ErrorOf({"--initial-cluster", "a=http://127.0.0.1:1,bogus"}),
            "error setting up initial cluster: URL scheme must be http, "
            "https, unix, or unixs: ");
  EXPECT_EQ(ErrorOf({"--initial-cluster-state", "bogus"}),
            "invalid value \"bogus\" for flag -initial-cluster-state: invalid "
            "value");
  EXPECT_EQ(ErrorOf({"--listen-client-urls", "ftp://x:1"}),
            "invalid value \"ftp://x:1\" for flag -listen-client-urls: URL "
            "scheme must be http, https, unix, or unixs: ftp://x:1");
  EXPECT_EQ(ErrorOf({"--listen-client-urls", "http://127.0.0.1:23795/path"}),
            "invalid value \"http://127.0.0.1:23795/path\" for flag "
            "-listen-client-urls: URL must not contain a path: "
            "http://127.0.0.1:23795/path");
  EXPECT_EQ(ErrorOf({"--snapshot-count", "abc"}),
            "invalid value \"abc\" for flag -snapshot-count: parse error");
  EXPECT_EQ(
      ErrorOf({"--name", "x", "--initial-cluster", "y=http://127.0.0.1:23805"}),
      "couldn't find local name \"x\" in the initial cluster "
      "configuration");
  EXPECT_EQ(ErrorOf({"--initial-advertise-peer-urls", "http://127.0.0.1:23806",
                     "--initial-cluster", "default=http://127.0.0.1:23805"}),
            "--initial-cluster has default=http://127.0.0.1:23805 but missing "
            "from --initial-advertise-peer-urls=http://127.0.0.1:23806");
}

TEST(NodeConfigTest, BadValuesFromTheEnvironmentToo) {
  EXPECT_EQ(ErrorOf({}, {{"CAIRN_SNAPSHOT_COUNT", "-1"}}),
            "invalid value \"-1\" for flag -snapshot-count: parse error");
  EXPECT_EQ(ErrorOf({}, {{"CAIRN_LOG_LEVEL", "loud"}}),
            "invalid value \"loud\" for flag -log-level: want debug, info, "
            "warn, error, panic, or fatal");
}

TEST(NodeConfigTest, UnknownFlagAndHelpAndVersion) {
  ConfigOutcome bad = Parse({"--no-such-flag"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--no-such-flag"), std::string::npos);
  ConfigOutcome help = Parse({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_FALSE(help.config.has_value());
  for (const char* flag : {"--name", "--data-dir", "--listen-client-urls",
                           "--advertise-client-urls", "--listen-peer-urls",
                           "--initial-advertise-peer-urls", "--initial-cluster",
                           "--initial-cluster-state", "--initial-cluster-token",
                           "--heartbeat-interval", "--election-timeout",
                           "--snapshot-count", "--quota-backend-bytes",
                           "--max-request-bytes", "--auto-compaction-mode",
                           "--auto-compaction-retention", "--log-level"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
  ConfigOutcome version = Parse({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("cairn version ", 0), 0u) << version.out;
}

TEST(NodeConfigTest, InitialClusterCollectsRepeatedNames) {
  auto r = ParseInitialCluster("a=http://h:1,b=http://h:2,a=http://h:3");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r.value().size(), 2u);
  EXPECT_EQ(r.value()[0], (PeerSpec{"a", {"http://h:1", "http://h:3"}}));
}

TEST(NodeConfigTest, DataDir) {
  namespace fs = std::filesystem;
  fs::path base =
      fs::temp_directory_path() / ("cairn_cfg_" + std::to_string(::getpid()));
  fs::remove_all(base);
  EXPECT_TRUE(PrepareDataDir((base / "a" / "b").string()).ok());
  EXPECT_TRUE(fs::is_directory(base / "a" / "b"));
  // A file where the directory should be.
  { std::ofstream((base / "file").string()) << "x"; }
  Status s = PrepareDataDir((base / "file").string());
  EXPECT_EQ(s.code(), Code::kIOError);
  EXPECT_EQ(s.message().rfind("cannot access data directory: ", 0), 0u)
      << s.message();
  Status proc = PrepareDataDir("/proc/nope");
  EXPECT_EQ(proc.message().rfind("cannot access data directory: mkdir "
                                 "/proc/nope: ",
                                 0),
            0u)
      << proc.message();
  fs::remove_all(base);
}

// The TLS flags, and etcd 3.4.23's errors for https URLs without a
// certificate and key (each recorded by running etcd with the same flags).
class NodeConfigTlsTest : public ::testing::Test {
 protected:
  static std::vector<std::string> Urls(const std::string& client,
                                       const std::string& peer) {
    return {"--listen-client-urls",
            client + "://127.0.0.1:2379",
            "--advertise-client-urls",
            client + "://127.0.0.1:2379",
            "--listen-peer-urls",
            peer + "://127.0.0.1:2380",
            "--initial-advertise-peer-urls",
            peer + "://127.0.0.1:2380",
            "--initial-cluster",
            "default=" + peer + "://127.0.0.1:2380"};
  }
  static std::vector<std::string> With(std::vector<std::string> a,
                                       const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
};

TEST_F(NodeConfigTlsTest, FlagsFillBothTlsInfos) {
  ConfigOutcome out = Parse(With(
      Urls("https", "https"),
      {"--cert-file", "s.pem", "--key-file", "s-key.pem", "--trusted-ca-file",
       "ca.pem", "--client-cert-auth", "--peer-cert-file", "p.pem",
       "--peer-key-file", "p-key.pem", "--peer-trusted-ca-file", "pca.pem",
       "--peer-client-cert-auth=true"}));
  ASSERT_TRUE(out.config.has_value()) << out.err;
  EXPECT_EQ(out.config->client_tls,
            (TlsInfo{"s.pem", "s-key.pem", "ca.pem", true}));
  EXPECT_EQ(out.config->peer_tls,
            (TlsInfo{"p.pem", "p-key.pem", "pca.pem", true}));
}

TEST_F(NodeConfigTlsTest, DefaultsAreNoTls) {
  ConfigOutcome out = Parse({});
  ASSERT_TRUE(out.config.has_value()) << out.err;
  EXPECT_EQ(out.config->client_tls, TlsInfo{});
  EXPECT_EQ(out.config->peer_tls, TlsInfo{});
  EXPECT_TRUE(out.config->client_tls.Empty());
}

TEST_F(NodeConfigTlsTest, FromTheEnvironment) {
  ConfigOutcome out =
      Parse(Urls("https", "http"), {{"CAIRN_CERT_FILE", "s.pem"},
                                    {"CAIRN_KEY_FILE", "k.pem"},
                                    {"CAIRN_CLIENT_CERT_AUTH", "true"},
                                    {"CAIRN_PEER_CLIENT_CERT_AUTH", "false"}});
  ASSERT_TRUE(out.config.has_value()) << out.err;
  EXPECT_EQ(out.config->client_tls, (TlsInfo{"s.pem", "k.pem", "", true}));
  EXPECT_FALSE(out.config->peer_tls.client_cert_auth);
  // The command line wins over the environment.
  out = Parse(With(Urls("http", "http"), {"--client-cert-auth=false"}),
              {{"CAIRN_CLIENT_CERT_AUTH", "true"}});
  ASSERT_TRUE(out.config.has_value()) << out.err;
  EXPECT_FALSE(out.config->client_tls.client_cert_auth);
}

TEST_F(NodeConfigTlsTest, HttpsClientUrlNeedsCertAndKey) {
  EXPECT_EQ(ErrorOf(Urls("https", "http")),
            "TLS key/cert (--cert-file, --key-file) must be provided for "
            "client url https://127.0.0.1:2379 with HTTPS scheme");
  // Peer files do not serve the client URLs.
  EXPECT_EQ(
      ErrorOf(With(Urls("https", "http"), {"--peer-cert-file", "p.pem",
                                           "--peer-key-file", "p-key.pem"})),
      "TLS key/cert (--cert-file, --key-file) must be provided for "
      "client url https://127.0.0.1:2379 with HTTPS scheme");
}

TEST_F(NodeConfigTlsTest, HttpsPeerUrlNeedsCertAndKey) {
  EXPECT_EQ(ErrorOf(Urls("http", "https")),
            "cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile "
            "are not presented");
  // etcd sets the peers up first: their error comes before the client's.
  EXPECT_EQ(ErrorOf(Urls("https", "https")),
            "cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile "
            "are not presented");
}

TEST_F(NodeConfigTlsTest, CertWithoutKeyOrKeyWithoutCert) {
  EXPECT_EQ(ErrorOf(With(Urls("https", "http"), {"--cert-file", "s.pem"})),
            "KeyFile and CertFile must both be present[key: , cert: s.pem]");
  EXPECT_EQ(ErrorOf(With(Urls("http", "http"), {"--key-file", "k.pem"})),
            "KeyFile and CertFile must both be present[key: k.pem, cert: ]");
  // etcd checks the peer pair even for http peer URLs (its transport
  // dials with it).
  EXPECT_EQ(
      ErrorOf(With(Urls("http", "http"), {"--peer-cert-file", "/nonexist"})),
      "KeyFile and CertFile must both be present[key: , cert: /nonexist]");
}

TEST_F(NodeConfigTlsTest, HttpUrlsWithTlsFilesAreFine) {
  ConfigOutcome out =
      Parse(With(Urls("http", "http"),
                 {"--cert-file", "s.pem", "--key-file", "k.pem",
                  "--client-cert-auth", "--trusted-ca-file", "ca.pem"}));
  ASSERT_TRUE(out.config.has_value()) << out.err;
}

TEST_F(NodeConfigTlsTest, BadBooleanIsAnError) {
  ConfigOutcome out =
      Parse(With(Urls("http", "http"), {"--client-cert-auth=maybe"}));
  EXPECT_FALSE(out.config.has_value());
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_NE(out.err.find("client-cert-auth"), std::string::npos) << out.err;
}

}  // namespace
}  // namespace cairn::node
