// cairnctl benchmark put|range|txn-put|watch-latency|lease-keepalive: the
// load tests of etcd's benchmark tool (tools/benchmark), with its flags,
// defaults and report, over the v3 JSON gateway so that one client
// measures cairn and etcd alike. This file holds the shared flag handling
// and the three request/response benchmarks; bench_streams.cc the two that
// use streams.
#include <unistd.h>

#include <random>

#include "cli/cairnctl/bench_command.h"
#include "core/api/base64.h"

namespace cairn::ctl {

void AddBenchFlags(CLI::App* cmd, BenchFlags* f, bool rate) {
  cmd->add_option("--clients", f->clients, "Total number of clients")
      ->capture_default_str();
  cmd->add_option("--conns", f->conns,
                  "Total number of HTTP connections (0: one per client; "
                  "clients sharing a connection take turns)")
      ->capture_default_str();
  f->total_opt =
      cmd->add_option("--total", f->total, "Total number of requests")
          ->capture_default_str();
  f->duration_opt = cmd->add_option(
      "--duration", f->duration,
      "Run for this long (e.g. 10s) instead of --total requests");
  f->total_opt->excludes(f->duration_opt);
  if (!rate) return;
  cmd->add_option("--rate", f->rate,
                  "Maximum requests per second (0 is no limit)")
      ->capture_default_str();
}

void AddKeyFlags(CLI::App* cmd, BenchFlags* f) {
  cmd->add_option("--key-size", f->key_size, "Key size of each request")
      ->capture_default_str();
  cmd->add_option("--val-size", f->val_size, "Value size of each request")
      ->capture_default_str();
  cmd->add_option("--key-space-size", f->key_space_size,
                  "Maximum possible keys")
      ->capture_default_str();
  cmd->add_flag("--sequential-keys", f->sequential_keys, "Use sequential keys");
}

std::optional<CommandError> PlanRun(const BenchFlags& f, RunOptions* plan) {
  auto bad = [](const std::string& m) { return CommandError{kExitBadArgs, m}; };
  if (f.clients < 1) {
    return bad("expected positive --clients, got " + std::to_string(f.clients));
  }
  if (f.conns < 0) {
    return bad("expected --conns >= 0, got " + std::to_string(f.conns));
  }
  if (f.rate < 0) return bad("expected --rate >= 0");
  plan->clients = f.clients;
  plan->rate = f.rate;
  if (!f.duration.empty()) {
    Result<std::chrono::nanoseconds> d = ParseGoDuration(f.duration);
    if (!d.ok()) return bad("bad --duration: " + d.status().message());
    if (d.value().count() <= 0) {
      return bad("expected positive --duration, got " + f.duration);
    }
    plan->duration = d.value();
    plan->total = 0;
  } else {
    if (f.total < 1) {
      return bad("expected positive --total, got " + std::to_string(f.total));
    }
    plan->total = f.total;
  }
  plan->progress = isatty(STDERR_FILENO) ? &std::cerr : nullptr;
  plan->tty = true;
  // A dead cluster ends the run after a few failed rounds of all clients.
  plan->max_consecutive_errors = std::max<int64_t>(100, 4 * f.clients);
  return std::nullopt;
}

std::optional<CommandError> CheckKeyFlags(const BenchFlags& f) {
  if (f.key_size < 1 || f.val_size < 0) {
    return CommandError{kExitBadArgs,
                        "expected --key-size >= 1 and --val-size >= 0"};
  }
  if (f.key_space_size < 1) {
    return CommandError{kExitBadArgs,
                        "expected positive --key-space-size, got (" +
                            std::to_string(f.key_space_size) + ")"};
  }
  const size_t digits = std::to_string(f.key_space_size - 1).size();
  if (digits > size_t(f.key_size)) {
    return CommandError{kExitBadArgs,
                        "--key-size " + std::to_string(f.key_size) +
                            " cannot hold " + std::to_string(f.key_space_size) +
                            " distinct keys"};
  }
  return std::nullopt;
}

std::string BenchKey(int64_t i, int key_size) {
  std::string digits = std::to_string(i);
  if (digits.size() >= size_t(key_size)) return digits;
  return std::string(size_t(key_size) - digits.size(), '0') + digits;
}

std::optional<CommandError> CheckBenchFormat(const Context& ctx) {
  const std::string& w = ctx.flags().write_out;
  if (w == "simple" || w == "json") return std::nullopt;
  return CommandError{kExitBadFeature,
                      "benchmark prints simple or json, not \"" + w + "\""};
}

namespace {

// One round trip (a range of `probe_key`) that shows the cluster answers.
Result<GatewayClient*> Probe(Context& ctx, const std::string& probe_key,
                             std::optional<CommandError>* error) {
  Result<GatewayClient*> main = ctx.Client();
  if (!main.ok()) {
    *error = ClientError(main.status());
    return main;
  }
  Result<Json> probe = main.value()->Call(
      "/v3/kv/range",
      Json{{"key", api::EncodeBase64(probe_key)}, {"limit", "1"}});
  if (!probe.ok()) {
    *error = ErrorFrom(probe.status(), probe.status().code() == Code::kTimeout
                                           ? kExitBadConnection
                                           : kExitError);
    return probe.status();
  }
  return main;
}

// `count` connections, spread over `main`'s endpoints in turn.
std::optional<CommandError> ConnsLike(
    Context& ctx, const GatewayClient& main, int count,
    std::vector<std::unique_ptr<GatewayClient>>* conns) {
  const std::vector<Endpoint>& eps = main.endpoints();
  for (int i = 0; i < count; ++i) {
    Result<std::unique_ptr<GatewayClient>> c =
        ctx.NewClientFor({eps[size_t(i) % eps.size()].text});
    if (!c.ok()) return ClientError(c.status());
    conns->push_back(std::move(c).value());
  }
  return std::nullopt;
}

}  // namespace

std::optional<CommandError> OpenConns(
    Context& ctx, int count, const std::string& probe_key,
    std::vector<std::unique_ptr<GatewayClient>>* conns) {
  std::optional<CommandError> error;
  Result<GatewayClient*> main = Probe(ctx, probe_key, &error);
  if (!main.ok()) return error;
  return ConnsLike(ctx, *main.value(), count, conns);
}

std::optional<CommandError> RunRequests(Context& ctx, const RunOptions& plan,
                                        int count, const std::string& probe_key,
                                        const BenchRequest& request,
                                        LatencyStats* stats) {
  std::optional<CommandError> error;
  Result<GatewayClient*> main = Probe(ctx, probe_key, &error);
  if (!main.ok()) return error;
  const ClientOptions& options = main.value()->options();
  if (EventLoadFits(options)) {
    *stats =
        RunEventLoad(plan, options, main.value()->endpoints(), count, request);
    return std::nullopt;
  }
  std::vector<std::unique_ptr<GatewayClient>> conns;
  if (auto e = ConnsLike(ctx, *main.value(), count, &conns)) return e;
  *stats = RunLoad(
      plan, conns, [&request](GatewayClient& c, int client, int64_t seq) {
        Result<Json> r = c.Call(request.path, request.body(client, seq));
        return r.ok() ? Status::Ok() : r.status();
      });
  return std::nullopt;
}

std::optional<CommandError> PrintBench(Context& ctx, const LatencyStats& st,
                                       const std::string& operation) {
  if (ctx.flags().write_out == "json") {
    ctx.out() << ReportJson(st, operation).dump(2) << "\n";
  } else {
    ctx.out() << FormatReport(st) << "\n";
  }
  int64_t failed = 0;
  for (const auto& [text, n] : st.errors) failed += n;
  if (failed == 0 && !st.aborted) return std::nullopt;
  return CommandError{kExitError,
                      std::to_string(failed) + " of " +
                          std::to_string(failed + int64_t(st.lats_s.size())) +
                          " requests failed"};
}

void RefuseUnknownSubcommand(CLI::App* group, const std::string& path,
                             CommandFn* selected) {
  group->callback([group, path, selected] {
    if (*selected) return;  // a subcommand was named
    // The words are read when the command runs: the app still exists, and
    // by then parsing has sorted every word.
    *selected = [group, path](Context& ctx) -> std::optional<CommandError> {
      std::vector<std::string> rest = group->remaining();
      for (const std::string& w : group->get_parent()->remaining()) {
        rest.push_back(w);
      }
      if (rest.empty()) {
        ctx.out() << group->help();
        return std::nullopt;
      }
      return CommandError{kExitError, "unknown command \"" + rest[0] +
                                          "\" for \"" + path + "\""};
    };
  });
}

namespace {

int ConnCount(const BenchFlags& f) {
  return f.conns > 0 ? std::min(f.conns, f.clients) : f.clients;
}

// The key a request writes: the next one in turn with --sequential-keys,
// otherwise a random one of the key space.
class KeyPicker {
 public:
  explicit KeyPicker(const BenchFlags& f)
      : f_(f), rng_(std::random_device{}()) {}
  std::string Pick(int64_t seq) {
    const int64_t i = f_.sequential_keys
                          ? seq % f_.key_space_size
                          : std::uniform_int_distribution<int64_t>(
                                0, f_.key_space_size - 1)(rng_);
    return BenchKey(i, f_.key_size);
  }

 private:
  const BenchFlags& f_;
  std::mt19937_64 rng_;
};

// Runs a checked plan of `op` on fresh connections and prints it.
std::optional<CommandError> RunAndPrint(Context& ctx, const BenchFlags& f,
                                        const std::string& probe_key,
                                        const std::string& operation,
                                        const BenchRequest& request) {
  RunOptions plan;
  if (auto e = PlanRun(f, &plan)) return e;
  if (auto e = CheckBenchFormat(ctx)) return e;
  LatencyStats st;
  if (auto e = RunRequests(ctx, plan, ConnCount(f), probe_key, request, &st)) {
    return e;
  }
  return PrintBench(ctx, st, operation);
}

void AddPut(CLI::App* bench, CommandFn* selected) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* cmd = bench->add_subcommand("put", "Benchmark put");
  AddBenchFlags(cmd, f.get());
  AddKeyFlags(cmd, f.get());
  cmd->callback([selected, f] {
    *selected = [f](Context& ctx) -> std::optional<CommandError> {
      if (auto e = CheckKeyFlags(*f)) return e;
      const std::string value =
          api::EncodeBase64(std::string(size_t(f->val_size), 'v'));
      auto pickers = std::make_shared<std::vector<KeyPicker>>(
          size_t(f->clients), KeyPicker(*f));
      return RunAndPrint(
          ctx, *f, BenchKey(0, f->key_size), "put",
          {"/v3/kv/put", [value, pickers](int client, int64_t seq) {
             const std::string key = (*pickers)[size_t(client)].Pick(seq);
             return Json{{"key", api::EncodeBase64(key)}, {"value", value}};
           }});
    };
  });
}

struct RangeFlags {
  BenchFlags bench;
  std::string consistency = "l";
  int64_t limit = 0;
  bool count_only = false;
  std::vector<std::string> args;
};

void AddRange(CLI::App* bench, CommandFn* selected) {
  auto f = std::make_shared<RangeFlags>();
  CLI::App* cmd =
      bench->add_subcommand("range", "Benchmark range (key [end-range])");
  AddBenchFlags(cmd, &f->bench);
  cmd->add_option("--consistency", f->consistency,
                  "Linearizable(l) or Serializable(s)")
      ->capture_default_str();
  cmd->add_option("--limit", f->limit, "Maximum number of results to return")
      ->capture_default_str();
  cmd->add_flag("--count-only", f->count_only,
                "Only returns the count of keys");
  cmd->add_option("key", f->args, "<key> [end-range]");
  cmd->callback([selected, f] {
    *selected = [f](Context& ctx) -> std::optional<CommandError> {
      if (f->args.empty() || f->args.size() > 2) {
        return CommandError{kExitBadArgs,
                            "range needs a key and an optional end-range"};
      }
      if (f->consistency != "l" && f->consistency != "s") {
        return CommandError{kExitBadArgs, "unknown consistency flag \"" +
                                              f->consistency + "\""};
      }
      Json body = {{"key", api::EncodeBase64(f->args[0])}};
      if (f->args.size() == 2) {
        body["range_end"] = api::EncodeBase64(f->args[1]);
      }
      if (f->consistency == "s") body["serializable"] = true;
      if (f->limit > 0) body["limit"] = std::to_string(f->limit);
      if (f->count_only) body["count_only"] = true;
      return RunAndPrint(
          ctx, f->bench, f->args[0], "range",
          {"/v3/kv/range", [body](int, int64_t) { return body; }});
    };
  });
}

void AddTxnPut(CLI::App* bench, CommandFn* selected) {
  auto f = std::make_shared<BenchFlags>();
  auto ops = std::make_shared<int>(1);
  CLI::App* cmd = bench->add_subcommand("txn-put", "Benchmark txn-put");
  AddBenchFlags(cmd, f.get());
  AddKeyFlags(cmd, f.get());
  cmd->add_option("--txn-ops", *ops, "Number of puts per txn")
      ->capture_default_str();
  cmd->callback([selected, f, ops] {
    *selected = [f, ops](Context& ctx) -> std::optional<CommandError> {
      if (auto e = CheckKeyFlags(*f)) return e;
      if (*ops < 1 || *ops > f->key_space_size) {
        // A txn may not put one key twice.
        return CommandError{kExitBadArgs,
                            "expected 1 <= --txn-ops <= --key-space-size"};
      }
      const std::string value =
          api::EncodeBase64(std::string(size_t(f->val_size), 'v'));
      const int n = *ops;
      return RunAndPrint(
          ctx, *f, BenchKey(0, f->key_size), "txn-put",
          {"/v3/kv/txn", [f, value, n](int, int64_t seq) {
             // etcd's txn-put: the keys of a txn follow each other.
             Json success = Json::array();
             for (int j = 0; j < n; ++j) {
               const int64_t k = (seq * n + j) % f->key_space_size;
               success.push_back(
                   {{"request_put",
                     {{"key", api::EncodeBase64(BenchKey(k, f->key_size))},
                      {"value", value}}}});
             }
             return Json{{"success", std::move(success)}};
           }});
    };
  });
}

}  // namespace

void AddBenchmarkCommand(Registry reg) {
  CLI::App* bench = reg.app.add_subcommand(
      "benchmark",
      "Load tests as etcd's benchmark tool (put, range, txn-put, "
      "watch-latency, lease-keepalive)");
  bench->allow_extras();  // judged by RefuseUnknownSubcommand
  AddPut(bench, reg.selected);
  AddRange(bench, reg.selected);
  AddTxnPut(bench, reg.selected);
  AddWatchLatencyBench(bench, reg.selected);
  AddLeaseKeepaliveBench(bench, reg.selected);
  RefuseUnknownSubcommand(bench, "cairnctl benchmark", reg.selected);
}

}  // namespace cairn::ctl
