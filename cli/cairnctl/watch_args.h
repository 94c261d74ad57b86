// The arguments of one `watch` line of etcdctl's interactive watch
// (`watch -i`): parseWatchArgs in interactive mode, with the watch
// command's flags (--prefix, --rev, --prev-kv, -i) parsed the way Go's
// pflag parses them, errors in pflag's words. Edge code; pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/result.h"

namespace cairn::ctl {

struct WatchLine {
  std::vector<std::string> args;  // key [range_end]
  std::vector<std::string> exec;  // the command after "--", if any
  bool prefix = false;
  int64_t rev = 0;
  bool prev_kv = false;
};

// Parses `words` (argify'd line, words[0] == "watch"). `env_key` and
// `env_range` are the watch key and range end from the environment ("" =
// unset); they come before the line's own arguments. Errors (etcdctl
// exits with ExitBadArgs on them): "bad number of arguments", "bad
// number of arguments (found separator --, but no commands)", "bad number
// of arguments (found conflicting environment key)", or pflag's, e.g.
// "unknown flag: --x", "flag needs an argument: --rev".
Result<WatchLine> ParseWatchLine(const std::vector<std::string>& words,
                                 const std::string& env_key,
                                 const std::string& env_range);

}  // namespace cairn::ctl
