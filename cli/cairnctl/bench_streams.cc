// cairnctl benchmark watch-latency and lease-keepalive: the two benchmarks
// of etcd's tool that use gRPC streams, over the gateway's streams.
//
// watch-latency: --clients watchers each hold a /v3/watch stream on one
// key; one more connection puts to that key, --put-rate puts per second,
// and waits until every watcher has seen the put before the next. With
// --prefix (cairn's; etcd's tool watches one key) each watches the
// prefix "w" and each put writes a new key under it ("w" and the put's
// number, --key-size long), so that the server matches every put
// against ranges rather than one key. A
// latency is the time from sending the put to a watcher receiving its
// event (etcd's tool starts the clock when the put has returned; starting
// before keeps every latency positive and includes the commit).
//
// lease-keepalive: each client grants a lease (TTL 100 s, as etcd's tool)
// and sends keep-alives for it. Each keep-alive is one gateway stream
// (a POST with one request and one answer), so each opens a connection;
// one that gets no answer within the command timeout fails.
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "cli/cairnctl/bench_command.h"
#include "cli/cairnctl/printer.h"
#include "core/api/base64.h"

namespace cairn::ctl {

namespace {

using Clock = std::chrono::steady_clock;

// How long a put's event may take to reach every watcher, and a watch to
// be created, before the run fails.
constexpr auto kEventTimeout = std::chrono::seconds(10);

// The watchers' shared record: arrival times by revision, per watcher.
struct WatchBoard {
  std::mutex mu;
  std::condition_variable cv;
  int created = 0;
  std::vector<int64_t> last_rev;                           // per watcher
  std::vector<std::map<int64_t, Clock::time_point>> seen;  // per watcher
  std::vector<Status> ended;                               // a stream's end
};

// What the watchers watch and where each put goes.
struct WatchTarget {
  std::string key;        // the key, or the prefix
  std::string range_end;  // empty: the key alone
  int key_size = 0;       // of a put's key under the prefix
  std::string PutKey(int64_t i) const {
    return range_end.empty() ? key : key + BenchKey(i, key_size - 1);
  }
};

void WatchOne(GatewayClient& client, const WatchTarget& target, size_t w,
              WatchBoard& board, StreamCancel& cancel) {
  Json create = {{"key", api::EncodeBase64(target.key)}};
  if (!target.range_end.empty()) {
    create["range_end"] = api::EncodeBase64(target.range_end);
  }
  Status s = client.Stream(
      "/v3/watch", Json{{"create_request", create}},
      [&](const Json& msg) {
        const Clock::time_point now = Clock::now();
        const Json r = msg.value("result", Json::object());
        std::lock_guard<std::mutex> lock(board.mu);
        if (JsonBool(r, "created")) ++board.created;
        for (const Json& ev : r.value("events", Json::array())) {
          const int64_t rev = JsonInt(JsonField(ev, "kv"), "mod_revision");
          board.seen[w][rev] = now;
          board.last_rev[w] = std::max(board.last_rev[w], rev);
        }
        board.cv.notify_all();
        return !JsonBool(r, "canceled");
      },
      &cancel);
  std::lock_guard<std::mutex> lock(board.mu);
  board.ended[w] = s.ok() ? Status(Code::kUnavailable, "watch ended") : s;
  board.cv.notify_all();
}

// The first error of an ended stream, or OK.
Status EndedStream(const WatchBoard& board) {
  for (const Status& s : board.ended) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// Waits until `pred` holds or a stream ended; false on timeout or end.
template <typename Pred>
Status AwaitBoard(WatchBoard& board, Pred pred, const char* what) {
  std::unique_lock<std::mutex> lock(board.mu);
  const bool ok = board.cv.wait_for(
      lock, kEventTimeout, [&] { return pred() || !EndedStream(board).ok(); });
  if (!EndedStream(board).ok()) return EndedStream(board);
  if (!ok) return Status(Code::kTimeout, what);
  return Status::Ok();
}

struct PutLog {
  std::map<int64_t, Clock::time_point> sent;  // revision -> put sent
  std::map<std::string, int64_t> errors;
};

// The putting side: puts until the plan is done, each waited for by all
// watchers. Returns the first error that ends the run early.
Status PutLoop(const RunOptions& plan, GatewayClient& putter,
               const WatchTarget& target, const std::string& value,
               WatchBoard& board, PutLog* log) {
  const Clock::time_point deadline = Clock::now() + plan.duration;
  const auto step = plan.rate > 0 ? std::chrono::duration<double>(1 / plan.rate)
                                  : std::chrono::duration<double>(0);
  Progress progress(
      plan.progress, plan.tty,
      plan.total > 0
          ? plan.total
          : std::chrono::duration_cast<std::chrono::seconds>(plan.duration)
                .count());
  const Clock::time_point start = Clock::now();
  int64_t shown_s = 0;
  for (int64_t i = 0; plan.total <= 0 || i < plan.total; ++i) {
    std::this_thread::sleep_until(
        start + std::chrono::duration_cast<Clock::duration>(step * double(i)));
    if (plan.total <= 0 && Clock::now() >= deadline) break;
    const Clock::time_point t0 = Clock::now();
    Result<Json> r = putter.Call(
        "/v3/kv/put",
        Json{{"key", api::EncodeBase64(target.PutKey(i))}, {"value", value}});
    if (!r.ok()) return r.status();
    const int64_t rev = JsonInt(JsonField(r.value(), "header"), "revision");
    log->sent[rev] = t0;
    Status s = AwaitBoard(
        board,
        [&] {
          for (int64_t last : board.last_rev) {
            if (last < rev) return false;
          }
          return true;
        },
        "a watcher did not see a put within 10s");
    if (!s.ok()) return s;
    if (plan.total > 0) {
      progress.Add(1);
    } else {  // a timed run counts its seconds
      const int64_t secs =
          std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start)
              .count();
      progress.Add(secs - shown_s);
      shown_s = secs;
    }
  }
  return Status::Ok();
}

std::optional<CommandError> RunWatchLatency(Context& ctx, const BenchFlags& f,
                                            double put_rate, bool prefix) {
  RunOptions plan;
  if (auto e = PlanRun(f, &plan)) return e;
  if (auto e = CheckKeyFlags(f)) return e;
  if (auto e = CheckBenchFormat(ctx)) return e;
  if (put_rate <= 0)
    return CommandError{kExitBadArgs, "expected --put-rate > 0"};
  if (prefix && f.key_size < 2) {
    return CommandError{kExitBadArgs, "expected --key-size >= 2 with --prefix"};
  }
  plan.rate = put_rate;
  WatchTarget target{.key = prefix ? "w" : BenchKey(0, f.key_size),
                     .range_end = prefix ? "x" : "",
                     .key_size = f.key_size};
  const std::string value =
      api::EncodeBase64(std::string(size_t(f.val_size), 'v'));
  std::vector<std::unique_ptr<GatewayClient>> conns;
  if (auto e = OpenConns(ctx, f.clients + 1, target.PutKey(0), &conns)) {
    return e;
  }
  WatchBoard board;
  board.last_rev.assign(size_t(f.clients), 0);
  board.seen.resize(size_t(f.clients));
  board.ended.assign(size_t(f.clients), Status::Ok());
  std::vector<StreamCancel> cancels(size_t(f.clients));
  std::vector<std::thread> watchers;
  for (size_t w = 0; w < size_t(f.clients); ++w) {
    watchers.emplace_back(
        [&, w] { WatchOne(*conns[w + 1], target, w, board, cancels[w]); });
  }
  PutLog log;
  const Clock::time_point start = Clock::now();
  Status s = AwaitBoard(
      board, [&] { return board.created == f.clients; },
      "watches were not created within 10s");
  if (s.ok()) s = PutLoop(plan, *conns[0], target, value, board, &log);
  const double total_s =
      std::chrono::duration<double>(Clock::now() - start).count();
  for (StreamCancel& c : cancels) c.Cancel();
  for (std::thread& t : watchers) t.join();
  if (!s.ok()) ++log.errors[s.message()];
  std::vector<double> lats;
  for (const auto& seen : board.seen) {
    for (const auto& [rev, at] : seen) {
      auto it = log.sent.find(rev);
      if (it == log.sent.end()) continue;  // an event of another writer
      lats.push_back(std::chrono::duration<double>(at - it->second).count());
    }
  }
  LatencyStats st = ComputeStats(std::move(lats), total_s, log.errors);
  st.aborted = !s.ok();
  return PrintBench(ctx, st, "watch-latency");
}

std::optional<CommandError> RunLeaseKeepalive(Context& ctx,
                                              const BenchFlags& f) {
  RunOptions plan;
  if (auto e = PlanRun(f, &plan)) return e;
  if (auto e = CheckBenchFormat(ctx)) return e;
  std::vector<std::unique_ptr<GatewayClient>> conns;
  const int n = f.conns > 0 ? std::min(f.conns, f.clients) : f.clients;
  if (auto e = OpenConns(ctx, n, "lease-keepalive", &conns)) return e;
  std::vector<std::string> ids;
  for (int c = 0; c < f.clients; ++c) {
    Result<Json> g = conns[size_t(c) % conns.size()]->Call(
        "/v3/lease/grant", Json{{"TTL", "100"}});
    if (!g.ok()) return ErrorFrom(g.status());
    ids.push_back(std::to_string(JsonInt(g.value(), "ID")));
  }
  const LatencyStats st =
      RunLoad(plan, conns, [&ids](GatewayClient& c, int client, int64_t) {
        int64_t ttl = 0;
        Status s = c.Stream(
            "/v3/lease/keepalive", Json{{"ID", ids[size_t(client)]}},
            [&](const Json& m) {
              ttl = JsonInt(m.value("result", m), "TTL");
              return false;
            },
            nullptr, c.options().command_timeout);
        if (s.ok() && ttl <= 0) {
          return Status(Code::kLeaseNotFound,
                        "etcdserver: requested lease not found");
        }
        return s;
      });
  for (size_t c = 0; c < ids.size(); ++c) {
    // Best effort: a lease left behind expires after its 100 s.
    Result<Json> r =
        conns[c % conns.size()]->Call("/v3/lease/revoke", Json{{"ID", ids[c]}});
    if (!r.ok()) {
      ctx.err() << "warning: lease revoke failed: " << r.status().message()
                << "\n";
      break;
    }
  }
  return PrintBench(ctx, st, "lease-keepalive");
}

}  // namespace

void AddWatchLatencyBench(CLI::App* bench, CommandFn* selected) {
  auto f = std::make_shared<BenchFlags>();
  auto put_rate = std::make_shared<double>(100);
  auto prefix = std::make_shared<bool>(false);
  f->key_size = 32;
  f->val_size = 32;
  CLI::App* cmd = bench->add_subcommand(
      "watch-latency",
      "Benchmark watch latency: from a put to its event at each watcher");
  AddBenchFlags(cmd, f.get(), /*rate=*/false);
  cmd->add_option("--put-rate", *put_rate, "Number of keys to put per second")
      ->capture_default_str();
  cmd->add_option("--key-size", f->key_size, "Key size of watch response")
      ->capture_default_str();
  cmd->add_option("--val-size", f->val_size, "Value size of watch response")
      ->capture_default_str();
  cmd->add_flag("--prefix", *prefix,
                "Watch the prefix \"w\" and put a new key under it each time "
                "(cairn's; etcd's tool watches one key)");
  cmd->callback([selected, f, put_rate, prefix] {
    *selected = [f, put_rate,
                 prefix](Context& ctx) -> std::optional<CommandError> {
      return RunWatchLatency(ctx, *f, *put_rate, *prefix);
    };
  });
}

void AddLeaseKeepaliveBench(CLI::App* bench, CommandFn* selected) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* cmd =
      bench->add_subcommand("lease-keepalive", "Benchmark lease keepalive");
  AddBenchFlags(cmd, f.get());
  cmd->callback([selected, f] {
    *selected = [f](Context& ctx) -> std::optional<CommandError> {
      return RunLeaseKeepalive(ctx, *f);
    };
  });
}

}  // namespace cairn::ctl
