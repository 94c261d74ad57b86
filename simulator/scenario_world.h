// ScenarioWorld: runs one parsed scenario (scenario.h) against a cluster of
// full servers (ServerNode) on the simulated network and disks. Simulator
// host code; single threaded and deterministic: the scenario's seed feeds
// every draw, time is the event queue's virtual clock, only ordered
// containers are iterated.
//
// Statements run in order. Time passes only inside `at`, `after`, `wait
// until` and client operations (which run the cluster until the answer
// arrives); everything else acts at the current instant. After every event
// the world checks election safety and the persistence contract of every
// message sent; a violation, a failed expectation or an operation whose
// answer differs from its `expect` ends the run with a report naming the
// statement's file:line and the cluster's state.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/server/server.h"
#include "core/util/random.h"
#include "simulator/event_queue.h"
#include "simulator/invariant_checker.h"
#include "simulator/linearizability.h"
#include "simulator/network.h"
#include "simulator/scenario.h"
#include "simulator/server_node.h"
#include "simulator/trace.h"
#include "simulator/view_recorder.h"

namespace cairn::sim::scenario {

struct RunOptions {
  std::optional<uint64_t> seed;  // overrides the scenario's
  std::ostream* trace = nullptr;
  // Server bugs to plant (cairnsim run --planted-bug), to see a scenario
  // catch them.
  server::Config::SimBugs bugs;
};

struct RunReport {
  bool ok = true;
  // On failure: "file:line: what failed" then the cluster's state and the
  // last trace lines.
  std::string failure;
  uint64_t seed = 0;
  Micros simulated = 0;
  uint64_t events = 0;
  uint64_t messages = 0;
  uint64_t ops = 0;
};

RunReport RunScenario(const Scenario& scenario, const RunOptions& options);

// ---- Internals (scenario_*.cc) -------------------------------------------

// kSubmit: a client's request reaches its member; kAnswer: the answer
// reaches the client; kMark: the end of a wait.
enum class EventKind : uint8_t { kTick, kDeliver, kSubmit, kAnswer, kMark };

// "1.250s"
std::string FormatMicros(Micros t);

struct Event {
  EventKind kind = EventKind::kTick;
  NodeId node = 0;  // the member (server id)
  NodeId from = 0;
  uint64_t op = 0;      // kSubmit, kAnswer: the op's token; kMark: its id
  uint64_t msg_id = 0;  // kDeliver: the copy's id in the trace
  raft::Message msg;
};

struct WorldMember {
  int slot = 0;  // the scenario's nK
  std::unique_ptr<ServerNode> node;
  bool paused = false;
  std::vector<raft::Message> inbox;     // while paused
  std::vector<uint64_t> inbox_submits;  // tokens, while paused
  uint32_t skew_percent = 100;
  // How the armed crash point crashes the member (`crash ... tearing`,
  // `kill`).
  bool tear_at_crash_point = false;
  bool keep_at_crash_point = false;
  Micros ticks_held_until = 0;
  int64_t clock_ms = 0;
};

// A client operation in flight (one at a time: statements run in order).
struct PendingOp {
  uint64_t token = 0;
  NodeId target = 0;
  server::Request request;
  Micros call = 0;
  // The server's answer on its way to the client (kAnswer), and the
  // answer the client got.
  std::optional<Result<server::Response>> arriving;
  std::optional<Result<server::Response>> answer;
  bool forwarded = false;  // a keep-alive resent to the leader
};

struct WatchState {
  NodeId member = 0;
  uint64_t stream = 0;
  int64_t watch_id = 0;
  bool canceled = false;
  std::vector<mvcc::Event> events;
};

class ScenarioWorld {
 public:
  ScenarioWorld(const Scenario& scenario, const RunOptions& options);
  // Runs every statement of the scenario, in order, until one fails.
  RunReport Run();

  // Step by step (the play mode): Start once, then Execute statements,
  // which must outlive the world (a failure report points at them).
  void Start();
  void Execute(const Statement& st);
  RunReport Report() const;
  bool failed() const { return failed_; }
  // Lets the run go on after a failed statement (the play mode reports
  // the failure and continues).
  void ClearFailure();
  Micros now() const { return queue_.now(); }
  std::optional<Micros> NextEventTime() const { return queue_.NextTime(); }

 private:
  // scenario_world.cc: the host loop, faults and the network.
  void Step(const Statement& st);
  void StepEvent();
  void RunFor(Micros until);
  void Wait(const WaitUntil& w);
  void Dispatch(Event& ev);
  void OnTick(NodeId id);
  void OnDeliver(Event& ev);
  void AfterCall(NodeId id);
  void Send(NodeId id);
  void CrashMember(NodeId id, bool tearing, bool keep_written);
  void RestartMember(NodeId id);
  void ResumeMember(NodeId id);
  void AddMember(int slot, uint64_t id);
  void ApplyLinkChange(LinkConfig& cfg, const LinkChange& c);
  void DoFault(const Action& a);
  void DoMemberFault(const Action& a);
  std::vector<NodeId> AllIds() const;

  // scenario_conditions.cc: members, conditions, checks, reports.
  NodeId Resolve(const MemberRef& ref);
  std::optional<NodeId> TryResolve(const MemberRef& ref, std::string* why);
  NodeId ElectedLeader() const;
  bool Holds(const Condition& c, std::string* actual);
  bool HoldsField(const FieldCmp& f, std::string* actual);
  bool HoldsMember(const Condition& c, std::string* actual);
  bool HoldsRole(NodeId id, Role role, std::string* actual);
  bool HoldsMembers(const MembersAre& m, std::string* actual);
  bool HoldsWatch(const WatchGot& w, std::string* actual);
  void CheckInvariants();
  void CheckLinearizable();
  std::string Name(NodeId id) const;
  std::string ClusterState() const;

  // scenario_ops.cc: client operations.
  void RunOp(const ClientOp& op);
  server::Request BuildRequest(const ClientRequest& r);
  void Submit(NodeId id, uint64_t token);
  void OnAnswer(uint64_t token);
  void CheckAnswer(const ClientOp& op, const Result<server::Response>& a);
  void Record(const ClientOp& op, const Result<server::Response>& a,
              Micros call);
  bool TxnToHistory(const TxnOpList& t, const Result<server::Response>& a,
                    KvOp* h);
  static std::string ExpectText(const OpExpect& e);
  void CreateWatch(const WatchOp& w, NodeId on);
  void CancelWatchOp(const CancelWatch& c);
  void AfterAnswer(const ClientOp& op, const server::Response& resp);

  // The structured events the replay view draws (view_recorder.h).
  void NoteMember(NodeId id) { view_.Member(id, *M(id).node, M(id).paused); }
  void NoteNetwork() { view_.Cuts(network_); }

  void Fail(const std::string& what);
  void Emit(std::string_view ev, nlohmann::json fields) {
    trace_.Emit(queue_.now(), ev, std::move(fields));
  }
  WorldMember& M(NodeId id) { return members_.at(id); }
  const WorldMember& M(NodeId id) const { return members_.at(id); }
  bool Running(NodeId id) const {
    auto it = members_.find(id);
    return it != members_.end() && !it->second.node->crashed() &&
           !it->second.paused;
  }

  const Scenario& scenario_;
  RunOptions options_;
  uint64_t seed_;
  Random rng_;
  Random net_rng_;
  Random disk_rng_;
  Trace trace_;
  EventQueue<Event> queue_;
  Network network_;
  LinkConfig default_link_;
  ViewRecorder view_;
  InvariantChecker checker_;
  std::map<NodeId, WorldMember> members_;  // by server id
  std::map<int, NodeId> slots_;            // nK -> server id
  std::map<std::string, NodeId> names_;    // let
  std::map<std::string, int64_t> leases_;  // lease name -> id
  std::map<std::string, WatchState> watches_;
  uint64_t next_stream_ = 1;
  // drop next: (type, from, to) -> how many to drop.
  std::map<std::tuple<std::string, NodeId, NodeId>, int> drops_;
  std::optional<PendingOp> pending_;
  uint64_t next_token_ = 1;
  std::set<uint64_t> dropped_ids_;  // drop message
  std::vector<KvOp> history_;
  // Keys kept out of the history check: leased puts (an expiry deletes
  // them) and txns the model cannot hold.
  std::set<std::string> excluded_keys_;
  const Statement* current_ = nullptr;
  bool failed_ = false;
  RunReport report_;
};

}  // namespace cairn::sim::scenario
