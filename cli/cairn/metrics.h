// MetricsRegistry: counters, gauges and histograms, exposed in
// Prometheus' text format (version 0.0.4) for GET /metrics. Edge code.
// Thread-safe: metrics may be registered, updated and exposed from any
// thread. Registered metrics live as long as the registry, so the
// references it hands out stay valid. There is no global registry (A7):
// the node owns one.
//
// Exposition is deterministic: families sorted by name, children by label
// values, each family with its # HELP and # TYPE lines, histograms with
// cumulative _bucket{le=".."} lines, then _sum and _count, as Prometheus'
// Go client prints them (and so as etcd's /metrics shows them).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace cairn::node {

// Label name/value pairs, e.g. {{"To", "8e9e05c52164694d"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  // REQUIRES: v >= 0 (a counter only goes up).
  void Inc(double v = 1);
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v); }
  void Add(double v);
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: the upper bounds of the buckets, strictly increasing; +Inf is
  // implied.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Take() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; guarded
  double sum_ = 0;                // guarded by mu_
  uint64_t count_ = 0;            // guarded by mu_
};

// prometheus.ExponentialBuckets: start, start*factor, ... (count bounds).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Each returns the metric named `name` with `labels`, creating it (and
  // its family, with `help`) on first use. REQUIRES: a name is used with
  // one type only, and a histogram family with one set of bounds.
  Counter& GetCounter(const std::string& name, const std::string& help,
                      const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help,
                  const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const std::vector<double>& bounds,
                          const Labels& labels = {});

  // The text exposition of every metric.
  std::string Expose() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    // Keyed by the rendered label set: {a="1",b="2"}, or "" for none.
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    std::map<std::string, Labels> labels;
  };

  Family& FamilyFor(const std::string& name, Type type,
                    const std::string& help);
  static void ExposeFamily(const std::string& name, const Family& f,
                           std::string& out);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // guarded by mu_
};

// Formats a sample value as Prometheus' Go client does: shortest
// round-trip decimal, "+Inf", "-Inf", "NaN".
std::string FormatMetricValue(double v);

}  // namespace cairn::node
