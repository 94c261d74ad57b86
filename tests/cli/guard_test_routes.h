// The routes the connection guard's tests (plain and TLS) serve, and the
// latch that holds requests to /block in their handler until released.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace cairn::node::testing {

class GuardTestRoutes {
 public:
  // POST /echo answers with the body; POST /body and /stream with the
  // size of the body read; GET /ping "pong" (over `tls`, only when the
  // TLS session reaches the handler, as client certificates need); GET
  // /block "done" once released.
  void Register(httplib::Server& server, bool tls) {
    server.Post("/echo",
                [](const httplib::Request& req, httplib::Response& res) {
                  res.set_content(req.body, "text/plain");
                });
    for (const char* path : {"/body", "/stream"}) {
      server.Post(path, [](const httplib::Request&, httplib::Response& res,
                           const httplib::ContentReader& reader) {
        size_t n = 0;
        reader([&n](const char*, size_t len) {
          n += len;
          return true;
        });
        res.set_content(std::to_string(n), "text/plain");
      });
    }
    server.Get("/ping",
               [tls](const httplib::Request& req, httplib::Response& res) {
                 const bool ok = !tls || req.ssl != nullptr;
                 res.set_content(ok ? "pong" : "no tls", "text/plain");
               });
    server.Get("/block",
               [this](const httplib::Request&, httplib::Response& res) {
                 std::unique_lock<std::mutex> lock(mu_);
                 blocked_++;
                 cv_.notify_all();
                 cv_.wait_for(lock, std::chrono::seconds(20),
                              [this] { return released_; });
                 res.set_content("done", "text/plain");
               });
  }
  // Lets every held /block request (and later ones) finish.
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  // Waits (at most 10 s) until `n` requests are held in /block.
  bool WaitBlocked(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10),
                        [&] { return blocked_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int blocked_ = 0;
  bool released_ = false;
};

}  // namespace cairn::node::testing
