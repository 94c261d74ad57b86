// QueueWatchSession: the WatchSession the node hands to ClientApi for one
// /v3/watch stream. Edge code, thread-safe: the host loop pushes encoded
// responses (api::EncodeWatchResponse lines) and finishes the stream; the
// HTTP thread takes them with Next. The queue is bounded in bytes, softly:
// once it holds max_pending_bytes the host stops taking the stream's
// responses from the core (Server::HoldStream), whose watch hub holds them
// on each watcher's budget and replays history when that is full, as
// etcd's slow watchers do; a slow client slows its own stream, which is
// not ended for it (only a client that takes nothing for the listener's
// I/O timeout is taken as gone: the write fails).
// Requests of the stream are flow-controlled too (AcquireRequestSlot).
//
// The responses are queued encoded, by the stream's WatchEncoder (run on
// the host loop): the JSON gateway's lines (api::EncodeWatchResponse, the
// default) or, for a gRPC stream, serialized etcdserverpb.WatchResponse
// messages, which the gRPC side takes one by one (NextEach).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cli/cairn/client_api.h"
#include "core/api/response_header.h"
#include "core/mvcc/watch_hub.h"

namespace cairn::node {

// Encodes one watch response of a stream; `header` is the answering
// member's (cluster, member, term), the revision is the response's own.
using WatchEncoder = std::function<std::string(
    const mvcc::WatchResponse& resp, const api::ResponseHeader& header)>;

class QueueWatchSession
    : public WatchSession,
      public std::enable_shared_from_this<QueueWatchSession> {
 public:
  explicit QueueWatchSession(size_t max_pending_bytes);

  // Host side. Queues one encoded response. False (nothing queued) when
  // the client is gone or the stream is finished.
  bool Push(std::string encoded);
  // Whether the queue holds less than max_pending_bytes: the host takes
  // more of the stream's responses only then.
  bool has_room() const;
  // No more responses: Next answers kEnd once the queue is drained.
  void Finish();
  // True once the HTTP side closed the stream (the client went away or
  // the stream ended).
  bool closed() const;

  // Request flow control, for the producer's Submit: waits until fewer
  // than kMaxRequestsInFlight requests of this stream are submitted and
  // not yet applied, then counts one more. False (nothing counted) once
  // the stream is closed or finished. Blocking here stops the body's
  // reader, so a client flooding one stream with create requests is held
  // back by TCP as etcd's is by HTTP/2 flow control, and the host's queue
  // never holds more than this many of a stream's requests ahead of other
  // clients' work.
  bool AcquireRequestSlot();
  // The request counted by AcquireRequestSlot was applied (or dropped).
  void ReleaseRequestSlot();
  static constexpr size_t kMaxRequestsInFlight = 64;

  // HTTP side (WatchSession).
  Poll Next(std::string& out, std::chrono::milliseconds wait) override;
  // As Next, but each queued response apart (for a stream of messages).
  Poll NextEach(std::vector<std::string>& out, std::chrono::milliseconds wait);
  void Close() override;
  // A plain queue has nobody to apply requests to: the node's session
  // (NodeHost::HostWatchSession) overrides this.
  void Submit(api::WatchRequest) override {}

 protected:
  // Called (without the lock) when Next empties a queue that was full, so
  // that the host can take the responses it held back.
  virtual void OnRoom() {}

 private:
  // Waits as Next does and moves the queue into `out`.
  Poll Take(std::deque<std::string>& out, std::chrono::milliseconds wait);

  const size_t max_pending_bytes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  size_t pending_bytes_ = 0;       // guarded by mu_
  bool finished_ = false;          // guarded by mu_
  bool closed_ = false;            // guarded by mu_
  size_t requests_in_flight_ = 0;  // guarded by mu_
};

}  // namespace cairn::node
