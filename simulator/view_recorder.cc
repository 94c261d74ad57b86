// ViewRecorder (view_recorder.h).
#include "simulator/view_recorder.h"

#include <algorithm>
#include <utility>

namespace cairn::sim {

namespace {

constexpr uint64_t kViewEntries = 500;
constexpr int64_t kViewKeys = 100;
constexpr size_t kViewValueBytes = 64;

}  // namespace

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

ViewRecorder::ViewRecorder(EmitFn emit, NameFn name)
    : emit_(std::move(emit)), name_(std::move(name)) {}

void ViewRecorder::Member(uint64_t id, ServerNode& node, bool paused) {
  Seen& seen = seen_[id];
  nlohmann::json state = {{"n", name_(id)}};
  if (node.crashed()) {
    state["role"] = "down";
  } else {
    const server::Server& s = node.server();
    const raft::RaftStatus st = s.raft_status();
    state["role"] = s.removed() ? "removed" : RoleWord(st.soft_state.state);
    state["paused"] = paused;
    state["term"] = s.term();
    state["commit"] = st.hard_state.commit;
    state["applied"] = s.applied_index();
    state["lead"] = s.leader() == 0 ? "" : name_(s.leader());
    std::vector<std::string> voters;
    std::vector<std::string> learners;
    for (const api::Member& x : s.state().Members()) {
      (x.is_learner ? learners : voters).push_back(name_(x.id));
    }
    state["voters"] = voters;
    state["learners"] = learners;
  }
  std::string dump = state.dump();
  if (dump != seen.state) {
    seen.state = std::move(dump);
    emit_("state", std::move(state));
  }
  Log(id, node.disk(), seen);
  if (!node.crashed()) Keyspace(id, node.server(), seen);
}

// The log's terms, as a suffix that changed since the last record.
void ViewRecorder::Log(uint64_t id, SimLogStore& disk, Seen& seen) {
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
  if (first == seen.first && terms == seen.terms) return;
  size_t same = 0;
  if (first == seen.first) {
    while (same < terms.size() && same < seen.terms.size() &&
           terms[same] == seen.terms[same]) {
      same++;
    }
  }
  emit_("entries",
        {{"n", name_(id)},
         {"first", first},
         {"from", first + same},
         {"terms", std::vector<uint64_t>(
                       terms.begin() + static_cast<long>(same), terms.end())}});
  seen.first = first;
  seen.terms = std::move(terms);
}

void ViewRecorder::Keyspace(uint64_t id, const server::Server& s, Seen& seen) {
  if (s.applied_index() == seen.applied) return;
  seen.applied = s.applied_index();
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
  emit_("kv", {{"n", name_(id)},
               {"rev", s.state().kv().rev()},
               {"more", r.ok() && r.value().more},
               {"kvs", std::move(kvs)}});
}

void ViewRecorder::Cuts(const Network& network) {
  std::vector<std::vector<std::string>> cuts;
  for (const auto& [from, to] : network.Cuts()) {
    cuts.push_back({name_(from), name_(to)});
  }
  nlohmann::json j = cuts;
  std::string dump = j.dump();
  if (dump == cuts_) return;
  cuts_ = std::move(dump);
  emit_("net", {{"cuts", std::move(j)}});
}

}  // namespace cairn::sim
