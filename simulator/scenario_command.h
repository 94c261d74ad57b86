// `cairnsim run FILE...`: parses and runs scenario files, one line per
// scenario and a final "N passed, N failed". Edge code (reads files).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cairn::sim::scenario {

struct RunFlags {
  std::vector<std::string> files;
  std::optional<uint64_t> seed;
  std::string trace_path;  // empty: no trace
  std::string planted_bug = "none";
  std::string html_path;  // the replay view of the (one) scenario
};

// Returns the exit code: 0 when every scenario passed, 1 otherwise.
int RunScenarioFiles(const RunFlags& flags);

}  // namespace cairn::sim::scenario
