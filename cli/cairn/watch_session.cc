#include "cli/cairn/watch_session.h"

namespace cairn::node {

QueueWatchSession::QueueWatchSession(size_t max_pending_bytes)
    : max_pending_bytes_(max_pending_bytes) {}

bool QueueWatchSession::Push(std::string encoded) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || finished_) return false;
    if (pending_bytes_ + encoded.size() > max_pending_bytes_ &&
        !queue_.empty()) {
      return false;  // an oversized single response still goes through
    }
    pending_bytes_ += encoded.size();
    queue_.push_back(std::move(encoded));
  }
  cv_.notify_all();
  return true;
}

void QueueWatchSession::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
  }
  cv_.notify_all();
}

bool QueueWatchSession::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

// Hands out everything queued at once: one chunk per wake-up keeps the
// number of writes low when responses come in bursts.
WatchSession::Poll QueueWatchSession::Next(std::string& out,
                                           std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, wait, [this] { return !queue_.empty() || finished_; });
  if (queue_.empty()) return finished_ ? Poll::kEnd : Poll::kIdle;
  out.clear();
  for (std::string& s : queue_) out += s;
  queue_.clear();
  pending_bytes_ = 0;
  return Poll::kData;
}

void QueueWatchSession::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    queue_.clear();
    pending_bytes_ = 0;
  }
  cv_.notify_all();
}

}  // namespace cairn::node
