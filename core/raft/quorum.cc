#include "core/raft/quorum.h"

#include <algorithm>
#include <vector>

namespace cairn::raft {

Index MajorityCommittedIndex(const MajorityConfig& voters,
                             const AckedIndexer& acked) {
  const size_t n = voters.size();
  if (n == 0) return UINT64_MAX;
  // Small configurations (the common case) sort on the stack.
  Index stack[7];
  std::vector<Index> heap;
  Index* srt = stack;
  if (n > 7) {
    heap.resize(n);
    srt = heap.data();
  }
  size_t i = 0;
  for (NodeId id : voters) {
    Index idx = 0;
    if (!acked.AckedIndex(id, &idx)) idx = 0;
    srt[i++] = idx;
  }
  std::sort(srt, srt + n);
  // With the acks sorted ascending, the entry at n - (n/2 + 1) is the
  // highest index that n/2 + 1 voters (a majority) have all reached.
  return srt[n - (n / 2 + 1)];
}

VoteResult MajorityVoteResult(const MajorityConfig& voters,
                              const std::map<NodeId, bool>& votes) {
  // An empty configuration always wins so that a joint configuration with
  // an empty outgoing half reduces to its incoming half.
  if (voters.empty()) return VoteResult::kVoteWon;
  size_t granted = 0;
  size_t missing = 0;
  for (NodeId id : voters) {
    auto it = votes.find(id);
    if (it == votes.end()) {
      missing++;
    } else if (it->second) {
      granted++;
    }
  }
  const size_t q = voters.size() / 2 + 1;
  if (granted >= q) return VoteResult::kVoteWon;
  if (granted + missing >= q) return VoteResult::kVotePending;
  return VoteResult::kVoteLost;
}

std::set<NodeId> JointConfig::Ids() const {
  std::set<NodeId> out = incoming;
  out.insert(outgoing.begin(), outgoing.end());
  return out;
}

Index JointCommittedIndex(const JointConfig& cfg, const AckedIndexer& acked) {
  return std::min(MajorityCommittedIndex(cfg.incoming, acked),
                  MajorityCommittedIndex(cfg.outgoing, acked));
}

VoteResult JointVoteResult(const JointConfig& cfg,
                           const std::map<NodeId, bool>& votes) {
  const VoteResult r1 = MajorityVoteResult(cfg.incoming, votes);
  const VoteResult r2 = MajorityVoteResult(cfg.outgoing, votes);
  if (r1 == r2) return r1;
  if (r1 == VoteResult::kVoteLost || r2 == VoteResult::kVoteLost) {
    return VoteResult::kVoteLost;
  }
  return VoteResult::kVotePending;
}

std::string DescribeMajorityConfig(const MajorityConfig& cfg) {
  std::string out = "(";
  bool first = true;
  for (NodeId id : cfg) {
    if (!first) out += " ";
    out += std::to_string(id);
    first = false;
  }
  return out + ")";
}

std::string DescribeJointConfig(const JointConfig& cfg) {
  std::string out = DescribeMajorityConfig(cfg.incoming);
  if (!cfg.outgoing.empty()) out += "&&" + DescribeMajorityConfig(cfg.outgoing);
  return out;
}

}  // namespace cairn::raft
