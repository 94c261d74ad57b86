// The World class behind RunWorld (world.h), shared by world.cc (the host
// loop, messages and checks) and world_faults.cc (faults, the client and
// the liveness phase). Simulator host code; single threaded and
// deterministic. Internal: only those two files include it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/raft/ready.h"
#include "core/util/random.h"
#include "simulator/event_queue.h"
#include "simulator/fault_plan.h"
#include "simulator/invariant_checker.h"
#include "simulator/network.h"
#include "simulator/sim_node.h"
#include "simulator/trace.h"
#include "simulator/world.h"

namespace cairn::sim::internal {

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
  kDeliver,   // from -> node, msg
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
  // The message as decoded from the bytes that were sent (Send checks
  // the round trip), so the receiver steps what the codec produced.
  Message msg;
};

inline Event Ev(EventKind kind, NodeId node = 0, uint64_t value = 0) {
  Event e;
  e.kind = kind;
  e.node = node;
  e.value = value;
  return e;
}

inline constexpr Micros kRetryDelay = 20 * kMillis;
inline constexpr Micros kProposalTimeout = 1 * kSeconds;
inline constexpr size_t kMaxPending = 64;
inline constexpr char kProbe[] = "liveness-probe";

// What the host knows of one member beyond its SimNode.
struct Member {
  std::unique_ptr<SimNode> node;
  bool paused = false;
  bool sync_done = false;      // the fsync finished while paused
  std::vector<Message> inbox;  // deliveries held while paused
  uint32_t skew_percent = 100;
  // A crash armed at a named step of the host loop (kCrashAt).
  std::optional<CrashPoint> crash_at;
  // A clock that jumped back ticks again only from this time on.
  Micros ticks_held_until = 0;
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
  void FinishReady(NodeId id, raft::Ready rd);
  // Crashes `id` if a crash is armed at `point`; returns whether it did.
  bool CrashPointHit(NodeId id, CrashPoint point);
  void Send(std::vector<Message> msgs);
  void Apply(NodeId id, const Entry& e);
  void StepMessage(NodeId id, Message msg);
  void Crash(NodeId id, const char* why);
  void Restart(NodeId id);
  void Resume(NodeId id);
  void ObserveRole(NodeId id);
  void ObserveCommits(NodeId id);
  void TryPropose(uint64_t proposal);
  void ApplyLoss(uint32_t drop_ppm, uint32_t dup_ppm);
  void ClockJump(NodeId id, uint32_t ms, bool back);

  Member& M(NodeId id) { return members_[id - 1]; }
  bool Running(NodeId id) { return !M(id).node->crashed() && !M(id).paused; }
  InvariantChecker::EntryAt EntryAtFn(NodeId id);
  void Fail(std::string invariant, std::string detail);
  void Check(std::optional<Violation> v);
  // Callers test tracing() first, so that an untraced run never builds
  // the JSON fields (that alone was a tenth of the run time).
  bool tracing() const { return options_.tracing; }
  void Emit(std::string_view ev, json fields) {
    trace_.Emit(queue_.now(), ev, std::move(fields));
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
  std::vector<Member> members_;  // member id i at i - 1
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

LinkConfig BaseLink();
FaultPlan PlanForSeed(const WorldOptions& options);

}  // namespace cairn::sim::internal
