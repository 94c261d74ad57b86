#include "tests/chaos/peer_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <random>

namespace cairn::chaos {
namespace {

using Clock = std::chrono::steady_clock;

// Per direction of a connection: at most this much read and not yet
// written (then the proxy stops reading, and TCP pushes back).
constexpr size_t kMaxQueued = 1 << 20;
constexpr size_t kChunk = 64 << 10;
// Connections served at once; more are closed at accept.
constexpr int kMaxThreads = 512;
// The outgoing leg's connect (a cut destination never answers).
constexpr int kConnectTimeoutMs = 3000;

void NoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + strerror(errno));
}

bool ParseIp(const std::string& ip, uint16_t port, sockaddr_in* out) {
  memset(out, 0, sizeof(*out));
  out->sin_family = AF_INET;
  out->sin_port = htons(port);
  return inet_pton(AF_INET, ip.c_str(), &out->sin_addr) == 1;
}

}  // namespace

struct PeerProxy::Conn {
  int a = -1;  // accepted, from member `from`
  int b = -1;  // outgoing, to member `to`
  int from = -1;
  int to = -1;
  ~Conn() {
    if (a >= 0) close(a);
    if (b >= 0) close(b);
  }
  void Abort() const {
    shutdown(a, SHUT_RDWR);
    shutdown(b, SHUT_RDWR);
  }
};

PeerProxy::PeerProxy(int members,
                     std::function<int(const std::string&)> member_of,
                     std::function<std::string(int)> bind_for)
    : members_(members),
      member_of_(std::move(member_of)),
      bind_for_(std::move(bind_for)),
      delay_(new std::atomic<uint32_t>[members * members]),
      jitter_(new std::atomic<uint32_t>[members * members]) {
  ClearDelays();
}

PeerProxy::~PeerProxy() { Stop(); }

Result<uint16_t> PeerProxy::Listen(int member, const std::string& listen_ip,
                                   uint16_t listen_port,
                                   const std::string& dest_ip,
                                   uint16_t dest_port) {
  if (member < 0 || member >= members_) {
    return Status(Code::kInvalidArgument,
                  "proxy: no member " + std::to_string(member));
  }
  sockaddr_in addr;
  sockaddr_in dest;
  if (!ParseIp(listen_ip, listen_port, &addr) ||
      !ParseIp(dest_ip, dest_port, &dest)) {
    return Status(Code::kInvalidArgument,
                  "proxy: bad IPv4 address " + listen_ip + " or " + dest_ip);
  }
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("proxy: socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 128) != 0) {
    Status s = Errno("proxy: listen on " + listen_ip + ":" +
                     std::to_string(listen_port));
    close(fd);
    return s;
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto l = std::make_unique<Listener>();
  l->fd = fd;
  l->member = member;
  l->dest_ip = dest_ip;
  l->dest_port = dest_port;
  Listener* raw = l.get();
  l->thread = std::thread(&PeerProxy::AcceptLoop, this, raw);
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.push_back(std::move(l));
  return static_cast<uint16_t>(ntohs(addr.sin_port));
}

void PeerProxy::SetDelay(int from, int to, uint32_t delay_ms,
                         uint32_t jitter_ms) {
  if (from < 0 || from >= members_ || to < 0 || to >= members_) return;
  jitter_[from * members_ + to].store(jitter_ms);
  delay_[from * members_ + to].store(delay_ms);
}

void PeerProxy::ClearDelays() {
  for (int i = 0; i < members_ * members_; ++i) {
    delay_[i].store(0);
    jitter_[i].store(0);
  }
}

uint32_t PeerProxy::DelayFor(int from, int to, uint64_t* rnd) const {
  if (from < 0 || from >= members_ || to < 0 || to >= members_) return 0;
  const uint32_t d = delay_[from * members_ + to].load();
  if (d == 0) return 0;
  const uint32_t j = jitter_[from * members_ + to].load();
  // xorshift64: cheap, and only test timing depends on it.
  *rnd ^= *rnd << 13;
  *rnd ^= *rnd >> 7;
  *rnd ^= *rnd << 17;
  return d + (j == 0 ? 0 : static_cast<uint32_t>(*rnd % (j + 1)));
}

void PeerProxy::Stop() {
  stopping_.store(true);
  std::vector<std::unique_ptr<Listener>> listeners;
  {
    std::lock_guard<std::mutex> lock(mu_);
    listeners.swap(listeners_);
  }
  for (auto& l : listeners) shutdown(l->fd, SHUT_RDWR);  // wakes accept
  for (auto& l : listeners) {
    l->thread.join();
    close(l->fd);
  }
  std::unique_lock<std::mutex> lock(mu_);
  for (const auto& weak : conns_) {
    if (std::shared_ptr<Conn> c = weak.lock()) c->Abort();
  }
  conns_.clear();
  done_.wait(lock, [this] { return active_threads_ == 0; });
}

void PeerProxy::Finished() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--active_threads_ == 0) done_.notify_all();
}

void PeerProxy::AcceptLoop(Listener* l) {
  while (!stopping_.load()) {
    sockaddr_in peer;
    socklen_t len = sizeof(peer);
    const int fd =
        accept4(l->fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping_.load()) return;
      // EMFILE and the like: back off instead of spinning.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    char ip[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
    auto c = std::make_shared<Conn>();
    c->a = fd;
    c->from = member_of_(ip);
    c->to = l->member;
    c->b = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->b < 0) continue;  // ~Conn closes the accepted socket
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_.load() || active_threads_ + 2 > kMaxThreads) continue;
      active_threads_ += 2;  // Serve's and the reverse pump's
      std::erase_if(conns_,
                    [](const std::weak_ptr<Conn>& w) { return w.expired(); });
      conns_.push_back(c);
    }
    connections_.fetch_add(1);
    std::thread(&PeerProxy::Serve, this, c, l->dest_ip, l->dest_port).detach();
  }
}

void PeerProxy::Serve(std::shared_ptr<Conn> c, std::string dest_ip,
                      uint16_t dest_port) {
  bool ok = true;
  const std::string local = c->from >= 0 ? bind_for_(c->from) : "";
  sockaddr_in addr;
  if (!local.empty() && ParseIp(local, 0, &addr) &&
      bind(c->b, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ok = false;
  }
  sockaddr_in dest;
  if (ok && !ParseIp(dest_ip, dest_port, &dest)) ok = false;
  if (ok &&
      connect(c->b, reinterpret_cast<sockaddr*>(&dest), sizeof(dest)) != 0) {
    if (errno != EINPROGRESS) {
      ok = false;
    } else {
      // Wait for the connect, and give up if the member that connected to
      // the proxy goes away first.
      pollfd fds[2] = {{c->b, POLLOUT, 0}, {c->a, POLLRDHUP, 0}};
      int rc;
      do {
        rc = poll(fds, 2, kConnectTimeoutMs);
      } while (rc < 0 && errno == EINTR);
      int err = 0;
      socklen_t len = sizeof(err);
      ok = rc > 0 && (fds[0].revents & POLLOUT) && !(fds[1].revents) &&
           getsockopt(c->b, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    }
  }
  if (!ok) {
    c->Abort();
    Finished();  // the reverse pump never starts
    Finished();
    return;
  }
  // Both pumps use MSG_DONTWAIT after poll, so blocking sockets do.
  NoDelay(c->a);
  NoDelay(c->b);
  std::thread(&PeerProxy::Pump, this, c, false).detach();
  Pump(std::move(c), true);
}

void PeerProxy::Pump(std::shared_ptr<Conn> c, bool forward) {
  const int src = forward ? c->a : c->b;
  const int dst = forward ? c->b : c->a;
  const int from = forward ? c->from : c->to;
  const int to = forward ? c->to : c->from;
  uint64_t rnd = std::random_device()() | 1;
  struct Chunk {
    Clock::time_point due;
    std::string data;
    size_t off = 0;
  };
  std::deque<Chunk> queue;
  size_t queued = 0;
  bool eof = false;
  Clock::time_point last_due;
  std::string buf(kChunk, '\0');
  while (true) {
    if (eof && queue.empty()) {
      shutdown(dst, SHUT_WR);  // pass the half-close on
      break;
    }
    const Clock::time_point now = Clock::now();
    pollfd fds[2];
    int n = 0;
    int src_i = -1;
    int dst_i = -1;
    if (!eof && queued < kMaxQueued) {
      src_i = n;
      fds[n++] = {src, POLLIN, 0};
    }
    int timeout = -1;
    if (!queue.empty()) {
      if (queue.front().due <= now) {
        dst_i = n;
        fds[n++] = {dst, POLLOUT, 0};
      } else {
        timeout = static_cast<int>(
                      std::chrono::duration_cast<std::chrono::milliseconds>(
                          queue.front().due - now)
                          .count()) +
                  1;
      }
    }
    const int rc = poll(fds, n, timeout);
    if (rc < 0) {
      if (errno == EINTR) continue;
      c->Abort();
      break;
    }
    bool failed = false;
    if (src_i >= 0 && fds[src_i].revents != 0) {
      const ssize_t got = recv(src, buf.data(), buf.size(), MSG_DONTWAIT);
      if (got > 0) {
        const Clock::time_point t = Clock::now();
        Clock::time_point due =
            t + std::chrono::milliseconds(DelayFor(from, to, &rnd));
        if (due < last_due) due = last_due;  // keep the order
        last_due = due;
        queue.push_back({due, buf.substr(0, static_cast<size_t>(got)), 0});
        queued += static_cast<size_t>(got);
      } else if (got == 0) {
        eof = true;
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        failed = true;
      }
    }
    if (!failed && dst_i >= 0 && fds[dst_i].revents != 0) {
      Chunk& front = queue.front();
      const ssize_t put =
          send(dst, front.data.data() + front.off,
               front.data.size() - front.off, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (put > 0) {
        bytes_.fetch_add(static_cast<uint64_t>(put));
        front.off += static_cast<size_t>(put);
        queued -= static_cast<size_t>(put);
        if (front.off == front.data.size()) queue.pop_front();
      } else if (put < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                 errno != EINTR) {
        failed = true;
      }
    }
    if (failed) {
      c->Abort();  // the other direction ends too
      break;
    }
  }
  c.reset();
  Finished();
}

}  // namespace cairn::chaos
