// GuardedServer over TLS (through HttpListener::Tls) on 127.0.0.1, with
// small bounds and a PKI made in the test: a client that dribbles its
// request head after the handshake, or never starts a handshake, is
// closed after the header timeout and holds no worker while others are
// served; many idle TLS connections do not block a new client; keep-alive
// and pipelined requests work over TLS; slow bodies wait without a
// worker, a body that arrives in pieces is served whole, and a slow body
// is cut at the request read timeout; at the bound a busy listener closes a new
// connection; plain HTTP to the TLS port is refused and logged. Functional
// checks with generous time bounds, not timings.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cairn/connection_guard.h"
#include "cli/cairn/http_listener.h"
#include "cli/cairn/logger.h"
#include "tests/cli/guard_test_routes.h"
#include "tests/cli/raw_socket.h"
#include "tests/cli/test_pki.h"

namespace cairn::node {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::Connect;
using testing::ReadAll;
using testing::SendAll;

// A raw TLS client (blocking socket; it does not check the server's
// certificate): the test decides byte by byte what it sends.
class RawTlsClient {
 public:
  RawTlsClient(SSL_CTX* ctx, int port) : fd_(Connect(port)) {
    if (fd_ < 0) return;
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    handshaken_ = SSL_connect(ssl_) == 1;
    ERR_clear_error();
  }
  ~RawTlsClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  RawTlsClient(const RawTlsClient&) = delete;
  RawTlsClient& operator=(const RawTlsClient&) = delete;

  bool handshaken() const { return handshaken_; }
  bool Send(const std::string& s) {
    const int n = SSL_write(ssl_, s.data(), static_cast<int>(s.size()));
    ERR_clear_error();
    return n == static_cast<int>(s.size());
  }
  // Reads until the server closes (or fails the connection) or `timeout`
  // passes; `closed` tells which.
  std::string ReadAll(milliseconds timeout, bool* closed) {
    std::string out;
    const auto end = std::chrono::steady_clock::now() + timeout;
    *closed = false;
    while (std::chrono::steady_clock::now() < end) {
      if (SSL_pending(ssl_) == 0) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) != 1) continue;
      }
      char buf[4096];
      const int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n <= 0) {
        const int err = SSL_get_error(ssl_, n);
        ERR_clear_error();
        if (err == SSL_ERROR_WANT_READ) continue;
        *closed = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool handshaken_ = false;
};

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    n++;
  }
  return n;
}

class TlsConnectionGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // As cairn does (main.cc): a write to a client that reset is an
    // error, not the end of the process.
    ::signal(SIGPIPE, SIG_IGN);
    dir_ = fs::temp_directory_path() /
           ("cairn-tls-guard-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    Identity ca = MakeIdentity("test-ca", nullptr, 1);
    Identity server = MakeIdentity("server", &ca, 2);
    ASSERT_TRUE(WriteIdentity(server, Path("server"), Path("server-key")));
    client_ctx_ = SSL_CTX_new(TLS_client_method());
    ASSERT_NE(client_ctx_, nullptr);
  }
  void TearDown() override {
    Release();
    if (listener_ != nullptr) listener_->Stop();
    SSL_CTX_free(client_ctx_);
    fs::remove_all(dir_);
  }
  std::string Path(const std::string& name) const {
    return (dir_ / (name + ".pem")).string();
  }

  void StartWith(ConnectionLimits limits,
                 milliseconds request_read_timeout = milliseconds(0)) {
    Result<std::unique_ptr<HttpListener>> l = HttpListener::Tls(
        TlsInfo{Path("server"), Path("server-key"), "", false}, &logger_,
        limits);
    ASSERT_TRUE(l.ok()) << l.status().message();
    listener_ = std::move(l).value();
    auto& server = dynamic_cast<GuardedServer&>(listener_->server());
    ASSERT_TRUE(server.tls());
    server.set_request_read_timeout(request_read_timeout, {"/stream"});
    if (handoff_) listener_->set_http2_handoff(handoff_);
    routes_.Register(listener_->server(), true);
    Result<int> port = listener_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = port.value();
  }
  void Release() { routes_.Release(); }
  bool WaitBlocked(int n) { return routes_.WaitBlocked(n); }
  std::unique_ptr<httplib::Client> Client() {
    auto c = std::make_unique<httplib::Client>("https://127.0.0.1:" +
                                               std::to_string(port_));
    c->enable_server_certificate_verification(false);
    c->set_connection_timeout(std::chrono::seconds(5));
    c->set_read_timeout(std::chrono::seconds(5));
    return c;
  }
  bool Ping() {
    auto res = Client()->Get("/ping");
    return res && res->status == 200 && res->body == "pong";
  }
  // Waits until the listener holds `n` open connections.
  bool WaitOpen(size_t n) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (listener_->connection_stats().open != n) {
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return true;
  }
  std::string StoppedLog() {
    listener_->Stop();
    return log_.str();
  }

  fs::path dir_;
  SSL_CTX* client_ctx_ = nullptr;
  std::ostringstream log_;
  JsonLogger logger_{log_, LogLevel::kInfo, "t"};
  std::unique_ptr<HttpListener> listener_;
  std::function<void(int)> handoff_;  // set before StartWith
  int port_ = 0;
  testing::GuardTestRoutes routes_;
};

TEST_F(TlsConnectionGuardTest, SlowTlsSendersDoNotBlockOthersAndTimeOut) {
  StartWith({.max_connections = 64,
             .max_workers = 2,
             .header_timeout = milliseconds(500),
             .idle_timeout = milliseconds(60000)});
  // More slow senders than workers: handshake done, half a head sent.
  std::vector<std::unique_ptr<RawTlsClient>> slow;
  for (int i = 0; i < 8; i++) {
    slow.push_back(std::make_unique<RawTlsClient>(client_ctx_, port_));
    ASSERT_TRUE(slow.back()->handshaken());
    ASSERT_TRUE(slow.back()->Send("GET /ping HTTP/1.1\r\nHo"));
  }
  EXPECT_TRUE(Ping());
  EXPECT_EQ(listener_->connection_stats().busy, 0u);
  // Each is closed once its head is 500 ms late (bound: 5 s), although
  // it goes on sending a byte now and then.
  for (auto& c : slow) {
    bool closed = false;
    const auto end = std::chrono::steady_clock::now() + milliseconds(5000);
    while (!closed && std::chrono::steady_clock::now() < end) {
      c->Send("x");
      c->ReadAll(milliseconds(100), &closed);
    }
    EXPECT_TRUE(closed);
  }
  EXPECT_GE(listener_->connection_stats().timed_out, 8u);
  EXPECT_TRUE(Ping());
}

TEST_F(TlsConnectionGuardTest, ClientsThatNeverHandshakeHoldNoWorker) {
  StartWith({.max_connections = 64,
             .max_workers = 1,
             .header_timeout = milliseconds(500),
             .idle_timeout = milliseconds(60000)});
  // TCP connections that send nothing, and some that send the start of a
  // record and stop.
  std::vector<int> silent;
  for (int i = 0; i < 8; i++) {
    silent.push_back(Connect(port_));
    ASSERT_GE(silent.back(), 0);
    if (i % 2 == 1) {
      ASSERT_EQ(::send(silent.back(), "\x16\x03\x01", 3, MSG_NOSIGNAL), 3);
    }
  }
  ASSERT_TRUE(WaitOpen(8));
  EXPECT_TRUE(Ping());
  EXPECT_EQ(listener_->connection_stats().busy, 0u);
  for (int fd : silent) {
    bool closed = false;
    ReadAll(fd, milliseconds(5000), &closed);
    EXPECT_TRUE(closed);
    ::close(fd);
  }
  EXPECT_GE(listener_->connection_stats().timed_out, 8u);
  EXPECT_TRUE(Ping());
}

TEST_F(TlsConnectionGuardTest, ManyIdleTlsConnectionsDoNotBlockANewClient) {
  StartWith({.max_connections = 256, .max_workers = 2});
  std::vector<std::unique_ptr<RawTlsClient>> idle;
  for (int i = 0; i < 100; i++) {
    idle.push_back(std::make_unique<RawTlsClient>(client_ctx_, port_));
    ASSERT_TRUE(idle.back()->handshaken()) << i;
  }
  ASSERT_TRUE(WaitOpen(100));
  for (int i = 0; i < 10; i++) EXPECT_TRUE(Ping()) << i;
  const ConnectionStats s = listener_->connection_stats();
  EXPECT_EQ(s.busy, 0u);
  EXPECT_EQ(s.evicted, 0u);
  // They are still open and can be served.
  ASSERT_TRUE(idle[0]->Send(
      "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  const std::string answer = idle[0]->ReadAll(milliseconds(5000), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(Count(answer, "pong"), 1u) << answer;
}

TEST_F(TlsConnectionGuardTest, KeepAliveReusesOneTlsConnection) {
  StartWith({.max_connections = 8, .max_workers = 2});
  auto c = Client();
  c->set_keep_alive(true);
  for (int i = 0; i < 20; i++) {
    auto res = c->Get("/ping");
    ASSERT_TRUE(res && res->status == 200) << i;
    EXPECT_EQ(res->body, "pong");
    EXPECT_EQ(listener_->connection_stats().open, 1u);
  }
}

TEST_F(TlsConnectionGuardTest, PipelinedRequestsAreAllAnsweredOverTls) {
  StartWith({.max_connections = 8, .max_workers = 2});
  RawTlsClient c(client_ctx_, port_);
  ASSERT_TRUE(c.handshaken());
  // One record with a body larger than a read, then two more requests.
  const std::string body(10000, 'b');
  ASSERT_TRUE(c.Send("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body +
                     "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /ping HTTP/1.1\r\nHost: x\r\n"
                     "Connection: close\r\n\r\n"));
  bool closed = false;
  const std::string answer = c.ReadAll(milliseconds(5000), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(Count(answer, "\r\n\r\n10000"), 1u) << answer;
  EXPECT_EQ(Count(answer, "pong"), 2u) << answer;
}

TEST_F(TlsConnectionGuardTest, ASlowTlsBodyIsCutAtTheRequestReadTimeout) {
  StartWith({.max_connections = 8,
             .max_workers = 4,
             .io_timeout = milliseconds(20000)},
            milliseconds(300));
  RawTlsClient slow(client_ctx_, port_);
  ASSERT_TRUE(slow.handshaken());
  ASSERT_TRUE(
      slow.Send("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
                "ab"));
  EXPECT_EQ(listener_->connection_stats().busy, 0u);
  bool closed = false;
  const std::string cut = slow.ReadAll(milliseconds(5000), &closed);
  EXPECT_TRUE(closed) << cut;
  EXPECT_GE(listener_->connection_stats().timed_out, 1u);
  EXPECT_TRUE(Ping());
}

TEST_F(TlsConnectionGuardTest, SlowTlsBodiesHoldNoWorker) {
  StartWith({.max_connections = 64, .max_workers = 4}, milliseconds(20000));
  std::vector<std::unique_ptr<RawTlsClient>> slow;
  for (int i = 0; i < 20; i++) {
    slow.push_back(std::make_unique<RawTlsClient>(client_ctx_, port_));
    ASSERT_TRUE(slow.back()->handshaken());
    ASSERT_TRUE(slow.back()->Send(
        i % 2 == 0
            ? "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\na"
            : "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
              "chunked\r\n\r\n3e8\r\na"));
  }
  ASSERT_TRUE(WaitOpen(20));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(listener_->connection_stats().busy, 0u);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Ping());
  auto res = Client()->Post("/echo", std::string(5000, 'e'), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, std::string(5000, 'e'));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // A slow one that completes its body is served.
  ASSERT_TRUE(slow[0]->Send(std::string(999, 'b') +
                            "GET /ping HTTP/1.1\r\nHost: x\r\n"
                            "Connection: close\r\n\r\n"));
  bool closed = false;
  const std::string answer = slow[0]->ReadAll(milliseconds(5000), &closed);
  EXPECT_EQ(Count(answer, "\r\n\r\n1000"), 1u) << answer;
  EXPECT_EQ(Count(answer, "pong"), 1u) << answer;
}

TEST_F(TlsConnectionGuardTest, ATlsBodyInPiecesIsServedWhole) {
  StartWith({.max_connections = 8, .max_workers = 1}, milliseconds(10000));
  std::string body;
  for (size_t i = 0; body.size() < 1500 * 1024; i++) {
    body += std::to_string(i) + ",";
  }
  RawTlsClient c(client_ctx_, port_);
  ASSERT_TRUE(c.handshaken());
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
             "Content-Length: " +
             std::to_string(body.size()) + "\r\n\r\n"));
  const size_t piece = body.size() / 6 + 1;
  for (size_t at = 0; at < body.size(); at += piece) {
    std::this_thread::sleep_for(milliseconds(100));
    EXPECT_EQ(listener_->connection_stats().busy, 0u);
    ASSERT_TRUE(c.Send(body.substr(at, piece)));
  }
  bool closed = false;
  const std::string answer = c.ReadAll(milliseconds(10000), &closed);
  EXPECT_TRUE(closed);
  const size_t head_end = answer.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << answer.substr(0, 200);
  EXPECT_EQ(answer.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_TRUE(answer.substr(head_end + 4) == body)
      << answer.size() - head_end - 4 << " bytes of " << body.size();
}

TEST_F(TlsConnectionGuardTest, WhenAllAreBusyANewConnectionIsClosed) {
  StartWith({.max_connections = 3, .max_workers = 8});
  std::vector<std::thread> blockers;
  for (int i = 0; i < 3; i++) {
    blockers.emplace_back([this] {
      auto c = Client();
      c->set_read_timeout(std::chrono::seconds(30));
      auto res = c->Get("/block");
      EXPECT_TRUE(res && res->status == 200);
    });
  }
  ASSERT_TRUE(WaitBlocked(3));
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  bool closed = false;
  EXPECT_EQ(ReadAll(fd, milliseconds(5000), &closed), "");
  EXPECT_TRUE(closed);
  ::close(fd);
  EXPECT_GE(listener_->connection_stats().refused, 1u);
  Release();
  for (auto& t : blockers) t.join();
  EXPECT_TRUE(Ping());
}

TEST_F(TlsConnectionGuardTest, PlainHttpToTheTlsPortIsRefusedAndLogged) {
  StartWith({.max_connections = 8, .max_workers = 1});
  for (int i = 0; i < 10; i++) {
    const int fd = Connect(port_);
    ASSERT_GE(fd, 0);
    const std::string get = "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(::send(fd, get.data(), get.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(get.size()));
    bool closed = false;
    const std::string answer = ReadAll(fd, milliseconds(5000), &closed);
    EXPECT_TRUE(closed);
    EXPECT_EQ(answer.find("pong"), std::string::npos);
    ::close(fd);
  }
  EXPECT_TRUE(Ping());
  EXPECT_TRUE(WaitOpen(0));
  const std::string log = StoppedLog();
  EXPECT_EQ(Count(log, "\"msg\":\"rejected connection\""), 10u) << log;
  EXPECT_EQ(Count(log, "tls: first record does not look like a TLS handshake"),
            10u)
      << log;
}

TEST_F(TlsConnectionGuardTest, AnH2OnlyClientIsHandedOffBeforeItsHandshake) {
  testing::HandedOff handed;
  handoff_ = handed.Sink();
  StartWith({.max_connections = 8, .max_workers = 2});
  const std::string hello = ClientHello({"h2"});
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  // Part of the ClientHello: which protocol is not known yet.
  ASSERT_TRUE(SendAll(fd, hello.substr(0, 10)));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(handed.count(), 0u);
  ASSERT_TRUE(SendAll(fd, hello.substr(10)));
  const int got = handed.WaitOne(milliseconds(5000));
  ASSERT_GE(got, 0);
  EXPECT_NE(::fcntl(got, F_GETFL, 0) & O_NONBLOCK, 0);
  // The new owner does the handshake: it reads the whole ClientHello.
  bool closed = false;
  EXPECT_EQ(ReadAll(got, milliseconds(300), &closed), hello);
  EXPECT_EQ(listener_->connection_stats().http2, 1u);
  EXPECT_EQ(listener_->connection_stats().open, 0u);
  EXPECT_TRUE(Ping());  // HTTP/1.1 over TLS beside it
  ::close(fd);
}

TEST_F(TlsConnectionGuardTest, ClientsThatCanSpeakHttp11AreServedHere) {
  testing::HandedOff handed;
  handoff_ = handed.Sink();
  StartWith({.max_connections = 8, .max_workers = 2});
  // curl --http2 offers both: it gets HTTP/1.1 from the guard.
  static constexpr unsigned char kBoth[] = "\x02h2\x08http/1.1";
  ASSERT_EQ(SSL_CTX_set_alpn_protos(client_ctx_, kBoth, sizeof(kBoth) - 1), 0);
  RawTlsClient c(client_ctx_, port_);
  ASSERT_TRUE(c.handshaken());
  ASSERT_TRUE(
      c.Send("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  const std::string answer = c.ReadAll(milliseconds(5000), &closed);
  EXPECT_NE(answer.find("pong"), std::string::npos) << answer;
  EXPECT_TRUE(Ping());  // no ALPN at all
  // Not a TLS record: refused by the handshake, as without a hand-off.
  const int fd = Connect(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, std::string(kHttp2Preface)));
  ReadAll(fd, milliseconds(5000), &closed);
  EXPECT_TRUE(closed);
  ::close(fd);
  EXPECT_EQ(handed.count(), 0u);
  EXPECT_EQ(listener_->connection_stats().http2, 0u);
}

}  // namespace
}  // namespace cairn::node
