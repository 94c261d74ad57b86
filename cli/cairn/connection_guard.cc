#include "cli/cairn/connection_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <utility>

#include "cli/cairn/client_hello.h"
#include "core/api/gateway_error.h"

namespace cairn::node {

namespace {

using Clock = std::chrono::steady_clock;

// A request head larger than this is refused (cpp-httplib itself allows
// 8 KiB per line).
constexpr size_t kMaxHeadBytes = 64 * 1024;
constexpr auto kSweepInterval = std::chrono::milliseconds(100);
// A refused connection is given this long to take its answer, and at
// most kMaxDraining are (beyond, they are closed at once).
constexpr auto kDrainTime = std::chrono::milliseconds(1000);
constexpr size_t kMaxDraining = 256;
// Bodies waited for in the waiting room take at most this much memory
// across a listener's connections; beyond, a body is read by a worker
// (as all were before), which the request read timeout bounds.
constexpr size_t kMaxBufferedBodyBytes = 64 << 20;

// A fast request's body the waiting room decodes itself; a larger one
// is a worker's.
constexpr size_t kRoomFastBodyBytes = 64 * 1024;

// Whether this thread is a GuardedServer's waiting room.
thread_local bool in_waiting_room = false;

// The connection whose request this worker thread is serving.
thread_local const GuardedConnection* current_connection = nullptr;

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    const auto lower = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Sends what the socket takes of `out` without waiting: the bytes sent
// (maybe 0), or -1 when the connection failed.
ssize_t SendNow(int fd, std::string_view out) {
  ssize_t n;
  do {
    n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
  return n;
}

// Runs each task on the calling thread: the accept loop's, where
// GuardedServer::process_and_close_socket only registers the connection.
class InlineQueue : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

}  // namespace

size_t RequestHeadEnd(std::string_view data) {
  // The head ends with an empty line: "\n" then "\n" or "\r\n".
  for (size_t i = data.find('\n'); i != std::string_view::npos;
       i = data.find('\n', i + 1)) {
    if (i + 1 < data.size() && data[i + 1] == '\n') return i + 2;
    if (i + 2 < data.size() && data[i + 1] == '\r' && data[i + 2] == '\n') {
      return i + 3;
    }
  }
  return 0;
}

bool HeaderNameIs(std::string_view name, std::string_view wanted) {
  return EqualsIgnoringCase(name, wanted);
}

void ForEachHeader(std::string_view head,
                   const std::function<void(std::string_view name,
                                            std::string_view value)>& fn) {
  size_t at = head.find('\n');
  while (at != std::string_view::npos && at + 1 < head.size()) {
    const size_t start = at + 1;
    at = head.find('\n', start);
    const std::string_view line = Trim(
        head.substr(start, at == std::string_view::npos ? std::string_view::npos
                                                        : at - start));
    if (line.empty()) break;  // the end of the head
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    fn(line.substr(0, colon), Trim(line.substr(colon + 1)));
  }
}

RequestBody ParseRequestBody(std::string_view head) {
  RequestBody body;
  bool has_length = false;
  bool chunked = false;
  bool invalid = false;
  ForEachHeader(head, [&](std::string_view name, std::string_view value) {
    if (EqualsIgnoringCase(name, "Content-Length")) {
      size_t length = 0;
      bool ok = !value.empty() && value.size() <= 18;
      for (char c : value) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) length = length * 10 + static_cast<size_t>(c - '0');
      }
      // Two that differ are ambiguous: cpp-httplib decides.
      if (!ok || (has_length && length != body.length)) invalid = true;
      has_length = true;
      body.length = length;
    } else if (EqualsIgnoringCase(name, "Transfer-Encoding")) {
      // cpp-httplib reads "chunked" alone as chunked.
      if (EqualsIgnoringCase(value, "chunked")) {
        chunked = true;
      } else {
        invalid = true;
      }
    } else if (EqualsIgnoringCase(name, "Expect")) {
      body.expect_continue = EqualsIgnoringCase(value, "100-continue");
    }
  });
  if (chunked) {
    body.kind = RequestBody::Kind::kChunked;
  } else if (invalid) {
    body.kind = RequestBody::Kind::kInvalid;
  } else if (has_length) {
    body.kind = RequestBody::Kind::kLength;
  }
  if (body.kind != RequestBody::Kind::kLength) body.length = 0;
  return body;
}

std::optional<size_t> ParseChunkSize(std::string_view line) {
  line = Trim(line.substr(0, line.find(';')));
  if (line.empty() || line.size() > 15) return std::nullopt;
  size_t size = 0;
  for (char c : line) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    size = size * 16 + static_cast<size_t>(digit);
  }
  return size;
}

size_t ScanChunkedBody(std::string_view data, ChunkScan& scan) {
  // A line longer than this (a chunk size with extensions, a trailer) is
  // not waited for.
  constexpr size_t kMaxLine = 4096;
  for (;;) {
    if (scan.at > data.size()) return 0;
    const size_t nl = data.find('\n', scan.at);
    if (nl == std::string_view::npos) {
      return data.size() - scan.at > kMaxLine ? std::string_view::npos : 0;
    }
    std::string_view line = data.substr(scan.at, nl - scan.at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (scan.trailers) {
      scan.at = nl + 1;
      if (line.empty()) return scan.at;  // the end of the body
      continue;
    }
    const std::optional<size_t> parsed = ParseChunkSize(line);
    if (!parsed.has_value()) return std::string_view::npos;
    const size_t size = *parsed;
    if (size == 0) {
      scan.trailers = true;
      scan.at = nl + 1;
      continue;
    }
    // The chunk's data and its CRLF.
    if (data.size() - (nl + 1) < size + 2) return 0;
    scan.at = nl + 1 + size + 2;
  }
}

std::string RefusalResponse() {
  const std::string body = api::EncodeGatewayError(
      {503, api::GrpcCode::kUnavailable, "too many open connections"});
  return "HTTP/1.1 503 Service Unavailable\r\n"
         "Content-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) +
         "\r\n"
         "Connection: close\r\n\r\n" +
         body;
}

GuardedServer::GuardedServer(ConnectionLimits limits)
    : GuardedServer(limits, nullptr) {}

GuardedServer::GuardedServer(ConnectionLimits limits, SSL_CTX* tls_ctx)
    : limits_(limits),
      tls_ctx_(tls_ctx),
      max_connections_(limits.max_connections) {
  new_task_queue = [] { return new InlineQueue; };
  // cpp-httplib's own per-read timeouts, for what it reads itself.
  const auto io_s = limits_.io_timeout.count() / 1000;
  const auto io_us = (limits_.io_timeout.count() % 1000) * 1000;
  set_read_timeout(io_s, io_us);
  set_write_timeout(io_s, io_us);
}

GuardedServer::~GuardedServer() {
  StopConnections();
  // Sessions still alive (none once stopped) hold their own reference.
  if (tls_ctx_ != nullptr) SSL_CTX_free(tls_ctx_);
}

void GuardedServer::StartConnections() {
  // Each connection is a descriptor: raise the soft limit to the hard
  // one (Go's runtime does so at start since 1.19, for etcd too).
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    max_connections_ =
        std::min(max_connections_,
                 std::max<size_t>(16, static_cast<size_t>(lim.rlim_cur) / 4));
  }
  // cpp-httplib listens with a backlog of 5: a burst of connections
  // overflows it and the kernel drops them. Go (etcd) uses somaxconn;
  // listen again on the bound socket to do the same.
  if (svr_sock_ != INVALID_SOCKET) ::listen(svr_sock_, SOMAXCONN);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  waiting_room_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "waiting-room");
    in_waiting_room = true;
    WaitingRoom();
  });
}

void GuardedServer::StopConnections() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (waiting_room_.joinable()) {
    const uint64_t one = 1;
    (void)::write(wake_fd_, &one, sizeof(one));
    waiting_room_.join();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = conns_.begin(); it != conns_.end();) {
      it = it->second.state == State::kWaiting ? conns_.erase(it)
                                               : std::next(it);
    }
    for (const auto& [fd, deadline] : draining_) ::close(fd);
    draining_.clear();
  }
  // Requests in handlers (and those queued) finish first, then the
  // workers see stopping_ and end. Fast requests' answers still to come
  // are written by workers started for them as they come (the waiting
  // room may have served every request without one), so the wait is for
  // those answers, then for the workers, however many there are by then.
  {
    std::unique_lock<std::mutex> lock(mu_);
    work_cv_.notify_all();
    answers_cv_.wait(lock, [this] { return fast_pending_ == 0; });
  }
  for (;;) {
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      workers.swap(workers_);
      for (std::thread& t : retired_) workers.push_back(std::move(t));
      retired_.clear();
    }
    if (workers.empty()) break;
    work_cv_.notify_all();
    for (std::thread& t : workers) t.join();
  }
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  epoll_fd_ = wake_fd_ = -1;
}

ConnectionStats GuardedServer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  ConnectionStats s = counters_;
  s.open = conns_.size();
  s.busy = busy_;
  s.workers = workers_.size();
  return s;
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || epoll_fd_ < 0) {
    ::close(sock);
    return false;
  }
  if (conns_.size() >= max_connections_) {
    // Make room by closing the connection that has waited longest with
    // no request in progress; refuse when all are busy.
    auto oldest = conns_.end();
    for (auto it = conns_.begin(); it != conns_.end(); ++it) {
      if (it->second.state == State::kWaiting &&
          (oldest == conns_.end() || it->second.since < oldest->second.since)) {
        oldest = it;
      }
    }
    if (oldest == conns_.end()) {
      counters_.refused++;
      // Over TLS nothing can be said before a handshake, which would
      // take a connection slot itself.
      if (tls()) {
        ::close(sock);
      } else {
        RefuseLocked(sock, RefusalResponse());
      }
      return false;
    }
    counters_.evicted++;
    CloseLocked(oldest->first);
  }
  if (!tls()) {
    conns_[sock].conn =
        std::make_shared<Connection>(sock, nullptr, limits_.io_timeout);
    Wait(sock, Clock::now());
    return true;
  }
  SSL* ssl = SSL_new(tls_ctx_);
  if (ssl == nullptr) {
    ERR_clear_error();
    ::close(sock);
    return false;
  }
  // The waiting room drives the handshake; it must end within
  // header_timeout.
  const auto now = Clock::now();
  Entry& e = conns_[sock];
  e.conn = std::make_shared<Connection>(sock, ssl, limits_.io_timeout);
  e.state = State::kWaiting;
  e.since = now;
  e.deadline = now + limits_.header_timeout;
  e.head_started = true;
  e.handshaking = true;
  e.hello_pending = static_cast<bool>(http2_handoff_);
  Watch(sock, true);
  return true;
}

void GuardedServer::Wait(int fd, Clock::time_point now) {
  Entry& e = conns_.at(fd);
  e.state = State::kWaiting;
  e.since = now;
  e.deadline = now + limits_.idle_timeout;
  e.head_started = false;
  e.handshaking = false;
  e.body_need = 0;
  e.conn->Compact();
  // Over TLS, decrypted bytes may wait in OpenSSL with nothing left on
  // the socket, which epoll would never report: take them now (and read
  // the socket until it would block, as edge-triggering wants).
  if (e.conn->tls() &&
      e.conn->Fill(kMaxHeadBytes) == Connection::Progress::kFailed) {
    CloseLocked(fd);
    return;
  }
  if (!CheckBuffered(fd, e, now)) Watch(fd, false);
}

void GuardedServer::Watch(int fd, bool handshake) {
  // Edge-triggered: each arrival of bytes is one event (a head that is
  // not complete yet is not reported again until more come). Adding a
  // socket that already has bytes reports it at once. A TLS handshake
  // may need to send as well.
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET | (handshake ? EPOLLOUT : 0u);
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) CloseLocked(fd);
}

bool GuardedServer::CheckBuffered(int fd, Entry& e, Clock::time_point now) {
  const std::string_view data = e.conn->buffered();
  if (data.empty()) return false;
  if (!e.head_started) {
    e.head_started = true;
    e.deadline = std::min(e.deadline, now + limits_.header_timeout);
  }
  if (e.body_need > 0) return false;  // AfterBodyFill decides
  if (const size_t head_end = RequestHeadEnd(data); head_end > 0) {
    OnHead(fd, e, data, head_end, now);
    // Still here when waiting for the body.
    auto it = conns_.find(fd);
    return it == conns_.end() || it->second.state != State::kWaiting;
  }
  if (data.size() < kMaxHeadBytes) return false;
  RefuseHeadLocked(fd);
  return true;
}

void GuardedServer::OnHead(int fd, Entry& e, std::string_view data,
                           size_t head_end, Clock::time_point now) {
  const std::string_view head = data.substr(0, head_end);
  if (plain_handoff_.wants && !e.conn->tls() && plain_handoff_.wants(head)) {
    std::string read(e.conn->buffered());
    const std::string head_copy(head);  // `data` may be in the entry
    const int dup = Release(fd);
    if (dup >= 0) plain_handoff_.take(dup, std::move(read), head_copy);
    return;
  }
  bool streaming = false;
  for (const std::string& path : streaming_paths_) {
    streaming = streaming || IsStreamingRequest(head, path);
  }
  // Only a body with a length or chunked, under the request read
  // timeout, is waited for: one on a streaming path, or on a listener
  // without the timeout (the peer listener's), is read by a worker as
  // before.
  const RequestBody body = ParseRequestBody(head);
  const bool chunked = body.kind == RequestBody::Kind::kChunked;
  ChunkScan scan{head_end, false};
  if (streaming || request_read_timeout_.count() == 0 ||
      (body.kind != RequestBody::Kind::kLength && !chunked) ||
      (!chunked && data.size() - head_end >= body.length) ||
      (chunked && ScanChunkedBody(data, scan) != 0)) {
    Dispatch(fd, now, streaming);
    return;
  }
  if (body.length > payload_max_length_) {
    // cpp-httplib would read (skip) the whole body in a worker first.
    RefuseRequestLocked(fd,
                        "HTTP/1.1 413 Payload Too Large\r\n"
                        "Content-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  // A chunked body's size is known at its end: it may take up to the
  // payload limit (a worker then refuses it).
  e.body_need =
      head_end + (chunked ? std::min(payload_max_length_, kMaxBufferedBodyBytes)
                          : body.length);
  e.body_chunked = chunked;
  e.chunk_scan = scan;
  e.head_at = now;
  e.deadline = now + request_read_timeout_;
  // The client may wait for this before it sends the body. cpp-httplib
  // sends its own once the body is here: two interim answers are
  // allowed (RFC 9110, 15.2).
  if (body.expect_continue) e.conn->TrySend("HTTP/1.1 100 Continue\r\n\r\n");
  // Take what is there now: edge-triggered epoll reports only news.
  const size_t have = e.conn->buffered().size();
  const size_t limit = BodyFillLimit(e);
  const Connection::Progress p = e.conn->Fill(limit);
  body_buffered_ -= limit - have;
  AfterBodyFill(fd, e, p);
}

size_t GuardedServer::BodyFillLimit(Entry& e) {
  const size_t have = e.conn->buffered().size();
  const size_t room =
      kMaxBufferedBodyBytes - std::min(kMaxBufferedBodyBytes, body_buffered_);
  const size_t want = e.body_need - std::min(e.body_need, have);
  const size_t take = std::min(want, room);
  body_buffered_ += take;  // reserved until the fill is accounted
  return have + take;
}

void GuardedServer::AfterBodyFill(int fd, Entry& e, Connection::Progress p) {
  const size_t have = e.conn->buffered().size();
  body_buffered_ = body_buffered_ - e.body_held + have;
  e.body_held = have;
  // Complete, or (kDone short of it) the bound on buffered bodies was
  // reached: a worker reads the rest (or refuses a chunked body over the
  // payload limit). A chunked body that does not parse goes to the
  // worker too, which answers it. A chunked body is read past its end
  // until the socket would block: a client that then ended its side (a
  // half close) is answered still.
  const bool complete =
      e.body_chunked ? ScanChunkedBody(e.conn->buffered(), e.chunk_scan) != 0
                     : have >= e.body_need;
  if (complete || p == Connection::Progress::kDone) {
    Dispatch(fd, e.head_at, false);
  } else if (p == Connection::Progress::kFailed) {
    CloseLocked(fd);  // the client went away before its body
  }
}

void GuardedServer::RefuseHeadLocked(int fd) {
  RefuseRequestLocked(fd,
                      "HTTP/1.1 431 Request Header Fields Too Large\r\n"
                      "Content-Length: 0\r\nConnection: close\r\n\r\n");
}

void GuardedServer::RefuseRequestLocked(int fd, std::string_view response) {
  counters_.refused++;
  Entry& e = conns_.at(fd);
  if (e.conn->tls()) {
    e.conn->TrySend(response);  // best effort, then closed
  } else {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    // The socket outlives the entry: RefuseLocked owns a copy.
    RefuseLocked(::dup(fd), std::string(response));
  }
  CloseLocked(fd);
}

void GuardedServer::WaitingRoom() {
  std::vector<epoll_event> events(256);
  std::vector<char> peek(kMaxHeadBytes);
  // TLS connections with news, worked on without mu_ (handshakes cost
  // CPU): they stay in conns_, and only this thread touches a waiting
  // one; an entry closed meanwhile is gone or another when we are back.
  // With each, how far to fill its buffer and what that reserved of the
  // bound on buffered bodies.
  struct TlsReady {
    int fd;
    std::shared_ptr<Connection> conn;
    size_t limit;
    size_t reserved;
  };
  std::vector<TlsReady> tls_ready;
  std::vector<Connection::Progress> tls_progress;
  std::vector<Job> room_fast;        // room_fast_'s, taken out of mu_
  std::vector<std::thread> retired;  // retired_'s, joined out of mu_
  struct JoinAll {  // also on the way out, after mu_ is released
    std::vector<std::thread>& threads;
    ~JoinAll() {
      for (std::thread& t : threads) t.join();
    }
  } join_retired{retired};
  auto last_sweep = Clock::now();
  for (;;) {
    for (std::thread& t : retired) t.join();  // ended, or ending
    retired.clear();
    const int n =
        ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                     static_cast<int>(kSweepInterval.count()));
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      const auto now = Clock::now();
      for (int i = 0; i < n; i++) {
        const int fd = events[size_t(i)].data.fd;
        if (auto d = draining_.find(fd); d != draining_.end()) {
          Drain(d);
          continue;
        }
        auto it = conns_.find(fd);
        if (fd == wake_fd_ || it == conns_.end() ||
            it->second.state != State::kWaiting) {
          continue;
        }
        if (Entry& e = it->second; e.conn->tls()) {
          if (!HelloStaysHere(fd, e, peek)) continue;
          size_t limit = kMaxHeadBytes;
          size_t reserved = 0;
          if (e.body_need > 0) {
            limit = BodyFillLimit(e);
            reserved = limit - e.conn->buffered().size();
          }
          tls_ready.push_back({fd, e.conn, limit, reserved});
        } else {
          OnPlainReadable(fd, it->second, peek, now);
        }
      }
      room_fast.swap(room_fast_);
    }
    for (const TlsReady& r : tls_ready) {
      tls_progress.push_back(AdvanceTls(*r.conn, r.limit));
    }
    ServeRoomFast(room_fast);
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    const auto now = Clock::now();
    for (size_t i = 0; i < tls_ready.size(); i++) {
      body_buffered_ -= tls_ready[i].reserved;
      AfterTls(tls_ready[i].fd, tls_ready[i].conn, tls_progress[i], now);
    }
    // Released under mu_: the last reference closes the socket.
    tls_ready.clear();
    tls_progress.clear();
    if (now - last_sweep >= kSweepInterval) {
      last_sweep = now;
      Sweep(now);
      retired.swap(retired_);
    }
  }
}

void GuardedServer::ServeRoomFast(std::vector<Job>& ready) {
  for (Job& job : ready) {
    // A large body is decoded by a worker, not here where it would hold
    // up every waiting connection.
    if (!TryFastPath(job.conn, kRoomFastBodyBytes)) {
      std::lock_guard<std::mutex> lock(mu_);
      EnqueueLocked(std::move(job));
    }
  }
  ready.clear();  // the last references may close sockets: not under mu_
}

void GuardedServer::Drain(std::map<int, Clock::time_point>::iterator it) {
  const int fd = it->first;
  char sink[4096];
  ssize_t got;
  do {
    got = ::recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
  } while (got > 0);
  if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
    ::close(fd);
    draining_.erase(it);
  }
}

void GuardedServer::OnPlainReadable(int fd, Entry& e, std::vector<char>& peek,
                                    Clock::time_point now) {
  if (e.body_need > 0) {
    // Waiting for a body: read it into the connection's buffer.
    const size_t have = e.conn->buffered().size();
    const size_t limit = BodyFillLimit(e);
    const Connection::Progress p = e.conn->Fill(limit);
    body_buffered_ -= limit - have;
    AfterBodyFill(fd, e, p);
    return;
  }
  const ssize_t got =
      ::recv(fd, peek.data(), peek.size(), MSG_PEEK | MSG_DONTWAIT);
  if (got == 0 ||
      (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    CloseLocked(fd);  // the client went away
    return;
  }
  if (got <= 0) return;
  if (!e.head_started) {
    e.head_started = true;
    e.deadline = std::min(e.deadline, now + limits_.header_timeout);
  }
  if (MaybeHandOff(fd, e, std::string_view(peek.data(), size_t(got)))) {
    return;
  }
  std::string head(e.conn->buffered());
  head.append(peek.data(), size_t(got));
  if (const size_t head_end = RequestHeadEnd(head); head_end > 0) {
    OnHead(fd, e, head, head_end, now);
  } else if (head.size() >= kMaxHeadBytes) {
    RefuseHeadLocked(fd);
  }
}

void GuardedServer::Sweep(Clock::time_point now) {
  for (auto it = draining_.begin(); it != draining_.end();) {
    if (it->second <= now) {
      ::close(it->first);
      it = draining_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = conns_.begin(); it != conns_.end();) {
    const int fd = it->first;
    ++it;
    Entry& e = conns_.at(fd);
    if (e.state == State::kWaiting && e.deadline <= now) {
      counters_.timed_out++;
      CloseLocked(fd);
    }
  }
}

void GuardedServer::RefuseLocked(int fd, const std::string& response) {
  if (fd < 0) return;
  // Best effort: the socket is new, its send buffer empty.
  (void)::send(fd, response.data(), response.size(),
               MSG_NOSIGNAL | MSG_DONTWAIT);
  // Closing now would answer the request still arriving with a reset,
  // which can destroy the response before the client reads it: end our
  // side, drop what comes in until the client closes or kDrainTime.
  ::shutdown(fd, SHUT_WR);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  if (draining_.size() >= kMaxDraining ||
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);
    return;
  }
  draining_[fd] = Clock::now() + kDrainTime;
}

void GuardedServer::set_http2_handoff(std::function<void(int fd)> handoff) {
  std::lock_guard<std::mutex> lock(mu_);
  http2_handoff_ = std::move(handoff);
}

bool GuardedServer::MaybeHandOff(int fd, const Entry& e, std::string_view got) {
  if (!http2_handoff_ || !e.fresh || !e.conn->buffered().empty()) return false;
  const size_t n = std::min(got.size(), kHttp2Preface.size());
  if (got.substr(0, n) != kHttp2Preface.substr(0, n)) return false;
  // A prefix: the rest comes with a later readiness (edge-triggered, so
  // it is reported), or the header timeout closes the connection.
  if (n < kHttp2Preface.size()) return true;
  HandOff(fd);
  return true;
}

bool GuardedServer::HelloStaysHere(int fd, Entry& e, std::vector<char>& peek) {
  if (!e.hello_pending) return true;
  const ssize_t got =
      ::recv(fd, peek.data(), peek.size(), MSG_PEEK | MSG_DONTWAIT);
  if (got == 0 ||
      (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    CloseLocked(fd);  // the client went away
    return false;
  }
  // Nothing yet (woken because the socket can take bytes), or part of
  // the record: later readiness brings the rest, or the header timeout
  // closes it.
  if (got < 0) return false;
  switch (ClassifyClientHello(std::string_view(peek.data(), size_t(got)))) {
    case HelloKind::kIncomplete:
      return false;
    case HelloKind::kHttp2Only:
      HandOff(fd);
      return false;
    case HelloKind::kOther:
      e.hello_pending = false;
      return true;
  }
  return true;
}

int GuardedServer::Release(int fd) {
  // The entry's connection closes its descriptor when dropped; the
  // hand-off gets a duplicate of the same socket.
  const int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  CloseLocked(fd);
  if (dup < 0) return -1;
  // gRPC's I/O expects a non-blocking socket; a plain connection's is
  // blocking (with cpp-httplib's 5 s receive timeout, which stalled a
  // gRPC transport's reads for as long).
  ::fcntl(dup, F_SETFL, ::fcntl(dup, F_GETFL, 0) | O_NONBLOCK);
  return dup;
}

void GuardedServer::HandOff(int fd) {
  const int dup = Release(fd);
  if (dup < 0) return;
  counters_.http2++;
  http2_handoff_(dup);
}

void GuardedServer::set_plain_handoff(PlainHandoff handoff) {
  std::lock_guard<std::mutex> lock(mu_);
  plain_handoff_ = std::move(handoff);
}

void GuardedServer::set_request_read_timeout(
    std::chrono::milliseconds timeout,
    std::vector<std::string> streaming_paths) {
  std::lock_guard<std::mutex> lock(mu_);
  request_read_timeout_ = timeout;
  streaming_paths_ = std::move(streaming_paths);
}

bool IsStreamingRequest(std::string_view head, std::string_view path) {
  if (path.empty()) return false;
  const size_t space = head.find(' ');
  if (space == std::string_view::npos) return false;
  const std::string_view target = head.substr(space + 1);
  if (target.substr(0, path.size()) != path) return false;
  return target.size() > path.size() &&
         (target[path.size()] == ' ' || target[path.size()] == '?');
}

void GuardedServer::Dispatch(int fd, Clock::time_point head_at,
                             bool streaming) {
  Entry& e = conns_.at(fd);
  e.state = State::kBusy;
  e.fresh = false;
  e.since = Clock::now();
  ReleaseBody(e);
  e.read_deadline = request_read_timeout_.count() == 0 || streaming
                        ? Clock::time_point::max()
                        : head_at + request_read_timeout_;
  busy_++;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  if (in_waiting_room && fast_handler_ && !e.conn->tls() && !streaming) {
    // Tried by the waiting room itself once out of mu_: no worker wakes
    // for a fast request.
    room_fast_.push_back({e.conn, e.read_deadline, {}});
    return;
  }
  EnqueueLocked({e.conn, e.read_deadline, {}});
}

void GuardedServer::EnqueueLocked(Job job) {
  jobs_.push_back(std::move(job));
  WakeLocked();
}

void GuardedServer::WakeLocked() {
  // A worker on a short job takes the next one when it is done: waking
  // another then would cost a switch for nothing.
  if (jobs_.empty() || active_ >= active_limit_) return;
  if (jobs_.size() > idle_workers_ && workers_.size() < limits_.max_workers) {
    workers_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "http-worker");
      Worker();
    });
  }
  work_cv_.notify_one();
}

bool ClientHungUp() {
  return current_connection != nullptr && current_connection->peer_hung_up();
}

// The way back of one fast-path request. The connection stays busy (out
// of the waiting room) until its answer is written; an answer never
// given (a handler that dropped its FastRespond) is a 500.
class GuardedServer::FastCall {
 public:
  FastCall(GuardedServer& server, std::shared_ptr<Connection> conn)
      : server_(server), conn_(std::move(conn)) {}
  FastCall(const FastCall&) = delete;
  FastCall& operator=(const FastCall&) = delete;
  ~FastCall() {
    Respond(
        [] {
          return FastAnswer{.status = 500,
                            .body = api::EncodeGatewayError(
                                {500, api::GrpcCode::kUnknown,
                                 "cairn: the request was dropped unanswered"})};
        },
        true);
  }

  void Respond(std::function<FastAnswer()> make, bool here) {
    if (answered_.exchange(true)) return;
    std::function<std::string()> rest;
    if (here) {
      std::string out = FormatFastAnswer(make());
      const ssize_t n = SendNow(conn_->fd(), out);
      if (n < 0 || static_cast<size_t>(n) == out.size()) {
        std::lock_guard<std::mutex> lock(server_.mu_);
        server_.FastDoneLocked();
        server_.busy_--;
        if (n >= 0 && !server_.stopping_) {
          server_.Wait(conn_->fd(), Clock::now());
        } else {
          server_.CloseLocked(conn_->fd());
        }
        return;
      }
      // The client is slow to read: a worker waits to write the rest.
      rest = [out = std::move(out), n] { return out.substr(size_t(n)); };
    } else {
      rest = [make = std::move(make)] { return FormatFastAnswer(make()); };
    }
    std::lock_guard<std::mutex> lock(server_.mu_);
    server_.FastDoneLocked();
    server_.EnqueueLocked({conn_, Clock::time_point::max(), std::move(rest)});
  }

 private:
  GuardedServer& server_;
  const std::shared_ptr<Connection> conn_;
  std::atomic<bool> answered_{false};
};

void GuardedServer::set_fast_path(
    std::function<bool(std::string_view path)> accepts, FastHandler handler) {
  std::lock_guard<std::mutex> lock(mu_);
  fast_accepts_ = std::move(accepts);
  fast_handler_ = std::move(handler);
}

bool GuardedServer::TryFastPath(const std::shared_ptr<Connection>& conn,
                                size_t max_body) {
  // The waiting room only peeked at a plain request's head: read what
  // has arrived (the whole request, when it is a fast one) into the
  // connection's buffer, where cpp-httplib finds it too when it is not.
  if (conn->Fill(kMaxHeadBytes) == Connection::Progress::kFailed) {
    return false;
  }
  FastParse p = ParseFastRequest(conn->buffered(), max_body, fast_accepts_);
  if (p.kind == FastParse::Kind::kNeedBody) {
    if (conn->Fill(p.need) == Connection::Progress::kFailed) return false;
    p = ParseFastRequest(conn->buffered(), max_body, fast_accepts_);
  }
  if (p.kind != FastParse::Kind::kYes) return false;
  // The answer may be written (and the buffer reused) before the handler
  // returns: it gets copies.
  const std::string path(p.request.path);
  const std::string body(p.request.body);
  const std::string auth(p.request.authorization);
  conn->Consume(p.need);
  {
    std::lock_guard<std::mutex> lock(mu_);
    fast_pending_++;
  }
  auto call = std::make_shared<FastCall>(*this, conn);
  fast_handler_(FastRequest{.path = path, .body = body, .authorization = auth},
                [call](std::function<FastAnswer()> make, bool here) {
                  call->Respond(std::move(make), here);
                });
  return true;
}

bool GuardedServer::WriteFastAnswer(Connection& conn, const std::string& out,
                                    std::unique_lock<std::mutex>& lock,
                                    bool& active) {
  conn.BeginRequest(Clock::time_point::max());
  // Most answers fit the socket's buffer at once. One that does not
  // waits for the client: this worker stops counting as a short one.
  const ssize_t n = SendNow(conn.fd(), out);
  if (n < 0) return false;
  size_t at = static_cast<size_t>(n);
  if (at == out.size()) return true;
  lock.lock();
  SlowLocked();
  active = false;
  lock.unlock();
  while (at < out.size()) {
    const ssize_t m = conn.write(out.data() + at, out.size() - at);
    if (m <= 0) return false;
    at += static_cast<size_t>(m);
  }
  return true;
}

void GuardedServer::FastDoneLocked() {
  fast_pending_--;
  // Workers of a stopping server wait for the last answer to end.
  if (stopping_ && fast_pending_ == 0) {
    work_cv_.notify_all();
    answers_cv_.notify_all();
  }
}

void GuardedServer::SlowLocked() {
  active_--;
  WakeLocked();
}

void GuardedServer::Worker() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    idle_workers_++;
    // While fast requests wait for their answers, a stopping server keeps
    // its workers to write them.
    const bool woken = work_cv_.wait_for(
        lock, limits_.worker_idle_exit,
        [this] { return !jobs_.empty() || (stopping_ && fast_pending_ == 0); });
    idle_workers_--;
    if (!woken) {
      if (RetireLocked()) return;
      continue;
    }
    if (jobs_.empty()) return;  // stopping
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    std::shared_ptr<Connection> conn = std::move(job.conn);
    const bool last = stopping_;
    // Short until known otherwise: a fast request, or its answer.
    active_++;
    bool active = true;
    lock.unlock();
    bool keep = false;
    if (job.answer) {
      keep = WriteFastAnswer(*conn, job.answer(), lock, active) && !last;
    } else if (!last && fast_handler_ && !conn->tls() &&
               TryFastPath(conn, payload_max_length_)) {
      lock.lock();
      active_--;
      continue;  // still busy: its answer comes back as a job
    } else {
      // cpp-httplib's request may hold this thread long (a watch stream).
      lock.lock();
      SlowLocked();
      active = false;
      lock.unlock();
      keep = ServeWithHttplib(conn, job.read_deadline, last);
    }
    lock.lock();
    if (active) active_--;
    busy_--;
    if (keep && !stopping_) {
      Wait(conn->fd(), Clock::now());
    } else {
      CloseLocked(conn->fd());
    }
  }
}

bool GuardedServer::RetireLocked() {
  if (workers_.size() <= limits_.kept_workers) return false;
  const auto self =
      std::find_if(workers_.begin(), workers_.end(), [](const std::thread& t) {
        return t.get_id() == std::this_thread::get_id();
      });
  if (self == workers_.end()) return false;  // Stop has taken the list
  retired_.push_back(std::move(*self));
  workers_.erase(self);
  return true;
}

bool GuardedServer::ServeWithHttplib(const std::shared_ptr<Connection>& conn,
                                     Clock::time_point read_deadline,
                                     bool last) {
  conn->BeginRequest(read_deadline);
  bool closed = false;
  std::function<void(httplib::Request&)> setup;
  if (conn->tls()) {
    // The session, for the client certificate (VerifiedClientCommonName).
    setup = [&conn](httplib::Request& req) { req.ssl = conn->ssl(); };
  }
  current_connection = conn.get();
  const bool ok = process_request(*conn, last, closed, setup);
  current_connection = nullptr;
  return ok && !closed && !last && !conn->close_after();
}

void GuardedServer::ReleaseBody(Entry& e) {
  body_buffered_ -= e.body_held;
  e.body_held = 0;
  e.body_need = 0;
  e.body_chunked = false;
}

void GuardedServer::CloseLocked(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  if (it->second.state == State::kWaiting) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  }
  ReleaseBody(it->second);
  // The socket closes with the last reference (a worker may still hold
  // one on its way out).
  conns_.erase(it);
}

GuardedServer::Connection::Progress GuardedServer::AdvanceTls(Connection& conn,
                                                              size_t limit) {
  if (!conn.handshake_done()) {
    const Connection::Progress p = conn.Handshake();
    if (p != Connection::Progress::kDone) return p;
  }
  return conn.Fill(limit);
}

void GuardedServer::AfterTls(int fd, const std::shared_ptr<Connection>& conn,
                             Connection::Progress progress,
                             Clock::time_point now) {
  auto it = conns_.find(fd);
  if (it == conns_.end() || it->second.conn != conn ||
      it->second.state != State::kWaiting) {
    return;  // closed meanwhile (evicted, or the listener stopping)
  }
  Entry& e = it->second;
  if (e.body_need > 0) {
    AfterBodyFill(fd, e, progress);
    return;
  }
  if (progress == Connection::Progress::kFailed) {
    CloseLocked(fd);  // refused handshake (logged), or the client left
    return;
  }
  if (e.handshaking && conn->handshake_done()) {
    // From now on it waits for its first request as an idle connection
    // does.
    e.handshaking = false;
    e.head_started = false;
    e.since = now;
    e.deadline = now + limits_.idle_timeout;
    if (CheckBuffered(fd, e, now)) return;
    // No longer woken each time the socket can take more bytes.
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    ev.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) CloseLocked(fd);
    return;
  }
  CheckBuffered(fd, e, now);
}

}  // namespace cairn::node
