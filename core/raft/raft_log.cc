#include "core/raft/raft_log.h"

#include <algorithm>

#include "core/util/check.h"

namespace cairn::raft {

namespace {
unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }
}  // namespace

RaftLog::RaftLog(const Storage* storage, uint64_t max_applying_bytes)
    : storage_(storage),
      unstable_(storage->LastIndex() + 1),
      committed_(storage->FirstIndex() - 1),
      applied_(storage->FirstIndex() - 1),
      max_applying_bytes_(max_applying_bytes) {}

std::optional<Index> RaftLog::MaybeAppend(Index index, Term log_term,
                                          Index committed,
                                          const std::vector<Entry>& entries) {
  if (!MatchTerm(index, log_term)) return std::nullopt;
  const Index last_new = index + entries.size();
  const Index conflict = FindConflict(entries);
  if (conflict != 0) {
    CAIRN_CHECK(conflict > committed_,
                "entry %llu conflicts with committed entry (committed %llu)",
                U(conflict), U(committed_));
    const size_t from = conflict - (index + 1);
    Append(std::vector<Entry>(entries.begin() + from, entries.end()));
  }
  // Only what the leader sent is known to match: entries past last_new may
  // still be stale, so the commit index is capped there (Figure 2, rule 5).
  CommitTo(std::min(committed, last_new));
  return last_new;
}

Index RaftLog::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return LastIndex();
  const Index after = entries[0].index - 1;
  CAIRN_CHECK(after >= committed_, "append after %llu is below commit %llu",
              U(after), U(committed_));
  unstable_.TruncateAndAppend(entries);
  return LastIndex();
}

Index RaftLog::FindConflict(const std::vector<Entry>& entries) const {
  for (const Entry& e : entries) {
    if (!MatchTerm(e.index, e.term)) return e.index;
  }
  return 0;
}

std::pair<Index, Term> RaftLog::FindConflictByTerm(Index index,
                                                   Term term) const {
  // Walk back over every entry of a term newer than `term`: none of them
  // can match an entry of the leader at or before this index (Raft §5.3,
  // the optimization the paper sketches at the end of that section).
  for (;;) {
    Result<Term> t = TermAt(index);
    if (!t.ok()) return {index, 0};
    if (t.value() <= term) return {index, t.value()};
    index--;
  }
}

Index RaftLog::FirstIndex() const {
  if (std::optional<Index> i = unstable_.MaybeFirstIndex()) return *i;
  return storage_->FirstIndex();
}

Index RaftLog::LastIndex() const {
  if (std::optional<Index> i = unstable_.MaybeLastIndex()) return *i;
  return storage_->LastIndex();
}

Term RaftLog::LastTerm() const {
  Result<Term> t = TermAt(LastIndex());
  CAIRN_CHECK(t.ok(), "term of the last entry: %s",
              t.status().ToString().c_str());
  return t.value();
}

Result<Term> RaftLog::TermAt(Index i) const {
  const Index dummy = FirstIndex() - 1;
  if (i < dummy) return Status(Code::kCompacted, "term compacted");
  if (i > LastIndex()) return Status(Code::kNotFound, "term unavailable");
  if (std::optional<Term> t = unstable_.MaybeTerm(i)) return *t;
  Result<Term> t = storage_->TermAt(i);
  CAIRN_CHECK(t.ok() || t.status().code() == Code::kCompacted ||
                  t.status().code() == Code::kNotFound,
              "storage term: %s", t.status().ToString().c_str());
  return t;
}

bool RaftLog::MatchTerm(Index i, Term t) const {
  Result<Term> got = TermAt(i);
  return got.ok() && got.value() == t;
}

bool RaftLog::IsUpToDate(Index last_index, Term term) const {
  const Term our = LastTerm();
  return term > our || (term == our && last_index >= LastIndex());
}

Status RaftLog::CheckOutOfBounds(Index lo, Index hi) const {
  CAIRN_CHECK(lo <= hi, "invalid slice %llu > %llu", U(lo), U(hi));
  if (lo < FirstIndex()) return Status(Code::kCompacted, "slice compacted");
  CAIRN_CHECK(hi <= LastIndex() + 1, "slice [%llu,%llu) out of bound %llu",
              U(lo), U(hi), U(LastIndex()));
  return Status::Ok();
}

Result<std::vector<Entry>> RaftLog::EntriesFrom(Index i,
                                                uint64_t max_bytes) const {
  if (i > LastIndex()) return std::vector<Entry>();
  return Slice(i, LastIndex() + 1, max_bytes);
}

Result<std::vector<Entry>> RaftLog::Slice(Index lo, Index hi,
                                          uint64_t max_bytes) const {
  if (Status s = CheckOutOfBounds(lo, hi); !s.ok()) return s;
  std::vector<Entry> out;
  if (lo == hi) return out;
  const Index offset = unstable_.offset();
  if (lo < offset) {
    const Index stored_hi = std::min(hi, offset);
    Result<std::vector<Entry>> stored =
        storage_->Entries(lo, stored_hi, max_bytes);
    if (!stored.ok()) {
      CAIRN_CHECK(stored.status().code() == Code::kCompacted,
                  "entries [%llu,%llu) unavailable from storage: %s", U(lo),
                  U(stored_hi), stored.status().ToString().c_str());
      return stored.status();
    }
    out = std::move(stored).value();
    // The storage stopped early because of the size limit: done.
    if (out.size() < stored_hi - lo) return out;
  }
  if (hi > offset) {
    std::vector<Entry> tail = unstable_.Slice(std::max(lo, offset), hi);
    out.insert(out.end(), std::make_move_iterator(tail.begin()),
               std::make_move_iterator(tail.end()));
  }
  LimitSize(&out, max_bytes);
  return out;
}

bool RaftLog::HasNextCommittedEnts() const {
  const Index off = std::max(applied_ + 1, FirstIndex());
  return committed_ + 1 > off;
}

std::vector<Entry> RaftLog::NextCommittedEnts() const {
  const Index off = std::max(applied_ + 1, FirstIndex());
  if (committed_ + 1 <= off) return {};
  Result<std::vector<Entry>> ents =
      Slice(off, committed_ + 1, max_applying_bytes_);
  CAIRN_CHECK(ents.ok(), "committed entries unavailable: %s",
              ents.status().ToString().c_str());
  return std::move(ents).value();
}

bool RaftLog::MaybeCommit(Index max_index, Term term) {
  if (max_index <= committed_) return false;
  Result<Term> t = TermAt(max_index);
  if (!t.ok() || t.value() != term) return false;
  CommitTo(max_index);
  return true;
}

void RaftLog::CommitTo(Index to) {
  if (to <= committed_) return;  // never decrease the commit index
  CAIRN_CHECK(to <= LastIndex(),
              "commit %llu out of range [last index %llu]; was the log "
              "corrupted, truncated, or lost?",
              U(to), U(LastIndex()));
  committed_ = to;
}

void RaftLog::AppliedTo(Index i) {
  if (i == 0) return;
  CAIRN_CHECK(i <= committed_ && i >= applied_,
              "applied %llu out of range [prev applied %llu, committed %llu]",
              U(i), U(applied_), U(committed_));
  applied_ = i;
}

Result<Snapshot> RaftLog::GetSnapshot() const {
  if (unstable_.snapshot()) return *unstable_.snapshot();
  return storage_->GetSnapshot();
}

void RaftLog::Restore(const Snapshot& snap) {
  committed_ = snap.metadata.index;
  unstable_.Restore(snap);
}

}  // namespace cairn::raft
