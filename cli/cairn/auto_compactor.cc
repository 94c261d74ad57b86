#include "cli/cairn/auto_compactor.h"

#include <algorithm>

namespace cairn::node {

namespace {

constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kRevisionModeIntervalMs = 5 * 60 * 1000;

}  // namespace

AutoCompactor::AutoCompactor(CompactionMode mode, uint64_t retention)
    : mode_(mode), retention_(static_cast<int64_t>(retention)) {}

std::optional<int64_t> AutoCompactor::Due(int64_t now_ms, int64_t revision,
                                          bool is_leader) {
  if (retention_ <= 0) return std::nullopt;
  if (mode_ == CompactionMode::kPeriodic) {
    return DuePeriodic(now_ms, revision, is_leader);
  }
  if (!started_) {
    started_ = true;
    next_compact_ms_ = now_ms + kRevisionModeIntervalMs;
  }
  if (now_ms < next_compact_ms_) return std::nullopt;
  next_compact_ms_ = now_ms + kRevisionModeIntervalMs;
  const int64_t target = revision - retention_;
  if (!is_leader || target <= 0 || target <= last_compacted_) {
    return std::nullopt;
  }
  last_compacted_ = target;
  return target;
}

std::optional<int64_t> AutoCompactor::DuePeriodic(int64_t now_ms,
                                                  int64_t revision,
                                                  bool is_leader) {
  const int64_t interval = std::min(retention_, kHourMs);
  const int64_t sample_every = std::max<int64_t>(interval / 10, 1);
  if (!started_) {
    started_ = true;
    next_sample_ms_ = now_ms;
    next_compact_ms_ = now_ms + interval;
  }
  if (now_ms >= next_sample_ms_) {
    samples_.emplace_back(now_ms, revision);
    next_sample_ms_ = now_ms + sample_every;
  }
  if (now_ms < next_compact_ms_) return std::nullopt;
  next_compact_ms_ = now_ms + interval;
  // The newest sample at least a retention old; older ones are not needed.
  std::optional<int64_t> target;
  while (!samples_.empty() && samples_.front().first <= now_ms - retention_) {
    target = samples_.front().second;
    samples_.pop_front();
  }
  if (target) samples_.emplace_front(now_ms - retention_, *target);
  if (!is_leader || !target || *target <= 1 || *target <= last_compacted_) {
    return std::nullopt;
  }
  last_compacted_ = *target;
  return target;
}

}  // namespace cairn::node
