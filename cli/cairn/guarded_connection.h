// GuardedConnection: one connection of a GuardedServer
// (cli/cairn/connection_guard.h), plain or TLS, as cpp-httplib's Stream.
// Edge code.
//
// Reads are buffered (cpp-httplib's head parser reads a byte at a time),
// and each read or write waits at most io_timeout. It owns the socket
// (and the TLS session).
//
// A TLS connection's socket is non-blocking for its whole life: in the
// waiting room its handshake and its request head (and body) are driven
// by epoll readiness (Handshake, Fill), never waiting; in a worker, each
// read or write waits for readiness itself. A plain connection's request
// head is only peeked at in the waiting room, but a body waited for is
// read into the buffer (Fill) there too; a worker's reads take the
// buffer's bytes first. Its OpenSSL calls are serialized by
// a lock, since a watch stream reads its request body on one thread
// while its response is written on another.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

struct ssl_st;  // OpenSSL's SSL

namespace cairn::node {

class GuardedConnection : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  // Plain when `ssl` is null. Else `ssl` is a server session not yet
  // handshaken on `fd`, which it takes (and makes non-blocking).
  GuardedConnection(int fd, ssl_st* ssl, std::chrono::milliseconds io_timeout);
  // Closes the socket; a TLS session that is still sound says
  // close_notify first (without waiting).
  ~GuardedConnection() override;
  GuardedConnection(const GuardedConnection&) = delete;
  GuardedConnection& operator=(const GuardedConnection&) = delete;

  int fd() const { return fd_; }
  // Whether the client has closed its side (or the connection failed),
  // without waiting.
  bool peer_hung_up() const;
  bool tls() const { return ssl_ != nullptr; }
  // The TLS session, for the handlers (httplib::Request::ssl); null when
  // plain.
  const ssl_st* ssl() const { return ssl_; }

  // Bytes read and not yet consumed (a pipelined next request, or for
  // TLS what the waiting room read). Only while no request is in
  // progress.
  std::string_view buffered() const {
    return std::string_view(buf_).substr(buf_off_);
  }
  // Takes the first `n` bytes of buffered() as read.
  void Consume(size_t n) { buf_off_ += std::min(n, buf_.size() - buf_off_); }

  // In the waiting room (neither waits; Handshake is TLS only).
  enum class Progress {
    kWaiting,  // needs more bytes from the peer (or room to send)
    kDone,     // handshake complete / `limit` bytes buffered
    kFailed,   // refused, closed by the peer, or a TLS error
  };
  bool handshake_done() const { return handshake_done_; }
  // Drives the server side of the handshake. A refused one is logged by
  // the context's info callback (LogRejectedHandshakes).
  Progress Handshake();
  // Reads the bytes (over TLS the plaintext, including what OpenSSL
  // holds already) that have arrived into the buffer, until it holds
  // `limit` bytes (kDone; never more) or nothing more is there (kWaiting;
  // the socket has then been read until it would block).
  Progress Fill(size_t limit);
  // Drops consumed bytes, and gives back a large buffer's memory once
  // little of it is in use. Only while no request is in progress.
  void Compact();
  // Sends `data` if it fits now, or gives up (a refusal's answer).
  void TrySend(std::string_view data);

  // A new request: its response is not started yet, and its reads end
  // at `read_deadline` (time_point::max(): none).
  void BeginRequest(Clock::time_point read_deadline);
  // Whether the response asked to close the connection (a watch stream
  // sets "Connection: close": its body may not all have been read), or a
  // read of the request timed out.
  bool close_after() const { return close_after_; }

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return fd_; }

 private:
  // How long the next read may wait: io_timeout, or less before the
  // request's read deadline (zero or less: it has passed).
  std::chrono::milliseconds ReadWait() const;
  // Whether the socket has bytes, waiting up to ReadWait().
  bool SocketReadable() const;
  // One read from the connection into `ptr`, waiting up to ReadWait().
  ssize_t Receive(char* ptr, size_t size);
  ssize_t TlsRead(char* ptr, size_t size);
  ssize_t TlsWrite(const char* ptr, size_t size);
  // One SSL_read or SSL_write (non-blocking), under ssl_mu_: its result
  // and SSL_get_error's.
  int TlsCall(bool write, void* ptr, size_t size, int* error);

  const int fd_;
  ssl_st* const ssl_;
  const std::chrono::milliseconds io_timeout_;
  mutable std::mutex ssl_mu_;
  bool handshake_done_ = false;
  std::atomic<bool> broken_{false};  // a fatal TLS error: no close_notify
  std::string buf_;
  size_t buf_off_ = 0;
  bool response_started_ = false;
  std::atomic<bool> close_after_{false};  // set by the writer and the reader
  Clock::time_point read_deadline_ = Clock::time_point::max();
};

}  // namespace cairn::node
