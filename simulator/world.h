// World: one simulated Raft cluster run, from a seed to a verdict.
// Simulator host code; single threaded and deterministic: the run's seed
// feeds every random draw (forked per component), time is the virtual
// clock of the event queue, and no wall clock or unordered iteration can
// reach a decision or the trace.
//
// A run has two phases. During `duration` the fault plan is applied while
// a client proposes unique payloads at `rate` per second to the member it
// believes leads. Then the liveness phase heals every fault (network,
// loss, skew, crashes, pauses) and requires a leader to commit a probe
// proposal on every member within `liveness_bound`. Safety invariants
// (invariant_checker.h) are checked after every event; the first
// violation ends the run.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "simulator/event_queue.h"
#include "simulator/fault_plan.h"
#include "simulator/invariant_checker.h"
#include "simulator/kv_bugs.h"
#include "simulator/network.h"

namespace cairn::sim {

// Host bugs that can be compiled in (CAIRN_PLANTED_BUG) or switched on
// in tests, to prove the checkers catch them.
enum class PlantedBug {
  kNone,
  // Host: messages of a Ready leave before its fsync completes, so a
  // crash can forget a vote or an acknowledged append.
  kSendBeforeSync,
  // Host: the hard state is written without its vote, so a vote is
  // answered that a crash forgets (and the member may vote twice).
  kVoteNotPersisted,
  // Raft core (raft::PlantedBug): a leader commits an earlier term's
  // entry by counting replicas (Figure 8).
  kCommitPreviousTerm,
  // Raft core: a follower does not truncate a conflicting suffix.
  kKeepConflictingSuffix,
  // Server (kv workload; server::Config::SimBugs): a follower serves a
  // linearizable read from local state, without ReadIndex.
  kFollowerLocalRead,
  // Server: watch events at every 8th revision never reach the stream.
  kSkipWatchEvent,
  // Server: the applied index is committed apart from the changes it
  // describes, so a crash between them applies entries twice.
  kAppliedIndexApart,
};

// The client load a run drives.
enum class Workload {
  // Raft members (SimNode) and unique proposals; Raft-level checkers.
  kRaft,
  // Full servers (ServerNode) and KV clients (put, get, delete, CAS txn)
  // with linearizability, watch and cross-member checks (kv_world.h).
  kKv,
};
// "raft", "kv".
const char* WorkloadName(Workload w);
std::optional<Workload> ParseWorkload(std::string_view name);
// Whether `bug` can be planted in a run of `w`.
bool BugFitsWorkload(PlantedBug bug, Workload w);

// "send-before-sync", "vote-not-persisted", "commit-previous-term",
// "keep-conflicting-suffix", "follower-local-read", "skip-watch-event",
// "applied-index-apart" (and "none").
const char* PlantedBugName(PlantedBug bug);
// The bug named `name`, if any.
std::optional<PlantedBug> ParsePlantedBug(std::string_view name);

struct WorldOptions {
  uint64_t seed = 1;
  // cairnsim's default is kKv; tests name the one they mean.
  Workload workload = Workload::kRaft;
  int nodes = 5;
  Micros duration = 5 * kSeconds;
  // Client proposals per simulated second (0: none).
  uint32_t rate = 100;
  bool faults = true;
  // Replaces the generated plan (used by the shrinker).
  std::optional<FaultPlan> plan;
  // Mean time between fault episode starts (FaultOptions::mean_gap).
  Micros fault_gap = 500 * kMillis;
  Micros liveness_bound = 10 * kSeconds;
  // Member timing: a tick every `tick_interval` (times a member's skew),
  // a heartbeat every `heartbeat_ticks` ticks, an election timeout of
  // `election_ticks` ticks (randomized by Raft to [1, 2) times that). The
  // default runs Raft's timers 10 times faster than etcd's defaults
  // (heartbeat 100 ms, election 1 s; tick_interval 100 ms here), which
  // finds planted bugs about 1.7 times faster per CPU second
  // (docs/simulator.md, Speed). The kv workload reads tick_interval only
  // (its servers use 1 and 10 ticks).
  Micros tick_interval = 10 * kMillis;
  int heartbeat_ticks = 1;
  int election_ticks = 10;
  Micros disk_latency_min = 100;
  Micros disk_latency_max = 2 * kMillis;
  // The trace file (may be null) and the lines kept for reports.
  std::ostream* trace = nullptr;
  size_t keep_last = 40;
  // Off skips rendering trace lines altogether (about twice as fast):
  // fuzzing runs without and re-runs a failing seed with them, which
  // determinism makes equivalent. Requires trace == nullptr.
  bool tracing = true;
  PlantedBug bug = PlantedBug::kNone;
  // A kv-workload server bug (kv_bugs.h); needs Workload::kKv.
  KvBug kv_bug = KvBug::kNone;
  // A crash lets a random prefix of the unsynced writes reach the disk,
  // tearing the last record that makes it (recovery must discard it).
  bool torn_writes = true;
  // Raft workload: whether members send one entry per MsgApp
  // (max_size_per_msg 1) or up to 64 KiB. kMixed draws it per seed (one in
  // four small), as fuzzing does; the draw happens either way, so a seed
  // runs the same schedule under every setting.
  enum class MessageSize { kMixed, kOneEntry, k64KiB };
  MessageSize message_size = MessageSize::kMixed;
};

struct RunStats {
  Micros simulated = 0;
  uint64_t events = 0;
  uint64_t elections = 0;  // terms that had a leader
  uint64_t messages = 0;
  uint64_t faults = 0;
  uint64_t proposals = 0;
  uint64_t acknowledged = 0;
  uint64_t trace_lines = 0;
  uint64_t crashes = 0;         // including fail-stops and crash points
  uint64_t crash_points = 0;    // armed crashes that landed
  uint64_t sync_failures = 0;   // failed fsyncs (each a fail-stop)
  uint64_t torn_discarded = 0;  // recoveries that dropped a torn tail
  // kv workload: operations in the checked history (linearizable ones),
  // of which outcome unknown; serializable reads checked apart; watch
  // events seen; search steps of the linearizability check.
  uint64_t history_ops = 0;
  uint64_t unknown_ops = 0;
  uint64_t serializable_reads = 0;
  uint64_t watch_events = 0;
  uint64_t check_steps = 0;
  // kv workload: leases granted (acknowledged), deletes by revokes and
  // expiries the watcher saw.
  uint64_t leases_granted = 0;
  uint64_t lease_deletes = 0;
  // kv workload: compactions acknowledged; reads at past revisions (of
  // which refused as compacted).
  uint64_t compactions = 0;
  uint64_t past_reads = 0;
  uint64_t past_reads_compacted = 0;
  uint64_t past_watches = 0;
  uint64_t past_watches_compacted = 0;
  // kv workload: acknowledged txns that compare and write two keys.
  uint64_t multi_key_txns = 0;
};

struct RunResult {
  bool ok = true;
  // "liveness" or the violated invariant; empty when ok.
  std::string invariant;
  std::string detail;
  Micros at = 0;
  std::deque<std::string> last_trace;
  FaultPlan plan;  // the plan that was run
  RunStats stats;
};

// Runs one seed to completion (the workload's world).
RunResult RunWorld(const WorldOptions& options);
// The kv workload's world (kv_world.cc); RunWorld calls it for kKv.
RunResult RunKvWorld(const WorldOptions& options);

// The plan RunWorld generates for `options` (without running it).
FaultPlan PlanFor(const WorldOptions& options);

// The members' base election timeout (tick_interval * election_ticks);
// fault durations that must outlast or undercut it scale with it.
Micros ElectionTimeout(const WorldOptions& options);

}  // namespace cairn::sim
