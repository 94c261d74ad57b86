#include <string>
#include <utility>
#include <vector>

#include "core/raft/describe.h"
#include "core/util/strings.h"
#include "simulator/world_internal.h"

// The World's faults, client and liveness phase (world_internal.h).
namespace cairn::sim::internal {

void World::OnFault(const Fault& f) {
  result_.stats.faults++;
  if (tracing()) Emit("fault", {{"fault", f.ToString()}});
  Member* m = f.node != 0 ? &M(f.node) : nullptr;
  switch (f.kind) {
    case FaultKind::kCutLinks:
      for (const Link& l : f.links) network_.Cut(l.from, l.to);
      break;
    case FaultKind::kRestoreLinks:
      for (const Link& l : f.links) network_.Restore(l.from, l.to);
      break;
    case FaultKind::kCrash:
      Crash(f.node, "fault");
      break;
    case FaultKind::kRestart:
      // An armed crash or fsync failure that never fired expires here.
      m->crash_at.reset();
      m->node->disk().ClearFailures();
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
    case FaultKind::kCrashAt:
      m->crash_at = static_cast<CrashPoint>(f.value % kCrashPoints);
      break;
    case FaultKind::kSyncFail:
      m->node->disk().FailNextSync();
      break;
    case FaultKind::kClockJump:
      ClockJump(f.node, f.value, f.value2 != 0);
      break;
  }
}

void World::Crash(NodeId id, const char* why) {
  Member& m = M(id);
  if (m.node->crashed()) return;
  // A crash may let a prefix of the unsynced writes reach the disk, the
  // last of them torn mid-record.
  const uint64_t unsynced = m.node->disk().unsynced_bytes();
  uint64_t tear = 0;
  if (options_.torn_writes && unsynced > 0 && disk_rng_.OneIn(1, 2)) {
    tear = disk_rng_.Uniform(unsynced + 1);
  }
  const CrashReport report = m.node->Crash(tear);
  result_.stats.crashes++;
  if (tracing()) {
    Emit("crash", {{"n", id},
                   {"at", why},
                   {"lost_bytes", report.lost_bytes},
                   {"torn_bytes", report.torn_bytes}});
  }
  m.crash_at.reset();
  m.paused = false;
  m.sync_done = false;
  m.inbox.clear();
  m.state = StateType::kFollower;
  m.term = 0;
}

void World::Restart(NodeId id) {
  Member& m = M(id);
  if (!m.node->crashed()) return;
  const RecoveryReport report = m.node->Restart();
  if (report.discarded_bytes > 0) result_.stats.torn_discarded++;
  if (tracing()) {
    Emit("restart", {{"n", id},
                     {"records", report.records},
                     {"discarded_bytes", report.discarded_bytes},
                     {"why", report.why}});
  }
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
  std::vector<Message> inbox = std::move(m.inbox);
  m.inbox.clear();
  for (Message& msg : inbox) {
    StepMessage(id, std::move(msg));
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
      if (tracing()) Emit("propose", {{"n", target}, {"data", payload}});
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
  if (tracing()) Emit("heal", json::object());
  network_.Heal();
  ApplyLoss(0, 0);
  for (NodeId id = 1; id <= members_.size(); id++) {
    Member& m = M(id);
    m.skew_percent = 100;
    m.ticks_held_until = 0;
    m.crash_at.reset();
    if (!m.node->crashed()) m.node->disk().ClearFailures();
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
  for (NodeId id = 1; id <= members_.size(); id++) {
    const Member& m = M(id);
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

void World::ClockJump(NodeId id, uint32_t ms, bool back) {
  Member& m = M(id);
  const Micros by = static_cast<Micros>(ms) * kMillis;
  if (back) {
    // The clock reads earlier: no tick fires until it catches up again.
    m.ticks_held_until = queue_.now() + by;
    return;
  }
  // The clock leaps ahead: the ticks of the skipped time fire at once.
  if (!Running(id)) return;
  const Micros ticks = by / options_.tick_interval;
  for (Micros i = 0; i < ticks; i++) m.node->raw().Tick();
  AfterStep(id);
}

}  // namespace cairn::sim::internal
