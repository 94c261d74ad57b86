#include "tests/chaos/workload.h"

#include <charconv>
#include <cstdio>
#include <memory>
#include <thread>

#include "core/api/base64.h"
#include "core/util/random.h"

namespace cairn::chaos {
namespace {

using ctl::Json;

int64_t JsonInt(const Json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end()) return 0;
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return -1;
    return v;
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  return -1;
}

std::string B64(const std::string& s) { return api::EncodeBase64(s); }

std::optional<std::string> FieldBytes(const Json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end()) return std::string();
  if (!it->is_string()) return std::nullopt;
  Result<std::string> r = api::DecodeBase64(it->get<std::string>());
  if (!r.ok()) return std::nullopt;
  return r.value();
}

std::unique_ptr<ctl::GatewayClient> MakeClient(const std::string& endpoint,
                                               int command_timeout_ms) {
  ctl::ClientOptions options;
  options.endpoints = {endpoint};
  options.dial_timeout = std::chrono::milliseconds(300);
  options.command_timeout = std::chrono::milliseconds(command_timeout_ms);
  return std::move(ctl::GatewayClient::Create(options).value());
}

// The value a range answer holds for its key (nullopt: absent). Errors for
// an answer that does not parse.
Result<std::optional<std::string>> RangeValue(const Json& answer) {
  auto kvs = answer.find("kvs");
  if (kvs == answer.end()) return std::optional<std::string>();
  if (!kvs->is_array() || kvs->size() != 1 || !(*kvs)[0].is_object()) {
    return Status(Code::kInvalidArgument, "bad kvs: " + kvs->dump());
  }
  std::optional<std::string> v = FieldBytes((*kvs)[0], "value");
  if (!v) return Status(Code::kInvalidArgument, "bad value: " + kvs->dump());
  return std::optional<std::string>(*v);
}

}  // namespace

int64_t HeaderRevision(const ctl::Json& answer) {
  auto it = answer.find("header");
  return it == answer.end() || !it->is_object() ? 0 : JsonInt(*it, "revision");
}

uint64_t RunClock::NowUs() const {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start_)
          .count());
}

void History::Add(const sim::KvOp& op) {
  std::lock_guard<std::mutex> lock(mu_);
  ops_.push_back(op);
}

void History::Ack(AckedWrite write) {
  std::lock_guard<std::mutex> lock(mu_);
  acked_.push_back(std::move(write));
}

std::vector<sim::KvOp> History::ops() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ops_;
}

std::vector<AckedWrite> History::acked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acked_;
}

uint64_t History::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ops_.size();
}

std::string PrefixKeyB64() { return B64(kKeyPrefix); }

std::string PrefixRangeEndB64() {
  std::string end = kKeyPrefix;
  end.back() = static_cast<char>(end.back() + 1);
  return B64(end);
}

bool PutRecorded(const WorkloadContext& ctx, ctl::GatewayClient& client,
                 uint64_t client_id, const std::string& key,
                 const std::string& value) {
  sim::KvOp op;
  op.client = client_id;
  op.kind = sim::KvOp::Kind::kPut;
  op.key = key;
  op.write = value;
  op.call = ctx.clock->NowUs();
  Result<Json> r =
      client.Call("/v3/kv/put", Json{{"key", B64(key)}, {"value", B64(value)}});
  op.ret = ctx.clock->NowUs();
  const int64_t rev = r.ok() ? HeaderRevision(r.value()) : 0;
  op.unknown = !r.ok() || rev <= 0;
  ctx.history->Add(op);
  if (!op.unknown) ctx.history->Ack({key, value, rev});
  return !op.unknown;
}

void RunClient(const WorkloadContext& ctx, uint64_t client, uint64_t seed) {
  Random rnd(seed);
  const int n = static_cast<int>(ctx.endpoints.size());
  std::vector<std::unique_ptr<ctl::GatewayClient>> conns;
  for (const std::string& e : ctx.endpoints)
    conns.push_back(MakeClient(e, 1500));
  std::map<std::string, std::optional<std::string>> last_seen;
  int member = static_cast<int>(client % n);
  uint64_t seq = 0;
  while (!ctx.stop->load()) {
    if (!ctx.up(member)) {
      int next = -1;
      for (int t = 0; t < n && next < 0; ++t) {
        const int m = static_cast<int>((member + 1 + t) % n);
        if (ctx.up(m)) next = m;
      }
      if (next < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      member = next;
    }
    ctl::GatewayClient& conn = *conns[member];
    const std::string key =
        std::string(kKeyPrefix) + "k" + std::to_string(rnd.Uniform(ctx.keys));
    const std::string value =
        "c" + std::to_string(client) + "-" + std::to_string(++seq);
    const uint64_t dice = rnd.Uniform(100);
    sim::KvOp op;
    op.client = client;
    op.key = key;
    bool failed = false;
    if (dice < 40) {
      failed = !PutRecorded(ctx, conn, client, key, value);
      if (!failed) last_seen[key] = value;
    } else if (dice < 80) {
      op.kind = sim::KvOp::Kind::kGet;
      op.call = ctx.clock->NowUs();
      Result<Json> r = conn.Call("/v3/kv/range", Json{{"key", B64(key)}});
      op.ret = ctx.clock->NowUs();
      Result<std::optional<std::string>> v =
          r.ok() ? RangeValue(r.value())
                 : Result<std::optional<std::string>>(r.status());
      if (v.ok()) {
        op.read = v.value();
        last_seen[key] = v.value();
        ctx.history->Add(op);
      } else {
        failed = true;  // a read without an answer changed nothing
      }
    } else if (dice < 85) {
      op.kind = sim::KvOp::Kind::kDelete;
      op.call = ctx.clock->NowUs();
      Result<Json> r = conn.Call("/v3/kv/deleterange", Json{{"key", B64(key)}});
      op.ret = ctx.clock->NowUs();
      op.unknown = !r.ok();
      failed = !r.ok();
      ctx.history->Add(op);
      if (r.ok() && JsonInt(r.value(), "deleted") > 0) {
        ctx.history->Ack({key, std::nullopt, HeaderRevision(r.value())});
      }
      last_seen[key] = std::nullopt;
    } else {
      op.kind = sim::KvOp::Kind::kCas;
      auto seen = last_seen.find(key);
      op.expect = seen != last_seen.end() && seen->second ? *seen->second
                                                          : std::string("none");
      op.write = value;
      Json txn = {
          {"compare", Json::array({Json{{"key", B64(key)},
                                        {"target", "VALUE"},
                                        {"value", B64(*op.expect)}}})},
          {"success",
           Json::array({Json{{"request_put", Json{{"key", B64(key)},
                                                  {"value", B64(value)}}}}})}};
      op.call = ctx.clock->NowUs();
      Result<Json> r = conn.Call("/v3/kv/txn", txn);
      op.ret = ctx.clock->NowUs();
      op.unknown = !r.ok();
      failed = !r.ok();
      if (r.ok()) {
        auto s = r.value().find("succeeded");
        op.succeeded =
            s != r.value().end() && s->is_boolean() && s->get<bool>();
        if (op.succeeded) {
          ctx.history->Ack({key, value, HeaderRevision(r.value())});
          last_seen[key] = value;
        }
      }
      ctx.history->Add(op);
    }
    if (failed) {
      member = static_cast<int>((member + 1 + rnd.Uniform(n - 1)) % n);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
}

Result<std::vector<WatchEvent>> ParseWatchEvents(const Json& msg) {
  std::vector<WatchEvent> out;
  auto result = msg.find("result");
  if (result == msg.end() || !result->is_object()) {
    return Status(Code::kInvalidArgument, "no result: " + msg.dump());
  }
  auto canceled = result->find("canceled");
  if (canceled != result->end() && *canceled == true) {
    return Status(Code::kUnavailable, "watch canceled: " + msg.dump());
  }
  auto events = result->find("events");
  if (events == result->end()) return out;
  if (!events->is_array()) {
    return Status(Code::kInvalidArgument, "bad events: " + msg.dump());
  }
  for (const Json& e : *events) {
    auto kv = e.find("kv");
    if (kv == e.end() || !kv->is_object()) {
      return Status(Code::kInvalidArgument, "bad event: " + e.dump());
    }
    WatchEvent ev;
    ev.revision = JsonInt(*kv, "mod_revision");
    std::optional<std::string> key = FieldBytes(*kv, "key");
    std::optional<std::string> value = FieldBytes(*kv, "value");
    if (ev.revision <= 0 || !key || !value) {
      return Status(Code::kInvalidArgument, "bad event: " + e.dump());
    }
    ev.key = *key;
    auto type = e.find("type");
    if (type == e.end() || *type != "DELETE") ev.value = *value;
    out.push_back(std::move(ev));
  }
  return out;
}

Watcher::Watcher(const WorkloadContext& ctx, int first_member)
    : ctx_(ctx), member_(first_member) {}

void Watcher::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  if (cancel_ != nullptr) cancel_->Cancel();
}

void Watcher::Run() {
  const int n = static_cast<int>(ctx_.endpoints.size());
  bool first = true;
  while (true) {
    ctl::StreamCancel cancel;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      cancel_ = &cancel;
    }
    if (!first) ++reconnects_;
    first = false;
    if (ctx_.up(member_.load())) {
      char line[96];
      snprintf(line, sizeof(line), "%.1f s: m%d from revision %lld",
               ctx_.clock->NowUs() / 1e6, member_.load(),
               static_cast<long long>(last_revision_.load() + 1));
      connections_.push_back(line);
      std::unique_ptr<ctl::GatewayClient> conn =
          MakeClient(ctx_.endpoints[member_.load()], 1000);
      const Json create = {
          {"create_request",
           Json{{"key", PrefixKeyB64()},
                {"range_end", PrefixRangeEndB64()},
                {"start_revision", last_revision_.load() + 1}}}};
      Status s = conn->Stream(
          "/v3/watch", create,
          [&](const Json& msg) {
            Result<std::vector<WatchEvent>> evs = ParseWatchEvents(msg);
            if (!evs.ok()) {
              if (evs.status().code() != Code::kUnavailable) {
                anomalies_.push_back("watch on m" +
                                     std::to_string(member_.load()) + ": " +
                                     evs.status().message());
              }
              return false;
            }
            for (WatchEvent& ev : evs.value()) {
              const int64_t last = last_revision_.load();
              if (ev.revision != last + 1 && anomalies_.size() < 20) {
                anomalies_.push_back(
                    "watch on m" + std::to_string(member_.load()) +
                    ": revision " + std::to_string(ev.revision) + " after " +
                    std::to_string(last) +
                    (ev.revision <= last ? " (duplicate or out of order)"
                                         : " (gap)"));
              }
              if (ev.revision > last) {
                last_revision_.store(ev.revision);
                last_event_us_.store(ctx_.clock->NowUs());
                events_.push_back(std::move(ev));
              }
            }
            return true;
          },
          &cancel);
      (void)s;  // a broken stream: reconnect
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancel_ = nullptr;
      if (stopped_) return;
    }
    member_.store((member_.load() + 1) % n);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Result<std::vector<WatchEvent>> ReadEventHistory(
    const std::string& endpoint, int64_t from_revision, int64_t until_revision,
    std::chrono::milliseconds timeout) {
  std::vector<WatchEvent> out;
  if (until_revision < from_revision) return out;
  std::unique_ptr<ctl::GatewayClient> conn = MakeClient(endpoint, 2000);
  ctl::StreamCancel cancel;
  std::atomic<bool> done{false};
  std::thread timer([&] {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!done.load() && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    cancel.Cancel();
  });
  Status error;
  const Json create = {
      {"create_request", Json{{"key", PrefixKeyB64()},
                              {"range_end", PrefixRangeEndB64()},
                              {"start_revision", from_revision}}}};
  Status s = conn->Stream(
      "/v3/watch", create,
      [&](const Json& msg) {
        Result<std::vector<WatchEvent>> evs = ParseWatchEvents(msg);
        if (!evs.ok()) {
          error = evs.status();
          return false;
        }
        for (WatchEvent& ev : evs.value()) out.push_back(std::move(ev));
        return out.empty() || out.back().revision < until_revision;
      },
      &cancel);
  done.store(true);
  timer.join();
  if (!error.ok()) return error;
  if (out.empty() || out.back().revision < until_revision) {
    return Status(Code::kTimeout,
                  "event history from " + endpoint + " ended at revision " +
                      std::to_string(out.empty() ? 0 : out.back().revision) +
                      ", wanted " + std::to_string(until_revision) + " (" +
                      s.ToString() + ")");
  }
  return out;
}

}  // namespace cairn::chaos
