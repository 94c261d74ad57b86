#include "cli/cairnctl/concurrency.h"

#include <cstdio>

#include "cli/cairnctl/command.h"
#include "core/api/base64.h"

namespace cairn::ctl {

namespace {

Status Canceled() { return Status(Code::kUnavailable, "context canceled"); }

bool IsCancelled(StreamCancel* cancel) {
  return cancel != nullptr && cancel->cancelled();
}

const Json& FirstKv(const Json& range) {
  static const Json kNull;
  const Json& kvs = JsonField(range, "kvs");
  return kvs.is_array() && !kvs.empty() ? kvs[0] : kNull;
}

// The RangeResponse of the txn's `i`th answer.
const Json& TxnRange(const Json& txn, size_t i) {
  static const Json kNull;
  const Json& responses = JsonField(txn, "responses");
  if (!responses.is_array() || responses.size() <= i) return kNull;
  return JsonField(responses[i], "response_range");
}

bool IsDelete(const Json& event) {
  return event.value("type", std::string("PUT")) == "DELETE";
}

// Waits until `key` is deleted at or after `rev` (etcd's waitDelete).
Status WaitDelete(GatewayClient& client, const std::string& key, int64_t rev,
                  StreamCancel* cancel) {
  const Json create = {{"key", api::EncodeBase64(key)},
                       {"start_revision", std::to_string(rev)}};
  bool deleted = false;
  Status watch_error;
  Status s = client.Stream(
      "/v3/watch", Json{{"create_request", create}},
      [&](const Json& msg) {
        const Json& r = JsonField(msg, "result");
        if (JsonBool(r, "canceled")) {
          watch_error =
              JsonInt(r, "compact_revision") != 0
                  ? Status(Code::kCompacted,
                           "etcdserver: mvcc: required revision has been "
                           "compacted")
                  : Status(Code::kUnavailable, JsonString(r, "cancel_reason"));
          return false;
        }
        for (const Json& ev : JsonField(r, "events")) {
          if (IsDelete(ev)) deleted = true;
        }
        return !deleted;
      },
      cancel);
  if (deleted) return Status::Ok();
  if (IsCancelled(cancel)) return Canceled();
  if (!watch_error.ok()) return watch_error;
  if (!s.ok()) return s;
  return Status(Code::kUnavailable, "lost watcher waiting for delete");
}

}  // namespace

std::string ContenderKey(const std::string& prefix, int64_t lease) {
  // Go's %x of a signed value: a minus sign and the magnitude.
  const bool negative = lease < 0;
  const unsigned long long magnitude =
      negative ? 0ULL - static_cast<unsigned long long>(lease)
               : static_cast<unsigned long long>(lease);
  char hex[20];
  std::snprintf(hex, sizeof(hex), "%s%llx", negative ? "-" : "", magnitude);
  return prefix + hex;
}

Json FirstCreateRange(const std::string& prefix) {
  return Json{{"key", api::EncodeBase64(prefix)},
              {"range_end", api::EncodeBase64(PrefixRangeEnd(prefix))},
              {"limit", "1"},
              {"sort_order", "ASCEND"},
              {"sort_target", "CREATE"}};
}

Json LastCreateRange(const std::string& prefix, int64_t max_create_rev) {
  return Json{{"key", api::EncodeBase64(prefix)},
              {"range_end", api::EncodeBase64(PrefixRangeEnd(prefix))},
              {"limit", "1"},
              {"sort_order", "DESCEND"},
              {"sort_target", "CREATE"},
              {"max_create_revision", std::to_string(max_create_rev)}};
}

Json CreateRevisionIs(const std::string& key, int64_t rev) {
  return Json{{"result", "EQUAL"},
              {"target", "CREATE"},
              {"key", api::EncodeBase64(key)},
              {"create_revision", std::to_string(rev)}};
}

Json PutWithLease(const std::string& key, const std::string& value,
                  int64_t lease) {
  return Json{{"key", api::EncodeBase64(key)},
              {"value", api::EncodeBase64(value)},
              {"lease", std::to_string(lease)}};
}

int64_t ContenderRevision(const Json& txn) {
  if (JsonBool(txn, "succeeded")) {
    return JsonInt(JsonField(txn, "header"), "revision");
  }
  return JsonInt(FirstKv(TxnRange(txn, 0)), "create_revision");
}

Status WaitDeletes(GatewayClient& client, const std::string& prefix,
                   int64_t max_create_rev, StreamCancel* cancel, Json* header) {
  for (;;) {
    if (IsCancelled(cancel)) return Canceled();
    Result<Json> r =
        client.Call("/v3/kv/range", LastCreateRange(prefix, max_create_rev));
    if (!r.ok()) return r.status();
    const Json& last = FirstKv(r.value());
    if (last.is_null()) {
      *header = JsonField(r.value(), "header");
      return Status::Ok();
    }
    const int64_t rev = JsonInt(JsonField(r.value(), "header"), "revision");
    Status s = WaitDelete(client, JsonBytes(last, "key"), rev, cancel);
    if (!s.ok()) return s;
  }
}

Status Mutex::Lock(StreamCancel* cancel) {
  key_ = ContenderKey(prefix_, lease_);
  const Json mine = {{"key", api::EncodeBase64(key_)}};
  const Json owner = {{"request_range", FirstCreateRange(prefix_)}};
  const Json txn = {
      {"compare", Json::array({CreateRevisionIs(key_, 0)})},
      {"success",
       Json::array(
           {Json{{"request_put", PutWithLease(key_, "", lease_)}}, owner})},
      {"failure", Json::array({Json{{"request_range", mine}}, owner})}};
  Result<Json> r = client_.Call("/v3/kv/txn", txn);
  if (!r.ok()) return r.status();
  const int64_t my_rev = ContenderRevision(r.value());
  const Json& first = FirstKv(TxnRange(r.value(), 1));
  if (first.is_null() || JsonInt(first, "create_revision") == my_rev) {
    header_revision_ = JsonInt(JsonField(r.value(), "header"), "revision");
    return Status::Ok();
  }
  Json header;
  Status s = WaitDeletes(client_, prefix_, my_rev - 1, cancel, &header);
  if (!s.ok()) {
    (void)Unlock();  // the wait's error is the one to report
    return s;
  }
  header_revision_ = JsonInt(header, "revision");
  return Status::Ok();
}

Status Mutex::Unlock() {
  Result<Json> r = client_.Call("/v3/kv/deleterange",
                                Json{{"key", api::EncodeBase64(key_)}});
  return r.ok() ? Status::Ok() : r.status();
}

Status Election::Campaign(const std::string& value, StreamCancel* cancel) {
  key_ = ContenderKey(prefix_, lease_);
  const Json txn = {
      {"compare", Json::array({CreateRevisionIs(key_, 0)})},
      {"success",
       Json::array({Json{{"request_put", PutWithLease(key_, value, lease_)}}})},
      {"failure", Json::array({Json{{"request_range",
                                     {{"key", api::EncodeBase64(key_)}}}}})}};
  Result<Json> r = client_.Call("/v3/kv/txn", txn);
  if (!r.ok()) return r.status();
  rev_ = ContenderRevision(r.value());
  leading_ = true;
  if (!JsonBool(r.value(), "succeeded") &&
      JsonBytes(FirstKv(TxnRange(r.value(), 0)), "value") != value) {
    Status s = Proclaim(value);
    if (!s.ok()) {
      (void)Resign();
      return s;
    }
  }
  Json header;
  Status s = WaitDeletes(client_, prefix_, rev_ - 1, cancel, &header);
  if (!s.ok()) {
    // Resign only when the wait was given up; a broken wait keeps the
    // key, as etcd's Campaign does.
    if (IsCancelled(cancel)) {
      (void)Resign();
    } else {
      leading_ = false;
    }
    return s;
  }
  return Status::Ok();
}

Status Election::Proclaim(const std::string& value) {
  const Json txn = {
      {"compare", Json::array({CreateRevisionIs(key_, rev_)})},
      {"success", Json::array({Json{
                      {"request_put", PutWithLease(key_, value, lease_)}}})}};
  Result<Json> r = client_.Call("/v3/kv/txn", txn);
  if (!r.ok()) return r.status();
  if (!JsonBool(r.value(), "succeeded")) {
    key_.clear();
    return Status(Code::kFailedPrecondition, "election: not leader");
  }
  return Status::Ok();
}

Status Election::Resign() {
  if (!leading_) return Status::Ok();
  const Json txn = {
      {"compare", Json::array({CreateRevisionIs(key_, rev_)})},
      {"success", Json::array({Json{{"request_delete_range",
                                     {{"key", api::EncodeBase64(key_)}}}}})}};
  Result<Json> r = client_.Call("/v3/kv/txn", txn);
  key_.clear();
  leading_ = false;
  return r.ok() ? Status::Ok() : r.status();
}

Status Election::WaitFirstPut(int64_t rev, StreamCancel* cancel, Json* out) {
  const Json create = {
      {"key", api::EncodeBase64(prefix_)},
      {"range_end", api::EncodeBase64(PrefixRangeEnd(prefix_))},
      {"start_revision", std::to_string(rev)}};
  bool found = false;
  Status s = client_.Stream(
      "/v3/watch", Json{{"create_request", create}},
      [&](const Json& msg) {
        const Json& r = JsonField(msg, "result");
        if (JsonBool(r, "canceled")) return false;
        for (const Json& ev : JsonField(r, "events")) {
          if (IsDelete(ev)) continue;
          // The batch may hold several puts: the header names the first.
          Json header = JsonField(r, "header");
          header["revision"] = JsonField(ev["kv"], "mod_revision");
          *out = Json{{"header", header}, {"kvs", Json::array({ev["kv"]})}};
          found = true;
          return false;
        }
        return true;
      },
      cancel);
  if (found) return Status::Ok();
  if (!s.ok()) return s;
  return Status(Code::kUnavailable, "lost watcher waiting for a leader");
}

Status Election::Observe(StreamCancel* cancel,
                         const std::function<void(const Json&)>& on_leader) {
  for (;;) {
    if (IsCancelled(cancel)) return Status::Ok();
    Result<Json> r = client_.Call("/v3/kv/range", FirstCreateRange(prefix_));
    if (!r.ok()) return r.status();
    Json leader;
    if (FirstKv(r.value()).is_null()) {
      const int64_t rev = JsonInt(JsonField(r.value(), "header"), "revision");
      Status s = WaitFirstPut(rev, cancel, &leader);
      if (IsCancelled(cancel)) return Status::Ok();
      if (!s.ok()) return s;
    } else {
      leader = Json{{"header", JsonField(r.value(), "header")},
                    {"kvs", Json::array({FirstKv(r.value())})}};
    }
    on_leader(leader);
    // Later values of this leader come with the first range's count and
    // more fields, as etcd's observe reuses that response.
    Json update = r.value();
    const Json& kv = leader["kvs"][0];
    const Json create = {
        {"key", kv["key"]},
        {"start_revision",
         std::to_string(JsonInt(leader["header"], "revision") + 1)}};
    bool deleted = false;
    Status s = client_.Stream(
        "/v3/watch", Json{{"create_request", create}},
        [&](const Json& msg) {
          const Json& res = JsonField(msg, "result");
          for (const Json& ev : JsonField(res, "events")) {
            if (IsDelete(ev)) {
              deleted = true;
              return false;
            }
            update["header"] = JsonField(res, "header");
            update["kvs"] = Json::array({ev["kv"]});
            on_leader(update);
          }
          return !JsonBool(res, "canceled");
        },
        cancel);
    if (IsCancelled(cancel)) return Status::Ok();
    if (!deleted) {
      return s.ok() ? Status(Code::kUnavailable, "observer lost") : s;
    }
  }
}

}  // namespace cairn::ctl
