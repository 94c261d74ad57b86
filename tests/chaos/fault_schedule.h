// The faults of a chaos run, drawn from one seed: which fault, on which
// member, for how long. The driver applies them one at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/random.h"

namespace cairn::chaos {

enum class FaultKind {
  kKill,
  kQuorumLoss,  // kill -9 a majority (the leader among them), restart all
  kPause,
  kPartition,
  kOneWayCut,
  kSlowLink,
  kLatency,  // delay on peer links, added by the driver's peer proxy
  kNone,     // only when no kind is allowed
};
inline constexpr int kFaultKinds = 7;
const char* FaultName(FaultKind kind);

struct Fault {
  FaultKind kind = FaultKind::kKill;
  // Aim at the current leader (else at `member`).
  bool at_leader = false;
  int member = 0;
  // kPartition: how many members (with the target) are cut off from the
  // rest; always a minority. kOneWayCut: `peer` is the member the target
  // can no longer send to, or -1 for every other member. kLatency: the
  // link from the target to `peer` is delayed (-1: every link from the
  // target), and with `both_ways` the link back as well.
  int minority = 1;
  int peer = -1;
  bool both_ways = false;
  // kLatency: each chunk waits delay_ms plus 0..jitter_ms.
  uint32_t delay_ms = 0;
  uint32_t jitter_ms = 0;
  uint32_t hold_ms = 0;   // how long the fault lasts
  uint32_t after_ms = 0;  // quiet time after it is lifted
};

class FaultSchedule {
 public:
  // `kinds`: a bit per FaultKind that may be drawn.
  FaultSchedule(uint64_t seed, int members, uint32_t kinds);
  Fault Next();

 private:
  Random rnd_;
  int members_;
  uint32_t kinds_;
};

// "all", or a comma list of kill, majority, pause, partition, oneway,
// slow, latency -> a FaultKind bit set; 0 for a text naming anything else.
uint32_t ParseFaultKinds(const std::string& text);

}  // namespace cairn::chaos
