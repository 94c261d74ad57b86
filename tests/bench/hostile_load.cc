// hostile_load: how a well-behaved client fares next to hostile ones, on
// etcd's v3 JSON gateway, the same program for a cairn node and an etcd
// node so that their figures compare (run by scripts/bench-hostile).
//
// One scenario per run. While the hostile load is on, --clients threads
// each open a keep-alive connection (after the load has started, so a
// server that cannot accept shows up too) and send sequential puts for
// --seconds; a put fails when it takes over 5 s or is not answered 200.
//   baseline       nothing hostile
//   slowloris      --attackers connections send a request head one byte a
//                  second and never finish it
//   slow-body      --attackers connections send a whole put head (with a
//                  100000-byte Content-Length), then its body one byte a
//                  second
//   idle           --attackers TCP connections opened and left silent
//   watch-streams  --attackers /v3/watch streams, each with one watch,
//                  whose (chunked) request body never ends
//   watch-creates  one /v3/watch stream sending --attackers create
//                  requests as fast as the server takes them (measured
//                  while it goes on)
// With --tls 1 the endpoint is a TLS listener (its certificate is not
// checked): the puts go over https, and every hostile connection but an
// idle one completes a handshake first (an idle one never sends a
// ClientHello).
// Prints one line:
//   scenario=S attackers=N open=O puts=P errors=E p50_ms=.. p99_ms=..
//   max_ms=..
// where O is how many hostile connections were open when the
// measurement ended (for watch-streams, those whose watch was confirmed
// created; for watch-creates, the creations confirmed). A benchmark program,
// not a test: every loop is bounded in count and in time.
#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/api/base64.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string scenario = "baseline";
  int attackers = 0;
  int clients = 4;
  int seconds = 5;
  bool tls = false;
};

bool Parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--endpoint") {
      const size_t colon = value.rfind(':');
      if (colon == std::string::npos) return false;
      o.host = value.substr(0, colon);
      o.port = std::atoi(value.c_str() + colon + 1);
    } else if (flag == "--scenario") {
      o.scenario = value;
    } else if (flag == "--attackers") {
      o.attackers = std::atoi(value.c_str());
    } else if (flag == "--clients") {
      o.clients = std::atoi(value.c_str());
    } else if (flag == "--seconds") {
      o.seconds = std::atoi(value.c_str());
    } else if (flag == "--tls") {
      o.tls = value == "1";
    } else {
      return false;
    }
  }
  const bool known = o.scenario == "baseline" || o.scenario == "slowloris" ||
                     o.scenario == "slow-body" || o.scenario == "idle" ||
                     o.scenario == "watch-streams" ||
                     o.scenario == "watch-creates";
  return known && o.port > 0 && o.port < 65536 && o.attackers >= 0 &&
         o.attackers <= 100000 && o.clients > 0 && o.clients <= 256 &&
         o.seconds > 0 && o.seconds <= 600;
}

// Connects within `timeout`; -1 when it cannot.
int Connect(const Options& o, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(o.port));
  if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 &&
      errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof(err);
  if (::poll(&p, 1, int(timeout.count())) != 1 ||
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A hostile connection: a non-blocking socket, with a TLS session when
// the endpoint is TLS (then ssl is set once the handshake is done).
struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;
};

void Close(Conn& c) {
  if (c.ssl != nullptr) SSL_free(c.ssl);
  if (c.fd >= 0) ::close(c.fd);
  c = Conn{};
}

// Completes a client handshake on `fd` within `timeout`; null when it
// cannot.
SSL* Handshake(SSL_CTX* ctx, int fd, std::chrono::milliseconds timeout) {
  SSL* ssl = SSL_new(ctx);
  if (ssl == nullptr) return nullptr;
  SSL_set_mode(
      ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_set_fd(ssl, fd);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const int rc = SSL_connect(ssl);
    if (rc == 1) return ssl;
    const int err = SSL_get_error(ssl, rc);
    ERR_clear_error();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if ((err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) ||
        left.count() <= 0) {
      SSL_free(ssl);
      return nullptr;
    }
    pollfd p{fd, short(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    ::poll(&p, 1, int(left.count()));
  }
}

// send and recv on a Conn, with their conventions (-1 and errno EAGAIN
// when it would block).
ssize_t SendSome(const Conn& c, const char* p, size_t n) {
  if (c.ssl == nullptr) return ::send(c.fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
  const int got = SSL_write(c.ssl, p, int(n));
  if (got > 0) return got;
  const int err = SSL_get_error(c.ssl, got);
  ERR_clear_error();
  errno = err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE
              ? EAGAIN
              : ECONNRESET;
  return -1;
}

ssize_t RecvSome(const Conn& c, char* p, size_t n) {
  if (c.ssl == nullptr) return ::recv(c.fd, p, n, MSG_DONTWAIT);
  const int got = SSL_read(c.ssl, p, int(n));
  if (got > 0) return got;
  const int err = SSL_get_error(c.ssl, got);
  ERR_clear_error();
  if (err == SSL_ERROR_ZERO_RETURN) return 0;
  errno = err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE
              ? EAGAIN
              : ECONNRESET;
  return -1;
}

// Writes all of `s` within `timeout`; false when the peer does not take it.
bool SendAll(const Conn& c, const std::string& s,
             std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = SendSome(c, s.data() + off, s.size() - off);
    if (n > 0) {
      off += size_t(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) return false;
    // (A TLS write may wait for bytes to read.)
    pollfd p{c.fd, short(c.ssl != nullptr ? POLLOUT | POLLIN : POLLOUT), 0};
    ::poll(&p, 1, int(std::min<int64_t>(left.count(), 10)));
  }
  return true;
}

// Reads and drops what `fd` has; false once the peer closed it. Adds to
// `*created` the watch creations confirmed in it (`tail` carries the end
// of the previous read, so a confirmation split over two reads counts).
bool Drain(const Conn& c, int* created = nullptr, std::string* tail = nullptr) {
  static constexpr std::string_view kCreated = "\"created\":true";
  char buf[16384];
  for (;;) {
    const ssize_t n = RecvSome(c, buf, sizeof(buf));
    if (n > 0) {
      if (created != nullptr) {
        std::string text = *tail + std::string(buf, size_t(n));
        for (size_t at = text.find(kCreated); at != std::string::npos;
             at = text.find(kCreated, at + 1)) {
          (*created)++;
        }
        *tail = text.substr(text.size() -
                            std::min(text.size(), kCreated.size() - 1));
      }
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

// One HTTP/1.1 chunk.
std::string Chunk(const std::string& s) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", s.size());
  return size + s + "\r\n";
}

// Counts the open connections among `fds` (dropping closed ones).
int CountOpen(std::vector<Conn>& fds, bool watching) {
  int open = 0;
  for (size_t i = 0; i < fds.size(); i++) {
    Conn& fd = fds[i];
    if (fd.fd < 0) continue;
    // A watch stream counts once its watch is confirmed.
    static thread_local std::vector<int> created;
    static thread_local std::vector<std::string> tails;
    created.resize(fds.size());
    tails.resize(fds.size());
    if (Drain(fd, &created[i], &tails[i])) {
      if (!watching || created[i] > 0) open++;
    } else {
      Close(fd);
    }
  }
  return open;
}

// The hostile load, run on one thread until `stop`; `open` is what it
// holds (kept up to date).
void Attack(const Options& o, SSL_CTX* ctx, const std::atomic<bool>& stop,
            std::atomic<int>& open) {
  std::vector<Conn> fds;
  // A connection, with its handshake done over TLS (except an idle one).
  auto open_conn = [&](std::chrono::milliseconds timeout) {
    Conn c;
    c.fd = Connect(o, timeout);
    if (c.fd < 0 || !o.tls || o.scenario == "idle") return c;
    c.ssl = Handshake(ctx, c.fd, std::chrono::milliseconds(2000));
    if (c.ssl == nullptr) Close(c);
    return c;
  };
  const auto head = "POST /v3/kv/put HTTP/1.1\r\nHost: " + o.host + "\r\n";
  const bool trickle = o.scenario == "slowloris" || o.scenario == "slow-body";
  if (trickle || o.scenario == "idle" || o.scenario == "watch-streams") {
    // The slow senders send one more byte of their head each second,
    // from their start (a handshake each makes the ramp long over TLS).
    std::vector<size_t> sent;
    auto last_pass = Clock::now();
    auto trickle_pass = [&] {
      last_pass = Clock::now();
      for (size_t i = 0; i < fds.size(); i++) {
        if (fds[i].fd < 0) continue;
        const std::string filler =
            head + "X-Slow-" + std::to_string(sent[i]) + ": y\r\n";
        const char c =
            o.scenario == "slow-body" ? ' ' : filler[sent[i] % filler.size()];
        if (SendSome(fds[i], &c, 1) == 1) sent[i]++;
      }
    };
    for (int i = 0; i < o.attackers && !stop; i++) {
      if (trickle && Clock::now() - last_pass >= std::chrono::seconds(1)) {
        open = CountOpen(fds, false);
        trickle_pass();
      }
      const Conn fd = open_conn(std::chrono::milliseconds(500));
      if (fd.fd < 0) continue;
      fds.push_back(fd);
      sent.push_back(1);
      if (o.scenario == "slowloris") {
        SendAll(fd, head.substr(0, 1), std::chrono::milliseconds(100));
      } else if (o.scenario == "slow-body") {
        SendAll(fd, head + "Content-Length: 100000\r\n\r\n{",
                std::chrono::milliseconds(100));
      } else if (o.scenario == "watch-streams") {
        const std::string key =
            cairn::api::EncodeBase64("hostile/w/" + std::to_string(i));
        // A chunked body that never ends: the stream stays open.
        SendAll(fd,
                "POST /v3/watch HTTP/1.1\r\nHost: " + o.host +
                    "\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    Chunk(R"({"create_request":{"key":")" + key + "\"}}"),
                std::chrono::milliseconds(500));
      }
    }
    // In a loop bounded by `stop` (at most --seconds plus the ramp).
    while (!stop) {
      open = CountOpen(fds, o.scenario == "watch-streams");
      if (trickle) trickle_pass();
      for (int i = 0; i < 10 && !stop; i++) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  } else if (o.scenario == "watch-creates") {
    const Conn fd = open_conn(std::chrono::milliseconds(1000));
    if (fd.fd >= 0) {
      fds.push_back(fd);
      SendAll(fd,
              "POST /v3/watch HTTP/1.1\r\nHost: " + o.host +
                  "\r\nTransfer-Encoding: chunked\r\n\r\n",
              std::chrono::milliseconds(1000));
      // `open` counts the creations the server confirmed.
      int created = 0;
      std::string tail;
      for (int sent = 0; sent < o.attackers && !stop; sent++) {
        const std::string key =
            cairn::api::EncodeBase64("hostile/c/" + std::to_string(sent));
        if (!SendAll(fd, Chunk(R"({"create_request":{"key":")" + key + "\"}}"),
                     std::chrono::milliseconds(1000)) ||
            !Drain(fd, &created, &tail)) {
          break;
        }
        open = created;
      }
      while (!stop && Drain(fd, &created, &tail)) {
        open = created;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  for (Conn& fd : fds) Close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc % 2 == 0 || !Parse(argc, argv, o)) {
    std::fprintf(
        stderr,
        "usage: hostile_load --endpoint 127.0.0.1:PORT [--scenario "
        "baseline|slowloris|slow-body|idle|watch-streams|watch-creates] "
        "[--attackers N] [--clients N] [--seconds S] [--tls 0|1]\n");
    return 2;
  }
  // A TLS write to a connection the server closed is an error, not the
  // end of the program (plain sends use MSG_NOSIGNAL).
  ::signal(SIGPIPE, SIG_IGN);
  // Thousands of idle connections need as many descriptors.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }

  std::atomic<bool> stop{false};
  std::atomic<int> open{0};
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    std::fprintf(stderr, "hostile_load: cannot create a TLS context\n");
    return 1;
  }
  std::thread attacker([&] { Attack(o, ctx, stop, open); });
  // Ramp: the hostile connections are in place (bounded: 30 s at most).
  const auto ramp_end = Clock::now() + std::chrono::seconds(30);
  // (A watch-creation flood is measured while it goes on.)
  while (o.scenario != "baseline" && o.scenario != "watch-creates" &&
         Clock::now() < ramp_end && open < o.attackers * 9 / 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (o.scenario != "baseline") {
    std::this_thread::sleep_for(
        std::chrono::seconds(o.scenario == "watch-creates" ? 1 : 2));
  }

  const std::string value = cairn::api::EncodeBase64(std::string(256, 'v'));
  std::vector<std::vector<double>> lat(size_t(o.clients));
  std::atomic<int> errors{0};
  const auto end = Clock::now() + std::chrono::seconds(o.seconds);
  std::vector<std::thread> clients;
  for (int c = 0; c < o.clients; c++) {
    clients.emplace_back([&, c] {
      httplib::Client cli((o.tls ? "https://" : "http://") + o.host + ":" +
                          std::to_string(o.port));
      cli.enable_server_certificate_verification(false);
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      cli.set_connection_timeout(std::chrono::seconds(5));
      cli.set_read_timeout(std::chrono::seconds(5));
      cli.set_write_timeout(std::chrono::seconds(5));
      for (int i = 0; Clock::now() < end; i++) {
        const std::string key = cairn::api::EncodeBase64(
            "hostile/put/" + std::to_string(c) + "/" + std::to_string(i));
        const std::string body =
            R"({"key":")" + key + R"(","value":")" + value + R"("})";
        const auto t0 = Clock::now();
        auto res = cli.Post("/v3/kv/put", body, "application/json");
        const double ms =
            std::chrono::duration<double, std::milli>(Clock::now() - t0)
                .count();
        if (!res || res->status != 200) {
          errors++;
          // A failed put counts its time too: starvation shows as latency.
          lat[size_t(c)].push_back(ms);
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        lat[size_t(c)].push_back(ms);
      }
    });
  }
  for (auto& t : clients) t.join();
  const int held = open.load();
  stop = true;
  attacker.join();
  SSL_CTX_free(ctx);

  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&all](double p) {
    return all.empty() ? 0.0 : all[size_t(p * double(all.size() - 1))];
  };
  const size_t ok = all.size() - size_t(errors.load());
  std::printf(
      "scenario=%s attackers=%d open=%d puts=%zu errors=%d p50_ms=%.2f "
      "p99_ms=%.2f max_ms=%.2f\n",
      o.scenario.c_str(), o.attackers, held, ok, errors.load(), pct(0.5),
      pct(0.99), all.empty() ? 0.0 : all.back());
  return 0;
}
