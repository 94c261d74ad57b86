// ReadOnly: the leader's queue of pending ReadIndex requests (etcd-io/raft
// read_only.go, "ReadOnlySafe"). Each request records the commit index at
// arrival; it is answered once a quorum has acknowledged a heartbeat that
// carried its context, proving the leader was still the leader then
// (dissertation §6.4). Acks for a later request also confirm every earlier
// one, so they are answered in order.
//
// Pure core, single-threaded; contexts are kept in arrival order.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/raft/types.h"

namespace cairn::raft {

struct ReadIndexStatus {
  Message req;
  Index index = 0;
  std::map<NodeId, bool> acks;
};

class ReadOnly {
 public:
  // Queues a request (m.entries[0].data is its context) that must read at
  // least `index`. A duplicate context is ignored.
  void AddRequest(Index index, const Message& m);
  // Records that `id` acknowledged the heartbeat carrying `ctx`. Returns
  // the acks so far, or nullptr when ctx is unknown.
  const std::map<NodeId, bool>* RecvAck(NodeId id, const std::string& ctx);
  // Removes and returns every request up to and including ctx.
  std::vector<ReadIndexStatus> Advance(const std::string& ctx);
  // The context of the newest pending request ("" if none).
  std::string LastPendingRequestCtx() const;
  size_t pending() const { return queue_.size(); }

 private:
  std::map<std::string, ReadIndexStatus> pending_;
  std::vector<std::string> queue_;
};

}  // namespace cairn::raft
