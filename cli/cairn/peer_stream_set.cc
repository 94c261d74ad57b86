#include "cli/cairn/peer_stream_set.h"

#include <iterator>
#include <utility>

namespace cairn::node {

PeerStreamSet::PeerStreamSet(LoopPoller& poller, IsRemoved is_removed,
                             Step step)
    : poller_(poller),
      is_removed_(std::move(is_removed)),
      step_(std::move(step)) {}

PeerStreamSet::~PeerStreamSet() { Clear(); }

bool PeerStreamSet::Adopt(std::shared_ptr<PeerStreamReader> stream) {
  const int fd = stream->fd();
  if (!poller_.Add(fd, [this, fd] { Read(fd); })) return false;
  streams_[fd] = std::move(stream);
  Read(fd);
  return true;
}

void PeerStreamSet::Read(int fd) {
  auto it = streams_.find(fd);
  if (it == streams_.end()) return;
  PeerStreamReader& stream = *it->second;
  std::vector<raft::Message> msgs;
  if (is_removed_(stream.from())) {
    // As PeerTransport's handlers: the sender then stops itself.
    stream.End(410, "the member has been permanently removed from the cluster");
  } else {
    stream.Read(&msgs);
  }
  if (!msgs.empty()) step_(msgs);
  if (stream.ended()) Forget(it);
}

void PeerStreamSet::Sweep(Clock::time_point now) {
  if (now - swept_ < std::chrono::seconds(1)) return;
  swept_ = now;
  for (auto it = streams_.begin(); it != streams_.end();) {
    auto next = std::next(it);
    if (it->second->Idle(now)) {
      it->second->End(0);  // a silent sender gets no answer either
      Forget(it);
    }
    it = next;
  }
}

void PeerStreamSet::Clear() {
  while (!streams_.empty()) Forget(streams_.begin());
}

void PeerStreamSet::Forget(
    std::map<int, std::shared_ptr<PeerStreamReader>>::iterator it) {
  // Unwatched before the socket closes (with the last reference).
  poller_.Remove(it->first);
  streams_.erase(it);
}

}  // namespace cairn::node
