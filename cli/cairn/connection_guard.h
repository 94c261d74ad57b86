// GuardedServer: a cpp-httplib server, plain HTTP or TLS, whose
// connections cannot starve each other. Edge code.
//
// cpp-httplib's own server hands each accepted connection to one thread
// of a fixed pool (8 threads here) for as long as the connection lasts:
// while it waits for a request head (a client that sends one byte a
// second keeps it for hours), while it sits idle between keep-alive
// requests, and while a /v3/watch stream is open; its TLS server also
// while the handshake is under way. Eight such connections and nobody
// else is served. etcd does not have the problem: Go gives every
// connection a goroutine, and an idle one costs a few KiB.
//
// Here a connection holds a thread only while a request is in a handler:
//  - Waiting connections (new, or idle between keep-alive requests) sit
//    in one epoll "waiting room" thread. A connection leaves it for a
//    worker only once its whole request head has arrived (seen with
//    MSG_PEEK, so cpp-httplib still reads it from the socket; over TLS,
//    read into the connection's buffer), so a slow sender never holds a
//    worker.
//  - Over TLS the waiting room also drives the handshake, without
//    blocking, as the socket becomes readable or writable: it must end
//    within header_timeout of the accept (a client that never sends a
//    ClientHello is closed then). A refused handshake is logged by the
//    context's callback (LogRejectedHandshakes) and closed.
//  - A request head must arrive within header_timeout of its first byte,
//    and a connection may stay silent at most idle_timeout: then it is
//    closed. Optionally (set_request_read_timeout) a request's body must
//    be read within a bound too, except on the streaming paths.
//  - Under that bound, a body (with a Content-Length, or chunked) waits
//    in the waiting room too: the connection is handed to a worker only
//    once the whole body is in its buffer (read there from the socket,
//    plain or TLS; a chunked body's end found by scanning its chunks), so
//    a client that trickles its body holds no worker either, and is
//    closed when the bound passes. A Content-Length over the listener's
//    payload limit is answered 413 at once (and the connection closed); a
//    chunked body is buffered up to that limit, then a worker reads on
//    (and refuses it). Bodies waited for take at most 64 MiB in all per
//    listener, and beyond that one is read by a worker as before (still
//    under the bound). A streaming path's body, and any on a listener
//    without the bound (the peer listener), are read by a worker.
//    To a client that sent "Expect: 100-continue" the waiting room says
//    "100 Continue" itself (cpp-httplib says it again later).
//  - With an HTTP/2 hand-off (set_http2_handoff), a new connection that
//    speaks HTTP/2 only leaves the guard: its socket goes to the hand-off
//    (the node's gRPC server), which from then on owns it and bounds it
//    by its own rules. On a plain listener that is one whose first bytes
//    are HTTP/2's client preface ("PRI * HTTP/2.0...", what a gRPC client
//    with prior knowledge sends); over TLS, one whose ClientHello offers
//    h2 and not http/1.1 by ALPN (client_hello.h), handed off before the
//    handshake, which the hand-off does. So etcd clients reach the gRPC
//    API on the client port, as with etcd.
//  - Workers are started as needed, up to max_workers, and end after
//    worker_idle_exit without work; a request whose handler runs long
//    (a watch stream) holds one, a finished keep-alive connection goes
//    back to the waiting room.
//  - With a fast path (set_fast_path, fast_request.h), a plain
//    connection's request that is one of the fast path's (with a body up
//    to 64 KiB) is read and handed to the handler by the waiting room
//    itself, out of its lock, with no worker; a larger one by a worker,
//    which then goes on. The connection stays busy until the answer is
//    written, by the answering thread when it is small and the socket
//    takes it at once, else by a worker. Answers come in order: a
//    connection's next request is read only after its answer.
//  - At most max_connections are open. When a new one comes at the
//    bound, the connection that has waited longest without a worker (idle,
//    or sending a head or body) is closed to make room;
//    when every open connection is busy in a handler, the new one is
//    answered 503 (gateway error code 14, "too many open connections")
//    and closed; over TLS, where nothing can be said before a
//    handshake, it is closed at once.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cli/cairn/fast_request.h"
#include "cli/cairn/guarded_connection.h"
#include "cli/cairn/plain_handoff.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace cairn::node {

struct ConnectionLimits {
  // Open connections per listener (also capped by a quarter of the
  // descriptor limit when the listener starts).
  size_t max_connections = 4096;
  // Threads serving requests at once per listener.
  size_t max_workers = 1024;
  // A worker with nothing to do for this long ends, while more than
  // kept_workers are left: a thousand watch streams that come and go
  // leave no thousand idle threads behind (their stacks and caches).
  std::chrono::milliseconds worker_idle_exit{10000};
  size_t kept_workers = 8;
  // A request head must be complete this long after its first byte.
  std::chrono::milliseconds header_timeout{10000};
  // A connection with no request in progress is closed after this long.
  std::chrono::milliseconds idle_timeout{120000};
  // Bounds one read or write of a request in a handler (cpp-httplib's
  // read and write timeouts, 5 s by default).
  std::chrono::milliseconds io_timeout{5000};
};

struct ConnectionStats {
  size_t open = 0;       // connections open now
  size_t busy = 0;       // of which in a handler
  uint64_t refused = 0;  // answered 503 at the bound
  uint64_t evicted = 0;  // idle ones closed to make room
  // closed by header_timeout, idle_timeout or (a body in the waiting
  // room) the request read timeout
  uint64_t timed_out = 0;
  uint64_t http2 = 0;  // handed to the HTTP/2 hand-off
  size_t workers = 0;  // worker threads now, busy or idle
};

// Whether the client of the request this thread is serving (in a
// GuardedServer's handler) has closed its side of the connection; false
// on any other thread. A long stream's handler asks it while idle, so
// that a client that left ends its stream (as Go's server cancels a
// request's context then) rather than when a write to it fails.
bool ClientHungUp();

// HTTP/2's client connection preface (RFC 9113, 3.4).
inline constexpr std::string_view kHttp2Preface =
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Where the request head in `data` (bytes already received, not yet
// consumed) ends: the offset just past "\r\n\r\n", or 0 when it has not
// all arrived. Exposed for tests.
size_t RequestHeadEnd(std::string_view data);

// What the request head `head` says of its body. Exposed for tests.
struct RequestBody {
  enum class Kind {
    kNone,     // no Content-Length, no Transfer-Encoding
    kLength,   // Content-Length: `length`
    kChunked,  // a Transfer-Encoding (cpp-httplib reads chunked only)
    kInvalid,  // a Content-Length that is not a number, or two that differ
  };
  Kind kind = Kind::kNone;
  size_t length = 0;
  bool expect_continue = false;  // "Expect: 100-continue"
};
RequestBody ParseRequestBody(std::string_view head);

// Calls `fn` with the name and the value (trimmed) of each header line
// of `head`, in order.
void ForEachHeader(std::string_view head,
                   const std::function<void(std::string_view name,
                                            std::string_view value)>& fn);
// Whether the header name `name` is `wanted` (names ignore case).
bool HeaderNameIs(std::string_view name, std::string_view wanted);

// Where a chunked body ends in `data`, scanning on from `scan` (which it
// advances, so that bytes already scanned are not again): the offset
// just past its last chunk and trailers, 0 when it has not all arrived,
// or npos when it does not parse. Exposed for tests.
struct ChunkScan {
  size_t at = 0;          // where the next chunk's size line (or trailer) is
  bool trailers = false;  // past the last chunk
};
size_t ScanChunkedBody(std::string_view data, ChunkScan& scan);
// The size a chunk's size line gives (`line` without its CRLF; an
// extension after ';' is ignored), or nullopt when it is not hex of at
// most 15 digits.
std::optional<size_t> ParseChunkSize(std::string_view line);

// Whether the request whose head is `head` targets `path` exactly (with
// or without a query). Exposed for tests.
bool IsStreamingRequest(std::string_view head, std::string_view path);

// The response a refused connection gets.
std::string RefusalResponse();

class GuardedServer : public httplib::Server {
 public:
  // Plain HTTP.
  explicit GuardedServer(ConnectionLimits limits);
  // TLS with `tls_ctx`, a server context set up already
  // (ConfigureServerContext); takes it.
  GuardedServer(ConnectionLimits limits, ssl_ctx_st* tls_ctx);
  ~GuardedServer() override;  // StopConnections()
  GuardedServer(const GuardedServer&) = delete;
  GuardedServer& operator=(const GuardedServer&) = delete;

  // Starts the waiting room; call after binding, before
  // listen_after_bind.
  void StartConnections();
  // After stop(): closes the waiting connections and waits for the
  // requests in handlers to finish (as cpp-httplib's pool does).
  void StopConnections();

  ConnectionStats stats() const;
  bool tls() const { return tls_ctx_ != nullptr; }

  // Reading a request (head and body) must end within `timeout` of its
  // head's arrival, except for requests to `streaming_paths` (whose body
  // is a long-lived stream, e.g. "/v3/watch"); a read past it fails and
  // the connection is closed. Zero (the default): no bound beyond each
  // read's io_timeout. Also lets bodies wait in the waiting room (see
  // above). Call before serving.
  void set_request_read_timeout(std::chrono::milliseconds timeout,
                                std::vector<std::string> streaming_paths);

  // Receives the socket of each new connection that speaks HTTP/2 only
  // (nothing read from it yet, made non-blocking); it owns the
  // descriptor from then on. Plain: one that opens with kHttp2Preface.
  // TLS: one whose ClientHello offers h2 and not http/1.1 by ALPN
  // (client_hello.h), handed off before the handshake, which the
  // hand-off then does. Called on the waiting room's thread, under its
  // lock: it must not block. Call before serving.
  void set_http2_handoff(std::function<void(int fd)> handoff);

  // On a plain listener, a request whose whole head `handoff.wants`
  // accepts leaves the guard for `handoff.take` (plain_handoff.h). Both
  // are called on the waiting room's thread, under its lock: they must
  // not block. Call before serving.
  void set_plain_handoff(PlainHandoff handoff);

  // Serves the requests on plain connections that ParseFastRequest
  // takes, with `accepts` (fast_request.h), by `handler` instead of
  // cpp-httplib: the worker that read one goes on to other work, and the
  // answer is written by a worker once `handler`'s FastRespond is
  // called. Stopping waits for the answers still to come. Call before
  // serving.
  void set_fast_path(std::function<bool(std::string_view path)> accepts,
                     FastHandler handler);

 private:
  using Connection = GuardedConnection;
  enum class State { kWaiting, kBusy };
  struct Entry {
    std::shared_ptr<Connection> conn;
    State state = State::kWaiting;
    std::chrono::steady_clock::time_point since;     // entered this state
    std::chrono::steady_clock::time_point deadline;  // when waiting
    bool head_started = false;
    bool fresh = true;         // no request served yet
    bool handshaking = false;  // TLS: waiting for the handshake
    // TLS with a hand-off: its ClientHello is yet to be classified.
    bool hello_pending = false;
    // Waiting for a request body: its buffer must hold this many bytes
    // (head and body); 0 when not.
    size_t body_need = 0;
    size_t body_held = 0;       // its bytes counted in body_buffered_
    bool body_chunked = false;  // its end found by chunk_scan
    ChunkScan chunk_scan;
    std::chrono::steady_clock::time_point head_at;        // the head's arrival
    std::chrono::steady_clock::time_point read_deadline;  // when busy
  };
  struct Job {
    std::shared_ptr<Connection> conn;
    std::chrono::steady_clock::time_point read_deadline;
    // A fast-path request's answer (the bytes still to write); empty
    // for a request to read.
    std::function<std::string()> answer;
  };
  class FastCall;

  // Runs on the accept thread (the task queue runs it inline).
  bool process_and_close_socket(socket_t sock) override;

  void WaitingRoom();
  // Under mu_: what a waiting plain connection's readiness brought.
  void OnPlainReadable(int fd, Entry& e, std::vector<char>& peek,
                       std::chrono::steady_clock::time_point now);
  // Without mu_: drives a waiting TLS connection (handshake, then
  // reading the head's bytes). Then under mu_: acts on the outcome.
  static Connection::Progress AdvanceTls(Connection& conn, size_t limit);
  void AfterTls(int fd, const std::shared_ptr<Connection>& conn,
                Connection::Progress progress,
                std::chrono::steady_clock::time_point now);
  // Under mu_: whether `e`'s buffered bytes hold a whole head (then it
  // is dispatched), are too many (then refused), or not yet; true when it
  // left the waiting room.
  bool CheckBuffered(int fd, Entry& e,
                     std::chrono::steady_clock::time_point now);
  // Under mu_: a whole head has arrived, the first `head_end` bytes of
  // `data` (with what came after it): dispatches it, refuses it (413), or
  // starts waiting for its body.
  void OnHead(int fd, Entry& e, std::string_view data, size_t head_end,
              std::chrono::steady_clock::time_point now);
  // Under mu_: how far the next read may fill `e`'s buffer with its body
  // (within the bound on buffered bodies, which it reserves: the caller
  // gives back limit - buffered once the read is done).
  size_t BodyFillLimit(Entry& e);
  // Under mu_: after a read of `e`'s body, counts its buffer and
  // dispatches it once whole (or when the bound stopped the read).
  void AfterBodyFill(int fd, Entry& e, Connection::Progress p);
  void ReleaseBody(Entry& e);  // under mu_: forgets its buffered body
  // Under mu_: reads what a refused socket being drained got, and closes
  // it once the client has.
  void Drain(std::map<int, std::chrono::steady_clock::time_point>::iterator it);
  // Under mu_: answers 431 to a head too large and closes.
  void RefuseHeadLocked(int fd);
  // Under mu_: answers `response` to a waiting request (best effort over
  // TLS) and closes.
  void RefuseRequestLocked(int fd, std::string_view response);
  // Under mu_: closes waiting connections past their deadline.
  void Sweep(std::chrono::steady_clock::time_point now);
  // Under mu_: hands `fd` to a worker; its head arrived at `head_at`
  // (the request read timeout counts from then).
  void Dispatch(int fd, std::chrono::steady_clock::time_point head_at,
                bool streaming);
  void Worker();
  // Under mu_: whether this worker, idle for long, ends (moved to
  // retired_).
  bool RetireLocked();
  // Without mu_: serves the request `conn` holds by the fast path when it
  // is one (with a body of at most `max_body`); then true, and its answer
  // comes back as a Job.
  bool TryFastPath(const std::shared_ptr<Connection>& conn, size_t max_body);
  // The waiting room, out of mu_: tries the fast path for the requests
  // it dispatched (`ready`, emptied), and queues the others for workers.
  void ServeRoomFast(std::vector<Job>& ready);
  // Without mu_ (`lock`, unlocked): writes a fast-path answer; whether
  // all of it went. When it must wait for the client, this worker is
  // no longer a short one (SlowLocked; `active` set false).
  bool WriteFastAnswer(Connection& conn, const std::string& out,
                       std::unique_lock<std::mutex>& lock, bool& active);
  // Without mu_: serves `conn`'s request through cpp-httplib; whether the
  // connection may serve another.
  bool ServeWithHttplib(const std::shared_ptr<Connection>& conn,
                        std::chrono::steady_clock::time_point read_deadline,
                        bool last);
  // Under mu_: queues `job`, and wakes (or starts) a worker for it
  // unless enough are on short jobs already.
  void EnqueueLocked(Job job);
  void WakeLocked();  // under mu_: EnqueueLocked's waking
  // Under mu_: this worker leaves the short ones (it will be long, and
  // another takes the queue).
  void SlowLocked();
  void FastDoneLocked();     // under mu_: a fast request has its answer
  void CloseLocked(int fd);  // under mu_
  // Under mu_: whether a new connection's first bytes `got` are HTTP/2's
  // preface (then handed off, or closed when that fails) or may still
  // become it (then waits for more).
  bool MaybeHandOff(int fd, const Entry& e, std::string_view got);
  // Under mu_: whether a new TLS connection is ready for its handshake
  // here; false when it was handed off, closed, or its ClientHello is
  // still arriving.
  bool HelloStaysHere(int fd, Entry& e, std::vector<char>& peek);
  // Under mu_: gives `fd`'s socket to the HTTP/2 hand-off and forgets it.
  void HandOff(int fd);
  // Under mu_: forgets `fd`'s entry and returns a non-blocking duplicate
  // of its socket (-1 when there is none).
  int Release(int fd);
  // Under mu_: answers `fd` with `response` and closes it soon after
  // (the waiting room drains it). Takes ownership of `fd`.
  void RefuseLocked(int fd, const std::string& response);
  void Wait(int fd, std::chrono::steady_clock::time_point now);  // under mu_
  // Under mu_: watches `fd` for readiness in the waiting room (to send
  // too during a TLS handshake).
  void Watch(int fd, bool handshake);

  const ConnectionLimits limits_;
  ssl_ctx_st* const tls_ctx_ = nullptr;  // owned; null when plain
  size_t max_connections_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: wakes the waiting room to stop

  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  // Signalled when a stopping server's last fast answer has come.
  std::condition_variable answers_cv_;
  std::map<int, Entry> conns_;  // guarded by mu_
  // Refused sockets being drained, with their close deadline.
  std::map<int, std::chrono::steady_clock::time_point> draining_;  // mu_
  std::deque<Job> jobs_;                               // guarded by mu_
  std::chrono::milliseconds request_read_timeout_{0};  // guarded by mu_
  std::vector<std::string> streaming_paths_;           // guarded by mu_
  std::function<void(int)> http2_handoff_;             // guarded by mu_
  PlainHandoff plain_handoff_;                         // guarded by mu_
  // Set before serving, read by the workers.
  std::function<bool(std::string_view)> fast_accepts_;
  FastHandler fast_handler_;
  size_t fast_pending_ = 0;  // fast requests yet to be answered; by mu_
  // Dispatched by the waiting room, for it to try by the fast path.
  std::vector<Job> room_fast_;  // guarded by mu_
  // Workers on a short job (a fast request or its answer), and how many
  // may be before a new job wakes another.
  size_t active_ = 0;  // guarded by mu_
  const size_t active_limit_ =
      std::max<size_t>(2, std::thread::hardware_concurrency());
  std::vector<std::thread> workers_;  // guarded by mu_
  // Workers that ended idle, for the waiting room to join.
  std::vector<std::thread> retired_;  // guarded by mu_
  size_t idle_workers_ = 0;           // guarded by mu_
  size_t busy_ = 0;                   // guarded by mu_
  size_t body_buffered_ = 0;          // bytes of bodies waited for; by mu_
  bool stopping_ = false;             // guarded by mu_
  ConnectionStats counters_;          // guarded by mu_
  std::thread waiting_room_;
};

}  // namespace cairn::node
