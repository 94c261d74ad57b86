#include "cli/cairn/metrics.h"

#include <charconv>
#include <cmath>

#include "core/util/check.h"

namespace cairn::node {

namespace {

// Label values escape backslash, quote and newline (text format 0.0.4).
std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// HELP text escapes backslash and newline.
std::string EscapeHelp(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// {a="1",b="2"} with `extra` (the histogram's le) last; "" for no labels.
std::string RenderLabels(const Labels& labels, const std::string& extra = "") {
  if (labels.empty() && extra.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    out += (i ? "," : "") + labels[i].first + "=\"" +
           EscapeLabelValue(labels[i].second) + "\"";
  }
  if (!extra.empty()) out += (labels.empty() ? "" : ",") + extra;
  return out + "}";
}

const char* TypeName(int type) {
  static const char* const kNames[] = {"counter", "gauge", "histogram"};
  return kNames[type];
}

void AtomicAdd(std::atomic<double>& a, double v) {
  double cur = a.load();
  while (!a.compare_exchange_weak(cur, cur + v)) {
  }
}

}  // namespace

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  CAIRN_CHECK(ec == std::errc(), "to_chars failed");
  return std::string(buf, end);
}

void Counter::Inc(double v) {
  CAIRN_CHECK(v >= 0, "counter decreased by %f", v);
  AtomicAdd(value_, v);
}

void Gauge::Add(double v) { AtomicAdd(value_, v); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  for (size_t i = 1; i < bounds_.size(); ++i) {
    CAIRN_CHECK(bounds_[i - 1] < bounds_[i], "bucket bounds not increasing");
  }
}

void Histogram::Observe(double v) {
  // The first bucket whose upper bound is >= v (bounds are inclusive).
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[i];
  sum_ += v;
  ++count_;
}

Histogram::Snapshot Histogram::Take() const {
  std::lock_guard<std::mutex> lock(mu_);
  Snapshot s;
  uint64_t running = 0;
  for (uint64_t c : counts_) {
    running += c;
    s.cumulative.push_back(running);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  CAIRN_CHECK(start > 0, "start %f", start);
  CAIRN_CHECK(factor > 1, "factor %f", factor);
  std::vector<double> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(start);
    start *= factor;
  }
  return out;
}

MetricsRegistry::Family& MetricsRegistry::FamilyFor(const std::string& name,
                                                    Type type,
                                                    const std::string& help) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.type = type;
    it->second.help = help;
  }
  CAIRN_CHECK(it->second.type == type, "metric %s registered twice",
              name.c_str());
  return it->second;
}

Counter& MetricsRegistry::GetCounter(const std::string& name,
                                     const std::string& help,
                                     const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = FamilyFor(name, Type::kCounter, help);
  std::string key = RenderLabels(labels);
  auto& slot = f.counters[key];
  if (!slot) {
    slot = std::make_unique<Counter>();
    f.labels[key] = labels;
  }
  return *slot;
}

Gauge& MetricsRegistry::GetGauge(const std::string& name,
                                 const std::string& help,
                                 const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = FamilyFor(name, Type::kGauge, help);
  std::string key = RenderLabels(labels);
  auto& slot = f.gauges[key];
  if (!slot) {
    slot = std::make_unique<Gauge>();
    f.labels[key] = labels;
  }
  return *slot;
}

Histogram& MetricsRegistry::GetHistogram(const std::string& name,
                                         const std::string& help,
                                         const std::vector<double>& bounds,
                                         const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = FamilyFor(name, Type::kHistogram, help);
  std::string key = RenderLabels(labels);
  auto& slot = f.histograms[key];
  if (!slot) {
    slot = std::make_unique<Histogram>(bounds);
    f.labels[key] = labels;
  }
  CAIRN_CHECK(slot->bounds() == bounds, "histogram %s: other bounds",
              name.c_str());
  return *slot;
}

void MetricsRegistry::ExposeFamily(const std::string& name, const Family& f,
                                   std::string& out) {
  out += "# HELP " + name + " " + EscapeHelp(f.help) + "\n";
  out += "# TYPE " + name + " " + TypeName(static_cast<int>(f.type)) + "\n";
  for (const auto& [key, c] : f.counters) {
    out += name + key + " " + FormatMetricValue(c->value()) + "\n";
  }
  for (const auto& [key, g] : f.gauges) {
    out += name + key + " " + FormatMetricValue(g->value()) + "\n";
  }
  for (const auto& [key, h] : f.histograms) {
    const Labels& labels = f.labels.at(key);
    Histogram::Snapshot s = h->Take();
    for (size_t i = 0; i <= h->bounds().size(); ++i) {
      std::string le = i < h->bounds().size()
                           ? FormatMetricValue(h->bounds()[i])
                           : std::string("+Inf");
      out += name + "_bucket" + RenderLabels(labels, "le=\"" + le + "\"") +
             " " + std::to_string(s.cumulative[i]) + "\n";
    }
    out += name + "_sum" + key + " " + FormatMetricValue(s.sum) + "\n";
    out += name + "_count" + key + " " + std::to_string(s.count) + "\n";
  }
}

std::string MetricsRegistry::Expose() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) ExposeFamily(name, f, out);
  return out;
}

}  // namespace cairn::node
