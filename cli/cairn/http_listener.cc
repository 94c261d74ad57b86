#include "cli/cairn/http_listener.h"

#include <httplib.h>

#include <chrono>

#include "core/api/url_check.h"

namespace cairn::node {

Result<std::pair<std::string, int>> HostPortOf(const std::string& url) {
  Status s = api::CheckUrl(url);
  if (!s.ok()) return s;
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) {
    return Status::InvalidArgument("only http:// URLs are served: " + url);
  }
  std::string hostport = url.substr(prefix.size());
  size_t colon = hostport.rfind(':');
  std::string host = hostport.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = hostport.substr(colon + 1);
  int port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) {
      return Status::InvalidArgument("bad port in " + url);
    }
    port = port * 10 + (c - '0');
  }
  if (port_text.empty() || port > 65535) {
    return Status::InvalidArgument("bad port in " + url);
  }
  return std::make_pair(host, port);
}

HttpListener::HttpListener() : server_(std::make_unique<httplib::Server>()) {
  // Small request/response pairs: without it Nagle and delayed ACKs add
  // up to 40 ms to each one.
  server_->set_tcp_nodelay(true);
}

HttpListener::~HttpListener() { Stop(); }

Result<int> HttpListener::Start(const std::string& host, int port) {
  int bound = port == 0 ? server_->bind_to_any_port(host)
                        : (server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    return Status::IOError("listen tcp " + host + ":" + std::to_string(port) +
                           ": cannot bind");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
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
}

}  // namespace cairn::node
