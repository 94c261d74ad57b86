// cairnctl check perf: etcdctl 3.4's check perf
// (etcdctl/ctlv3/command/check.go). For the --load model's duration (60
// s) its clients put random 256-byte keys under --prefix with 1 KiB
// values, at most the model's rate in all; then the keys are deleted
// (and the store compacted and defragmented when asked), and the run
// passes when there were no errors, the throughput was above 90% of the
// rate, the slowest put took 500 ms or less and the standard deviation
// was 100 ms or less. Same texts and exit codes as etcdctl.
#include <unistd.h>

#include <random>

#include "cli/cairnctl/bench_command.h"
#include "cli/cairnctl/printer.h"
#include "core/api/base64.h"

namespace cairn::ctl {

namespace {

struct CheckPerfFlags {
  std::string load = "s";
  std::string prefix = "/etcdctl-check-perf/";
  bool auto_compact = false;
  bool auto_defrag = false;
  // Not in etcdctl: a shorter run, for tests (the model's 60 s otherwise).
  std::string duration;
};

// etcd's key: the prefix, then a 256-byte buffer holding a random
// varint at its start (zeros after it).
std::string PerfKey(const std::string& prefix, std::mt19937_64& rng) {
  std::string k(256, '\0');
  const int64_t x = int64_t(rng() >> 1);
  // binary.PutVarint: zig-zag, then 7 bits a byte.
  uint64_t ux = uint64_t(x) << 1;
  if (x < 0) ux = ~ux;
  size_t i = 0;
  while (ux >= 0x80) {
    k[i++] = char(uint8_t(ux) | 0x80);
    ux >>= 7;
  }
  k[i] = char(uint8_t(ux));
  return prefix + k;
}

// Deletes the prefix, then compacts and defragments when asked, with
// etcdctl's compact() and defrag() texts (ctlv3/command/util.go).
std::optional<CommandError> Cleanup(Context& ctx, GatewayClient& client,
                                    const CheckPerfFlags& f) {
  Result<Json> del = client.Call(
      "/v3/kv/deleterange",
      Json{{"key", api::EncodeBase64(f.prefix)},
           {"range_end", api::EncodeBase64(PrefixRangeEnd(f.prefix))}});
  if (!del.ok()) return ErrorFrom(del.status());
  if (f.auto_compact) {
    const int64_t rev = JsonInt(JsonField(del.value(), "header"), "revision");
    ctx.out() << "Compacting with revision " << rev << "\n";
    Result<Json> c = client.Call(
        "/v3/kv/compaction",
        Json{{"revision", std::to_string(rev)}, {"physical", true}});
    if (!c.ok()) return ErrorFrom(c.status());
    ctx.out() << "Compacted with revision " << rev << "\n";
  }
  if (f.auto_defrag) {
    for (size_t i = 0; i < client.endpoints().size(); ++i) {
      const std::string ep = "\"" + client.endpoints()[i].text + "\"";
      ctx.out() << "Defragmenting " << ep << "\n";
      Result<Json> d =
          client.CallEndpoint(i, "/v3/maintenance/defragment", Json::object());
      if (!d.ok()) return ErrorFrom(d.status());
      ctx.out() << "Defragmented " << ep << "\n";
    }
  }
  return std::nullopt;
}

std::optional<CommandError> CheckPerf(Context& ctx, const CheckPerfFlags& f) {
  PerfLoad load;
  if (!FindPerfLoad(f.load, &load)) {
    return CommandError{kExitBadFeature, "unknown load option " + f.load};
  }
  RunOptions plan;
  plan.clients = load.clients;
  plan.rate = load.limit;
  plan.duration = std::chrono::seconds(load.duration_s);
  if (!f.duration.empty()) {
    Result<std::chrono::nanoseconds> d = ParseGoDuration(f.duration);
    if (!d.ok() || d.value().count() <= 0) {
      return CommandError{kExitBadArgs, "bad --duration " + f.duration};
    }
    plan.duration = d.value();
  }
  plan.progress = &ctx.out();
  plan.tty = isatty(STDOUT_FILENO) != 0;
  plan.max_consecutive_errors = std::max(100, 4 * load.clients);
  Result<GatewayClient*> main = ctx.Client();
  if (!main.ok()) return ClientError(main.status());
  Result<Json> probe = main.value()->Call(
      "/v3/kv/range",
      Json{{"key", api::EncodeBase64(f.prefix)},
           {"range_end", api::EncodeBase64(PrefixRangeEnd(f.prefix))},
           {"limit", "1"}});
  if (!probe.ok()) return ErrorFrom(probe.status());
  if (!probe.value().value("kvs", Json::array()).empty()) {
    return CommandError{kExitInvalidInput,
                        "prefix \"" + f.prefix +
                            "\" has keys. Delete with etcdctl del --prefix " +
                            f.prefix + " first"};
  }
  const std::string value = api::EncodeBase64(std::string(1024, '\0'));
  auto rngs = std::make_shared<std::vector<std::mt19937_64>>();
  std::random_device seed;
  for (int c = 0; c < load.clients; ++c) rngs->emplace_back(seed());
  LatencyStats st;
  const BenchRequest put{
      "/v3/kv/put", [&f, &value, rngs](int client, int64_t) {
        const std::string key = PerfKey(f.prefix, (*rngs)[size_t(client)]);
        return Json{{"key", api::EncodeBase64(key)}, {"value", value}};
      }};
  if (auto e = RunRequests(ctx, plan, load.clients, f.prefix, put, &st)) {
    return e;
  }
  if (auto e = Cleanup(ctx, *main.value(), f)) return e;
  const PerfVerdict v = JudgePerf(st, load.limit);
  ctx.out() << v.text;
  if (!v.pass) return CommandError{kExitError, ""};
  return std::nullopt;
}

}  // namespace

void AddCheckCommand(Registry reg) {
  CLI::App* check = reg.app.add_subcommand(
      "check", "commands for checking properties of the etcd cluster");
  check->allow_extras();  // judged by RefuseUnknownSubcommand
  auto f = std::make_shared<CheckPerfFlags>();
  CLI::App* perf = check->add_subcommand(
      "perf", "Check the performance of the etcd cluster");
  perf->add_option("--load", f->load,
                   "The performance check's workload model. Accepted "
                   "workloads: s(small), m(medium), l(large), xl(xLarge)")
      ->capture_default_str();
  perf->add_option("--prefix", f->prefix,
                   "The prefix for writing the performance check's keys.")
      ->capture_default_str();
  perf->add_flag("--auto-compact", f->auto_compact,
                 "Compact storage with last revision after test is finished.");
  perf->add_flag("--auto-defrag", f->auto_defrag,
                 "Defragment storage after test is finished.");
  perf->add_option("--duration", f->duration,
                   "Run for this long instead of the model's 60s (cairnctl "
                   "only; for quick checks)");
  CommandFn* selected = reg.selected;
  perf->callback([selected, f] {
    *selected = [f](Context& ctx) -> std::optional<CommandError> {
      return CheckPerf(ctx, *f);
    };
  });
  RefuseUnknownSubcommand(check, "cairnctl check", selected);
}

}  // namespace cairn::ctl
