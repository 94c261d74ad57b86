// QueueWatchSession: the WatchSession the node hands to ClientApi for one
// /v3/watch stream. Edge code, thread-safe: the host loop pushes encoded
// responses (api::EncodeWatchResponse lines) and finishes the stream; the
// HTTP thread takes them with Next. The queue is bounded in bytes: when a
// client reads too slowly, Push refuses and the host cancels the stream's
// watchers (the core's watch hub already bounds what it holds per watcher).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>

#include "cli/cairn/client_api.h"

namespace cairn::node {

class QueueWatchSession : public WatchSession {
 public:
  explicit QueueWatchSession(size_t max_pending_bytes);

  // Host side. Queues one encoded response. False (nothing queued) when
  // the client is gone, the stream is finished, or the queue holds
  // max_pending_bytes already.
  bool Push(std::string encoded);
  // No more responses: Next answers kEnd once the queue is drained.
  void Finish();
  // True once the HTTP side closed the stream (the client went away or
  // the stream ended).
  bool closed() const;

  // HTTP side (WatchSession).
  Poll Next(std::string& out, std::chrono::milliseconds wait) override;
  void Close() override;
  // A plain queue has nobody to apply requests to: the node's session
  // (NodeHost::HostWatchSession) overrides this.
  void Submit(api::WatchRequest) override {}

 private:
  const size_t max_pending_bytes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  size_t pending_bytes_ = 0;       // guarded by mu_
  bool finished_ = false;          // guarded by mu_
  bool closed_ = false;            // guarded by mu_
};

}  // namespace cairn::node
