// The scenario runner's host loop, time statements, faults and network
// (scenario_world.h).
#include "simulator/scenario_world.h"

#include <utility>

#include "core/raft/codec.h"
#include "core/raft/describe.h"
#include "core/util/check.h"
#include "core/util/strings.h"
#include "simulator/fault_plan.h"

namespace cairn::sim::scenario {

namespace {

// What a scenario's network is before its `network` lines: what the
// fuzzer's base link is (latency 1..5 ms, FIFO, no loss).
LinkConfig BaseLink() {
  LinkConfig l;
  l.latency_min = 1 * kMillis;
  l.latency_max = 5 * kMillis;
  return l;
}

server::Config ConfigFor(const Setup& s, uint64_t id,
                         const server::Config::SimBugs& bugs) {
  server::Config c;
  c.member_id = id;
  c.cluster_id = 0xc1;
  c.tick_ms = static_cast<int64_t>(s.tick / kMillis);
  c.election_ticks = s.election_ticks;
  c.heartbeat_ticks = s.heartbeat_ticks;
  c.pre_vote = s.pre_vote;
  c.check_quorum = s.check_quorum;
  c.snapshot_count = s.snapshot_count;
  c.request_timeout_ms = static_cast<int64_t>(s.request_timeout / kMillis);
  c.max_inflight_msgs = 64;
  c.max_size_per_msg = 64 * 1024;
  c.lessor.min_ttl_s = 1;
  c.lessor.checkpoint_interval_ms = 1000;
  c.lessor.expired_retry_interval_ms = 1000;
  c.sim_bugs = bugs;
  return c;
}

std::string MessageType(const raft::Message& m) {
  return std::string(raft::MessageTypeName(m.type));
}

}  // namespace

std::string FormatMicros(Micros t) {
  return StrFormat("%.3fs", static_cast<double>(t) / kSeconds);
}

RunReport RunScenario(const Scenario& scenario, const RunOptions& options) {
  ScenarioWorld world(scenario, options);
  return world.Run();
}

ScenarioWorld::ScenarioWorld(const Scenario& scenario,
                             const RunOptions& options)
    : scenario_(scenario),
      options_(options),
      seed_(options.seed.value_or(scenario.setup.seed)),
      rng_(seed_),
      net_rng_(rng_.Fork()),
      disk_rng_(rng_.Fork()),
      trace_(options.trace, 12),
      network_(net_rng_, BaseLink()),
      default_link_(BaseLink()),
      view_([this](std::string_view ev,
                   nlohmann::json f) { Emit(ev, std::move(f)); },
            [this](uint64_t id) { return Name(id); }) {
  ApplyLinkChange(default_link_, scenario.setup.network);
  network_.SetDefault(default_link_);
  report_.seed = seed_;
}

void ScenarioWorld::ApplyLinkChange(LinkConfig& cfg, const LinkChange& c) {
  if (c.latency_min) cfg.latency_min = *c.latency_min;
  if (c.latency_max) cfg.latency_max = *c.latency_max;
  if (cfg.latency_max < cfg.latency_min) cfg.latency_max = cfg.latency_min;
  if (c.loss_ppm) cfg.drop_ppm = *c.loss_ppm;
  if (c.duplicate_ppm) cfg.duplicate_ppm = *c.duplicate_ppm;
  if (c.reorder) cfg.reorder = *c.reorder;
}

RunReport ScenarioWorld::Run() {
  Start();
  for (const Statement& st : scenario_.statements) {
    if (failed_) break;
    Execute(st);
  }
  return Report();
}

void ScenarioWorld::Execute(const Statement& st) {
  current_ = &st;
  if (!st.narration.empty()) Emit("narrate", {{"text", st.narration}});
  Emit("statement", {{"line", st.pos.line}, {"source", st.source}});
  Step(st);
}

RunReport ScenarioWorld::Report() const {
  RunReport r = report_;
  r.ok = !failed_;
  r.simulated = queue_.now();
  r.messages = network_.stats().sent;
  return r;
}

void ScenarioWorld::ClearFailure() {
  failed_ = false;
  report_.failure.clear();
}

void ScenarioWorld::Start() {
  const Setup& s = scenario_.setup;
  Emit("start", {{"scenario", scenario_.file},
                 {"title", scenario_.title},
                 {"seed", seed_},
                 {"members", s.members}});
  if (!scenario_.narration.empty())
    Emit("narrate", {{"text", scenario_.narration}});
  for (int slot = 1; slot <= s.members; slot++) {
    AddMember(slot, static_cast<uint64_t>(slot));
  }
  for (const auto& [id, m] : members_) NoteMember(id);
  NoteNetwork();
}

// A member's process starts: founding members bootstrap the cluster,
// later ones (slot > members) wait for the leader's snapshot.
void ScenarioWorld::AddMember(int slot, uint64_t id) {
  const Setup& s = scenario_.setup;
  ServerNodeOptions o;
  o.config = ConfigFor(s, id, options_.bugs);
  if (slot <= s.members) {
    for (int i = 1; i <= s.members; i++) {
      o.config.initial_members.push_back(
          api::Member{.id = static_cast<uint64_t>(i),
                      .name = StrFormat("n%d", i),
                      .peer_urls = {StrFormat("http://10.0.0.%d:2380", i)},
                      .client_urls = {StrFormat("http://10.0.0.%d:2379", i)}});
    }
  }
  o.seed = rng_.Fork();
  o.logger = [this, slot](std::string_view line) {
    Emit("log", {{"n", StrFormat("n%d", slot)}, {"line", line}});
  };
  WorldMember m;
  m.slot = slot;
  m.node = std::make_unique<ServerNode>(std::move(o));
  members_.emplace(id, std::move(m));
  slots_[slot] = id;
  Event tick;
  tick.kind = EventKind::kTick;
  tick.node = id;
  queue_.After(rng_.Uniform(s.tick), std::move(tick));
}

std::vector<NodeId> ScenarioWorld::AllIds() const {
  std::vector<NodeId> ids;
  for (const auto& [id, m] : members_) ids.push_back(id);
  return ids;
}

// ---- Time ---------------------------------------------------------------

void ScenarioWorld::StepEvent() {
  Event ev = queue_.Pop();
  report_.events++;
  Dispatch(ev);
}

// Runs every event up to and including `until`, then sets the clock there.
void ScenarioWorld::RunFor(Micros until) {
  const uint64_t mark = next_token_++;
  Event m;
  m.kind = EventKind::kMark;
  m.op = mark;
  queue_.At(until, std::move(m));
  while (!failed_) {
    Event ev = queue_.Pop();
    if (ev.kind == EventKind::kMark && ev.op == mark) return;
    report_.events++;
    Dispatch(ev);
  }
}

void ScenarioWorld::Dispatch(Event& ev) {
  switch (ev.kind) {
    case EventKind::kTick:
      return OnTick(ev.node);
    case EventKind::kDeliver:
      return OnDeliver(ev);
    case EventKind::kSubmit:
      return Submit(ev.node, ev.op);
    case EventKind::kAnswer:
      return OnAnswer(ev.op);
    case EventKind::kMark:
      return;  // a wait that ended early
  }
}

void ScenarioWorld::Step(const Statement& st) {
  const Action& a = st.action;
  if (const auto* at = std::get_if<At>(&a)) {
    if (at->time < queue_.now()) {
      return Fail(StrFormat("`at` names %s, but the time is already %s",
                            FormatMicros(at->time).c_str(),
                            FormatMicros(queue_.now()).c_str()));
    }
    return RunFor(at->time);
  }
  if (const auto* after = std::get_if<After>(&a)) {
    return RunFor(queue_.now() + after->delay);
  }
  if (const auto* w = std::get_if<WaitUntil>(&a)) return Wait(*w);
  if (const auto* e = std::get_if<Expect>(&a)) {
    std::string actual;
    if (!Holds(e->condition, &actual) && !failed_) {
      Fail("expected " + st.source.substr(7) + ", but " + actual);
    }
    return;
  }
  if (const auto* c = std::get_if<Check>(&a)) {
    return c->linearizable ? CheckLinearizable() : CheckInvariants();
  }
  if (const auto* op = std::get_if<ClientOp>(&a)) return RunOp(*op);
  DoFault(a);
  NoteNetwork();
}

void ScenarioWorld::Wait(const WaitUntil& w) {
  const Micros deadline = queue_.now() + w.within;
  const uint64_t mark = next_token_++;
  Event m;
  m.kind = EventKind::kMark;
  m.op = mark;
  queue_.At(deadline, std::move(m));
  std::string actual;
  while (!failed_) {
    if (Holds(w.condition, &actual)) return;
    if (failed_) return;
    Event ev = queue_.Pop();
    if (ev.kind == EventKind::kMark && ev.op == mark) {
      return Fail(StrFormat("waited %s, but %s", FormatMicros(w.within).c_str(),
                            actual.c_str()));
    }
    report_.events++;
    Dispatch(ev);
  }
}

// ---- The host loop ------------------------------------------------------

void ScenarioWorld::OnTick(NodeId id) {
  WorldMember& m = M(id);
  const Micros tick = scenario_.setup.tick;
  Event next;
  next.kind = EventKind::kTick;
  next.node = id;
  queue_.After(tick * 100 / m.skew_percent, std::move(next));
  if (!Running(id) || queue_.now() < m.ticks_held_until) return;
  m.clock_ms += static_cast<int64_t>(tick / kMillis);
  m.node->server().Tick(m.clock_ms);
  AfterCall(id);
}

void ScenarioWorld::OnDeliver(Event& ev) {
  if (network_.IsCut(ev.from, ev.node)) {
    Emit("lost", {{"id", ev.msg_id}, {"why", "cut"}});
    return;
  }
  if (dropped_ids_.erase(ev.msg_id) != 0) {
    Emit("lost", {{"id", ev.msg_id}, {"why", "dropped"}});
    return;
  }
  auto it = members_.find(ev.node);
  if (it == members_.end() || it->second.node->crashed()) {
    Emit("lost", {{"id", ev.msg_id}, {"why", "down"}});
    return;
  }
  WorldMember& m = it->second;
  if (m.paused) {
    m.inbox.push_back(std::move(ev.msg));
    return;
  }
  Emit("deliver", {{"id", ev.msg_id}});
  m.node->server().Step(ev.msg);
  AfterCall(ev.node);
}

// After every input: the Server's loop runs, then its outputs leave unless
// the process died meanwhile.
void ScenarioWorld::AfterCall(NodeId id) {
  WorldMember& m = M(id);
  if (m.node->crashed()) return;
  server::Server& s = m.node->server();
  s.Process();
  Send(id);
  std::vector<server::ClientResponse> answers = s.TakeResponses();
  std::vector<server::StreamWatchResponse> watch = s.TakeWatchResponses();
  if (m.node->dead()) {
    Emit("crash-point", {{"n", Name(id)}, {"at", m.node->cause()}});
    return CrashMember(id, m.tear_at_crash_point, m.keep_at_crash_point);
  }
  for (server::ClientResponse& a : answers) {
    if (!pending_.has_value() || pending_->token != a.client_token) continue;
    pending_->arriving = std::move(a.result);
    Event ev;
    ev.kind = EventKind::kAnswer;
    ev.node = id;
    ev.op = a.client_token;
    queue_.After(1 * kMillis, std::move(ev));
  }
  for (server::StreamWatchResponse& w : watch) {
    for (auto& [name, ws] : watches_) {
      if (ws.stream != w.stream_id || ws.member != id) continue;
      for (mvcc::Event& e : w.response.events) ws.events.push_back(e);
      if (w.response.canceled) ws.canceled = true;
      Emit("watch", {{"watch", name},
                     {"events", w.response.events.size()},
                     {"canceled", w.response.canceled}});
    }
  }
  if (s.is_leader()) {
    if (auto v = checker_.ObserveLeader(id, s.term())) {
      Fail(v->invariant + ": " + v->detail);
    }
  }
  NoteMember(id);
}

void ScenarioWorld::Send(NodeId id) {
  ServerNode& node = *M(id).node;
  if (node.violation().has_value()) {
    return Fail(node.violation()->invariant + ": " + node.violation()->detail);
  }
  for (raft::Message& m : node.TakeMessages()) {
    Result<raft::Message> back = raft::DecodeMessage(raft::EncodeMessage(m));
    if (!back.ok() || !(back.value() == m)) {
      return Fail("codec: encode+decode changed " + raft::DescribeMessage(m));
    }
    auto drop = drops_.find({MessageType(m), m.from, m.to});
    if (drop != drops_.end() && drop->second > 0) {
      if (--drop->second == 0) drops_.erase(drop);
      Emit("drop", {{"msg", raft::DescribeMessage(m)},
                    {"from", Name(m.from)},
                    {"to", Name(m.to)},
                    {"type", MessageType(m)},
                    {"why", "drop next"}});
      continue;
    }
    std::vector<Micros> times = network_.Route(m.from, m.to, queue_.now());
    std::vector<uint64_t> ids;
    for (size_t i = 0; i < times.size(); i++)
      ids.push_back(view_.NextMessageId());
    Emit("send", {{"msg", raft::DescribeMessage(m)},
                  {"from", Name(m.from)},
                  {"to", Name(m.to)},
                  {"type", MessageType(m)},
                  {"ids", ids},
                  {"at", times}});
    for (size_t i = 0; i < times.size(); i++) {
      Event ev;
      ev.kind = EventKind::kDeliver;
      ev.node = m.to;
      ev.from = m.from;
      ev.msg_id = ids[i];
      ev.msg = back.value();
      queue_.At(times[i], std::move(ev));
    }
  }
}

// ---- Faults -------------------------------------------------------------

// A crash of the machine loses what was not synced (a torn write keeps
// half of the log's); a killed process loses nothing it wrote.
void ScenarioWorld::CrashMember(NodeId id, bool tearing, bool keep_written) {
  WorldMember& m = M(id);
  if (m.node->crashed()) return;
  storage::MemoryBackend::CrashOptions backend;
  uint64_t tear = tearing ? m.node->disk().unsynced_bytes() / 2 : 0;
  if (keep_written) {
    tear = m.node->disk().unsynced_bytes();
    backend.keep_unsynced = m.node->backend().unsynced_batches();
  }
  const ServerCrashReport r = m.node->Crash(tear, backend);
  Emit("crash", {{"n", Name(id)},
                 {"kill", keep_written},
                 {"log_lost_bytes", r.log.lost_bytes},
                 {"log_torn_bytes", r.log.torn_bytes},
                 {"backend_lost", r.backend_lost}});
  m.paused = false;
  m.inbox.clear();
  m.inbox_submits.clear();
  NoteMember(id);
  for (auto& [name, w] : watches_) {
    if (w.member == id) w.canceled = true;
  }
  if (pending_.has_value() && pending_->target == id &&
      !pending_->answer.has_value()) {
    pending_->answer =
        Status(Code::kUnavailable, "connection lost: " + Name(id) + " crashed");
  }
}

void ScenarioWorld::RestartMember(NodeId id) {
  WorldMember& m = M(id);
  if (!m.node->crashed()) {
    return Fail(Name(id) + " is running: only a member that is down restarts");
  }
  m.node->Disarm();
  const RecoveryReport r = m.node->Restart();
  m.clock_ms = 0;
  Emit("restart", {{"n", Name(id)},
                   {"discarded_bytes", r.discarded_bytes},
                   {"applied", m.node->server().applied_index()}});
  AfterCall(id);
}

void ScenarioWorld::ResumeMember(NodeId id) {
  WorldMember& m = M(id);
  if (!m.paused) return;
  m.paused = false;
  std::vector<raft::Message> inbox = std::move(m.inbox);
  std::vector<uint64_t> submits = std::move(m.inbox_submits);
  m.inbox.clear();
  m.inbox_submits.clear();
  for (const raft::Message& msg : inbox) m.node->server().Step(msg);
  for (uint64_t token : submits) Submit(id, token);
  AfterCall(id);
}

void ScenarioWorld::DoFault(const Action& a) {
  if (const auto* let = std::get_if<Let>(&a)) {
    const NodeId id = Resolve(let->member);
    if (id != 0) names_[let->name] = id;
    return;
  }
  if (const auto* n = std::get_if<SetNetwork>(&a)) {
    if (!n->from.has_value()) {
      ApplyLinkChange(default_link_, n->change);
      return network_.SetDefault(default_link_);
    }
    const NodeId from = Resolve(*n->from);
    const NodeId to = Resolve(*n->to);
    if (failed_) return;
    LinkConfig cfg = network_.Link(from, to);
    ApplyLinkChange(cfg, n->change);
    network_.SetLink(from, to, cfg);
    if (n->both_ways) network_.SetLink(to, from, cfg);
    return;
  }
  if (const auto* p = std::get_if<Partition>(&a)) {
    std::vector<std::vector<NodeId>> groups;
    for (const auto& g : p->groups) {
      groups.emplace_back();
      for (const MemberRef& r : g) groups.back().push_back(Resolve(r));
    }
    if (!failed_) network_.Partition(groups);
    return;
  }
  if (const auto* iso = std::get_if<Isolate>(&a)) {
    const NodeId id = Resolve(iso->member);
    if (failed_) return;
    std::vector<NodeId> others;
    for (NodeId o : AllIds()) {
      if (o != id) others.push_back(o);
    }
    return network_.Isolate(id, others);
  }
  if (const auto* c = std::get_if<Cut>(&a)) {
    const NodeId from = Resolve(c->from);
    const NodeId to = Resolve(c->to);
    if (failed_) return;
    auto act = [&](NodeId x, NodeId y) {
      c->restore ? network_.Restore(x, y) : network_.Cut(x, y);
    };
    act(from, to);
    if (c->both_ways) act(to, from);
    return;
  }
  if (std::holds_alternative<Heal>(a)) return network_.Heal();
  if (const auto* d = std::get_if<DropMessage>(&a)) {
    dropped_ids_.insert(d->id);
    return;
  }
  if (const auto* d = std::get_if<DropNext>(&a)) {
    const NodeId from = Resolve(d->from);
    const NodeId to = Resolve(d->to);
    if (!failed_) drops_[{d->type, from, to}]++;
    return;
  }
  DoMemberFault(a);
}

// The faults that act on one member.
void ScenarioWorld::DoMemberFault(const Action& a) {
  const MemberRef* ref = std::visit(
      [](const auto& x) -> const MemberRef* {
        if constexpr (requires { x.member; }) {
          return &x.member;
        } else {
          return nullptr;
        }
      },
      a);
  CAIRN_CHECK(ref != nullptr, "a statement the runner does not know");
  const NodeId id = Resolve(*ref);
  if (failed_) return;
  WorldMember& m = M(id);
  if (const auto* c = std::get_if<Crash>(&a)) {
    if (c->point.empty()) {
      return CrashMember(id, c->tearing, c->keep_written);
    }
    for (uint32_t p = 0; p < kCrashPoints; p++) {
      if (c->point == CrashPointName(static_cast<CrashPoint>(p))) {
        m.tear_at_crash_point = c->tearing;
        m.keep_at_crash_point = c->keep_written;
        return m.node->ArmCrash(static_cast<CrashPoint>(p));
      }
    }
    return Fail("unknown crash point " + c->point);
  }
  if (std::holds_alternative<Restart>(a)) return RestartMember(id);
  if (std::holds_alternative<Resume>(a)) return ResumeMember(id);
  if (m.node->crashed()) {
    return Fail(Name(id) + " is down (restart it first)");
  }
  if (std::holds_alternative<Pause>(a)) {
    m.paused = true;
    NoteMember(id);
  } else if (std::holds_alternative<FailSync>(a)) {
    m.node->disk().FailNextSync();
  } else if (const auto* s = std::get_if<Skew>(&a)) {
    m.skew_percent = s->percent > 0 ? s->percent : 1;
  } else if (const auto* j = std::get_if<ClockJump>(&a)) {
    if (j->back) {
      // The Server's clock may not go back: no tick reaches it until the
      // clock catches up again.
      m.ticks_held_until = queue_.now() + j->by;
    } else if (!m.paused) {
      m.clock_ms += static_cast<int64_t>(j->by / kMillis);
      m.node->server().Tick(m.clock_ms);
      AfterCall(id);
    }
  } else if (std::holds_alternative<Campaign>(a)) {
    if (m.paused) return Fail(Name(id) + " is paused");
    m.node->server().Campaign();
    AfterCall(id);
  }
}

void ScenarioWorld::Fail(const std::string& what) {
  if (failed_) return;
  failed_ = true;
  Emit("failed", {{"what", what}});
  std::string out;
  if (current_ != nullptr) {
    out = StrFormat("%s:%d: %s\n  statement: %s\n", scenario_.file.c_str(),
                    current_->pos.line, what.c_str(), current_->source.c_str());
  } else {
    out = scenario_.file + ": " + what + "\n";
  }
  out += StrFormat("  at %s (seed %llu)\n", FormatMicros(queue_.now()).c_str(),
                   static_cast<unsigned long long>(seed_));
  out += ClusterState();
  out += "  last trace lines:\n";
  for (const std::string& line : trace_.last()) out += "    " + line + "\n";
  report_.failure = std::move(out);
}

}  // namespace cairn::sim::scenario
