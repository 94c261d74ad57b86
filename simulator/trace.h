// Trace: the JSON-lines record of a simulated run. Simulator host code;
// single threaded.
//
// Every line is one event: {"ev": kind, "t": virtual micros, ...fields}.
// Keys are written in sorted order and no wall-clock time or pointer ever
// appears, so the same seed gives a byte-identical trace. The last
// `keep_last` lines are also kept in memory for failure reports, whether
// or not a file is being written.
#pragma once

#include <deque>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "simulator/event_queue.h"

namespace cairn::sim {

class Trace {
 public:
  // `out` may be null (no file). It must outlive the Trace.
  Trace(std::ostream* out, size_t keep_last);
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  // Records one event. `fields` must be a JSON object (or null).
  void Emit(Micros t, std::string_view ev, nlohmann::json fields = {});

  // The most recent lines, oldest first.
  const std::deque<std::string>& last() const { return last_; }
  uint64_t lines() const { return lines_; }

 private:
  std::ostream* out_;
  size_t keep_last_;
  std::deque<std::string> last_;
  uint64_t lines_ = 0;
};

}  // namespace cairn::sim
