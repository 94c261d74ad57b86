// HttpListener's port: a port another socket listens on is refused with
// etcd's words (Go's "bind: address already in use"), a second listener
// does not share a port already served, and neither a TIME_WAIT that
// etcd's kind of socket (SO_REUSEADDR) left on a port nor one of the
// member's own connections (a restart) stops a listener from binding it.
#include "cli/cairn/http_listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace cairn::node {
namespace {

// A TCP socket on 127.0.0.1:port (0: any) with `option` (0: none) set,
// as software other than ours binds; -1 if the bind fails.
int PlainSocket(int port, bool listening, int option = 0) {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int yes = 1;
  if (option != 0) ::setsockopt(s, SOL_SOCKET, option, &yes, sizeof yes);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      (listening && ::listen(s, 4) != 0)) {
    ::close(s);
    return -1;
  }
  return s;
}

int PortOf(int s) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

std::string InUse(int port) {
  return "listen tcp 127.0.0.1:" + std::to_string(port) +
         ": bind: address already in use";
}

TEST(HttpListenerTest, APortAnotherListenerServesIsRefused) {
  HttpListener first;
  Result<int> port = first.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status().message();
  HttpListener second;
  Result<int> again = second.Start("127.0.0.1", port.value());
  ASSERT_FALSE(again.ok()) << "two listeners share port " << port.value();
  EXPECT_EQ(again.status().code(), Code::kIOError);
  EXPECT_EQ(again.status().message(), InUse(port.value()));
}

TEST(HttpListenerTest, APortAnotherProgramListensOnIsRefused) {
  const int other = PlainSocket(0, true);
  ASSERT_GE(other, 0);
  HttpListener l;
  Result<int> r = l.Start("127.0.0.1", PortOf(other));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), InUse(PortOf(other)));
  ::close(other);
}

// Binds `port` and serves GET /x on it.
void ExpectServes(HttpListener& l, int port) {
  l.server().Get("/x", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("served", "text/plain");
  });
  Result<int> r = l.Start("127.0.0.1", port);
  ASSERT_TRUE(r.ok()) << r.status().message();
  httplib::Client c("127.0.0.1", port);
  httplib::Result res = c.Get("/x");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "served");
}

TEST(HttpListenerTest, AnEtcdTimeWaitOnThePortDoesNotStopTheBind) {
  // A connection to a socket with SO_REUSEADDR (as Go's listeners are)
  // that the server side closes first leaves the server's end in
  // TIME_WAIT on the port for a minute.
  const int server = PlainSocket(0, true, SO_REUSEADDR);
  ASSERT_GE(server, 0);
  const int port = PortOf(server);
  const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const int accepted = ::accept(server, nullptr, nullptr);
  ASSERT_GE(accepted, 0);
  ::close(accepted);
  ::close(server);
  char byte;
  ASSERT_EQ(::read(client, &byte, 1), 0);  // the server's FIN came
  ::close(client);
  // The precondition: with SO_REUSEPORT alone (cpp-httplib's default,
  // which cairn used), the port cannot be bound now.
  int probe = -1;
  for (int i = 0; i < 100; i++) {
    probe = PlainSocket(port, true, SO_REUSEPORT);
    if (probe < 0) break;
    ::close(probe);  // the TIME_WAIT is not there yet
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_LT(probe, 0) << "no TIME_WAIT on port " << port;
  HttpListener l;
  ExpectServes(l, port);
}

TEST(HttpListenerTest, ARestartBindsThePortItsConnectionsLeftInTimeWait) {
  int port = 0;
  {
    HttpListener first;
    first.server().Get("/x",
                       [](const httplib::Request&, httplib::Response& res) {
                         res.set_content("served", "text/plain");
                       });
    Result<int> r = first.Start("127.0.0.1", 0);
    ASSERT_TRUE(r.ok());
    port = r.value();
    // "Connection: close": the server closes first, so its end of each
    // waits in TIME_WAIT.
    for (int i = 0; i < 3; i++) {
      httplib::Client c("127.0.0.1", port);
      httplib::Result res = c.Get("/x", {{"Connection", "close"}});
      ASSERT_TRUE(res);
    }
  }
  HttpListener second;
  ExpectServes(second, port);
}

}  // namespace
}  // namespace cairn::node
