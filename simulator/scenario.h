// Scenario: the parsed form of a scenario file (man/cairn-scenario.5,
// docs/scenarios.md). Pure data: ParseScenario (scenario_parser.cc) makes
// it from text; ScenarioWorld (scenario_world.cc) runs it. Every statement
// keeps its source position so that a failure names file:line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "simulator/event_queue.h"

namespace cairn::sim::scenario {

// 1-based line and column of a statement's (or token's) first character.
struct Pos {
  int line = 0;
  int col = 0;
};

// A member as a statement names it: a fixed member (n3), the current
// leader, the lowest-id running follower, or a name bound by `let`.
// Resolved when the statement runs.
struct MemberRef {
  enum class Kind : uint8_t { kId, kLeader, kFollower, kName };
  Kind kind = Kind::kId;
  uint64_t id = 0;   // kId: 1..9
  std::string name;  // kName
  std::string text;  // as written, for messages
};

// Network settings, as `network ...` and `link ...` change them. Only the
// fields that are set change.
struct LinkChange {
  std::optional<Micros> latency_min;
  std::optional<Micros> latency_max;
  std::optional<uint32_t> loss_ppm;
  std::optional<uint32_t> duplicate_ppm;
  std::optional<bool> reorder;
};

// ---- Setup: only before the first other statement -----------------------

struct Setup {
  int members = 3;  // n1 .. nN, all voters
  uint64_t seed = 1;
  Micros tick = 100 * kMillis;
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  bool pre_vote = true;
  bool check_quorum = true;
  uint64_t snapshot_count = 10000;
  Micros request_timeout = 2 * kSeconds;
  // `network ...` lines before the first action set the defaults.
  LinkChange network;
};

// ---- Conditions: `wait until C within T` and `expect C` -----------------

enum class Cmp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

enum class Role : uint8_t {
  kLeader,
  kFollower,
  kCandidate,
  kPreCandidate,
  kDown,
  kPaused,
  kLearner,
  kVoter,
  kRemoved
};

// Some running member leads and has the highest term of all running
// members.
struct LeaderElected {};
// No running member is leader.
struct NoLeader {};
// `leader is M` / `leader among M M...`: the elected leader (as above) is
// one of these.
struct LeaderAmong {
  std::vector<MemberRef> members;
};
// `M is ROLE`
struct MemberIs {
  MemberRef member;
  Role role = Role::kLeader;
};
// `M FIELD CMP N`; `term CMP N` without a member: the highest term of the
// running members.
enum class Field : uint8_t {
  kTerm,
  kCommit,
  kApplied,
  kLastIndex,
  kRevision,
  kCompactRevision
};
// The field's name as scenarios write it ("last-index").
std::string_view FieldName(Field f);
struct FieldCmp {
  std::optional<MemberRef> member;
  Field field = Field::kTerm;
  Cmp cmp = Cmp::kEq;
  int64_t value = 0;
};
// `M entry I term CMP N`: the term of M's log entry at index I (0 when M
// does not hold it).
struct EntryTerm {
  MemberRef member;
  uint64_t index = 0;
  Cmp cmp = Cmp::kEq;
  uint64_t term = 0;
};
// `M sees K = V` / `M sees K absent`: M's own keyspace, now.
struct Sees {
  MemberRef member;
  std::string key;
  std::optional<std::string> value;  // nullopt: absent
};
// `watch W received N events` / `watch W received put K V` /
// `watch W received delete K` / `watch W canceled`.
struct WatchGot {
  std::string watch;
  enum class Kind : uint8_t { kCount, kPut, kDelete, kCanceled };
  Kind kind = Kind::kCount;
  Cmp cmp = Cmp::kEq;  // kCount
  int64_t count = 0;   // kCount
  std::string key;
  std::string value;  // kPut
};
// `voters are M...` / `learners are M...` (as the given member's applied
// membership says; the leader's when no `on M`).
struct MembersAre {
  bool learners = false;
  std::vector<MemberRef> members;
};
// `M caught up`: M applied everything the leader committed.
struct CaughtUp {
  MemberRef member;
};

using Condition =
    std::variant<LeaderElected, NoLeader, LeaderAmong, MemberIs, FieldCmp,
                 EntryTerm, Sees, WatchGot, MembersAre, CaughtUp>;

// ---- Statements ---------------------------------------------------------

// `at 1.5s`: runs the cluster until that simulated time (an error if it
// has passed).
struct At {
  Micros time = 0;
};
// `after 200ms`: runs the cluster for that long.
struct After {
  Micros delay = 0;
};
// `wait until C within T`
struct WaitUntil {
  Condition condition;
  Micros within = 0;
};
// `expect C`
struct Expect {
  Condition condition;
};
// `check linearizable` / `check invariants`
struct Check {
  bool linearizable = false;  // else invariants
};
// `let NAME = M`: binds NAME to the member M resolves to now.
struct Let {
  std::string name;
  MemberRef member;
};
// `network ...` (every link) / `link A -> B ...` / `link A <-> B ...`.
struct SetNetwork {
  std::optional<MemberRef> from;  // nullopt: the defaults
  std::optional<MemberRef> to;
  bool both_ways = false;
  LinkChange change;
};
// `partition A B | C D E`
struct Partition {
  std::vector<std::vector<MemberRef>> groups;
};
// `isolate M`
struct Isolate {
  MemberRef member;
};
// `cut A -> B`, `cut A <-> B`, `restore A -> B`, `restore A <-> B`.
struct Cut {
  MemberRef from;
  MemberRef to;
  bool both_ways = false;
  bool restore = false;
};
// `heal`: every cut link is restored (link settings stay).
struct Heal {};
// `crash M`: unsynced writes are lost. `crash M tearing`: the last
// unsynced log write is half written (recovery must discard it).
// `crash M at POINT [tearing]`: arms a named crash point; the member dies
// when the server next reaches that step (tearing its last unsynced log
// write, if asked).
// `kill M [at POINT]`: only the process dies; what it wrote, synced or
// not, survives (the page cache is the kernel's).
struct Crash {
  MemberRef member;
  bool keep_written = false;  // kill
  bool tearing = false;
  std::string point;  // empty: now
};
struct Restart {
  MemberRef member;
};
struct Pause {
  MemberRef member;
};
struct Resume {
  MemberRef member;
};
// `fail next sync on M`: M's next fsync fails, which kills it.
struct FailSync {
  MemberRef member;
};
// `skew M 150%`: M's ticks come at 150 % of the normal rate.
struct Skew {
  MemberRef member;
  uint32_t percent = 100;
};
// `clock M forward 2s` / `clock M back 2s`.
struct ClockJump {
  MemberRef member;
  Micros by = 0;
  bool back = false;
};
// `campaign M`: M times out and starts an election now.
struct Campaign {
  MemberRef member;
};
// `drop next TYPE A -> B`: the next message of that type (MsgApp,
// MsgVote, ...: raft/describe.h names) on that link is lost.
struct DropNext {
  std::string type;
  MemberRef from;
  MemberRef to;
};

// `drop message N`: the copy of a message with trace id N (a `send`
// event's ids) is lost if it is still in flight. Ids are deterministic, so
// a run that drops one replays (the play mode writes these).
struct DropMessage {
  uint64_t id = 0;
};

// What a client operation's answer must be. kAny: anything (the answer is
// recorded, the scenario goes on).
struct OpExpect {
  enum class Kind : uint8_t {
    kAny,
    kOk,
    kError,
    kValue,
    kAbsent,
    kCount,
    kSucceeded,
    kFailed
  };
  Kind kind = Kind::kAny;
  std::string text;  // kError: a substring of the error; kValue: the value
  int64_t count = 0;
};

struct PutOp {
  std::string key;
  std::string value;
  std::string lease;  // a lease name bound by `lease grant`, or empty
};
struct GetOp {
  std::string key;
  bool prefix = false;
  bool serializable = false;
  int64_t revision = 0;
};
struct DeleteOp {
  std::string key;
  bool prefix = false;
};
// A txn compare: `value(K) = V`, `version(K) > N`, `create(K) = N`,
// `mod(K) < N`.
struct TxnCompare {
  enum class Target : uint8_t { kValue, kVersion, kCreate, kMod };
  Target target = Target::kValue;
  std::string key;
  Cmp cmp = Cmp::kEq;  // kEq, kNe, kLt, kGt only (etcd's compares)
  std::string value;   // kValue
  int64_t number = 0;  // others
};
// A txn branch op: put K V, get K, delete K.
using TxnOp = std::variant<PutOp, GetOp, DeleteOp>;
struct TxnOpList {
  std::vector<TxnCompare> compares;
  std::vector<TxnOp> success;
  std::vector<TxnOp> failure;
};
// `lease grant L ttl 5s`: binds L to the granted lease's id.
struct LeaseGrant {
  std::string lease;
  int64_t ttl_s = 0;
};
struct LeaseRevoke {
  std::string lease;
};
struct LeaseKeepAlive {
  std::string lease;
};
// `watch W K [prefix] [from N]`: creates watch W (on the member of the
// op; a crash of that member cancels it).
struct WatchOp {
  std::string watch;
  std::string key;
  bool prefix = false;
  int64_t from = 0;
};
struct CancelWatch {
  std::string watch;
};
// `compact N`
struct CompactOp {
  int64_t revision = 0;
};
// `member add nK [as learner]`: nK joins as a new member (a fresh process
// with empty storage, started at once).
struct MemberAdd {
  uint64_t id = 0;
  bool learner = false;
};
struct MemberRemove {
  MemberRef member;
};
struct MemberPromote {
  MemberRef member;
};
// `transfer leadership to M`
struct Transfer {
  MemberRef to;
};

using ClientRequest =
    std::variant<PutOp, GetOp, DeleteOp, TxnOpList, LeaseGrant, LeaseRevoke,
                 LeaseKeepAlive, WatchOp, CancelWatch, CompactOp, MemberAdd,
                 MemberRemove, MemberPromote, Transfer>;

// A client operation, sent to `on` (default: the leader, or n1 when there
// is none) and waited for (up to the request timeout plus a margin).
struct ClientOp {
  ClientRequest request;
  std::optional<MemberRef> on;
  OpExpect expect;
};

using Action = std::variant<At, After, WaitUntil, Expect, Check, Let,
                            SetNetwork, Partition, Isolate, Cut, Heal, Crash,
                            Restart, Pause, Resume, FailSync, Skew, ClockJump,
                            Campaign, DropNext, DropMessage, ClientOp>;

struct Statement {
  Pos pos;
  std::string source;     // the statement's line, trimmed
  std::string narration;  // the comment lines just above it, joined
  Action action;
};

struct Scenario {
  std::string file;       // as given to the parser, for messages
  std::string title;      // the first comment line of the file
  std::string narration;  // the header comment (the first comment block)
  Setup setup;
  std::vector<Statement> statements;
};

struct ParseError {
  std::string file;
  Pos pos;
  std::string message;
  std::string line;  // the source line, for the caret

  // "file:line:col: error: message\n  <line>\n  ^"
  std::string ToString() const;
};

// Parses a scenario file's text. Never crashes on any input.
std::variant<Scenario, ParseError> ParseScenario(const std::string& file,
                                                 const std::string& text);

}  // namespace cairn::sim::scenario
