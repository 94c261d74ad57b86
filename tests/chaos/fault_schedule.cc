#include "tests/chaos/fault_schedule.h"

namespace cairn::chaos {

const char* FaultName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kKill:
      return "kill -9 + restart";
    case FaultKind::kQuorumLoss:
      return "kill -9 of a majority";
    case FaultKind::kPause:
      return "SIGSTOP/SIGCONT";
    case FaultKind::kPartition:
      return "partition";
    case FaultKind::kOneWayCut:
      return "one-way cut";
    case FaultKind::kSlowLink:
      return "slow link";
    case FaultKind::kLatency:
      return "added latency";
    case FaultKind::kNone:
      return "none";
  }
  return "?";
}

FaultSchedule::FaultSchedule(uint64_t seed, int members, uint32_t kinds)
    : rnd_(seed), members_(members), kinds_(kinds) {}

Fault FaultSchedule::Next() {
  // Weights: kill 25, quorum loss 5, pause 15, partition 20, one-way 20,
  // slow 15, latency 15; kinds left out weigh 0.
  constexpr uint64_t kWeights[kFaultKinds] = {25, 5, 15, 20, 20, 15, 15};
  uint64_t total = 0;
  for (int k = 0; k < kFaultKinds; ++k) {
    if (kinds_ & (1u << k)) total += kWeights[k];
  }
  Fault f;
  f.member = static_cast<int>(rnd_.Uniform(members_));
  f.after_ms = static_cast<uint32_t>(rnd_.Range(500, 2500));
  if (total == 0) {  // nothing allowed: quiet time only
    f.kind = FaultKind::kNone;
    return f;
  }
  uint64_t dice = rnd_.Uniform(total);
  int kind = 0;
  for (; kind < kFaultKinds; ++kind) {
    const uint64_t w = (kinds_ & (1u << kind)) ? kWeights[kind] : 0;
    if (dice < w) break;
    dice -= w;
  }
  f.kind = static_cast<FaultKind>(kind);
  switch (f.kind) {
    case FaultKind::kKill:
      f.at_leader = rnd_.OneIn(3, 4);
      f.hold_ms = static_cast<uint32_t>(rnd_.Range(300, 2500));  // down time
      break;
    case FaultKind::kQuorumLoss:
      f.at_leader = true;
      f.minority = members_ / 2 + 1;  // here: how many are killed
      f.hold_ms = static_cast<uint32_t>(rnd_.Range(300, 3000));  // down time
      break;
    case FaultKind::kPause:
      f.at_leader = rnd_.OneIn(1, 2);
      f.hold_ms = static_cast<uint32_t>(rnd_.Range(500, 4000));
      break;
    case FaultKind::kPartition:
      f.at_leader = rnd_.OneIn(1, 2);
      f.minority = static_cast<int>(rnd_.Range(1, (members_ - 1) / 2));
      f.hold_ms = static_cast<uint32_t>(rnd_.Range(1000, 6000));
      break;
    case FaultKind::kOneWayCut:
      f.at_leader = rnd_.OneIn(1, 2);
      f.peer = rnd_.OneIn(1, 2) ? -1 : static_cast<int>(rnd_.Uniform(members_));
      f.hold_ms = static_cast<uint32_t>(rnd_.Range(1000, 6000));
      break;
    case FaultKind::kLatency: {
      f.at_leader = rnd_.OneIn(1, 2);
      // One link one way, one link both ways, or all the target's links
      // (both ways), a third of the time each.
      const uint64_t scope = rnd_.Uniform(3);
      f.peer =
          scope == 2
              ? -1
              : static_cast<int>((f.member + 1 + rnd_.Uniform(members_ - 1)) %
                                 members_);
      f.both_ways = scope != 0;
      f.delay_ms = static_cast<uint32_t>(rnd_.Range(20, 200));
      f.jitter_ms = f.delay_ms / 4;
      f.hold_ms = static_cast<uint32_t>(rnd_.Range(1000, 6000));
      break;
    }
    case FaultKind::kSlowLink:
    case FaultKind::kNone:
      f.at_leader = rnd_.OneIn(1, 2);
      f.hold_ms = static_cast<uint32_t>(rnd_.Range(1000, 6000));
      break;
  }
  return f;
}

uint32_t ParseFaultKinds(const std::string& text) {
  static const char* const kNames[kFaultKinds] = {
      "kill", "majority", "pause", "partition", "oneway", "slow", "latency"};
  if (text == "all") return (1u << kFaultKinds) - 1;
  uint32_t out = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string name = text.substr(start, comma - start);
    int k = 0;
    while (k < kFaultKinds && name != kNames[k]) ++k;
    if (k == kFaultKinds) return 0;
    out |= 1u << k;
    start = comma + 1;
  }
  return out;
}

}  // namespace cairn::chaos
