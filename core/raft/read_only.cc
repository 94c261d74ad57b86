#include "core/raft/read_only.h"

#include <algorithm>

namespace cairn::raft {

void ReadOnly::AddRequest(Index index, const Message& m) {
  const std::string& ctx = m.entries[0].data;
  if (pending_.count(ctx) != 0) return;
  pending_.emplace(ctx, ReadIndexStatus{m, index, {}});
  queue_.push_back(ctx);
}

const std::map<NodeId, bool>* ReadOnly::RecvAck(NodeId id,
                                                const std::string& ctx) {
  auto it = pending_.find(ctx);
  if (it == pending_.end()) return nullptr;
  it->second.acks[id] = true;
  return &it->second.acks;
}

std::vector<ReadIndexStatus> ReadOnly::Advance(const std::string& ctx) {
  std::vector<ReadIndexStatus> out;
  auto pos = std::find(queue_.begin(), queue_.end(), ctx);
  if (pos == queue_.end()) return out;
  for (auto it = queue_.begin(); it != pos + 1; ++it) {
    auto p = pending_.find(*it);
    out.push_back(std::move(p->second));
    pending_.erase(p);
  }
  queue_.erase(queue_.begin(), pos + 1);
  return out;
}

std::string ReadOnly::LastPendingRequestCtx() const {
  return queue_.empty() ? std::string() : queue_.back();
}

}  // namespace cairn::raft
