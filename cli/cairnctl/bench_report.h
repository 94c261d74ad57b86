// The figures of a benchmark run and their text, as etcd's benchmark tool
// prints them (pkg/report: Summary, Response time histogram, Latency
// distribution, Error distribution), plus a JSON form for machines, the
// progress line, and etcdctl check perf's verdict. Edge code, but pure:
// no clock, no I/O; the runner (bench_runner.h) measures and passes the
// numbers in, so that tests can feed fixed latencies.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cli/cairnctl/gateway_client.h"

namespace cairn::ctl {

// etcd's report.Stats. Times are in seconds.
struct LatencyStats {
  double total_s = 0;    // from the start to the last successful answer
  double fastest_s = 0;  // 0 when nothing succeeded
  double slowest_s = 0;
  double average_s = 0;
  double stddev_s = 0;         // population standard deviation, as etcd
  double rps = 0;              // successful requests per second of total_s
  std::vector<double> lats_s;  // successful requests, sorted
  std::map<std::string, int64_t> errors;  // error text -> count
  bool aborted = false;  // the runner gave up after repeated errors
};

// Sorts `lats_s` and derives the figures. REQUIRES: total_s >= 0.
LatencyStats ComputeStats(std::vector<double> lats_s, double total_s,
                          std::map<std::string, int64_t> errors);

// etcd's percentile rule for a sorted list: the element at
// ceil(p*(n+1)/100)-1, clamped to the list; 0 for an empty list.
double Percentile(const std::vector<double>& sorted, double p);

// The percentiles etcd prints, in its order.
const std::vector<double>& ReportPercentiles();

// etcd's response time histogram: 11 bucket bounds from fastest to
// slowest in 10 equal steps; each latency is counted in the first bucket
// whose bound is not below it.
struct HistogramBucket {
  double upper_s = 0;
  int64_t count = 0;
};
std::vector<HistogramBucket> Histogram(const LatencyStats& stats);

// The text etcd's benchmark prints after a run ("%4.4f" precision): empty
// summary when nothing succeeded, then the error distribution if any.
std::string FormatReport(const LatencyStats& stats);

// The same figures for machines: {"operation", "requests", "errors",
// "total_seconds", "requests_per_second", "latency_ms": {min, avg,
// stddev, p10 ... p99.9, max}, "histogram": [{"upper_ms", "count"}],
// "error_distribution": {text: count}, "aborted"}.
Json ReportJson(const LatencyStats& stats, const std::string& operation);

// One progress line without a line end, in the look of the pb bar that
// etcd's tools use ("Bom !"): " 12 / 60 Booooom      !  20.00% 48s".
// `width` is the bar's width in cells; 0 leaves the bar out, as pb does
// when it cannot size a terminal. `remaining_s` < 0 leaves the time out.
std::string ProgressLine(int64_t done, int64_t total, int width,
                         double remaining_s);

// etcdctl check perf's workload models (etcdctl/ctlv3/command/check.go).
struct PerfLoad {
  std::string name;  // "s", "m", "l", "xl"
  int limit = 0;     // puts per second
  int clients = 0;
  int duration_s = 0;
};
// Accepts s/small, m/medium, l/large, xl/xLarge, as etcdctl; nullopt-like
// false for anything else.
bool FindPerfLoad(const std::string& text, PerfLoad* load);

// check perf's verdict lines, in etcdctl's words and order (errors,
// throughput, slowest, stddev, then PASS or FAIL), and whether it passed.
struct PerfVerdict {
  bool pass = true;
  std::string text;
};
PerfVerdict JudgePerf(const LatencyStats& stats, int limit);

}  // namespace cairn::ctl
