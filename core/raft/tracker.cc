#include "core/raft/tracker.h"

namespace cairn::raft {

namespace {

class MatchAckIndexer : public AckedIndexer {
 public:
  explicit MatchAckIndexer(const ProgressMap& progress) : progress_(progress) {}
  bool AckedIndex(NodeId id, Index* index) const override {
    auto it = progress_.find(id);
    if (it == progress_.end()) return false;
    *index = it->second.match;
    return true;
  }

 private:
  const ProgressMap& progress_;
};

std::vector<NodeId> SetToVector(const std::set<NodeId>& s) {
  return std::vector<NodeId>(s.begin(), s.end());
}

}  // namespace

std::string TrackerConfig::ToString() const {
  std::string out = "voters=" + DescribeJointConfig(voters);
  if (!learners.empty()) out += " learners=" + DescribeMajorityConfig(learners);
  if (!learners_next.empty()) {
    out += " learners_next=" + DescribeMajorityConfig(learners_next);
  }
  if (auto_leave) out += " autoleave";
  return out;
}

ConfState ProgressTracker::GetConfState() const {
  ConfState cs;
  cs.voters = SetToVector(config_.voters.incoming);
  cs.voters_outgoing = SetToVector(config_.voters.outgoing);
  cs.learners = SetToVector(config_.learners);
  cs.learners_next = SetToVector(config_.learners_next);
  cs.auto_leave = config_.auto_leave;
  return cs;
}

bool ProgressTracker::IsSingleton() const {
  return config_.voters.incoming.size() == 1 && config_.voters.outgoing.empty();
}

Index ProgressTracker::Committed() const {
  return JointCommittedIndex(config_.voters, MatchAckIndexer(progress_));
}

bool ProgressTracker::QuorumActive() const {
  std::map<NodeId, bool> votes;
  for (const auto& [id, pr] : progress_) {
    if (pr.is_learner) continue;
    votes[id] = pr.recent_active;
  }
  return JointVoteResult(config_.voters, votes) == VoteResult::kVoteWon;
}

std::vector<NodeId> ProgressTracker::VoterNodes() const {
  return SetToVector(config_.voters.Ids());
}

std::vector<NodeId> ProgressTracker::LearnerNodes() const {
  return SetToVector(config_.learners);
}

void ProgressTracker::RecordVote(NodeId id, bool granted) {
  votes_.emplace(id, granted);
}

VoteTally ProgressTracker::TallyVotes() const {
  VoteTally tally;
  for (const auto& [id, pr] : progress_) {
    if (pr.is_learner) continue;
    auto it = votes_.find(id);
    if (it == votes_.end()) continue;
    if (it->second) {
      tally.granted++;
    } else {
      tally.rejected++;
    }
  }
  tally.result = JointVoteResult(config_.voters, votes_);
  return tally;
}

Progress* ProgressTracker::Get(NodeId id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

const Progress* ProgressTracker::Get(NodeId id) const {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

}  // namespace cairn::raft
