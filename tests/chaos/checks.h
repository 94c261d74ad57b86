// The checks after a chaos run: the recorded history is linearizable,
// every acknowledged write is in the cluster's event history at the
// revision it was acknowledged with, the event history has one event per
// revision with no gap, and each watcher saw exactly that history.
#pragma once

#include <string>
#include <vector>

#include "tests/chaos/workload.h"

namespace cairn::chaos {

// Anomalies found, one line each (empty: none).
std::vector<std::string> CheckEventHistory(
    const std::vector<WatchEvent>& reference, int64_t last_revision);
std::vector<std::string> CheckAckedWrites(
    const std::vector<AckedWrite>& acked,
    const std::vector<WatchEvent>& reference);
std::vector<std::string> CheckWatcher(const std::string& name,
                                      const std::vector<WatchEvent>& seen,
                                      const std::vector<WatchEvent>& reference);

// "p50 12 ms, p99 340 ms (n=7)" or "none".
std::string Percentiles(std::vector<double> values_ms);

}  // namespace cairn::chaos
