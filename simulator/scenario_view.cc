// The structured trace events the replay view (cairnsim run --html) draws:
// each member's role, term, commit and applied index and membership, its
// log's terms, its keyspace, and the network's cuts, each emitted when it
// changes (scenario_world.h). Bounded: the last kViewEntries entries of a
// log, the first kViewKeys keys of a keyspace.
#include <algorithm>

#include "core/util/strings.h"
#include "simulator/scenario_world.h"

namespace cairn::sim::scenario {

namespace {

constexpr uint64_t kViewEntries = 500;
constexpr int64_t kViewKeys = 100;
constexpr size_t kViewValueBytes = 64;

const char* RoleWord(raft::StateType s) {
  switch (s) {
    case raft::StateType::kLeader:
      return "leader";
    case raft::StateType::kCandidate:
      return "candidate";
    case raft::StateType::kPreCandidate:
      return "pre-candidate";
    default:
      return "follower";
  }
}

}  // namespace

void ScenarioWorld::NoteMember(NodeId id) {
  WorldMember& m = M(id);
  nlohmann::json state = {{"n", Name(id)}};
  if (m.node->crashed()) {
    state["role"] = "down";
  } else {
    const server::Server& s = m.node->server();
    const raft::RaftStatus st = s.raft_status();
    state["role"] = s.removed() ? "removed" : RoleWord(st.soft_state.state);
    state["paused"] = m.paused;
    state["term"] = s.term();
    state["commit"] = st.hard_state.commit;
    state["applied"] = s.applied_index();
    state["lead"] = s.leader() == 0 ? "" : Name(s.leader());
    std::vector<std::string> voters;
    std::vector<std::string> learners;
    for (const api::Member& x : s.state().Members()) {
      (x.is_learner ? learners : voters).push_back(Name(x.id));
    }
    state["voters"] = voters;
    state["learners"] = learners;
  }
  std::string dump = state.dump();
  if (dump != m.view_state) {
    m.view_state = std::move(dump);
    Emit("state", std::move(state));
  }
  NoteLog(id);
  if (!m.node->crashed()) NoteKeyspace(id);
}

// The log's terms, as a suffix that changed since the last note.
void ScenarioWorld::NoteLog(NodeId id) {
  WorldMember& m = M(id);
  SimLogStore& disk = m.node->disk();
  const uint64_t last = disk.LastIndex();
  uint64_t first = std::max<uint64_t>(disk.FirstIndex(), 1);
  if (last >= kViewEntries && first < last - kViewEntries + 1) {
    first = last - kViewEntries + 1;
  }
  std::vector<uint64_t> terms;
  for (uint64_t i = first; i <= last; i++) {
    Result<raft::Term> t = disk.TermAt(i);
    terms.push_back(t.ok() ? t.value() : 0);
  }
  if (first == m.view_first && terms == m.view_terms) return;
  size_t same = 0;
  if (first == m.view_first) {
    while (same < terms.size() && same < m.view_terms.size() &&
           terms[same] == m.view_terms[same]) {
      same++;
    }
  }
  Emit("entries",
       {{"n", Name(id)},
        {"first", first},
        {"from", first + same},
        {"terms", std::vector<uint64_t>(terms.begin() + static_cast<long>(same),
                                        terms.end())}});
  m.view_first = first;
  m.view_terms = std::move(terms);
}

void ScenarioWorld::NoteKeyspace(NodeId id) {
  WorldMember& m = M(id);
  const server::Server& s = m.node->server();
  if (s.applied_index() == m.view_applied) return;
  m.view_applied = s.applied_index();
  mvcc::RangeRequest all{.key = std::string(1, '\0'),
                         .range_end = std::string(1, '\0'),
                         .limit = kViewKeys};
  Result<mvcc::RangeResponse> r = s.state().Range(all);
  nlohmann::json kvs = nlohmann::json::object();
  if (r.ok()) {
    for (const mvcc::KeyValue& kv : r.value().kvs) {
      kvs[kv.key] = kv.value.size() > kViewValueBytes
                        ? kv.value.substr(0, kViewValueBytes) + "..."
                        : kv.value;
    }
  }
  Emit("kv", {{"n", Name(id)},
              {"rev", s.state().kv().rev()},
              {"more", r.ok() && r.value().more},
              {"kvs", std::move(kvs)}});
}

void ScenarioWorld::NoteNetwork() {
  std::vector<std::vector<std::string>> cuts;
  for (const auto& [from, to] : network_.Cuts()) {
    cuts.push_back({Name(from), Name(to)});
  }
  nlohmann::json j = cuts;
  std::string dump = j.dump();
  if (dump == view_cuts_) return;
  view_cuts_ = std::move(dump);
  Emit("net", {{"cuts", std::move(j)}});
}

}  // namespace cairn::sim::scenario
