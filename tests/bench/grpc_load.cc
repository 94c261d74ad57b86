// grpc_load: puts or ranges over etcd's v3 gRPC API, for
// scripts/bench-cluster's g* workloads (cairn vs etcd over gRPC, as
// `cairnctl benchmark` compares them over the JSON gateway). It prints
// cairnctl benchmark's JSON report (bench_report.h's ReportJson).
//
//   grpc_load ENDPOINTS put|range KEY CLIENTS CONNS SECONDS
//             [VAL_SIZE=256] [KEY_SPACE=100000] [CONSISTENCY=l]
//
// ENDPOINTS is host:port,...; connection i goes to endpoint i mod their
// number, client i uses connection i mod CONNS, as etcd's benchmark tool
// spreads them. put writes VAL_SIZE-byte values to 8-byte keys drawn from
// KEY_SPACE (KEY is ignored); range reads KEY, linearizable (l) or
// serializable (s). Every client sends its next request once the last is
// answered, until SECONDS have passed.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cairnctl/bench_report.h"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace pb = etcdserverpb;

struct Options {
  std::vector<std::string> endpoints;
  std::string op;
  std::string key;
  int clients = 0;
  int conns = 0;
  double seconds = 0;
  size_t val_size = 256;
  uint64_t key_space = 100000;
  bool serializable = false;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

bool Parse(int argc, char** argv, Options* o) {
  if (argc < 7) return false;
  o->endpoints = Split(argv[1]);
  o->op = argv[2];
  o->key = argv[3];
  o->clients = std::atoi(argv[4]);
  o->conns = std::atoi(argv[5]);
  o->seconds = std::atof(argv[6]);
  if (argc > 7) o->val_size = std::strtoull(argv[7], nullptr, 10);
  if (argc > 8) o->key_space = std::strtoull(argv[8], nullptr, 10);
  if (argc > 9) o->serializable = std::string(argv[9]) == "s";
  return !o->endpoints.empty() && (o->op == "put" || o->op == "range") &&
         o->clients > 0 && o->conns > 0 && o->seconds > 0 && o->key_space > 0;
}

// One connection each: channels with equal arguments would share one.
std::shared_ptr<grpc::Channel> Connect(const std::string& endpoint) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(),
                                   args);
}

struct Results {
  std::mutex mu;
  std::vector<double> lats_s;
  std::map<std::string, int64_t> errors;
  Clock::time_point last_ok{};
};

void RunClient(const Options& o, const std::shared_ptr<grpc::Channel>& ch,
               int id, Clock::time_point end, Results& out) {
  auto kv = pb::KV::NewStub(ch);
  std::mt19937_64 rng(static_cast<uint64_t>(id) + 1);
  const std::string value(o.val_size, 'v');
  std::vector<double> lats;
  std::map<std::string, int64_t> errors;
  Clock::time_point last_ok{};
  while (Clock::now() < end) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    const auto start = Clock::now();
    grpc::Status s;
    if (o.op == "put") {
      pb::PutRequest req;
      const uint64_t k = rng() % o.key_space;
      req.set_key(std::string(reinterpret_cast<const char*>(&k), 8));
      req.set_value(value);
      pb::PutResponse resp;
      s = kv->Put(&ctx, req, &resp);
    } else {
      pb::RangeRequest req;
      req.set_key(o.key);
      req.set_serializable(o.serializable);
      pb::RangeResponse resp;
      s = kv->Range(&ctx, req, &resp);
    }
    const auto done = Clock::now();
    if (s.ok()) {
      lats.push_back(std::chrono::duration<double>(done - start).count());
      last_ok = done;
    } else {
      errors[s.error_message()]++;
    }
  }
  std::lock_guard<std::mutex> lock(out.mu);
  out.lats_s.insert(out.lats_s.end(), lats.begin(), lats.end());
  for (const auto& [text, n] : errors) out.errors[text] += n;
  out.last_ok = std::max(out.last_ok, last_ok);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!Parse(argc, argv, &o)) {
    std::cerr << "usage: grpc_load ENDPOINTS put|range KEY CLIENTS CONNS "
                 "SECONDS [VAL_SIZE] [KEY_SPACE] [l|s]\n";
    return 2;
  }
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < o.conns; i++) {
    channels.push_back(Connect(o.endpoints[i % o.endpoints.size()]));
  }
  for (auto& ch : channels) {
    if (!ch->WaitForConnected(std::chrono::system_clock::now() +
                              std::chrono::seconds(5))) {
      std::cerr << "grpc_load: cannot connect\n";
      return 1;
    }
  }
  Results results;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(o.seconds));
  std::vector<std::thread> threads;
  for (int i = 0; i < o.clients; i++) {
    threads.emplace_back([&, i] {
      RunClient(o, channels[static_cast<size_t>(i % o.conns)], i, end, results);
    });
  }
  for (auto& t : threads) t.join();
  const double total_s =
      results.lats_s.empty()
          ? 0
          : std::chrono::duration<double>(results.last_ok - start).count();
  cairn::ctl::LatencyStats stats = cairn::ctl::ComputeStats(
      std::move(results.lats_s), total_s, std::move(results.errors));
  std::cout << cairn::ctl::ReportJson(stats, o.op).dump() << "\n";
  return stats.errors.empty() ? 0 : 1;
}
