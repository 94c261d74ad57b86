#include "cli/cairn/watch_session.h"

#include <iterator>
#include <utility>

namespace cairn::node {

QueueWatchSession::QueueWatchSession(size_t max_pending_bytes)
    : max_pending_bytes_(max_pending_bytes) {}

bool QueueWatchSession::Push(std::string encoded) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || finished_) return false;
    pending_bytes_ += encoded.size();
    queue_.push_back(std::move(encoded));
  }
  cv_.notify_all();
  return true;
}

bool QueueWatchSession::has_room() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_bytes_ < max_pending_bytes_;
}

bool QueueWatchSession::AcquireRequestSlot() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] {
    return closed_ || finished_ || requests_in_flight_ < kMaxRequestsInFlight;
  });
  if (closed_ || finished_) return false;
  requests_in_flight_++;
  return true;
}

void QueueWatchSession::ReleaseRequestSlot() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (requests_in_flight_ > 0) requests_in_flight_--;
  }
  cv_.notify_all();
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

WatchSession::Poll QueueWatchSession::Take(std::deque<std::string>& out,
                                           std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, wait, [this] { return !queue_.empty() || finished_; });
  if (queue_.empty()) return finished_ ? Poll::kEnd : Poll::kIdle;
  out.swap(queue_);
  queue_.clear();
  const bool was_full = pending_bytes_ >= max_pending_bytes_;
  pending_bytes_ = 0;
  lock.unlock();
  if (was_full) OnRoom();
  return Poll::kData;
}

// Hands out everything queued at once: one chunk per wake-up keeps the
// number of writes low when responses come in bursts.
WatchSession::Poll QueueWatchSession::Next(std::string& out,
                                           std::chrono::milliseconds wait) {
  std::deque<std::string> taken;
  Poll p = Take(taken, wait);
  if (p != Poll::kData) return p;
  out.clear();
  for (std::string& s : taken) out += s;
  return p;
}

WatchSession::Poll QueueWatchSession::NextEach(std::vector<std::string>& out,
                                               std::chrono::milliseconds wait) {
  std::deque<std::string> taken;
  Poll p = Take(taken, wait);
  if (p != Poll::kData) return p;
  out.assign(std::make_move_iterator(taken.begin()),
             std::make_move_iterator(taken.end()));
  return p;
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
