// GuardedServer (through HttpListener) over real sockets on 127.0.0.1,
// with small bounds: where a request head ends; a slow sender neither
// blocks other clients nor outlives the header timeout; a silent
// connection is closed after the idle timeout; at the connection bound an
// idle connection makes room, and when all are busy a new one gets 503;
// a slow body is cut at the request read timeout, except on the
// streaming path; slow bodies wait without a worker, and a body that
// arrives in pieces is served whole; a body over the payload limit gets
// 413 at once; "Expect: 100-continue" is answered; keep-alive and
// pipelined requests work; an oversized head gets 431.
// Functional checks with generous time bounds, not timings.
#include "cli/cairn/connection_guard.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/cairn/http_listener.h"
#include "tests/cli/guard_test_routes.h"
#include "tests/cli/raw_socket.h"

namespace cairn::node {
namespace {

using std::chrono::milliseconds;
using testing::Connect;
using testing::ReadAll;

TEST(RequestHeadEndTest, FindsTheEmptyLine) {
  EXPECT_EQ(RequestHeadEnd(""), 0u);
  EXPECT_EQ(RequestHeadEnd("GET / HTTP/1.1\r\nHost: x\r\n"), 0u);
  EXPECT_EQ(RequestHeadEnd("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 27u);
  EXPECT_EQ(RequestHeadEnd("GET / HTTP/1.1\r\n\r\nbody"), 18u);
  EXPECT_EQ(RequestHeadEnd("GET / HTTP/1.1\n\nbody"), 16u);
  EXPECT_EQ(RequestHeadEnd("GET / HTTP/1.1\n\r\n"), 17u);
  EXPECT_EQ(RequestHeadEnd("\r\n"), 0u);
}

TEST(IsStreamingRequestTest, MatchesThePathExactly) {
  EXPECT_TRUE(IsStreamingRequest("POST /v3/watch HTTP/1.1\r\n", "/v3/watch"));
  EXPECT_TRUE(
      IsStreamingRequest("POST /v3/watch?a=1 HTTP/1.1\r\n", "/v3/watch"));
  EXPECT_FALSE(IsStreamingRequest("POST /v3/watchx HTTP/1.1\r\n", "/v3/watch"));
  EXPECT_FALSE(IsStreamingRequest("POST /v3/kv/put HTTP/1.1\r\n", "/v3/watch"));
  EXPECT_FALSE(IsStreamingRequest("POST /v3/watch", "/v3/watch"));
  EXPECT_FALSE(IsStreamingRequest("POST /v3/watch HTTP/1.1\r\n", ""));
}

TEST(ParseRequestBodyTest, ReadsTheBodyHeaders) {
  using Kind = RequestBody::Kind;
  RequestBody b = ParseRequestBody("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(b.kind, Kind::kNone);
  b = ParseRequestBody(
      "POST / HTTP/1.1\r\ncontent-length:  1000 \r\nExpect: "
      "100-Continue\r\n\r\n");
  EXPECT_EQ(b.kind, Kind::kLength);
  EXPECT_EQ(b.length, 1000u);
  EXPECT_TRUE(b.expect_continue);
  b = ParseRequestBody(
      "POST / HTTP/1.1\nContent-Length: 7\n\nContent-Length: 9");
  EXPECT_EQ(b.kind, Kind::kLength);
  EXPECT_EQ(b.length, 7u);
  EXPECT_FALSE(b.expect_continue);
  b = ParseRequestBody(
      "POST / HTTP/1.1\r\nContent-Length: 5\r\n"
      "Transfer-Encoding: Chunked\r\n\r\n");
  EXPECT_EQ(b.kind, Kind::kChunked);
  EXPECT_EQ(ParseRequestBody(
                "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
                .kind,
            Kind::kInvalid);
  EXPECT_EQ(
      ParseRequestBody("POST / HTTP/1.1\r\nContent-Length: 5x\r\n\r\n").kind,
      Kind::kInvalid);
  EXPECT_EQ(ParseRequestBody("POST / HTTP/1.1\r\nContent-Length: 5\r\n"
                             "Content-Length: 6\r\n\r\n")
                .kind,
            Kind::kInvalid);
  EXPECT_EQ(ParseRequestBody("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n").kind,
            Kind::kInvalid);
  EXPECT_EQ(ParseRequestBody("POST / HTTP/1.1\r\nContent-Length: "
                             "99999999999999999999999\r\n\r\n")
                .kind,
            Kind::kInvalid);
  // The same length twice is one.
  b = ParseRequestBody(
      "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(b.kind, Kind::kLength);
  EXPECT_EQ(b.length, 3u);
}

TEST(ScanChunkedBodyTest, FindsTheEndAcrossCalls) {
  const std::string body =
      "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n";
  ChunkScan scan;
  EXPECT_EQ(ScanChunkedBody(body, scan), body.size());
  // Byte by byte, scanning on from where it stopped.
  ChunkScan step;
  for (size_t n = 0; n < body.size(); n++) {
    ASSERT_EQ(ScanChunkedBody(std::string_view(body).substr(0, n), step), 0u)
        << n;
  }
  EXPECT_EQ(ScanChunkedBody(body, step), body.size());
  // What follows the body (a pipelined request) is not part of it.
  ChunkScan next;
  EXPECT_EQ(ScanChunkedBody("0\r\n\r\nGET / HTTP/1.1\r\n", next), 5u);
  ChunkScan bad;
  EXPECT_EQ(ScanChunkedBody("zz\r\n", bad), std::string_view::npos);
  ChunkScan empty_size;
  EXPECT_EQ(ScanChunkedBody("\r\n", empty_size), std::string_view::npos);
  ChunkScan huge;
  EXPECT_EQ(ScanChunkedBody("1234567890abcdef0\r\n", huge),
            std::string_view::npos);
}

TEST(RefusalResponseTest, IsA503WithAGatewayError) {
  const std::string r = RefusalResponse();
  EXPECT_EQ(r.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u);
  EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(r.find(R"("code":14)"), std::string::npos);
  EXPECT_NE(r.find("too many open connections"), std::string::npos);
}

void Send(int fd, const std::string& s) {
  ASSERT_TRUE(testing::SendAll(fd, s));
}

class ConnectionGuardTest : public ::testing::Test {
 protected:
  void StartWith(ConnectionLimits limits,
                 milliseconds request_read_timeout = milliseconds(0)) {
    listener_ = std::make_unique<HttpListener>(limits);
    if (handoff_) listener_->set_http2_handoff(handoff_);
    if (payload_max_ > 0)
      listener_->server().set_payload_max_length(payload_max_);
    dynamic_cast<GuardedServer&>(listener_->server())
        .set_request_read_timeout(request_read_timeout, {"/stream"});
    routes_.Register(listener_->server(), false);
    Result<int> port = listener_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = port.value();
  }
  void TearDown() override {
    Release();
    if (listener_ != nullptr) listener_->Stop();
  }
  void Release() { routes_.Release(); }
  bool Ping() {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(std::chrono::seconds(5));
    c.set_read_timeout(std::chrono::seconds(5));
    auto res = c.Get("/ping");
    return res && res->status == 200 && res->body == "pong";
  }
  bool WaitBlocked(int n) { return routes_.WaitBlocked(n); }
  // `n` clients each sending GET /block, on their threads; each expects
  // a 200 once Release lets the handlers go.
  std::vector<std::thread> Block(int n) {
    std::vector<std::thread> blockers;
    for (int i = 0; i < n; i++) {
      blockers.emplace_back([this] {
        httplib::Client c("127.0.0.1", port_);
        c.set_read_timeout(std::chrono::seconds(30));
        auto res = c.Get("/block");
        EXPECT_TRUE(res && res->status == 200);
      });
    }
    return blockers;
  }

  std::unique_ptr<HttpListener> listener_;
  std::function<void(int)> handoff_;  // set before StartWith
  size_t payload_max_ = 0;            // 0: cpp-httplib's
  int port_ = 0;
  testing::GuardTestRoutes routes_;
};

TEST_F(ConnectionGuardTest, SlowSendersDoNotBlockOthersAndTimeOut) {
  StartWith({.max_connections = 64,
             .max_workers = 2,
             .header_timeout = milliseconds(500),
             .idle_timeout = milliseconds(60000)});
  // More slow senders than workers, each with half a request head.
  std::vector<int> slow;
  for (int i = 0; i < 8; i++) {
    slow.push_back(Connect(port_));
    ASSERT_GE(slow.back(), 0);
    Send(slow.back(), "GET /ping HTTP/1.1\r\nHo");
  }
  EXPECT_TRUE(Ping());
  // Each is closed once its head is 500 ms late (bound: 5 s).
  for (int fd : slow) {
    bool closed = false;
    ReadAll(fd, milliseconds(5000), &closed);
    EXPECT_TRUE(closed);
    ::close(fd);
  }
  EXPECT_GE(listener_->connection_stats().timed_out, 8u);
  EXPECT_TRUE(Ping());
}

TEST_F(ConnectionGuardTest, SilentConnectionsAreClosedAfterTheIdleTimeout) {
  StartWith({.max_connections = 64,
             .max_workers = 2,
             .header_timeout = milliseconds(60000),
             .idle_timeout = milliseconds(300)});
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  bool closed = false;
  ReadAll(fd, milliseconds(5000), &closed);
  EXPECT_TRUE(closed);
  ::close(fd);
}

TEST_F(ConnectionGuardTest, AtTheBoundAnIdleConnectionMakesRoom) {
  StartWith({.max_connections = 4, .max_workers = 4});
  std::vector<int> idle;
  for (int i = 0; i < 4; i++) idle.push_back(Connect(port_));
  // Let the accept loop take them all.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (listener_->connection_stats().open < 4 &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(listener_->connection_stats().open, 4u);
  EXPECT_TRUE(Ping());
  EXPECT_GE(listener_->connection_stats().evicted, 1u);
  // The oldest idle one was closed.
  bool closed = false;
  ReadAll(idle[0], milliseconds(2000), &closed);
  EXPECT_TRUE(closed);
  for (int fd : idle) ::close(fd);
}

TEST_F(ConnectionGuardTest, IdleWorkersEndButTheKeptOnesStay) {
  StartWith({.max_workers = 16,
             .worker_idle_exit = milliseconds(300),
             .kept_workers = 2});
  // Ten requests held in handlers at once: ten workers.
  std::vector<std::thread> blockers = Block(10);
  ASSERT_TRUE(WaitBlocked(10));
  EXPECT_GE(listener_->connection_stats().workers, 10u);
  Release();
  for (auto& t : blockers) t.join();
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (listener_->connection_stats().workers > 2 &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(listener_->connection_stats().workers, 2u);
  // The kept ones stay past the idle time, and still serve.
  std::this_thread::sleep_for(milliseconds(600));
  EXPECT_EQ(listener_->connection_stats().workers, 2u);
  EXPECT_TRUE(Ping());
}

TEST_F(ConnectionGuardTest, WhenAllAreBusyANewConnectionGets503) {
  StartWith({.max_connections = 3, .max_workers = 8});
  std::vector<std::thread> blockers = Block(3);
  ASSERT_TRUE(WaitBlocked(3));
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  bool closed = false;
  const std::string answer = ReadAll(fd, milliseconds(5000), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  EXPECT_NE(answer.find("too many open connections"), std::string::npos);
  ::close(fd);
  EXPECT_GE(listener_->connection_stats().refused, 1u);
  Release();
  for (auto& t : blockers) t.join();
  EXPECT_TRUE(Ping());
}

TEST_F(ConnectionGuardTest, ASlowBodyIsCutAtTheRequestReadTimeout) {
  StartWith({.max_connections = 8,
             .max_workers = 4,
             .io_timeout = milliseconds(20000)},
            milliseconds(300));
  const int slow = Connect(port_);
  const int stream = Connect(port_);
  ASSERT_GE(slow, 0);
  ASSERT_GE(stream, 0);
  Send(slow, "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
  Send(stream,
       "POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
  bool closed = false;
  const std::string cut = ReadAll(slow, milliseconds(5000), &closed);
  EXPECT_TRUE(closed) << cut;
  // The streaming path is exempt: still open a second later, and served
  // once its body is complete.
  EXPECT_EQ(ReadAll(stream, milliseconds(1000), &closed), "");
  EXPECT_FALSE(closed);
  Send(stream, "cdefghij");
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string answer;
  while (answer.find("\r\n\r\n10") == std::string::npos &&
         std::chrono::steady_clock::now() < end) {
    answer += ReadAll(stream, milliseconds(100), &closed);
  }
  EXPECT_NE(answer.find("\r\n\r\n10"), std::string::npos) << answer;
  ::close(slow);
  ::close(stream);
  EXPECT_TRUE(Ping());
}

// Reads one response (with a Content-Length) from `fd`: its body, or ""
// when none came within `timeout`.
std::string ReadResponseBody(int fd, milliseconds timeout) {
  std::string in;
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    const size_t head_end = RequestHeadEnd(in);
    if (head_end > 0) {
      const RequestBody b = ParseRequestBody(in.substr(0, head_end));
      if (in.size() >= head_end + b.length) {
        return in.substr(head_end, b.length);
      }
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) != 1) continue;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  return "";
}

TEST_F(ConnectionGuardTest, SlowBodiesHoldNoWorker) {
  StartWith({.max_connections = 64, .max_workers = 4}, milliseconds(20000));
  // Five times as many as the workers, each with a head and one byte of
  // a 1000-byte body.
  std::vector<int> slow;
  for (int i = 0; i < 20; i++) {
    slow.push_back(Connect(port_));
    ASSERT_GE(slow.back(), 0);
    // Half of them chunked.
    Send(slow.back(),
         i % 2 == 0 ? "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: "
                      "1000\r\n\r\na"
                    : "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                      "chunked\r\n\r\n3e8\r\na");
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (listener_->connection_stats().open < 20 &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(listener_->connection_stats().busy, 0u);
  // Others are served at once, body and all.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Ping());
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(std::chrono::seconds(5));
  auto res = c.Post("/echo", std::string(5000, 'e'), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, std::string(5000, 'e'));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // A slow one that completes its body is served, chunked or not.
  Send(slow[0], std::string(999, 'b'));
  EXPECT_EQ(ReadResponseBody(slow[0], milliseconds(5000)), "1000");
  Send(slow[1], std::string(999, 'b') + "\r\n2\r\ncd\r\n0\r\n\r\n");
  EXPECT_EQ(ReadResponseBody(slow[1], milliseconds(5000)), "1002");
  for (int fd : slow) ::close(fd);
}

TEST_F(ConnectionGuardTest, BodiesPastTheBufferBudgetAreReadByAWorker) {
  // Bodies waiting in the waiting room take at most 64 MiB in all: four
  // bodies of 16 MiB, 15 of them sent, fit; a fifth does not and goes to
  // a worker, which reads on. Then every body completes and is served.
  payload_max_ = 32 << 20;
  StartWith({.max_connections = 16, .max_workers = 8}, milliseconds(20000));
  constexpr size_t kBody = 16 << 20;
  const std::string head =
      "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: " +
      std::to_string(kBody) + "\r\n\r\n";
  const std::string part(kBody - (1 << 20), 'p');
  std::vector<int> fds;
  for (int i = 0; i < 5; i++) {
    fds.push_back(Connect(port_));
    ASSERT_GE(fds.back(), 0);
    Send(fds.back(), head + part);
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (listener_->connection_stats().busy < 1 &&
         std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(listener_->connection_stats().busy, 1u);
  EXPECT_EQ(listener_->connection_stats().open, 5u);
  for (int fd : fds) {
    Send(fd, std::string(1 << 20, 'q'));
    EXPECT_EQ(ReadResponseBody(fd, milliseconds(10000)), std::to_string(kBody));
    ::close(fd);
  }
}

TEST_F(ConnectionGuardTest, ABodyInPiecesIsServedWhole) {
  StartWith({.max_connections = 8, .max_workers = 1}, milliseconds(10000));
  // Larger than a socket's buffers and the head peek: read into the
  // connection's buffer while it arrives.
  std::string body;
  for (size_t i = 0; body.size() < 1500 * 1024; i++) {
    body += std::to_string(i) + ",";
  }
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  Send(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n");
  const size_t piece = body.size() / 6 + 1;
  for (size_t at = 0; at < body.size(); at += piece) {
    // Not answered before the last piece, and no worker is held.
    std::this_thread::sleep_for(milliseconds(100));
    EXPECT_EQ(listener_->connection_stats().busy, 0u);
    Send(fd, body.substr(at, piece));
  }
  EXPECT_EQ(ReadResponseBody(fd, milliseconds(10000)), body);
  // The connection stays usable.
  Send(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(ReadResponseBody(fd, milliseconds(5000)), "abc");
  ::close(fd);
}

TEST_F(ConnectionGuardTest, AChunkedBodyInPiecesIsServedWhole) {
  StartWith({.max_connections = 8, .max_workers = 1}, milliseconds(10000));
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  std::string chunked;
  std::string body;
  for (int i = 0; i < 40; i++) {
    const std::string data(size_t(1000 + i * 997), char('a' + i % 26));
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
    chunked += size + data + "\r\n";
    body += data;
  }
  chunked += "0\r\n\r\n";
  Send(fd,
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  // Pieces that cut size lines, data and CRLFs anywhere.
  const size_t piece = chunked.size() / 7 + 3;
  for (size_t at = 0; at < chunked.size(); at += piece) {
    std::this_thread::sleep_for(milliseconds(80));
    EXPECT_EQ(listener_->connection_stats().busy, 0u);
    Send(fd, chunked.substr(at, piece));
  }
  EXPECT_EQ(ReadResponseBody(fd, milliseconds(10000)), body);
  Send(fd, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ReadResponseBody(fd, milliseconds(5000)), "pong");
  ::close(fd);
}

TEST_F(ConnectionGuardTest, AChunkedBodyThenAHalfCloseIsAnswered) {
  StartWith({.max_connections = 8, .max_workers = 1}, milliseconds(10000));
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  Send(fd,
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::this_thread::sleep_for(milliseconds(100));
  Send(fd, "3\r\nabc\r\n0\r\n\r\n");
  ::shutdown(fd, SHUT_WR);
  EXPECT_EQ(ReadResponseBody(fd, milliseconds(5000)), "abc");
  ::close(fd);
}

TEST_F(ConnectionGuardTest, ASlowBodyPastTheTimeoutIsClosedWithoutAWorker) {
  StartWith({.max_connections = 8,
             .max_workers = 1,
             .io_timeout = milliseconds(20000)},
            milliseconds(500));
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  Send(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
  std::this_thread::sleep_for(milliseconds(200));
  Send(fd, "cd");
  EXPECT_EQ(listener_->connection_stats().busy, 0u);
  EXPECT_TRUE(Ping());  // the one worker is free
  bool closed = false;
  const std::string answer = ReadAll(fd, milliseconds(5000), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer, "");
  EXPECT_GE(listener_->connection_stats().timed_out, 1u);
  ::close(fd);
}

TEST_F(ConnectionGuardTest, ABodyOverThePayloadLimitGets413AtOnce) {
  payload_max_ = 1000;
  StartWith({.max_connections = 8, .max_workers = 1}, milliseconds(10000));
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  Send(fd, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\nab");
  bool closed = false;
  const std::string answer = ReadAll(fd, milliseconds(5000), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  ::close(fd);
  // At the limit it is served.
  httplib::Client c("127.0.0.1", port_);
  auto res = c.Post("/echo", std::string(1000, 'x'), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.size(), 1000u);
}

TEST_F(ConnectionGuardTest, ExpectContinueIsAnsweredBeforeTheBody) {
  StartWith({.max_connections = 8, .max_workers = 1}, milliseconds(10000));
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  Send(fd,
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
       "Expect: 100-continue\r\n\r\n");
  bool closed = false;
  std::string answer = ReadAll(fd, milliseconds(500), &closed);
  EXPECT_EQ(answer, "HTTP/1.1 100 Continue\r\n\r\n");
  Send(fd, "hello");
  // cpp-httplib says it again, then answers.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (answer.find("hello") == std::string::npos &&
         std::chrono::steady_clock::now() < end) {
    answer += ReadAll(fd, milliseconds(100), &closed);
  }
  EXPECT_NE(answer.find("HTTP/1.1 200 OK"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\r\n\r\nhello"), std::string::npos) << answer;
  // The 200 does not close the connection.
  Send(fd, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ReadResponseBody(fd, milliseconds(5000)), "pong");
  ::close(fd);
}

TEST_F(ConnectionGuardTest, KeepAliveReusesOneConnection) {
  StartWith({.max_connections = 8, .max_workers = 2});
  httplib::Client c("127.0.0.1", port_);
  c.set_keep_alive(true);
  for (int i = 0; i < 20; i++) {
    auto res = c.Get("/ping");
    ASSERT_TRUE(res && res->status == 200) << i;
    EXPECT_EQ(listener_->connection_stats().open, 1u);
  }
}

TEST_F(ConnectionGuardTest, PipelinedRequestsAreAllAnswered) {
  StartWith({.max_connections = 8, .max_workers = 2});
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  Send(fd,
       "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
       "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
       "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  const std::string answer = ReadAll(fd, milliseconds(5000), &closed);
  EXPECT_TRUE(closed);
  size_t pongs = 0;
  for (size_t at = answer.find("pong"); at != std::string::npos;
       at = answer.find("pong", at + 1)) {
    pongs++;
  }
  EXPECT_EQ(pongs, 3u) << answer;
  ::close(fd);
}

TEST_F(ConnectionGuardTest, AnOversizedHeadGets431) {
  StartWith({.max_connections = 8, .max_workers = 2});
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  std::string head = "GET /ping HTTP/1.1\r\n";
  while (head.size() < 70 * 1024) head += "X-Filler: aaaaaaaaaaaaaaaa\r\n";
  Send(fd, head);
  bool closed = false;
  const std::string answer = ReadAll(fd, milliseconds(5000), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer;
  ::close(fd);
  EXPECT_TRUE(Ping());
}

TEST_F(ConnectionGuardTest, AnHttp2PrefaceIsHandedOffWithNothingRead) {
  testing::HandedOff handed;
  handoff_ = handed.Sink();
  StartWith({.max_connections = 8, .max_workers = 2});
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  // Part of the preface: it may still be one, so it waits.
  Send(fd, std::string(kHttp2Preface.substr(0, 10)));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(handed.count(), 0u);
  Send(fd, std::string(kHttp2Preface.substr(10)) + "frames");
  const int got = handed.WaitOne(milliseconds(5000));
  ASSERT_GE(got, 0);
  // gRPC reads it without blocking.
  EXPECT_NE(::fcntl(got, F_GETFL, 0) & O_NONBLOCK, 0);
  // The new owner reads every byte the client sent, and is heard.
  bool closed = false;
  EXPECT_EQ(ReadAll(got, milliseconds(300), &closed),
            std::string(kHttp2Preface) + "frames");
  ASSERT_EQ(::send(got, "hello", 5, MSG_NOSIGNAL), 5);
  EXPECT_EQ(ReadAll(fd, milliseconds(300), &closed), "hello");
  EXPECT_EQ(listener_->connection_stats().http2, 1u);
  EXPECT_EQ(listener_->connection_stats().open, 0u);
  EXPECT_TRUE(Ping());  // HTTP/1.1 beside it
  ::close(fd);
}

TEST_F(ConnectionGuardTest, OnlyANewConnectionIsHandedOff) {
  testing::HandedOff handed;
  handoff_ = handed.Sink();
  StartWith({.max_connections = 8, .max_workers = 2});
  // A keep-alive connection that served a request, then says the preface:
  // cpp-httplib answers it (400), it is not handed off.
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  Send(fd, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ReadResponseBody(fd, milliseconds(5000)), "pong");
  Send(fd, std::string(kHttp2Preface));
  bool closed = false;
  const std::string answer = ReadAll(fd, milliseconds(2000), &closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_EQ(handed.count(), 0u);
  ::close(fd);
  // Bytes that only start like the preface are HTTP/1.1's.
  const int fd2 = Connect(port_);
  ASSERT_GE(fd2, 0);
  Send(fd2, "PRX / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(ReadAll(fd2, milliseconds(2000), &closed).rfind("HTTP/1.1 ", 0),
            std::string::npos);
  EXPECT_EQ(handed.count(), 0u);
  ::close(fd2);
}

}  // namespace
}  // namespace cairn::node
