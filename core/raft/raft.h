// Raft: the consensus state machine of one node (etcd-io/raft raft.go),
// driven by Step (a message) and Tick (one unit of logical time). It
// produces messages, log entries and state changes that RawNode hands to
// the host as a Ready. Covered: randomized elections, pre-vote,
// check-quorum, log replication with conflict hints and flow control, the
// commit rule of Raft §5.4.2, snapshots (§7), membership changes (one at a
// time and joint consensus, with learners), leadership transfer and
// ReadIndex (dissertation §3.10, §6.4).
//
// Pure core: no I/O, no clock, no threads. Randomness (the election
// timeout) comes only from the Random& in Config. The same inputs and the
// same seed give the same outputs. Not thread-safe: one owner.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/raft/changer.h"
#include "core/raft/raft_log.h"
#include "core/raft/read_only.h"
#include "core/raft/storage.h"
#include "core/raft/tracker.h"
#include "core/raft/types.h"
#include "core/util/random.h"
#include "core/util/status.h"

namespace cairn::raft {

// Classic Raft bugs that the simulator plants to prove that its checkers
// catch them (issue #4). Only the simulator sets Config::planted_bug; the
// node (cli/cairn) and every other host leave it kOff, where behaviour is
// exactly the correct one.
enum class PlantedBug {
  kOff,
  // A leader commits an entry of an earlier term once a quorum holds it,
  // without an entry of its own term (Raft §5.4.2, Figure 8).
  kCommitPreviousTerm,
  // A follower keeps its own entries where the leader's conflict with
  // them, appending only past its last index (Figure 2, AppendEntries
  // rule 3 broken).
  kKeepConflictingSuffix,
};

struct Config {
  // This node's id. REQUIRES: != kNone.
  NodeId id = kNone;
  // Ticks a follower waits without hearing a leader before it campaigns;
  // the actual timeout is drawn from [election_tick, 2 * election_tick).
  // REQUIRES: election_tick > heartbeat_tick.
  int election_tick = 10;
  // Ticks between heartbeats of a leader.
  int heartbeat_tick = 1;
  // The durable log. Must outlive the node.
  const Storage* storage = nullptr;
  // Election-timeout randomness. Must outlive the node.
  Random* random = nullptr;
  // The last applied index when restarting (0 for a fresh node).
  Index applied = 0;
  // Byte budget of the entries in one MsgApp (at least one entry is sent).
  uint64_t max_size_per_msg = 1 << 20;
  // Byte budget of the committed entries in one Ready.
  uint64_t max_committed_size_per_ready = kNoLimit;
  // Payload bytes a leader accepts into its log before they commit;
  // proposals beyond fail with kResourceExhausted.
  uint64_t max_uncommitted_entries_size = kNoLimit;
  // MsgApps in flight per follower in StateReplicate (flow control).
  size_t max_inflight_msgs = 256;
  // Bytes in flight per follower; 0 means no byte limit.
  uint64_t max_inflight_bytes = 0;
  // A leader steps down when it has not heard from a quorum within an
  // election timeout; followers then also ignore vote requests while they
  // hear from a leader (leader lease, dissertation §4.2.3).
  bool check_quorum = false;
  // Campaign with a pre-vote round first (dissertation §9.6) so that a
  // node returning from a partition cannot depose a working leader.
  bool pre_vote = false;
  // Followers drop proposals instead of forwarding them to the leader.
  bool disable_proposal_forwarding = false;
  // A leader that applies its own removal (or demotion) steps down at
  // once rather than leading a group it is not part of.
  bool step_down_on_removal = true;
  // Simulator only: plants a known bug (see PlantedBug). Never set
  // elsewhere.
  PlantedBug planted_bug = PlantedBug::kOff;
  // Receives one line per notable event ("1 became leader at term 2").
  // Optional; used by transcripts and the simulator's traces.
  std::function<void(const std::string&)> logger;
  // Receives the lines etcd-io/raft logs at debug level, which can come
  // hundreds of times a second (a snapshot not sent to an inactive
  // follower). Optional.
  std::function<void(const std::string&)> debug_logger;
};

// A snapshot of a node's state for hosts and transcripts.
struct RaftStatus {
  NodeId id = kNone;
  HardState hard_state;
  SoftState soft_state;
  Index applied = 0;
  TrackerConfig config;
  // Only on a leader: every member's progress, by id.
  std::vector<std::pair<NodeId, std::string>> progress;
  NodeId lead_transferee = kNone;
};

class Raft {
 public:
  // Restores hard state and membership from the storage. Crashes on an
  // invalid config or inconsistent storage (programmer errors).
  explicit Raft(const Config& config);
  Raft(const Raft&) = delete;
  Raft& operator=(const Raft&) = delete;

  // Feeds a message (network or local). Returns kNotLeader /
  // kResourceExhausted / kFailedPrecondition when a proposal is dropped
  // (no leader, leadership transfer in progress, removed, over the
  // uncommitted budget); other messages always succeed.
  Status Step(Message m);
  // Advances logical time by one tick.
  void Tick();

  // Applies a committed membership change and returns the new ConfState.
  // Crashes when the change is invalid (the leader validated it).
  ConfState ApplyConfChange(const ConfChange& cc);

  // Host acknowledgements, called by RawNode::Advance.
  void AppliedTo(Index index, uint64_t applied_bytes);
  void StableTo(Index index, Term term) { log_.StableTo(index, term); }
  void StableSnapTo(Index index) { log_.StableSnapTo(index); }

  HardState GetHardState() const;
  SoftState GetSoftState() const { return SoftState{lead_, state_}; }
  RaftStatus GetStatus() const;

  std::vector<Message>& msgs() { return msgs_; }
  const std::vector<Message>& msgs() const { return msgs_; }
  std::vector<ReadState>& read_states() { return read_states_; }
  const std::vector<ReadState>& read_states() const { return read_states_; }
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }
  const ProgressTracker& tracker() const { return tracker_; }
  NodeId id() const { return id_; }
  Term term() const { return term_; }
  NodeId lead() const { return lead_; }
  StateType state() const { return state_; }
  int randomized_election_timeout() const {
    return randomized_election_timeout_;
  }
  int election_elapsed() const { return election_elapsed_; }

 private:
  enum class CampaignType { kPreElection, kElection, kTransfer };

  // raft.cc: roles, term handling, ticks, elections.
  void BecomeFollower(Term term, NodeId lead);
  void BecomeCandidate();
  void BecomePreCandidate();
  void BecomeLeader();
  void Reset(Term term);
  void ResetRandomizedElectionTimeout();
  bool Promotable() const;
  bool PastElectionTimeout() const;
  void TickElection();
  void TickHeartbeat();
  void Hup(CampaignType t);
  void Campaign(CampaignType t);
  VoteTally Poll(NodeId id, MessageType t, bool granted);
  bool StepByTerm(const Message& m);
  void StepLowerTerm(const Message& m);
  void HandleVoteRequest(const Message& m);
  Status StepRole(Message& m);
  void Send(Message m);
  // Formats and hands a line to the logger; without a logger it returns
  // before formatting (formatting every line was a tenth of a simulated
  // run). Callers whose arguments cost something test logging() first.
  void Logf(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));
  bool logging() const { return static_cast<bool>(logger_); }
  // As Logf, for the debug_logger.
  void Debugf(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));

  // raft_leader.cc: the leader's side of replication, commit, reads.
  Status StepLeader(Message& m);
  Status LeaderPropose(Message& m);
  void LeaderReadIndex(Message& m);
  void LeaderAppendResp(const Message& m, Progress& pr);
  void LeaderHeartbeatResp(const Message& m, Progress& pr);
  void LeaderSnapStatus(const Message& m, Progress& pr);
  void LeaderTransfer(const Message& m, Progress& pr);
  bool AppendEntries(std::vector<Entry> entries);
  bool MaybeSendAppend(NodeId to, bool send_if_empty);
  bool SendSnapshot(NodeId to, Progress& pr, Message& m);
  void SendAppend(NodeId to) { MaybeSendAppend(to, true); }
  void BcastAppend();
  void BcastHeartbeat(const std::string& ctx);
  bool MaybeCommit();
  bool CommittedEntryInCurrentTerm() const;
  void ReleasePendingReadIndexMessages();
  void SendReadIndexResponse(const Message& m);
  void RespondToReadIndex(const Message& req, Index read_index);
  void AbortLeaderTransfer() { lead_transferee_ = kNone; }
  bool IncreaseUncommittedSize(const std::vector<Entry>& entries);
  void ReduceUncommittedSize(uint64_t bytes);

  // raft_follower.cc: followers, candidates, snapshots, membership.
  Status StepFollower(Message& m);
  Status StepCandidate(Message& m);
  void SendAppResp(NodeId to, Index index);
  void HandleAppendEntries(const Message& m);
  bool KeepConflictingSuffix(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(const Message& m);
  bool Restore(const Snapshot& snap);
  ConfState SwitchToConfig(ChangeResult r);
  bool HasUnappliedConfChange() const;

  NodeId id_;
  Term term_ = 0;
  NodeId vote_ = kNone;
  std::vector<ReadState> read_states_;
  RaftLog log_;
  uint64_t max_msg_size_;
  uint64_t max_uncommitted_size_;
  ProgressTracker tracker_;
  StateType state_ = StateType::kFollower;
  bool is_learner_ = false;
  std::vector<Message> msgs_;
  NodeId lead_ = kNone;
  // The node a leadership transfer is handing over to, or kNone.
  NodeId lead_transferee_ = kNone;
  // Only one conf change may be pending (in the log, not yet applied);
  // this is the index of the latest one proposed by this leader.
  Index pending_conf_index_ = 0;
  // Payload bytes appended by this leader and not yet applied.
  uint64_t uncommitted_size_ = 0;
  ReadOnly read_only_;
  // Ticks since the last election timeout reset (followers, candidates)
  // or since the last check-quorum (leaders).
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  bool check_quorum_;
  bool pre_vote_;
  bool disable_proposal_forwarding_;
  bool step_down_on_removal_;
  PlantedBug planted_bug_;
  int heartbeat_timeout_;
  int election_timeout_;
  int randomized_election_timeout_ = 0;
  // ReadIndex requests received before this leader committed an entry of
  // its term; answered once it has (dissertation §6.4 step 1).
  std::vector<Message> pending_read_index_messages_;
  Random* random_;
  std::function<void(const std::string&)> logger_;
  std::function<void(const std::string&)> debug_logger_;
};

}  // namespace cairn::raft
