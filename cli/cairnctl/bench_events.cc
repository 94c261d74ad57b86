#include "cli/cairnctl/bench_events.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <queue>

#include "cli/cairnctl/http_answer.h"

namespace cairn::ctl {

namespace {

using Clock = std::chrono::steady_clock;

// How often requests are checked against their timeouts: timeouts are
// seconds, and a scan per answer would cost O(conns) each.
constexpr auto kTimeoutScan = std::chrono::milliseconds(10);

struct Conn {
  size_t endpoint = 0;
  int fd = -1;
  bool connecting = false;
  uint32_t interest = 0;  // as registered with epoll
  std::string out;        // the request being written
  size_t out_at = 0;
  std::string in;   // answer bytes so far
  int client = -1;  // whose request is in flight; -1: idle
  Clock::time_point due;
  std::deque<int> waiting;  // clients ready to send on this connection
};

struct ClientState {
  int64_t seq = 0;
  Clock::time_point ready;  // its latency counts from here
};

class EventLoad {
 public:
  EventLoad(const RunOptions& options, const ClientOptions& client,
            const std::vector<Endpoint>& endpoints, int conns,
            const BenchRequest& request)
      : options_(options),
        client_opts_(client),
        endpoints_(endpoints),
        request_(request),
        limiter_(options.rate),
        conns_(size_t(conns)),
        clients_(size_t(options.clients)) {
    for (size_t i = 0; i < conns_.size(); ++i) {
      conns_[i].endpoint = i % endpoints_.size();
    }
  }
  ~EventLoad() {
    for (Conn& k : conns_) Close(k);
    if (epfd_ >= 0) ::close(epfd_);
  }

  LatencyStats Run();

 private:
  void Resolve();
  void Next(int c);
  void Enqueue(int c, Clock::time_point ready);
  void Pump(Conn& k);
  bool Connect(Conn& k);
  void Watch(Conn& k);
  void OnEvent(Conn& k, uint32_t events);
  bool Write(Conn& k);
  void Read(Conn& k);
  void End(Conn& k, Status s);
  void Close(Conn& k);
  void ExpireOverdue(Clock::time_point now);
  void WakeSleepers(Clock::time_point now);
  int WaitMs(Clock::time_point now) const;
  bool Idle() const;

  const RunOptions& options_;
  const ClientOptions& client_opts_;
  const std::vector<Endpoint>& endpoints_;
  const BenchRequest& request_;
  RateLimiter limiter_;
  std::vector<Conn> conns_;
  std::vector<ClientState> clients_;
  std::vector<std::optional<sockaddr_storage>> addrs_;
  std::vector<socklen_t> addr_lens_;
  // Per endpoint: a request's bytes up to its Content-Length.
  std::vector<std::string> heads_;
  int epfd_ = -1;
  std::unique_ptr<LoadFrame> frame_;
  std::deque<int> runnable_;    // clients whose next request is due
  std::deque<size_t> to_pump_;  // connections freed with clients waiting
  using Sleeper = std::pair<Clock::time_point, int>;
  std::priority_queue<Sleeper, std::vector<Sleeper>, std::greater<>>
      sleepers_;  // clients waiting for their --rate slot
  int64_t next_seq_ = 0;
  int64_t consecutive_errors_ = 0;
  bool stop_ = false;
  size_t busy_ = 0;  // connections with a request in flight
  Clock::time_point next_scan_{};
  std::vector<double> lats_s_;
  std::map<std::string, int64_t> errors_;
  double last_success_s_ = 0;
};

Status Deadline() { return Status(Code::kTimeout, std::string(kErrDeadline)); }

void EventLoad::Resolve() {
  for (const Endpoint& ep : endpoints_) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(ep.port);
    std::optional<sockaddr_storage> addr;
    socklen_t len = 0;
    if (::getaddrinfo(ep.host.c_str(), port.c_str(), &hints, &res) == 0 &&
        res != nullptr) {
      addr.emplace();
      std::memcpy(&*addr, res->ai_addr, res->ai_addrlen);
      len = res->ai_addrlen;
    }
    if (res != nullptr) ::freeaddrinfo(res);
    addrs_.push_back(addr);  // none: every request to it fails as unreachable
    addr_lens_.push_back(len);
    std::string head =
        "POST " + request_.path + " HTTP/1.1\r\nHost: " + ep.host + ":" +
        std::to_string(ep.port) + "\r\nContent-Type: application/json\r\n";
    if (!client_opts_.token.empty()) {
      head += "Authorization: " + client_opts_.token + "\r\n";
    }
    heads_.push_back(std::move(head));
  }
}

// Client `c` is ready for its next request (or has none left).
void EventLoad::Next(int c) {
  if (stop_) return;
  const int64_t seq = next_seq_++;
  if (!frame_->timed() && seq >= options_.total) return;
  std::optional<Clock::time_point> slot = limiter_.Take(
      frame_->timed() ? frame_->deadline() : Clock::time_point::max());
  if (!slot.has_value()) return;
  clients_[size_t(c)].seq = seq;
  const Clock::time_point now = Clock::now();
  if (*slot > now) {
    sleepers_.emplace(*slot, c);
    return;
  }
  if (frame_->timed() && now >= frame_->deadline()) return;
  Enqueue(c, now);
}

void EventLoad::Enqueue(int c, Clock::time_point ready) {
  clients_[size_t(c)].ready = ready;
  Conn& k = conns_[size_t(c) % conns_.size()];
  k.waiting.push_back(c);
  Pump(k);
}

// Sends the next waiting client's request if the connection is free.
void EventLoad::Pump(Conn& k) {
  if (k.client >= 0 || k.waiting.empty()) return;
  const int c = k.waiting.front();
  k.waiting.pop_front();
  k.client = c;
  ++busy_;
  const ClientState& cs = clients_[size_t(c)];
  const std::string body = request_.body(c, cs.seq).dump();
  k.out = heads_[k.endpoint];
  k.out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  k.out += body;
  k.out_at = 0;
  k.in.clear();
  if (k.fd < 0 && !Connect(k)) return End(k, Deadline());
  // Connecting has the dial timeout; the request, once sent, the command
  // timeout.
  k.due = Clock::now() + (k.connecting ? client_opts_.dial_timeout
                                       : client_opts_.command_timeout);
  if (!k.connecting && !Write(k)) return;
  Watch(k);
}

bool EventLoad::Connect(Conn& k) {
  const std::optional<sockaddr_storage>& addr = addrs_[k.endpoint];
  if (!addr.has_value()) return false;
  const int fd =
      ::socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const int r = ::connect(fd, reinterpret_cast<const sockaddr*>(&*addr),
                          addr_lens_[k.endpoint]);
  if (r != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return false;
  }
  k.fd = fd;
  k.connecting = r != 0;
  k.interest = 0;
  return true;
}

void EventLoad::Watch(Conn& k) {
  if (k.fd < 0) return;
  uint32_t want = EPOLLIN;
  if (k.connecting || k.out_at < k.out.size()) want |= EPOLLOUT;
  if (want == k.interest) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = uint64_t(&k - conns_.data());
  ::epoll_ctl(epfd_, k.interest == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, k.fd,
              &ev);
  k.interest = want;
}

// Writes what the socket takes; false when the request ended (failed).
bool EventLoad::Write(Conn& k) {
  while (k.out_at < k.out.size()) {
    const ssize_t n = ::send(k.fd, k.out.data() + k.out_at,
                             k.out.size() - k.out_at, MSG_NOSIGNAL);
    if (n > 0) {
      k.out_at += size_t(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return true;
    } else {
      End(k, Deadline());
      return false;
    }
  }
  return true;
}

void EventLoad::OnEvent(Conn& k, uint32_t events) {
  if (k.fd < 0) return;
  if (k.connecting) {
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(k.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return End(k, Deadline());
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    k.connecting = false;
    k.due = Clock::now() + client_opts_.command_timeout;
  }
  if ((events & EPOLLOUT) != 0 && k.client >= 0 && !Write(k)) return;
  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
    Read(k);
  }
  Watch(k);
}

void EventLoad::Read(Conn& k) {
  bool eof = false;
  char buf[64 << 10];
  while (true) {
    const ssize_t n = ::recv(k.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      k.in.append(buf, size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    eof = true;  // closed, or broken
    break;
  }
  if (k.client < 0) {
    // An idle connection the server closed (or wrote to): open a new one
    // for the next request.
    if (eof || !k.in.empty()) Close(k);
    return;
  }
  HttpAnswer answer;
  std::string error;
  switch (ParseHttpAnswer(k.in, eof, &answer, &error)) {
    case HttpParse::kIncomplete:
      if (eof) End(k, Deadline());
      return;
    case HttpParse::kBad:
      // Nothing came back: the server dropped the connection (as
      // PostOnce, an error without an answer is a deadline); otherwise
      // the answer itself was bad.
      if (k.in.empty()) return End(k, Deadline());
      return End(k, Status(Code::kUnavailable, "bad answer from " +
                                                   endpoints_[k.endpoint].text +
                                                   ": " + error));
    case HttpParse::kDone:
      break;
  }
  // A server that closes, sends more than one answer, or answers before
  // it took the whole request (whose rest is not sent) gets a fresh
  // connection for the next request.
  if (answer.close || eof || answer.used != k.in.size() ||
      k.out_at < k.out.size()) {
    Close(k);
  }
  if (answer.status == 200) return End(k, Status::Ok());
  Result<Json> r = DecodeGatewayAnswer(answer.status, answer.body,
                                       endpoints_[k.endpoint].text);
  End(k, r.ok() ? Status(Code::kUnavailable, "unexpected HTTP status " +
                                                 std::to_string(answer.status))
                : r.status());
}

// The request in flight on `k` ended with `s`; its client goes on.
void EventLoad::End(Conn& k, Status s) {
  if (!s.ok()) Close(k);
  const int c = k.client;
  k.client = -1;
  --busy_;
  const double lat =
      std::chrono::duration<double>(Clock::now() - clients_[size_t(c)].ready)
          .count();
  if (s.ok()) {
    lats_s_.push_back(lat);
    last_success_s_ = frame_->SecondsSinceStart();
    consecutive_errors_ = 0;
  } else {
    ++errors_[s.message()];
    if (++consecutive_errors_ >= options_.max_consecutive_errors) stop_ = true;
  }
  frame_->CountOne();
  runnable_.push_back(c);
  // The next client waiting for this connection goes in the main loop (a
  // connection that fails at once would otherwise recurse through them).
  if (!k.waiting.empty()) to_pump_.push_back(size_t(&k - conns_.data()));
}

void EventLoad::Close(Conn& k) {
  if (k.fd >= 0) ::close(k.fd);  // also leaves the epoll set
  k.fd = -1;
  k.connecting = false;
  k.interest = 0;
}

void EventLoad::ExpireOverdue(Clock::time_point now) {
  if (now < next_scan_) return;
  next_scan_ = now + kTimeoutScan;
  for (Conn& k : conns_) {
    if (k.client >= 0 && now >= k.due) End(k, Deadline());
  }
}

void EventLoad::WakeSleepers(Clock::time_point now) {
  while (!sleepers_.empty() && sleepers_.top().first <= now) {
    const int c = sleepers_.top().second;
    sleepers_.pop();
    if (stop_ || (frame_->timed() && now >= frame_->deadline())) continue;
    Enqueue(c, now);
  }
}

int EventLoad::WaitMs(Clock::time_point now) const {
  Clock::time_point until = now + std::chrono::seconds(1);
  if (busy_ > 0) until = std::min(until, next_scan_);
  if (!sleepers_.empty()) until = std::min(until, sleepers_.top().first);
  const auto ms =
      std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
  return int(std::clamp<int64_t>(ms, 0, 1000));
}

bool EventLoad::Idle() const {
  return busy_ == 0 && sleepers_.empty() && runnable_.empty() &&
         to_pump_.empty();
}

LatencyStats EventLoad::Run() {
  Resolve();
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  frame_ = std::make_unique<LoadFrame>(options_);
  if (epfd_ < 0) {
    return frame_->Finish({}, {{"epoll_create1 failed", 1}}, 0, true);
  }
  for (int c = 0; c < options_.clients; ++c) runnable_.push_back(c);
  std::vector<epoll_event> events(conns_.size() + 1);
  while (true) {
    while (!runnable_.empty() || !to_pump_.empty()) {
      if (!to_pump_.empty()) {
        Conn& k = conns_[to_pump_.front()];
        to_pump_.pop_front();
        Pump(k);
        continue;
      }
      const int c = runnable_.front();
      runnable_.pop_front();
      Next(c);
    }
    if (Idle()) break;
    const Clock::time_point before = Clock::now();
    const int n =
        ::epoll_wait(epfd_, events.data(), int(events.size()), WaitMs(before));
    for (int i = 0; i < n; ++i) {
      OnEvent(conns_[size_t(events[size_t(i)].data.u64)],
              events[size_t(i)].events);
    }
    const Clock::time_point now = Clock::now();
    ExpireOverdue(now);
    WakeSleepers(now);
  }
  return frame_->Finish(std::move(lats_s_), std::move(errors_), last_success_s_,
                        stop_);
}

}  // namespace

bool EventLoadFits(const ClientOptions& client) {
  if (!client.username.empty()) return false;
  for (const std::string& text : client.endpoints) {
    Result<Endpoint> ep = ParseEndpoint(text);
    if (!ep.ok() || ep.value().scheme != "http") return false;
  }
  return true;
}

LatencyStats RunEventLoad(const RunOptions& options,
                          const ClientOptions& client,
                          const std::vector<Endpoint>& endpoints, int conns,
                          const BenchRequest& request) {
  EventLoad load(options, client, endpoints, conns, request);
  return load.Run();
}

}  // namespace cairn::ctl
