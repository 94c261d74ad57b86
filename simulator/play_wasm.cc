// The play mode's WebAssembly entry points (scripts/build-play builds this
// with Debian's emscripten into cairn-play.html). Edge code: the page is
// the host; it keeps one session at a time, and each call answers with
// one JSON object: {"ok", "error", "events" (JSON lines), "now"}.
#include <emscripten/emscripten.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "simulator/play_session.h"

namespace {

using cairn::sim::scenario::PlayResult;
using cairn::sim::scenario::PlaySession;

// The host's state: the session and the last answer (the page reads it
// before its next call).
std::unique_ptr<PlaySession> session;
std::string answer;

const char* Answer(const PlayResult& r) {
  answer = nlohmann::json{
      {"ok", r.ok},
      {"error", r.error},
      {"events", r.events},
      {"now",
       r.now}}.dump();
  return answer.c_str();
}

const char* NoSession() {
  return Answer(PlayResult{.ok = false, .error = "no cluster: create one"});
}

}  // namespace

extern "C" {

// Starts a new cluster from a script (setup and statements).
EMSCRIPTEN_KEEPALIVE const char* cairn_play_create(const char* script) {
  PlayResult r;
  std::unique_ptr<PlaySession> s = PlaySession::Create(script, &r);
  if (s != nullptr) session = std::move(s);
  return Answer(r);
}

// Runs statements (scenario lines) on the cluster.
EMSCRIPTEN_KEEPALIVE const char* cairn_play_exec(const char* lines) {
  if (session == nullptr) return NoSession();
  return Answer(session->Execute(lines));
}

// Runs the cluster for `micros` of simulated time.
EMSCRIPTEN_KEEPALIVE const char* cairn_play_run(double micros) {
  if (session == nullptr) return NoSession();
  const auto d = static_cast<cairn::sim::Micros>(micros < 1 ? 1 : micros);
  return Answer(session->RunFor(d));
}

// The time of the next scheduled event.
EMSCRIPTEN_KEEPALIVE double cairn_play_next_event() {
  return session == nullptr ? 0 : static_cast<double>(session->NextEventTime());
}

// The session's script, which `cairnsim run` replays.
EMSCRIPTEN_KEEPALIVE const char* cairn_play_script() {
  answer = session == nullptr ? "" : session->script();
  return answer.c_str();
}

}  // extern "C"
