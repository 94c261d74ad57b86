// PlaySession (play_session.h).
#include "simulator/play_session.h"

namespace cairn::sim::scenario {

namespace {

constexpr char kFile[] = "play.scn";

// As a scenario writes it: "250ms", or "1234us" when not whole ms.
std::string Duration(Micros d) {
  return d % kMillis == 0 ? std::to_string(d / kMillis) + "ms"
                          : std::to_string(d) + "us";
}

}  // namespace

std::unique_ptr<PlaySession> PlaySession::Create(const std::string& script,
                                                 PlayResult* result) {
  auto parsed = ParseScenario(kFile, script);
  if (const auto* pe = std::get_if<ParseError>(&parsed)) {
    *result = PlayResult{.ok = false, .error = pe->ToString()};
    return nullptr;
  }
  std::unique_ptr<PlaySession> s(new PlaySession());
  s->setup_ = std::move(std::get<Scenario>(parsed));
  std::vector<Statement> first = std::move(s->setup_.statements);
  s->setup_.statements.clear();
  s->script_ = script;
  RunOptions o;
  o.trace = &s->trace_;
  s->world_ = std::make_unique<ScenarioWorld>(s->setup_, o);
  s->world_->Start();
  PlayResult r;
  for (Statement& st : first) s->Run(std::move(st), &r);
  s->statements_ = s->run_.size();
  r.events = s->TakeEvents();
  r.now = s->now();
  *result = std::move(r);
  return s;
}

PlayResult PlaySession::Execute(const std::string& lines) {
  std::string script = script_;
  if (!lines.empty()) {
    if (!script.empty() && script.back() != '\n') script += '\n';
    script += lines;
  }
  auto parsed = ParseScenario(kFile, script);
  if (const auto* pe = std::get_if<ParseError>(&parsed)) {
    return PlayResult{.ok = false, .error = pe->ToString(), .now = now()};
  }
  script_ = std::move(script);
  run_line_at_ = std::string::npos;
  std::vector<Statement>& all = std::get<Scenario>(parsed).statements;
  PlayResult r;
  for (size_t i = statements_; i < all.size(); i++) Run(std::move(all[i]), &r);
  statements_ = all.size();
  r.events = TakeEvents();
  r.now = now();
  return r;
}

PlayResult PlaySession::RunFor(Micros d) {
  if (run_line_at_ == std::string::npos) {
    if (!script_.empty() && script_.back() != '\n') script_ += '\n';
    run_line_at_ = script_.size();
    run_total_ = 0;
    statements_++;
  } else {
    script_.resize(run_line_at_);
  }
  run_total_ += d;
  script_ += "after " + Duration(run_total_) + "\n";
  Statement st;
  st.source = "after " + Duration(d);
  st.action = After{.delay = d};
  PlayResult r;
  Run(std::move(st), &r);
  r.events = TakeEvents();
  r.now = now();
  return r;
}

void PlaySession::Run(Statement st, PlayResult* r) {
  run_.push_back(std::move(st));
  world_->Execute(run_.back());
  if (world_->failed()) {
    r->ok = false;
    r->error += world_->Report().failure;
    world_->ClearFailure();
  }
}

Micros PlaySession::NextEventTime() const {
  return world_->NextEventTime().value_or(now());
}

std::string PlaySession::TakeEvents() {
  std::string out = trace_.str();
  trace_.str("");
  trace_.clear();
  return out;
}

}  // namespace cairn::sim::scenario
