#include "simulator/invariant_checker.h"

#include <algorithm>

#include "core/raft/describe.h"
#include "core/util/strings.h"

namespace cairn::sim {

namespace {

using raft::Entry;
using raft::Index;
using raft::NodeId;
using raft::Term;

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

Violation Make(const char* invariant, std::string detail) {
  return Violation{invariant, std::move(detail)};
}

// "same entry" compares term, type and payload; the index is the key.
bool SameEntry(const Entry& a, const Entry& b) {
  return a.term == b.term && a.type == b.type && a.data == b.data;
}

}  // namespace

std::optional<Violation> InvariantChecker::ObserveLeader(NodeId id, Term term) {
  auto [it, inserted] = leaders_.emplace(term, id);
  if (inserted || it->second == id) return std::nullopt;
  return Make("election-safety",
              StrFormat("two leaders in term %llu: %llu and %llu", U(term),
                        U(it->second), U(id)));
}

std::optional<Violation> InvariantChecker::ObserveLeaderLog(
    NodeId id, Term term, Index last_index, const TermAt& term_at) {
  LeaderMark& mark = leader_marks_[id];
  if (mark.term == term && mark.index > 0) {
    // The entry we saw last time must still be there, unchanged (Raft
    // Figure 3: a leader never overwrites or deletes entries in its log).
    std::optional<Term> t = term_at(mark.index);
    if (last_index < mark.index || !t.has_value() || *t != mark.entry_term) {
      return Make("leader-append-only",
                  StrFormat("leader %llu of term %llu lost or rewrote index "
                            "%llu (term %llu); last index now %llu",
                            U(id), U(term), U(mark.index), U(mark.entry_term),
                            U(last_index)));
    }
  }
  std::optional<Term> last = term_at(last_index);
  mark = LeaderMark{term, last_index, last.value_or(0)};
  return std::nullopt;
}

std::optional<Violation> InvariantChecker::ObserveCommitted(NodeId id,
                                                            Term term,
                                                            const Entry& e) {
  auto [it, inserted] = committed_.emplace(e.index, Committed{e, term});
  if (inserted) return std::nullopt;
  if (SameEntry(it->second.entry, e)) {
    // The earliest term known to have committed it is the tightest bound.
    it->second.term = std::min(it->second.term, term);
    return std::nullopt;
  }
  return Make("log-matching",
              StrFormat("member %llu committed %s at index %llu, but %s was "
                        "committed there before",
                        U(id), raft::DescribeEntry(e).c_str(), U(e.index),
                        raft::DescribeEntry(it->second.entry).c_str()));
}

std::optional<Violation> InvariantChecker::ObserveLeaderCommit(
    NodeId id, Term term, Index commit, Term commit_term) {
  if (commit_term == term) return std::nullopt;
  return Make("leader-commit-rule",
              StrFormat("leader %llu of term %llu committed index %llu of "
                        "term %llu by counting replicas",
                        U(id), U(term), U(commit), U(commit_term)));
}

std::optional<Violation> InvariantChecker::ObserveNewLeader(
    NodeId id, Term term, const EntryAt& entry_at) {
  for (const auto& [index, c] : committed_) {
    if (c.term >= term) continue;
    const Entry& want = c.entry;
    std::optional<Entry> got = entry_at(index);
    if (got.has_value() && SameEntry(*got, want)) continue;
    const bool acked = acknowledged_.count(index) > 0;
    return Make(acked ? "acknowledged-proposal-lost" : "leader-completeness",
                StrFormat("new leader %llu of term %llu lacks committed %s "
                          "(has %s)",
                          U(id), U(term), raft::DescribeEntry(want).c_str(),
                          got.has_value() ? raft::DescribeEntry(*got).c_str()
                                          : "nothing"));
  }
  return std::nullopt;
}

std::optional<Violation> InvariantChecker::ObserveApplied(NodeId id,
                                                          const Entry& e) {
  Index& last = last_applied_[id];
  if (e.index != last + 1) {
    return Make("applied-prefix",
                StrFormat("member %llu applied index %llu after %llu (a gap "
                          "or a repeat)",
                          U(id), U(e.index), U(last)));
  }
  last = e.index;
  auto committed = committed_.find(e.index);
  if (committed != committed_.end() && !SameEntry(committed->second.entry, e)) {
    return Make(
        "state-machine-safety",
        StrFormat("member %llu applied %s, but %s is committed there", U(id),
                  raft::DescribeEntry(e).c_str(),
                  raft::DescribeEntry(committed->second.entry).c_str()));
  }
  auto [it, inserted] = applied_.emplace(e.index, e);
  if (inserted || SameEntry(it->second, e)) return std::nullopt;
  return Make("state-machine-safety",
              StrFormat("member %llu applied %s, another member applied %s",
                        U(id), raft::DescribeEntry(e).c_str(),
                        raft::DescribeEntry(it->second).c_str()));
}

void InvariantChecker::Acknowledge(const Entry& e) {
  acknowledged_.emplace(e.index, e);
}

void InvariantChecker::ResetApplied(NodeId id, Index applied) {
  last_applied_[id] = applied;
}

// A message may only promise what survives a crash. Pre-votes carry a term the
// sender has not adopted, so they are exempt from the term check.
std::optional<Violation> CheckPersistenceContract(const raft::Message& m,
                                                  const raft::HardState& hs,
                                                  raft::Index durable_last) {
  auto violation = [&](const char* what) {
    return Violation{"persistence-contract",
                     StrFormat("%s before it was durable: %s (disk: %s, "
                               "last index %llu)",
                               what, raft::DescribeMessage(m).c_str(),
                               raft::DescribeHardState(hs).c_str(),
                               (unsigned long long)durable_last)};
  };
  const bool pre_vote = m.type == raft::MessageType::kPreVote ||
                        m.type == raft::MessageType::kPreVoteResp;
  if (!pre_vote && m.term > hs.term) return violation("sent a term");
  // A durable later term also binds: the member never returns to m.term
  // to vote again (a Ready may grant in term t and then in t+1).
  if (m.type == raft::MessageType::kVoteResp && !m.reject &&
      (hs.term < m.term || (hs.term == m.term && hs.vote != m.to))) {
    return violation("granted a vote");
  }
  // An acknowledgement of an older term is exempt: one Ready can accept a
  // leader's entries and then, on hearing from a newer term's leader,
  // legitimately truncate them (seed 2135); the stale ack is the same as
  // one sent before the truncation, and counts only for the old leader.
  if (m.type == raft::MessageType::kAppResp && !m.reject && m.term == hs.term &&
      durable_last < m.index) {
    return violation("acknowledged entries");
  }
  return std::nullopt;
}

}  // namespace cairn::sim
