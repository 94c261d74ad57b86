// ClientApi: the node's HTTP client API, a thin adapter between HTTP and
// core/api. Edge code. It routes POST /v3/<service>/<method> through
// api::DecodeRequest to a unary handler and answers with the handler's
// encoded body or, for a Status, etcd's gateway error body
// (api::ToGatewayError); /v3/watch decodes the request stream
// (api::WatchStreamDecoder) and streams what a watch session yields. It
// also serves GET /health, /version and /metrics. It holds no state of
// its own beyond its options: handlers run on the HTTP server's threads
// and must be thread-safe (the node's handler queues the request for the
// host loop and waits for the answer). The key-value calls over plain
// HTTP go through unary_async instead, without a thread waiting
// (GuardedServer's fast path, fast_request.h).
//
// Matching etcd 3.4.23's gateway: an unknown /v3 path answers 404 with
// the text "Not Found"; another method than POST 405 "Method Not
// Allowed"; a request over --max-request-bytes 400 with
// "etcdserver: request is too large" (code 3).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cli/cairn/fast_request.h"
#include "core/api/requests.h"
#include "core/api/watch_codec.h"
#include "core/auth/credentials.h"
#include "core/util/result.h"

namespace httplib {
class Server;
struct Request;
struct Response;
class ContentReader;
}  // namespace httplib

namespace cairn::node {

class MetricsRegistry;

// The responses of one /v3/watch stream, produced by the node.
class WatchSession {
 public:
  enum class Poll { kData, kIdle, kEnd };
  virtual ~WatchSession() = default;
  // Waits up to `wait` for encoded responses (api::EncodeWatchResponse
  // lines). kData: `out` holds them; kIdle: nothing yet; kEnd: the stream
  // is over. Called from one HTTP thread at a time.
  virtual Poll Next(std::string& out, std::chrono::milliseconds wait) = 0;
  // A request of the stream that arrived after it opened (the request
  // body is read as it comes: etcd's gateway stream is two-way). Called
  // from the body's reader thread, in order.
  virtual void Submit(api::WatchRequest req) = 0;
  // The request body ended (or failed): no more Submit calls. The stream
  // itself goes on, as etcd's does when a client half-closes.
  virtual void EndOfRequests() {}
  // Called once when the HTTP stream is over: after kEnd, or when the
  // client went away (noticed when a write fails, so at the latest with
  // the next data after the hang-up). The producer should then cancel the
  // stream's watchers. The default does nothing.
  virtual void Close() {}
};

struct ClientApiOptions {
  size_t max_request_bytes = 1572864;  // --max-request-bytes
  std::string server_version;          // /version's "etcdserver"
  std::string cluster_version = "3.4.0";
  // How long a watch stream waits for data before checking that the
  // client is still connected.
  std::chrono::milliseconds watch_poll{200};
  // Watch streams open at once: each holds an HTTP worker and a reader
  // thread for as long as it lasts, so they are bounded below the
  // listener's workers (ConnectionLimits::max_workers, 1024) and unary
  // requests always find one. Over the bound a new stream is answered
  // 503 (code 14, "too many watch streams"). etcd has no such bound.
  size_t max_watch_streams = 512;
};

// Who a request comes from: the Authorization header's token and the CN
// of the client certificate verified on this TLS connection (tls.h's
// VerifiedClientCommonName; "" over plain HTTP or without
// --client-cert-auth).
using RequestAuth = auth::Credentials;

struct ClientApiHandlers {
  // Serves one decoded unary request; returns the encoded JSON body or
  // the error to report. Blocks until the answer is known. Required.
  std::function<Result<std::string>(const api::GatewayRequest& req,
                                    const RequestAuth& auth)>
      unary;
  // Serves one decoded unary request without blocking: calls `done`
  // once, on any thread, with a function that gives what `unary` would
  // return, and whether running it is cheap (a small answer: it may run
  // on the thread that calls `done`; FastRespond's `here`). Used for the
  // /v3/kv/ paths over plain HTTP (fast_request.h). Empty: every request
  // goes through `unary`.
  using UnaryResult = std::function<Result<std::string>()>;
  std::function<void(const api::GatewayRequest& req, const RequestAuth& auth,
                     std::function<void(UnaryResult, bool cheap)> done)>
      unary_async;
  // Opens a watch stream for the requests decoded so far (at least the
  // first message, unless the body was empty); later ones come through
  // WatchSession::Submit. Empty: /v3/watch answers as an unknown path.
  std::function<std::shared_ptr<WatchSession>(
      std::vector<api::WatchRequest> reqs, const RequestAuth& auth)>
      watch;
  // Opens the stream of one /v3/maintenance/snapshot call: each call of
  // the returned source gives the next line, nullopt at the end. Empty:
  // the path answers as an unknown one.
  std::function<std::function<std::optional<std::string>()>(
      const RequestAuth& auth)>
      snapshot;
  // Whether the token may take a snapshot (etcd: role root when auth is
  // on); its error is the stream's answer. Empty: always.
  std::function<Status(const RequestAuth& auth)> snapshot_auth;
  // /health: true when the member has a leader and no alarm. Empty: true.
  std::function<bool()> healthy;
  // /metrics. May be null (then /metrics is an unknown path).
  const MetricsRegistry* metrics = nullptr;
};

class ClientApi {
 public:
  ClientApi(ClientApiOptions options, ClientApiHandlers handlers);

  // Registers every route on `server`, which must not outlive this.
  void RegisterHandlers(httplib::Server& server);

  // The size etcd would compare with --max-request-bytes for `req`: the
  // bytes of its keys and values plus a small per-op overhead for puts and
  // txns (what dominates etcd's marshalled request), else `body_bytes`.
  static size_t RequestBytes(const api::GatewayRequest& req, size_t body_bytes);

 private:
  using Answer = FastAnswer;
  Answer Unary(const std::string& path, const std::string& body,
               const RequestAuth& auth) const;
  // Unary without waiting: `respond` gets the answer (fast_request.h).
  void UnaryAsync(const std::string& path, std::string_view body,
                  const RequestAuth& auth, FastRespond respond) const;
  // Decodes and checks a unary request: the request, or the answer that
  // refuses it.
  std::variant<api::GatewayRequest, Answer> Prepare(
      const std::string& path, std::string_view body) const;
  // The answer to the handler's result.
  static Answer AnswerOf(Result<std::string> result);
  void Watch(const httplib::Request& req, httplib::Response& res,
             const httplib::ContentReader& reader) const;
  void Snapshot(const httplib::Request& req, const std::string& body,
                httplib::Response& res) const;

  const ClientApiOptions options_;
  const ClientApiHandlers handlers_;
  // Watch streams open now (shared with the streams' releasers).
  const std::shared_ptr<std::atomic<size_t>> watch_streams_ =
      std::make_shared<std::atomic<size_t>>(0);
};

}  // namespace cairn::node
