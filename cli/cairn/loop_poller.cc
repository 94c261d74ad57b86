#include "cli/cairn/loop_poller.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace cairn::node {

Result<std::unique_ptr<LoopPoller>> LoopPoller::Create() {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    return Status(Code::kIOError,
                  std::string("cannot create the host loop's epoll: ") +
                      std::strerror(errno));
  }
  const int ev = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.fd = ev;
  if (ev < 0 || ::epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) != 0) {
    const int err = errno;
    if (ev >= 0) ::close(ev);
    ::close(ep);
    return Status(Code::kIOError,
                  std::string("cannot create the host loop's eventfd: ") +
                      std::strerror(err));
  }
  return std::unique_ptr<LoopPoller>(new LoopPoller(ep, ev));
}

LoopPoller::LoopPoller(int epoll_fd, int event_fd)
    : epoll_fd_(epoll_fd), event_fd_(event_fd) {}

LoopPoller::~LoopPoller() {
  ::close(event_fd_);
  ::close(epoll_fd_);
}

void LoopPoller::Wake() {
  const uint64_t one = 1;
  // EAGAIN: the counter is full, so the loop is woken anyway.
  [[maybe_unused]] ssize_t n = ::write(event_fd_, &one, sizeof one);
}

bool LoopPoller::Add(int fd, std::function<void()> on_ready) {
  epoll_event e{};
  e.events = EPOLLIN | EPOLLRDHUP;
  e.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &e) != 0) return false;
  handlers_[fd] = std::move(on_ready);
  return true;
}

void LoopPoller::Remove(int fd) {
  if (handlers_.erase(fd) == 0) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

bool LoopPoller::Wait(std::chrono::milliseconds timeout) {
  std::array<epoll_event, 16> events;
  const int n =
      ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                   static_cast<int>(timeout.count()));
  bool woken = false;
  ready_.clear();  // kept between turns: no allocation per turn
  for (int i = 0; i < n; ++i) {
    const int fd = events[static_cast<size_t>(i)].data.fd;
    if (fd == event_fd_) {
      uint64_t count = 0;
      [[maybe_unused]] ssize_t r = ::read(event_fd_, &count, sizeof count);
      woken = true;
    } else {
      ready_.push_back(fd);
    }
  }
  // A handler may remove its own fd or another: look each up afresh.
  for (int fd : ready_) {
    auto it = handlers_.find(fd);
    if (it == handlers_.end()) continue;
    std::function<void()> handler = it->second;
    handler();
  }
  return woken;
}

}  // namespace cairn::node
