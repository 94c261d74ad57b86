// The peer proxy on loopback (no namespaces, no root): bytes pass both
// ways in order, a link's delay holds back only its direction, closes pass
// through, and bad addresses are refused.
#include "tests/chaos/peer_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace cairn::chaos {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Echoes every connection (one at a time) until it closes.
class EchoServer {
 public:
  EchoServer() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = Loopback(0);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(listen(fd_, 8), 0);
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        ssize_t n;
        while ((n = read(c, buf, sizeof(buf))) > 0) {
          if (write(c, buf, static_cast<size_t>(n)) != n) break;
        }
        ++closed_;
        close(c);
      }
    });
  }
  ~EchoServer() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  uint16_t port() const { return port_; }
  int closed() const { return closed_.load(); }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> closed_{0};
  std::thread thread_;
};

int Connect(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(port);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  return fd;
}

std::string ReadExactly(int fd, size_t n) {
  std::string out;
  char buf[4096];
  while (out.size() < n) {
    const ssize_t got = read(fd, buf, std::min(sizeof(buf), n - out.size()));
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
  }
  return out;
}

double RoundTripMs(int fd, const std::string& text) {
  const auto t0 = Clock::now();
  EXPECT_EQ(write(fd, text.data(), text.size()),
            static_cast<ssize_t>(text.size()));
  EXPECT_EQ(ReadExactly(fd, text.size()), text);
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Two members: connections come from member 0 (127.0.0.1) to member 1,
// whose real listener is the echo server.
struct Fixture {
  EchoServer echo;
  PeerProxy proxy{
      2, [](const std::string& ip) { return ip == "127.0.0.1" ? 0 : -1; },
      [](int) { return std::string("127.0.0.1"); }};
  uint16_t port = 0;
  Fixture() {
    Result<uint16_t> p =
        proxy.Listen(1, "127.0.0.1", 0, "127.0.0.1", echo.port());
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    port = p.ok() ? p.value() : 0;
  }
};

TEST(PeerProxy, DelaysEachDirectionOfALink) {
  Fixture f;
  const int fd = Connect(f.port);
  EXPECT_LT(RoundTripMs(fd, "no delay"), 150);

  f.proxy.SetDelay(0, 1, 200, 0);  // member 0 -> member 1 only
  const double one_way = RoundTripMs(fd, "delayed out");
  EXPECT_GE(one_way, 195);
  f.proxy.SetDelay(1, 0, 200, 0);  // and back
  EXPECT_GE(RoundTripMs(fd, "delayed both ways"), 395);
  f.proxy.SetDelay(0, 1, 0, 0);
  const double back_only = RoundTripMs(fd, "delayed back");
  EXPECT_GE(back_only, 195);
  EXPECT_LT(back_only, 395);

  f.proxy.ClearDelays();
  EXPECT_LT(RoundTripMs(fd, "healed"), 150);
  EXPECT_EQ(f.proxy.connections(), 1u);
  close(fd);
}

TEST(PeerProxy, KeepsOrderUnderJitter) {
  Fixture f;
  f.proxy.SetDelay(0, 1, 20, 60);
  f.proxy.SetDelay(1, 0, 5, 40);
  const int fd = Connect(f.port);
  std::string sent;
  for (int i = 0; i < 300; ++i) {
    const std::string piece = "<" + std::to_string(i) + ">";
    ASSERT_EQ(write(fd, piece.data(), piece.size()),
              static_cast<ssize_t>(piece.size()));
    sent += piece;
    if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  // And a large write: more than one chunk, more than the queue bound.
  const std::string big(3 << 20, 'x');
  std::thread writer([&] {
    size_t off = 0;
    while (off < big.size()) {
      const ssize_t n = write(fd, big.data() + off, big.size() - off);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  });
  EXPECT_EQ(ReadExactly(fd, sent.size()), sent);
  EXPECT_EQ(ReadExactly(fd, big.size()), big);
  writer.join();
  // The proxy counts a piece once its write returns, which may be after
  // the client has read it: wait (bounded) for the count.
  const uint64_t want = 2 * (sent.size() + big.size());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (f.proxy.bytes() < want && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(f.proxy.bytes(), want);
  close(fd);
}

TEST(PeerProxy, PassesClosesOnAndStops) {
  Fixture f;
  const int fd = Connect(f.port);
  EXPECT_LT(RoundTripMs(fd, "x"), 1000);
  close(fd);
  for (int i = 0; i < 200 && f.echo.closed() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(f.echo.closed(), 1);

  // A connection open at Stop is closed, and Stop returns.
  const int open_fd = Connect(f.port);
  EXPECT_LT(RoundTripMs(open_fd, "y"), 1000);
  f.proxy.Stop();
  char c;
  EXPECT_LE(read(open_fd, &c, 1), 0);
  close(open_fd);
}

TEST(PeerProxy, ClosesWhenTheDestinationIsDown) {
  PeerProxy proxy(
      2, [](const std::string&) { return 0; },
      [](int) { return std::string(); });
  // A port nothing listens on: take a free one and close it.
  const int probe = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = Loopback(0);
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len);
  close(probe);
  Result<uint16_t> port =
      proxy.Listen(1, "127.0.0.1", 0, "127.0.0.1", ntohs(a.sin_port));
  ASSERT_TRUE(port.ok());
  const int fd = Connect(port.value());
  char c;
  EXPECT_LE(read(fd, &c, 1), 0);  // closed, not hung
  close(fd);
}

TEST(PeerProxy, RefusesBadListeners) {
  PeerProxy proxy(
      2, [](const std::string&) { return 0; },
      [](int) { return std::string(); });
  EXPECT_FALSE(proxy.Listen(2, "127.0.0.1", 0, "127.0.0.1", 1).ok());
  EXPECT_FALSE(proxy.Listen(-1, "127.0.0.1", 0, "127.0.0.1", 1).ok());
  EXPECT_FALSE(proxy.Listen(0, "no-ip", 0, "127.0.0.1", 1).ok());
  EXPECT_FALSE(proxy.Listen(0, "127.0.0.1", 0, "10.0.0.300", 1).ok());
  // Out-of-range links are ignored, not a crash.
  proxy.SetDelay(5, 0, 10, 0);
  proxy.SetDelay(0, -1, 10, 0);
}

}  // namespace
}  // namespace cairn::chaos
