#include "cli/cairn/client_api.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "cli/cairn/connection_guard.h"
#include "cli/cairn/metrics.h"
#include "cli/cairn/tls.h"
#include "cli/cairn/watch_request_pump.h"
#include "core/api/gateway_error.h"
#include "core/api/request_decoder.h"

namespace cairn::node {

namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kText = "text/plain; charset=utf-8";
// How long reading one unary request may take (at most
// 2 * --max-request-bytes + 1 MiB; 30 s allows about 100 KiB/s).
constexpr std::chrono::seconds kRequestReadTimeout{30};

size_t TxnBytes(const mvcc::TxnRequest& txn);

// A marshalled RequestOp costs its byte fields plus a few tag and length
// bytes; 16 covers them.
size_t OpBytes(const mvcc::RequestOp& op) {
  if (const auto* p = std::get_if<mvcc::PutRequest>(&op.request)) {
    return p->key.size() + p->value.size() + 16;
  }
  if (const auto* r = std::get_if<mvcc::RangeRequest>(&op.request)) {
    return r->key.size() + r->range_end.size() + 16;
  }
  if (const auto* d = std::get_if<mvcc::DeleteRangeRequest>(&op.request)) {
    return d->key.size() + d->range_end.size() + 16;
  }
  if (const auto* t = std::get_if<mvcc::TxnRequest>(&op.request)) {
    return TxnBytes(*t);
  }
  return 16;
}

size_t TxnBytes(const mvcc::TxnRequest& txn) {
  size_t n = 16;
  for (const auto& c : txn.compare) {
    n += c.key.size() + c.range_end.size() + c.value.size() + 16;
  }
  for (const auto& op : txn.success) n += OpBytes(op);
  for (const auto& op : txn.failure) n += OpBytes(op);
  return n;
}

void Reply(httplib::Response& res, int status, const std::string& body,
           const char* content_type) {
  res.status = status;
  res.set_content(body, content_type);
}

std::string ErrorBody(const api::GatewayError& err) {
  return api::EncodeGatewayError(err);
}

// etcd's gateway serves /v3beta/ as /v3/ (older clients).
std::string GatewayPath(const std::string& path) {
  constexpr std::string_view kBeta = "/v3beta/";
  if (path.starts_with(kBeta)) return "/v3/" + path.substr(kBeta.size());
  return path;
}

// One open watch stream, counted while it lives.
class StreamSlot {
 public:
  explicit StreamSlot(std::shared_ptr<std::atomic<size_t>> count)
      : count_(std::move(count)) {}
  ~StreamSlot() { count_->fetch_sub(1); }
  StreamSlot(const StreamSlot&) = delete;
  StreamSlot& operator=(const StreamSlot&) = delete;

 private:
  std::shared_ptr<std::atomic<size_t>> count_;
};

// The paths served by the fast path (over plain HTTP): the key-value
// calls, most of the traffic. Never forwarded to the leader, they are
// answered by the host loop itself.
bool IsFastPath(std::string_view path) {
  constexpr std::string_view kBeta = "/v3beta/";
  if (path.starts_with(kBeta))
    path.remove_prefix(kBeta.size() - 1);
  else if (path.starts_with("/v3/"))
    path.remove_prefix(3);
  else
    return false;
  return path == "/kv/range" || path == "/kv/put" ||
         path == "/kv/deleterange" || path == "/kv/txn";
}

RequestAuth AuthOf(const httplib::Request& req) {
  return RequestAuth{.token = req.get_header_value("Authorization"),
                     .cert_common_name = VerifiedClientCommonName(req)};
}

}  // namespace

ClientApi::ClientApi(ClientApiOptions options, ClientApiHandlers handlers)
    : options_(std::move(options)), handlers_(std::move(handlers)) {}

size_t ClientApi::RequestBytes(const api::GatewayRequest& req,
                               size_t body_bytes) {
  if (const auto* p = std::get_if<mvcc::PutRequest>(&req)) {
    return p->key.size() + p->value.size() + 16;
  }
  if (const auto* t = std::get_if<mvcc::TxnRequest>(&req)) return TxnBytes(*t);
  return body_bytes;
}

std::variant<api::GatewayRequest, ClientApi::Answer> ClientApi::Prepare(
    const std::string& path, std::string_view body) const {
  Result<api::GatewayRequest> req = api::DecodeRequest(path, body);
  if (!req.ok()) {
    if (req.status().code() == Code::kNotFound) {
      return Answer{404, "Not Found\n", kText};  // the gateway mux's own
    }
    api::GatewayError err = path == "/v3/lease/keepalive"
                                ? api::ToStreamDecodeError(req.status())
                                : api::ToGatewayError(req.status());
    return Answer{err.http_status, ErrorBody(err)};
  }
  Status size = api::CheckRequestSize(RequestBytes(req.value(), body.size()),
                                      options_.max_request_bytes);
  if (!size.ok()) {
    api::GatewayError err = api::ToGatewayError(size);
    return Answer{err.http_status, ErrorBody(err)};
  }
  return std::move(req).value();
}

ClientApi::Answer ClientApi::AnswerOf(Result<std::string> result) {
  if (!result.ok()) {
    api::GatewayError err = api::ToGatewayError(result.status());
    return {err.http_status, ErrorBody(err)};
  }
  return {200, std::move(result).value()};
}

ClientApi::Answer ClientApi::Unary(const std::string& path,
                                   const std::string& body,
                                   const RequestAuth& auth) const {
  auto req = Prepare(path, body);
  if (auto* refused = std::get_if<Answer>(&req)) return std::move(*refused);
  return AnswerOf(handlers_.unary(std::get<api::GatewayRequest>(req), auth));
}

void ClientApi::UnaryAsync(const std::string& path, std::string_view body,
                           const RequestAuth& auth, FastRespond respond) const {
  auto req = Prepare(path, body);
  if (auto* refused = std::get_if<Answer>(&req)) {
    respond([a = std::move(*refused)] { return a; }, true);
    return;
  }
  handlers_.unary_async(
      std::get<api::GatewayRequest>(req), auth,
      [respond = std::move(respond)](ClientApiHandlers::UnaryResult result,
                                     bool cheap) {
        respond([result = std::move(result)] { return AnswerOf(result()); },
                cheap);
      });
}

void ClientApi::Watch(const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& reader) const {
  if (watch_streams_->fetch_add(1) >= options_.max_watch_streams) {
    watch_streams_->fetch_sub(1);
    // The body is not read: the connection is not reused.
    res.set_header("Connection", "close");
    Reply(
        res, 503,
        ErrorBody({503, api::GrpcCode::kUnavailable, "too many watch streams"}),
        kJson);
    return;
  }
  auto slot = std::make_shared<StreamSlot>(watch_streams_);
  auto pump =
      std::make_shared<WatchRequestPump>(reader, options_.max_request_bytes);
  Result<std::vector<api::WatchRequest>> first = pump->First();
  if (!first.ok()) {  // the first message: the gateway answers 500
    api::GatewayError err = api::ToStreamDecodeError(first.status());
    Reply(res, err.http_status, ErrorBody(err), kJson);
    return;
  }
  std::shared_ptr<WatchSession> session =
      handlers_.watch(std::move(first).value(), AuthOf(req));
  pump->Attach(session);
  // The body may still be arriving when the stream ends: the connection
  // is not reused.
  res.set_header("Connection", "close");
  const auto poll = options_.watch_poll;
  res.set_chunked_content_provider(
      kJson,
      [session, poll](size_t, httplib::DataSink& sink) {
        std::string chunk;
        switch (session->Next(chunk, poll)) {
          case WatchSession::Poll::kData:
            return sink.write(chunk.data(), chunk.size());
          case WatchSession::Poll::kIdle:
            // false ends a gone client's stream: one that closed its side
            // (no event may ever come to find out by a failed write), or
            // whose socket failed.
            return sink.is_writable() && !ClientHungUp();
          case WatchSession::Poll::kEnd:
            sink.done();
            return true;
        }
        return false;
      },
      [session, pump, slot](bool) {
        session->Close();
        pump->Stop();
        (void)slot;  // the stream's count goes with the response
      });
}

void ClientApi::Snapshot(const httplib::Request& req, const std::string& body,
                         httplib::Response& res) const {
  // The request is an empty message, as Status's is: decoding it as one
  // gives etcd's errors for a body that is not a JSON object.
  Result<api::GatewayRequest> decoded =
      api::DecodeRequest("/v3/maintenance/status", body);
  if (!decoded.ok()) {
    api::GatewayError err = api::ToGatewayError(decoded.status());
    Reply(res, err.http_status, ErrorBody(err), kJson);
    return;
  }
  if (handlers_.snapshot_auth) {
    Status s = handlers_.snapshot_auth(AuthOf(req));
    if (!s.ok()) {
      // A stream's error, as grpc-gateway prints one.
      api::GatewayError err = api::ToGatewayError(s);
      const char* text = err.http_status == 401   ? "Unauthorized"
                         : err.http_status == 403 ? "Forbidden"
                         : err.http_status == 400 ? "Bad Request"
                                                  : "Internal Server Error";
      nlohmann::ordered_json inner;
      inner["grpc_code"] = static_cast<int>(err.grpc_code);
      inner["http_code"] = err.http_status;
      inner["message"] = err.message;
      inner["http_status"] = text;
      nlohmann::ordered_json j;
      j["error"] = std::move(inner);
      Reply(res, err.http_status, j.dump(), kJson);
      return;
    }
  }
  auto next = std::make_shared<std::function<std::optional<std::string>()>>(
      handlers_.snapshot(AuthOf(req)));
  res.set_chunked_content_provider(
      kJson, [next](size_t, httplib::DataSink& sink) {
        std::optional<std::string> line = (*next)();
        if (!line.has_value()) {
          sink.done();
          return true;
        }
        return sink.write(line->data(), line->size());
      });
}

namespace {

std::string ReadBody(const httplib::ContentReader& reader) {
  std::string body;
  reader([&body](const char* data, size_t n) {
    body.append(data, n);
    return true;
  });
  return body;
}

}  // namespace

void ClientApi::RegisterHandlers(httplib::Server& server) {
  // Request bodies are bounded before decoding, with room for base64's
  // growth; the exact check is RequestBytes against the limit.
  server.set_payload_max_length(options_.max_request_bytes * 2 + (1 << 20));
  // A request body must arrive within kRequestReadTimeout, except a watch
  // stream's, so that clients trickling bodies cannot hold every worker.
  if (auto* guarded = dynamic_cast<GuardedServer*>(&server)) {
    guarded->set_request_read_timeout(kRequestReadTimeout,
                                      {"/v3/watch", "/v3beta/watch"});
  }
  server.Get(
      "/health", [this](const httplib::Request&, httplib::Response& res) {
        bool ok = !handlers_.healthy || handlers_.healthy();
        Reply(res, ok ? 200 : 503,
              ok ? "{\"health\":\"true\"}" : "{\"health\":\"false\"}", kText);
      });
  server.Get(
      "/version", [this](const httplib::Request&, httplib::Response& res) {
        nlohmann::ordered_json j = {{"etcdserver", options_.server_version},
                                    {"etcdcluster", options_.cluster_version}};
        Reply(res, 200, j.dump(), kJson);
      });
  if (handlers_.metrics != nullptr) {
    server.Get("/metrics",
               [this](const httplib::Request&, httplib::Response& res) {
                 Reply(res, 200, handlers_.metrics->Expose(),
                       "text/plain; version=0.0.4; charset=utf-8");
               });
  }
  // Bodies are read through a content reader: for a body sent as a form
  // (curl -d), cpp-httplib's own reader would refuse anything over 8 KiB
  // with 413, while etcd's gateway reads any content type as JSON.
  if (handlers_.watch) {
    server.Post(R"(/v3(?:beta)?/watch)",
                [this](const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& reader) {
                  Watch(req, res, reader);
                });
  }
  if (handlers_.snapshot) {
    server.Post(R"(/v3(?:beta)?/maintenance/snapshot)",
                [this](const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& reader) {
                  Snapshot(req, ReadBody(reader), res);
                });
  }
  if (auto* guarded = dynamic_cast<GuardedServer*>(&server);
      guarded != nullptr && handlers_.unary_async) {
    guarded->set_fast_path(
        IsFastPath, [this](const FastRequest& r, FastRespond respond) {
          UnaryAsync(GatewayPath(std::string(r.path)), r.body,
                     RequestAuth{.token = std::string(r.authorization)},
                     std::move(respond));
        });
  }
  server.Post(R"(/v3(?:beta)?/.*)",
              [this](const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) {
                Answer a =
                    Unary(GatewayPath(req.path), ReadBody(reader), AuthOf(req));
                Reply(res, a.status, a.body, a.content_type.c_str());
              });
  auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
    Reply(res, 405, "Method Not Allowed\n", kText);
  };
  server.Get(R"(/v3(?:beta)?/.*)", not_allowed);
  server.Put(R"(/v3(?:beta)?/.*)", not_allowed);
  server.Delete(R"(/v3(?:beta)?/.*)", not_allowed);
}

}  // namespace cairn::node
