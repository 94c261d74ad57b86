// The kv workload's host loop, messages and faults (kv_world.h).
#include "simulator/kv_world.h"

#include <utility>

#include "core/raft/codec.h"
#include "core/raft/describe.h"
#include "core/util/check.h"
#include "core/util/strings.h"
#include "simulator/server_bugs.h"
#include "simulator/world_internal.h"

namespace cairn::sim {

RunResult RunKvWorld(const WorldOptions& options) {
  kv::KvWorld world(options);
  return world.Run();
}

namespace kv {

namespace {

server::Config ConfigFor(const WorldOptions& o, NodeId id,
                         uint64_t snapshot_count) {
  server::Config c;
  c.member_id = id;
  c.cluster_id = 0xc1;
  for (int i = 1; i <= o.nodes; i++) {
    c.initial_members.push_back(
        api::Member{.id = static_cast<uint64_t>(i),
                    .name = StrFormat("n%d", i),
                    .peer_urls = {StrFormat("http://10.0.0.%d:2380", i)},
                    .client_urls = {StrFormat("http://10.0.0.%d:2379", i)}});
  }
  c.tick_ms = static_cast<int64_t>(o.tick_interval / kMillis);
  c.election_ticks = 10;
  c.heartbeat_ticks = 1;
  c.snapshot_count = snapshot_count;
  c.request_timeout_ms = 2000;
  c.max_inflight_msgs = 64;
  c.max_size_per_msg = 64 * 1024;
  // Leases of 1-3 s expire within a run; remaining TTLs are checkpointed
  // every 1 s, and a lost expiry revoke is proposed again after 1 s.
  c.lessor.min_ttl_s = 1;
  c.lessor.checkpoint_interval_ms = 1000;
  c.lessor.expired_retry_interval_ms = 1000;
  c.sim_bugs = ServerBugs(o.bug, o.kv_bug);
  return c;
}

}  // namespace

KvWorld::KvWorld(const WorldOptions& options)
    : options_(options),
      rng_(options.seed),
      net_rng_(rng_.Fork()),
      disk_rng_(rng_.Fork()),
      client_rng_(rng_.Fork()),
      trace_(options.trace, options.keep_last),
      network_(net_rng_, internal::BaseLink()),
      base_link_(internal::BaseLink()) {
  CAIRN_CHECK(options.nodes >= 1, "a cluster needs members");
  CAIRN_CHECK(options.tick_interval >= kMillis, "ticks are whole ms");
  CAIRN_CHECK(options.tracing || options.trace == nullptr,
              "a trace file needs tracing on");
  plan_ = options.plan.has_value() ? *options.plan : PlanFor(options);
  // Snapshots (and InstallSnapshot to laggards) every 20-200 entries.
  const uint64_t snapshot_count = rng_.Range(20, 200);
  for (NodeId id = 1; id <= static_cast<NodeId>(options.nodes); id++) {
    ServerNodeOptions o;
    o.config = ConfigFor(options, id, snapshot_count);
    o.seed = rng_.Fork();
    if (options.tracing) {
      o.logger = [this, id](std::string_view line) {
        if (tracing()) Emit("log", {{"n", id}, {"line", line}});
      };
    }
    members_.emplace_back();
    M(id).node = std::make_unique<ServerNode>(std::move(o));
  }
  for (int i = 0; i <= kClients; i++) {
    Client c;
    c.id = static_cast<uint64_t>(i + 1);
    c.probe = i == kClients;
    c.target = 1 + static_cast<NodeId>(client_rng_.Uniform(options.nodes));
    clients_.push_back(std::move(c));
  }
  watch_node_ = 1 + static_cast<NodeId>(rng_.Uniform(options.nodes));
  if (tracing()) {
    view_.emplace(
        [this](std::string_view ev, json f) { Emit(ev, std::move(f)); },
        [](uint64_t id) {
          return StrFormat("n%llu", static_cast<unsigned long long>(id));
        });
  }
}

RunResult KvWorld::Run() {
  if (tracing())
    Emit("start", {{"seed", options_.seed},
                   {"workload", "kv"},
                   {"nodes", options_.nodes},
                   {"watcher", watch_node_},
                   {"plan", DescribeFaultPlan(plan_)}});
  for (NodeId id = 1; id <= members_.size(); id++) View(id);
  ViewCuts();
  StartWatch();
  for (NodeId id = 1; id <= members_.size(); id++) {
    queue_.At(rng_.Uniform(options_.tick_interval), Ev(EventKind::kTick, id));
  }
  for (size_t i = 0; i < plan_.size(); i++) {
    queue_.At(plan_[i].at, Ev(EventKind::kFault, 0, i));
  }
  if (options_.rate > 0) {
    for (int i = 0; i < kClients; i++) {
      queue_.At(client_rng_.Uniform(100 * kMillis),
                Ev(EventKind::kNextOp, 0, i + 1));
    }
  }
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

void KvWorld::Dispatch(Event& ev) {
  switch (ev.kind) {
    case EventKind::kTick:
      return OnTick(ev.node);
    case EventKind::kDeliver:
      return OnDeliver(ev);
    case EventKind::kFault:
      if (!liveness_) OnFault(plan_[ev.value]);
      return;
    case EventKind::kNextOp:
      return OnNextOp(ev.value);
    case EventKind::kSubmit:
      return OnSubmit(ev.node, ev.value);
    case EventKind::kReply:
      return OnReply(ev.value);
    case EventKind::kTimeout:
      return OnTimeout(ev.value);
    case EventKind::kRetry:
      return OnRetry(ev.value);
    case EventKind::kLiveness:
      return OnLiveness();
    case EventKind::kSettle:
      return OnSettle();
    case EventKind::kDeadline:
      return OnDeadline();
  }
}

void KvWorld::StartWatch() {
  Member& m = M(watch_node_);
  if (m.node->crashed()) return;
  mvcc::WatchCreateRequest req;
  req.key = "k";  // k0..k4, kp and l0..l2
  req.range_end = "m";
  // First from revision 1 (the whole history); after a restart from the
  // first revision not yet seen.
  req.start_revision = watch_next_rev_ == 2 ? 1 : watch_next_rev_;
  Result<int64_t> id = m.node->server().CreateWatch(kWatchStream, req);
  CAIRN_CHECK(id.ok(), "watch: %s", id.status().ToString().c_str());
  if (tracing())
    Emit("watch", {{"n", watch_node_}, {"from", req.start_revision}});
  AfterCall(watch_node_);
}

void KvWorld::OnTick(NodeId id) {
  Member& m = M(id);
  queue_.After(options_.tick_interval * 100 / m.skew_percent,
               Ev(EventKind::kTick, id));
  if (!Running(id) || queue_.now() < m.ticks_held_until) return;
  m.clock_ms += static_cast<int64_t>(options_.tick_interval / kMillis);
  m.node->server().Tick(m.clock_ms);
  AfterCall(id);
}

void KvWorld::OnDeliver(Event& ev) {
  if (network_.IsCut(ev.from, ev.node)) {
    if (tracing()) Emit("lost", {{"id", ev.msg_id}, {"why", "cut"}});
    return;
  }
  Member& m = M(ev.node);
  if (m.node->crashed()) {
    if (tracing()) Emit("lost", {{"id", ev.msg_id}, {"why", "down"}});
    return;
  }
  if (m.paused) {
    m.inbox.push_back(InboxItem{.msg = std::move(ev.msg)});
    return;
  }
  if (tracing()) {
    Emit("deliver",
         {{"msg", raft::DescribeMessage(ev.msg)}, {"id", ev.msg_id}});
  }
  m.node->server().Step(ev.msg);
  AfterCall(ev.node);
}

// After every input: the Server's loop runs, then its outputs leave
// (messages to the network, answers to the clients, watch events to the
// watcher) unless the process died meanwhile.
void KvWorld::AfterCall(NodeId id) {
  Member& m = M(id);
  if (done_ || m.node->crashed()) return;
  server::Server& s = m.node->server();
  s.Process();
  Send(id);
  if (done_) return;
  std::vector<server::ClientResponse> answers = s.TakeResponses();
  std::vector<server::StreamWatchResponse> watch = s.TakeWatchResponses();
  if (m.node->dead()) return Crash(id, m.node->cause());
  CheckMember(id);
  if (done_) return;
  for (server::ClientResponse& a : answers) {
    Answer(id, a);
    if (done_) return;
  }
  std::map<uint64_t, std::vector<mvcc::WatchResponse>> past;
  for (server::StreamWatchResponse& w : watch) {
    if (w.stream_id == kWatchStream && id == watch_node_) {
      OnWatch(w.response);
      if (done_) return;
    } else if (w.stream_id > kPastWatchStream) {
      past[w.stream_id - kPastWatchStream].push_back(std::move(w.response));
    }
  }
  // A past watch is answered by the call that created it.
  for (Client& c : clients_) {
    if (c.busy && c.past_watch_on == id) {
      FinishPastWatch(id, c, past[c.id]);
      if (done_) return;
    }
  }
  if (s.is_leader()) Check(checker_.ObserveLeader(id, s.term()));
  View(id);
}

// After a call that applied entries on member `id`: its leases and its
// revision at the new applied index.
void KvWorld::CheckMember(NodeId id) {
  Member& m = M(id);
  const uint64_t applied = m.node->server().applied_index();
  if (applied == m.checked_applied) return;
  m.checked_applied = applied;
  CheckRevision(id);
  if (!done_) CheckMemberLeases(id);
}

// An answer leaves member `id` for its client.
void KvWorld::Answer(NodeId id, server::ClientResponse& a) {
  Client* c = ClientOf(a.client_token);
  if (c != nullptr && !a.result.ok() &&
      a.result.status().code() == Code::kNotLeader) {
    // A keep-alive goes to the leader (etcd's member forwards it there).
    c->leader_hint = M(id).node->server().leader();
  }
  // A serializable read is checked against the member that served it,
  // in the life that served it.
  if (c != nullptr && c->serializable && a.result.ok()) {
    if (const auto* r = std::get_if<mvcc::RangeResponse>(&a.result.value())) {
      CheckSerializable(id, c->op.key, *r);
      if (done_) return;
    }
  }
  const uint64_t reply = next_reply_++;
  replies_.emplace(reply, std::make_pair(a.client_token, std::move(a.result)));
  queue_.After(client_rng_.Range(200, 2000), Ev(EventKind::kReply, id, reply));
}

void KvWorld::Send(NodeId id) {
  ServerNode& node = *M(id).node;
  if (node.violation().has_value()) return Check(node.violation());
  for (Message& m : node.TakeMessages()) {
    // Every message crosses the wire as bytes (as in the Raft world).
    Result<Message> back = raft::DecodeMessage(raft::EncodeMessage(m));
    if (!back.ok() || !(back.value() == m)) {
      return Fail("codec", "encode+decode changed " + raft::DescribeMessage(m));
    }
    std::vector<Micros> times = network_.Route(m.from, m.to, queue_.now());
    std::vector<uint64_t> ids;
    if (tracing()) {
      for (size_t i = 0; i < times.size(); i++) {
        ids.push_back(view_->NextMessageId());
      }
      Emit("send",
           {{"msg", raft::DescribeMessage(m)},
            {"copies", times.size()},
            {"from",
             StrFormat("n%llu", static_cast<unsigned long long>(m.from))},
            {"to", StrFormat("n%llu", static_cast<unsigned long long>(m.to))},
            {"type", raft::MessageTypeName(m.type)},
            {"ids", ids},
            {"at", times}});
    }
    for (size_t i = 0; i < times.size(); i++) {
      Event ev = Ev(EventKind::kDeliver, m.to);
      ev.from = m.from;
      if (tracing()) ev.msg_id = ids[i];
      ev.msg = i + 1 == times.size() ? std::move(back).value() : back.value();
      queue_.At(times[i], std::move(ev));
    }
  }
}

void KvWorld::OnFault(const Fault& f) {
  result_.stats.faults++;
  if (tracing()) Emit("fault", {{"fault", f.ToString()}});
  Member* m = f.node != 0 ? &M(f.node) : nullptr;
  switch (f.kind) {
    case FaultKind::kCutLinks:
      for (const Link& l : f.links) network_.Cut(l.from, l.to);
      ViewCuts();
      break;
    case FaultKind::kRestoreLinks:
      for (const Link& l : f.links) network_.Restore(l.from, l.to);
      ViewCuts();
      break;
    case FaultKind::kCrash:
      Crash(f.node, "fault");
      break;
    case FaultKind::kRestart:
      // An armed crash or fsync failure that never fired expires here.
      m->node->Disarm();
      Restart(f.node);
      break;
    case FaultKind::kPause:
      if (!m->node->crashed()) m->paused = true;
      View(f.node);
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
    case FaultKind::kCrashAt:
      m->node->ArmCrash(static_cast<CrashPoint>(f.value % kCrashPoints));
      break;
    case FaultKind::kSyncFail:
      m->node->disk().FailNextSync();
      break;
    case FaultKind::kClockJump:
      ClockJump(f.node, f.value, f.value2 != 0);
      break;
  }
}

void KvWorld::Crash(NodeId id, const char* why) {
  Member& m = M(id);
  if (m.node->crashed()) return;
  const bool at_point = m.node->dead();
  if (at_point && std::string_view(why) == "fsync-failed") {
    result_.stats.sync_failures++;
  } else if (at_point) {
    result_.stats.crash_points++;
  }
  const ServerCrashReport r = m.node->Crash(disk_rng_, options_.torn_writes);
  result_.stats.crashes++;
  if (tracing()) {
    Emit("crash", {{"n", id},
                   {"at", why},
                   {"log_lost_bytes", r.log.lost_bytes},
                   {"log_torn_bytes", r.log.torn_bytes},
                   {"backend_kept", r.backend_kept},
                   {"backend_lost", r.backend_lost},
                   {"backend_torn", r.backend_torn}});
  }
  // Requests waiting in a paused member's inbox die with it, and so do
  // past watches created in the call that crashed; their clients time
  // out.
  m.paused = false;
  m.inbox.clear();
  for (Client& c : clients_) {
    if (c.past_watch_on == id) c.past_watch_on = 0;
  }
  View(id);
}

void KvWorld::Restart(NodeId id) {
  Member& m = M(id);
  if (!m.node->crashed()) return;
  const RecoveryReport report = m.node->Restart();
  if (report.discarded_bytes > 0) result_.stats.torn_discarded++;
  m.serial_rev = 0;
  m.checked_applied = 0;
  if (tracing()) {
    Emit("restart",
         {{"n", id},
          {"records", report.records},
          {"discarded_bytes", report.discarded_bytes},
          {"applied", m.node->server().applied_index()},
          {"rev", m.node->server().state().kv().rev()},
          {"torn_batches", m.node->backend().torn_records_discarded()}});
  }
  // The watcher's client reconnects and resumes where it stopped.
  if (id == watch_node_) return StartWatch();
  AfterCall(id);
}

void KvWorld::Resume(NodeId id) {
  Member& m = M(id);
  if (!m.paused) return;
  m.paused = false;
  std::vector<InboxItem> inbox = std::move(m.inbox);
  m.inbox.clear();
  for (const InboxItem& item : inbox) {
    if (item.submit) {
      Submit(id, item.token);
    } else {
      m.node->server().Step(item.msg);
    }
  }
  AfterCall(id);
}

void KvWorld::ApplyLoss(uint32_t drop_ppm, uint32_t dup_ppm) {
  LinkConfig cfg = base_link_;
  cfg.drop_ppm = drop_ppm;
  cfg.duplicate_ppm = dup_ppm;
  network_.SetDefault(cfg);
}

void KvWorld::ClockJump(NodeId id, uint32_t ms, bool back) {
  Member& m = M(id);
  const Micros by = static_cast<Micros>(ms) * kMillis;
  if (back) {
    // The clock reads earlier: the Server's clock may not go back, so no
    // tick reaches it until the clock catches up again.
    m.ticks_held_until = queue_.now() + by;
    return;
  }
  if (!Running(id)) return;
  m.clock_ms += static_cast<int64_t>(ms);
  m.node->server().Tick(m.clock_ms);
  AfterCall(id);
}

void KvWorld::Fail(std::string invariant, std::string detail) {
  if (done_) return;
  if (tracing())
    Emit("violation", {{"invariant", invariant}, {"detail", detail}});
  result_.ok = false;
  result_.invariant = std::move(invariant);
  result_.detail = std::move(detail);
  result_.at = queue_.now();
  done_ = true;
}

}  // namespace kv
}  // namespace cairn::sim
