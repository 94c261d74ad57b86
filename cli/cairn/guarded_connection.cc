#include "cli/cairn/guarded_connection.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "cli/cairn/connection_guard.h"

namespace cairn::node {

namespace {

// Plain reads fill the buffer 4 KiB at a time; TLS ones take up to a
// whole record (16 KiB).
constexpr size_t kReadChunk = 4096;
constexpr size_t kTlsReadChunk = 16 * 1024;
// A buffer larger than this is given back once its bytes are consumed.
constexpr size_t kKeptCapacity = 64 * 1024;

// Polls `fd` for `events` for at most `timeout` (zero: no wait).
// Returns poll's count; `revents` gets what happened.
int PollOne(int fd, short events, std::chrono::milliseconds timeout,
            short* revents) {
  pollfd p{fd, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, timeout.count())));
  } while (n < 0 && errno == EINTR);
  *revents = p.revents;
  return n;
}

void AddressOf(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  const int rc =
      peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
           : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char text[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

}  // namespace

GuardedConnection::GuardedConnection(int fd, SSL* ssl,
                                     std::chrono::milliseconds io_timeout)
    : fd_(fd), ssl_(ssl), io_timeout_(io_timeout) {
  if (ssl_ == nullptr) return;
  const int flags = ::fcntl(fd_, F_GETFL, 0);
  ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  // An idle connection keeps no read or write buffer (some 34 KiB).
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
  SSL_set_fd(ssl_, fd_);
  SSL_set_accept_state(ssl_);
}

GuardedConnection::~GuardedConnection() {
  if (ssl_ != nullptr) {
    if (handshake_done_ && !broken_) {
      ERR_clear_error();
      (void)SSL_shutdown(ssl_);  // close_notify, if it fits now
    }
    ERR_clear_error();
    SSL_free(ssl_);
  }
  ::close(fd_);
}

GuardedConnection::Progress GuardedConnection::Handshake() {
  if (handshake_done_) return Progress::kDone;
  std::lock_guard<std::mutex> lock(ssl_mu_);
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    handshake_done_ = true;
    return Progress::kDone;
  }
  const int error = SSL_get_error(ssl_, rc);
  ERR_clear_error();
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    return Progress::kWaiting;
  }
  broken_ = true;
  return Progress::kFailed;
}

GuardedConnection::Progress GuardedConnection::Fill(size_t limit) {
  if (buf_off_ > 0) {
    buf_.erase(0, buf_off_);
    buf_off_ = 0;
  }
  // Read through a chunk on the stack: a connection that trickles keeps
  // only what it sent.
  char chunk[kTlsReadChunk];
  while (buf_.size() < limit) {
    // Never past `limit`: a body waited for is read exactly.
    const size_t want = std::min(sizeof(chunk), limit - buf_.size());
    if (ssl_ == nullptr) {
      ssize_t n;
      do {
        n = ::recv(fd_, chunk, want, MSG_DONTWAIT);
      } while (n < 0 && errno == EINTR);
      if (n > 0) {
        buf_.append(chunk, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return Progress::kWaiting;
      }
      return Progress::kFailed;  // closed by the peer, or an error
    }
    int error = 0;
    const int n = TlsCall(false, chunk, want, &error);
    if (n > 0) {
      buf_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      return Progress::kWaiting;
    }
    return Progress::kFailed;
  }
  return Progress::kDone;
}

void GuardedConnection::Compact() {
  buf_.erase(0, buf_off_);
  buf_off_ = 0;
  // A body read whole (up to the payload limit) leaves no large buffer
  // behind on a connection that then waits.
  if (buf_.capacity() > kKeptCapacity && buf_.size() <= kKeptCapacity) {
    buf_.shrink_to_fit();
  }
}

void GuardedConnection::TrySend(std::string_view data) {
  if (ssl_ == nullptr) {
    (void)::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return;
  }
  int error = 0;
  (void)TlsCall(true, const_cast<char*>(data.data()), data.size(), &error);
}

void GuardedConnection::BeginRequest(Clock::time_point read_deadline) {
  response_started_ = false;
  close_after_ = false;
  read_deadline_ = read_deadline;
}

std::chrono::milliseconds GuardedConnection::ReadWait() const {
  auto wait = io_timeout_;
  if (read_deadline_ != Clock::time_point::max()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        read_deadline_ - Clock::now());
    wait = std::min(wait, left);
  }
  return wait;
}

bool GuardedConnection::is_readable() const {
  if (buf_off_ < buf_.size()) return true;
  // Decrypted bytes may wait in OpenSSL with nothing left on the socket.
  if (ssl_ != nullptr) {
    std::lock_guard<std::mutex> lock(ssl_mu_);
    if (SSL_pending(ssl_) > 0) return true;
  }
  return SocketReadable();
}

bool GuardedConnection::SocketReadable() const {
  const auto wait = ReadWait();
  if (wait.count() <= 0) return false;
  short revents = 0;
  return PollOne(fd_, POLLIN, wait, &revents) > 0;
}

bool GuardedConnection::peer_hung_up() const {
  short revents = 0;
  return PollOne(fd_, POLLRDHUP, std::chrono::milliseconds(0), &revents) > 0 &&
         (revents & (POLLRDHUP | POLLERR | POLLHUP | POLLNVAL)) != 0;
}

bool GuardedConnection::is_writable() const {
  short revents = 0;
  return PollOne(fd_, POLLOUT, io_timeout_, &revents) > 0 &&
         (revents & (POLLERR | POLLHUP | POLLNVAL)) == 0;
}

ssize_t GuardedConnection::read(char* ptr, size_t size) {
  if (buf_off_ < buf_.size()) {
    const size_t n = std::min(size, buf_.size() - buf_off_);
    std::memcpy(ptr, buf_.data() + buf_off_, n);
    buf_off_ += n;
    return static_cast<ssize_t>(n);
  }
  buf_.clear();
  buf_off_ = 0;
  const size_t chunk = ssl_ != nullptr ? kTlsReadChunk : kReadChunk;
  if (size >= chunk) return Receive(ptr, size);
  buf_.resize(chunk);
  const ssize_t n = Receive(buf_.data(), buf_.size());
  if (n <= 0) {
    buf_.clear();
    return n;
  }
  buf_.resize(static_cast<size_t>(n));
  const size_t take = std::min(size, buf_.size());
  std::memcpy(ptr, buf_.data(), take);
  buf_off_ = take;
  return static_cast<ssize_t>(take);
}

ssize_t GuardedConnection::Receive(char* ptr, size_t size) {
  if (ssl_ != nullptr) return TlsRead(ptr, size);
  if (!SocketReadable()) {
    // A read that timed out leaves the rest of the request unread: the
    // connection cannot serve another one.
    close_after_ = true;
    return -1;
  }
  ssize_t n;
  do {
    n = ::recv(fd_, ptr, size, 0);
  } while (n < 0 && errno == EINTR);
  return n;
}

ssize_t GuardedConnection::write(const char* ptr, size_t size) {
  // cpp-httplib writes the status line and headers in one call; an
  // interim "100 Continue" may come before them.
  const std::string_view head(ptr, size);
  if (!response_started_ && head.rfind("HTTP/1.1 1", 0) != 0) {
    response_started_ = true;
    if (head.substr(0, RequestHeadEnd(head))
            .find("\r\nConnection: close\r\n") != std::string_view::npos) {
      close_after_ = true;
    }
  }
  if (ssl_ != nullptr) return TlsWrite(ptr, size);
  if (!is_writable()) return -1;
  ssize_t n;
  do {
    n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

int GuardedConnection::TlsCall(bool write, void* ptr, size_t size, int* error) {
  const int len = static_cast<int>(std::min<size_t>(size, 1 << 30));
  std::lock_guard<std::mutex> lock(ssl_mu_);
  ERR_clear_error();
  const int n = write ? SSL_write(ssl_, ptr, len) : SSL_read(ssl_, ptr, len);
  *error = n > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl_, n);
  ERR_clear_error();
  if (*error == SSL_ERROR_SYSCALL || *error == SSL_ERROR_SSL) broken_ = true;
  return n;
}

ssize_t GuardedConnection::TlsRead(char* ptr, size_t size) {
  for (;;) {
    int error = 0;
    const int n = TlsCall(false, ptr, size, &error);
    if (n > 0) return n;
    if (error == SSL_ERROR_ZERO_RETURN) return 0;  // close_notify
    if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
      return -1;
    }
    const auto wait = ReadWait();
    short revents = 0;
    if (wait.count() <= 0 ||
        PollOne(fd_, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, wait,
                &revents) <= 0) {
      close_after_ = true;  // as for a plain read that timed out
      return -1;
    }
  }
}

ssize_t GuardedConnection::TlsWrite(const char* ptr, size_t size) {
  // A write that cannot proceed is retried with the same arguments, as
  // OpenSSL requires; each wait is bounded by io_timeout.
  for (;;) {
    int error = 0;
    const int n = TlsCall(true, const_cast<char*>(ptr), size, &error);
    if (n > 0) return n;
    if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
      return -1;
    }
    short revents = 0;
    if (PollOne(fd_, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
                io_timeout_, &revents) <= 0) {
      return -1;
    }
  }
}

void GuardedConnection::get_remote_ip_and_port(std::string& ip,
                                               int& port) const {
  AddressOf(fd_, true, ip, port);
}

void GuardedConnection::get_local_ip_and_port(std::string& ip,
                                              int& port) const {
  AddressOf(fd_, false, ip, port);
}

}  // namespace cairn::node
