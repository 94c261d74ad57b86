// HttpListener: one cpp-httplib server listening on one host:port, served
// by its own thread pool, for the node's client and peer URLs: plain HTTP,
// or TLS (cli/cairn/tls.h) for an https:// URL. Edge code; Start and Stop
// are called by the owner's thread, handlers run on the server's threads.
//
// A TLS listener refuses what does not complete a handshake (plain HTTP,
// a client without an accepted certificate) by closing the connection,
// logs it ("rejected connection"), and goes on serving; a handshake that
// stalls is given up after the header timeout (10 s).
//
// Both kinds bound what each connection may hold
// (cli/cairn/connection_guard.h): handshaking, idle and slow connections
// wait without a thread, handshakes, request heads and idle time have
// timeouts, and the number of open connections is bounded.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "cli/cairn/connection_guard.h"
#include "cli/cairn/tls.h"
#include "core/util/result.h"

namespace cairn::node {

class JsonLogger;

// Where a listen URL listens.
struct ListenAddress {
  bool tls = false;  // https://
  std::string host;
  int port = 0;
};

// "https://127.0.0.1:2379" -> {true, "127.0.0.1", 2379}. Errors:
// kInvalidArgument for a URL that is not http(s)://host:port.
Result<ListenAddress> ParseListenUrl(const std::string& url);

class HttpListener {
 public:
  // Plain HTTP, with the default ConnectionLimits.
  HttpListener();
  // Plain HTTP with other bounds (tests use small ones).
  explicit HttpListener(const ConnectionLimits& limits);
  // TLS with `tls`'s certificate and key (and client verification with
  // its client_cert_auth); refused handshakes are logged to `logger`
  // (may be null; else it must outlive this). Errors: the texts of
  // ConfigureServerContext.
  static Result<std::unique_ptr<HttpListener>> Tls(
      const TlsInfo& tls, JsonLogger* logger,
      const ConnectionLimits& limits = ConnectionLimits{});
  ~HttpListener();  // Stop()
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Register handlers here before Start.
  httplib::Server& server() { return *server_; }
  // Before Start: where new connections speaking HTTP/2 go
  // (GuardedServer::set_http2_handoff); over TLS, before the handshake.
  void set_http2_handoff(std::function<void(int fd)> handoff) {
    server_->set_http2_handoff(std::move(handoff));
  }
  // Before Start: GuardedServer::set_plain_handoff (plain listeners).
  void set_plain_handoff(PlainHandoff handoff) {
    server_->set_plain_handoff(std::move(handoff));
  }

  // Binds host:port (port 0 picks a free one) and starts serving on a
  // thread. Returns the bound port. A port another socket listens on is
  // an error (SO_REUSEADDR, not SO_REUSEPORT). Errors: kIOError
  // "listen tcp host:port: bind: address already in use" (the system's
  // reason; "cannot bind" when it gives none).
  Result<int> Start(const std::string& host, int port);

  // Stops serving and joins the thread; in-flight handlers finish first.
  void Stop();

  bool tls() const { return server_->tls(); }
  // The guard's figures.
  ConnectionStats connection_stats() const;

 private:
  explicit HttpListener(std::unique_ptr<GuardedServer> server);

  std::unique_ptr<GuardedServer> server_;
  std::thread thread_;
};

}  // namespace cairn::node
