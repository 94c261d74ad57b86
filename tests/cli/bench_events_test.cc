// cairnctl's event-driven load loop (cli/cairnctl/bench_events.h) and the
// HTTP answer reader under it (http_answer.h): answers split anywhere,
// chunked bodies with trailers as etcd's gateway ends its errors, bad
// answers; and runs against a real HTTP server on 127.0.0.1 that answers,
// fails, closes, stalls, or is not there at all.
#include "cli/cairnctl/bench_events.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "cli/cairnctl/http_answer.h"
#include "tests/cli/raw_socket.h"

namespace cairn::ctl {
namespace {

HttpParse Parse(std::string_view in, bool eof, HttpAnswer* a,
                std::string* error) {
  return ParseHttpAnswer(in, eof, a, error);
}

// Every proper prefix of `in` (bytes as they may arrive) is incomplete.
void ExpectIncompleteBeforeTheEnd(const std::string& in) {
  for (size_t cut = 0; cut < in.size(); ++cut) {
    HttpAnswer a;
    std::string error;
    EXPECT_EQ(Parse(in.substr(0, cut), false, &a, &error),
              HttpParse::kIncomplete)
        << cut;
  }
}

TEST(HttpAnswerTest, ContentLengthAnswerAtEveryPrefix) {
  const std::string in =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "content-length: 11\r\n\r\n{\"a\":\"xyz\"}";
  ExpectIncompleteBeforeTheEnd(in);
  HttpAnswer a;
  std::string error;
  ASSERT_EQ(Parse(in + "HTTP/1.1", false, &a, &error), HttpParse::kDone);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "{\"a\":\"xyz\"}");
  EXPECT_EQ(a.used, in.size());  // the next answer's bytes are not taken
  EXPECT_FALSE(a.close);
}

TEST(HttpAnswerTest, ChunkedWithTrailersAsEtcdsErrors) {
  const std::string in =
      "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n"
      "Trailer: Grpc-Trailer-Content-Type\r\n\r\n"
      "5;ext=1\r\n{\"a\":\r\n7\r\n\"bcdef\"\r\n1\r\n}\r\n0\r\n"
      "Grpc-Trailer-Content-Type: application/grpc\r\n\r\n";
  ExpectIncompleteBeforeTheEnd(in);
  HttpAnswer a;
  std::string error;
  ASSERT_EQ(Parse(in, false, &a, &error), HttpParse::kDone) << error;
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body, "{\"a\":\"bcdef\"}");
  EXPECT_EQ(a.used, in.size());
  // Cut off inside the body by a closed connection: an error, not a hang.
  EXPECT_EQ(Parse(in.substr(0, in.size() - 20), true, &a, &error),
            HttpParse::kBad);
  EXPECT_EQ(error, "connection closed inside a chunked answer");
}

TEST(HttpAnswerTest, CloseNoBodyAndUntilEof) {
  HttpAnswer a;
  std::string error;
  ASSERT_EQ(Parse("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", false,
                  &a, &error),
            HttpParse::kDone);
  EXPECT_EQ(a.status, 204);
  EXPECT_TRUE(a.body.empty());
  EXPECT_TRUE(a.close);
  // HTTP/1.0 closes unless it says keep-alive.
  ASSERT_EQ(
      Parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false, &a, &error),
      HttpParse::kDone);
  EXPECT_TRUE(a.close);
  // No length: the body runs to the close.
  const std::string open = "HTTP/1.1 200 OK\r\n\r\nsome body";
  EXPECT_EQ(Parse(open, false, &a, &error), HttpParse::kIncomplete);
  ASSERT_EQ(Parse(open, true, &a, &error), HttpParse::kDone);
  EXPECT_EQ(a.body, "some body");
  EXPECT_TRUE(a.close);
}

TEST(HttpAnswerTest, BadAnswersSayWhy) {
  struct Case {
    std::string in;
    bool eof;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"SSH-2.0-OpenSSH\r\n\r\n", false, "malformed HTTP status line"},
      {"HTTP/1.1 2x0 OK\r\n\r\n", false, "malformed HTTP status line"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", false,
       "malformed Content-Length"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false,
       "malformed chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
       false, "chunk not followed by CRLF"},
      // 2^64 - 1: would wrap the size arithmetic.
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "ffffffffffffffff\r\nab\r\n",
       false, "malformed chunk size"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true,
       "connection closed inside an answer"},
      {"HTTP/1.1 200", true, "connection closed before the answer"},
      {std::string(70000, 'x'), false, "HTTP answer header too large"},
  };
  for (const Case& c : cases) {
    HttpAnswer a;
    std::string error;
    EXPECT_EQ(Parse(c.in, c.eof, &a, &error), HttpParse::kBad)
        << c.in.substr(0, 40);
    EXPECT_EQ(error, c.error) << c.in.substr(0, 40);
  }
}

// An HTTP server on 127.0.0.1 whose /v3/kv/put answers as `mode` says.
class FakeGateway {
 public:
  enum class Mode { kOk, kError, kClose, kChunked, kStall };
  explicit FakeGateway(Mode mode) : mode_(mode) {
    server_.Post("/v3/kv/put", [this](const httplib::Request& req,
                                      httplib::Response& res) {
      ++requests_;
      if (!Json::parse(req.body, nullptr, false).contains("key")) {
        bodies_ok_ = false;
      }
      switch (mode_) {
        case Mode::kOk:
          res.set_content(R"({"header":{}})", "application/json");
          break;
        case Mode::kError:
          res.status = 400;
          res.set_content(
              R"({"error":"x","code":3,"message":"etcdserver: too many operations in txn request"})",
              "application/json");
          break;
        case Mode::kClose:
          res.set_header("Connection", "close");
          res.set_content(R"({"header":{}})", "application/json");
          break;
        case Mode::kChunked:
          res.set_chunked_content_provider("application/json",
                                           [](size_t, httplib::DataSink& sink) {
                                             sink.write("{\"header\":", 10);
                                             sink.write("{}}", 3);
                                             sink.done();
                                             return true;
                                           });
          break;
        case Mode::kStall:
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
          res.set_content("{}", "application/json");
          break;
      }
    });
    server_.set_tcp_nodelay(true);  // no 40 ms Nagle waits per answer
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeGateway() {
    server_.stop();
    thread_.join();
  }
  Endpoint endpoint() const {
    return Endpoint{"http", "127.0.0.1", port_,
                    "127.0.0.1:" + std::to_string(port_)};
  }
  int requests() const { return requests_; }
  bool bodies_ok() const { return bodies_ok_; }

 private:
  const Mode mode_;
  httplib::Server server_;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<bool> bodies_ok_{true};
  std::thread thread_;
};

const BenchRequest kPut{"/v3/kv/put", [](int client, int64_t seq) {
                          return Json{{"key", std::to_string(client)},
                                      {"value", std::to_string(seq)}};
                        }};

LatencyStats RunTotal(const Endpoint& ep, int clients, int conns, int64_t total,
                      ClientOptions opts = {}) {
  RunOptions plan;
  plan.clients = clients;
  plan.total = total;
  plan.max_consecutive_errors = 1000;
  return RunEventLoad(plan, opts, {ep}, conns, kPut);
}

int64_t Failed(const LatencyStats& st) {
  int64_t n = 0;
  for (const auto& [text, count] : st.errors) n += count;
  return n;
}

// How many requests failed with `text`, which must be the only error.
int64_t OnlyError(const LatencyStats& st, const std::string& text) {
  EXPECT_EQ(st.errors.size(), 1u);
  auto it = st.errors.find(text);
  EXPECT_NE(it, st.errors.end()) << text;
  return it == st.errors.end() ? 0 : it->second;
}

TEST(EventLoadTest, SendsExactlyTotalOverSharedConnections) {
  for (auto mode : {FakeGateway::Mode::kOk, FakeGateway::Mode::kClose,
                    FakeGateway::Mode::kChunked}) {
    FakeGateway server(mode);
    const LatencyStats st = RunTotal(server.endpoint(), 8, 3, 500);
    EXPECT_EQ(st.lats_s.size(), 500u) << int(mode);
    EXPECT_EQ(Failed(st), 0) << int(mode);
    EXPECT_EQ(server.requests(), 500) << int(mode);
    EXPECT_TRUE(server.bodies_ok());
    EXPECT_FALSE(st.aborted);
    EXPECT_GT(st.rps, 0);
  }
}

TEST(EventLoadTest, GatewayErrorsAreCountedByTheirText) {
  FakeGateway server(FakeGateway::Mode::kError);
  const LatencyStats st = RunTotal(server.endpoint(), 4, 4, 50);
  EXPECT_TRUE(st.lats_s.empty());
  EXPECT_EQ(OnlyError(st, "etcdserver: too many operations in txn request"),
            50);
}

TEST(EventLoadTest, RepeatedFailuresEndTheRun) {
  // A port that was just free: nothing listens there.
  int port = 0;
  const int fd = node::testing::BindLoopback(&port);
  ASSERT_GE(fd, 0);
  ::close(fd);
  RunOptions plan;
  plan.clients = 4;
  plan.duration = std::chrono::seconds(30);
  plan.max_consecutive_errors = 100;
  const LatencyStats st = RunEventLoad(
      plan, {}, {Endpoint{"http", "127.0.0.1", port, "x"}}, 4, kPut);
  EXPECT_TRUE(st.aborted);
  EXPECT_TRUE(st.lats_s.empty());
  EXPECT_GE(OnlyError(st, "context deadline exceeded"), 100);
}

TEST(EventLoadTest, AnAnswerLaterThanTheCommandTimeoutFails) {
  FakeGateway server(FakeGateway::Mode::kStall);
  ClientOptions opts;
  opts.command_timeout = std::chrono::milliseconds(50);
  const LatencyStats st = RunTotal(server.endpoint(), 2, 2, 4, opts);
  EXPECT_TRUE(st.lats_s.empty());
  EXPECT_EQ(OnlyError(st, "context deadline exceeded"), 4);
}

TEST(EventLoadTest, TimedAndRateLimitedRunsEnd) {
  FakeGateway server(FakeGateway::Mode::kOk);
  RunOptions plan;
  plan.clients = 4;
  plan.duration = std::chrono::milliseconds(300);
  plan.rate = 50;  // about 15 requests in the run, not thousands
  const auto t0 = std::chrono::steady_clock::now();
  const LatencyStats st = RunEventLoad(plan, {}, {server.endpoint()}, 2, kPut);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(Failed(st), 0);
  EXPECT_GE(st.lats_s.size(), 5u);
  EXPECT_LE(st.lats_s.size(), 20u);
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(10));
}

// A raw HTTP server that answers its first request as soon as it has the
// headers, waits, and only then reads the body, keeping the connection;
// every later request is read whole, then answered. (A failed request's
// connection is closed anyway: the early answer is a success.)
class EarlyAnswerServer {
 public:
  EarlyAnswerServer() {
    // A small receive buffer (no autotuning, which may grow to 32 MiB):
    // the client cannot hand over a large request before the answer.
    fd_ = node::testing::BindLoopback(&port_, 64 << 10);
    EXPECT_EQ(::listen(fd_, 8), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~EarlyAnswerServer() {
    ::shutdown(fd_, SHUT_RDWR);  // ends accept
    thread_.join();
    ::close(fd_);
  }
  Endpoint endpoint() const {
    return Endpoint{"http", "127.0.0.1", port_, "x"};
  }

 private:
  void Serve() {
    int requests = 0;
    while (true) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string in;
      while (ServeOne(c, &in, ++requests == 1)) {
      }
      ::close(c);
    }
  }
  // One request on `c`; false at the connection's end.
  static bool ServeOne(int c, std::string* in, bool early) {
    size_t head = std::string::npos;
    while ((head = in->find("\r\n\r\n")) == std::string::npos) {
      if (!ReadSome(c, in)) return false;
    }
    const size_t at = in->find("Content-Length: ");
    const size_t length = std::stoul(in->substr(at + 16));
    const std::string ok = "{}";
    auto answer = [c](int status, const std::string& body) {
      const std::string a =
          "HTTP/1.1 " + std::to_string(status) +
          " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
          body;
      return ::send(c, a.data(), a.size(), MSG_NOSIGNAL) ==
             static_cast<ssize_t>(a.size());
    };
    if (early) {
      if (!answer(200, ok)) return false;
      // The client sees the answer while its request is still unsent.
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    while (in->size() < head + 4 + length) {
      if (!ReadSome(c, in)) return false;
    }
    in->erase(0, head + 4 + length);
    return early || answer(200, ok);
  }
  static bool ReadSome(int c, std::string* in) {
    char buf[1 << 16];
    const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    in->append(buf, size_t(n));
    return true;
  }

  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(EventLoadTest, AnAnswerBeforeTheWholeRequestWasSentEndsTheConnection) {
  EarlyAnswerServer server;
  const std::string value(16 << 20, 'v');  // more than the sockets take
  const BenchRequest big{"/v3/kv/put", [&value](int, int64_t) {
                           return Json{{"key", "k"}, {"value", value}};
                         }};
  RunOptions plan;
  plan.clients = 1;
  plan.total = 2;
  ClientOptions opts;
  opts.command_timeout = std::chrono::seconds(3);
  const LatencyStats st = RunEventLoad(plan, opts, {server.endpoint()}, 1, big);
  // The second request went on a new connection, not after the first
  // one's unsent rest (where the server would wait for the rest).
  EXPECT_TRUE(st.errors.empty()) << st.errors.begin()->first;
  EXPECT_EQ(st.lats_s.size(), 2u);
}

TEST(EventLoadTest, OnlyPlainHttpWithoutALoginFits) {
  ClientOptions opts;
  opts.endpoints = {"127.0.0.1:2379", "http://127.0.0.1:2380"};
  EXPECT_TRUE(EventLoadFits(opts));
  opts.token = "tok";  // sent as it is
  EXPECT_TRUE(EventLoadFits(opts));
  opts.username = "root";  // may have to log in again
  EXPECT_FALSE(EventLoadFits(opts));
  opts.username.clear();
  opts.endpoints = {"https://127.0.0.1:2379"};
  EXPECT_FALSE(EventLoadFits(opts));
}

}  // namespace
}  // namespace cairn::ctl
