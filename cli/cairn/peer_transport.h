// PeerTransport: Raft messages between members over HTTP (cpp-httplib).
// Edge code: owns threads and sockets; all public methods are thread-safe.
//
// Sending: each peer has one sender thread and a bounded queue. Send()
// never blocks: it queues the message, or drops it when the queue is full
// and reports the peer unreachable (as etcd's rafthttp does), so a dead or
// slow peer never holds up the others or the caller. The sender takes
// everything queued (up to max_batch_bytes) as one batch. After a quiet
// spell, a batch is POSTed to /raft/messages, whose answer says whether
// the peer takes this member's messages; the batches after it are written
// as the chunks of one long POST to /raft/stream, with no answer each (as
// etcd's rafthttp streams), until none has come for half the I/O timeout.
// A failed POST or chunk write drops its batch and reports the peer
// unreachable; Raft retransmits what matters. While a plain-HTTP stream
// is open and its sender waits with nothing queued, Send writes the
// messages to the stream's socket itself, as one chunk, without blocking
// (MSG_DONTWAIT): no thread is woken for them. What the socket does not
// take goes to the sender as usual (the rest of a chunk first).
//
// Snapshots (MsgSnap) go on a separate stream: a second thread per peer
// POSTs the encoded message to /raft/snapshot, written in chunks of
// snapshot_chunk_bytes, and reports the outcome through SnapshotStatusFn
// (Raft's ReportSnapshot). One snapshot per peer at a time; another one
// arriving meanwhile is refused at once (reported failed).
//
// Wire format of /raft/messages: the body is a sequence of frames
// [4-byte little-endian length][raft::EncodeMessage bytes] (the codec's own
// CRC32C covers each message). Headers X-Cairn-Cluster-ID and
// X-Cairn-From (16 hex digits) name the sender. The receiver decodes the
// whole body first and delivers nothing unless every frame is valid:
// a malformed body is answered 400, a foreign cluster 412, success 204.
// /raft/stream carries the same frames in a chunked body, each delivered
// as soon as it is whole; a bad frame ends the stream (400), after the
// frames before it were delivered. On a plain listener given
// StreamHandoff, a stream leaves the listener once its head is accepted
// and the host loop reads it itself (PeerStreamReader), so a message
// wakes the loop alone, not a worker first.
//
// Callbacks run on transport threads (sender threads for unreachable and
// snapshot status, HTTP server threads for delivery, the waiting room's
// for adopt_stream); they must be quick and thread-safe (the node hands
// them to its host loop's queue).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/cairn/plain_handoff.h"
#include "cli/cairn/tls.h"
#include "core/raft/types.h"
#include "core/util/result.h"

namespace httplib {
class Server;
struct Request;
struct Response;
class ContentReader;
}  // namespace httplib

namespace cairn::node {

class JsonLogger;
class PeerStreamReader;
struct NodeMetrics;

struct PeerTransportOptions {
  uint64_t local_id = 0;
  uint64_t cluster_id = 0;
  size_t queue_messages = 4096;  // per peer (etcd's stream buffer size)
  size_t max_batch_bytes = 4 << 20;
  size_t snapshot_chunk_bytes = 1 << 20;
  size_t max_receive_bytes = 64 << 20;  // per /raft/messages body
  size_t max_snapshot_bytes = 1 << 30;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds io_timeout{5000};
  // After a failed POST, messages are dropped (reported unreachable)
  // without trying to connect until this much time has passed.
  std::chrono::milliseconds retry_backoff{100};
  // Streams handed to the host loop at once (StreamHandoff); beyond
  // them, as from peers that open many, the listener's workers read.
  size_t max_loop_streams = 64;
  // For https peers: the certificate presented and the CA the peer's
  // certificate must chain to (--peer-cert-file, --peer-key-file,
  // --peer-trusted-ca-file).
  TlsInfo tls;
};

class PeerTransport {
 public:
  // The messages that arrived together (one body, one stream read), in
  // order: handed to the host loop as one task, they are stepped in one
  // turn (one Ready for all of them) and wake it once.
  using DeliverFn = std::function<void(std::vector<raft::Message>)>;
  using UnreachableFn = std::function<void(uint64_t peer)>;
  using SnapshotStatusFn = std::function<void(uint64_t peer, bool ok)>;

  struct Callbacks {
    DeliverFn deliver;                 // required
    UnreachableFn unreachable;         // may be empty
    SnapshotStatusFn snapshot_status;  // may be empty
    // Whether `peer` was removed from the cluster: its messages are then
    // answered 410 Gone, as etcd's rafthttp does. May be empty.
    std::function<bool(uint64_t peer)> is_removed;
    // A peer answered 410: this member was removed. May be empty.
    std::function<void()> removed_self;
    // Takes a stream the peer listener's guard handed over (see
    // StreamHandoff), for the host loop to read itself. Required by
    // StreamHandoff only.
    std::function<void(std::unique_ptr<PeerStreamReader>)> adopt_stream;
  };

  // `metrics` and `logger` are optional borrows; they must outlive this.
  PeerTransport(PeerTransportOptions options, Callbacks callbacks,
                NodeMetrics* metrics = nullptr, JsonLogger* logger = nullptr);
  ~PeerTransport();  // stops and joins every sender
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Starts the sender threads for `peer` at `url` ("http://host:port", or
  // "https://host:port": TLS with the options' tls).
  // Adding a known peer replaces its URL (its queue is dropped).
  void AddPeer(uint64_t peer, const std::string& url);
  void RemovePeer(uint64_t peer);

  // Queues each message for its `to` peer, or writes it (above). Never
  // blocks. A message to an unknown peer, or beyond a full queue, is
  // dropped and reported.
  void Send(std::vector<raft::Message> msgs);

  // Registers POST /raft/messages and /raft/snapshot on `server` (the peer
  // listener, owned by the caller, which must not outlive this).
  void RegisterHandlers(httplib::Server& server);

  // For a plain peer listener (HttpListener::set_plain_handoff): a
  // /raft/stream request that the handlers would accept (its cluster,
  // its sender, chunked, no Expect) leaves the listener once its head has
  // come, and goes to callbacks.adopt_stream as a PeerStreamReader. Other
  // requests, and streams once StopReceiving was called, stay with the
  // handlers.
  PlainHandoff StreamHandoff();

  // Ends the /raft/stream handlers at their next chunk (before the peer
  // listener stops: a live peer's stream never ends by itself).
  void StopReceiving();

  // How many of the peers answer an empty batch, each asked in turn with
  // `timeout` to connect and to answer. Blocks; for a starting member
  // (election_advance.h), not for the host loop.
  size_t CountReachable(std::chrono::milliseconds timeout) const;

  // Per-peer counters, for tests and logs.
  struct PeerStats {
    uint64_t sent_messages = 0;
    uint64_t sent_batches = 0;
    uint64_t dropped_messages = 0;
    uint64_t failed_posts = 0;
  };
  PeerStats Stats(uint64_t peer) const;

 private:
  class Sender;

  void ReportUnreachable(uint64_t peer);
  void ReportSnapshot(uint64_t peer, bool ok);
  // The sender named by `head` when it is a chunked /raft/stream request
  // of this cluster (what may be handed over); else nullopt.
  std::optional<uint64_t> StreamSender(std::string_view head) const;
  void RecordPost(uint64_t peer, bool ok, size_t bytes,
                  std::chrono::steady_clock::duration took,
                  const std::string& outcome);
  void HandleMessages(const httplib::Request& req, httplib::Response& res);
  void HandleStream(const httplib::Request& req, httplib::Response& res,
                    const httplib::ContentReader& reader);
  void HandleSnapshot(const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& reader);

  const PeerTransportOptions options_;
  const Callbacks callbacks_;
  NodeMetrics* const metrics_;
  JsonLogger* const logger_;
  mutable std::mutex mu_;
  std::map<uint64_t, std::unique_ptr<Sender>> senders_;  // guarded by mu_
  std::map<uint64_t, std::string> urls_;  // peer -> URL; guarded by mu_
  std::set<uint64_t> inactive_;           // peers whose last POST failed; mu_
  std::atomic<bool> receiving_stopped_{false};
  // Streams handed over and not yet closed; shared with their readers,
  // which may outlive this.
  std::shared_ptr<std::atomic<size_t>> loop_streams_ =
      std::make_shared<std::atomic<size_t>>(0);
  // /raft/stream handlers running; the destructor waits for none.
  std::mutex handlers_mu_;
  std::condition_variable handlers_cv_;
  size_t handlers_ = 0;  // guarded by handlers_mu_
};

// The /raft/messages body for `msgs`, and its inverse. DecodeMessageBatch
// fails (kCorruption, naming the frame) on any truncated or bad frame and
// then returns no message at all.
std::string EncodeMessageBatch(const std::vector<raft::Message>& msgs);
Result<std::vector<raft::Message>> DecodeMessageBatch(std::string_view body);
// Decodes the complete frames at the start of `data` into `out`, and sets
// `used` to the bytes they take; an incomplete last frame is left for
// later. Errors (kCorruption, naming the frame): a frame longer than
// `max_frame`, or one that does not decode.
Status DecodeMessageFrames(std::string_view data, size_t max_frame,
                           size_t* used, std::vector<raft::Message>* out);

}  // namespace cairn::node
