// FaultPlan: a schedule of faults for one simulated run, generated from a
// seed, and the shrinker that cuts a failing plan down. Simulator host
// code; single threaded and deterministic.
//
// A plan is made of episodes. Each episode is one fault with its start and
// its end (a partition and its heal, a crash and its restart, a pause and
// its resume, a run of flaps), so that removing an episode while shrinking
// never leaves a fault half applied. Episodes may overlap; the network
// counts cuts per link so that overlapping cuts compose.
//
//   time ──────────────────────────────────────────────────────────▶
//   ep 0   [cut 1→2, 1→3 ........ restore 1→2, 1→3]
//   ep 1            [crash 3 ............. restart 3]
//   ep 2                   [pause 2 .. resume 2]
//
// The world that runs a plan must treat a fault that does not apply (a
// crash of a crashed member, a resume of a running one) as a no-op.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/util/random.h"
#include "core/util/result.h"
#include "simulator/event_queue.h"
#include "simulator/network.h"

namespace cairn::sim {

enum class FaultKind {
  kCutLinks,      // links: directed links to cut
  kRestoreLinks,  // links: directed links to restore
  kCrash,         // node: loses volatile state and unsynced writes
  kRestart,       // node: starts again from its disk
  kPause,         // node: stops processing (a long GC pause, SIGSTOP)
  kResume,        // node
  kSetLoss,       // value: drop ppm, value2: duplicate ppm, all links
  kClearLoss,     // back to the run's base link settings
  kTickSkew,      // node: ticks at value percent of the normal rate
  kClearSkew,     // node
  kCrashAt,       // node: crashes when it next reaches crash point `value`
  kSyncFail,      // node: its next fsync fails (the member fail-stops)
  kClockJump,     // node: its clock jumps `value` ms, back when value2 = 1
};

// The named steps of the host loop where an armed crash lands (kCrashAt),
// so that a crash falls exactly between two writes or applies:
//   before-write  a Ready was taken, nothing of it written
//   after-write   written to the page cache, the fsync not finished
//   after-sync    durable, no message of the Ready sent yet
//   after-send    messages sent, no committed entry applied yet
//   mid-apply     after the first of several committed entries was applied
//   after-apply   all applied, Advance not yet called
enum class CrashPoint : uint32_t {
  kBeforeWrite,
  kAfterWrite,
  kAfterSync,
  kAfterSend,
  kMidApply,
  kAfterApply,
};
inline constexpr uint32_t kCrashPoints = 6;
const char* CrashPointName(CrashPoint p);

struct Link {
  NodeId from = 0;
  NodeId to = 0;
  bool operator==(const Link&) const = default;
};

struct Fault {
  Micros at = 0;
  FaultKind kind = FaultKind::kCrash;
  uint32_t episode = 0;
  NodeId node = 0;
  std::vector<Link> links;
  uint32_t value = 0;
  uint32_t value2 = 0;

  // One line, e.g. "1.250000s ep3 crash n2", "0.400000s ep1 cut 1>2,1>3"
  // or "2.000000s ep4 crash-at n1 point=after-write".
  std::string ToString() const;
};

using FaultPlan = std::vector<Fault>;  // sorted by time, then episode

// Which faults a generated plan may contain and how dense it is.
struct FaultOptions {
  std::vector<NodeId> nodes;
  Micros duration = 10 * kSeconds;  // every episode starts and ends in it
  Micros mean_gap = 500 * kMillis;  // mean time between episode starts
  Micros max_episode = 2 * kSeconds;
  // The members' base election timeout. Faults meant to be short or long
  // next to it scale with it: link flaps stay down and up 1/5 to 2
  // timeouts, clock jumps step 1/5 to 3 timeouts. (The default, 100 ms,
  // gives the historical 20-200 ms flaps and 20-300 ms jumps.)
  Micros election_timeout = 100 * kMillis;
  bool partitions = true;  // random two-way splits and isolations
  bool one_way = true;     // asymmetric single-link cuts
  bool flapping = true;    // a link going down and up repeatedly
  bool swizzle = true;     // swizzle-clog (FoundationDB)
  bool crashes = true;
  bool pauses = true;
  bool loss = true;           // message loss and duplication on all links
  bool skew = true;           // tick-rate skew of one member
  bool crash_points = true;   // crashes at named host-loop steps
  bool sync_failures = true;  // an fsync that fails (fail-stop)
  bool clock_jumps = true;    // one member's clock jumps ahead or back
};

// Draws a plan from `rng`. The same seed and options give the same plan.
FaultPlan GenerateFaultPlan(Random& rng, const FaultOptions& options);

// The distinct episode ids of `plan`, ascending.
std::vector<uint32_t> Episodes(const FaultPlan& plan);

// `plan` without the faults of the episodes in `drop`.
FaultPlan WithoutEpisodes(const FaultPlan& plan,
                          const std::vector<uint32_t>& drop);

// Returns a sub-plan of `plan` (whole episodes removed) for which
// `still_fails` is true and from which no single episode can be removed
// without it passing, trying at most `max_runs` runs. REQUIRES:
// still_fails(plan) is known to be true.
FaultPlan ShrinkFaultPlan(
    const FaultPlan& plan,
    const std::function<bool(const FaultPlan&)>& still_fails, int max_runs);

// One Fault::ToString line per fault.
std::string DescribeFaultPlan(const FaultPlan& plan);

// Reads back what DescribeFaultPlan wrote (blank lines and lines starting
// with '#' are skipped; a leading "  " is allowed, as fuzz reports indent
// it). kInvalidArgument names the first line that does not parse.
Result<FaultPlan> ParseFaultPlan(std::string_view text);

}  // namespace cairn::sim
