#include "cli/cairn/peer_transport.h"

#include <httplib.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <limits>
#include <optional>
#include <thread>

#include "cli/cairn/connection_guard.h"
#include "cli/cairn/logger.h"
#include "cli/cairn/node_metrics.h"
#include "cli/cairn/peer_stream_reader.h"
#include "core/raft/codec.h"
#include "core/util/coding.h"

namespace cairn::node {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kClusterHeader = "X-Cairn-Cluster-ID";
constexpr const char* kFromHeader = "X-Cairn-From";
constexpr const char* kMessagesPath = "/raft/messages";
constexpr const char* kStreamPath = "/raft/stream";
constexpr const char* kSnapshotPath = "/raft/snapshot";

// The headers that name the sending member and its cluster.
httplib::Headers SenderHeaders(const PeerTransportOptions& o) {
  return {{kClusterHeader, MemberIdHex(o.cluster_id)},
          {kFromHeader, MemberIdHex(o.local_id)}};
}

uint32_t ReadFixed32(std::string_view b) {
  return static_cast<uint32_t>(static_cast<uint8_t>(b[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(b[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(b[3])) << 24;
}

std::optional<uint64_t> ParseHexId(const std::string& s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

// What `m` weighs in a batch: its entries and, roughly, its fixed fields.
size_t RoughBytes(const raft::Message& m) {
  size_t bytes = 64;
  for (const raft::Entry& e : m.entries) bytes += e.data.size();
  return bytes;
}

// The most TryDirect writes on the caller's thread (the host loop): a
// catch-up batch of megabytes is encoded and written by the sender's.
constexpr size_t kMaxDirectBytes = 64 << 10;

// `body` as one chunk of a chunked HTTP body, as cpp-httplib frames it.
std::string HttpChunk(std::string_view body) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string size;
  for (size_t n = body.size(); n != 0 || size.empty(); n >>= 4) {
    size.insert(size.begin(), kHex[n & 15]);
  }
  std::string chunk;
  chunk.reserve(size.size() + body.size() + 4);
  chunk.append(size).append("\r\n").append(body).append("\r\n");
  return chunk;
}

// Writes all of `data` to `fd`, waiting at most `limit` for the socket
// to take it; false on an error or when the time is up.
bool WriteAll(int fd, std::string_view data, std::chrono::milliseconds limit) {
  const auto until = Clock::now() + limit;
  while (!data.empty()) {
    const ssize_t n =
        ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return false;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
    ::poll(&p, 1, static_cast<int>(left.count()));
  }
  return true;
}

void SetTimeouts(httplib::Client& c, const PeerTransportOptions& o) {
  auto split = [](std::chrono::milliseconds ms) {
    return std::pair<time_t, time_t>(ms.count() / 1000,
                                     (ms.count() % 1000) * 1000);
  };
  auto [cs, cus] = split(o.connect_timeout);
  auto [is, ius] = split(o.io_timeout);
  c.set_connection_timeout(cs, cus);
  c.set_read_timeout(is, ius);
  c.set_write_timeout(is, ius);
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);  // Raft messages are small and latency-bound
}

}  // namespace

std::string EncodeMessageBatch(const std::vector<raft::Message>& msgs) {
  std::string out;
  for (const raft::Message& m : msgs) {
    std::string enc = raft::EncodeMessage(m);
    AppendFixed(out, enc.size(), 4);
    out += enc;
  }
  return out;
}

Status DecodeMessageFrames(std::string_view data, size_t max_frame,
                           size_t* used, std::vector<raft::Message>* out) {
  size_t pos = 0;
  while (data.size() - pos >= 4) {
    const std::string frame = "frame " + std::to_string(out->size());
    const uint32_t len = ReadFixed32(data.substr(pos, 4));
    if (len > max_frame) {
      return Status::Corruption(frame + ": length " + std::to_string(len) +
                                " over the limit");
    }
    if (len > data.size() - pos - 4) break;  // not all here yet
    Result<raft::Message> m = raft::DecodeMessage(data.substr(pos + 4, len));
    if (!m.ok()) {
      return Status::Corruption(frame + ": " + m.status().message());
    }
    out->push_back(std::move(m).value());
    pos += 4 + len;
  }
  *used = pos;
  return Status::Ok();
}

Result<std::vector<raft::Message>> DecodeMessageBatch(std::string_view body) {
  std::vector<raft::Message> out;
  size_t used = 0;
  Status s = DecodeMessageFrames(body, std::numeric_limits<uint32_t>::max(),
                                 &used, &out);
  if (!s.ok()) return s;
  if (used == body.size()) return out;
  const std::string frame = "frame " + std::to_string(out.size());
  if (body.size() - used < 4) {
    return Status::Corruption(frame + ": truncated length");
  }
  return Status::Corruption(frame + ": length " +
                            std::to_string(ReadFixed32(body.substr(used, 4))) +
                            " past the end of the body");
}

// One peer's two streams: batched messages and snapshots, each with its
// own thread and its own keep-alive connection.
class PeerTransport::Sender {
 public:
  Sender(PeerTransport& t, uint64_t peer, const std::string& url)
      : t_(t),
        peer_(peer),
        plain_(url.rfind("http://", 0) == 0),
        msg_client_(url, t.options_.tls.cert_file, t.options_.tls.key_file),
        snap_client_(url, t.options_.tls.cert_file, t.options_.tls.key_file) {
    SetTimeouts(msg_client_, t.options_);
    SetTimeouts(snap_client_, t.options_);
    ApplyClientTls(msg_client_, t.options_.tls);
    ApplyClientTls(snap_client_, t.options_.tls);
    msg_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "peer-send");
      RunMessages();
    });
    snap_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "peer-snap");
      RunSnapshots();
    });
  }

  ~Sender() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    msg_cv_.notify_all();
    snap_cv_.notify_all();
    msg_client_.stop();
    snap_client_.stop();
    msg_thread_.join();
    snap_thread_.join();
  }

  // Sends `msgs` or queues them for this sender's thread; returns those
  // that must be dropped (queue full, peer backing off, or a snapshot
  // already in flight), and sets `direct_bytes` to the bytes written
  // directly (TryDirect).
  std::vector<raft::Message> EnqueueAll(std::vector<raft::Message> msgs,
                                        size_t* direct_bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<raft::Message> dropped;
    if (stopping_) return msgs;
    if (TryDirect(msgs, direct_bytes)) return dropped;
    for (raft::Message& m : msgs) {
      if (!Enqueue(m)) dropped.push_back(std::move(m));
    }
    return dropped;
  }

  PeerStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

 private:
  // While this sender's thread waits in an open plain-HTTP stream with
  // nothing queued, the caller (the host loop) writes the messages to the
  // stream's socket itself, as one chunk, without blocking: waking the
  // thread for them cost ~40 us of a put's latency on a quiet cluster
  // (docs/performance.md). A socket that takes none of it leaves them to
  // the queue; one that takes part of it leaves the rest to the thread,
  // which writes it before anything else. Only small batches
  // (kMaxDirectBytes): the caller holds the transport's lock, and its
  // time is the loop's. REQUIRES: mu_ held.
  bool TryDirect(const std::vector<raft::Message>& msgs, size_t* direct_bytes) {
    if (parked_fd_ < 0 || !queue_.empty() || !raw_pending_.empty()) {
      return false;
    }
    size_t bytes = 0;
    for (const raft::Message& m : msgs) {
      if (m.type == raft::MessageType::kSnap) return false;
      bytes += RoughBytes(m);
    }
    if (bytes > kMaxDirectBytes) return false;
    const std::string body = EncodeMessageBatch(msgs);
    const std::string chunk = HttpChunk(body);
    const ssize_t n = ::send(parked_fd_, chunk.data(), chunk.size(),
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) return false;  // full or broken: the thread's write tells
    if (static_cast<size_t>(n) < chunk.size()) {
      raw_pending_ = chunk.substr(static_cast<size_t>(n));
      parked_fd_ = -1;
      msg_cv_.notify_one();
    }
    stats_.sent_messages += msgs.size();
    ++stats_.sent_batches;
    last_direct_ = Clock::now();
    *direct_bytes = body.size();
    return true;
  }

  // False when the message must be dropped; `m` is moved from only when
  // queued. REQUIRES: mu_ held.
  bool Enqueue(raft::Message& m) {
    if (m.type == raft::MessageType::kSnap) {
      if (snapshot_.has_value()) return CountDrop();
      snapshot_ = std::move(m);
      snap_cv_.notify_one();
      return true;
    }
    if (queue_.size() >= t_.options_.queue_messages ||
        Clock::now() < down_until_) {
      return CountDrop();
    }
    queue_.push_back(std::move(m));
    // Only when the sender may be waiting: while it posts a batch, the
    // queue fills silently and the next TakeBatch takes it all.
    if (queue_.size() == 1) msg_cv_.notify_one();
    return true;
  }

  bool CountDrop() {
    ++stats_.dropped_messages;
    return false;
  }

  // Takes queued messages up to max_batch_bytes (at least one), waiting
  // for them at most `wait`; empty when stopping or none came. Outside a
  // stream, waits as long as it takes.
  std::vector<raft::Message> TakeBatch() {
    std::unique_lock<std::mutex> lock(mu_);
    msg_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    return TakeQueued();
  }

  // The same within a stream on socket `fd` (-1: not to be written
  // directly), which TryDirect may write meanwhile; its writes keep the
  // stream busy, so the wait ends after `wait` without either. `raw` gets
  // the rest of a chunk TryDirect could not write whole.
  std::vector<raft::Message> TakeBatch(Clock::duration wait, int fd,
                                       std::string& raw) {
    std::unique_lock<std::mutex> lock(mu_);
    auto ready = [this] {
      return stopping_ || !queue_.empty() || !raw_pending_.empty();
    };
    if (raw_pending_.empty()) parked_fd_ = fd;
    const Clock::time_point start = Clock::now();
    while (!ready()) {
      const Clock::time_point idle_at = std::max(start, last_direct_) + wait;
      if (Clock::now() >= idle_at) break;
      msg_cv_.wait_until(lock, idle_at, ready);
    }
    parked_fd_ = -1;
    raw.swap(raw_pending_);
    return TakeQueued();
  }

  // REQUIRES: mu_ held.
  std::vector<raft::Message> TakeQueued() {
    std::vector<raft::Message> batch;
    if (stopping_) return batch;
    size_t bytes = 0;
    while (!queue_.empty() &&
           (batch.empty() || bytes < t_.options_.max_batch_bytes)) {
      bytes += RoughBytes(queue_.front());
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return batch;
  }

  Clock::duration StreamIdle() const {
    return std::min<Clock::duration>(t_.options_.io_timeout / 2,
                                     std::chrono::seconds(1));
  }

  bool Stopping() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

  // After a batch is lost: whatever is queued would meet the same fate, so
  // it is dropped now (Raft hears at once and the queue holds no stale
  // messages), and nothing is sent for retry_backoff.
  void Failed(size_t lost) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.failed_posts;
      stats_.dropped_messages += lost + queue_.size();
      queue_.clear();
      down_until_ = Clock::now() + t_.options_.retry_backoff;
    }
    t_.ReportUnreachable(peer_);
  }

  void Sent(size_t count) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.sent_messages += count;
    ++stats_.sent_batches;
  }

  // A batch after a quiet spell goes as one POST, whose answer says
  // whether the peer takes this member's messages (204) or why not (410,
  // 412, ...). The batches after it go on a stream, with no answer each.
  void RunMessages() {
    while (true) {
      std::vector<raft::Message> batch = TakeBatch();
      if (batch.empty()) return;
      std::string body = EncodeMessageBatch(batch);
      if (!Post(msg_client_, kMessagesPath, body, 0)) {
        Failed(batch.size());
        continue;
      }
      Sent(batch.size());
      Stream();
    }
  }

  // One POST to /raft/stream whose chunked body carries a batch per chunk
  // for as long as batches keep coming; ended (cleanly) after
  // StreamIdle without one, well before the peer's read times out.
  void Stream() {
    size_t in_flight = 0;  // messages of a chunk whose write failed
    auto provider = [&](size_t, httplib::DataSink& sink) {
      const int fd = plain_ ? msg_client_.socket() : -1;
      std::string raw;
      std::vector<raft::Message> batch = TakeBatch(StreamIdle(), fd, raw);
      if (Stopping()) return false;
      if (!raw.empty() && !WriteAll(fd, raw, t_.options_.io_timeout)) {
        return false;
      }
      if (batch.empty()) {
        if (raw.empty()) sink.done();
        return true;
      }
      std::string body = EncodeMessageBatch(batch);
      const auto start = Clock::now();
      if (!sink.write(body.data(), body.size())) {
        in_flight = batch.size();
        return false;
      }
      t_.RecordPost(peer_, true, body.size(), Clock::now() - start, "");
      Sent(batch.size());
      return true;
    };
    httplib::Result res = msg_client_.Post(kStreamPath, Headers(), provider,
                                           "application/octet-stream");
    if (Stopping() || (res && res->status == 204)) return;
    std::string outcome =
        res ? std::to_string(res->status) : httplib::to_string(res.error());
    t_.RecordPost(peer_, false, 0, Clock::duration::zero(), outcome);
    Failed(in_flight);
  }

  std::optional<raft::Message> TakeSnapshot() {
    std::unique_lock<std::mutex> lock(mu_);
    snap_cv_.wait(lock, [this] { return stopping_ || snapshot_.has_value(); });
    if (stopping_) return std::nullopt;
    // A moved-from optional stays engaged: the slot reads busy until
    // RunSnapshots resets it after the send.
    return std::move(snapshot_);
  }

  void RunSnapshots() {
    while (true) {
      std::optional<raft::Message> m = TakeSnapshot();
      if (!m.has_value()) return;
      std::string body = raft::EncodeMessage(*m);
      bool ok = Post(snap_client_, kSnapshotPath, body,
                     t_.options_.snapshot_chunk_bytes);
      {
        std::lock_guard<std::mutex> lock(mu_);
        snapshot_.reset();
        if (ok) {
          ++stats_.sent_messages;
        } else {
          ++stats_.failed_posts;
          ++stats_.dropped_messages;
        }
      }
      if (!ok) t_.ReportUnreachable(peer_);
      t_.ReportSnapshot(peer_, ok);
    }
  }

  // POSTs `body`; with chunk_bytes > 0 the body is written in pieces of
  // that size (the snapshot stream). True on a 204 answer.
  httplib::Headers Headers() const { return SenderHeaders(t_.options_); }

  bool Post(httplib::Client& client, const char* path, const std::string& body,
            size_t chunk_bytes) {
    const httplib::Headers headers = Headers();
    auto start = Clock::now();
    auto chunked = [&body, chunk_bytes](size_t offset, size_t length,
                                        httplib::DataSink& sink) {
      return sink.write(body.data() + offset, std::min(length, chunk_bytes));
    };
    httplib::Result res =
        chunk_bytes == 0
            ? client.Post(path, headers, body, "application/octet-stream")
            : client.Post(path, headers, body.size(), chunked,
                          "application/octet-stream");
    bool ok = res && res->status == 204;
    if (res && res->status == 410 && t_.callbacks_.removed_self) {
      t_.callbacks_.removed_self();
    }
    std::string outcome;
    if (res) {
      outcome = std::to_string(res->status);
    } else {
      outcome = httplib::to_string(res.error());
      // A peer whose certificate does not verify: say why.
      if (std::string why = ClientVerifyError(client); !why.empty()) {
        outcome += ": " + why;
      }
    }
    t_.RecordPost(peer_, ok, body.size(), Clock::now() - start, outcome);
    return ok;
  }

  PeerTransport& t_;
  const uint64_t peer_;
  const bool plain_;  // http://: TryDirect may write its socket
  mutable std::mutex mu_;
  // Separate, so that a message does not wake the snapshot thread too.
  std::condition_variable msg_cv_;   // the queue has messages, or stopping
  std::condition_variable snap_cv_;  // a snapshot is waiting, or stopping
  bool stopping_ = false;            // guarded by mu_
  std::deque<raft::Message> queue_;  // guarded by mu_
  std::optional<raft::Message> snapshot_;  // guarded by mu_; set: busy
  Clock::time_point down_until_;           // guarded by mu_
  // TryDirect's: the open stream's socket while the thread waits in it
  // (else -1), the part of a chunk left for the thread, the last write.
  int parked_fd_ = -1;             // guarded by mu_
  std::string raw_pending_;        // guarded by mu_
  Clock::time_point last_direct_;  // guarded by mu_
  PeerStats stats_;                // guarded by mu_
  httplib::Client msg_client_;     // used by msg_thread_ only
  httplib::Client snap_client_;    // used by snap_thread_ only
  std::thread msg_thread_;
  std::thread snap_thread_;
};

PeerTransport::PeerTransport(PeerTransportOptions options, Callbacks callbacks,
                             NodeMetrics* metrics, JsonLogger* logger)
    : options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      metrics_(metrics),
      logger_(logger) {}

PeerTransport::~PeerTransport() {
  StopReceiving();
  {
    // A stream handler may still be reading (until its next chunk, or its
    // sender ends the idle stream): it uses this transport.
    std::unique_lock<std::mutex> lock(handlers_mu_);
    handlers_cv_.wait(lock, [this] { return handlers_ == 0; });
  }
  std::map<uint64_t, std::unique_ptr<Sender>> senders;
  {
    std::lock_guard<std::mutex> lock(mu_);
    senders.swap(senders_);
  }
  senders.clear();  // joins outside mu_: a sender may be reporting
}

void PeerTransport::StopReceiving() { receiving_stopped_.store(true); }

std::optional<uint64_t> PeerTransport::StreamSender(
    std::string_view head) const {
  const RequestBody body = ParseRequestBody(head);
  if (!head.starts_with("POST ") || !IsStreamingRequest(head, kStreamPath) ||
      body.kind != RequestBody::Kind::kChunked || body.expect_continue) {
    return std::nullopt;
  }
  std::optional<std::string> cluster, from;
  bool has_length = false;
  ForEachHeader(head, [&](std::string_view name, std::string_view value) {
    if (HeaderNameIs(name, kClusterHeader) && !cluster.has_value()) {
      cluster = std::string(value);
    } else if (HeaderNameIs(name, kFromHeader) && !from.has_value()) {
      from = std::string(value);
    } else if (HeaderNameIs(name, "Content-Length")) {
      has_length = true;
    }
  });
  if (has_length || !cluster.has_value() || !from.has_value()) {
    return std::nullopt;
  }
  std::optional<uint64_t> cluster_id = ParseHexId(*cluster);
  std::optional<uint64_t> from_id = ParseHexId(*from);
  if (cluster_id != options_.cluster_id) return std::nullopt;
  return from_id;
}

PlainHandoff PeerTransport::StreamHandoff() {
  PlainHandoff h;
  h.wants = [this](std::string_view head) {
    if (receiving_stopped_.load() ||
        loop_streams_->load() >= options_.max_loop_streams) {
      return false;
    }
    // Else the handler answers it as it should.
    const std::optional<uint64_t> from = StreamSender(head);
    return from.has_value() &&
           !(callbacks_.is_removed && callbacks_.is_removed(*from));
  };
  h.take = [this](int fd, std::string read, std::string_view head) {
    // `wants` said yes to this head just before.
    const uint64_t from = StreamSender(head).value_or(0);
    Counter* bytes =
        metrics_ != nullptr ? &metrics_->PeerReceivedBytes(from) : nullptr;
    auto stream = std::make_unique<PeerStreamReader>(
        fd, std::move(read), from,
        PeerStreamReader::Options{.max_frame = options_.max_receive_bytes},
        bytes);
    loop_streams_->fetch_add(1);
    stream->OnClose([count = loop_streams_] { count->fetch_sub(1); });
    callbacks_.adopt_stream(std::move(stream));
  };
  return h;
}

void PeerTransport::AddPeer(uint64_t peer, const std::string& url) {
  auto sender = std::make_unique<Sender>(*this, peer, url);
  std::unique_ptr<Sender> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::move(senders_[peer]);
    senders_[peer] = std::move(sender);
    urls_[peer] = url;
  }
  if (logger_ != nullptr) {
    logger_->Info("added peer",
                  {{"peer-id", MemberIdHex(peer)}, {"remote-peer-url", url}});
  }
}

void PeerTransport::RemovePeer(uint64_t peer) {
  std::unique_ptr<Sender> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = senders_.find(peer);
    if (it == senders_.end()) return;
    old = std::move(it->second);
    senders_.erase(it);
    urls_.erase(peer);
  }
  old.reset();
  if (logger_ != nullptr) {
    logger_->Info("removed peer", {{"peer-id", MemberIdHex(peer)}});
  }
}

void PeerTransport::Send(std::vector<raft::Message> msgs) {
  // Each peer's messages together (in their order): one write or one
  // queueing each.
  std::vector<std::pair<uint64_t, std::vector<raft::Message>>> by_peer;
  for (raft::Message& m : msgs) {
    auto it = std::find_if(by_peer.begin(), by_peer.end(),
                           [&m](const auto& p) { return p.first == m.to; });
    if (it == by_peer.end()) it = by_peer.insert(by_peer.end(), {m.to, {}});
    it->second.push_back(std::move(m));
  }
  for (auto& [to, group] : by_peer) {
    size_t direct_bytes = 0;
    std::vector<raft::Message> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = senders_.find(to);
      dropped = it == senders_.end()
                    ? std::move(group)
                    : it->second->EnqueueAll(std::move(group), &direct_bytes);
    }
    if (direct_bytes != 0 && metrics_ != nullptr) {
      metrics_->PeerSentBytes(to).Inc(static_cast<double>(direct_bytes));
    }
    for (const raft::Message& m : dropped) {
      ReportUnreachable(to);
      if (m.type == raft::MessageType::kSnap) ReportSnapshot(to, false);
    }
  }
}

// An empty batch: the peer answers 204 only if it is up, of this cluster,
// and has not removed this member. Its own client, so that a sender's
// stream is not disturbed.
size_t PeerTransport::CountReachable(std::chrono::milliseconds timeout) const {
  std::map<uint64_t, std::string> urls;
  {
    std::lock_guard<std::mutex> lock(mu_);
    urls = urls_;
  }
  PeerTransportOptions probe = options_;
  probe.connect_timeout = timeout;
  probe.io_timeout = timeout;
  size_t n = 0;
  for (const auto& [peer, url] : urls) {
    httplib::Client c(url, options_.tls.cert_file, options_.tls.key_file);
    SetTimeouts(c, probe);
    ApplyClientTls(c, options_.tls);
    httplib::Result res = c.Post(kMessagesPath, SenderHeaders(options_), "",
                                 "application/octet-stream");
    if (res && res->status == 204) n++;
  }
  return n;
}

PeerTransport::PeerStats PeerTransport::Stats(uint64_t peer) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = senders_.find(peer);
  return it == senders_.end() ? PeerStats{} : it->second->stats();
}

void PeerTransport::ReportUnreachable(uint64_t peer) {
  if (callbacks_.unreachable) callbacks_.unreachable(peer);
}

void PeerTransport::ReportSnapshot(uint64_t peer, bool ok) {
  if (callbacks_.snapshot_status) callbacks_.snapshot_status(peer, ok);
}

void PeerTransport::RecordPost(uint64_t peer, bool ok, size_t bytes,
                               Clock::duration took,
                               const std::string& outcome) {
  if (metrics_ != nullptr) {
    if (ok) {
      metrics_->PeerSentBytes(peer).Inc(static_cast<double>(bytes));
      metrics_->PeerRoundTrip(peer).Observe(
          std::chrono::duration<double>(took).count());
    } else {
      metrics_->PeerSentFailures(peer).Inc();
    }
  }
  // One line per change of state, as etcd logs it, not one per failed
  // POST (a dead peer would log ten lines a second).
  bool changed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    changed = ok ? inactive_.erase(peer) != 0 : inactive_.insert(peer).second;
  }
  if (!changed || logger_ == nullptr) return;
  if (ok) {
    logger_->Info("peer became active", {{"peer-id", MemberIdHex(peer)}});
  } else {
    logger_->Warn("peer became inactive (message send to peer failed)",
                  {{"peer-id", MemberIdHex(peer)}, {"error", outcome}});
  }
}

namespace {

// Checks the sender's cluster and member id headers. Returns the sender id,
// or fills `res` with the refusal.
std::optional<uint64_t> CheckSender(
    const httplib::Request& req, httplib::Response& res, uint64_t cluster_id,
    const std::function<bool(uint64_t)>& is_removed) {
  std::optional<uint64_t> cluster =
      ParseHexId(req.get_header_value(kClusterHeader));
  std::optional<uint64_t> from = ParseHexId(req.get_header_value(kFromHeader));
  if (!cluster.has_value() || !from.has_value()) {
    res.status = 400;
    res.set_content("missing or bad X-Cairn-Cluster-ID/X-Cairn-From\n",
                    "text/plain");
    return std::nullopt;
  }
  if (*cluster != cluster_id) {
    res.status = 412;  // etcd's rafthttp answers a cluster mismatch so
    res.set_content("cluster ID mismatch\n", "text/plain");
    return std::nullopt;
  }
  if (is_removed && is_removed(*from)) {
    res.status = 410;  // etcd's rafthttp: the sender then stops itself
    res.set_content(
        "the member has been permanently removed from the cluster\n",
        "text/plain");
    return std::nullopt;
  }
  return from;
}

}  // namespace

void PeerTransport::HandleMessages(const httplib::Request& req,
                                   httplib::Response& res) {
  std::optional<uint64_t> from =
      CheckSender(req, res, options_.cluster_id, callbacks_.is_removed);
  if (!from.has_value()) return;
  if (req.body.size() > options_.max_receive_bytes) {
    res.status = 413;
    res.set_content("body too large\n", "text/plain");
    return;
  }
  Result<std::vector<raft::Message>> msgs = DecodeMessageBatch(req.body);
  if (!msgs.ok()) {
    res.status = 400;
    res.set_content(msgs.status().message() + "\n", "text/plain");
    return;
  }
  if (metrics_ != nullptr) {
    metrics_->PeerReceivedBytes(*from).Inc(
        static_cast<double>(req.body.size()));
  }
  if (!msgs.value().empty()) callbacks_.deliver(std::move(msgs).value());
  res.status = 204;
}

void PeerTransport::HandleStream(const httplib::Request& req,
                                 httplib::Response& res,
                                 const httplib::ContentReader& reader) {
  std::optional<uint64_t> from =
      CheckSender(req, res, options_.cluster_id, callbacks_.is_removed);
  if (!from.has_value()) return;
  std::string pending;  // the start of a frame not all here yet
  Status bad;
  bool removed = false;
  const bool read = reader([&](const char* data, size_t len) {
    // A stream that keeps coming must not hold the listener's Stop, nor
    // carry a member's messages past its removal.
    if (receiving_stopped_.load()) return false;
    if (callbacks_.is_removed && callbacks_.is_removed(*from)) {
      removed = true;
      return false;
    }
    pending.append(data, len);
    std::vector<raft::Message> msgs;
    size_t used = 0;
    bad =
        DecodeMessageFrames(pending, options_.max_receive_bytes, &used, &msgs);
    if (!bad.ok()) return false;
    pending.erase(0, used);
    if (metrics_ != nullptr) {
      metrics_->PeerReceivedBytes(*from).Inc(static_cast<double>(len));
    }
    if (!msgs.empty()) callbacks_.deliver(std::move(msgs));
    return true;
  });
  if (removed) {
    res.status = 410;  // as CheckSender: the sender then stops itself
    return;
  }
  if (receiving_stopped_.load()) {
    res.status = 503;
    return;
  }
  // What was delivered stays delivered: each frame is checked on its own.
  if (!bad.ok() || !read || !pending.empty()) {
    res.status = 400;
    res.set_content((bad.ok() ? std::string("stream ended inside a frame")
                              : bad.message()) +
                        "\n",
                    "text/plain");
    return;
  }
  res.status = 204;
}

void PeerTransport::HandleSnapshot(const httplib::Request& req,
                                   httplib::Response& res,
                                   const httplib::ContentReader& reader) {
  std::optional<uint64_t> from =
      CheckSender(req, res, options_.cluster_id, callbacks_.is_removed);
  if (!from.has_value()) return;
  std::string body;
  bool fits = reader([&](const char* data, size_t len) {
    body.append(data, len);
    return body.size() <= options_.max_snapshot_bytes;
  });
  if (!fits) {
    res.status = 413;
    res.set_content("snapshot too large\n", "text/plain");
    return;
  }
  Result<raft::Message> m = raft::DecodeMessage(body);
  if (!m.ok() || m.value().type != raft::MessageType::kSnap) {
    res.status = 400;
    res.set_content(m.ok() ? std::string("not a snapshot message\n")
                           : m.status().message() + "\n",
                    "text/plain");
    return;
  }
  if (metrics_ != nullptr) {
    metrics_->PeerReceivedBytes(*from).Inc(static_cast<double>(body.size()));
  }
  std::vector<raft::Message> one;
  one.push_back(std::move(m).value());
  callbacks_.deliver(std::move(one));
  res.status = 204;
}

void PeerTransport::RegisterHandlers(httplib::Server& server) {
  server.set_payload_max_length(
      std::max(options_.max_receive_bytes, options_.max_snapshot_bytes));
  // Peers keep one connection per stream open for as long as they live
  // (httplib would close it after 5 requests by default). The idle timeout
  // stays httplib's 5 s: heartbeats keep a live peer's connection busy.
  server.set_keep_alive_max_count(std::numeric_limits<size_t>::max());
  server.Post(kMessagesPath,
              [this](const httplib::Request& req, httplib::Response& res) {
                HandleMessages(req, res);
              });
  server.Post(kStreamPath,
              [this](const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) {
                {
                  std::lock_guard<std::mutex> lock(handlers_mu_);
                  handlers_++;
                }
                HandleStream(req, res, reader);
                std::lock_guard<std::mutex> lock(handlers_mu_);
                if (--handlers_ == 0) handlers_cv_.notify_all();
              });
  server.Post(kSnapshotPath,
              [this](const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader) {
                HandleSnapshot(req, res, reader);
              });
}

}  // namespace cairn::node
