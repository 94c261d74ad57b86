#include "simulator/world.h"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "core/raft/codec.h"
#include "core/raft/describe.h"
#include "core/util/check.h"
#include "core/util/random.h"
#include "core/util/strings.h"
#include "simulator/sim_node.h"
#include "simulator/trace.h"

namespace cairn::sim {

namespace {

using nlohmann::json;
using raft::Entry;
using raft::Index;
using raft::Message;
using raft::StateType;
using raft::Term;

// One event on the virtual clock. A plain struct rather than a variant:
// g++ 12 reports false maybe-uninitialized warnings on moved variants.
enum class EventKind : uint8_t {
  kTick,      // node
  kDeliver,   // from -> node, bytes
  kSync,      // node, value = incarnation
  kFault,     // value = index into the plan
  kPropose,   // the client's next proposal
  kRetry,     // value = proposal id
  kLiveness,  // the faulty phase ends
  kDeadline,  // the liveness bound passed
};

struct Event {
  EventKind kind = EventKind::kTick;
  NodeId node = 0;
  NodeId from = 0;
  uint64_t value = 0;
  std::string bytes;
};

Event Ev(EventKind kind, NodeId node = 0, uint64_t value = 0) {
  Event e;
  e.kind = kind;
  e.node = node;
  e.value = value;
  return e;
}

constexpr Micros kRetryDelay = 20 * kMillis;
constexpr Micros kProposalTimeout = 1 * kSeconds;
constexpr size_t kMaxPending = 64;
constexpr char kProbe[] = "liveness-probe";

// What the host knows of one member beyond its SimNode.
struct Member {
  std::unique_ptr<SimNode> node;
  bool paused = false;
  bool sync_done = false;          // the fsync finished while paused
  std::vector<std::string> inbox;  // deliveries held while paused
  uint32_t skew_percent = 100;
  StateType state = StateType::kFollower;
  Term term = 0;
  Index checked_commit = 0;  // committed entries already checked
  bool applied_probe = false;
};

struct Proposal {
  std::string payload;
};

class World {
 public:
  explicit World(const WorldOptions& options);
  RunResult Run();

 private:
  // Event handlers.
  void Dispatch(Event& ev);
  void OnTick(NodeId id);
  void OnDeliver(Event& ev);
  void OnSync(NodeId id, uint64_t incarnation);
  void OnFault(const Fault& f);
  void OnPropose();
  void OnLiveness();
  void OnDeadline();

  // Host loop pieces.
  void AfterStep(NodeId id);
  void MaybeStartReady(NodeId id);
  void CompleteReady(NodeId id);
  void Send(std::vector<Message> msgs);
  void Apply(NodeId id, const Entry& e);
  void StepMessage(NodeId id, const std::string& bytes);
  void Crash(NodeId id);
  void Restart(NodeId id);
  void Resume(NodeId id);
  void ObserveRole(NodeId id);
  void ObserveCommits(NodeId id);
  void TryPropose(uint64_t proposal);
  void ApplyLoss(uint32_t drop_ppm, uint32_t dup_ppm);

  Member& M(NodeId id) { return members_.at(id); }
  bool Running(NodeId id) { return !M(id).node->crashed() && !M(id).paused; }
  InvariantChecker::EntryAt EntryAtFn(NodeId id);
  void Fail(std::string invariant, std::string detail);
  void Check(std::optional<Violation> v);
  void Emit(std::string_view ev, json fields) {
    if (options_.tracing) trace_.Emit(queue_.now(), ev, std::move(fields));
  }

  WorldOptions options_;
  Random rng_;
  Random net_rng_;
  Random disk_rng_;
  Trace trace_;
  EventQueue<Event> queue_;
  Network network_;
  LinkConfig base_link_;
  FaultPlan plan_;
  std::map<NodeId, Member> members_;
  InvariantChecker checker_;
  // The client.
  NodeId leader_hint_ = 1;
  uint64_t next_proposal_ = 1;
  std::map<uint64_t, Proposal> pending_;
  std::map<std::string, uint64_t> pending_by_payload_;
  bool liveness_ = false;
  bool done_ = false;
  RunResult result_;
};

std::optional<Violation> CheckDurable(const Message& m,
                                      const raft::MemoryStorage& disk);

LinkConfig BaseLink() {
  LinkConfig cfg;
  cfg.latency_min = 1 * kMillis;
  cfg.latency_max = 5 * kMillis;
  cfg.tail_ppm = 10000;
  cfg.tail_latency = 50 * kMillis;
  cfg.reorder = true;
  return cfg;
}

FaultOptions FaultOptionsFor(const WorldOptions& o) {
  FaultOptions f;
  for (int i = 1; i <= o.nodes; i++) f.nodes.push_back(i);
  f.duration = o.duration;
  f.mean_gap = o.fault_gap;
  return f;
}

World::World(const WorldOptions& options)
    : options_(options),
      rng_(options.seed),
      net_rng_(rng_.Fork()),
      disk_rng_(rng_.Fork()),
      trace_(options.trace, options.keep_last),
      network_(net_rng_, BaseLink()),
      base_link_(BaseLink()) {
  CAIRN_CHECK(options.nodes >= 1, "a cluster needs members");
  CAIRN_CHECK(options.tracing || options.trace == nullptr,
              "a trace file needs tracing on");
  // The plan is drawn from its own seed so that PlanFor agrees with Run.
  plan_ = options.plan.has_value() ? *options.plan : PlanFor(options);
  std::vector<raft::NodeId> voters;
  for (int i = 1; i <= options.nodes; i++) voters.push_back(i);
  for (NodeId id : voters) {
    SimNodeOptions o;
    o.id = id;
    o.voters = voters;
    o.seed = rng_.Fork();
    if (options.tracing) {
      o.logger = [this, id](const std::string& line) {
        Emit("raft", {{"n", id}, {"line", line}});
      };
    }
    members_[id].node = std::make_unique<SimNode>(std::move(o));
    members_[id].checked_commit = members_[id].node->snapshot_index();
    checker_.ResetApplied(id, members_[id].node->snapshot_index());
  }
}

FaultPlan PlanForSeed(const WorldOptions& options) {
  if (!options.faults) return {};
  Random rng(options.seed ^ 0x9e3779b97f4a7c15ULL);
  return GenerateFaultPlan(rng, FaultOptionsFor(options));
}

RunResult World::Run() {
  Emit("start", {{"seed", options_.seed},
                 {"nodes", options_.nodes},
                 {"plan", DescribeFaultPlan(plan_)}});
  for (auto& [id, m] : members_) {
    queue_.At(rng_.Uniform(options_.tick_interval), Ev(EventKind::kTick, id));
  }
  for (size_t i = 0; i < plan_.size(); i++) {
    queue_.At(plan_[i].at, Ev(EventKind::kFault, 0, i));
  }
  if (options_.rate > 0) queue_.At(0, Ev(EventKind::kPropose));
  queue_.At(options_.duration + 1, Ev(EventKind::kLiveness));
  while (!done_ && !queue_.empty()) {
    Event ev = queue_.Pop();
    result_.stats.events++;
    Dispatch(ev);
  }
  CAIRN_CHECK(done_, "the run ended without a verdict");
  result_.stats.simulated = queue_.now();
  result_.stats.elections = checker_.terms_with_leader();
  result_.stats.messages = network_.stats().sent;
  result_.stats.trace_lines = trace_.lines();
  result_.last_trace = trace_.last();
  result_.plan = plan_;
  return result_;
}

void World::Dispatch(Event& ev) {
  switch (ev.kind) {
    case EventKind::kTick:
      return OnTick(ev.node);
    case EventKind::kDeliver:
      return OnDeliver(ev);
    case EventKind::kSync:
      return OnSync(ev.node, ev.value);
    case EventKind::kFault:
      if (!liveness_) OnFault(plan_[ev.value]);
      return;
    case EventKind::kPropose:
      return OnPropose();
    case EventKind::kRetry:
      if (pending_.count(ev.value) > 0) TryPropose(ev.value);
      return;
    case EventKind::kLiveness:
      return OnLiveness();
    case EventKind::kDeadline:
      return OnDeadline();
  }
}

void World::OnTick(NodeId id) {
  Member& m = M(id);
  // Skew stretches or shrinks one member's tick interval.
  queue_.After(options_.tick_interval * 100 / m.skew_percent,
               Ev(EventKind::kTick, id));
  if (!Running(id)) return;
  m.node->raw().Tick();
  AfterStep(id);
}

void World::OnDeliver(Event& ev) {
  if (network_.IsCut(ev.from, ev.node)) {
    Emit("drop", {{"from", ev.from}, {"to", ev.node}, {"why", "cut"}});
    return;
  }
  Member& m = M(ev.node);
  if (m.node->crashed()) {
    Emit("drop", {{"from", ev.from}, {"to", ev.node}, {"why", "down"}});
    return;
  }
  if (m.paused) {
    m.inbox.push_back(std::move(ev.bytes));
    return;
  }
  StepMessage(ev.node, ev.bytes);
  AfterStep(ev.node);
}

void World::StepMessage(NodeId id, const std::string& bytes) {
  Result<Message> m = raft::DecodeMessage(bytes);
  if (!m.ok()) {
    return Fail("codec",
                "a sent message does not decode: " + m.status().ToString());
  }
  if (options_.tracing) {
    Emit("deliver", {{"msg", raft::DescribeMessage(m.value())}});
  }
  // A message from a peer the member does not know is refused; Raft
  // copes with the loss like any other.
  Status s = M(id).node->raw().Step(m.value());
  if (!s.ok()) Emit("refused", {{"n", id}, {"why", s.ToString()}});
}

void World::AfterStep(NodeId id) {
  if (done_) return;
  ObserveRole(id);
  if (done_) return;
  ObserveCommits(id);
  if (done_) return;
  MaybeStartReady(id);
}

void World::MaybeStartReady(NodeId id) {
  SimNode& node = *M(id).node;
  if (!node.StartReady()) return;
  const raft::Ready& rd = node.in_flight();
  if (!rd.entries.empty()) {
    Emit("append", {{"n", id},
                    {"first", rd.entries.front().index},
                    {"last", rd.entries.back().index},
                    {"term", rd.entries.back().term}});
  }
  const bool writes = rd.must_sync || rd.snapshot.has_value();
  const Micros latency = writes ? disk_rng_.Range(options_.disk_latency_min,
                                                  options_.disk_latency_max)
                                : 0;
  if (options_.bug == PlantedBug::kSendBeforeSync) {
    Send(rd.messages);
  }
  queue_.After(latency, Ev(EventKind::kSync, id, node.incarnation()));
}

void World::OnSync(NodeId id, uint64_t incarnation) {
  Member& m = M(id);
  if (m.node->crashed() || m.node->incarnation() != incarnation) return;
  if (m.paused) {
    m.sync_done = true;  // the host handles it when it resumes
    return;
  }
  CompleteReady(id);
  AfterStep(id);
}

void World::CompleteReady(NodeId id) {
  SimNode& node = *M(id).node;
  raft::Ready rd = node.FinishSync();
  if (options_.tracing && rd.hard_state.has_value()) {
    Emit("sync", {{"n", id}, {"hs", raft::DescribeHardState(*rd.hard_state)}});
  }
  if (options_.bug != PlantedBug::kSendBeforeSync) Send(std::move(rd.messages));
  for (const Entry& e : rd.committed_entries) {
    Apply(id, e);
    if (done_) return;
  }
  node.raw().Advance();
}

// The persistence contract, checked on the sender's durable disk as each
// message leaves (ready.h): a message may only promise what survives a
// crash. Pre-votes carry a term the sender has not adopted, so they are
// exempt from the term check.
std::optional<Violation> CheckDurable(const Message& m,
                                      const raft::MemoryStorage& disk) {
  const raft::HardState& hs = disk.hard_state();
  auto violation = [&](const char* what) {
    return Violation{"persistence-contract",
                     StrFormat("%s before it was durable: %s (disk: %s, "
                               "last index %llu)",
                               what, raft::DescribeMessage(m).c_str(),
                               raft::DescribeHardState(hs).c_str(),
                               (unsigned long long)disk.LastIndex())};
  };
  const bool pre_vote = m.type == raft::MessageType::kPreVote ||
                        m.type == raft::MessageType::kPreVoteResp;
  if (!pre_vote && m.term > hs.term) return violation("sent a term");
  // A durable later term also binds: the member never returns to m.term
  // to vote again (a Ready may grant in term t and then in t+1).
  if (m.type == raft::MessageType::kVoteResp && !m.reject &&
      (hs.term < m.term || (hs.term == m.term && hs.vote != m.to))) {
    return violation("granted a vote");
  }
  if (m.type == raft::MessageType::kAppResp && !m.reject &&
      disk.LastIndex() < m.index) {
    return violation("acknowledged entries");
  }
  return std::nullopt;
}

void World::Send(std::vector<Message> msgs) {
  for (Message& m : msgs) {
    Check(CheckDurable(m, M(m.from).node->durable()));
    if (done_) return;
    std::string bytes = raft::EncodeMessage(m);
    Result<Message> back = raft::DecodeMessage(bytes);
    if (!back.ok() || !(back.value() == m)) {
      return Fail("codec", "encode+decode changed " + raft::DescribeMessage(m));
    }
    std::vector<Micros> times = network_.Route(m.from, m.to, queue_.now());
    if (options_.tracing) {
      Emit("send",
           {{"msg", raft::DescribeMessage(m)}, {"copies", times.size()}});
    }
    for (Micros t : times) {
      Event ev = Ev(EventKind::kDeliver, m.to);
      ev.from = m.from;
      ev.bytes = bytes;
      queue_.At(t, std::move(ev));
    }
  }
}

void World::Apply(NodeId id, const Entry& e) {
  Check(checker_.ObserveApplied(id, e));
  if (done_) return;
  Member& m = M(id);
  if (e.type == raft::EntryType::kConfChange) {
    Result<raft::ConfChange> cc = raft::DecodeConfChange(e.data);
    if (!cc.ok()) return Fail("codec", "committed conf change undecodable");
    m.node->raw().ApplyConfChange(cc.value());
  }
  if (e.data.empty()) return;
  Emit("apply", {{"n", id}, {"index", e.index}, {"data", e.data}});
  if (e.data == kProbe) {
    m.applied_probe = true;
    bool all = true;
    for (auto& [_, other] : members_) all = all && other.applied_probe;
    if (all) {
      Emit("liveness-ok", json::object());
      done_ = true;
    }
  }
  auto it = pending_by_payload_.find(e.data);
  if (it == pending_by_payload_.end()) return;
  if (m.node->raw().raft().state() != StateType::kLeader) return;
  // The leader applied it: the client gets its answer.
  checker_.Acknowledge(e);
  result_.stats.acknowledged++;
  Emit("ack", {{"n", id}, {"index", e.index}, {"data", e.data}});
  pending_.erase(it->second);
  pending_by_payload_.erase(it);
}

void World::ObserveRole(NodeId id) {
  Member& m = M(id);
  const raft::Raft& r = m.node->raw().raft();
  const bool new_leader = r.state() == StateType::kLeader &&
                          (m.state != StateType::kLeader || m.term != r.term());
  if (r.state() != m.state || r.term() != m.term) {
    Emit("role", {{"n", id},
                  {"state", raft::StateTypeName(r.state())},
                  {"term", r.term()}});
    m.state = r.state();
    m.term = r.term();
  }
  if (r.state() != StateType::kLeader) return;
  if (new_leader) {
    Check(checker_.ObserveLeader(id, r.term()));
    if (done_) return;
    Check(checker_.ObserveNewLeader(id, r.term(), EntryAtFn(id)));
    if (done_) return;
  }
  Check(checker_.ObserveLeaderLog(id, r.term(), r.log().LastIndex(),
                                  EntryAtFn(id)));
}

void World::ObserveCommits(NodeId id) {
  Member& m = M(id);
  const raft::RaftLog& log = m.node->raw().raft().log();
  const Index committed = log.committed();
  if (committed <= m.checked_commit) return;
  Result<std::vector<Entry>> ents =
      log.Slice(m.checked_commit + 1, committed + 1, raft::kNoLimit);
  CAIRN_CHECK(ents.ok(), "committed entries unreadable on %llu",
              static_cast<unsigned long long>(id));
  Emit("commit", {{"n", id}, {"index", committed}});
  for (const Entry& e : ents.value()) {
    Check(checker_.ObserveCommitted(id, m.node->raw().raft().term(), e));
    if (done_) return;
  }
  m.checked_commit = committed;
}

InvariantChecker::EntryAt World::EntryAtFn(NodeId id) {
  const raft::RaftLog& log = M(id).node->raw().raft().log();
  return [&log](Index i) -> std::optional<Entry> {
    if (i < log.FirstIndex() || i > log.LastIndex()) return std::nullopt;
    Result<std::vector<Entry>> ents = log.Slice(i, i + 1, raft::kNoLimit);
    if (!ents.ok() || ents.value().empty()) return std::nullopt;
    return ents.value().front();
  };
}

void World::Check(std::optional<Violation> v) {
  if (v.has_value()) Fail(v->invariant, v->detail);
}

void World::Fail(std::string invariant, std::string detail) {
  if (done_) return;
  Emit("violation", {{"invariant", invariant}, {"detail", detail}});
  result_.ok = false;
  result_.invariant = std::move(invariant);
  result_.detail = std::move(detail);
  result_.at = queue_.now();
  done_ = true;
}

void World::OnFault(const Fault& f) {
  result_.stats.faults++;
  Emit("fault", {{"fault", f.ToString()}});
  Member* m = f.node != 0 ? &M(f.node) : nullptr;
  switch (f.kind) {
    case FaultKind::kCutLinks:
      for (const Link& l : f.links) network_.Cut(l.from, l.to);
      break;
    case FaultKind::kRestoreLinks:
      for (const Link& l : f.links) network_.Restore(l.from, l.to);
      break;
    case FaultKind::kCrash:
      Crash(f.node);
      break;
    case FaultKind::kRestart:
      Restart(f.node);
      break;
    case FaultKind::kPause:
      if (!m->node->crashed()) m->paused = true;
      break;
    case FaultKind::kResume:
      Resume(f.node);
      break;
    case FaultKind::kSetLoss:
      ApplyLoss(f.value, f.value2);
      break;
    case FaultKind::kClearLoss:
      ApplyLoss(0, 0);
      break;
    case FaultKind::kTickSkew:
      m->skew_percent = f.value > 0 ? f.value : 1;
      break;
    case FaultKind::kClearSkew:
      m->skew_percent = 100;
      break;
  }
}

void World::Crash(NodeId id) {
  Member& m = M(id);
  m.node->Crash();
  m.paused = false;
  m.sync_done = false;
  m.inbox.clear();
  m.state = StateType::kFollower;
  m.term = 0;
}

void World::Restart(NodeId id) {
  Member& m = M(id);
  if (!m.node->crashed()) return;
  m.node->Restart();
  Emit("restart", {{"n", id}});
  // The new life re-reads its committed entries and applies them again.
  m.checked_commit = m.node->snapshot_index();
  checker_.ResetApplied(id, m.node->snapshot_index());
  m.applied_probe = false;
  AfterStep(id);
}

void World::ApplyLoss(uint32_t drop_ppm, uint32_t dup_ppm) {
  LinkConfig cfg = base_link_;
  cfg.drop_ppm = drop_ppm;
  cfg.duplicate_ppm = dup_ppm;
  network_.SetDefault(cfg);
}

void World::Resume(NodeId id) {
  Member& m = M(id);
  if (!m.paused) return;
  m.paused = false;
  // What arrived during the pause is handled now, in arrival order.
  std::vector<std::string> inbox = std::move(m.inbox);
  m.inbox.clear();
  for (const std::string& bytes : inbox) {
    StepMessage(id, bytes);
    if (done_) return;
  }
  if (m.sync_done) {
    m.sync_done = false;
    CompleteReady(id);
  }
  AfterStep(id);
}

void World::OnPropose() {
  if (liveness_) return;
  queue_.After(kSeconds / options_.rate, Ev(EventKind::kPropose));
  // A client with too much outstanding waits rather than pile up.
  if (pending_.size() >= kMaxPending) return;
  const uint64_t id = next_proposal_++;
  const std::string payload = StrFormat("p%llu", (unsigned long long)id);
  pending_[id] = Proposal{payload};
  pending_by_payload_[payload] = id;
  result_.stats.proposals++;
  TryPropose(id);
}

void World::TryPropose(uint64_t proposal) {
  const std::string& payload = pending_.at(proposal).payload;
  const NodeId target = leader_hint_;
  Member& m = M(target);
  NodeId next = target % static_cast<NodeId>(options_.nodes) + 1;
  if (Running(target)) {
    Status s = m.node->raw().Propose(payload);
    if (s.ok()) {
      Emit("propose", {{"n", target}, {"data", payload}});
      AfterStep(target);
      // No answer in time: propose again (a retry may commit twice; the
      // first application acknowledges).
      queue_.After(kProposalTimeout, Ev(EventKind::kRetry, 0, proposal));
      return;
    }
    const NodeId lead = m.node->raw().raft().lead();
    if (lead != raft::kNone && lead != target) next = lead;
  }
  leader_hint_ = next;
  queue_.After(kRetryDelay, Ev(EventKind::kRetry, 0, proposal));
}

void World::OnLiveness() {
  liveness_ = true;
  Emit("heal", json::object());
  network_.Heal();
  ApplyLoss(0, 0);
  for (auto& [id, m] : members_) {
    m.skew_percent = 100;
    if (m.node->crashed()) {
      OnFault(
          Fault{.at = queue_.now(), .kind = FaultKind::kRestart, .node = id});
      result_.stats.faults--;  // healing is not a fault
    }
    Resume(id);
  }
  const uint64_t id = next_proposal_++;
  pending_[id] = Proposal{kProbe};
  pending_by_payload_[kProbe] = id;
  result_.stats.proposals++;
  TryPropose(id);
  queue_.After(options_.liveness_bound, Ev(EventKind::kDeadline));
}

void World::OnDeadline() {
  std::string status;
  for (auto& [id, m] : members_) {
    status +=
        StrFormat(" n%llu:%s/t%llu/probe=%s", (unsigned long long)id,
                  std::string(raft::StateTypeName(m.state)).c_str(),
                  (unsigned long long)m.term, m.applied_probe ? "yes" : "no");
  }
  Fail("liveness",
       StrFormat("no leader committed the probe on every member within "
                 "%gs of healing;",
                 static_cast<double>(options_.liveness_bound) / kSeconds) +
           status);
}

}  // namespace

FaultPlan PlanFor(const WorldOptions& options) { return PlanForSeed(options); }

RunResult RunWorld(const WorldOptions& options) {
  World world(options);
  return world.Run();
}

}  // namespace cairn::sim
