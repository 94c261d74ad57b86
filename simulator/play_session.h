// PlaySession: the play mode's engine (cairn-play.html, built to
// WebAssembly by scripts/build-play): a scenario that grows one statement
// at a time while the learner drives the cluster. Every action is a
// scenario statement, so the session's script replays it exactly
// (`cairnsim run`), and forking a run at a past moment is running a prefix
// of the script again. Simulator host code; deterministic.
#pragma once

#include <deque>
#include <memory>
#include <sstream>
#include <string>

#include "simulator/scenario.h"
#include "simulator/scenario_world.h"

namespace cairn::sim::scenario {

struct PlayResult {
  bool ok = true;
  std::string error;   // a parse error or a failed statement's report
  std::string events;  // the trace lines this call produced (JSON lines)
  Micros now = 0;      // the simulated time after it
};

class PlaySession {
 public:
  // Starts a cluster from `script` (setup lines and any statements).
  static std::unique_ptr<PlaySession> Create(const std::string& script,
                                             PlayResult* result);

  // Parses `lines` (one statement or several) after the script so far
  // and runs them. A parse error runs nothing and leaves the script as it
  // was; a statement that fails (an expectation, a wait) is reported and
  // kept, and the run goes on.
  PlayResult Execute(const std::string& lines);

  // Runs the cluster for `d`. Consecutive runs make one `after` line of
  // the script, so that a long session stays a short script.
  PlayResult RunFor(Micros d);

  // The script so far: what `cairnsim run` replays.
  const std::string& script() const { return script_; }
  Micros now() const { return world_->now(); }
  // The time of the next event the cluster has scheduled.
  Micros NextEventTime() const;

 private:
  PlaySession() = default;
  void Run(Statement st, PlayResult* r);
  std::string TakeEvents();

  std::string script_;
  size_t statements_ = 0;  // statements of script_ already run
  Scenario setup_;         // the first parse: setup, file, title
  // Every statement run, where the world's failure reports can point.
  std::deque<Statement> run_;
  // RunFor's `after` line at the end of script_, and its duration.
  size_t run_line_at_ = std::string::npos;
  Micros run_total_ = 0;
  std::ostringstream trace_;
  std::unique_ptr<ScenarioWorld> world_;
};

}  // namespace cairn::sim::scenario
