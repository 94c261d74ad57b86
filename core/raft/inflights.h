// Inflights: the flow-control window of one follower (etcd-io/raft
// tracker/inflights.go). The leader records the last index and byte size of
// every MsgApp it sends in StateReplicate and frees them as the follower
// acknowledges; when either the message count or the byte budget is used
// up, the leader stops sending to that follower.
//
// Pure core, single-threaded. A ring buffer that grows up to `size` slots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/raft/types.h"

namespace cairn::raft {

class Inflights {
 public:
  // REQUIRES: size > 0. max_bytes == 0 means no byte limit.
  Inflights(size_t size, uint64_t max_bytes);

  // Records a message ending at `index` carrying `bytes`. REQUIRES: !Full()
  // and index greater than every recorded index.
  void Add(Index index, uint64_t bytes);
  // Frees every message ending at or before `to`.
  void FreeLE(Index to);
  // Frees the oldest message (a heartbeat response showed the follower
  // alive; if a message was lost, the next one reveals the gap).
  void FreeFirstOne();
  // True when no further message may be sent.
  bool Full() const;
  size_t Count() const { return count_; }
  uint64_t bytes() const { return bytes_; }
  void Reset();

 private:
  struct Slot {
    Index index = 0;
    uint64_t bytes = 0;
  };
  size_t start_ = 0;
  size_t count_ = 0;
  uint64_t bytes_ = 0;
  size_t size_;
  uint64_t max_bytes_;
  std::vector<Slot> buffer_;
};

}  // namespace cairn::raft
