#include "core/raft/types.h"

namespace cairn::raft {

uint64_t EntryBytes(const Entry& e) {
  return e.data.size() + kEntryOverheadBytes;
}

uint64_t PayloadBytes(const std::vector<Entry>& entries) {
  uint64_t total = 0;
  for (const Entry& e : entries) total += e.data.size();
  return total;
}

bool ConfChange::EnterJoint(bool* auto_leave) const {
  // A change of more than one node, or an explicit request for a joint
  // transition, goes through joint consensus (dissertation §4.3); a single
  // change under kAuto uses the one-at-a-time protocol instead.
  if (changes.size() <= 1 && transition == ConfChangeTransition::kAuto) {
    return false;
  }
  *auto_leave = transition != ConfChangeTransition::kJointExplicit;
  return true;
}

bool IsLocalMsg(MessageType t) {
  return t == MessageType::kHup || t == MessageType::kBeat ||
         t == MessageType::kUnreachable || t == MessageType::kSnapStatus ||
         t == MessageType::kCheckQuorum;
}

bool IsResponseMsg(MessageType t) {
  return t == MessageType::kAppResp || t == MessageType::kVoteResp ||
         t == MessageType::kHeartbeatResp || t == MessageType::kUnreachable ||
         t == MessageType::kPreVoteResp;
}

}  // namespace cairn::raft
