#include "simulator/world.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/raft/codec.h"
#include "core/raft/describe.h"
#include "core/util/check.h"
#include "core/util/strings.h"
#include "simulator/world_internal.h"

namespace cairn::sim {

const char* PlantedBugName(PlantedBug bug) {
  switch (bug) {
    case PlantedBug::kNone:
      return "none";
    case PlantedBug::kSendBeforeSync:
      return "send-before-sync";
    case PlantedBug::kVoteNotPersisted:
      return "vote-not-persisted";
    case PlantedBug::kCommitPreviousTerm:
      return "commit-previous-term";
    case PlantedBug::kKeepConflictingSuffix:
      return "keep-conflicting-suffix";
    case PlantedBug::kFollowerLocalRead:
      return "follower-local-read";
    case PlantedBug::kSkipWatchEvent:
      return "skip-watch-event";
    case PlantedBug::kAppliedIndexApart:
      return "applied-index-apart";
  }
  return "?";
}

const char* WorkloadName(Workload w) {
  return w == Workload::kKv ? "kv" : "raft";
}

std::optional<Workload> ParseWorkload(std::string_view name) {
  if (name == "kv") return Workload::kKv;
  if (name == "raft") return Workload::kRaft;
  return std::nullopt;
}

bool BugFitsWorkload(PlantedBug bug, Workload w) {
  switch (bug) {
    case PlantedBug::kNone:
      return true;
    case PlantedBug::kFollowerLocalRead:
    case PlantedBug::kSkipWatchEvent:
    case PlantedBug::kAppliedIndexApart:
      return w == Workload::kKv;
    default:
      return w == Workload::kRaft;
  }
}

std::optional<PlantedBug> ParsePlantedBug(std::string_view name) {
  for (PlantedBug b :
       {PlantedBug::kNone, PlantedBug::kSendBeforeSync,
        PlantedBug::kVoteNotPersisted, PlantedBug::kCommitPreviousTerm,
        PlantedBug::kKeepConflictingSuffix, PlantedBug::kFollowerLocalRead,
        PlantedBug::kSkipWatchEvent, PlantedBug::kAppliedIndexApart}) {
    if (name == PlantedBugName(b)) return b;
  }
  return std::nullopt;
}

namespace internal {

namespace {

raft::PlantedBug RaftBugFor(PlantedBug bug) {
  switch (bug) {
    case PlantedBug::kCommitPreviousTerm:
      return raft::PlantedBug::kCommitPreviousTerm;
    case PlantedBug::kKeepConflictingSuffix:
      return raft::PlantedBug::kKeepConflictingSuffix;
    default:
      return raft::PlantedBug::kOff;
  }
}

FaultOptions FaultOptionsFor(const WorldOptions& o) {
  FaultOptions f;
  for (int i = 1; i <= o.nodes; i++) f.nodes.push_back(i);
  f.duration = o.duration;
  f.mean_gap = o.fault_gap;
  f.election_timeout = ElectionTimeout(o);
  // Episodes last up to 2 s or 3 election timeouts, whichever is longer,
  // so that with etcd's timing (1 s) a crash or partition still outlasts
  // the randomized timeout often enough to force elections.
  f.max_episode = std::max(f.max_episode, 3 * f.election_timeout);
  return f;
}

}  // namespace

LinkConfig BaseLink() {
  LinkConfig cfg;
  cfg.latency_min = 1 * kMillis;
  cfg.latency_max = 5 * kMillis;
  cfg.tail_ppm = 10000;
  cfg.tail_latency = 50 * kMillis;
  cfg.reorder = true;
  return cfg;
}

FaultPlan PlanForSeed(const WorldOptions& options) {
  if (!options.faults) return {};
  Random rng(options.seed ^ 0x9e3779b97f4a7c15ULL);
  return GenerateFaultPlan(rng, FaultOptionsFor(options));
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
  CAIRN_CHECK(options.tick_interval > 0, "ticks need a positive interval");
  CAIRN_CHECK(options.heartbeat_ticks >= 1 &&
                  options.election_ticks > options.heartbeat_ticks,
              "need 1 <= heartbeat ticks < election ticks");
  CAIRN_CHECK(options.tracing || options.trace == nullptr,
              "a trace file needs tracing on");
  // The plan is drawn from its own seed so that PlanFor agrees with Run.
  plan_ = options.plan.has_value() ? *options.plan : PlanFor(options);
  // A quarter of the seeds send one entry per MsgApp, so that a follower's
  // acknowledgements climb through old-term entries one at a time (what
  // Figure 8's counting bug needs to show).
  const bool drawn_small = rng_.OneIn(1, 4);
  const bool small_messages =
      options.message_size == WorldOptions::MessageSize::kMixed
          ? drawn_small
          : options.message_size == WorldOptions::MessageSize::kOneEntry;
  std::vector<raft::NodeId> voters;
  for (int i = 1; i <= options.nodes; i++) voters.push_back(i);
  for (NodeId id : voters) {
    SimNodeOptions o;
    o.id = id;
    o.voters = voters;
    o.seed = rng_.Fork();
    o.raft_bug = RaftBugFor(options.bug);
    o.heartbeat_tick = options.heartbeat_ticks;
    o.election_tick = options.election_ticks;
    o.drop_vote_on_write = options.bug == PlantedBug::kVoteNotPersisted;
    o.max_msg_bytes = small_messages ? 1 : 64 * 1024;
    if (options.tracing) {
      o.logger = [this, id](const std::string& line) {
        if (tracing()) Emit("raft", {{"n", id}, {"line", line}});
      };
    }
    members_.emplace_back();
    M(id).node = std::make_unique<SimNode>(std::move(o));
    M(id).checked_commit = M(id).node->snapshot_index();
    checker_.ResetApplied(id, M(id).node->snapshot_index());
  }
}

RunResult World::Run() {
  if (tracing())
    Emit("start", {{"seed", options_.seed},
                   {"nodes", options_.nodes},
                   {"plan", DescribeFaultPlan(plan_)}});
  for (NodeId id = 1; id <= members_.size(); id++) {
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
  if (!Running(id) || queue_.now() < m.ticks_held_until) return;
  m.node->raw().Tick();
  AfterStep(id);
}

void World::OnDeliver(Event& ev) {
  if (network_.IsCut(ev.from, ev.node)) {
    if (tracing())
      Emit("drop", {{"from", ev.from}, {"to", ev.node}, {"why", "cut"}});
    return;
  }
  Member& m = M(ev.node);
  if (m.node->crashed()) {
    if (tracing())
      Emit("drop", {{"from", ev.from}, {"to", ev.node}, {"why", "down"}});
    return;
  }
  if (m.paused) {
    m.inbox.push_back(std::move(ev.msg));
    return;
  }
  StepMessage(ev.node, std::move(ev.msg));
  AfterStep(ev.node);
}

void World::StepMessage(NodeId id, Message msg) {
  if (tracing()) Emit("deliver", {{"msg", raft::DescribeMessage(msg)}});
  // A message from a peer the member does not know is refused; Raft
  // copes with the loss like any other.
  Status s = M(id).node->raw().Step(std::move(msg));
  if (!s.ok() && tracing()) Emit("refused", {{"n", id}, {"why", s.ToString()}});
}

void World::AfterStep(NodeId id) {
  if (done_ || M(id).node->crashed()) return;
  ObserveRole(id);
  if (done_) return;
  ObserveCommits(id);
  if (done_) return;
  MaybeStartReady(id);
}

void World::MaybeStartReady(NodeId id) {
  SimNode& node = *M(id).node;
  if (!node.TakeReady()) return;
  const raft::Ready& rd = node.in_flight();
  // The write crash points wait for a Ready that writes something.
  const bool writes_any = rd.hard_state.has_value() || !rd.entries.empty() ||
                          rd.snapshot.has_value();
  if (writes_any && CrashPointHit(id, CrashPoint::kBeforeWrite)) return;
  node.WriteReady();
  if (tracing() && !rd.entries.empty()) {
    Emit("append", {{"n", id},
                    {"first", rd.entries.front().index},
                    {"last", rd.entries.back().index},
                    {"term", rd.entries.back().term}});
  }
  if (writes_any && CrashPointHit(id, CrashPoint::kAfterWrite)) return;
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
  Result<raft::Ready> rd = M(id).node->FinishSync();
  if (!rd.ok()) {
    // The disk's state is unknown after a failed fsync: fail-stop
    // (STYLE.md E5) rather than send or apply anything of this Ready.
    result_.stats.sync_failures++;
    return Crash(id, "fsync-failed");
  }
  if (tracing() && rd.value().hard_state.has_value()) {
    Emit("sync",
         {{"n", id}, {"hs", raft::DescribeHardState(*rd.value().hard_state)}});
  }
  FinishReady(id, std::move(rd).value());
}

// Steps 2-4 of the host contract, with a crash point between each.
void World::FinishReady(NodeId id, raft::Ready rd) {
  if (CrashPointHit(id, CrashPoint::kAfterSync)) return;
  if (options_.bug != PlantedBug::kSendBeforeSync) Send(std::move(rd.messages));
  if (done_ || CrashPointHit(id, CrashPoint::kAfterSend)) return;
  for (size_t i = 0; i < rd.committed_entries.size(); i++) {
    Apply(id, rd.committed_entries[i]);
    if (done_) return;
    if (i + 1 < rd.committed_entries.size() &&
        CrashPointHit(id, CrashPoint::kMidApply)) {
      return;
    }
  }
  if (CrashPointHit(id, CrashPoint::kAfterApply)) return;
  M(id).node->raw().Advance();
}

bool World::CrashPointHit(NodeId id, CrashPoint point) {
  Member& m = M(id);
  if (!m.crash_at.has_value() || *m.crash_at != point) return false;
  m.crash_at.reset();
  result_.stats.crash_points++;
  Crash(id, CrashPointName(point));
  return true;
}

void World::Send(std::vector<Message> msgs) {
  for (Message& m : msgs) {
    const SimLogStore& disk = M(m.from).node->disk();
    Check(CheckPersistenceContract(m, disk.durable_hard_state(),
                                   disk.durable_last_index()));
    if (done_) return;
    // Every message crosses the wire as bytes: what arrives is what the
    // codec decodes, and it must equal what was sent.
    Result<Message> back = raft::DecodeMessage(raft::EncodeMessage(m));
    if (!back.ok() || !(back.value() == m)) {
      return Fail("codec", "encode+decode changed " + raft::DescribeMessage(m));
    }
    std::vector<Micros> times = network_.Route(m.from, m.to, queue_.now());
    if (tracing()) {
      Emit("send",
           {{"msg", raft::DescribeMessage(m)}, {"copies", times.size()}});
    }
    for (size_t i = 0; i < times.size(); i++) {
      Event ev = Ev(EventKind::kDeliver, m.to);
      ev.from = m.from;
      // The last copy takes the decoded message; duplicates copy it.
      ev.msg = i + 1 == times.size() ? std::move(back).value() : back.value();
      queue_.At(times[i], std::move(ev));
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
  if (tracing())
    Emit("apply", {{"n", id}, {"index", e.index}, {"data", e.data}});
  if (e.data == kProbe) {
    m.applied_probe = true;
    bool all = true;
    for (const Member& other : members_) all = all && other.applied_probe;
    if (all) {
      if (tracing()) Emit("liveness-ok", json::object());
      done_ = true;
    }
  }
  auto it = pending_by_payload_.find(e.data);
  if (it == pending_by_payload_.end()) return;
  if (m.node->raw().raft().state() != StateType::kLeader) return;
  // The leader applied it: the client gets its answer.
  checker_.Acknowledge(e);
  result_.stats.acknowledged++;
  if (tracing()) Emit("ack", {{"n", id}, {"index", e.index}, {"data", e.data}});
  pending_.erase(it->second);
  pending_by_payload_.erase(it);
}

void World::ObserveRole(NodeId id) {
  Member& m = M(id);
  const raft::Raft& r = m.node->raw().raft();
  const bool new_leader = r.state() == StateType::kLeader &&
                          (m.state != StateType::kLeader || m.term != r.term());
  if (r.state() != m.state || r.term() != m.term) {
    if (tracing())
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
  const raft::RaftLog& log = r.log();
  Check(checker_.ObserveLeaderLog(id, r.term(), log.LastIndex(),
                                  [&log](Index i) -> std::optional<Term> {
                                    Result<Term> t = log.TermAt(i);
                                    if (!t.ok()) return std::nullopt;
                                    return t.value();
                                  }));
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
  if (tracing()) Emit("commit", {{"n", id}, {"index", committed}});
  const raft::Raft& r = m.node->raw().raft();
  if (r.state() == StateType::kLeader) {
    Result<Term> t = log.TermAt(committed);
    CAIRN_CHECK(t.ok(), "the leader's committed entry has no term");
    Check(checker_.ObserveLeaderCommit(id, r.term(), committed, t.value()));
    if (done_) return;
  }
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
  if (tracing())
    Emit("violation", {{"invariant", invariant}, {"detail", detail}});
  result_.ok = false;
  result_.invariant = std::move(invariant);
  result_.detail = std::move(detail);
  result_.at = queue_.now();
  done_ = true;
}

}  // namespace internal

FaultPlan PlanFor(const WorldOptions& options) {
  return internal::PlanForSeed(options);
}

Micros ElectionTimeout(const WorldOptions& options) {
  return options.tick_interval *
         static_cast<Micros>(std::max(options.election_ticks, 1));
}

RunResult RunWorld(const WorldOptions& options) {
  CAIRN_CHECK(BugFitsWorkload(options.bug, options.workload),
              "planted bug %s needs the other workload",
              PlantedBugName(options.bug));
  if (options.workload == Workload::kKv) return RunKvWorld(options);
  internal::World world(options);
  return world.Run();
}

}  // namespace cairn::sim
