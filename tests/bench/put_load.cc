// put_load: a load generator for etcd's v3 JSON gateway, the same client
// for a cairn cluster and an etcd cluster, so that their figures compare.
// Each of --clients threads holds one keep-alive connection to one of the
// endpoints (round robin) and sends --requests/--clients sequential puts
// of --value-size bytes to distinct keys. Prints one line:
//   requests=N errors=E seconds=S throughput=T/s p50_ms=.. p99_ms=..
// A benchmark program (run by scripts/bench-cluster), not a test.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/api/base64.h"

namespace {

struct Options {
  std::vector<std::string> endpoints;
  int clients = 16;
  int requests = 10000;
  int value_size = 256;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

bool Parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--endpoints") {
      o.endpoints = Split(value);
    } else if (flag == "--clients") {
      o.clients = std::atoi(value.c_str());
    } else if (flag == "--requests") {
      o.requests = std::atoi(value.c_str());
    } else if (flag == "--value-size") {
      o.value_size = std::atoi(value.c_str());
    } else {
      return false;
    }
  }
  return !o.endpoints.empty() && o.clients > 0 && o.requests > 0 &&
         o.value_size >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc % 2 == 0 || !Parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: put_load --endpoints host:port,... [--clients N] "
                 "[--requests N] [--value-size BYTES]\n");
    return 2;
  }
  const std::string value =
      cairn::api::EncodeBase64(std::string(size_t(o.value_size), 'v'));
  std::vector<std::vector<double>> lat(size_t(o.clients));
  std::atomic<int> errors{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.clients; c++) {
    threads.emplace_back([&, c] {
      httplib::Client cli("http://" +
                          o.endpoints[size_t(c) % o.endpoints.size()]);
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      cli.set_read_timeout(std::chrono::seconds(10));
      const int n = o.requests / o.clients + (c < o.requests % o.clients);
      for (int i = 0; i < n; i++) {
        const std::string key = cairn::api::EncodeBase64(
            "bench/" + std::to_string(c) + "/" + std::to_string(i));
        const std::string body =
            R"({"key":")" + key + R"(","value":")" + value + R"("})";
        const auto t0 = std::chrono::steady_clock::now();
        auto res = cli.Post("/v3/kv/put", body, "application/json");
        const auto t1 = std::chrono::steady_clock::now();
        if (!res || res->status != 200) {
          errors++;
          continue;
        }
        lat[size_t(c)].push_back(
            std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&all](double p) {
    return all.empty() ? 0.0 : all[size_t(p * double(all.size() - 1))];
  };
  std::printf(
      "requests=%zu errors=%d seconds=%.2f throughput=%.0f/s p50_ms=%.2f "
      "p99_ms=%.2f\n",
      all.size(), errors.load(), secs, double(all.size()) / secs, pct(0.5),
      pct(0.99));
  return errors.load() == 0 ? 0 : 1;
}
