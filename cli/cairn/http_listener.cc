#include "cli/cairn/http_listener.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "cli/cairn/connection_guard.h"
#include "core/api/url_check.h"

namespace cairn::node {

Result<ListenAddress> ParseListenUrl(const std::string& url) {
  Status s = api::CheckUrl(url);
  if (!s.ok()) return s;
  ListenAddress out;
  std::string hostport;
  if (url.rfind("http://", 0) == 0) {
    hostport = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    out.tls = true;
    hostport = url.substr(8);
  } else {
    return Status::InvalidArgument(
        "only http:// and https:// URLs are served: " + url);
  }
  size_t colon = hostport.rfind(':');
  out.host = hostport.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  const std::string port_text = hostport.substr(colon + 1);
  for (char c : port_text) {
    if (c < '0' || c > '9' || out.port > 65535) {
      return Status::InvalidArgument("bad port in " + url);
    }
    out.port = out.port * 10 + (c - '0');
  }
  if (port_text.empty() || out.port > 65535) {
    return Status::InvalidArgument("bad port in " + url);
  }
  return out;
}

HttpListener::HttpListener() : HttpListener(ConnectionLimits{}) {}

HttpListener::HttpListener(const ConnectionLimits& limits)
    : HttpListener(std::make_unique<GuardedServer>(limits)) {}

HttpListener::HttpListener(std::unique_ptr<GuardedServer> server)
    : server_(std::move(server)) {
  // Small request/response pairs: without it Nagle and delayed ACKs add
  // up to 40 ms to each one.
  server_->set_tcp_nodelay(true);
  // cpp-httplib sets SO_REUSEPORT alone, with which a second process
  // shares a port already served (splitting its connections), and a
  // TIME_WAIT left on the port by a socket without it (etcd's, say)
  // refuses the bind for a minute. As etcd (Go) does: SO_REUSEADDR only.
  server_->set_socket_options([](int sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

Result<std::unique_ptr<HttpListener>> HttpListener::Tls(
    const TlsInfo& tls, JsonLogger* logger, const ConnectionLimits& limits) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    ERR_clear_error();
    return Status::InvalidArgument("tls: cannot create a TLS context");
  }
  Status status = ConfigureServerContext(ctx, tls);
  if (!status.ok()) {
    SSL_CTX_free(ctx);
    return status;
  }
  LogRejectedHandshakes(ctx, logger);
  return std::unique_ptr<HttpListener>(
      new HttpListener(std::make_unique<GuardedServer>(limits, ctx)));
}

HttpListener::~HttpListener() { Stop(); }

Result<int> HttpListener::Start(const std::string& host, int port) {
  errno = 0;
  int bound = port == 0 ? server_->bind_to_any_port(host)
                        : (server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    // As Go words it: "bind: address already in use".
    std::string why = "cannot bind";
    if (const int err = errno; err != 0) {
      why = std::string("bind: ") + std::strerror(err);
      why[6] =
          static_cast<char>(std::tolower(static_cast<unsigned char>(why[6])));
    }
    return Status::IOError("listen tcp " + host + ":" + std::to_string(port) +
                           ": " + why);
  }
  server_->StartConnections();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "http-accept");
    server_->listen_after_bind();
  });
  // Wait until the accept loop runs, so a Stop right away is not lost.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_->is_running() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return bound;
}

void HttpListener::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
  server_->StopConnections();
}

ConnectionStats HttpListener::connection_stats() const {
  return server_->stats();
}

}  // namespace cairn::node
