// The value types of the Raft core: entries, messages, hard state,
// configuration state, snapshots and configuration changes. They mirror
// etcd-io/raft's raftpb (Entry, Message, HardState, ConfState, Snapshot,
// ConfChangeV2) so that the Go reference stays greppable.
//
// Pure core: plain values with no I/O, threads or hidden state. Everything
// here is copyable and compares by value; renderings live in describe.h and
// the binary encoding in codec.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cairn::raft {

using Term = uint64_t;
using Index = uint64_t;
using NodeId = uint64_t;

// The id no node has: "no leader", "no vote".
inline constexpr NodeId kNone = 0;

// A limit meaning "no limit" for byte budgets.
inline constexpr uint64_t kNoLimit = UINT64_MAX;

enum class EntryType : uint8_t {
  kNormal = 0,
  // The data holds an encoded ConfChange (codec.h EncodeConfChange).
  kConfChange = 1,
};

struct Entry {
  Term term = 0;
  Index index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;

  bool operator==(const Entry&) const = default;
};

// The bytes an entry counts for in size limits (max bytes per message, per
// Ready, inflight bytes): its payload plus a fixed allowance for term, index
// and type, so that empty entries still cost something.
inline constexpr uint64_t kEntryOverheadBytes = 24;
uint64_t EntryBytes(const Entry& e);
// The payload bytes alone, used for the uncommitted-size limit (etcd counts
// only payloads there so that empty leader entries never count).
uint64_t PayloadBytes(const std::vector<Entry>& entries);

// The state every node persists before it answers anyone (Raft §5,
// Figure 2): the current term, the vote in it, and the commit index.
struct HardState {
  Term term = 0;
  NodeId vote = kNone;
  Index commit = 0;

  bool empty() const { return term == 0 && vote == kNone && commit == 0; }
  bool operator==(const HardState&) const = default;
};

// The membership as of some log index. voters_outgoing is non-empty only in
// a joint configuration; learners_next are voters of the outgoing half that
// become learners when the joint configuration is left.
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
  std::vector<NodeId> voters_outgoing;
  std::vector<NodeId> learners_next;
  bool auto_leave = false;

  bool operator==(const ConfState&) const = default;
};

struct SnapshotMetadata {
  ConfState conf_state;
  Index index = 0;
  Term term = 0;

  bool operator==(const SnapshotMetadata&) const = default;
};

struct Snapshot {
  SnapshotMetadata metadata;
  std::string data;

  // A snapshot at index 0 is "no snapshot".
  bool empty() const { return metadata.index == 0; }
  bool operator==(const Snapshot&) const = default;
};

enum class ConfChangeType : uint8_t {
  kAddNode = 0,
  kRemoveNode = 1,
  kAddLearnerNode = 2,
};

struct ConfChangeSingle {
  ConfChangeType type = ConfChangeType::kAddNode;
  NodeId node_id = kNone;

  bool operator==(const ConfChangeSingle&) const = default;
};

// How a ConfChange moves between configurations (etcd's
// ConfChangeTransition). kAuto uses the simple protocol when at most one
// voter changes and otherwise enters a joint configuration that is left
// automatically; kJointImplicit always goes joint and leaves automatically;
// kJointExplicit goes joint and waits for an explicit empty ConfChange.
enum class ConfChangeTransition : uint8_t {
  kAuto = 0,
  kJointImplicit = 1,
  kJointExplicit = 2,
};

// A membership change (etcd's ConfChangeV2). An empty ConfChange (no
// changes, kAuto, no context) means "leave the joint configuration".
struct ConfChange {
  ConfChangeTransition transition = ConfChangeTransition::kAuto;
  std::vector<ConfChangeSingle> changes;
  std::string context;

  bool LeaveJoint() const {
    return changes.empty() && transition == ConfChangeTransition::kAuto &&
           context.empty();
  }
  // True when this change enters a joint configuration; `auto_leave` tells
  // whether the leader leaves it by itself.
  bool EnterJoint(bool* auto_leave) const;
  bool operator==(const ConfChange&) const = default;
};

enum class MessageType : uint8_t {
  kHup = 0,              // local: start an election
  kBeat = 1,             // local: leader, send heartbeats
  kProp = 2,             // a proposal, forwarded to the leader
  kApp = 3,              // append entries (Raft §5.3)
  kAppResp = 4,          // its answer, with conflict hints on reject
  kVote = 5,             // request vote (§5.2)
  kVoteResp = 6,         //
  kSnap = 7,             // install snapshot (§7)
  kHeartbeat = 8,        // empty append carrying the commit index
  kHeartbeatResp = 9,    //
  kUnreachable = 10,     // local: the transport could not reach a peer
  kSnapStatus = 11,      // local: result of sending a snapshot
  kCheckQuorum = 12,     // local: leader, check that a quorum is active
  kTransferLeader = 13,  // ask the leader to hand leadership over
  kTimeoutNow = 14,      // leader to transferee: campaign now
  kReadIndex = 15,       // a linearizable read request (§6.4)
  kReadIndexResp = 16,   //
  kPreVote = 17,         // pre-vote (dissertation §9.6)
  kPreVoteResp = 18,     //
};
inline constexpr int kNumMessageTypes = 19;

// True for the messages a node only ever sends itself (never on the wire).
bool IsLocalMsg(MessageType t);
// True for the answers to requests (vote, append, heartbeat, read index).
bool IsResponseMsg(MessageType t);

struct Message {
  MessageType type = MessageType::kHup;
  NodeId to = kNone;
  NodeId from = kNone;
  Term term = 0;
  // For kApp: the term of the entry before `entries`. For a rejected
  // kAppResp: the term of the follower's entry at reject_hint.
  Term log_term = 0;
  Index index = 0;
  std::vector<Entry> entries;
  Index commit = 0;
  std::optional<Snapshot> snapshot;  // set for kSnap only
  bool reject = false;
  Index reject_hint = 0;
  std::string context;

  bool operator==(const Message&) const = default;
};

// A message of `type` from `from` to `to`, every other field zero; set
// the rest by name afterwards.
inline Message NewMsg(MessageType type, NodeId to, NodeId from = kNone) {
  Message m;
  m.type = type;
  m.to = to;
  m.from = from;
  return m;
}

// An entry with the given payload and type, term and index zero (the
// leader fills them in).
inline Entry NewEntry(std::string data, EntryType type = EntryType::kNormal) {
  Entry e;
  e.type = type;
  e.data = std::move(data);
  return e;
}

// The role of a node.
enum class StateType : uint8_t {
  kFollower = 0,
  kCandidate = 1,
  kLeader = 2,
  kPreCandidate = 3,
};

// Volatile state worth telling the host about (leader and role); never
// persisted.
struct SoftState {
  NodeId lead = kNone;
  StateType state = StateType::kFollower;

  bool operator==(const SoftState&) const = default;
};

// The answer to a ReadIndex request: once the application has applied up
// to `index`, a read issued with `request_ctx` is linearizable.
struct ReadState {
  Index index = 0;
  std::string request_ctx;

  bool operator==(const ReadState&) const = default;
};

// What a host reports after trying to send a snapshot.
enum class SnapshotStatus : uint8_t { kFinish = 0, kFailure = 1 };

}  // namespace cairn::raft
