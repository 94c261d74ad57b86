// The scenario runner's view of the cluster (scenario_world.h): member
// names, conditions, the invariant and linearizability checks, and the
// state a failure report shows.
#include <algorithm>
#include <set>

#include "core/raft/describe.h"
#include "core/util/check.h"
#include "core/util/strings.h"
#include "simulator/scenario_world.h"

namespace cairn::sim::scenario {

namespace {

using U = unsigned long long;

bool Compare(int64_t got, Cmp cmp, int64_t want) {
  switch (cmp) {
    case Cmp::kEq:
      return got == want;
    case Cmp::kNe:
      return got != want;
    case Cmp::kLt:
      return got < want;
    case Cmp::kLe:
      return got <= want;
    case Cmp::kGt:
      return got > want;
    case Cmp::kGe:
      return got >= want;
  }
  return false;
}

}  // namespace

std::string ScenarioWorld::Name(NodeId id) const {
  auto it = members_.find(id);
  if (it == members_.end()) return StrFormat("member %llx", U(id));
  return StrFormat("n%d", it->second.slot);
}

std::optional<NodeId> ScenarioWorld::TryResolve(const MemberRef& ref,
                                                std::string* why) {
  switch (ref.kind) {
    case MemberRef::Kind::kId: {
      auto it = slots_.find(static_cast<int>(ref.id));
      if (it != slots_.end()) return it->second;
      *why = ref.text + " is not a member (yet)";
      return std::nullopt;
    }
    case MemberRef::Kind::kLeader: {
      const NodeId id = ElectedLeader();
      if (id != 0) return id;
      *why = "there is no leader";
      return std::nullopt;
    }
    case MemberRef::Kind::kFollower:
      for (const auto& [id, m] : members_) {
        if (Running(id) && !m.node->server().removed() &&
            m.node->server().raft_status().soft_state.state ==
                raft::StateType::kFollower) {
          return id;
        }
      }
      *why = "no running member is a follower";
      return std::nullopt;
    case MemberRef::Kind::kName: {
      auto it = names_.find(ref.name);
      if (it != names_.end()) return it->second;
      *why = ref.name + " was not bound by let";
      return std::nullopt;
    }
  }
  return std::nullopt;
}

NodeId ScenarioWorld::Resolve(const MemberRef& ref) {
  std::string why;
  std::optional<NodeId> id = TryResolve(ref, &why);
  if (!id.has_value()) {
    Fail(why);
    return 0;
  }
  return *id;
}

// A running member that leads with the highest term of the running
// members (a deposed leader that has not heard of the new term yet does
// not count).
NodeId ScenarioWorld::ElectedLeader() const {
  raft::Term top = 0;
  for (const auto& [id, m] : members_) {
    if (Running(id)) top = std::max(top, m.node->server().term());
  }
  for (const auto& [id, m] : members_) {
    if (Running(id) && m.node->server().is_leader() &&
        m.node->server().term() == top) {
      return id;
    }
  }
  return 0;
}

bool ScenarioWorld::Holds(const Condition& c, std::string* actual) {
  const NodeId leader = ElectedLeader();
  const std::string leader_text =
      leader == 0
          ? "there is no leader"
          : StrFormat("the leader is %s (term %llu)", Name(leader).c_str(),
                      U(M(leader).node->server().term()));
  if (std::holds_alternative<LeaderElected>(c)) {
    *actual = leader_text;
    return leader != 0;
  }
  if (std::holds_alternative<NoLeader>(c)) {
    for (const auto& [id, m] : members_) {
      if (Running(id) && m.node->server().is_leader()) {
        *actual = Name(id) +
                  StrFormat(" leads term %llu", U(m.node->server().term()));
        return false;
      }
    }
    return true;
  }
  if (const auto* a = std::get_if<LeaderAmong>(&c)) {
    *actual = leader_text;
    for (const MemberRef& r : a->members) {
      std::string why;
      std::optional<NodeId> id = TryResolve(r, &why);
      if (id.has_value() && *id == leader && leader != 0) return true;
    }
    return false;
  }
  if (const auto* f = std::get_if<FieldCmp>(&c)) return HoldsField(*f, actual);
  return HoldsMember(c, actual);
}

bool ScenarioWorld::HoldsField(const FieldCmp& f, std::string* actual) {
  int64_t got = 0;
  std::string who = "the highest term of the running members";
  if (!f.member.has_value()) {
    for (const auto& [id, m] : members_) {
      if (!m.node->crashed()) {
        got = std::max<int64_t>(got,
                                static_cast<int64_t>(m.node->server().term()));
      }
    }
  } else {
    std::string why;
    std::optional<NodeId> id = TryResolve(*f.member, &why);
    if (!id.has_value()) {
      *actual = why;
      return false;
    }
    ServerNode& n = *M(*id).node;
    who = Name(*id) + " " + std::string(FieldName(f.field));
    const bool down = n.crashed();
    switch (f.field) {
      case Field::kTerm:
        got = static_cast<int64_t>(down ? n.disk().durable_hard_state().term
                                        : n.server().term());
        break;
      case Field::kCommit:
        got = static_cast<int64_t>(
            down ? n.disk().durable_hard_state().commit
                 : n.server().raft_status().hard_state.commit);
        break;
      case Field::kLastIndex:
        got = static_cast<int64_t>(n.disk().LastIndex());
        break;
      default:
        if (down) {
          *actual = Name(*id) + " is down";
          return false;
        }
        got = f.field == Field::kApplied
                  ? static_cast<int64_t>(n.server().applied_index())
              : f.field == Field::kRevision
                  ? n.server().state().kv().rev()
                  : n.server().state().kv().compact_rev();
    }
  }
  *actual = StrFormat("%s is %lld", who.c_str(), static_cast<long long>(got));
  return Compare(got, f.cmp, f.value);
}

// The conditions about one member or one watch.
bool ScenarioWorld::HoldsMember(const Condition& c, std::string* actual) {
  if (const auto* w = std::get_if<WatchGot>(&c)) return HoldsWatch(*w, actual);
  if (const auto* m = std::get_if<MembersAre>(&c)) {
    return HoldsMembers(*m, actual);
  }
  const MemberRef* ref = nullptr;
  if (const auto* x = std::get_if<MemberIs>(&c)) ref = &x->member;
  if (const auto* x = std::get_if<EntryTerm>(&c)) ref = &x->member;
  if (const auto* x = std::get_if<Sees>(&c)) ref = &x->member;
  if (const auto* x = std::get_if<CaughtUp>(&c)) ref = &x->member;
  CAIRN_CHECK(ref != nullptr, "a condition the runner does not know");
  std::string why;
  std::optional<NodeId> resolved = TryResolve(*ref, &why);
  if (!resolved.has_value()) {
    *actual = why;
    return false;
  }
  const NodeId id = *resolved;
  ServerNode& n = *M(id).node;
  const std::string name = Name(id);
  if (const auto* is = std::get_if<MemberIs>(&c)) {
    return HoldsRole(id, is->role, actual);
  }
  if (n.crashed()) {
    if (const auto* e = std::get_if<EntryTerm>(&c)) {
      Result<raft::Term> t = n.disk().TermAt(e->index);
      const int64_t got = t.ok() ? static_cast<int64_t>(t.value()) : 0;
      *actual =
          StrFormat("%s (down) holds term %lld at index %llu", name.c_str(),
                    static_cast<long long>(got), U(e->index));
      return Compare(got, e->cmp, static_cast<int64_t>(e->term));
    }
    *actual = name + " is down";
    return false;
  }
  server::Server& s = n.server();
  if (const auto* e = std::get_if<EntryTerm>(&c)) {
    Result<raft::Term> t = n.disk().TermAt(e->index);
    const int64_t got = t.ok() ? static_cast<int64_t>(t.value()) : 0;
    *actual = StrFormat("%s holds term %lld at index %llu", name.c_str(),
                        static_cast<long long>(got), U(e->index));
    return Compare(got, e->cmp, static_cast<int64_t>(e->term));
  }
  if (const auto* see = std::get_if<Sees>(&c)) {
    Result<mvcc::RangeResponse> r =
        s.state().Range(mvcc::RangeRequest{.key = see->key});
    if (!r.ok()) {
      *actual = name + ": " + r.status().message();
      return false;
    }
    const auto& kvs = r.value().kvs;
    *actual = kvs.empty() ? name + " has no " + see->key
                          : StrFormat("%s has %s = \"%s\"", name.c_str(),
                                      see->key.c_str(), kvs[0].value.c_str());
    if (!see->value.has_value()) return kvs.empty();
    return !kvs.empty() && kvs[0].value == *see->value;
  }
  const auto& caught = std::get<CaughtUp>(c);
  (void)caught;
  const NodeId leader = ElectedLeader();
  if (leader == 0) {
    *actual = "there is no leader";
    return false;
  }
  // What is known committed: the highest commit index of the running
  // members (a new leader learns it only once an entry of its term
  // commits).
  raft::Index commit = 0;
  for (const auto& [other, om] : members_) {
    if (Running(other)) {
      commit =
          std::max(commit, om.node->server().raft_status().hard_state.commit);
    }
  }
  *actual = StrFormat("%s applied %llu of %llu committed", name.c_str(),
                      U(s.applied_index()), U(commit));
  return s.applied_index() >= commit;
}

bool ScenarioWorld::HoldsRole(NodeId id, Role role, std::string* actual) {
  ServerNode& n = *M(id).node;
  const std::string name = Name(id);
  if (role == Role::kDown) {
    *actual = name + (n.crashed() ? " is down" : " is up");
    return n.crashed();
  }
  if (n.crashed()) {
    *actual = name + " is down";
    return false;
  }
  if (role == Role::kPaused) {
    *actual = name + (M(id).paused ? " is paused" : " is not paused");
    return M(id).paused;
  }
  server::Server& s = n.server();
  if (role == Role::kRemoved) {
    *actual = name + (s.removed() ? " is removed" : " is not removed");
    return s.removed();
  }
  if (role == Role::kLearner || role == Role::kVoter) {
    for (const api::Member& m : s.state().Members()) {
      if (m.id != id) continue;
      *actual = name + (m.is_learner ? " is a learner" : " is a voter");
      return m.is_learner == (role == Role::kLearner);
    }
    *actual = name + " is not in its own membership";
    return false;
  }
  const raft::StateType st = s.raft_status().soft_state.state;
  *actual = StrFormat("%s is %s in term %llu", name.c_str(), RoleWord(st),
                      U(s.term()));
  switch (role) {
    case Role::kLeader:
      return st == raft::StateType::kLeader;
    case Role::kCandidate:
      return st == raft::StateType::kCandidate;
    case Role::kPreCandidate:
      return st == raft::StateType::kPreCandidate;
    default:
      return st == raft::StateType::kFollower;
  }
}

bool ScenarioWorld::HoldsMembers(const MembersAre& m, std::string* actual) {
  const NodeId leader = ElectedLeader();
  if (leader == 0) {
    *actual = "there is no leader";
    return false;
  }
  std::set<NodeId> want;
  for (const MemberRef& r : m.members) {
    std::string why;
    std::optional<NodeId> id = TryResolve(r, &why);
    if (!id.has_value()) {
      *actual = why;
      return false;
    }
    want.insert(*id);
  }
  std::set<NodeId> got;
  std::string names;
  for (const api::Member& x : M(leader).node->server().state().Members()) {
    if (x.is_learner != m.learners) continue;
    got.insert(x.id);
  }
  for (NodeId id : got) names += (names.empty() ? "" : " ") + Name(id);
  *actual =
      StrFormat("the leader's %s are %s", m.learners ? "learners" : "voters",
                names.empty() ? "none" : names.c_str());
  return got == want;
}

bool ScenarioWorld::HoldsWatch(const WatchGot& w, std::string* actual) {
  auto it = watches_.find(w.watch);
  if (it == watches_.end()) {
    *actual = "there is no watch " + w.watch;
    return false;
  }
  const WatchState& ws = it->second;
  std::string seen;
  for (const mvcc::Event& e : ws.events) {
    if (seen.size() > 300) {
      seen += " ...";
      break;
    }
    seen +=
        e.type == mvcc::Event::Type::kPut
            ? StrFormat(" put %s=%s@%lld", e.kv.key.c_str(), e.kv.value.c_str(),
                        static_cast<long long>(e.kv.mod_revision))
            : StrFormat(" delete %s@%lld", e.kv.key.c_str(),
                        static_cast<long long>(e.kv.mod_revision));
  }
  *actual = StrFormat("watch %s received %zu event(s)%s%s", w.watch.c_str(),
                      ws.events.size(), seen.empty() ? "" : ":", seen.c_str());
  if (ws.canceled) *actual += " and was canceled";
  switch (w.kind) {
    case WatchGot::Kind::kCount:
      return Compare(static_cast<int64_t>(ws.events.size()), w.cmp, w.count);
    case WatchGot::Kind::kCanceled:
      return ws.canceled;
    case WatchGot::Kind::kPut:
    case WatchGot::Kind::kDelete:
      for (const mvcc::Event& e : ws.events) {
        const bool put = e.type == mvcc::Event::Type::kPut;
        if (e.kv.key != w.key) continue;
        if (w.kind == WatchGot::Kind::kDelete && !put) return true;
        if (w.kind == WatchGot::Kind::kPut && put && e.kv.value == w.value) {
          return true;
        }
      }
      return false;
  }
  return false;
}

// Members at one applied index hold the same keyspace; members agree on
// every log entry that both hold at or below both commit indexes.
void ScenarioWorld::CheckInvariants() {
  std::map<raft::Index, std::pair<NodeId, uint32_t>> at_applied;
  for (const auto& [id, m] : members_) {
    if (m.node->crashed()) continue;
    const server::Server& s = m.node->server();
    const uint32_t hash = s.KvHash();
    auto [it, fresh] =
        at_applied.emplace(s.applied_index(), std::make_pair(id, hash));
    if (!fresh && it->second.second != hash) {
      return Fail(StrFormat(
          "state machine safety: %s and %s applied %llu but their keyspace "
          "hashes differ (%08x, %08x)",
          Name(it->second.first).c_str(), Name(id).c_str(),
          U(s.applied_index()), it->second.second, hash));
    }
  }
  for (const auto& [a, ma] : members_) {
    for (const auto& [b, mb] : members_) {
      if (b <= a) continue;
      SimLogStore& da = ma.node->disk();
      SimLogStore& db = mb.node->disk();
      const raft::Index lo = std::max(da.FirstIndex(), db.FirstIndex());
      const raft::Index hi = std::min({da.durable_hard_state().commit,
                                       db.durable_hard_state().commit,
                                       da.LastIndex(), db.LastIndex()});
      for (raft::Index i = lo; i <= hi; i++) {
        Result<raft::Term> ta = da.TermAt(i);
        Result<raft::Term> tb = db.TermAt(i);
        if (ta.ok() && tb.ok() && ta.value() != tb.value()) {
          return Fail(StrFormat(
              "log matching: committed index %llu has term %llu on %s and "
              "%llu on %s",
              U(i), U(ta.value()), Name(a).c_str(), U(tb.value()),
              Name(b).c_str()));
        }
      }
    }
  }
  Emit("check", {{"invariants", "ok"}});
}

void ScenarioWorld::CheckLinearizable() {
  std::vector<KvOp> ops;
  for (const KvOp& op : history_) {
    bool excluded = excluded_keys_.count(op.key) != 0;
    for (const auto& kv : op.compares)
      excluded |= excluded_keys_.count(kv.first) != 0;
    for (const auto& kv : op.writes)
      excluded |= excluded_keys_.count(kv.first) != 0;
    if (!excluded) ops.push_back(op);
  }
  const CheckResult r = sim::CheckLinearizable(ops);
  Emit("check", {{"linearizable", r.ToString()}});
  if (r.verdict == CheckResult::Verdict::kOk) return;
  std::string out = "the history is not linearizable: " + r.ToString();
  for (const KvOp& op : r.witness) out += "\n    " + op.ToString();
  Fail(out);
}

std::string ScenarioWorld::ClusterState() const {
  std::string out = "  cluster:\n";
  for (const auto& [id, m] : members_) {
    const ServerNode& n = *m.node;
    out += "    " + Name(id) + ": ";
    if (n.crashed()) {
      out += "down\n";
      continue;
    }
    const server::Server& s = n.server();
    const raft::RaftStatus st = s.raft_status();
    out += StrFormat(
        "%s term %llu commit %llu applied %llu revision %lld%s%s\n",
        RoleWord(st.soft_state.state), U(s.term()), U(st.hard_state.commit),
        U(s.applied_index()), static_cast<long long>(s.state().kv().rev()),
        m.paused ? " (paused)" : "", s.removed() ? " (removed)" : "");
  }
  std::string cuts;
  for (const auto& [from, to] : network_.Cuts()) {
    cuts += " " + Name(from) + "->" + Name(to);
  }
  out += "    cut links:" + (cuts.empty() ? std::string(" none") : cuts) + "\n";
  return out;
}

}  // namespace cairn::sim::scenario
