// The figures and texts of cairnctl benchmark and check perf
// (cli/cairnctl/bench_report.h), from fixed latencies: etcd's statistics
// (population stddev, its percentile rule, its 11-bucket histogram), the
// report text byte for byte in etcd's pkg/report layout, the JSON form,
// the progress line in the look of etcdctl's pb bar, and check perf's
// load models and verdict lines (etcdctl/ctlv3/command/check.go).
#include "cli/cairnctl/bench_report.h"

#include <gtest/gtest.h>

namespace cairn::ctl {
namespace {

std::vector<double> Millis(std::initializer_list<double> ms) {
  std::vector<double> out;
  for (double m : ms) out.push_back(m / 1000);
  return out;
}

std::string Bars(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "\xe2\x88\x8e";
  return s;
}

TEST(BenchReportTest, StatsOfTenLatencies) {
  LatencyStats st =
      ComputeStats(Millis({7, 1, 10, 3, 2, 9, 4, 8, 5, 6}), 2.0, {});
  ASSERT_EQ(st.lats_s.size(), 10u);
  EXPECT_DOUBLE_EQ(st.lats_s.front(), 0.001);  // sorted
  EXPECT_DOUBLE_EQ(st.fastest_s, 0.001);
  EXPECT_DOUBLE_EQ(st.slowest_s, 0.010);
  EXPECT_NEAR(st.average_s, 0.0055, 1e-12);
  EXPECT_NEAR(st.stddev_s, 0.0028722813, 1e-9);  // sqrt(8.25) ms
  EXPECT_DOUBLE_EQ(st.rps, 5.0);
}

TEST(BenchReportTest, NothingSucceeded) {
  LatencyStats st = ComputeStats({}, 1.0, {{"context deadline exceeded", 3}});
  EXPECT_EQ(st.rps, 0);
  EXPECT_EQ(st.fastest_s, 0);
  EXPECT_EQ(FormatReport(st),
            "\nError distribution:\n  [3]\tcontext deadline exceeded\n");
  st.aborted = true;
  EXPECT_NE(FormatReport(st).find("Aborted: too many consecutive errors."),
            std::string::npos);
}

TEST(BenchReportTest, PercentilesFollowEtcdsRule) {
  const std::vector<double> ten = Millis({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  // ceil(p*(n+1)/100)-1, clamped.
  EXPECT_DOUBLE_EQ(Percentile(ten, 10), 0.002);
  EXPECT_DOUBLE_EQ(Percentile(ten, 25), 0.003);
  EXPECT_DOUBLE_EQ(Percentile(ten, 50), 0.006);
  EXPECT_DOUBLE_EQ(Percentile(ten, 90), 0.010);
  EXPECT_DOUBLE_EQ(Percentile(ten, 99.9), 0.010);
  EXPECT_DOUBLE_EQ(Percentile(Millis({4}), 0), 0.004);
  EXPECT_EQ(Percentile({}, 50), 0);
}

TEST(BenchReportTest, HistogramHasElevenBucketsFromFastestToSlowest) {
  LatencyStats st =
      ComputeStats(Millis({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), 1.0, {});
  std::vector<HistogramBucket> h = Histogram(st);
  ASSERT_EQ(h.size(), 11u);
  EXPECT_DOUBLE_EQ(h[0].upper_s, 0.001);
  EXPECT_NEAR(h[1].upper_s, 0.0019, 1e-12);
  EXPECT_DOUBLE_EQ(h[10].upper_s, 0.010);
  const std::vector<int64_t> want = {1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  for (size_t i = 0; i < h.size(); ++i) {
    EXPECT_EQ(h[i].count, want[i]) << "bucket " << i;
  }
}

TEST(BenchReportTest, HistogramOfEqualLatencies) {
  LatencyStats st = ComputeStats(Millis({2, 2, 2}), 1.0, {});
  std::vector<HistogramBucket> h = Histogram(st);
  ASSERT_EQ(h.size(), 11u);
  EXPECT_EQ(h[0].count, 3);  // every bound is 2 ms; the first takes all
}

TEST(BenchReportTest, ReportTextIsEtcds) {
  LatencyStats st =
      ComputeStats(Millis({1, 3}), 1.0, {{"etcdserver: request timed out", 2}});
  std::string want =
      "\nSummary:\n"
      "  Total:\t1.0000 secs.\n"
      "  Slowest:\t0.0030 secs.\n"
      "  Fastest:\t0.0010 secs.\n"
      "  Average:\t0.0020 secs.\n"
      "  Stddev:\t0.0010 secs.\n"
      "  Requests/sec:\t2.0000\n"
      "\nResponse time histogram:\n"
      "  0.0010 [1]\t|" +
      Bars(40) + "\n";
  for (const char* b : {"0.0012", "0.0014", "0.0016", "0.0018", "0.0020",
                        "0.0022", "0.0024", "0.0026", "0.0028"}) {
    want += std::string("  ") + b + " [0]\t|\n";
  }
  want += "  0.0030 [1]\t|" + Bars(40) + "\n";
  want +=
      "\nLatency distribution:\n"
      "  10% in 1.000 ms.\n"
      "  25% in 1.000 ms.\n"
      "  50% in 3.000 ms.\n"
      "  75% in 3.000 ms.\n"
      "  90% in 3.000 ms.\n"
      "  95% in 3.000 ms.\n"
      "  99% in 3.000 ms.\n"
      "  99.9% in 3.000 ms.\n"
      "\nError distribution:\n"
      "  [2]\tetcdserver: request timed out\n";
  EXPECT_EQ(FormatReport(st), want);
}

TEST(BenchReportTest, BarsAreScaledToTheLargestBucket) {
  LatencyStats st = ComputeStats(Millis({1, 1, 1, 1, 2}), 1.0, {});
  const std::string text = FormatReport(st);
  EXPECT_NE(text.find("  0.0010 [4]\t|" + Bars(40) + "\n"), std::string::npos);
  EXPECT_NE(text.find("  0.0020 [1]\t|" + Bars(10) + "\n"), std::string::npos);
}

TEST(BenchReportTest, Json) {
  LatencyStats st = ComputeStats(Millis({1, 2, 3, 4}), 2.0, {{"boom", 1}});
  Json j = ReportJson(st, "put");
  EXPECT_EQ(j["operation"], "put");
  EXPECT_EQ(j["requests"], 4);
  EXPECT_EQ(j["errors"], 1);
  EXPECT_DOUBLE_EQ(j["total_seconds"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(j["requests_per_second"].get<double>(), 2.0);
  const Json& l = j["latency_ms"];
  EXPECT_DOUBLE_EQ(l["min"].get<double>(), 1);
  EXPECT_DOUBLE_EQ(l["avg"].get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(l["p50"].get<double>(), 3);  // ceil(2.5)-1 = index 2
  EXPECT_DOUBLE_EQ(l["p99.9"].get<double>(), 4);
  EXPECT_DOUBLE_EQ(l["max"].get<double>(), 4);
  ASSERT_EQ(j["histogram"].size(), 11u);
  int64_t counted = 0;
  for (const Json& b : j["histogram"]) counted += b["count"].get<int64_t>();
  EXPECT_EQ(counted, 4);
  EXPECT_EQ(j["error_distribution"]["boom"], 1);
  EXPECT_EQ(j["aborted"], false);
  // Key order is fixed, for diffs of saved reports.
  EXPECT_EQ(j.begin().key(), "operation");
}

TEST(BenchReportTest, ProgressLine) {
  // pb without a terminal width, as etcdctl prints into a pipe.
  EXPECT_EQ(ProgressLine(0, 60, 0, -1), " 0 / 60    0.00%");
  EXPECT_EQ(ProgressLine(1, 60, 0, 59), " 1 / 60    1.67% 00m59s");
  EXPECT_EQ(ProgressLine(60, 60, 0, -1), " 60 / 60  100.00%");
  EXPECT_EQ(ProgressLine(1, 4, 10, -1), " 1 / 4 Boom     !  25.00%");
  EXPECT_EQ(ProgressLine(4, 4, 10, 0), " 4 / 4 Boooooooo! 100.00% 00m00s");
  EXPECT_EQ(ProgressLine(9, 4, 10, -1), " 9 / 4 Boooooooo! 100.00%");
}

TEST(BenchReportTest, PerfLoadsAreEtcdctls) {
  PerfLoad l;
  ASSERT_TRUE(FindPerfLoad("s", &l));
  EXPECT_EQ(l.limit, 150);
  EXPECT_EQ(l.clients, 50);
  EXPECT_EQ(l.duration_s, 60);
  ASSERT_TRUE(FindPerfLoad("medium", &l));
  EXPECT_EQ(l.limit, 1000);
  EXPECT_EQ(l.clients, 200);
  ASSERT_TRUE(FindPerfLoad("large", &l));
  EXPECT_EQ(l.limit, 8000);
  EXPECT_EQ(l.clients, 500);
  ASSERT_TRUE(FindPerfLoad("xLarge", &l));
  EXPECT_EQ(l.limit, 15000);
  EXPECT_EQ(l.clients, 1000);
  EXPECT_FALSE(FindPerfLoad("xlarge", &l));
  EXPECT_FALSE(FindPerfLoad("", &l));
}

TEST(BenchReportTest, PerfVerdictPasses) {
  LatencyStats st;
  st.rps = 150.3;
  st.slowest_s = 0.096829;
  st.stddev_s = 0.004042;
  PerfVerdict v = JudgePerf(st, 150);
  EXPECT_TRUE(v.pass);
  // etcdctl check perf against etcd 3.4.23 printed these lines.
  EXPECT_EQ(v.text,
            "PASS: Throughput is 151 writes/s\n"
            "PASS: Slowest request took 0.096829s\n"
            "PASS: Stddev is 0.004042s\n"
            "PASS\n");
}

TEST(BenchReportTest, PerfVerdictFailsEachWay) {
  LatencyStats st;
  st.rps = 135;  // exactly 90% of 150 fails, as in etcdctl
  st.slowest_s = 0.6;
  st.stddev_s = 0.2;
  st.errors = {{"etcdserver: too many requests", 2}};
  PerfVerdict v = JudgePerf(st, 150);
  EXPECT_FALSE(v.pass);
  EXPECT_EQ(v.text,
            "FAIL: too many errors\n"
            "FAIL: ERROR(etcdserver: too many requests) -> 2\n"
            "FAIL: Throughput too low: 136 writes/s\n"
            "Slowest request took too long: 0.600000s\n"
            "Stddev too high: 0.200000s\n"
            "FAIL\n");
  st.errors.clear();
  st.rps = 136;
  st.slowest_s = 0.5;  // not above 500 ms
  st.stddev_s = 0.1;
  EXPECT_TRUE(JudgePerf(st, 150).pass);
}

}  // namespace
}  // namespace cairn::ctl
