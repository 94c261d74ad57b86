// LoopPoller: what a host loop waits on between turns. Edge code.
//
// The loop sleeps in epoll_wait on an eventfd, which Wake() makes
// readable, and on the sockets it reads itself (the peer streams it has
// adopted, peer_stream_reader.h). A message that arrives on such a socket
// wakes the loop directly: handing it over from another thread would
// cost a second thread's wake-up, ~25 us of scheduling delay each on
// this 2-core VM, several times on a put's path.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "core/util/result.h"

namespace cairn::node {

class LoopPoller {
 public:
  // Errors: kIOError when epoll or the eventfd cannot be made.
  static Result<std::unique_ptr<LoopPoller>> Create();
  ~LoopPoller();  // closes the epoll and the eventfd, not the watched fds
  LoopPoller(const LoopPoller&) = delete;
  LoopPoller& operator=(const LoopPoller&) = delete;

  // Thread-safe: the current Wait, or the next, returns at once.
  void Wake();

  // ---- The loop's thread only ----------------------------------------------

  // Calls `on_ready` from Wait while `fd` is readable or hung up (level
  // triggered: until it has read what is there). False when epoll
  // refuses the fd.
  bool Add(int fd, std::function<void()> on_ready);
  // Stops watching `fd` (before it is closed). Safe from a handler.
  void Remove(int fd);
  size_t watched() const { return handlers_.size(); }
  // Waits up to `timeout` (0: not at all) for a Wake or a ready fd, and
  // runs the ready fds' handlers. Returns whether it was woken by Wake.
  bool Wait(std::chrono::milliseconds timeout);

 private:
  LoopPoller(int epoll_fd, int event_fd);

  const int epoll_fd_;
  const int event_fd_;
  std::map<int, std::function<void()>> handlers_;
  std::vector<int> ready_;  // Wait's ready fds
};

}  // namespace cairn::node
