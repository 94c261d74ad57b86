// ParseScenario (simulator/scenario_parser.cc): every statement kind and
// every condition kind parses to the fields docs/scenarios.md gives it; the
// header, title and narration come from the comments; the setup has its
// defaults and takes overrides only before the first action; bad input
// gets a file:line:col error with an exact message and a caret under the
// column. The last tests feed every prefix of a sample scenario, mutated
// copies of it and seeded random bytes, and require a clean success or an
// error at a position inside the input.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "core/util/random.h"
#include "simulator/scenario.h"

namespace cairn::sim::scenario {
namespace {

// The example of docs/scenarios.md.
constexpr const char* kDocExample = R"(# Leader crash and re-election.
# When the leader dies, the others time out and elect one of themselves.
members 3
seed 7

wait until leader elected within 5s
put greeting hello expect ok
let old = leader
crash old
# Within an election timeout or two a follower notices and campaigns.
wait until leader elected within 5s
expect leader among n1 n2 n3
get greeting expect value hello
restart old
wait until old caught up within 5s
check linearizable
check invariants
)";

Scenario Parse(const std::string& text) {
  auto result = ParseScenario("t.scn", text);
  if (auto* error = std::get_if<ParseError>(&result)) {
    ADD_FAILURE() << "unexpected parse error:\n" << error->ToString();
    return Scenario{};
  }
  return std::get<Scenario>(std::move(result));
}

// The one statement of `text` (after an optional setup).
Action ParseOne(const std::string& text) {
  Scenario s = Parse(text);
  if (s.statements.size() != 1) {
    ADD_FAILURE() << "want 1 statement, got " << s.statements.size()
                  << " in: " << text;
    return Heal{};
  }
  return s.statements[0].action;
}

template <typename T>
T ParseAs(const std::string& text) {
  Action action = ParseOne(text);
  if (!std::holds_alternative<T>(action)) {
    ADD_FAILURE() << "wrong action kind (index " << action.index()
                  << ") for: " << text;
    return T{};
  }
  return std::get<T>(action);
}

ClientOp ParseOp(const std::string& text) { return ParseAs<ClientOp>(text); }

template <typename T>
T RequestAs(const std::string& text) {
  ClientOp op = ParseOp(text);
  if (!std::holds_alternative<T>(op.request)) {
    ADD_FAILURE() << "wrong request kind for: " << text;
    return T{};
  }
  return std::get<T>(op.request);
}

template <typename T>
T ConditionAs(const std::string& condition) {
  Expect e = ParseAs<Expect>("expect " + condition);
  if (!std::holds_alternative<T>(e.condition)) {
    ADD_FAILURE() << "wrong condition kind (index " << e.condition.index()
                  << ") for: " << condition;
    return T{};
  }
  return std::get<T>(e.condition);
}

// The error ParseScenario gives for `text`, rendered.
std::string ErrorOf(const std::string& text) {
  auto result = ParseScenario("t.scn", text);
  if (!std::holds_alternative<ParseError>(result)) {
    ADD_FAILURE() << "parsed, but want an error: " << text;
    return "";
  }
  return std::get<ParseError>(result).ToString();
}

// Only the first line of the rendering: "t.scn:L:C: error: MESSAGE".
std::string FirstLineOfError(const std::string& text) {
  const std::string full = ErrorOf(text);
  return full.substr(0, full.find('\n'));
}

void ExpectId(const MemberRef& ref, uint64_t id) {
  EXPECT_EQ(ref.kind, MemberRef::Kind::kId);
  EXPECT_EQ(ref.id, id);
  EXPECT_EQ(ref.text, "n" + std::to_string(id));
}

// ---- The whole file: header, narration, setup --------------------------

TEST(ScenarioParserTest, DocExample) {
  Scenario s = Parse(kDocExample);
  EXPECT_EQ(s.file, "t.scn");
  EXPECT_EQ(s.title, "Leader crash and re-election.");
  EXPECT_EQ(s.narration,
            "Leader crash and re-election.\n"
            "When the leader dies, the others time out and elect one of "
            "themselves.");
  EXPECT_EQ(s.setup.members, 3);
  EXPECT_EQ(s.setup.seed, 7u);
  ASSERT_EQ(s.statements.size(), 11u);
  const Statement& first = s.statements[0];
  EXPECT_EQ(first.pos.line, 6);
  EXPECT_EQ(first.pos.col, 1);
  EXPECT_EQ(first.source, "wait until leader elected within 5s");
  EXPECT_EQ(first.narration, "");
  const auto& wait = std::get<WaitUntil>(first.action);
  EXPECT_TRUE(std::holds_alternative<LeaderElected>(wait.condition));
  EXPECT_EQ(wait.within, 5 * kSeconds);
  const Statement& crash = s.statements[3];
  EXPECT_EQ(crash.source, "crash old");
  EXPECT_EQ(std::get<Crash>(crash.action).member.kind, MemberRef::Kind::kName);
  EXPECT_EQ(std::get<Crash>(crash.action).member.name, "old");
  EXPECT_EQ(s.statements[4].narration,
            "Within an election timeout or two a follower notices and "
            "campaigns.");
  EXPECT_EQ(s.statements[4].pos.line, 11);
  EXPECT_EQ(s.statements[10].source, "check invariants");
}

TEST(ScenarioParserTest, HeaderSeparatedByBlankLineIsNotNarration) {
  Scenario s = Parse(
      "#   \n# Title here\n# more\n\n# narrates the heal\nheal  # trailing\n");
  // The first non-empty line is the title.
  EXPECT_EQ(s.title, "Title here");
  // "#   " is an empty line: the space after # goes, then trailing ones.
  EXPECT_EQ(s.narration, "\nTitle here\nmore");
  ASSERT_EQ(s.statements.size(), 1u);
  EXPECT_EQ(s.statements[0].narration, "narrates the heal");
  EXPECT_EQ(s.statements[0].source, "heal");
}

TEST(ScenarioParserTest, HeaderDirectlyAboveFirstActionIsAlsoItsNarration) {
  Scenario s = Parse("#Title\n#  two spaces\n  heal\n");
  EXPECT_EQ(s.title, "Title");
  EXPECT_EQ(s.narration, "Title\n two spaces");
  ASSERT_EQ(s.statements.size(), 1u);
  EXPECT_EQ(s.statements[0].narration, "Title\n two spaces");
  EXPECT_EQ(s.statements[0].pos.col, 3);
  EXPECT_EQ(s.statements[0].source, "heal");
}

TEST(ScenarioParserTest, CommentsAfterTheFirstStatementAreNoHeader) {
  Scenario s = Parse("heal\n# a\n\n# b\n# c\nheal\n\nheal\n# dangling\n");
  EXPECT_EQ(s.title, "");
  EXPECT_EQ(s.narration, "");
  ASSERT_EQ(s.statements.size(), 3u);
  EXPECT_EQ(s.statements[1].narration, "b\nc");
  EXPECT_EQ(s.statements[2].narration, "");
}

TEST(ScenarioParserTest, EmptyAndCommentOnlyFiles) {
  Scenario empty = Parse("");
  EXPECT_TRUE(empty.statements.empty());
  EXPECT_EQ(empty.setup.members, 3);
  Scenario only = Parse("# Just a title\r\n# and words\r\n");
  EXPECT_EQ(only.title, "Just a title");
  EXPECT_EQ(only.narration, "Just a title\nand words");
  EXPECT_TRUE(only.statements.empty());
}

TEST(ScenarioParserTest, SetupDefaults) {
  Scenario s = Parse("heal\n");
  EXPECT_EQ(s.setup.members, 3);
  EXPECT_EQ(s.setup.seed, 1u);
  EXPECT_EQ(s.setup.tick, 100 * kMillis);
  EXPECT_EQ(s.setup.election_ticks, 10);
  EXPECT_EQ(s.setup.heartbeat_ticks, 1);
  EXPECT_TRUE(s.setup.pre_vote);
  EXPECT_TRUE(s.setup.check_quorum);
  EXPECT_EQ(s.setup.snapshot_count, 10000u);
  EXPECT_EQ(s.setup.request_timeout, 2 * kSeconds);
  EXPECT_FALSE(s.setup.network.latency_min.has_value());
  EXPECT_FALSE(s.setup.network.latency_max.has_value());
  EXPECT_FALSE(s.setup.network.loss_ppm.has_value());
  EXPECT_FALSE(s.setup.network.duplicate_ppm.has_value());
  EXPECT_FALSE(s.setup.network.reorder.has_value());
}

TEST(ScenarioParserTest, SetupOverrides) {
  Scenario s = Parse(
      "members 5\nseed 18446744073709551615\ntick 10ms\n"
      "election 20 ticks\nheartbeat 2 tick\npre-vote off\n"
      "check-quorum off\nsnapshot-count 7\nrequest-timeout 1.5s\n"
      "network latency 2ms..20ms loss 0.5%\n"
      "network duplicate 1% reorder on latency 3ms\n");
  EXPECT_EQ(s.setup.members, 5);
  EXPECT_EQ(s.setup.seed, UINT64_MAX);
  EXPECT_EQ(s.setup.tick, 10 * kMillis);
  EXPECT_EQ(s.setup.election_ticks, 20);
  EXPECT_EQ(s.setup.heartbeat_ticks, 2);
  EXPECT_FALSE(s.setup.pre_vote);
  EXPECT_FALSE(s.setup.check_quorum);
  EXPECT_EQ(s.setup.snapshot_count, 7u);
  EXPECT_EQ(s.setup.request_timeout, 1500 * kMillis);
  EXPECT_EQ(s.setup.network.latency_min, 3 * kMillis);
  EXPECT_EQ(s.setup.network.latency_max, 3 * kMillis);
  EXPECT_EQ(s.setup.network.loss_ppm, 5000u);
  EXPECT_EQ(s.setup.network.duplicate_ppm, 10000u);
  EXPECT_EQ(s.setup.network.reorder, true);
  // Setup statements are not statements; `network` after an action is.
  ASSERT_EQ(s.statements.size(), 0u);
}

TEST(ScenarioParserTest, NetworkAfterTheFirstActionIsAStatement) {
  Scenario s = Parse("network loss 1%\nheal\nnetwork latency 1ms..5ms\n");
  EXPECT_EQ(s.setup.network.loss_ppm, 10000u);
  ASSERT_EQ(s.statements.size(), 2u);
  const auto& set = std::get<SetNetwork>(s.statements[1].action);
  EXPECT_FALSE(set.from.has_value());
  EXPECT_FALSE(set.to.has_value());
  EXPECT_FALSE(set.both_ways);
  EXPECT_EQ(set.change.latency_min, 1 * kMillis);
  EXPECT_EQ(set.change.latency_max, 5 * kMillis);
  EXPECT_FALSE(set.change.loss_ppm.has_value());
}

// ---- Values --------------------------------------------------------------

TEST(ScenarioParserTest, Durations) {
  EXPECT_EQ(ParseAs<After>("after 7us").delay, 7u);
  EXPECT_EQ(ParseAs<After>("after 200ms").delay, 200 * kMillis);
  EXPECT_EQ(ParseAs<After>("after 1.5s").delay, 1500 * kMillis);
  EXPECT_EQ(ParseAs<After>("after 0.000001s").delay, 1u);
  EXPECT_EQ(ParseAs<After>("after 2m").delay, 120 * kSeconds);
  EXPECT_EQ(ParseAs<After>("after 1.250ms").delay, 1250u);
  EXPECT_EQ(ParseAs<After>("after 0s").delay, 0u);
  EXPECT_EQ(ParseAs<At>("at 1440m").time, 24 * 3600 * kSeconds);
}

TEST(ScenarioParserTest, Percentages) {
  // `network` is a statement only after an action, so this has two.
  Scenario s = Parse("heal\nnetwork loss 0.0001% duplicate 100%\n");
  const auto& set = std::get<SetNetwork>(s.statements[1].action);
  EXPECT_EQ(set.change.loss_ppm, 1u);
  EXPECT_EQ(set.change.duplicate_ppm, 1000000u);
  EXPECT_EQ(ParseAs<Skew>("skew n2 150%").percent, 150u);
  EXPECT_EQ(ParseAs<Skew>("skew n2 1%").percent, 1u);
  EXPECT_EQ(ParseAs<Skew>("skew n2 100.0%").percent, 100u);
}

TEST(ScenarioParserTest, MemberRefs) {
  ExpectId(ParseAs<Restart>("restart n3").member, 3);
  EXPECT_EQ(ParseAs<Restart>("restart leader").member.kind,
            MemberRef::Kind::kLeader);
  const MemberRef follower = ParseAs<Restart>("restart follower").member;
  EXPECT_EQ(follower.kind, MemberRef::Kind::kFollower);
  EXPECT_EQ(follower.text, "follower");
  Scenario s = Parse("let a_1 = n2\nlet b = a_1\npause b\n");
  ASSERT_EQ(s.statements.size(), 3u);
  const auto& let = std::get<Let>(s.statements[0].action);
  EXPECT_EQ(let.name, "a_1");
  ExpectId(let.member, 2);
  const auto& let_b = std::get<Let>(s.statements[1].action);
  EXPECT_EQ(let_b.member.kind, MemberRef::Kind::kName);
  EXPECT_EQ(let_b.member.name, "a_1");
  const auto& pause = std::get<Pause>(s.statements[2].action);
  EXPECT_EQ(pause.member.kind, MemberRef::Kind::kName);
  EXPECT_EQ(pause.member.name, "b");
  EXPECT_EQ(pause.member.text, "b");
  // n9 is fine once added.
  Scenario added = Parse("members 1\nmember add n9\ncrash n9\n");
  ExpectId(std::get<Crash>(added.statements[1].action).member, 9);
}

TEST(ScenarioParserTest, QuotedStrings) {
  PutOp put = RequestAs<PutOp>(R"(put "a key" "tab\there \"q\" \\ nl\n")");
  EXPECT_EQ(put.key, "a key");
  EXPECT_EQ(put.value, "tab\there \"q\" \\ nl\n");
  PutOp empty = RequestAs<PutOp>(R"(put k "" # a "comment")");
  EXPECT_EQ(empty.key, "k");
  EXPECT_EQ(empty.value, "");
  PutOp hash = RequestAs<PutOp>(R"(put k "#not a comment")");
  EXPECT_EQ(hash.value, "#not a comment");
  PutOp words = RequestAs<PutOp>("put config/a.b user@host:8080+x");
  EXPECT_EQ(words.key, "config/a.b");
  EXPECT_EQ(words.value, "user@host:8080+x");
}

// ---- Time, checks, let ---------------------------------------------------

TEST(ScenarioParserTest, TimeAndChecks) {
  EXPECT_EQ(ParseAs<At>("at 1.5s").time, 1500 * kMillis);
  EXPECT_EQ(ParseAs<After>("after 200ms").delay, 200 * kMillis);
  WaitUntil wait = ParseAs<WaitUntil>("wait until no leader within 3s");
  EXPECT_TRUE(std::holds_alternative<NoLeader>(wait.condition));
  EXPECT_EQ(wait.within, 3 * kSeconds);
  EXPECT_TRUE(ParseAs<Check>("check linearizable").linearizable);
  EXPECT_FALSE(ParseAs<Check>("check invariants").linearizable);
}

// ---- Conditions ----------------------------------------------------------

TEST(ScenarioParserTest, LeaderConditions) {
  ConditionAs<LeaderElected>("leader elected");
  ConditionAs<NoLeader>("no leader");
  LeaderAmong is = ConditionAs<LeaderAmong>("leader is n2");
  ASSERT_EQ(is.members.size(), 1u);
  ExpectId(is.members[0], 2);
  LeaderAmong among = ConditionAs<LeaderAmong>("leader among n1, n2 n3");
  ASSERT_EQ(among.members.size(), 3u);
  ExpectId(among.members[0], 1);
  ExpectId(among.members[2], 3);
  // `leader is follower` names the member `follower`.
  LeaderAmong f = ConditionAs<LeaderAmong>("leader is follower");
  EXPECT_EQ(f.members[0].kind, MemberRef::Kind::kFollower);
  // A role other than leader/follower after `leader is` is the role.
  MemberIs role = ConditionAs<MemberIs>("leader is candidate");
  EXPECT_EQ(role.member.kind, MemberRef::Kind::kLeader);
  EXPECT_EQ(role.role, Role::kCandidate);
  WaitUntil wait =
      ParseAs<WaitUntil>("wait until leader among n1 n2 within 1s");
  EXPECT_EQ(std::get<LeaderAmong>(wait.condition).members.size(), 2u);
}

TEST(ScenarioParserTest, MemberIsEveryRole) {
  const std::pair<const char*, Role> roles[] = {
      {"leader", Role::kLeader},       {"follower", Role::kFollower},
      {"candidate", Role::kCandidate}, {"pre-candidate", Role::kPreCandidate},
      {"down", Role::kDown},           {"paused", Role::kPaused},
      {"learner", Role::kLearner},     {"voter", Role::kVoter},
      {"removed", Role::kRemoved}};
  for (const auto& [name, role] : roles) {
    MemberIs is = ConditionAs<MemberIs>(std::string("n3 is ") + name);
    ExpectId(is.member, 3);
    EXPECT_EQ(is.role, role) << name;
  }
}

TEST(ScenarioParserTest, FieldComparisons) {
  const std::pair<const char*, Field> fields[] = {
      {"term", Field::kTerm},
      {"commit", Field::kCommit},
      {"applied", Field::kApplied},
      {"last-index", Field::kLastIndex},
      {"revision", Field::kRevision},
      {"compact-revision", Field::kCompactRevision}};
  for (const auto& [name, field] : fields) {
    FieldCmp c = ConditionAs<FieldCmp>(std::string("n1 ") + name + " >= 4");
    ASSERT_TRUE(c.member.has_value());
    ExpectId(*c.member, 1);
    EXPECT_EQ(c.field, field) << name;
    EXPECT_EQ(c.cmp, Cmp::kGe);
    EXPECT_EQ(c.value, 4);
  }
  const std::pair<const char*, Cmp> cmps[] = {
      {"=", Cmp::kEq},  {"!=", Cmp::kNe}, {"<", Cmp::kLt},
      {"<=", Cmp::kLe}, {">", Cmp::kGt},  {">=", Cmp::kGe}};
  for (const auto& [text, cmp] : cmps) {
    FieldCmp c = ConditionAs<FieldCmp>(std::string("term ") + text + " 9");
    EXPECT_FALSE(c.member.has_value());
    EXPECT_EQ(c.field, Field::kTerm);
    EXPECT_EQ(c.cmp, cmp) << text;
    EXPECT_EQ(c.value, 9);
  }
  FieldCmp leader = ConditionAs<FieldCmp>("leader commit=12");
  EXPECT_EQ(leader.member->kind, MemberRef::Kind::kLeader);
  EXPECT_EQ(leader.field, Field::kCommit);
  EXPECT_EQ(leader.value, 12);
}

TEST(ScenarioParserTest, EntrySeesCaughtUp) {
  EntryTerm e = ConditionAs<EntryTerm>("n2 entry 5 term != 3");
  ExpectId(e.member, 2);
  EXPECT_EQ(e.index, 5u);
  EXPECT_EQ(e.cmp, Cmp::kNe);
  EXPECT_EQ(e.term, 3u);
  Sees sees = ConditionAs<Sees>("n1 sees \"a b\" = 7");
  ExpectId(sees.member, 1);
  EXPECT_EQ(sees.key, "a b");
  EXPECT_EQ(sees.value, "7");
  Sees absent = ConditionAs<Sees>("follower sees k absent");
  EXPECT_EQ(absent.member.kind, MemberRef::Kind::kFollower);
  EXPECT_FALSE(absent.value.has_value());
  CaughtUp up = ConditionAs<CaughtUp>("n3 caught up");
  ExpectId(up.member, 3);
}

TEST(ScenarioParserTest, MembershipConditions) {
  MembersAre voters = ConditionAs<MembersAre>("voters are n1 n2,n3");
  EXPECT_FALSE(voters.learners);
  ASSERT_EQ(voters.members.size(), 3u);
  ExpectId(voters.members[1], 2);
  MembersAre none = ConditionAs<MembersAre>("learners are none");
  EXPECT_TRUE(none.learners);
  EXPECT_TRUE(none.members.empty());
  MembersAre learners = ConditionAs<MembersAre>("learners are n3");
  EXPECT_TRUE(learners.learners);
  ASSERT_EQ(learners.members.size(), 1u);
}

TEST(ScenarioParserTest, WatchConditions) {
  const std::string setup = "watch w k prefix\n";
  auto watch_condition = [&](const std::string& condition) {
    Scenario s = Parse(setup + "expect watch w " + condition + "\n");
    EXPECT_EQ(s.statements.size(), 2u);
    if (s.statements.size() != 2) return WatchGot{};
    return std::get<WatchGot>(
        std::get<Expect>(s.statements[1].action).condition);
  };
  WatchGot count = watch_condition("received 3 events");
  EXPECT_EQ(count.watch, "w");
  EXPECT_EQ(count.kind, WatchGot::Kind::kCount);
  EXPECT_EQ(count.cmp, Cmp::kEq);
  EXPECT_EQ(count.count, 3);
  WatchGot at_least = watch_condition("received >= 1 event");
  EXPECT_EQ(at_least.cmp, Cmp::kGe);
  EXPECT_EQ(at_least.count, 1);
  WatchGot put = watch_condition("received put k v");
  EXPECT_EQ(put.kind, WatchGot::Kind::kPut);
  EXPECT_EQ(put.key, "k");
  EXPECT_EQ(put.value, "v");
  WatchGot del = watch_condition("received delete \"k 2\"");
  EXPECT_EQ(del.kind, WatchGot::Kind::kDelete);
  EXPECT_EQ(del.key, "k 2");
  EXPECT_EQ(watch_condition("canceled").kind, WatchGot::Kind::kCanceled);
}

// ---- Faults --------------------------------------------------------------

TEST(ScenarioParserTest, PartitionIsolateCutHeal) {
  Partition p = ParseAs<Partition>("members 5\npartition n1 n2 | n3,n4 | n5");
  ASSERT_EQ(p.groups.size(), 3u);
  ASSERT_EQ(p.groups[0].size(), 2u);
  ExpectId(p.groups[1][1], 4);
  ExpectId(p.groups[2][0], 5);
  ExpectId(ParseAs<Isolate>("isolate n2").member, 2);
  Cut one = ParseAs<Cut>("cut n1 -> n2");
  ExpectId(one.from, 1);
  ExpectId(one.to, 2);
  EXPECT_FALSE(one.both_ways);
  EXPECT_FALSE(one.restore);
  Cut both = ParseAs<Cut>("cut n1<->n3");
  EXPECT_TRUE(both.both_ways);
  Cut restore = ParseAs<Cut>("restore n3->n1");
  EXPECT_TRUE(restore.restore);
  EXPECT_FALSE(restore.both_ways);
  ExpectId(restore.from, 3);
  EXPECT_TRUE(ParseAs<Cut>("restore n1 <-> n2").both_ways);
  ParseAs<Heal>("heal");
}

TEST(ScenarioParserTest, LinkSettings) {
  SetNetwork link = ParseAs<SetNetwork>(
      "link n1 <-> n2 latency 5ms..50ms loss 1% duplicate 2.5% reorder off");
  ExpectId(*link.from, 1);
  ExpectId(*link.to, 2);
  EXPECT_TRUE(link.both_ways);
  EXPECT_EQ(link.change.latency_min, 5 * kMillis);
  EXPECT_EQ(link.change.latency_max, 50 * kMillis);
  EXPECT_EQ(link.change.loss_ppm, 10000u);
  EXPECT_EQ(link.change.duplicate_ppm, 25000u);
  EXPECT_EQ(link.change.reorder, false);
  SetNetwork spaced = ParseAs<SetNetwork>("link n2 -> n1 latency 1.5ms .. 2ms");
  EXPECT_FALSE(spaced.both_ways);
  EXPECT_EQ(spaced.change.latency_min, 1500u);
  EXPECT_EQ(spaced.change.latency_max, 2000u);
  EXPECT_FALSE(spaced.change.loss_ppm.has_value());
}

TEST(ScenarioParserTest, CrashRestartPauseResume) {
  Crash now = ParseAs<Crash>("crash n1");
  ExpectId(now.member, 1);
  EXPECT_FALSE(now.tearing);
  EXPECT_EQ(now.point, "");
  EXPECT_TRUE(ParseAs<Crash>("crash n1 tearing").tearing);
  for (const char* point : {"before-write", "after-write", "after-sync",
                            "after-send", "mid-apply", "after-apply"}) {
    Crash at = ParseAs<Crash>(std::string("crash leader at ") + point);
    EXPECT_EQ(at.point, point);
    EXPECT_EQ(at.member.kind, MemberRef::Kind::kLeader);
  }
  Crash torn = ParseAs<Crash>("crash n2 at after-write tearing");
  EXPECT_EQ(torn.point, "after-write");
  EXPECT_TRUE(torn.tearing);
  EXPECT_FALSE(torn.keep_written);
  // kill: the process dies, what it wrote survives.
  Crash kill = ParseAs<Crash>("kill n3");
  ExpectId(kill.member, 3);
  EXPECT_TRUE(kill.keep_written);
  EXPECT_EQ(kill.point, "");
  Crash kill_at = ParseAs<Crash>("kill follower at after-apply");
  EXPECT_TRUE(kill_at.keep_written);
  EXPECT_EQ(kill_at.point, "after-apply");
  EXPECT_EQ(FirstLineOfError("kill n1 tearing\n"),
            "t.scn:1:9: error: expected \"at POINT\" or the end of the line, "
            "got \"tearing\"");
  EXPECT_EQ(FirstLineOfError("crash n1 at after-sync now\n"),
            "t.scn:1:24: error: expected \"tearing\" or the end of the line, "
            "got \"now\"");
  ExpectId(ParseAs<Restart>("restart n2").member, 2);
  ExpectId(ParseAs<Pause>("pause n2").member, 2);
  ExpectId(ParseAs<Resume>("resume n3").member, 3);
}

TEST(ScenarioParserTest, SyncSkewClockCampaignDrop) {
  ExpectId(ParseAs<FailSync>("fail next sync on n3").member, 3);
  Skew skew = ParseAs<Skew>("skew n2 150%");
  ExpectId(skew.member, 2);
  EXPECT_EQ(skew.percent, 150u);
  ClockJump forward = ParseAs<ClockJump>("clock n1 forward 2s");
  ExpectId(forward.member, 1);
  EXPECT_EQ(forward.by, 2 * kSeconds);
  EXPECT_FALSE(forward.back);
  ClockJump back = ParseAs<ClockJump>("clock n1 back 300ms");
  EXPECT_TRUE(back.back);
  EXPECT_EQ(back.by, 300 * kMillis);
  ExpectId(ParseAs<Campaign>("campaign n2").member, 2);
  for (const char* type :
       {"MsgApp", "MsgAppResp", "MsgVote", "MsgVoteResp", "MsgPreVote",
        "MsgPreVoteResp", "MsgHeartbeat", "MsgHeartbeatResp", "MsgSnap",
        "MsgTimeoutNow", "MsgReadIndex", "MsgReadIndexResp",
        "MsgTransferLeader"}) {
    DropNext drop =
        ParseAs<DropNext>(std::string("drop next ") + type + " n1 -> n2");
    EXPECT_EQ(drop.type, type);
    ExpectId(drop.from, 1);
    ExpectId(drop.to, 2);
  }
}

// ---- Client operations ---------------------------------------------------

TEST(ScenarioParserTest, PutGetDelete) {
  Scenario s = Parse("lease grant l1 ttl 5s\nput k v lease l1 on n2\n");
  const auto& grant_op = std::get<ClientOp>(s.statements[0].action);
  const auto& grant = std::get<LeaseGrant>(grant_op.request);
  EXPECT_EQ(grant.lease, "l1");
  EXPECT_EQ(grant.ttl_s, 5);
  const auto& op = std::get<ClientOp>(s.statements[1].action);
  const auto& put = std::get<PutOp>(op.request);
  EXPECT_EQ(put.key, "k");
  EXPECT_EQ(put.value, "v");
  EXPECT_EQ(put.lease, "l1");
  ASSERT_TRUE(op.on.has_value());
  ExpectId(*op.on, 2);
  EXPECT_EQ(op.expect.kind, OpExpect::Kind::kAny);

  ClientOp get =
      ParseOp("get k rev 4 serializable prefix expect count 2 on n3");
  const auto& g = std::get<GetOp>(get.request);
  EXPECT_EQ(g.key, "k");
  EXPECT_TRUE(g.prefix);
  EXPECT_TRUE(g.serializable);
  EXPECT_EQ(g.revision, 4);
  EXPECT_EQ(get.expect.kind, OpExpect::Kind::kCount);
  EXPECT_EQ(get.expect.count, 2);
  ExpectId(*get.on, 3);
  GetOp plain = RequestAs<GetOp>("get k");
  EXPECT_FALSE(plain.prefix);
  EXPECT_FALSE(plain.serializable);
  EXPECT_EQ(plain.revision, 0);
  EXPECT_EQ(ParseOp("get k expect absent").expect.kind,
            OpExpect::Kind::kAbsent);
  ClientOp value = ParseOp("get k expect value \"x y\"");
  EXPECT_EQ(value.expect.kind, OpExpect::Kind::kValue);
  EXPECT_EQ(value.expect.text, "x y");
  EXPECT_FALSE(value.on.has_value());

  ClientOp del = ParseOp("delete k prefix on leader expect count 0");
  EXPECT_TRUE(std::get<DeleteOp>(del.request).prefix);
  EXPECT_EQ(del.on->kind, MemberRef::Kind::kLeader);
  EXPECT_EQ(del.expect.kind, OpExpect::Kind::kCount);
  EXPECT_FALSE(RequestAs<DeleteOp>("delete k").prefix);
}

TEST(ScenarioParserTest, Expectations) {
  EXPECT_EQ(ParseOp("put k v expect ok").expect.kind, OpExpect::Kind::kOk);
  ClientOp error = ParseOp("put k v expect error \"no leader\"");
  EXPECT_EQ(error.expect.kind, OpExpect::Kind::kError);
  EXPECT_EQ(error.expect.text, "no leader");
  EXPECT_EQ(
      ParseOp("txn if value(k) = v then put k w expect succeeded").expect.kind,
      OpExpect::Kind::kSucceeded);
  EXPECT_EQ(ParseOp("txn if value(k) = v then expect failed").expect.kind,
            OpExpect::Kind::kFailed);
}

TEST(ScenarioParserTest, Txn) {
  ClientOp op = ParseOp(
      "txn if value(k) = \"v 1\", version(k) > 2, create(a) != 0 mod(b) < 9 "
      "then put k v2, get a delete b else get k on n1 expect ok");
  const auto& txn = std::get<TxnOpList>(op.request);
  ASSERT_EQ(txn.compares.size(), 4u);
  EXPECT_EQ(txn.compares[0].target, TxnCompare::Target::kValue);
  EXPECT_EQ(txn.compares[0].key, "k");
  EXPECT_EQ(txn.compares[0].cmp, Cmp::kEq);
  EXPECT_EQ(txn.compares[0].value, "v 1");
  EXPECT_EQ(txn.compares[1].target, TxnCompare::Target::kVersion);
  EXPECT_EQ(txn.compares[1].cmp, Cmp::kGt);
  EXPECT_EQ(txn.compares[1].number, 2);
  EXPECT_EQ(txn.compares[2].target, TxnCompare::Target::kCreate);
  EXPECT_EQ(txn.compares[2].key, "a");
  EXPECT_EQ(txn.compares[2].cmp, Cmp::kNe);
  EXPECT_EQ(txn.compares[3].target, TxnCompare::Target::kMod);
  EXPECT_EQ(txn.compares[3].cmp, Cmp::kLt);
  EXPECT_EQ(txn.compares[3].number, 9);
  ASSERT_EQ(txn.success.size(), 3u);
  EXPECT_EQ(std::get<PutOp>(txn.success[0]).value, "v2");
  EXPECT_EQ(std::get<GetOp>(txn.success[1]).key, "a");
  EXPECT_EQ(std::get<DeleteOp>(txn.success[2]).key, "b");
  ASSERT_EQ(txn.failure.size(), 1u);
  EXPECT_EQ(std::get<GetOp>(txn.failure[0]).key, "k");
  ExpectId(*op.on, 1);
  EXPECT_EQ(op.expect.kind, OpExpect::Kind::kOk);
}

TEST(ScenarioParserTest, LeasesWatchesCompact) {
  Scenario s = Parse(
      "lease grant l ttl 1m\nlease keep-alive l on n2\nlease revoke l\n"
      "watch w1 config/ prefix from 3 on n1\ncancel watch w1\ncompact 17\n");
  ASSERT_EQ(s.statements.size(), 6u);
  auto request = [&](size_t i) {
    return std::get<ClientOp>(s.statements[i].action).request;
  };
  EXPECT_EQ(std::get<LeaseGrant>(request(0)).ttl_s, 60);
  EXPECT_EQ(std::get<LeaseKeepAlive>(request(1)).lease, "l");
  EXPECT_EQ(std::get<LeaseRevoke>(request(2)).lease, "l");
  const auto watch = std::get<WatchOp>(request(3));
  EXPECT_EQ(watch.watch, "w1");
  EXPECT_EQ(watch.key, "config/");
  EXPECT_TRUE(watch.prefix);
  EXPECT_EQ(watch.from, 3);
  ExpectId(*std::get<ClientOp>(s.statements[3].action).on, 1);
  EXPECT_EQ(std::get<CancelWatch>(request(4)).watch, "w1");
  EXPECT_EQ(std::get<CompactOp>(request(5)).revision, 17);
}

TEST(ScenarioParserTest, MembershipAndTransfer) {
  Scenario s = Parse(
      "member add n4\nmember add n5 as learner on n1 expect ok\n"
      "member promote n5\nmember remove n4\ntransfer leadership to n5\n");
  ASSERT_EQ(s.statements.size(), 5u);
  auto request = [&](size_t i) {
    return std::get<ClientOp>(s.statements[i].action).request;
  };
  EXPECT_EQ(std::get<MemberAdd>(request(0)).id, 4u);
  EXPECT_FALSE(std::get<MemberAdd>(request(0)).learner);
  EXPECT_EQ(std::get<MemberAdd>(request(1)).id, 5u);
  EXPECT_TRUE(std::get<MemberAdd>(request(1)).learner);
  ExpectId(std::get<MemberPromote>(request(2)).member, 5);
  ExpectId(std::get<MemberRemove>(request(3)).member, 4);
  ExpectId(std::get<Transfer>(request(4)).to, 5);
}

// The other examples of man/cairn-scenario.5 parse.
TEST(ScenarioParserTest, ManPageExamples) {
  Scenario partition = Parse(R"(# Minority partition.
members 5
network latency 1ms..10ms loss 0.5%

wait until leader elected within 5s
transfer leadership to n1
wait until leader is n1 within 5s
partition n1 n2 | n3 n4 n5
put k v on n1 expect error "timed out"
wait until leader among n3 n4 n5 within 10s
put k v2 expect ok
heal
wait until n1 caught up within 10s
expect n1 sees k = v2
check linearizable
)");
  EXPECT_EQ(partition.title, "Minority partition.");
  EXPECT_EQ(partition.setup.members, 5);
  EXPECT_EQ(partition.setup.network.latency_max, 10 * kMillis);
  EXPECT_EQ(partition.statements.size(), 11u);
  Scenario lease = Parse(R"(wait until leader elected within 5s
lease grant session ttl 3s
watch w config/ prefix on follower
put config/a 1 lease session expect ok
txn if value(config/a) = 1 then put config/b 2 else get config/a expect succeeded
crash leader at after-sync
wait until leader elected within 5s
expect watch w received >= 2 events
after 5s
get config/a expect absent
)");
  EXPECT_EQ(lease.statements.size(), 10u);
}

// ---- Errors --------------------------------------------------------------

TEST(ScenarioParserTest, ErrorRendering) {
  EXPECT_EQ(ErrorOf("heal\nafter foo\n"),
            "t.scn:2:7: error: expected a duration like 200ms or 1.5s, got "
            "\"foo\"\n"
            "  after foo\n"
            "        ^");
  EXPECT_EQ(ErrorOf("crsh n1\n"),
            "t.scn:1:1: error: unknown statement \"crsh\" (did you mean "
            "\"crash\"?)\n"
            "  crsh n1\n"
            "  ^");
  // Tabs stay tabs under the caret so that it lines up.
  EXPECT_EQ(ErrorOf("\tcrash\tn12\n"),
            "t.scn:1:8: error: member n12: members are n1..n9\n"
            "  \tcrash\tn12\n"
            "  \t     \t^");
  // At the end of the line the caret sits just past the last character.
  EXPECT_EQ(ErrorOf("crash # gone\n"),
            "t.scn:1:6: error: expected a member (n1..n9, leader, follower "
            "or a name bound by let), got the end of the line\n"
            "  crash # gone\n"
            "       ^");
  // A multi-byte character counts as one column for the caret.
  EXPECT_EQ(ErrorOf("put \"\xC3\xA9\" v foo\n"),
            "t.scn:1:12: error: expected \"on M\", \"expect ...\" or the end "
            "of the line, got \"foo\"\n"
            "  put \"\xC3\xA9\" v foo\n"
            "            ^");
}

TEST(ScenarioParserTest, LexicalErrors) {
  EXPECT_EQ(FirstLineOfError("put k \"abc\n"),
            "t.scn:1:7: error: unterminated string");
  EXPECT_EQ(FirstLineOfError("put k \"abc\\\n"),
            "t.scn:1:7: error: unterminated string");
  EXPECT_EQ(FirstLineOfError("put k \"a\\qb\"\n"),
            "t.scn:1:9: error: unknown escape \"\\q\" in a string (use \\\", "
            "\\\\, \\n or \\t)");
  EXPECT_EQ(FirstLineOfError("put k $\n"),
            "t.scn:1:7: error: unexpected character '$'");
  EXPECT_EQ(FirstLineOfError("put k \xFF\n"),
            "t.scn:1:7: error: unexpected character byte 0xFF");
  EXPECT_EQ(FirstLineOfError("put k \"a\x01\"\n"),
            "t.scn:1:9: error: control character byte 0x01 in a string "
            "(write \\n or \\t)");
  EXPECT_EQ(FirstLineOfError("-> n1\n"),
            "t.scn:1:1: error: expected a statement, got \"->\"");
}

TEST(ScenarioParserTest, SetupErrors) {
  EXPECT_EQ(FirstLineOfError("seed 1\n\n# c\nheal\n\nmembers 5\n"),
            "t.scn:6:1: error: setup statement \"members\" must come before "
            "the first action (line 4)");
  EXPECT_EQ(FirstLineOfError("members 3\nmembers 5\n"),
            "t.scn:2:1: error: setup statement \"members\" was already given "
            "on line 1");
  EXPECT_EQ(FirstLineOfError("members 10\n"),
            "t.scn:1:9: error: the number of members must be 1..9, got "
            "\"10\"");
  EXPECT_EQ(FirstLineOfError("members 0\n"),
            "t.scn:1:9: error: the number of members must be 1..9, got "
            "\"0\"");
  EXPECT_EQ(FirstLineOfError("seed 18446744073709551616\n"),
            "t.scn:1:6: error: the seed must be at most "
            "18446744073709551615, got \"18446744073709551616\"");
  EXPECT_EQ(FirstLineOfError("election 10\n"),
            "t.scn:1:12: error: expected \"ticks\", got the end of the line");
  EXPECT_EQ(FirstLineOfError("pre-vote yes\n"),
            "t.scn:1:10: error: expected \"on\" or \"off\" (pre-vote), got "
            "\"yes\"");
  EXPECT_EQ(FirstLineOfError("tick 0ms\n"),
            "t.scn:1:6: error: the tick interval must be longer than 0, got "
            "\"0ms\"");
  EXPECT_EQ(FirstLineOfError("election 3 ticks\nheartbeat 3 ticks\nheal\n"),
            "t.scn:2:1: error: the election timeout (3 ticks) must be longer "
            "than the heartbeat interval (3 ticks)");
  EXPECT_EQ(FirstLineOfError("heartbeat 12 ticks\n"),
            "t.scn:1:1: error: the election timeout (10 ticks) must be longer "
            "than the heartbeat interval (12 ticks)");
}

TEST(ScenarioParserTest, ValueErrors) {
  EXPECT_EQ(FirstLineOfError("after 1.5us\n"),
            "t.scn:1:7: error: duration \"1.5us\" is not a whole number of "
            "microseconds");
  EXPECT_EQ(FirstLineOfError("after 1441m\n"),
            "t.scn:1:7: error: duration \"1441m\" is too long (at most 1440m, "
            "a simulated day)");
  EXPECT_EQ(FirstLineOfError("after 99999999999999999999999s\n"),
            "t.scn:1:7: error: duration \"99999999999999999999999s\" is too "
            "long (at most 1440m, a simulated day)");
  EXPECT_EQ(FirstLineOfError("after 5\n"),
            "t.scn:1:7: error: expected a duration like 200ms or 1.5s, got "
            "\"5\"");
  EXPECT_EQ(FirstLineOfError("after 5h\n"),
            "t.scn:1:7: error: expected a duration like 200ms or 1.5s, got "
            "\"5h\"");
  EXPECT_EQ(FirstLineOfError("after 1..2s\n"),
            "t.scn:1:7: error: expected a duration like 200ms or 1.5s, got "
            "\"1\"");
  EXPECT_EQ(FirstLineOfError("network loss 101%\n"),
            "t.scn:1:14: error: the loss must be 0%..100%, got \"101%\"");
  EXPECT_EQ(FirstLineOfError("network loss 0.00001%\n"),
            "t.scn:1:14: error: the loss \"0.00001%\" is finer than 0.0001%");
  EXPECT_EQ(FirstLineOfError("network loss 5\n"),
            "t.scn:1:14: error: expected a percentage like 10% or 0.5% (the "
            "loss), got \"5\"");
  EXPECT_EQ(FirstLineOfError("skew n1 99.5%\n"),
            "t.scn:1:9: error: the clock rate must be a whole percentage, got "
            "\"99.5%\"");
  EXPECT_EQ(FirstLineOfError("skew n1 0%\n"),
            "t.scn:1:9: error: the clock rate must be 1%..1000%, got \"0%\"");
  EXPECT_EQ(FirstLineOfError("network latency 5ms..1ms\n"),
            "t.scn:1:17: error: the latency range goes backwards (the minimum "
            "is above the maximum)");
  EXPECT_EQ(FirstLineOfError("network loss 1% loss 2%\n"),
            "t.scn:1:17: error: \"loss\" is given twice");
  EXPECT_EQ(FirstLineOfError("network\n"),
            "t.scn:1:8: error: expected a network setting (latency, loss, "
            "duplicate or reorder), got the end of the line");
  EXPECT_EQ(FirstLineOfError("lease grant l ttl 1500ms\n"),
            "t.scn:1:19: error: a lease ttl is whole seconds, got \"1500ms\"");
  EXPECT_EQ(FirstLineOfError("compact 0\n"),
            "t.scn:1:9: error: the revision must be at least 1, got \"0\"");
  EXPECT_EQ(FirstLineOfError("put \"\" v\n"),
            "t.scn:1:5: error: the key must not be empty");
}

TEST(ScenarioParserTest, MemberErrors) {
  EXPECT_EQ(FirstLineOfError("crash n12\n"),
            "t.scn:1:7: error: member n12: members are n1..n9");
  EXPECT_EQ(FirstLineOfError("crash n0\n"),
            "t.scn:1:7: error: member n0: members are n1..n9");
  EXPECT_EQ(FirstLineOfError("crash n4\n"),
            "t.scn:1:7: error: member n4: the cluster has n1..n3, and no "
            "earlier \"member add n4\"");
  EXPECT_EQ(FirstLineOfError("let old = leader\ncrash olf\n"),
            "t.scn:2:7: error: unknown member \"olf\": members are n1..n9, "
            "leader, follower or a name bound by an earlier let (did you "
            "mean \"old\"?)");
  EXPECT_EQ(FirstLineOfError("let a = a\n"),
            "t.scn:1:9: error: unknown member \"a\": members are n1..n9, "
            "leader, follower or a name bound by an earlier let");
  EXPECT_EQ(FirstLineOfError("let leader = n1\n"),
            "t.scn:1:5: error: \"leader\" cannot name a member: it is a "
            "keyword or a member id");
  EXPECT_EQ(FirstLineOfError("let n2 = n1\n"),
            "t.scn:1:5: error: \"n2\" cannot name a member: it is a keyword "
            "or a member id");
  EXPECT_EQ(FirstLineOfError("let x n1\n"),
            "t.scn:1:7: error: expected \"=\", got \"n1\"");
  EXPECT_EQ(FirstLineOfError("cut n1 -> n1\n"),
            "t.scn:1:11: error: n1 has no link to itself");
  EXPECT_EQ(FirstLineOfError("cut n1 n2\n"),
            "t.scn:1:8: error: expected \"->\" or \"<->\", got \"n2\"");
  EXPECT_EQ(FirstLineOfError("drop next MsgApp n1 <-> n2\n"),
            "t.scn:1:21: error: expected \"->\", got \"<->\"");
  EXPECT_EQ(FirstLineOfError("partition n1 n2\n"),
            "t.scn:1:16: error: expected \"|\" (a partition needs two or more "
            "groups), got the end of the line");
  EXPECT_EQ(FirstLineOfError("partition n1 | n2 n1\n"),
            "t.scn:1:19: error: n1 is in two groups");
  EXPECT_EQ(FirstLineOfError("partition n1 | | n2\n"),
            "t.scn:1:16: error: expected a member (n1..n9, leader, follower "
            "or a name bound by let), got \"|\"");
  EXPECT_EQ(FirstLineOfError("expect leader among n1,\n"),
            "t.scn:1:24: error: expected a member (n1..n9, leader, follower "
            "or a name bound by let), got the end of the line");
}

TEST(ScenarioParserTest, StatementErrors) {
  EXPECT_EQ(FirstLineOfError("crash n1 at mid-aply\n"),
            "t.scn:1:13: error: unknown crash point \"mid-aply\" (did you "
            "mean \"mid-apply\"?); one of before-write, after-write, "
            "after-sync, after-send, mid-apply, after-apply");
  EXPECT_EQ(
      FirstLineOfError("drop next MsgAppRsp n1 -> n2\n"),
      "t.scn:1:11: error: unknown message type \"MsgAppRsp\" (did you "
      "mean \"MsgAppResp\"?); one of MsgApp, MsgAppResp, MsgVote, MsgVoteResp, "
      "MsgPreVote, MsgPreVoteResp, MsgHeartbeat, MsgHeartbeatResp, "
      "MsgSnap, MsgTimeoutNow, MsgReadIndex, MsgReadIndexResp, "
      "MsgTransferLeader");
  EXPECT_EQ(FirstLineOfError("crash n1 at\n"),
            "t.scn:1:12: error: expected a crash point (one of before-write, "
            "after-write, after-sync, after-send, mid-apply, after-apply), "
            "got the end of the line");
  EXPECT_EQ(FirstLineOfError("heal now\n"),
            "t.scn:1:6: error: expected the end of the line, got \"now\"");
  EXPECT_EQ(FirstLineOfError("frobnicate\n"),
            "t.scn:1:1: error: unknown statement \"frobnicate\"");
  EXPECT_EQ(FirstLineOfError("wait until leader elected\n"),
            "t.scn:1:26: error: expected \"within\", got the end of the line");
  EXPECT_EQ(FirstLineOfError("wait until leader elected within 0s\n"),
            "t.scn:1:34: error: the time limit of a wait must be longer than "
            "0, got \"0s\"");
  EXPECT_EQ(FirstLineOfError("expect n1 is boss\n"),
            "t.scn:1:14: error: expected a role (leader, follower, candidate, "
            "pre-candidate, down, paused, learner, voter or removed), got "
            "\"boss\"");
  EXPECT_EQ(FirstLineOfError("expect n1 height > 3\n"),
            "t.scn:1:11: error: expected a condition on n1 (is, term, commit, "
            "applied, last-index, revision, compact-revision, entry, sees or "
            "caught up), got \"height\"");
  EXPECT_EQ(FirstLineOfError("expect 42\n"),
            "t.scn:1:8: error: expected a condition (leader elected, no "
            "leader, leader is M, leader among M..., term, voters are, "
            "learners are, watch W, or a member's), got \"42\"");
  EXPECT_EQ(FirstLineOfError("expect ok\n"),
            "t.scn:1:8: error: expected a condition (leader elected, no "
            "leader, leader is M, leader among M..., term, voters are, "
            "learners are, watch W, or a member's), got \"ok\"");
  EXPECT_EQ(FirstLineOfError("let old = n1\nexpect olf is leader\n"),
            "t.scn:2:8: error: unknown member \"olf\": members are n1..n9, "
            "leader, follower or a name bound by an earlier let (did you "
            "mean \"old\"?)");
  EXPECT_EQ(FirstLineOfError("expect term => 3\n"),
            "t.scn:1:14: error: expected a number (the term), got \">\"");
  EXPECT_EQ(FirstLineOfError("expect term ~ 3\n"),
            "t.scn:1:13: error: unexpected character '~'");
  EXPECT_EQ(FirstLineOfError("expect n1 term 3\n"),
            "t.scn:1:16: error: expected a comparison (=, !=, <, <=, > or "
            ">=), got \"3\"");
  EXPECT_EQ(FirstLineOfError("expect watch w canceled\n"),
            "t.scn:1:14: error: unknown watch \"w\": no earlier watch "
            "statement binds it");
  EXPECT_EQ(FirstLineOfError("lease grant l ttl 5s\nput k v lease m\n"),
            "t.scn:2:15: error: unknown lease \"m\": no earlier lease grant "
            "binds it");
  EXPECT_EQ(FirstLineOfError("put k v expect value v\n"),
            "t.scn:1:16: error: a put cannot expect \"value\"; it may expect "
            "ok or error");
  EXPECT_EQ(FirstLineOfError("get k expect succeeded\n"),
            "t.scn:1:14: error: a get cannot expect \"succeeded\"; it may "
            "expect ok, error, value, absent or count");
  EXPECT_EQ(FirstLineOfError("get k on n1 on n2\n"),
            "t.scn:1:13: error: \"on\" is given twice");
  EXPECT_EQ(FirstLineOfError("get k prefix prefix\n"),
            "t.scn:1:14: error: \"prefix\" is given twice");
  EXPECT_EQ(FirstLineOfError("put k v expect maybe\n"),
            "t.scn:1:16: error: expected an answer (ok, error \"TEXT\", value "
            "V, absent, count N, succeeded or failed), got \"maybe\"");
  EXPECT_EQ(FirstLineOfError("txn if version(k) <= 2 then get k\n"),
            "t.scn:1:19: error: a txn compare takes =, !=, < or > (as etcd's), "
            "got \"<=\"");
  EXPECT_EQ(FirstLineOfError("txn if value(k) = 1\n"),
            "t.scn:1:20: error: expected \"then\", got the end of the line");
  EXPECT_EQ(FirstLineOfError("txn if value(k) = 1 then compact 3\n"),
            "t.scn:1:26: error: expected a txn operation (put K V, get K or "
            "delete K), got \"compact\"");
  EXPECT_EQ(FirstLineOfError("member add n10\n"),
            "t.scn:1:12: error: member n10: members are n1..n9");
  EXPECT_EQ(FirstLineOfError("member add x\n"),
            "t.scn:1:12: error: expected a new member's id (n1..n9), got "
            "\"x\"");
  EXPECT_EQ(FirstLineOfError("check everything\n"),
            "t.scn:1:7: error: expected \"linearizable\" or \"invariants\", "
            "got \"everything\"");
}

TEST(ScenarioParserTest, LimitErrors) {
  EXPECT_EQ(FirstLineOfError("heal\n" + std::string(5000, 'a') + "\n"),
            "t.scn:2:1: error: the line is 5000 bytes long; lines are at most "
            "4096 bytes");
  const std::string big(1 << 20, '\n');  // 1 MiB of blank lines
  EXPECT_EQ(FirstLineOfError(big + "\n"),
            "t.scn:1:1: error: the file is 1048577 bytes; a scenario is at "
            "most 1 MiB (1048576 bytes)");
  std::string many;
  for (int i = 0; i < 10001; ++i) many += "heal\n";
  EXPECT_EQ(FirstLineOfError(many),
            "t.scn:10001:1: error: too many statements: a scenario has at "
            "most 10000");
}

// ---- Robustness ----------------------------------------------------------

// A parse either succeeds or fails at a position inside the input, and the
// rendering names that position.
void ExpectCleanResult(const std::string& text) {
  auto result = ParseScenario("f.scn", text);
  if (std::holds_alternative<Scenario>(result)) return;
  const ParseError& error = std::get<ParseError>(result);
  size_t lines = 1;
  for (char c : text) lines += c == '\n' ? 1 : 0;
  EXPECT_GE(error.pos.line, 1);
  EXPECT_LE(static_cast<size_t>(error.pos.line), lines);
  EXPECT_GE(error.pos.col, 1);
  EXPECT_LE(static_cast<size_t>(error.pos.col), error.line.size() + 1);
  EXPECT_FALSE(error.message.empty());
  const std::string rendered = error.ToString();
  EXPECT_EQ(rendered.rfind("f.scn:" + std::to_string(error.pos.line) + ":" +
                               std::to_string(error.pos.col) + ": error: ",
                           0),
            0u)
      << rendered;
}

TEST(ScenarioParserTest, EveryPrefixOfASampleParsesOrFailsCleanly) {
  const std::string sample = std::string(kDocExample) +
                             "network latency 1ms..5ms loss 1% reorder on\n"
                             "txn if value(k) = \"a\\tb\" then put k v else "
                             "get k expect failed\n"
                             "watch w k prefix from 2\n"
                             "expect watch w received >= 1 events\n"
                             "link n1 <-> n2 duplicate 0.5%\n";
  for (size_t n = 0; n <= sample.size(); ++n) {
    ExpectCleanResult(sample.substr(0, n));
  }
}

TEST(ScenarioParserTest, MutatedAndRandomInputsParseOrFailCleanly) {
  Random rng(20261203);
  const std::string sample(kDocExample);
  const std::string alphabet = "ab n1 .%\"\\#-><=|,()\t\n0123456789msu";
  for (int round = 0; round < 2000; ++round) {
    std::string text = sample;
    const uint64_t edits = rng.Range(1, 8);
    for (uint64_t e = 0; e < edits; ++e) {
      const size_t at = rng.Uniform(text.size() + 1);
      switch (rng.Uniform(3)) {
        case 0:  // insert a byte, from the alphabet or any
          text.insert(at, 1,
                      rng.OneIn(1, 2) ? alphabet[rng.Uniform(alphabet.size())]
                                      : static_cast<char>(rng.Uniform(256)));
          break;
        case 1:  // delete
          if (at < text.size()) text.erase(at, rng.Range(1, 5));
          break;
        default:  // overwrite
          if (at < text.size()) {
            text[at] = alphabet[rng.Uniform(alphabet.size())];
          }
      }
    }
    ExpectCleanResult(text);
  }
  for (int round = 0; round < 500; ++round) {
    std::string text(rng.Uniform(300), '\0');
    for (char& c : text) c = static_cast<char>(rng.Uniform(256));
    ExpectCleanResult(text);
  }
}

}  // namespace
}  // namespace cairn::sim::scenario
