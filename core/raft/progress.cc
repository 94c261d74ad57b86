#include "core/raft/progress.h"

#include <algorithm>

#include "core/util/strings.h"

namespace cairn::raft {

std::string_view ProgressStateName(ProgressState s) {
  switch (s) {
    case ProgressState::kProbe:
      return "StateProbe";
    case ProgressState::kReplicate:
      return "StateReplicate";
    case ProgressState::kSnapshot:
      return "StateSnapshot";
  }
  return "StateUnknown";
}

void Progress::ResetState(ProgressState s) {
  probe_sent = false;
  pending_snapshot = 0;
  state = s;
  inflights.Reset();
}

void Progress::BecomeProbe() {
  // After a snapshot the follower holds at least the snapshot, so probing
  // starts right after it rather than after the old match.
  if (state == ProgressState::kSnapshot) {
    const Index pending = pending_snapshot;
    ResetState(ProgressState::kProbe);
    next = std::max(match + 1, pending + 1);
  } else {
    ResetState(ProgressState::kProbe);
    next = match + 1;
  }
}

void Progress::BecomeReplicate() {
  ResetState(ProgressState::kReplicate);
  next = match + 1;
}

void Progress::BecomeSnapshot(Index snapshot_index) {
  ResetState(ProgressState::kSnapshot);
  pending_snapshot = snapshot_index;
}

bool Progress::MaybeUpdate(Index n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::MaybeDecrTo(Index rejected, Index match_hint) {
  if (state == ProgressState::kReplicate) {
    // A rejection at or below match is a reordered old message.
    if (rejected <= match) return false;
    // Entries after match were lost or rejected: resend from match + 1.
    next = match + 1;
    return true;
  }
  // In probe only the rejection of the last probe counts.
  if (next - 1 != rejected) return false;
  next = std::max(std::min(rejected, match_hint + 1), match + 1);
  probe_sent = false;
  return true;
}

bool Progress::IsPaused() const {
  switch (state) {
    case ProgressState::kProbe:
      return probe_sent;
    case ProgressState::kReplicate:
      return inflights.Full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

std::string Progress::ToString() const {
  std::string out = StrFormat(
      "%s match=%llu next=%llu", std::string(ProgressStateName(state)).c_str(),
      (unsigned long long)match, (unsigned long long)next);
  if (is_learner) out += " learner";
  if (IsPaused()) out += " paused";
  if (pending_snapshot > 0) {
    out += StrFormat(" pendingSnap=%llu", (unsigned long long)pending_snapshot);
  }
  if (!recent_active) out += " inactive";
  if (inflights.Count() > 0) {
    out += StrFormat(" inflight=%zu", inflights.Count());
    if (inflights.Full()) out += "[full]";
  }
  return out;
}

}  // namespace cairn::raft
