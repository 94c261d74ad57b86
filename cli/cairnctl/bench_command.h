// What the benchmark subcommands share (cmd_benchmark.cc,
// bench_streams.cc): their common flags, the checks on them, the
// connections to open and how a run's figures are printed. Edge code.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cairnctl/bench_events.h"
#include "cli/cairnctl/bench_runner.h"
#include "cli/cairnctl/command.h"

namespace cairn::ctl {

// Flags every benchmark subcommand has, with etcd's benchmark defaults.
struct BenchFlags {
  int clients = 1;
  int conns = 0;  // 0: one connection per client
  int64_t total = 10000;
  std::string duration;  // Go duration; replaces --total when given
  double rate = 0;
  int key_size = 8;
  int val_size = 8;
  int64_t key_space_size = 1;
  bool sequential_keys = false;
  CLI::Option* total_opt = nullptr;
  CLI::Option* duration_opt = nullptr;
};

// Adds --clients, --conns, --total, --duration and (with `rate`) --rate
// to `cmd`.
void AddBenchFlags(CLI::App* cmd, BenchFlags* f, bool rate = true);
// Adds --key-size, --val-size, --key-space-size and --sequential-keys.
void AddKeyFlags(CLI::App* cmd, BenchFlags* f);

// A checked run plan: RunOptions from the flags (progress on stderr when
// it is a terminal), or an ExitBadArgs error naming the bad flag.
std::optional<CommandError> PlanRun(const BenchFlags& f, RunOptions* plan);
// Checks the key flags: sizes >= 0 and a key size that can hold every
// key of the key space.
std::optional<CommandError> CheckKeyFlags(const BenchFlags& f);

// The key for index `i`: its decimal digits, zero-padded to `key_size`.
std::string BenchKey(int64_t i, int key_size);

// Checks -w (simple or json) before anything runs. ExitBadFeature else.
std::optional<CommandError> CheckBenchFormat(const Context& ctx);

// Opens `count` connections, spread over the endpoints in turn, after one
// round trip (a range of `probe_key`) has shown that the cluster answers.
// Errors: ClientError's, or the probe's error (exit 2 when unreachable).
std::optional<CommandError> OpenConns(
    Context& ctx, int count, const std::string& probe_key,
    std::vector<std::unique_ptr<GatewayClient>>* conns);

// Runs `request` as `plan` says over `count` connections, after the same
// probe as OpenConns: on one thread with epoll where the client options
// allow it (bench_events.h: plain HTTP, no user to log in again),
// otherwise a thread per client (RunLoad). Errors as OpenConns'.
std::optional<CommandError> RunRequests(Context& ctx, const RunOptions& plan,
                                        int count, const std::string& probe_key,
                                        const BenchRequest& request,
                                        LatencyStats* stats);

// Prints the figures in -w's format; a run with failed requests exits 1
// after its report.
std::optional<CommandError> PrintBench(Context& ctx, const LatencyStats& st,
                                       const std::string& operation);

// Makes `group` (benchmark, check) refuse an unknown subcommand: unlike
// etcdctl's groups, which print their help and succeed, a mistyped load
// test should fail a script. Without any word the group prints its help.
void RefuseUnknownSubcommand(CLI::App* group, const std::string& path,
                             CommandFn* selected);

// The two streaming benchmarks (bench_streams.cc).
void AddWatchLatencyBench(CLI::App* bench, CommandFn* selected);
void AddLeaseKeepaliveBench(CLI::App* bench, CommandFn* selected);

}  // namespace cairn::ctl
