// PeerStreamSet: the peer streams a host loop reads itself
// (peer_stream_reader.h), each watched by the loop's LoopPoller. Edge
// code; every call on the loop's thread.
//
// A stream is read when its socket is readable, and once at adoption:
// the bytes the guard took off the socket with the head (a request that
// followed another on its connection) make the socket readable no more,
// and would wait for the sender's next write. A stream that ended (its
// answer given) is forgotten at once; one from a removed sender is
// answered 410; one silent for the idle timeout is closed unanswered
// (Sweep); Clear answers the rest 503.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "cli/cairn/loop_poller.h"
#include "cli/cairn/peer_stream_reader.h"
#include "core/raft/types.h"

namespace cairn::node {

class PeerStreamSet {
 public:
  using Clock = std::chrono::steady_clock;
  // Whether member `from` was removed from the cluster.
  using IsRemoved = std::function<bool(uint64_t from)>;
  // Steps the messages one read brought, in order.
  using Step = std::function<void(std::vector<raft::Message>&)>;

  // `poller` must outlive this.
  PeerStreamSet(LoopPoller& poller, IsRemoved is_removed, Step step);
  ~PeerStreamSet();  // Clear()
  PeerStreamSet(const PeerStreamSet&) = delete;
  PeerStreamSet& operator=(const PeerStreamSet&) = delete;

  // Watches `stream` and reads what it holds already. False (the stream
  // dropped, so answered 503) when the poller cannot watch its socket.
  bool Adopt(std::shared_ptr<PeerStreamReader> stream);
  // Closes, unanswered, the streams silent for their idle timeout; looks
  // at most once a second.
  void Sweep(Clock::time_point now);
  // Forgets every stream; each answers 503 (the loop is stopping).
  void Clear();
  size_t size() const { return streams_.size(); }

 private:
  void Read(int fd);
  void Forget(std::map<int, std::shared_ptr<PeerStreamReader>>::iterator it);

  LoopPoller& poller_;
  const IsRemoved is_removed_;
  const Step step_;
  std::map<int, std::shared_ptr<PeerStreamReader>> streams_;  // by fd
  Clock::time_point swept_;
};

}  // namespace cairn::node
