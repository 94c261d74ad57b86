#include "cli/cairnctl/gateway_client.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <charconv>
#include <set>
#include <utility>

#include "cli/cairn/tls.h"

namespace cairn::ctl {

namespace {

constexpr std::string_view kDeadline = kErrDeadline;

Code CodeFromGrpc(int grpc_code) {
  switch (grpc_code) {
    case 3:
      return Code::kInvalidArgument;
    case 4:
      return Code::kTimeout;
    case 5:
      return Code::kNotFound;
    case 7:
      return Code::kPermissionDenied;
    case 8:
      return Code::kResourceExhausted;
    case 9:
      return Code::kFailedPrecondition;
    case 11:
      return Code::kOutOfRange;
    case 16:
      return Code::kAuthFailed;
    default:
      return Code::kUnavailable;
  }
}

// Whether a transport error means "this endpoint is not there" (fail over)
// rather than "it broke while answering". A server whose certificate does
// not verify was never sent the request.
bool IsUnreachable(httplib::Error e) {
  return e == httplib::Error::Connection ||
         e == httplib::Error::ConnectionTimeout ||
         e == httplib::Error::SSLConnection ||
         e == httplib::Error::SSLServerVerification;
}

// Keeps a write to a socket the server has closed (a TLS handshake it
// refused, then OpenSSL writes on) from killing cairnctl with SIGPIPE, as
// Go's runtime keeps it from killing etcdctl: SIGPIPE is blocked in this
// thread while the guard is open, and one raised meanwhile is discarded.
// Writes to stdout are made with the guard closed, where a broken pipe
// still ends the program, as in etcdctl.
class SigpipeGuard {
 public:
  SigpipeGuard() { Open(); }
  ~SigpipeGuard() { Close(); }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

  void Open() {
    sigset_t pipe = PipeSet();
    pthread_sigmask(SIG_BLOCK, &pipe, &old_);
    open_ = sigismember(&old_, SIGPIPE) == 0;
  }
  void Close() {
    if (!open_) return;
    sigset_t pipe = PipeSet();
    const timespec zero{};
    while (sigtimedwait(&pipe, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    open_ = false;
  }

 private:
  static sigset_t PipeSet() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    return s;
  }
  sigset_t old_;
  bool open_ = false;
};

template <typename Duration>
std::pair<time_t, time_t> SecUsec(Duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d);
  return {static_cast<time_t>(us.count() / 1000000),
          static_cast<time_t>(us.count() % 1000000)};
}

}  // namespace

struct GatewayClient::Conn {
  std::unique_ptr<httplib::Client> http;
};

Result<Endpoint> ParseEndpoint(std::string_view text) {
  Endpoint ep;
  ep.text = std::string(text);
  std::string_view rest = text;
  ep.scheme = "http";
  if (size_t p = rest.find("://"); p != std::string_view::npos) {
    ep.scheme = std::string(rest.substr(0, p));
    rest.remove_prefix(p + 3);
  }
  if (ep.scheme != "http" && ep.scheme != "https") {
    return Status::InvalidArgument("unsupported scheme in endpoint \"" +
                                   ep.text + "\"");
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("endpoint \"" + ep.text +
                                   "\" has no host:port");
  }
  ep.host = std::string(rest.substr(0, colon));
  std::string_view port = rest.substr(colon + 1);
  auto [ptr, ec] =
      std::from_chars(port.data(), port.data() + port.size(), ep.port);
  if (ec != std::errc() || ptr != port.data() + port.size() || ep.port <= 0 ||
      ep.port > 65535) {
    return Status::InvalidArgument("endpoint \"" + ep.text +
                                   "\" has a bad port");
  }
  return ep;
}

// etcd 3.4's errStringToError keys (etcdserver/api/v3rpc/rpctypes).
bool IsEtcdErrorText(const std::string& m) {
  static const std::set<std::string> kTexts = {
      "etcdserver: key is not provided",
      "etcdserver: key not found",
      "etcdserver: value is provided",
      "etcdserver: lease is provided",
      "etcdserver: too many operations in txn request",
      "etcdserver: duplicate key given in txn request",
      "etcdserver: mvcc: required revision has been compacted",
      "etcdserver: mvcc: required revision is a future revision",
      "etcdserver: mvcc: database space exceeded",
      "etcdserver: requested lease not found",
      "etcdserver: lease already exists",
      "etcdserver: too large lease TTL",
      "etcdserver: member ID already exist",
      "etcdserver: Peer URLs already exists",
      "etcdserver: re-configuration failed due to not enough started members",
      "etcdserver: given member URLs are invalid",
      "etcdserver: member not found",
      "etcdserver: can only promote a learner member",
      "etcdserver: can only promote a learner member which is in sync with "
      "leader",
      "etcdserver: too many learner members in cluster",
      "etcdserver: request is too large",
      "etcdserver: too many requests",
      "etcdserver: root user does not exist",
      "etcdserver: root user does not have root role",
      "etcdserver: user name already exists",
      "etcdserver: user name is empty",
      "etcdserver: user name not found",
      "etcdserver: role name already exists",
      "etcdserver: role name not found",
      "etcdserver: role name is empty",
      "etcdserver: authentication failed, invalid user ID or password",
      "etcdserver: permission denied",
      "etcdserver: role is not granted to the user",
      "etcdserver: permission is not granted to the role",
      "etcdserver: authentication is not enabled",
      "etcdserver: invalid auth token",
      "etcdserver: invalid auth management",
      "etcdserver: revision of auth store is old",
      "etcdserver: no leader",
      "etcdserver: not leader",
      "etcdserver: leader changed",
      "etcdserver: not capable",
      "etcdserver: server stopped",
      "etcdserver: request timed out",
      "etcdserver: request timed out, possibly due to previous leader failure",
      "etcdserver: request timed out, possibly due to connection lost",
      "etcdserver: request timed out, waiting for the applied index took too "
      "long",
      "etcdserver: unhealthy cluster",
      "etcdserver: corrupt cluster",
      "etcdserver: rpc not supported for learner",
      "etcdserver: bad leader transferee",
  };
  return kTexts.count(m) > 0;
}

std::string ClientErrorText(int grpc_code, const std::string& message) {
  if (IsEtcdErrorText(message)) return message;
  static const char* kNames[] = {"OK",
                                 "Canceled",
                                 "Unknown",
                                 "InvalidArgument",
                                 "DeadlineExceeded",
                                 "NotFound",
                                 "AlreadyExists",
                                 "PermissionDenied",
                                 "ResourceExhausted",
                                 "FailedPrecondition",
                                 "Aborted",
                                 "OutOfRange",
                                 "Unimplemented",
                                 "Internal",
                                 "Unavailable",
                                 "DataLoss",
                                 "Unauthenticated"};
  const std::string name = grpc_code >= 0 && grpc_code <= 16
                               ? kNames[grpc_code]
                               : "Code(" + std::to_string(grpc_code) + ")";
  return "rpc error: code = " + name + " desc = " + message;
}

Status StatusFromGatewayError(const Json& body, int http_status) {
  if (body.is_object() && body.contains("message") &&
      body["message"].is_string()) {
    // "code" in a unary error, "grpc_code" in a stream's.
    const char* key = body.contains("code") ? "code" : "grpc_code";
    const int code = body.contains(key) && body[key].is_number_integer()
                         ? body[key].get<int>()
                         : 2;
    return Status(CodeFromGrpc(code), body["message"].get<std::string>());
  }
  return Status(Code::kUnavailable,
                "unexpected HTTP status " + std::to_string(http_status));
}

Result<Json> DecodeGatewayAnswer(int status, const std::string& body,
                                 const std::string& from) {
  Json answer = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status == 404 && answer.is_discarded()) {
    return Status::NotFound("Not Found");
  }
  if (answer.is_discarded()) {
    return Status(Code::kUnavailable, "bad answer from " + from + ": not JSON");
  }
  if (status != 200) {
    Status s = StatusFromGatewayError(answer, status);
    auto code = answer.find("code");
    if (!answer.contains("message") || code == answer.end() ||
        !code->is_number_integer()) {
      return s;  // not the gateway's error body
    }
    return Status(s.code(), ClientErrorText(code->get<int>(), s.message()));
  }
  return answer;
}

Result<std::unique_ptr<GatewayClient>> GatewayClient::Create(
    ClientOptions options) {
  if (options.endpoints.empty()) {
    return Status::InvalidArgument("no endpoints given");
  }
  std::vector<Endpoint> eps;
  for (const std::string& text : options.endpoints) {
    Result<Endpoint> ep = ParseEndpoint(text);
    if (!ep.ok()) return ep.status();
    eps.push_back(std::move(ep).value());
  }
  // clientv3 loads the TLS files when the client is made, whatever the
  // endpoints' scheme.
  Status tls = node::CheckClientTlsFiles({.cert_file = options.cert,
                                          .key_file = options.key,
                                          .trusted_ca_file = options.cacert});
  if (!tls.ok()) return tls;
  return std::unique_ptr<GatewayClient>(
      new GatewayClient(std::move(options), std::move(eps)));
}

GatewayClient::GatewayClient(ClientOptions options,
                             std::vector<Endpoint> endpoints)
    : options_(std::move(options)), endpoints_(std::move(endpoints)) {
  conns_.resize(endpoints_.size());
}

GatewayClient::~GatewayClient() = default;

GatewayClient::Conn& GatewayClient::ConnFor(size_t i) {
  if (conns_[i]) return *conns_[i];
  const Endpoint& ep = endpoints_[i];
  auto conn = std::make_unique<Conn>();
  conn->http = std::make_unique<httplib::Client>(
      ep.scheme + "://" + ep.host + ":" + std::to_string(ep.port),
      options_.cert, options_.key);
  auto [ds, du] = SecUsec(options_.dial_timeout);
  conn->http->set_connection_timeout(ds, du);
  auto [cs, cu] = SecUsec(options_.command_timeout);
  conn->http->set_read_timeout(cs, cu);
  conn->http->set_write_timeout(cs, cu);
  conn->http->set_keep_alive(true);
  conn->http->set_tcp_nodelay(true);
  ApplyTls(*conn->http);
  conns_[i] = std::move(conn);
  return *conns_[i];
}

// For https endpoints: the server is verified against --cacert (the
// system's CAs without it) unless --insecure-skip-tls-verify; --cert and
// --key were given to the client's constructor.
void GatewayClient::ApplyTls(httplib::Client& http) const {
  if (!options_.cacert.empty()) http.set_ca_cert_path(options_.cacert);
  http.enable_server_certificate_verification(
      !options_.insecure_skip_tls_verify);
}

Result<Json> GatewayClient::PostOnce(size_t i, std::string_view path,
                                     const Json& body, bool* unreachable) {
  *unreachable = false;
  httplib::Request req;
  req.method = "POST";
  req.path = std::string(path);
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  if (!options_.token.empty()) req.set_header("Authorization", options_.token);
  // etcd's gateway ends error answers with an HTTP trailer that
  // cpp-httplib 0.11 fails to parse after the body; keep the status and
  // body as they arrive so that such an answer is still read.
  int status = 0;
  std::string answer_body;
  req.response_handler = [&](const httplib::Response& r) {
    status = r.status;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    answer_body.append(data, len);
    return true;
  };
  SigpipeGuard guard;
  httplib::Result res = ConnFor(i).http->send(req);
  guard.Close();
  if (!res) {
    conns_[i].reset();  // a broken connection is not reused
    if (status == 0 || answer_body.empty()) {
      *unreachable = IsUnreachable(res.error());
      return Status(Code::kTimeout, std::string(kDeadline));
    }
  }
  return DecodeGatewayAnswer(status, answer_body, endpoints_[i].text);
}

Result<Json> GatewayClient::Call(std::string_view path, const Json& body) {
  Result<Json> r = CallOnce(path, body);
  // A token can lapse (TTL, auth store change) between calls; clientv3
  // authenticates again and retries once, and so do we.
  if (!r.ok() && !options_.username.empty() && !options_.password.empty() &&
      (r.status().message() == kErrInvalidAuthToken ||
       r.status().message() == kErrAuthOldRevision)) {
    Status s = Authenticate();
    if (!s.ok()) return s;
    r = CallOnce(path, body);
  }
  return r;
}

Status GatewayClient::Authenticate() {
  options_.token.clear();
  const Json body = {{"name", options_.username},
                     {"password", options_.password}};
  Status last(Code::kTimeout, std::string(kDeadline));
  for (size_t tried = 0; tried < endpoints_.size(); ++tried) {
    const size_t i = (current_ + tried) % endpoints_.size();
    bool unreachable = false;
    Result<Json> r = PostOnce(i, "/v3/auth/authenticate", body, &unreachable);
    if (unreachable) continue;
    current_ = i;
    if (r.ok()) {
      const Json& answer = r.value();
      auto token = answer.find("token");
      if (token != answer.end() && token->is_string()) {
        options_.token = token->get<std::string>();
      }
      return Status::Ok();
    }
    if (r.status().message() == kErrAuthNotEnabled) return r.status();
    last = r.status();
  }
  return last;
}

Result<Json> GatewayClient::CallOnce(std::string_view path, const Json& body) {
  for (size_t tried = 0; tried < endpoints_.size(); ++tried) {
    const size_t i = (current_ + tried) % endpoints_.size();
    bool unreachable = false;
    Result<Json> r = PostOnce(i, path, body, &unreachable);
    if (unreachable) continue;
    current_ = i;
    return r;
  }
  return Status(Code::kTimeout, std::string(kDeadline));
}

Result<Json> GatewayClient::CallEndpoint(size_t endpoint, std::string_view path,
                                         const Json& body) {
  bool unreachable = false;
  return PostOnce(endpoint, path, body, &unreachable);
}

Result<Json> GatewayClient::Get(size_t endpoint, std::string_view path) {
  SigpipeGuard guard;
  httplib::Result res = ConnFor(endpoint).http->Get(std::string(path));
  guard.Close();
  if (!res) {
    conns_[endpoint].reset();
    return Status(Code::kTimeout, std::string(kDeadline));
  }
  Json answer = Json::parse(res->body, nullptr, false);
  if (answer.is_discarded()) {
    return Status(
        Code::kUnavailable,
        "bad answer from " + endpoints_[endpoint].text + ": not JSON");
  }
  if (res->status != 200) return StatusFromGatewayError(answer, res->status);
  return answer;
}

void StreamCancel::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  // Shuts the socket down, so that a blocked read returns.
  if (active_ != nullptr) active_->stop();
}

bool StreamCancel::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

bool StreamCancel::Enter(httplib::Client* http) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return false;
  active_ = http;
  return true;
}

void StreamCancel::Leave() {
  std::lock_guard<std::mutex> lock(mu_);
  active_ = nullptr;
}

Status GatewayClient::Stream(std::string_view path, const Json& body,
                             const std::function<bool(const Json&)>& on_message,
                             StreamCancel* cancel,
                             std::chrono::milliseconds idle_timeout) {
  const Status canceled(Code::kUnavailable, "context canceled");
  for (size_t tried = 0; tried < endpoints_.size(); ++tried) {
    const size_t i = (current_ + tried) % endpoints_.size();
    // A stream has no command timeout: it lasts until the caller stops.
    httplib::Client http(endpoints_[i].scheme + "://" + endpoints_[i].host +
                             ":" + std::to_string(endpoints_[i].port),
                         options_.cert, options_.key);
    ApplyTls(http);
    auto [ds, du] = SecUsec(options_.dial_timeout);
    http.set_connection_timeout(ds, du);
    if (idle_timeout.count() > 0) {
      auto [rs, ru] = SecUsec(idle_timeout);
      http.set_read_timeout(rs, ru);
    } else {
      http.set_read_timeout(24 * 3600, 0);
    }
    // A stream may stay quiet for long. TCP keep-alive probes find a
    // server that closed it without its FIN or RST reaching us (a reset
    // lost on a lossy link left a watch hanging for ever in the chaos
    // tests): the read then fails and the caller can reconnect.
    http.set_socket_options([](socket_t sock) {
      httplib::default_socket_options(sock);
      int on = 1;
      int idle_s = 5;
      int interval_s = 2;
      int probes = 3;
      ::setsockopt(sock, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
      ::setsockopt(sock, IPPROTO_TCP, TCP_KEEPIDLE, &idle_s, sizeof(idle_s));
      ::setsockopt(sock, IPPROTO_TCP, TCP_KEEPINTVL, &interval_s,
                   sizeof(interval_s));
      ::setsockopt(sock, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
    });
    std::string buffer;
    bool stopped = false;
    SigpipeGuard guard;
    Status error;
    httplib::Request req;
    req.method = "POST";
    req.path = std::string(path);
    req.body = body.dump();
    req.set_header("Content-Type", "application/json");
    if (!options_.token.empty()) {
      req.set_header("Authorization", options_.token);
    }
    req.content_receiver = [&](const char* data, size_t len, uint64_t,
                               uint64_t) {
      buffer.append(data, len);
      size_t nl;
      // A cancel that came before the socket was open is seen here: the
      // server answers every stream at once (created / first keep-alive).
      if (cancel != nullptr && cancel->cancelled()) return false;
      while ((nl = buffer.find('\n')) != std::string::npos) {
        Json msg = Json::parse(buffer.substr(0, nl), nullptr, false);
        buffer.erase(0, nl + 1);
        if (msg.is_discarded()) continue;
        if (msg.contains("error")) {
          const Json& e = msg["error"];
          error = StatusFromGatewayError(e.is_object() ? e : msg, 200);
          return false;
        }
        guard.Close();  // on_message prints
        const bool more = on_message(msg);
        guard.Open();
        if (!more) {
          stopped = true;
          return false;
        }
      }
      return true;
    };
    if (cancel != nullptr && !cancel->Enter(&http)) return canceled;
    httplib::Result res = http.send(req);
    guard.Close();
    if (cancel != nullptr) {
      cancel->Leave();
      if (cancel->cancelled()) return canceled;
    }
    if (stopped) return Status::Ok();
    if (!error.ok()) return error;
    if (!res) {
      if (IsUnreachable(res.error())) continue;
      return Status(Code::kUnavailable,
                    "stream broke: " + httplib::to_string(res.error()));
    }
    current_ = i;
    if (res->status != 200) {
      // A refused stream: {"error":{"grpc_code":..,"message":..}} (or a
      // unary-style error), in the body rather than through the receiver.
      Json answer =
          Json::parse(buffer.empty() ? res->body : buffer, nullptr, false);
      if (answer.is_object() && answer.contains("error") &&
          answer["error"].is_object()) {
        answer = answer["error"];
      }
      Status s = StatusFromGatewayError(answer, res->status);
      auto code = answer.is_object() ? answer.find("grpc_code") : answer.end();
      if (code == answer.end() || !code->is_number_integer()) return s;
      return Status(s.code(), ClientErrorText(code->get<int>(), s.message()));
    }
    return Status::Ok();
  }
  return Status(Code::kTimeout, std::string(kDeadline));
}

}  // namespace cairn::ctl
