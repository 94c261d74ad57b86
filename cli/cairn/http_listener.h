// HttpListener: one cpp-httplib server listening on one host:port, served
// by its own thread pool, for the node's client and peer URLs. Edge code;
// Start and Stop are called by the owner's thread, handlers run on the
// server's threads.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "core/util/result.h"

namespace httplib {
class Server;
}

namespace cairn::node {

// "http://127.0.0.1:2379" -> {"127.0.0.1", 2379}. Errors: kInvalidArgument
// for a URL that is not http://host:port (https needs TLS, which this
// build does not serve).
Result<std::pair<std::string, int>> HostPortOf(const std::string& url);

class HttpListener {
 public:
  HttpListener();
  ~HttpListener();  // Stop()
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Register handlers here before Start.
  httplib::Server& server() { return *server_; }

  // Binds host:port (port 0 picks a free one) and starts serving on a
  // thread. Returns the bound port. Errors: kIOError
  // "listen tcp host:port: cannot bind".
  Result<int> Start(const std::string& host, int port);

  // Stops serving and joins the thread; in-flight handlers finish first.
  void Stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace cairn::node
