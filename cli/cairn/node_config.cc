#include "cli/cairn/node_config.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli/common/cli_main.h"
#include "core/api/url_check.h"

namespace cairn::node {

namespace {

// etcd refuses election timeouts above this (embed.maxElectionMs).
constexpr uint64_t kMaxElectionMs = 50000;

// Every flag is read as text and converted here, so that errors carry
// etcd's wording rather than CLI11's.
struct RawFlags {
  std::string name = "default";
  std::string data_dir;
  std::string listen_client_urls = "http://localhost:2379";
  std::string advertise_client_urls = "http://localhost:2379";
  std::string listen_grpc_urls;
  std::string listen_peer_urls = "http://localhost:2380";
  std::string initial_advertise_peer_urls = "http://localhost:2380";
  std::string initial_cluster;
  std::string initial_cluster_state = "new";
  std::string initial_cluster_token = "etcd-cluster";
  std::string heartbeat_interval = "100";
  std::string election_timeout = "1000";
  std::string snapshot_count = "100000";
  std::string quota_backend_bytes = "0";
  std::string max_request_bytes = "1572864";
  std::string disk_reserve_bytes = "0";
  std::string auto_compaction_mode = "periodic";
  std::string auto_compaction_retention = "0";
  std::string log_level = "info";
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  std::string peer_cert_file;
  std::string peer_key_file;
  std::string peer_trusted_ca_file;
  bool client_cert_auth = false;
  bool peer_client_cert_auth = false;
  bool initial_election_tick_advance = true;
  std::string auth_token = "simple";
  std::string auth_token_ttl = "300";
  std::string bcrypt_cost = "10";
};

struct FlagDesc {
  const char* name;
  std::string RawFlags::*field;
  const char* type;  // the value's name in --help
  const char* help;
};

const FlagDesc kFlags[] = {
    {"name", &RawFlags::name, "NAME", "Human-readable name for this member."},
    {"data-dir", &RawFlags::data_dir, "DIR",
     "Path to the data directory (default \"<name>.cairn\")."},
    {"listen-client-urls", &RawFlags::listen_client_urls, "URLS",
     "List of URLs to listen on for client traffic."},
    {"advertise-client-urls", &RawFlags::advertise_client_urls, "URLS",
     "List of this member's client URLs to advertise to the cluster."},
    {"listen-grpc-urls", &RawFlags::listen_grpc_urls, "URLS",
     "List of URLs to serve etcd's v3 gRPC API on alone (every service and "
     "stream; https:// with the client --cert-file and --key-file). Plain "
     "client URLs serve it too. Empty: none."},
    {"listen-peer-urls", &RawFlags::listen_peer_urls, "URLS",
     "List of URLs to listen on for peer traffic."},
    {"initial-advertise-peer-urls", &RawFlags::initial_advertise_peer_urls,
     "URLS", "List of this member's peer URLs to advertise to the cluster."},
    {"initial-cluster", &RawFlags::initial_cluster, "NAME=URL,...",
     "Initial cluster configuration for bootstrapping "
     "(default \"<name>=<initial-advertise-peer-urls>\")."},
    {"initial-cluster-state", &RawFlags::initial_cluster_state, "new|existing",
     "Initial cluster state ('new' or 'existing')."},
    {"initial-cluster-token", &RawFlags::initial_cluster_token, "TOKEN",
     "Initial cluster token for the cluster during bootstrap."},
    {"heartbeat-interval", &RawFlags::heartbeat_interval, "MS",
     "Time (in milliseconds) of a heartbeat interval."},
    {"election-timeout", &RawFlags::election_timeout, "MS",
     "Time (in milliseconds) for an election to timeout."},
    {"snapshot-count", &RawFlags::snapshot_count, "N",
     "Number of committed transactions to trigger a snapshot to disk."},
    {"quota-backend-bytes", &RawFlags::quota_backend_bytes, "BYTES",
     "Raise alarms when backend size exceeds the given quota "
     "(0 defaults to low space quota)."},
    {"max-request-bytes", &RawFlags::max_request_bytes, "BYTES",
     "Maximum client request size in bytes the server will accept."},
    {"disk-reserve-bytes", &RawFlags::disk_reserve_bytes, "BYTES",
     "Free space to keep on the data directory's file system: below it the "
     "member raises the NOSPACE alarm (0: 64 MiB + 2 * max-request-bytes)."},
    {"auto-compaction-mode", &RawFlags::auto_compaction_mode,
     "periodic|revision",
     "Interpret 'auto-compaction-retention' one of: periodic|revision."},
    {"auto-compaction-retention", &RawFlags::auto_compaction_retention, "VALUE",
     "Auto compaction retention for mvcc key value store. 0 means disable "
     "auto compaction."},
    {"auth-token", &RawFlags::auth_token, "simple",
     "Specify auth token specific options (only 'simple')."},
    {"auth-token-ttl", &RawFlags::auth_token_ttl, "SECONDS",
     "The lifetime in seconds of the auth token."},
    {"bcrypt-cost", &RawFlags::bcrypt_cost, "COST",
     "Specify bcrypt algorithm cost factor for auth password hashing."},
    {"log-level", &RawFlags::log_level, "LEVEL",
     "Configures log level. Only supports debug, info, warn, error, panic, "
     "or fatal."},
    {"cert-file", &RawFlags::cert_file, "FILE",
     "Path to the client server TLS cert file."},
    {"key-file", &RawFlags::key_file, "FILE",
     "Path to the client server TLS key file."},
    {"trusted-ca-file", &RawFlags::trusted_ca_file, "FILE",
     "Path to the client server TLS trusted CA cert file."},
    {"peer-cert-file", &RawFlags::peer_cert_file, "FILE",
     "Path to the peer server TLS cert file."},
    {"peer-key-file", &RawFlags::peer_key_file, "FILE",
     "Path to the peer server TLS key file."},
    {"peer-trusted-ca-file", &RawFlags::peer_trusted_ca_file, "FILE",
     "Path to the peer server TLS trusted CA file."},
};

// Boolean flags: given bare (--client-cert-auth) or with a value
// (--client-cert-auth=false).
struct BoolFlagDesc {
  const char* name;
  bool RawFlags::*field;
  const char* help;
};

const BoolFlagDesc kBoolFlags[] = {
    {"client-cert-auth", &RawFlags::client_cert_auth,
     "Enable client cert authentication."},
    {"peer-client-cert-auth", &RawFlags::peer_client_cert_auth,
     "Enable peer client cert authentication."},
    {"initial-election-tick-advance", &RawFlags::initial_election_tick_advance,
     "Whether to fast-forward initial election ticks on boot for faster "
     "election."},
};

std::string EnvName(const char* flag) {
  std::string env = "CAIRN_";
  for (const char* p = flag; *p != '\0'; ++p) {
    env += *p == '-' ? '_' : static_cast<char>(std::toupper(*p));
  }
  return env;
}

bool GivenOnCommandLine(const std::vector<std::string>& args,
                        const std::string& flag) {
  const std::string dashed = "--" + flag;
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) {
    return a == dashed || a.rfind(dashed + "=", 0) == 0;
  });
}

// Flags missing from the command line are taken from CAIRN_* variables by
// putting them in front of the given arguments.
std::vector<std::string> WithEnvironment(const std::vector<std::string>& args,
                                         const EnvLookup& env) {
  std::vector<std::string> out;
  auto take = [&](const char* name) {
    if (GivenOnCommandLine(args, name)) return;
    if (auto v = env(EnvName(name)); v.has_value()) {
      out.push_back(std::string("--") + name + "=" + *v);
    }
  };
  for (const FlagDesc& f : kFlags) take(f.name);
  for (const BoolFlagDesc& f : kBoolFlags) take(f.name);
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    out.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

Status BadValue(const char* flag, const std::string& value,
                const std::string& why) {
  return Status::InvalidArgument("invalid value \"" + value + "\" for flag -" +
                                 flag + ": " + why);
}

// Go's strconv-style unsigned parse of a whole string.
Result<uint64_t> ParseUint(const char* flag, const std::string& value) {
  uint64_t v = 0;
  auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size()) {
    return BadValue(flag, value, "parse error");
  }
  return v;
}

Result<std::vector<std::string>> ParseUrls(const char* flag,
                                           const std::string& value) {
  std::vector<std::string> urls = SplitList(value);
  Status s = api::CheckUrls(urls);
  if (!s.ok()) return BadValue(flag, value, s.message());
  return urls;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<std::vector<PeerSpec>> ParseInitialCluster(const std::string& text) {
  std::vector<PeerSpec> out;
  for (const std::string& entry : SplitList(text)) {
    size_t eq = entry.find('=');
    std::string name = eq == std::string::npos ? entry : entry.substr(0, eq);
    std::string url = eq == std::string::npos ? "" : entry.substr(eq + 1);
    Status s = api::CheckUrl(url);
    if (!s.ok()) return s;
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const PeerSpec& p) { return p.name == name; });
    if (it == out.end()) {
      out.push_back(PeerSpec{.name = name, .peer_urls = {url}});
    } else {
      it->peer_urls.push_back(url);
    }
  }
  return out;
}

namespace {

// A Go duration made of whole-number parts: "1h30m", "90s", "500ms".
std::optional<uint64_t> ParseDurationMs(const std::string& text) {
  struct Unit {
    const char* name;
    uint64_t ms;
  };
  const Unit units[] = {{"ms", 1}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
  uint64_t total = 0;
  size_t i = 0;
  if (text.empty()) return std::nullopt;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() &&
           std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
    }
    if (i == start) return std::nullopt;
    uint64_t n = std::stoull(text.substr(start, i - start));
    const Unit* unit = nullptr;
    for (const Unit& u : units) {
      if (text.compare(i, std::strlen(u.name), u.name) == 0) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    i += std::strlen(unit->name);
    total += n * unit->ms;
  }
  return total;
}

// etcd: a bare integer is hours in periodic mode and a revision count in
// revision mode; periodic mode also takes a duration ("30m").
Status ParseCompaction(const RawFlags& raw, NodeConfig& cfg) {
  if (raw.auto_compaction_mode == "periodic") {
    cfg.auto_compaction_mode = CompactionMode::kPeriodic;
  } else if (raw.auto_compaction_mode == "revision") {
    cfg.auto_compaction_mode = CompactionMode::kRevision;
  } else {
    return Status::InvalidArgument("unknown auto-compaction-mode \"" +
                                   raw.auto_compaction_mode + "\"");
  }
  const std::string& r = raw.auto_compaction_retention;
  Result<uint64_t> n = ParseUint("auto-compaction-retention", r);
  bool periodic = cfg.auto_compaction_mode == CompactionMode::kPeriodic;
  if (n.ok()) {
    cfg.auto_compaction_retention = periodic ? n.value() * 3600000 : n.value();
    return Status::Ok();
  }
  std::optional<uint64_t> ms = periodic ? ParseDurationMs(r) : std::nullopt;
  if (!ms.has_value()) {
    return Status::InvalidArgument("invalid auto-compaction-retention \"" + r +
                                   "\"");
  }
  cfg.auto_compaction_retention = *ms;
  return Status::Ok();
}

// etcd's checks of --heartbeat-interval and --election-timeout, in its
// order and words; ticks follow from them (one tick per heartbeat).
Status ParseTiming(const RawFlags& raw, NodeConfig& cfg) {
  Result<uint64_t> hb = ParseUint("heartbeat-interval", raw.heartbeat_interval);
  if (!hb.ok()) return hb.status();
  Result<uint64_t> et = ParseUint("election-timeout", raw.election_timeout);
  if (!et.ok()) return et.status();
  cfg.heartbeat_interval_ms = hb.value();
  cfg.election_timeout_ms = et.value();
  const std::string hb_text = std::to_string(hb.value());
  const std::string et_text = std::to_string(et.value());
  if (hb.value() == 0) {
    return Status::InvalidArgument(
        "--heartbeat-interval must be >0 (set to 0ms)");
  }
  if (5 * hb.value() > et.value()) {
    return Status::InvalidArgument(
        "--election-timeout[" + et_text +
        "ms] should be at least as 5 times as --heartbeat-interval[" + hb_text +
        "ms]");
  }
  if (et.value() > kMaxElectionMs) {
    return Status::InvalidArgument(
        "--election-timeout[" + et_text +
        "ms] is too long, and should be set less than 50000ms");
  }
  cfg.tick_ms = hb.value();
  cfg.heartbeat_ticks = 1;
  cfg.election_ticks = static_cast<int>(et.value() / hb.value());
  return Status::Ok();
}

Status ParseSizes(const RawFlags& raw, NodeConfig& cfg) {
  Result<uint64_t> snap = ParseUint("snapshot-count", raw.snapshot_count);
  if (!snap.ok()) return snap.status();
  Result<uint64_t> quota =
      ParseUint("quota-backend-bytes", raw.quota_backend_bytes);
  if (!quota.ok()) return quota.status();
  Result<uint64_t> max_req =
      ParseUint("max-request-bytes", raw.max_request_bytes);
  if (!max_req.ok()) return max_req.status();
  Result<uint64_t> reserve =
      ParseUint("disk-reserve-bytes", raw.disk_reserve_bytes);
  if (!reserve.ok()) return reserve.status();
  cfg.snapshot_count = snap.value();
  cfg.quota_backend_bytes = static_cast<int64_t>(quota.value());
  cfg.max_request_bytes = max_req.value();
  cfg.disk_reserve_bytes =
      reserve.value() > 0 ? reserve.value()
                          : (uint64_t{64} << 20) + 2 * cfg.max_request_bytes;
  // Auth (etcd: --auth-token, --auth-token-ttl, --bcrypt-cost).
  if (raw.auth_token != "simple") {
    return Status::InvalidArgument(
        "--auth-token: only 'simple' tokens are supported (got '" +
        raw.auth_token + "')");
  }
  Result<uint64_t> ttl = ParseUint("auth-token-ttl", raw.auth_token_ttl);
  if (!ttl.ok()) return ttl.status();
  Result<uint64_t> cost = ParseUint("bcrypt-cost", raw.bcrypt_cost);
  if (!cost.ok()) return cost.status();
  if (ttl.value() == 0 || ttl.value() > 1'000'000'000) {
    return Status::InvalidArgument("--auth-token-ttl must be >0");
  }
  if (cost.value() < 4 || cost.value() > 31) {
    return Status::InvalidArgument(
        "--bcrypt-cost must be between 4 and 31 (set to " + raw.bcrypt_cost +
        ")");
  }
  cfg.auth_token_ttl_s = ttl.value();
  cfg.bcrypt_cost = static_cast<int>(cost.value());
  return Status::Ok();
}

// --listen-grpc-urls: optional; https:// ones need the client TLS files
// (CheckTlsFlags).
Status ParseGrpcUrls(const std::string& value, NodeConfig& cfg) {
  cfg.listen_grpc_urls.clear();
  if (value.empty()) return Status::Ok();
  Result<std::vector<std::string>> urls = ParseUrls("listen-grpc-urls", value);
  if (!urls.ok()) return urls.status();
  cfg.listen_grpc_urls = std::move(urls).value();
  return Status::Ok();
}

Status ParseUrlFlags(const RawFlags& raw, NodeConfig& cfg) {
  struct UrlFlag {
    const char* name;
    const std::string& value;
    std::vector<std::string>& out;
  };
  const UrlFlag flags[] = {
      {"listen-peer-urls", raw.listen_peer_urls, cfg.listen_peer_urls},
      {"listen-client-urls", raw.listen_client_urls, cfg.listen_client_urls},
      {"initial-advertise-peer-urls", raw.initial_advertise_peer_urls,
       cfg.initial_advertise_peer_urls},
      {"advertise-client-urls", raw.advertise_client_urls,
       cfg.advertise_client_urls},
  };
  for (const UrlFlag& f : flags) {
    Result<std::vector<std::string>> urls = ParseUrls(f.name, f.value);
    if (!urls.ok()) return urls.status();
    f.out = std::move(urls).value();
  }
  return ParseGrpcUrls(raw.listen_grpc_urls, cfg);
}

std::string JoinUrls(std::vector<std::string> urls) {
  std::string out;
  for (size_t i = 0; i < urls.size(); ++i) out += (i ? "," : "") + urls[i];
  return out;
}

// The member's own entry must be in --initial-cluster with exactly its
// --initial-advertise-peer-urls (compared as sorted sets, as etcd does).
Status CheckOwnEntry(const NodeConfig& cfg) {
  auto it = std::find_if(cfg.initial_cluster.begin(), cfg.initial_cluster.end(),
                         [&](const PeerSpec& p) { return p.name == cfg.name; });
  if (it == cfg.initial_cluster.end()) {
    return Status::InvalidArgument("couldn't find local name \"" + cfg.name +
                                   "\" in the initial cluster configuration");
  }
  std::vector<std::string> want = it->peer_urls;
  std::vector<std::string> have = cfg.initial_advertise_peer_urls;
  std::sort(want.begin(), want.end());
  std::sort(have.begin(), have.end());
  if (want != have) {
    return Status::InvalidArgument(
        "--initial-cluster has " + cfg.name + "=" + JoinUrls(it->peer_urls) +
        " but missing from --initial-advertise-peer-urls=" +
        JoinUrls(cfg.initial_advertise_peer_urls));
  }
  return Status::Ok();
}

Status ParseCluster(const RawFlags& raw, NodeConfig& cfg) {
  if (raw.initial_cluster_state == "new") {
    cfg.initial_cluster_state = ClusterState::kNew;
  } else if (raw.initial_cluster_state == "existing") {
    cfg.initial_cluster_state = ClusterState::kExisting;
  } else {
    return BadValue("initial-cluster-state", raw.initial_cluster_state,
                    "invalid value");
  }
  cfg.initial_cluster_token = raw.initial_cluster_token;
  std::string text = raw.initial_cluster;
  if (text.empty()) {
    for (const auto& u : cfg.initial_advertise_peer_urls) {
      text += (text.empty() ? "" : ",") + cfg.name + "=" + u;
    }
  }
  Result<std::vector<PeerSpec>> cluster = ParseInitialCluster(text);
  if (!cluster.ok()) {
    return Status::InvalidArgument("error setting up initial cluster: " +
                                   cluster.status().message());
  }
  cfg.initial_cluster = std::move(cluster).value();
  return CheckOwnEntry(cfg);
}

// Flag-level checks are reported as etcd's "error verifying flags"; the
// cluster checks come later in etcd and are reported bare.
Result<NodeConfig> Convert(const RawFlags& raw) {
  NodeConfig cfg;
  cfg.name = raw.name;
  cfg.data_dir = raw.data_dir.empty() ? raw.name + ".cairn" : raw.data_dir;
  std::optional<LogLevel> level = ParseLogLevel(raw.log_level);
  if (!level.has_value()) {
    return BadValue("log-level", raw.log_level,
                    "want debug, info, warn, error, panic, or fatal");
  }
  cfg.log_level = *level;
  for (auto step : {ParseUrlFlags, ParseSizes}) {
    if (Status s = step(raw, cfg); !s.ok()) return s;
  }
  for (auto step : {ParseTiming, ParseCompaction}) {
    if (Status s = step(raw, cfg); !s.ok()) {
      return Status::InvalidArgument("error verifying flags, " + s.message() +
                                     ". See 'cairn --help'.");
    }
  }
  if (Status s = ParseCluster(raw, cfg); !s.ok()) return s;
  cfg.initial_election_tick_advance = raw.initial_election_tick_advance;
  cfg.client_tls = TlsInfo{.cert_file = raw.cert_file,
                           .key_file = raw.key_file,
                           .trusted_ca_file = raw.trusted_ca_file,
                           .client_cert_auth = raw.client_cert_auth};
  cfg.peer_tls = TlsInfo{.cert_file = raw.peer_cert_file,
                         .key_file = raw.peer_key_file,
                         .trusted_ca_file = raw.peer_trusted_ca_file,
                         .client_cert_auth = raw.peer_client_cert_auth};
  if (Status s = CheckTlsFlags(cfg); !s.ok()) return s;
  return cfg;
}

Status BothOrNeither(const TlsInfo& tls) {
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return Status::InvalidArgument(
        "KeyFile and CertFile must both be present[key: " + tls.key_file +
        ", cert: " + tls.cert_file + "]");
  }
  return Status::Ok();
}

bool IsHttps(const std::string& url) { return url.rfind("https://", 0) == 0; }

}  // namespace

Status CheckLocalMember(const NodeConfig& cfg) { return CheckOwnEntry(cfg); }

// etcd sets up the peer listeners (and transport) before the client ones.
Status CheckTlsFlags(const NodeConfig& cfg) {
  if (Status s = BothOrNeither(cfg.peer_tls); !s.ok()) return s;
  for (const std::string& url : cfg.listen_peer_urls) {
    if (IsHttps(url) && cfg.peer_tls.Empty()) {
      return Status::InvalidArgument(
          "cannot listen on TLS for " + url.substr(8) +
          ": KeyFile and CertFile are not presented");
    }
  }
  std::vector<std::string> client_urls = cfg.listen_client_urls;
  client_urls.insert(client_urls.end(), cfg.listen_grpc_urls.begin(),
                     cfg.listen_grpc_urls.end());
  for (const std::string& url : client_urls) {
    if (IsHttps(url) && cfg.client_tls.Empty()) {
      return Status::InvalidArgument(
          "TLS key/cert (--cert-file, --key-file) must be provided for "
          "client url " +
          url + " with HTTPS scheme");
    }
  }
  return BothOrNeither(cfg.client_tls);
}

ConfigOutcome ParseNodeConfig(const std::vector<std::string>& args,
                              const EnvLookup& env) {
  CLI::App app{
      "cairn: a replicated key-value store that speaks etcd's v3 API.\n"
      "Every flag can also be set through CAIRN_<FLAG> (upper case, '-' as "
      "'_'), e.g. CAIRN_INITIAL_CLUSTER; a flag on the command line wins.",
      "cairn"};
  cli::AddVersionFlag(app, "cairn");
  RawFlags raw;
  for (const FlagDesc& f : kFlags) {
    app.add_option(std::string("--") + f.name, raw.*(f.field), f.help)
        ->type_name(f.type)
        ->capture_default_str();
  }
  for (const BoolFlagDesc& f : kBoolFlags) {
    app.add_flag(std::string("--") + f.name, raw.*(f.field), f.help);
  }
  std::vector<std::string> full = WithEnvironment(args, env);
  std::reverse(full.begin(), full.end());  // CLI11 takes them reversed
  ConfigOutcome out;
  try {
    app.parse(full);
  } catch (const CLI::CallForHelp&) {
    out.out = app.help();
    return out;
  } catch (const CLI::CallForVersion& e) {
    out.out = std::string(e.what()) + "\n";
    return out;
  } catch (const CLI::ParseError& e) {
    out.exit_code = 1;
    out.err = e.what();
    return out;
  }
  Result<NodeConfig> cfg = Convert(raw);
  if (!cfg.ok()) {
    out.exit_code = 1;
    out.err = cfg.status().message();
    return out;
  }
  out.config = std::move(cfg).value();
  return out;
}

Status PrepareDataDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return Status::IOError("cannot access data directory: mkdir " + dir + ": " +
                           ec.message());
  }
  if (!fs::is_directory(dir, ec)) {
    return Status::IOError("cannot access data directory: " + dir +
                           " is not a directory");
  }
  // etcd checks that it can write (fileutil.IsDirWriteable): so do we.
  const fs::path probe = fs::path(dir) / ".touch";
  {
    std::ofstream f(probe);
    if (!f) {
      return Status::IOError("cannot access data directory: " + dir +
                             " is not writable");
    }
  }
  fs::remove(probe, ec);
  return Status::Ok();
}

}  // namespace cairn::node
