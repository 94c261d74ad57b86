#include "cli/cairn/watch_request_pump.h"

#include <httplib.h>

#include <utility>

namespace cairn::node {

WatchRequestPump::WatchRequestPump(const httplib::ContentReader& reader,
                                   size_t max_message_bytes) {
  thread_ = std::thread([this, reader, max_message_bytes] {
    api::WatchStreamDecoder dec(max_message_bytes);
    reader([&](const char* data, size_t n) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (ignore_rest_) return !stop_;
      }
      dec.Feed(std::string_view(data, n));
      return Drain(dec);
    });
    dec.Close();
    Drain(dec);
    std::shared_ptr<WatchSession> session;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ended_ = true;
      session = session_;
    }
    cv_.notify_all();
    if (session != nullptr) session->EndOfRequests();
  });
}

WatchRequestPump::~WatchRequestPump() { Stop(); }

bool WatchRequestPump::Drain(api::WatchStreamDecoder& dec) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_ && !ignore_rest_) {
    Result<std::optional<api::WatchRequest>> next = dec.Next();
    if (!next.ok()) {
      // A bad first message fails the call. A later one ends the
      // requests while the responses go on (as etcd's gateway does); the
      // rest of the body is read and dropped, because an aborted read
      // makes cpp-httplib set the response's status.
      if (!any_) {
        first_error_ = next.status();
        stop_ = true;
      }
      ignore_rest_ = true;
      break;
    }
    if (!next.value().has_value()) break;  // needs more bytes
    any_ = true;
    if (session_ != nullptr) {
      // Submit only queues work for the host: cheap under the lock, and
      // the lock keeps the order of requests.
      session_->Submit(std::move(*next.value()));
    } else {
      pending_.push_back(std::move(*next.value()));
    }
  }
  const bool go_on = !stop_;
  lock.unlock();
  cv_.notify_all();
  return go_on;
}

Result<std::vector<api::WatchRequest>> WatchRequestPump::First() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !pending_.empty() || stop_ || ended_; });
  if (!first_error_.ok()) {
    Status s = first_error_;
    lock.unlock();
    Stop();
    return s;
  }
  std::vector<api::WatchRequest> out(std::make_move_iterator(pending_.begin()),
                                     std::make_move_iterator(pending_.end()));
  pending_.clear();
  return out;
}

void WatchRequestPump::Attach(std::shared_ptr<WatchSession> session) {
  bool ended = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Requests read since First go first, in order, then later ones
    // straight from Drain.
    for (api::WatchRequest& r : pending_) session->Submit(std::move(r));
    pending_.clear();
    session_ = session;
    ended = ended_;
  }
  if (ended) session->EndOfRequests();
}

void WatchRequestPump::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace cairn::node
