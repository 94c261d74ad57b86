// PlaySession: the play mode's engine. Every action is a statement of a
// growing script; the script replays the session exactly.
#include "simulator/play_session.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace cairn::sim::scenario {
namespace {

constexpr char kSetup[] =
    "# Play.\nmembers 3\nseed 4\nwait until leader elected within 5s\n";

// The trace lines that do not name statements (a session runs `after` in
// pieces that the script merges into one line).
std::string WithoutStatements(const std::string& trace) {
  std::istringstream in(trace);
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    if (line.find("\"ev\":\"statement\"") != std::string::npos) continue;
    out += line + "\n";
  }
  return out;
}

TEST(PlaySessionTest, ActionsGrowAScriptThatReplaysTheSession) {
  PlayResult first;
  auto s = PlaySession::Create(kSetup, &first);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_GT(first.now, 0u);
  std::string trace = first.events;
  for (const char* line : {"crash leader", "put k v on n1"}) {
    PlayResult r = s->Execute(line);
    EXPECT_TRUE(r.ok) << line << ": " << r.error;
    trace += r.events;
  }
  for (int i = 0; i < 30; i++) {
    PlayResult r = s->RunFor(100 * kMillis);
    ASSERT_TRUE(r.ok) << r.error;
    trace += r.events;
  }
  PlayResult check = s->Execute("expect leader elected\nexpect term >= 2");
  EXPECT_TRUE(check.ok) << check.error;
  trace += check.events;
  // Thirty runs of 100 ms make one line.
  EXPECT_NE(s->script().find("\nafter 3000ms\nexpect leader elected\n"),
            std::string::npos)
      << s->script();

  auto parsed = ParseScenario("play.scn", s->script());
  ASSERT_TRUE(std::holds_alternative<Scenario>(parsed));
  std::ostringstream replayed;
  RunOptions o;
  o.trace = &replayed;
  RunReport r = RunScenario(std::get<Scenario>(parsed), o);
  EXPECT_TRUE(r.ok) << r.failure;
  EXPECT_EQ(r.simulated, s->now());
  EXPECT_EQ(WithoutStatements(replayed.str()), WithoutStatements(trace));
}

TEST(PlaySessionTest, AParseErrorRunsNothingAndKeepsTheScript) {
  PlayResult first;
  auto s = PlaySession::Create(kSetup, &first);
  ASSERT_NE(s, nullptr);
  const std::string before = s->script();
  const Micros now = s->now();
  PlayResult r = s->Execute("crsh n1");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("unknown statement \"crsh\""), std::string::npos)
      << r.error;
  EXPECT_EQ(s->script(), before);
  EXPECT_EQ(s->now(), now);
  EXPECT_TRUE(s->Execute("crash n1").ok);
}

TEST(PlaySessionTest, AFailedStatementIsReportedAndTheRunGoesOn) {
  PlayResult first;
  auto s = PlaySession::Create(kSetup, &first);
  ASSERT_NE(s, nullptr);
  PlayResult r = s->Execute("expect no leader");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("play.scn:5: expected no leader, but"),
            std::string::npos)
      << r.error;
  PlayResult next = s->Execute("put k v expect ok");
  EXPECT_TRUE(next.ok) << next.error;
}

TEST(PlaySessionTest, DroppingAMessageInFlightLosesIt) {
  PlayResult first;
  auto s = PlaySession::Create(kSetup, &first);
  ASSERT_NE(s, nullptr);
  // The next message sent gets the next id; drop it before it arrives.
  PlayResult put = s->Execute("campaign follower");
  ASSERT_TRUE(put.ok) << put.error;
  const size_t at = put.events.find("\"ids\":[");
  ASSERT_NE(at, std::string::npos) << put.events;
  const uint64_t id = std::stoull(put.events.substr(at + 7));
  PlayResult drop = s->Execute("drop message " + std::to_string(id));
  ASSERT_TRUE(drop.ok) << drop.error;
  PlayResult run = s->RunFor(200 * kMillis);
  EXPECT_NE(
      run.events.find("{\"ev\":\"lost\",\"id\":" + std::to_string(id) + ","),
      std::string::npos)
      << run.events;
}

TEST(PlaySessionTest, ABadSetupIsAnError) {
  PlayResult r;
  EXPECT_EQ(PlaySession::Create("members 12\n", &r), nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("play.scn:1:"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace cairn::sim::scenario
