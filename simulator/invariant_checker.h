// InvariantChecker: the Raft safety properties the simulator checks after
// every event (Raft paper Figure 3; LogCabin RaftConsensusInvariants.cc;
// TigerBeetle state_checker.zig). Simulator host code; single threaded
// and deterministic (ordered maps only).
//
// The checker sees the cluster through small observations the world feeds
// it (a role, a committed entry, an applied entry, a new leader's log), so
// each check is incremental and cheap, and unit tests can feed fabricated
// histories. Every Observe* returns the first violation it finds, if any;
// a violation is final (the run stops).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/raft/types.h"

namespace cairn::sim {

struct Violation {
  std::string invariant;  // e.g. "election-safety"
  std::string detail;     // one line
};

class InvariantChecker {
 public:
  // A member's log entry at an index, if it has one.
  using EntryAt = std::function<std::optional<raft::Entry>(raft::Index)>;
  // The term of a member's log entry at an index, if it has one (cheaper
  // than EntryAt: nothing is copied).
  using TermAt = std::function<std::optional<raft::Term>(raft::Index)>;

  InvariantChecker() = default;
  InvariantChecker(const InvariantChecker&) = delete;
  InvariantChecker& operator=(const InvariantChecker&) = delete;

  // Election Safety: at most one leader per term, ever. Call whenever a
  // member is seen as leader.
  std::optional<Violation> ObserveLeader(raft::NodeId id, raft::Term term);

  // Leader Append-Only: while `id` leads `term`, its log never loses or
  // rewrites the entry at the last index seen. `last_index` is the
  // leader's last index now, `term_at` reads its log.
  std::optional<Violation> ObserveLeaderLog(raft::NodeId id, raft::Term term,
                                            raft::Index last_index,
                                            const TermAt& term_at);

  // Log Matching on committed prefixes: every member that commits index i
  // holds the same entry there as every other member that committed i,
  // and a committed entry never changes. `term` is the observing member's
  // current term: a member learns a commit index only from the leader of
  // its term (or its own disk), so the entry was committed in `term` or
  // earlier.
  std::optional<Violation> ObserveCommitted(raft::NodeId id, raft::Term term,
                                            const raft::Entry& e);

  // The commitment rule (Raft §5.4.2, Figure 8): a leader of `term` that
  // advances its commit index does so only to an entry of `term`;
  // counting replicas never commits an earlier term's entry by itself
  // (those commit indirectly, below one of the leader's own). Call when
  // a member that leads `term` raised its commit index to `commit`,
  // whose entry has `commit_term`.
  std::optional<Violation> ObserveLeaderCommit(raft::NodeId id, raft::Term term,
                                               raft::Index commit,
                                               raft::Term commit_term);

  // Leader Completeness and "no acknowledged proposal is lost": a new
  // leader of `term` holds, at its index, every entry known to be
  // committed in an earlier term (Raft §5.4; a late leader of an older
  // term, e.g. a candidate that collected its votes before a pause, need
  // not).
  std::optional<Violation> ObserveNewLeader(raft::NodeId id, raft::Term term,
                                            const EntryAt& entry_at);

  // State Machine Safety and prefix-applied sequences: `id` applies `e`
  // right after its previous applied index, and the entry equals what
  // every other member applied at that index.
  std::optional<Violation> ObserveApplied(raft::NodeId id,
                                          const raft::Entry& e);

  // A proposal was acknowledged to its client once applied at `e.index`.
  void Acknowledge(const raft::Entry& e);

  // `id` restarted with its state machine at `applied` (its snapshot):
  // its applied sequence starts over from there.
  void ResetApplied(raft::NodeId id, raft::Index applied);

  uint64_t terms_with_leader() const { return leaders_.size(); }
  raft::Index max_committed() const {
    return committed_.empty() ? 0 : committed_.rbegin()->first;
  }

 private:
  struct LeaderMark {
    raft::Term term = 0;
    raft::Index index = 0;
    raft::Term entry_term = 0;
  };

  std::map<raft::Term, raft::NodeId> leaders_;
  std::map<raft::NodeId, LeaderMark> leader_marks_;
  struct Committed {
    raft::Entry entry;
    raft::Term term = 0;  // committed in this term or earlier
  };
  std::map<raft::Index, Committed> committed_;
  std::map<raft::Index, raft::Entry> applied_;
  std::map<raft::Index, raft::Entry> acknowledged_;
  std::map<raft::NodeId, raft::Index> last_applied_;
};

// The persistence contract (core/raft/ready.h), checked as a message
// leaves its sender: its term is on the sender's durable disk (pre-votes
// excepted), a granted vote is durable, and an accepted append of the
// durable term is in the durable log (`durable_last`).
std::optional<Violation> CheckPersistenceContract(
    const raft::Message& m, const raft::HardState& durable_hs,
    raft::Index durable_last);

}  // namespace cairn::sim
