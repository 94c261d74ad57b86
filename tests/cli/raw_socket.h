// Raw loopback sockets for the connection guard's tests, which decide byte
// by byte what a client sends and see whether the server closed.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace cairn::node::testing {

// A TCP socket bound to 127.0.0.1 on a free port (*port), not listening;
// `rcvbuf` > 0 fixes its receive buffer (and that of the connections it
// accepts), which otherwise grows with the kernel's autotuning.
inline int BindLoopback(int* port, int rcvbuf = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

// A blocking TCP connection to 127.0.0.1:port, or -1.
inline int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends all of `s` (a loopback socket takes it at once); false when not.
inline bool SendAll(int fd, const std::string& s) {
  return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(s.size());
}

// Reads until the peer closes or `timeout` passes; `closed` tells which.
inline std::string ReadAll(int fd, std::chrono::milliseconds timeout,
                           bool* closed) {
  std::string out;
  const auto end = std::chrono::steady_clock::now() + timeout;
  *closed = false;
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) != 1) continue;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Collects the sockets the guard hands off.
struct HandedOff {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> fds;
  std::function<void(int)> Sink() {
    return [this](int fd) {
      std::lock_guard<std::mutex> lock(mu);
      fds.push_back(fd);
      cv.notify_all();
    };
  }
  int WaitOne(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, timeout, [this] { return !fds.empty(); })) return -1;
    return fds.front();
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu);
    return fds.size();
  }
  ~HandedOff() {
    for (int fd : fds) ::close(fd);
  }
};

}  // namespace cairn::node::testing
