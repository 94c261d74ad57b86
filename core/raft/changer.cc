#include "core/raft/changer.h"

#include <algorithm>

#include "core/util/check.h"

namespace cairn::raft {

namespace {

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

// The number of ids in exactly one of a and b.
size_t SymDiff(const std::set<NodeId>& a, const std::set<NodeId>& b) {
  size_t n = 0;
  for (NodeId id : a) n += b.count(id) == 0;
  for (NodeId id : b) n += a.count(id) == 0;
  return n;
}

Status Invalid(const char* msg) { return Status::InvalidArgument(msg); }

}  // namespace

void CheckConfigInvariants(const TrackerConfig& cfg, const ProgressMap& prs) {
  auto has = [&](NodeId id) { return prs.count(id) != 0; };
  for (NodeId id : cfg.voters.Ids()) {
    CAIRN_CHECK(has(id), "no progress for voter %llu", U(id));
  }
  for (NodeId id : cfg.learners) {
    CAIRN_CHECK(has(id), "no progress for learner %llu", U(id));
    CAIRN_CHECK(cfg.voters.outgoing.count(id) == 0,
                "learner %llu is an outgoing voter", U(id));
    CAIRN_CHECK(cfg.voters.incoming.count(id) == 0,
                "learner %llu is an incoming voter", U(id));
    CAIRN_CHECK(prs.at(id).is_learner, "learner %llu not marked", U(id));
  }
  for (NodeId id : cfg.learners_next) {
    CAIRN_CHECK(has(id), "no progress for learner_next %llu", U(id));
    CAIRN_CHECK(cfg.voters.outgoing.count(id) != 0,
                "learner_next %llu is not an outgoing voter", U(id));
    CAIRN_CHECK(!prs.at(id).is_learner, "learner_next %llu is marked learner",
                U(id));
  }
  if (!cfg.joint()) {
    CAIRN_CHECK(cfg.learners_next.empty(), "learners_next outside joint");
    CAIRN_CHECK(!cfg.auto_leave, "auto_leave outside joint");
  }
}

ChangeResult Changer::Copy() const {
  CheckConfigInvariants(tracker_.config(), tracker_.progress());
  return ChangeResult{tracker_.config(), tracker_.progress()};
}

Result<ChangeResult> Changer::EnterJoint(
    bool auto_leave, const std::vector<ConfChangeSingle>& changes) {
  ChangeResult r = Copy();
  if (r.config.joint()) return Invalid("config is already joint");
  if (r.config.voters.incoming.empty()) {
    // Joint consensus needs a non-empty outgoing half: an empty one would
    // be a majority of nothing and agree to anything.
    return Invalid("can't make a zero-voter config joint");
  }
  r.config.voters.outgoing = r.config.voters.incoming;
  if (Status s = Apply(&r, changes); !s.ok()) return s;
  r.config.auto_leave = auto_leave;
  CheckConfigInvariants(r.config, r.progress);
  return r;
}

Result<ChangeResult> Changer::LeaveJoint() {
  ChangeResult r = Copy();
  if (!r.config.joint()) return Invalid("can't leave a non-joint config");
  for (NodeId id : r.config.learners_next) {
    r.config.learners.insert(id);
    r.progress.at(id).is_learner = true;
  }
  r.config.learners_next.clear();
  for (NodeId id : r.config.voters.outgoing) {
    const bool is_voter = r.config.voters.incoming.count(id) != 0;
    const bool is_learner = r.config.learners.count(id) != 0;
    if (!is_voter && !is_learner) r.progress.erase(id);
  }
  r.config.voters.outgoing.clear();
  r.config.auto_leave = false;
  CheckConfigInvariants(r.config, r.progress);
  return r;
}

Result<ChangeResult> Changer::Simple(
    const std::vector<ConfChangeSingle>& changes) {
  ChangeResult r = Copy();
  if (r.config.joint()) {
    return Invalid("can't apply simple config change in joint config");
  }
  if (Status s = Apply(&r, changes); !s.ok()) return s;
  // Changing two voters at once without a joint phase could create two
  // disjoint majorities (dissertation §4.1).
  if (SymDiff(tracker_.config().voters.incoming, r.config.voters.incoming) >
      1) {
    return Invalid("more than one voter changed without entering joint config");
  }
  CheckConfigInvariants(r.config, r.progress);
  return r;
}

Status Changer::Apply(ChangeResult* r,
                      const std::vector<ConfChangeSingle>& changes) const {
  for (const ConfChangeSingle& cc : changes) {
    if (cc.node_id == kNone) continue;  // etcd ignores id 0
    switch (cc.type) {
      case ConfChangeType::kAddNode:
        MakeVoter(r, cc.node_id);
        break;
      case ConfChangeType::kAddLearnerNode:
        MakeLearner(r, cc.node_id);
        break;
      case ConfChangeType::kRemoveNode:
        Remove(r, cc.node_id);
        break;
    }
  }
  if (r->config.voters.incoming.empty()) return Invalid("removed all voters");
  return Status::Ok();
}

void Changer::MakeVoter(ChangeResult* r, NodeId id) const {
  auto it = r->progress.find(id);
  if (it == r->progress.end()) {
    InitProgress(r, id, /*is_learner=*/false);
    return;
  }
  it->second.is_learner = false;
  r->config.learners.erase(id);
  r->config.learners_next.erase(id);
  r->config.voters.incoming.insert(id);
}

void Changer::MakeLearner(ChangeResult* r, NodeId id) const {
  auto it = r->progress.find(id);
  if (it == r->progress.end()) {
    InitProgress(r, id, /*is_learner=*/true);
    return;
  }
  if (it->second.is_learner) return;
  // Demote: drop the voter role but keep the progress...
  r->config.voters.incoming.erase(id);
  r->config.learners.erase(id);
  r->config.learners_next.erase(id);
  // ...and while the node still votes in the outgoing half it cannot be a
  // learner yet: it becomes one when the joint configuration is left.
  if (r->config.voters.outgoing.count(id) != 0) {
    r->config.learners_next.insert(id);
  } else {
    it->second.is_learner = true;
    r->config.learners.insert(id);
  }
}

void Changer::Remove(ChangeResult* r, NodeId id) const {
  if (r->progress.count(id) == 0) return;
  r->config.voters.incoming.erase(id);
  r->config.learners.erase(id);
  r->config.learners_next.erase(id);
  // An outgoing voter keeps its progress until the joint config is left.
  if (r->config.voters.outgoing.count(id) == 0) r->progress.erase(id);
}

void Changer::InitProgress(ChangeResult* r, NodeId id, bool is_learner) const {
  if (is_learner) {
    r->config.learners.insert(id);
  } else {
    r->config.voters.incoming.insert(id);
  }
  // Probe from the last index: the new member most likely has nothing and
  // the rejections walk next back quickly. It counts as recently active so
  // that check-quorum does not depose the leader before it answers.
  Progress pr(std::max<Index>(last_index_, 1), tracker_.max_inflight(),
              tracker_.max_inflight_bytes());
  pr.is_learner = is_learner;
  pr.recent_active = true;
  r->progress.emplace(id, std::move(pr));
}

ChangeResult Changer::Restore(const ConfState& cs, Index last_index,
                              size_t max_inflight,
                              uint64_t max_inflight_bytes) {
  ChangeResult r;
  r.config.voters.incoming.insert(cs.voters.begin(), cs.voters.end());
  r.config.voters.outgoing.insert(cs.voters_outgoing.begin(),
                                  cs.voters_outgoing.end());
  r.config.learners.insert(cs.learners.begin(), cs.learners.end());
  r.config.learners_next.insert(cs.learners_next.begin(),
                                cs.learners_next.end());
  r.config.auto_leave = cs.auto_leave && r.config.joint();
  for (NodeId id : r.config.voters.Ids()) {
    r.progress.emplace(
        id, Progress(last_index + 1, max_inflight, max_inflight_bytes));
  }
  for (NodeId id : r.config.learners) {
    Progress pr(last_index + 1, max_inflight, max_inflight_bytes);
    pr.is_learner = true;
    r.progress.emplace(id, std::move(pr));
  }
  CheckConfigInvariants(r.config, r.progress);
  return r;
}

}  // namespace cairn::raft
