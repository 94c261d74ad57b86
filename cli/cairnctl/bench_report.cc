#include "cli/cairnctl/bench_report.h"

#include <algorithm>
#include <cmath>

#include "core/util/strings.h"

namespace cairn::ctl {

namespace {

// etcd's barChar.
constexpr const char* kBarChar = "\xe2\x88\x8e";  // U+220E

// Go's %v for the percentile labels: "10", "99.9".
std::string PercentLabel(double p) {
  if (p == std::floor(p)) return StrFormat("%.0f", p);
  return StrFormat("%g", p);
}

std::string Seconds(double s) { return StrFormat("%4.4f secs.", s); }

}  // namespace

LatencyStats ComputeStats(std::vector<double> lats_s, double total_s,
                          std::map<std::string, int64_t> errors) {
  LatencyStats st;
  st.total_s = total_s;
  st.errors = std::move(errors);
  std::sort(lats_s.begin(), lats_s.end());
  st.lats_s = std::move(lats_s);
  const size_t n = st.lats_s.size();
  if (n == 0) return st;
  double sum = 0;
  for (double l : st.lats_s) sum += l;
  st.average_s = sum / double(n);
  double var = 0;
  for (double l : st.lats_s) var += (l - st.average_s) * (l - st.average_s);
  st.stddev_s = std::sqrt(var / double(n));
  st.fastest_s = st.lats_s.front();
  st.slowest_s = st.lats_s.back();
  st.rps = total_s > 0 ? double(n) / total_s : 0;
  return st;
}

double Percentile(const std::vector<double>& sorted, double p) {
  const size_t n = sorted.size();
  if (n == 0) return 0;
  const double pos = std::ceil(p * double(n + 1) / 100.0) - 1;
  size_t idx = pos < 0 ? 0 : size_t(pos);
  if (idx >= n) idx = n - 1;
  return sorted[idx];
}

const std::vector<double>& ReportPercentiles() {
  static const std::vector<double> kPercentiles = {10, 25, 50, 75,
                                                   90, 95, 99, 99.9};
  return kPercentiles;
}

std::vector<HistogramBucket> Histogram(const LatencyStats& stats) {
  constexpr int kBuckets = 10;
  std::vector<HistogramBucket> b(kBuckets + 1);
  const double step = (stats.slowest_s - stats.fastest_s) / kBuckets;
  for (int i = 0; i < kBuckets; ++i) {
    b[size_t(i)].upper_s = stats.fastest_s + step * i;
  }
  b[kBuckets].upper_s = stats.slowest_s;
  // The latencies are sorted: walk both lists once, as etcd does.
  size_t bi = 0;
  for (size_t i = 0; i < stats.lats_s.size();) {
    if (stats.lats_s[i] <= b[bi].upper_s) {
      ++b[bi].count;
      ++i;
    } else if (bi + 1 < b.size()) {
      ++bi;
    } else {
      // Unreachable with a sorted list whose last element is slowest_s;
      // count the rest in the last bucket rather than loop forever.
      b[bi].count += int64_t(stats.lats_s.size() - i);
      break;
    }
  }
  return b;
}

std::string FormatReport(const LatencyStats& stats) {
  std::string s;
  if (!stats.lats_s.empty()) {
    s += "\nSummary:\n";
    s += "  Total:\t" + Seconds(stats.total_s) + "\n";
    s += "  Slowest:\t" + Seconds(stats.slowest_s) + "\n";
    s += "  Fastest:\t" + Seconds(stats.fastest_s) + "\n";
    s += "  Average:\t" + Seconds(stats.average_s) + "\n";
    s += "  Stddev:\t" + Seconds(stats.stddev_s) + "\n";
    s += StrFormat("  Requests/sec:\t%4.4f\n", stats.rps);
    const std::vector<HistogramBucket> hist = Histogram(stats);
    int64_t max = 0;
    for (const HistogramBucket& b : hist) max = std::max(max, b.count);
    s += "\nResponse time histogram:\n";
    for (const HistogramBucket& b : hist) {
      const int64_t bar = max > 0 ? b.count * 40 / max : 0;
      std::string bars;
      for (int64_t i = 0; i < bar; ++i) bars += kBarChar;
      s += StrFormat("  %4.4f [%lld]\t|", b.upper_s, (long long)b.count) +
           bars + "\n";
    }
    s += "\nLatency distribution:\n";
    for (double p : ReportPercentiles()) {
      const double v = Percentile(stats.lats_s, p);
      if (v > 0) {
        s += "  " + PercentLabel(p) + StrFormat("%% in %.3f ms.\n", v * 1000);
      }
    }
  }
  if (!stats.errors.empty()) {
    s += "\nError distribution:\n";
    for (const auto& [text, count] : stats.errors) {
      s += StrFormat("  [%lld]\t", (long long)count) + text + "\n";
    }
  }
  if (stats.aborted) {
    s += "\nAborted: too many consecutive errors.\n";
  }
  return s;
}

Json ReportJson(const LatencyStats& stats, const std::string& operation) {
  int64_t errors = 0;
  for (const auto& [text, count] : stats.errors) errors += count;
  Json lat = Json::object();
  lat["min"] = stats.fastest_s * 1000;
  lat["avg"] = stats.average_s * 1000;
  lat["stddev"] = stats.stddev_s * 1000;
  for (double p : ReportPercentiles()) {
    std::string name = "p";
    name.append(PercentLabel(p));
    lat[name] = Percentile(stats.lats_s, p) * 1000;
  }
  lat["max"] = stats.slowest_s * 1000;
  Json hist = Json::array();
  if (!stats.lats_s.empty()) {
    for (const HistogramBucket& b : Histogram(stats)) {
      hist.push_back({{"upper_ms", b.upper_s * 1000}, {"count", b.count}});
    }
  }
  Json errs = Json::object();
  for (const auto& [text, count] : stats.errors) errs[text] = count;
  return Json{{"operation", operation},
              {"requests", int64_t(stats.lats_s.size())},
              {"errors", errors},
              {"total_seconds", stats.total_s},
              {"requests_per_second", stats.rps},
              {"latency_ms", lat},
              {"histogram", hist},
              {"error_distribution", errs},
              {"aborted", stats.aborted}};
}

std::string ProgressLine(int64_t done, int64_t total, int width,
                         double remaining_s) {
  const double frac =
      total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 0;
  std::string s = StrFormat(" %lld / %lld", (long long)done, (long long)total);
  if (width > 2) {
    const int cells = width - 2;
    const int full = int(frac * cells);
    std::string bar = "B";
    for (int i = 0; i < cells; ++i) {
      if (i < full) {
        bar += 'o';
      } else if (i == full && full < cells) {
        bar += 'm';
      } else {
        bar += ' ';
      }
    }
    s += " " + bar + "!";
  } else {
    s += " ";  // pb keeps the bar's two separators without a bar
  }
  s += StrFormat(" %6.2f%%", frac * 100);
  if (remaining_s >= 0) {
    const int64_t r = int64_t(std::llround(remaining_s));
    s += StrFormat(" %02lldm%02llds", (long long)(r / 60), (long long)(r % 60));
  }
  return s;
}

bool FindPerfLoad(const std::string& text, PerfLoad* load) {
  static const std::map<std::string, std::string> kAlias = {
      {"s", "s"}, {"small", "s"}, {"m", "m"},   {"medium", "m"},
      {"l", "l"}, {"large", "l"}, {"xl", "xl"}, {"xLarge", "xl"}};
  auto it = kAlias.find(text);
  if (it == kAlias.end()) return false;
  const std::string& m = it->second;
  if (m == "s") *load = PerfLoad{"s", 150, 50, 60};
  if (m == "m") *load = PerfLoad{"m", 1000, 200, 60};
  if (m == "l") *load = PerfLoad{"l", 8000, 500, 60};
  if (m == "xl") *load = PerfLoad{"xl", 15000, 1000, 60};
  return true;
}

PerfVerdict JudgePerf(const LatencyStats& stats, int limit) {
  PerfVerdict v;
  if (!stats.errors.empty()) {
    v.text += "FAIL: too many errors\n";
    for (const auto& [text, count] : stats.errors) {
      v.text += "FAIL: ERROR(" + text + ") -> " +
                std::to_string((long long)count) + "\n";
    }
    v.pass = false;
  }
  // etcd prints int(RPS)+1 and fails at 90% of the limit or less.
  const long long rps = (long long)stats.rps + 1;
  if (stats.rps / double(limit) <= 0.9) {
    v.text += StrFormat("FAIL: Throughput too low: %lld writes/s\n", rps);
    v.pass = false;
  } else {
    v.text += StrFormat("PASS: Throughput is %lld writes/s\n", rps);
  }
  if (stats.slowest_s > 0.5) {
    v.text +=
        StrFormat("Slowest request took too long: %fs\n", stats.slowest_s);
    v.pass = false;
  } else {
    v.text += StrFormat("PASS: Slowest request took %fs\n", stats.slowest_s);
  }
  if (stats.stddev_s > 0.1) {
    v.text += StrFormat("Stddev too high: %fs\n", stats.stddev_s);
    v.pass = false;
  } else {
    v.text += StrFormat("PASS: Stddev is %fs\n", stats.stddev_s);
  }
  v.text += v.pass ? "PASS\n" : "FAIL\n";
  return v;
}

}  // namespace cairn::ctl
