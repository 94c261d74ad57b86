// AutoCompactor: etcd 3.4's --auto-compaction-mode/--auto-compaction-
// retention, as a decision the host loop asks for on each turn. Edge
// code, but a plain value fed with the time and revision (no clock of its
// own), so tests drive it directly.
//
// periodic (retention R ms): the revision is sampled every min(R, 1h)/10;
// every min(R, 1h) the leader compacts to the newest sample at least R
// old, so about R of history is kept (etcd's Periodic compactor).
// revision (retention N): every 5 minutes the leader compacts to
// current - N when that is ahead of the last compaction (etcd's Revision
// compactor). Only the leader compacts; retention 0 turns it off.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "cli/cairn/node_config.h"

namespace cairn::node {

class AutoCompactor {
 public:
  AutoCompactor(CompactionMode mode, uint64_t retention);

  // The revision to compact to now, if any. `now_ms` never decreases.
  std::optional<int64_t> Due(int64_t now_ms, int64_t revision, bool is_leader);

 private:
  std::optional<int64_t> DuePeriodic(int64_t now_ms, int64_t revision,
                                     bool is_leader);

  const CompactionMode mode_;
  const int64_t retention_;
  bool started_ = false;
  int64_t next_sample_ms_ = 0;
  int64_t next_compact_ms_ = 0;
  int64_t last_compacted_ = 0;
  std::deque<std::pair<int64_t, int64_t>> samples_;  // (time ms, revision)
};

}  // namespace cairn::node
