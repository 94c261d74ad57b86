// chaos_driver: runs a cluster of real cairn processes, each in its own
// network namespace, loads it with recording clients and watchers, and
// injects faults drawn from a seed (kill -9 and restart, SIGSTOP/SIGCONT,
// partitions, one-way cuts, slow links, added latency on peer links through
// a delaying TCP proxy). Afterwards it checks the history
// (linearizability, acknowledged writes, watches, members' hashes) and
// prints a report. Exit 0: no anomaly; 1: anomalies or a failed run;
// 2: bad flags; 77: network namespaces are not available here (skip).
//
// usage: chaos_driver --cairn PATH [--duration 90s] [--seed N]
//                     [--members 3] [--clients 6] [--keys 8]
//                     [--faults all|kill,majority,pause,partition,oneway,
//                               slow,latency]
//                     [--keep]
// (docs/chaos.md)
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/chaos/chaos_options.h"
#include "tests/chaos/checks.h"
#include "tests/chaos/cluster.h"
#include "tests/chaos/fault_schedule.h"
#include "tests/chaos/netns.h"
#include "tests/chaos/peer_proxy.h"
#include "tests/chaos/workload.h"

namespace cairn::chaos {
namespace {

using ctl::Json;
using Clock = std::chrono::steady_clock;

constexpr int kExitSkip = 77;
std::atomic<bool> g_interrupted{false};

void OnSignal(int) { g_interrupted.store(true); }

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Sleeps up to `ms`, in small steps, returning early on an interrupt.
void Hold(uint32_t ms) {
  const auto end = Clock::now() + std::chrono::milliseconds(ms);
  while (!g_interrupted.load() && Clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

class Run {
 public:
  Run(const Options& o, Topology* topology, Cluster* cluster, PeerProxy* proxy)
      : o_(o), topology_(topology), cluster_(cluster), proxy_(proxy) {}

  // The whole run after the topology exists; returns the exit code.
  int Main(bool slow_links);

 private:
  Status WaitForCluster(std::chrono::seconds timeout);
  void Apply(const Fault& f);
  void Kill(int member, uint32_t down_ms);
  int Target(const Fault& f);
  void Crashed();
  int64_t ClusterRevision();
  void CheckHashes();
  void Anomaly(const std::string& line) {
    printf("ANOMALY: %s\n", line.c_str());
    anomalies_.push_back(line);
  }

  const Options& o_;
  Topology* topology_;
  Cluster* cluster_;
  PeerProxy* proxy_;
  RunClock clock_;
  History history_;
  WorkloadContext ctx_;
  std::map<std::string, int> faults_;
  // When each fault was in force (run clock, us), for the operation
  // latencies under added latency.
  struct Window {
    FaultKind kind;
    uint64_t start_us;
    uint64_t end_us;
    // kLatency on every link of the leader, both ways: every commit and
    // linearizable read waits for it.
    bool leader_links = false;
  };
  std::vector<Window> windows_;
  // Recovery after kills: [0] of a follower, [1] of the leader.
  std::vector<double> elect_ms_[2];
  std::vector<double> write_ms_[2];
  // From restarting a killed majority to an agreed leader taking writes.
  std::vector<double> quorum_ms_;
  std::vector<std::string> anomalies_;
  std::vector<std::string> notes_;
  std::vector<std::unique_ptr<ctl::GatewayClient>> probes_;
  uint64_t probe_seq_ = 0;
  int64_t final_revision_ = 0;
};

constexpr uint64_t kProbeClient = 1000;

Status Run::WaitForCluster(std::chrono::seconds timeout) {
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end && !g_interrupted.load()) {
    Crashed();
    std::optional<int> leader = cluster_->Leader();
    if (leader && cluster_->AllAgreeOnLeader() &&
        PutRecorded(ctx_, *probes_[*leader], kProbeClient,
                    std::string(kKeyPrefix) + "probe",
                    "p" + std::to_string(++probe_seq_))) {
      return Status::Ok();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (g_interrupted.load()) return Status(Code::kUnavailable, "interrupted");
  return Status(Code::kTimeout, "no agreed leader taking writes within " +
                                    std::to_string(timeout.count()) + " s");
}

void Run::Crashed() {
  for (const std::string& line : cluster_->ReapExited()) Anomaly(line);
}

int Run::Target(const Fault& f) {
  if (f.at_leader) {
    std::optional<int> leader = cluster_->Leader();
    if (leader) return *leader;
  }
  return f.member;
}

void Run::Kill(int member, uint32_t down_ms) {
  const std::optional<int> old_leader = cluster_->Leader();
  const int was_leader = old_leader && *old_leader == member ? 1 : 0;
  const auto t0 = Clock::now();
  cluster_->Kill(member);
  // Recovery: a live member says it is leader, then a write through it
  // is acknowledged. Bounded at 30 s.
  bool elected = false;
  bool wrote = false;
  while (!g_interrupted.load() && MsSince(t0) < 30000) {
    std::optional<int> leader = cluster_->Leader();
    if (!leader) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (!elected) {
      elected = true;
      elect_ms_[was_leader].push_back(MsSince(t0));
    }
    if (PutRecorded(ctx_, *probes_[*leader], kProbeClient,
                    std::string(kKeyPrefix) + "probe",
                    "p" + std::to_string(++probe_seq_))) {
      write_ms_[was_leader].push_back(MsSince(t0));
      wrote = true;
      printf(
          "            recovered: m%d leads after %.0f ms, write after %.0f "
          "ms\n",
          *leader, elect_ms_[was_leader].back(), MsSince(t0));
      break;
    }
  }
  if (!wrote && !g_interrupted.load()) {
    Anomaly("no write acknowledged within 30 s of killing m" +
            std::to_string(member));
  }
  const double left = down_ms - MsSince(t0);
  if (left > 0) Hold(static_cast<uint32_t>(left));
  Status s = cluster_->Start(member);
  if (!s.ok())
    Anomaly("restart of m" + std::to_string(member) + ": " + s.ToString());
}

void Run::Apply(const Fault& f) {
  const int n = cluster_->size();
  const int target = Target(f);
  faults_[FaultName(f.kind)]++;
  const uint64_t start_us = clock_.NowUs();
  bool leader_links = false;
  const std::string who = "m" + std::to_string(target);
  printf("[%7.1f s] %s on %s%s for %u ms\n", clock_.NowUs() / 1e6,
         FaultName(f.kind), who.c_str(), f.at_leader ? " (leader)" : "",
         f.hold_ms);
  fflush(stdout);
  auto check = [&](const Status& s) {
    if (!s.ok()) notes_.push_back("fault step failed: " + s.ToString());
  };
  switch (f.kind) {
    case FaultKind::kKill:
      Kill(target, f.hold_ms);
      break;
    case FaultKind::kQuorumLoss: {
      std::vector<int> killed;
      for (int k = 0; k < f.minority; ++k) {
        killed.push_back((target + k) % n);
        cluster_->Kill(killed.back());
      }
      Hold(f.hold_ms);
      const auto t0 = Clock::now();
      for (int m : killed) {
        Status st = cluster_->Start(m);
        if (!st.ok())
          Anomaly("restart of m" + std::to_string(m) + ": " + st.ToString());
      }
      Status st = WaitForCluster(std::chrono::seconds(30));
      if (st.ok()) {
        quorum_ms_.push_back(MsSince(t0));
        printf("            recovered: writes %.0f ms after the restarts\n",
               quorum_ms_.back());
      } else if (!g_interrupted.load()) {
        Anomaly("after a quorum loss: " + st.ToString());
      }
      break;
    }
    case FaultKind::kPause:
      cluster_->Pause(target);
      Hold(f.hold_ms);
      cluster_->Resume(target);
      break;
    case FaultKind::kPartition: {
      std::vector<bool> minority(n, false);
      minority[target] = true;
      for (int k = 1; k < f.minority; ++k) minority[(target + k) % n] = true;
      for (int a = 0; a < n; ++a) {
        for (int b = 0; b < n; ++b) {
          if (minority[a] != minority[b]) check(topology_->Cut(a, b));
        }
      }
      Hold(f.hold_ms);
      topology_->HealAll();
      break;
    }
    case FaultKind::kOneWayCut:
      for (int b = 0; b < n; ++b) {
        if (b != target && (f.peer < 0 || f.peer == b)) {
          check(topology_->Cut(target, b));
        }
      }
      if (f.peer == target) check(topology_->Cut(target, (target + 1) % n));
      Hold(f.hold_ms);
      topology_->HealAll();
      break;
    case FaultKind::kNone:
      break;
    case FaultKind::kSlowLink:
      check(topology_->Slow(target));
      Hold(f.hold_ms);
      topology_->HealAll();
      break;
    case FaultKind::kLatency: {
      const int peer = f.peer == target ? (target + 1) % n : f.peer;
      std::string links;
      for (int b = 0; b < n; ++b) {
        if (b == target || (peer >= 0 && peer != b)) continue;
        proxy_->SetDelay(target, b, f.delay_ms, f.jitter_ms);
        if (f.both_ways) proxy_->SetDelay(b, target, f.delay_ms, f.jitter_ms);
        links += (links.empty() ? "" : ", ") + who +
                 (f.both_ways ? "<->m" : "->m") + std::to_string(b);
      }
      printf("            %s: %u ms + 0..%u ms on each chunk\n", links.c_str(),
             f.delay_ms, f.jitter_ms);
      if (peer < 0 && f.both_ways) {
        const std::optional<int> leader = cluster_->Leader();
        leader_links = leader && *leader == target;
      }
      Hold(f.hold_ms);
      proxy_->ClearDelays();
      break;
    }
  }
  windows_.push_back({f.kind, start_us, clock_.NowUs(), leader_links});
  Crashed();
  Hold(f.after_ms);
}

int64_t Run::ClusterRevision() {
  for (int attempt = 0; attempt < 100 && !g_interrupted.load(); ++attempt) {
    std::optional<int> leader = cluster_->Leader();
    if (leader) {
      Result<Json> r = cluster_->Call(*leader, "/v3/kv/range",
                                      Json{{"key", PrefixKeyB64()},
                                           {"range_end", PrefixRangeEndB64()},
                                           {"count_only", true}});
      if (r.ok()) {
        const int64_t rev = HeaderRevision(r.value());
        if (rev > 0) return rev;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

void Run::CheckHashes() {
  // Every member applies up to the final revision, then all hashes agree.
  std::vector<std::string> last;
  for (int attempt = 0; attempt < 100 && !g_interrupted.load(); ++attempt) {
    std::vector<std::string> hashes;
    bool same_revision = true;
    for (int i = 0; i < cluster_->size(); ++i) {
      Result<Json> r =
          cluster_->Call(i, "/v3/maintenance/hash", Json::object());
      if (!r.ok()) {
        hashes.push_back("m" + std::to_string(i) + ": " +
                         r.status().ToString());
        same_revision = false;
        continue;
      }
      const Json& j = r.value();
      const int64_t rev = HeaderRevision(j);
      auto hash = j.find("hash");
      same_revision = same_revision && rev == final_revision_;
      hashes.push_back("m" + std::to_string(i) + " rev " + std::to_string(rev) +
                       " hash " +
                       (hash == j.end() ? std::string("0") : hash->dump()));
    }
    last = hashes;
    if (same_revision) {
      bool agree = true;
      for (const std::string& h : hashes) {
        agree = agree && h.substr(h.find(" hash ")) ==
                             hashes[0].substr(hashes[0].find(" hash "));
      }
      std::string line;
      for (const std::string& h : hashes)
        line += (line.empty() ? "" : "; ") + h;
      if (!agree) {
        Anomaly("members' keyspace hashes differ: " + line);
      } else {
        printf("hashes agree at revision %lld: %s\n",
               static_cast<long long>(final_revision_), line.c_str());
      }
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string line;
  for (const std::string& h : last) line += (line.empty() ? "" : "; ") + h;
  Anomaly("members did not all reach revision " +
          std::to_string(final_revision_) + " within 10 s: " + line);
}

int Run::Main(bool slow_links) {
  ctx_.clock = &clock_;
  ctx_.endpoints = cluster_->ClientEndpoints();
  ctx_.up = [this](int m) { return cluster_->up(m); };
  std::atomic<bool> stop{false};
  ctx_.stop = &stop;
  ctx_.history = &history_;
  ctx_.keys = o_.keys;
  for (const std::string& e : ctx_.endpoints) {
    ctl::ClientOptions options;
    options.endpoints = {e};
    options.dial_timeout = std::chrono::milliseconds(300);
    options.command_timeout = std::chrono::milliseconds(1000);
    probes_.push_back(std::move(ctl::GatewayClient::Create(options).value()));
  }

  for (int i = 0; i < cluster_->size(); ++i) {
    Status s = cluster_->Start(i);
    if (!s.ok()) {
      printf("FAIL: starting m%d: %s\n", i, s.ToString().c_str());
      return 1;
    }
  }
  Status s = WaitForCluster(std::chrono::seconds(30));
  if (!s.ok()) {
    printf("FAIL: the cluster never became healthy: %s\n",
           s.ToString().c_str());
    return 1;
  }
  printf(
      "cluster of %d up; %d clients on %d keys, 2 watchers, %llu s of faults\n",
      cluster_->size(), o_.clients, o_.keys,
      static_cast<unsigned long long>(o_.duration_s));
  fflush(stdout);

  std::vector<std::thread> threads;
  std::mt19937_64 seeds(o_.seed);
  for (int c = 0; c < o_.clients; ++c) {
    threads.emplace_back(RunClient, std::cref(ctx_), static_cast<uint64_t>(c),
                         seeds());
  }
  std::vector<std::unique_ptr<Watcher>> watchers;
  std::vector<std::thread> watcher_threads;
  for (int w = 0; w < 2; ++w) {
    watchers.push_back(std::make_unique<Watcher>(ctx_, w % cluster_->size()));
    watcher_threads.emplace_back(&Watcher::Run, watchers.back().get());
  }

  uint32_t kinds = o_.fault_kinds;
  if (!slow_links) kinds &= ~(1u << static_cast<int>(FaultKind::kSlowLink));
  FaultSchedule schedule(seeds(), cluster_->size(), kinds);
  const auto faults_end = Clock::now() + std::chrono::seconds(o_.duration_s);
  while (Clock::now() < faults_end && !g_interrupted.load()) {
    Apply(schedule.Next());
  }

  auto stop_all = [&] {
    stop.store(true);
    for (std::thread& t : threads) t.join();
    for (auto& w : watchers) w->Stop();
    for (std::thread& t : watcher_threads) t.join();
  };
  if (g_interrupted.load()) {
    stop_all();
    printf("FAIL: interrupted\n");
    return 1;
  }

  // Heal everything, bring every member back, let the load run on a
  // healthy cluster for a moment, then stop the clients.
  topology_->HealAll();
  proxy_->ClearDelays();
  for (int i = 0; i < cluster_->size(); ++i) {
    cluster_->Resume(i);
    if (!cluster_->running(i)) {
      Status st = cluster_->Start(i);
      if (!st.ok()) Anomaly("restart: " + st.ToString());
    }
  }
  s = WaitForCluster(std::chrono::seconds(30));
  if (!s.ok()) Anomaly("after healing: " + s.ToString());
  Hold(2000);
  stop.store(true);
  for (std::thread& t : threads) t.join();
  printf("[%7.1f s] faults over, clients stopped\n", clock_.NowUs() / 1e6);

  final_revision_ = ClusterRevision();
  if (final_revision_ < 0) Anomaly("could not read the cluster's revision");
  // Watchers catch up (bounded), then stop.
  const auto catch_up = Clock::now() + std::chrono::seconds(20);
  for (auto& w : watchers) {
    while (w->last_revision() < final_revision_ && Clock::now() < catch_up &&
           !g_interrupted.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  // A watcher that has not caught up: gather evidence while its stream is
  // still open (both ends' sockets), and whether a new watch on the same
  // member delivers what the old stream did not.
  std::vector<std::string> stall_lines(watchers.size());
  std::vector<std::string> stall_sockets(watchers.size());
  for (size_t w = 0; w < watchers.size() && !g_interrupted.load(); ++w) {
    const int64_t last = watchers[w]->last_revision();
    if (last >= final_revision_) continue;
    const int m = watchers[w]->member();
    Result<std::string> theirs =
        CaptureCommand({"ip", "netns", "exec", topology_->MemberNs(m), "ss",
                        "-tni", "sport", "=", ":2379"});
    Result<std::string> ours =
        CaptureCommand({"ss", "-tni", "dst", Topology::Address(m) + ":2379"});
    stall_sockets[w] =
        "  m" + std::to_string(m) + "'s client sockets:\n" +
        (theirs.ok() ? theirs.value() : theirs.status().ToString()) +
        "\n  the driver's sockets to m" + std::to_string(m) + ":\n" +
        (ours.ok() ? ours.value() : ours.status().ToString());
    Result<std::vector<WatchEvent>> fresh = ReadEventHistory(
        ctx_.endpoints[m], last + 1, final_revision_, std::chrono::seconds(10));
    stall_lines[w] =
        "watcher " + std::to_string(w) + " stalled on m" + std::to_string(m) +
        " at revision " + std::to_string(last) + " (cluster at " +
        std::to_string(final_revision_) + ", its last event at " +
        std::to_string(watchers[w]->last_event_us() / 1000000) +
        " s) for 20 s after the load stopped; a new watch on m" +
        std::to_string(m) + " from " + std::to_string(last + 1) +
        (fresh.ok() ? " delivered all " + std::to_string(fresh.value().size()) +
                          " events"
                    : ": " + fresh.status().ToString());
  }
  for (auto& w : watchers) w->Stop();
  for (std::thread& t : watcher_threads) t.join();
  for (size_t w = 0; w < watchers.size(); ++w) {
    if (stall_lines[w].empty()) continue;
    Anomaly(stall_lines[w]);
    for (const std::string& c : watchers[w]->connections()) {
      printf("  watcher %zu stream: %s\n", w, c.c_str());
    }
    printf("%s\n", stall_sockets[w].c_str());
  }

  if (g_interrupted.load()) {
    printf("FAIL: interrupted\n");
    return 1;
  }

  Result<std::vector<WatchEvent>> reference = ReadEventHistory(
      ctx_.endpoints[0], 1, final_revision_, std::chrono::seconds(30));
  if (!reference.ok()) {
    Anomaly("event history: " + reference.status().ToString());
  } else {
    for (const std::string& a :
         CheckEventHistory(reference.value(), final_revision_)) {
      Anomaly(a);
    }
    for (const std::string& a :
         CheckAckedWrites(history_.acked(), reference.value())) {
      Anomaly(a);
    }
    for (size_t w = 0; w < watchers.size(); ++w) {
      for (const std::string& a : watchers[w]->anomalies()) Anomaly(a);
      for (const std::string& a :
           CheckWatcher("watcher " + std::to_string(w), watchers[w]->events(),
                        reference.value())) {
        Anomaly(a);
      }
    }
  }
  CheckHashes();

  const std::vector<sim::KvOp> ops = history_.ops();
  const auto t0 = Clock::now();
  sim::CheckResult lin = sim::CheckLinearizable(ops);
  printf("linearizability: %s (%.1f s)\n", lin.ToString().c_str(),
         MsSince(t0) / 1000);
  if (lin.verdict == sim::CheckResult::Verdict::kIllegal) {
    Anomaly("history not linearizable on key " + lin.key);
    for (const sim::KvOp& op : lin.witness)
      printf("  %s\n", op.ToString().c_str());
  } else if (lin.verdict == sim::CheckResult::Verdict::kUnknown) {
    Anomaly("linearizability check gave up (step budget) on key " + lin.key);
  }

  // Report.
  uint64_t unknown = 0;
  for (const sim::KvOp& op : ops) unknown += op.unknown ? 1 : 0;
  uint64_t events = 0;
  int reconnects = 0;
  for (auto& w : watchers) {
    events += w->events().size();
    reconnects += w->reconnects();
  }
  printf("\n==== chaos report (seed %llu) ====\n",
         static_cast<unsigned long long>(o_.seed));
  printf("faults injected:\n");
  int total = 0;
  for (int k = 0; k < kFaultKinds; ++k) {
    const char* name = FaultName(static_cast<FaultKind>(k));
    total += faults_[name];
    printf("  %-22s %d\n", name, faults_[name]);
  }
  printf("  %-22s %d\n", "total", total);
  printf(
      "operations: %zu (%llu unknown outcome), %zu acknowledged writes, "
      "final revision %lld\n",
      ops.size(), static_cast<unsigned long long>(unknown),
      history_.acked().size(), static_cast<long long>(final_revision_));
  printf("watch events seen: %llu over 2 watchers, %d reconnects\n",
         static_cast<unsigned long long>(events), reconnects);
  for (int l = 1; l >= 0; --l) {
    const char* what = l == 1 ? "leader" : "follower";
    printf("recovery after %s kill: leader elected %s\n", what,
           Percentiles(elect_ms_[l]).c_str());
    printf("recovery after %s kill: write acknowledged %s\n", what,
           Percentiles(write_ms_[l]).c_str());
  }
  printf("recovery after a quorum loss (from the restarts): %s\n",
         Percentiles(quorum_ms_).c_str());
  if (faults_[FaultName(FaultKind::kLatency)] > 0) {
    // Operations (with a known outcome) invoked under added latency, and
    // those invoked while no fault was in force.
    std::vector<double> delayed;
    std::vector<double> leader_delayed;
    std::vector<double> quiet;
    for (const sim::KvOp& op : ops) {
      if (op.unknown) continue;
      const Window* in = nullptr;
      for (const Window& w : windows_) {
        if (op.call >= w.start_us && op.call < w.end_us) in = &w;
      }
      const double ms = static_cast<double>(op.ret - op.call) / 1000;
      if (in == nullptr) {
        quiet.push_back(ms);
      } else if (in->kind == FaultKind::kLatency) {
        (in->leader_links ? leader_delayed : delayed).push_back(ms);
      }
    }
    printf("operation latency without faults: %s\n",
           Percentiles(quiet).c_str());
    printf("operation latency, all the leader's links delayed: %s\n",
           Percentiles(leader_delayed).c_str());
    printf("operation latency, other links delayed: %s\n",
           Percentiles(delayed).c_str());
  }
  printf("peer proxy: %llu connections, %.1f MB forwarded\n",
         static_cast<unsigned long long>(proxy_->connections()),
         static_cast<double>(proxy_->bytes()) / 1e6);
  for (const std::string& n : notes_) printf("note: %s\n", n.c_str());
  printf("anomalies: %zu\n", anomalies_.size());
  for (const std::string& a : anomalies_) printf("  %s\n", a.c_str());
  printf("%s\n", anomalies_.empty() ? "PASS" : "FAIL");
  return anomalies_.empty() ? 0 : 1;
}

void PrintTail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  printf("---- tail of %s\n", path.c_str());
  for (const std::string& l : tail) printf("%s\n", l.c_str());
}

int Main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o;
  if (!ParseFlags(argc, argv, &o)) return 2;
  if (!o.seed_given) o.seed = std::random_device()();
  printf("chaos: seed %llu (repeat with --seed %llu)\n",
         static_cast<unsigned long long>(o.seed),
         static_cast<unsigned long long>(o.seed));

  if (geteuid() != 0) {
    printf("SKIP: the chaos test needs root (network namespaces)\n");
    return kExitSkip;
  }
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Topology::SweepStale("cairnchaos");
  Topology topology("cairnchaos", o.members);
  Status s = topology.Create();
  if (!s.ok()) {
    printf("SKIP: cannot set up network namespaces: %s\n",
           s.ToString().c_str());
    return kExitSkip;
  }
  bool slow_links = true;
  switch (topology.ProbeSlowLink()) {
    case Topology::SlowKind::kNetem:
      printf("slow links: netem delay 60ms +- 40ms\n");
      break;
    case Topology::SlowKind::kTbf:
      printf(
          "note: tc netem is not available in this kernel; slow links are a "
          "tbf rate limit (400 kbit/s, up to 300 ms queueing) instead of "
          "added latency\n");
      break;
    case Topology::SlowKind::kNone:
      printf("note: neither netem nor tbf is available; no slow-link faults\n");
      slow_links = false;
      break;
  }
  s = topology.EnterHub();
  if (!s.ok()) {
    printf("SKIP: cannot enter the hub namespace: %s\n", s.ToString().c_str());
    return kExitSkip;
  }

  char tmpl[] = "/tmp/cairn-chaos-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    printf("FAIL: mkdtemp failed\n");
    return 1;
  }
  const std::string work = tmpl;
  printf("work dir %s\n", work.c_str());
  // Every peer link goes through the proxy (in the hub namespace, which
  // this thread has entered, so its threads and sockets are there too).
  PeerProxy proxy(
      o.members,
      [&topology](const std::string& ip) { return topology.MemberAt(ip); },
      [](int m) { return Topology::ProxyAddress(m); });
  for (int i = 0; i < o.members; ++i) {
    Result<uint16_t> port =
        proxy.Listen(i, Topology::ProxyAddress(i), Cluster::kPeerPort,
                     Topology::Address(i), Cluster::kPeerPort);
    if (!port.ok()) {
      printf("FAIL: peer proxy: %s\n", port.status().ToString().c_str());
      return 1;
    }
  }
  int rc;
  {
    Cluster cluster(&topology, o.cairn, work, o.members);
    Run run(o, &topology, &cluster, &proxy);
    rc = run.Main(slow_links);
    cluster.StopAll();
    proxy.Stop();
    if (rc != 0) {
      for (int i = 0; i < cluster.size(); ++i) {
        PrintTail(cluster.Log(i), 15);
      }
    }
  }
  topology.Destroy();
  if (rc == 0 && !o.keep) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  } else {
    printf("kept %s (members' data and logs)\n", work.c_str());
  }
  return rc;
}

}  // namespace
}  // namespace cairn::chaos

int main(int argc, char** argv) { return cairn::chaos::Main(argc, argv); }
