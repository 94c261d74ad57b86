// GatewayClient: cairnctl's connection to a cluster, over etcd's v3 JSON
// gateway (POST /v3/...), so that it talks to cairn and to etcd alike.
// Edge code: it opens sockets and reads the clock; one client is used by
// one thread at a time.
//
// Endpoints are tried in order, starting with the last one that answered;
// an endpoint that cannot be reached within the dial timeout is skipped
// and the call goes on to the next, as etcdctl's balancer does. An
// endpoint that answers with an error does not fail over: the error is
// the cluster's answer.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.h"

namespace httplib {
class Client;
}

namespace cairn::ctl {

using Json = nlohmann::ordered_json;

struct ClientOptions {
  // "host:port", "http://host:port" or "https://host:port".
  std::vector<std::string> endpoints = {"127.0.0.1:2379"};
  std::chrono::milliseconds dial_timeout{2000};
  std::chrono::milliseconds command_timeout{5000};
  // TLS (https endpoints), as etcdctl's --cacert, --cert, --key and
  // --insecure-skip-tls-verify. Create refuses cert/key files that do not
  // load (etcdctl's texts, e.g. "open F: no such file or directory").
  std::string cacert;
  std::string cert;
  std::string key;
  bool insecure_skip_tls_verify = false;
  // Sent as the Authorization header when non-empty.
  std::string token;
  // The user to authenticate as (Authenticate). With both set, a call
  // refused for an invalid or outdated token authenticates again and is
  // tried once more, as clientv3's retry interceptor does.
  std::string username;
  std::string password;
};

// etcd's texts for the answers that Authenticate and the token retry
// depend on (etcdserver/api/v3rpc/rpctypes).
inline constexpr std::string_view kErrAuthNotEnabled =
    "etcdserver: authentication is not enabled";
inline constexpr std::string_view kErrInvalidAuthToken =
    "etcdserver: invalid auth token";
inline constexpr std::string_view kErrAuthOldRevision =
    "etcdserver: revision of auth store is old";
// What etcdctl says when no endpoint answered in time.
inline constexpr std::string_view kErrDeadline = "context deadline exceeded";

// A parsed endpoint.
struct Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;
  int port = 0;
  std::string text;  // as given, for messages
};

// Parses "host:port" or "scheme://host:port". Errors: kInvalidArgument.
Result<Endpoint> ParseEndpoint(std::string_view text);

// Lets another thread end blocking Stream calls early (a signal, or a
// session that expired). Thread-safe. Once cancelled it stays cancelled:
// a Stream given it returns "context canceled" at once.
class StreamCancel {
 public:
  void Cancel();
  bool cancelled() const;

 private:
  friend class GatewayClient;
  // Registers the stream's connection; false when already cancelled.
  bool Enter(httplib::Client* http);
  void Leave();

  mutable std::mutex mu_;
  bool cancelled_ = false;
  httplib::Client* active_ = nullptr;
};

class GatewayClient {
 public:
  // Errors: kInvalidArgument for no endpoints, one that does not parse,
  // or TLS files that do not load.
  static Result<std::unique_ptr<GatewayClient>> Create(ClientOptions options);
  ~GatewayClient();
  GatewayClient(const GatewayClient&) = delete;
  GatewayClient& operator=(const GatewayClient&) = delete;

  // POSTs `body` to `path` and returns the decoded answer. Errors: the
  // gateway's error as a Status whose message is its "message" text
  // (code mapped from its gRPC code); kTimeout "context deadline
  // exceeded" when no endpoint could be reached in time, as etcdctl says;
  // kUnavailable for an answer that is not JSON.
  Result<Json> Call(std::string_view path, const Json& body);

  // POSTs /v3/auth/authenticate with the options' username and password
  // and keeps the token for every later request, as clientv3's getToken:
  // the endpoints are tried in turn, and an endpoint that is unreachable
  // or refuses the user is passed over for the next. Errors: the last
  // endpoint's answer (e.g. "etcdserver: authentication failed, invalid
  // user ID or password"); kErrAuthNotEnabled at once, with no token kept
  // (the caller goes on without one); kTimeout "context deadline
  // exceeded" when no endpoint could be reached.
  Status Authenticate();

  // Like Call, on one given endpoint only (endpoint health/status).
  Result<Json> CallEndpoint(size_t endpoint, std::string_view path,
                            const Json& body);

  // GETs a plain path (/health, /version) on one endpoint.
  Result<Json> Get(size_t endpoint, std::string_view path);

  // Streams: POSTs `body` and calls `on_message` with each JSON message of
  // the response stream until it returns false or the stream ends. No
  // command timeout applies. Errors as Call; kUnavailable when the stream
  // breaks; kUnavailable "context canceled" when `cancel` (may be null) was
  // cancelled before or during the stream. A non-zero `idle_timeout` ends
  // a stream that stays silent that long with kUnavailable "stream broke:
  // Read"; by default a stream may stay silent for a day (a quiet watch).
  Status Stream(std::string_view path, const Json& body,
                const std::function<bool(const Json&)>& on_message,
                StreamCancel* cancel = nullptr,
                std::chrono::milliseconds idle_timeout = {});

  const std::vector<Endpoint>& endpoints() const { return endpoints_; }
  // The options, with the token Authenticate got.
  const ClientOptions& options() const { return options_; }

 private:
  struct Conn;
  Result<Json> CallOnce(std::string_view path, const Json& body);
  GatewayClient(ClientOptions options, std::vector<Endpoint> endpoints);
  Conn& ConnFor(size_t i);
  void ApplyTls(httplib::Client& http) const;
  Result<Json> PostOnce(size_t i, std::string_view path, const Json& body,
                        bool* unreachable);

  ClientOptions options_;
  std::vector<Endpoint> endpoints_;
  std::vector<std::unique_ptr<Conn>> conns_;
  size_t current_ = 0;
};

// A gateway POST's answer, HTTP `status` and `body` from endpoint `from`
// (for messages): the decoded JSON, or the error Call returns for it.
Result<Json> DecodeGatewayAnswer(int status, const std::string& body,
                                 const std::string& from);

// The Status for a gateway error body {"error":..,"code":N,"message":..}.
Status StatusFromGatewayError(const Json& body, int http_status);

// The text etcdctl prints for a server error with gRPC code `grpc_code`
// and message `message`: clientv3 turns etcd's own errors (rpctypes'
// list, e.g. "etcdserver: permission denied") into their message and
// leaves any other as gRPC prints it, "rpc error: code = Unknown desc =
// MESSAGE".
std::string ClientErrorText(int grpc_code, const std::string& message);

}  // namespace cairn::ctl
