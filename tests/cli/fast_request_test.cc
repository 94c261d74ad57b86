// The connection guard's fast path (fast_request.h): which requests it
// takes, the bytes it answers (the same as cpp-httplib's for the same
// handler), and over real sockets on 127.0.0.1 that no thread waits for
// an answer, that answers given on the answering thread or written by a
// worker (a large one, or one the socket cannot take at once) keep the
// order of pipelined requests, that a large body is served too, that an
// answer never given is a 500, and that stopping waits for the answers
// still to come. Functional checks, not timings.
#include "cli/cairn/fast_request.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/cairn/connection_guard.h"
#include "cli/cairn/http_listener.h"
#include "tests/cli/raw_socket.h"

namespace cairn::node {
namespace {

using std::chrono::milliseconds;
using Kind = FastParse::Kind;

bool OnlyFast(std::string_view path) { return path == "/fast"; }

FastParse Parse(std::string_view data, size_t max_body = 1000) {
  return ParseFastRequest(data, max_body, OnlyFast);
}

TEST(ParseFastRequestTest, TakesAWholePostWithALength) {
  const std::string data =
      "POST /fast HTTP/1.1\r\nHost: x\r\nauthorization: tok1\r\n"
      "Authorization: tok2\r\ncontent-length: 5\r\n\r\nhelloGET /";
  FastParse p = Parse(data);
  ASSERT_EQ(p.kind, Kind::kYes);
  EXPECT_EQ(p.need, data.size() - 5);  // not the next request's bytes
  EXPECT_EQ(p.request.path, "/fast");
  EXPECT_EQ(p.request.body, "hello");
  EXPECT_EQ(p.request.authorization, "tok1");  // the first, as cpp-httplib
  p = Parse("POST /fast HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(p.kind, Kind::kYes);
  EXPECT_EQ(p.request.body, "");
  EXPECT_EQ(p.request.authorization, "");
}

TEST(ParseFastRequestTest, WaitsForABodyStillArriving) {
  const std::string head = "POST /fast HTTP/1.1\r\nContent-Length: 10\r\n\r\n";
  FastParse p = Parse(head + "12345");
  EXPECT_EQ(p.kind, Kind::kNeedBody);
  EXPECT_EQ(p.need, head.size() + 10);
  EXPECT_EQ(Parse(head + "1234567890").kind, Kind::kYes);
  EXPECT_EQ(Parse("POST /fast HTTP/1.1\r\nContent-Length: 1").kind, Kind::kNo);
}

TEST(ParseFastRequestTest, LeavesEverythingElseToHttplib) {
  const std::string len = "Content-Length: 2\r\n";
  for (const std::string& data : std::vector<std::string>{
           "GET /fast HTTP/1.1\r\n" + len + "\r\nab",
           "POST /fast HTTP/1.0\r\n" + len + "\r\nab",
           "POST /fast?x=1 HTTP/1.1\r\n" + len + "\r\nab",
           "POST /f%61st HTTP/1.1\r\n" + len + "\r\nab",
           "POST /slow HTTP/1.1\r\n" + len + "\r\nab",
           "POST /fast HTTP/1.1\r\n\r\n",  // no length
           "POST /fast HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
           "2\r\nab\r\n0\r\n\r\n",
           "POST /fast HTTP/1.1\r\n" + len + "Expect: 100-continue\r\n\r\nab",
           "POST /fast HTTP/1.1\r\n" + len + "Connection: close\r\n\r\nab",
           "POST /fast HTTP/1.1\r\n" + len + "connection: keep-alive\r\n\r\nab",
           "POST /fast HTTP/1.1\r\n" + len + "Accept-Encoding: gzip\r\n\r\nab",
           "POST /fast HTTP/1.1\r\n" + len + "Range: bytes=0-1\r\n\r\nab",
           "POST /fast HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3"
           "\r\n\r\nabc",
           "POST /fast HTTP/1.1\nContent-Length: 2\n\nab",  // bare LF
       }) {
    EXPECT_EQ(Parse(data).kind, Kind::kNo) << data;
  }
  EXPECT_EQ(Parse("POST /fast HTTP/1.1\r\nContent-Length: 1001\r\n\r\n").kind,
            Kind::kNo);  // over the payload limit: cpp-httplib's 413
}

TEST(FormatFastAnswerTest, WritesCppHttplibsHead) {
  EXPECT_EQ(FormatFastAnswer({.status = 200, .body = "{}"}),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
            "Content-Type: application/json\r\n"
            "Keep-Alive: timeout=5, max=5\r\n\r\n{}");
  EXPECT_EQ(FormatFastAnswer({.status = 404,
                              .body = "Not Found\n",
                              .content_type = "text/plain; charset=utf-8"}),
            "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Keep-Alive: timeout=5, max=5\r\n\r\nNot Found\n");
}

// Reads from `fd` until `n` answers with the bodies' `marker` have come,
// the peer closes, or 5 s pass.
std::string ReadAnswers(int fd, const std::string& marker, size_t n) {
  std::string out;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto count = [&] {
    size_t c = 0;
    for (size_t at = out.find(marker); at != std::string::npos;
         at = out.find(marker, at + 1)) {
      c++;
    }
    return c;
  };
  while (count() < n && std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) != 1) continue;
    char buf[4096];
    const ssize_t got = ::recv(fd, buf, sizeof(buf), 0);
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
  }
  return out;
}

std::string Post(const std::string& path, const std::string& body,
                 const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A GuardedServer whose /fast answers "echo:<body>" through the fast
// path: at once, or, for a body starting with "hold", when Answer is
// called (from the test's thread); a body "drop" is never answered.
// cpp-httplib serves /fast too, with the same answer, for the requests
// the fast path leaves to it.
class FastPathTest : public ::testing::Test {
 protected:
  void Start(size_t max_workers) {
    listener_ = std::make_unique<HttpListener>(
        ConnectionLimits{.max_connections = 16, .max_workers = max_workers});
    auto& guarded = dynamic_cast<GuardedServer&>(listener_->server());
    guarded.set_request_read_timeout(milliseconds(5000), {});
    guarded.set_fast_path(OnlyFast, [this](const FastRequest& r,
                                           FastRespond respond) {
      const std::string body(r.body);
      if (body == "drop") return;
      auto make = [body] {
        return FastAnswer{.status = 200, .body = "echo:" + body};
      };
      // "...here": answered on the answering thread (FastRespond's
      // `here`), else by a worker.
      const bool here = body.ends_with("here");
      if (body.starts_with("hold")) {
        std::lock_guard<std::mutex> lock(mu_);
        held_.push_back([respond, make, here] { respond(make, here); });
        cv_.notify_all();
        return;
      }
      fast_served_++;
      if (body.starts_with("big")) {  // more than a socket buffer takes
        respond([] { return FastAnswer{.body = std::string(32 << 20, 'b')}; },
                here);
        return;
      }
      respond(make, here);
    });
    listener_->server().Post(
        "/fast", [](const httplib::Request& req, httplib::Response& res) {
          res.set_content("echo:" + req.body, "application/json");
        });
    Result<int> port = listener_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = port.value();
  }
  void TearDown() override {
    AnswerAll();
    if (listener_ != nullptr) listener_->Stop();
  }
  bool WaitHeld(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5),
                        [&] { return held_.size() >= n; });
  }
  void AnswerAll() {
    std::deque<std::function<void()>> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (auto& answer : held) answer();
  }

  std::unique_ptr<HttpListener> listener_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> held_;
  std::atomic<int> fast_served_{0};
};

TEST_F(FastPathTest, AnswersTheBytesCppHttplibWould) {
  Start(4);
  const int fd = testing::Connect(port_);
  ASSERT_GE(fd, 0);
  // The first by the fast path, the second (a Connection header) by
  // cpp-httplib: the same handler answer, the same bytes.
  ASSERT_TRUE(testing::SendAll(fd, Post("/fast", "a")));
  const std::string fast = ReadAnswers(fd, "echo:a", 1);
  ASSERT_TRUE(
      testing::SendAll(fd, Post("/fast", "a", "Connection: keep-alive\r\n")));
  const std::string slow = ReadAnswers(fd, "echo:a", 1);
  EXPECT_EQ(fast_served_.load(), 1);
  EXPECT_EQ(fast, slow);
  EXPECT_EQ(fast,
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n"
            "Content-Type: application/json\r\n"
            "Keep-Alive: timeout=5, max=5\r\n\r\necho:a");
  ::close(fd);
}

TEST_F(FastPathTest, PipelinedRequestsAreAnsweredInOrder) {
  Start(2);
  const int fd = testing::Connect(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::SendAll(
      fd, Post("/fast", "1") + Post("/fast", "hold2") + Post("/fast", "3") +
              Post("/fast", "4", "Connection: close\r\n")));
  ASSERT_TRUE(WaitHeld(1));
  AnswerAll();
  bool closed = false;
  const std::string out = testing::ReadAll(fd, milliseconds(5000), &closed);
  EXPECT_TRUE(closed);  // after the last, which asked to close
  const size_t a = out.find("echo:1"), b = out.find("echo:hold2"),
               c = out.find("echo:3"), d = out.find("echo:4");
  ASSERT_NE(d, std::string::npos) << out;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, d);
  EXPECT_EQ(fast_served_.load(), 2);  // 1 and 3; 4 went to cpp-httplib
  ::close(fd);
}

TEST_F(FastPathTest, ARequestWaitingForItsAnswerHoldsNoThread) {
  Start(1);  // one worker, and none is held by a request waiting
  std::vector<int> held;
  for (int i = 0; i < 3; i++) {
    held.push_back(testing::Connect(port_));
    ASSERT_TRUE(testing::SendAll(held.back(), Post("/fast", "hold")));
  }
  ASSERT_TRUE(WaitHeld(3));
  const int fd = testing::Connect(port_);
  ASSERT_TRUE(testing::SendAll(fd, Post("/fast", "now")));
  EXPECT_NE(ReadAnswers(fd, "echo:now", 1).find("echo:now"), std::string::npos);
  // The three held stay busy; the answered one goes back to waiting.
  for (int i = 0; i < 100 && listener_->connection_stats().busy != 3; i++) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(listener_->connection_stats().busy, 3u);
  AnswerAll();
  for (int h : held) {
    EXPECT_NE(ReadAnswers(h, "echo:hold", 1).find("echo:hold"),
              std::string::npos);
    ::close(h);
  }
  ::close(fd);
}

TEST_F(FastPathTest, AnswersGivenOnTheAnsweringThreadKeepTheirOrder) {
  Start(1);
  const int fd = testing::Connect(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::SendAll(fd, Post("/fast", "hold1here") +
                                       Post("/fast", "2here") +
                                       Post("/fast", "hold3here")));
  ASSERT_TRUE(WaitHeld(1));
  std::thread answer([this] {
    AnswerAll();  // the first, from this thread; then 2 at once
    WaitHeld(1);
    AnswerAll();  // the third
  });
  const std::string out = ReadAnswers(fd, "echo:", 3);
  answer.join();
  const size_t a = out.find("echo:hold1here"), b = out.find("echo:2here"),
               c = out.find("echo:hold3here");
  ASSERT_NE(c, std::string::npos) << out;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  ::close(fd);
}

TEST_F(FastPathTest, AnAnswerTheSocketCannotTakeAtOnceIsWrittenWhole) {
  Start(2);
  for (const char* body : {"bighere", "big"}) {
    const int fd = testing::Connect(port_);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(testing::SendAll(fd, Post("/fast", body)));
    std::this_thread::sleep_for(milliseconds(100));  // the client lags
    const std::string out = ReadAnswers(fd, std::string(64, 'b'), 1);
    std::string all = out;
    const size_t want = (32 << 20) + out.find("\r\n\r\n") + 4;
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (all.size() < want && std::chrono::steady_clock::now() < end) {
      char buf[65536];
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      all.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(all.size(), want) << body;
    // The connection serves on.
    ASSERT_TRUE(testing::SendAll(fd, Post("/fast", "after")));
    EXPECT_NE(ReadAnswers(fd, "echo:after", 1).find("echo:after"),
              std::string::npos);
    ::close(fd);
  }
}

TEST_F(FastPathTest, ALargeBodyIsServedByAWorkerAsWell) {
  Start(2);
  const int fd = testing::Connect(port_);
  ASSERT_GE(fd, 0);
  // Past what the waiting room decodes itself (64 KiB).
  const std::string body(200 << 10, 'x');
  ASSERT_TRUE(testing::SendAll(fd, Post("/fast", body) + Post("/fast", "s")));
  const std::string out = ReadAnswers(fd, "echo:s", 1);
  EXPECT_NE(out.find("echo:" + body), std::string::npos);
  EXPECT_LT(out.find("echo:" + body), out.find("echo:s"));
  EXPECT_EQ(fast_served_.load(), 2);
  ::close(fd);
}

TEST_F(FastPathTest, AnAnswerNeverGivenIsA500) {
  Start(2);
  const int fd = testing::Connect(port_);
  ASSERT_TRUE(testing::SendAll(fd, Post("/fast", "drop")));
  const std::string out = ReadAnswers(fd, "dropped", 1);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 500 Internal Server Error\r\n")) << out;
  EXPECT_NE(out.find("\"code\":2"), std::string::npos) << out;
  // The connection serves on.
  ASSERT_TRUE(testing::SendAll(fd, Post("/fast", "again")));
  EXPECT_NE(ReadAnswers(fd, "echo:again", 1).find("echo:again"),
            std::string::npos);
  ::close(fd);
}

TEST_F(FastPathTest, StoppingWaitsForTheAnswersToCome) {
  Start(2);
  const int fd = testing::Connect(port_);
  ASSERT_TRUE(testing::SendAll(fd, Post("/fast", "hold")));
  ASSERT_TRUE(WaitHeld(1));
  std::thread answer([this] {
    std::this_thread::sleep_for(milliseconds(200));
    AnswerAll();
  });
  listener_->Stop();  // returns once the held answer was written
  bool closed = false;
  const std::string out = testing::ReadAll(fd, milliseconds(5000), &closed);
  EXPECT_NE(out.find("echo:hold"), std::string::npos) << out;
  EXPECT_TRUE(closed);  // and the connection closed after it
  answer.join();
  ::close(fd);
}

}  // namespace
}  // namespace cairn::node
