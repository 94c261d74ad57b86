// JsonLogger: one parseable JSON object per line with level, ts, name,
// member, msg and extra fields in order, level filtering, and whole lines
// under concurrent use. MetricsRegistry: the Prometheus text exposition
// (HELP/TYPE lines, label escaping, cumulative histogram buckets with
// etcd's layout, _sum/_count), and counts that add up under threads.
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "cli/cairn/logger.h"
#include "cli/cairn/metrics.h"
#include "cli/cairn/node_metrics.h"

namespace cairn::node {
namespace {

std::chrono::system_clock::time_point FixedTime() {
  // 2026-11-25T07:31:33.848Z
  return std::chrono::system_clock::time_point(
      std::chrono::milliseconds(1795591893848));
}

TEST(JsonLoggerTest, LineShape) {
  std::ostringstream out;
  JsonLogger log(out, LogLevel::kInfo, "n1", FixedTime);
  log.Info("became leader", {{"term", 3}, {"peer-id", "ab"}});
  log.set_member_id(0xbdae9bbc11dd390dULL);
  log.Warn("slow fsync", {{"took", "1.2s"}});
  EXPECT_EQ(out.str(),
            "{\"level\":\"info\",\"ts\":\"2026-11-25T07:31:33.848Z\","
            "\"name\":\"n1\",\"msg\":\"became leader\",\"term\":3,"
            "\"peer-id\":\"ab\"}\n"
            "{\"level\":\"warn\",\"ts\":\"2026-11-25T07:31:33.848Z\","
            "\"name\":\"n1\",\"member\":\"bdae9bbc11dd390d\","
            "\"msg\":\"slow fsync\",\"took\":\"1.2s\"}\n");
}

TEST(JsonLoggerTest, LevelFilterAndParsing) {
  std::ostringstream out;
  JsonLogger log(out, LogLevel::kWarn, "n1", FixedTime);
  log.Debug("d");
  log.Info("i");
  log.Error("e");
  EXPECT_EQ(out.str().find("\"msg\":\"i\""), std::string::npos);
  EXPECT_NE(out.str().find("\"level\":\"error\""), std::string::npos);
  EXPECT_EQ(ParseLogLevel("fatal"), LogLevel::kFatal);
  EXPECT_FALSE(ParseLogLevel("INFO").has_value());
}

TEST(JsonLoggerTest, BadUtf8IsReplacedNotThrown) {
  std::ostringstream out;
  JsonLogger log(out, LogLevel::kDebug, "n\xff", FixedTime);
  log.Info("key \xc3", {{"k", std::string("\xfe")}});
  auto line = nlohmann::json::parse(out.str(), nullptr, false);
  EXPECT_FALSE(line.is_discarded()) << out.str();
}

TEST(JsonLoggerTest, ConcurrentLinesStayWhole) {
  std::ostringstream out;
  JsonLogger log(out, LogLevel::kInfo, "n1");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 200; ++i) log.Info("tick", {{"t", t}, {"i", i}});
    });
  }
  for (auto& th : threads) th.join();
  std::istringstream lines(out.str());
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_EQ(j["msg"], "tick");
    ++n;
  }
  EXPECT_EQ(n, 800);
}

TEST(MetricsTest, CounterGaugeExposition) {
  MetricsRegistry r;
  r.GetCounter("b_total", "B things.").Inc(3);
  r.GetGauge("a_gauge", "A \\ gauge\nwith newline.").Set(1.5);
  r.GetCounter("c_total", "Per peer.", {{"To", "x\"y\\z\n"}}).Inc();
  r.GetCounter("c_total", "Per peer.", {{"To", "aa"}}).Inc(2);
  EXPECT_EQ(r.Expose(),
            "# HELP a_gauge A \\\\ gauge\\nwith newline.\n"
            "# TYPE a_gauge gauge\n"
            "a_gauge 1.5\n"
            "# HELP b_total B things.\n"
            "# TYPE b_total counter\n"
            "b_total 3\n"
            "# HELP c_total Per peer.\n"
            "# TYPE c_total counter\n"
            "c_total{To=\"aa\"} 2\n"
            "c_total{To=\"x\\\"y\\\\z\\n\"} 1\n");
}

// etcd 3.4.23 /metrics after 29 fsyncs printed these bucket bounds.
TEST(MetricsTest, HistogramWithEtcdFsyncBuckets) {
  MetricsRegistry r;
  NodeMetrics m(r, 0xbdae9bbc11dd390dULL, "0.1.0");
  m.wal_fsync_duration.Observe(0.0005);
  m.wal_fsync_duration.Observe(0.001);  // bounds are inclusive
  m.wal_fsync_duration.Observe(0.003);
  m.wal_fsync_duration.Observe(20);
  std::string text = r.Expose();
  const std::string want =
      "# HELP etcd_disk_wal_fsync_duration_seconds The latency distributions "
      "of fsync called by WAL.\n"
      "# TYPE etcd_disk_wal_fsync_duration_seconds histogram\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"} 2\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.002\"} 2\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.004\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.008\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.016\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.032\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.064\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.128\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.256\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.512\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"1.024\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"2.048\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"4.096\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"} 3\n"
      "etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"} 4\n"
      "etcd_disk_wal_fsync_duration_seconds_sum 20.0045\n"
      "etcd_disk_wal_fsync_duration_seconds_count 4\n";
  EXPECT_NE(text.find(want), std::string::npos) << text;
  EXPECT_NE(text.find("etcd_server_id{server_id=\"bdae9bbc11dd390d\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE etcd_server_has_leader gauge\n"
                      "etcd_server_has_leader 0\n"),
            std::string::npos);
}

TEST(MetricsTest, LabelledHistogramPutsLeLast) {
  MetricsRegistry r;
  r.GetHistogram("rtt", "RTT.", {0.5, 1}, {{"To", "b"}}).Observe(0.7);
  EXPECT_EQ(r.Expose(),
            "# HELP rtt RTT.\n# TYPE rtt histogram\n"
            "rtt_bucket{To=\"b\",le=\"0.5\"} 0\n"
            "rtt_bucket{To=\"b\",le=\"1\"} 1\n"
            "rtt_bucket{To=\"b\",le=\"+Inf\"} 1\n"
            "rtt_sum{To=\"b\"} 0.7\n"
            "rtt_count{To=\"b\"} 1\n");
}

TEST(MetricsTest, ValuesFormatLikePrometheus) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(1e-05), "1e-05");
  EXPECT_EQ(FormatMetricValue(0.030653941999999997), "0.030653941999999997");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(ExponentialBuckets(0.0001, 2, 16).back(), 3.2768);
}

TEST(MetricsTest, ConcurrentUpdatesAddUp) {
  MetricsRegistry r;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&r] {
      for (int i = 0; i < 1000; ++i) {
        r.GetCounter("n_total", "N.").Inc();
        r.GetHistogram("h", "H.", {1}).Observe(0.5);
        r.GetGauge("g", "G.").Add(1);
      }
    });
  }
  r.Expose();  // exposition while others write must be safe
  for (auto& th : threads) th.join();
  EXPECT_EQ(r.GetCounter("n_total", "N.").value(), 4000);
  EXPECT_EQ(r.GetGauge("g", "G.").value(), 4000);
  EXPECT_NE(r.Expose().find("h_count 4000\n"), std::string::npos);
}

}  // namespace
}  // namespace cairn::node
