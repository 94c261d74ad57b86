#include "core/raft/unstable.h"

#include "core/util/check.h"

namespace cairn::raft {

std::optional<Index> Unstable::MaybeFirstIndex() const {
  if (snapshot_) return snapshot_->metadata.index + 1;
  return std::nullopt;
}

std::optional<Index> Unstable::MaybeLastIndex() const {
  if (!entries_.empty()) return offset_ + entries_.size() - 1;
  if (snapshot_) return snapshot_->metadata.index;
  return std::nullopt;
}

std::optional<Term> Unstable::MaybeTerm(Index i) const {
  if (i < offset_) {
    if (snapshot_ && snapshot_->metadata.index == i) {
      return snapshot_->metadata.term;
    }
    return std::nullopt;
  }
  std::optional<Index> last = MaybeLastIndex();
  if (!last || i > *last) return std::nullopt;
  return entries_[i - offset_].term;
}

void Unstable::StableTo(Index i, Term t) {
  std::optional<Term> got = MaybeTerm(i);
  if (!got) return;
  // Only an entry still at the same term was made durable; a newer leader
  // may have replaced it after the Ready was taken.
  if (*got == t && i >= offset_) {
    entries_.erase(entries_.begin(), entries_.begin() + (i + 1 - offset_));
    offset_ = i + 1;
  }
}

void Unstable::StableSnapTo(Index i) {
  if (snapshot_ && snapshot_->metadata.index == i) snapshot_.reset();
}

void Unstable::Restore(const Snapshot& snap) {
  offset_ = snap.metadata.index + 1;
  entries_.clear();
  snapshot_ = snap;
}

void Unstable::TruncateAndAppend(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  const Index after = entries[0].index;
  if (after == offset_ + entries_.size()) {
    entries_.insert(entries_.end(), entries.begin(), entries.end());
  } else if (after <= offset_) {
    // The new entries replace everything held here (and the host must
    // overwrite what it stored from `after` on).
    offset_ = after;
    entries_ = entries;
  } else {
    entries_.resize(after - offset_);
    entries_.insert(entries_.end(), entries.begin(), entries.end());
  }
}

std::vector<Entry> Unstable::Slice(Index lo, Index hi) const {
  CAIRN_CHECK(lo <= hi, "invalid unstable slice %llu > %llu",
              (unsigned long long)lo, (unsigned long long)hi);
  const Index upper = offset_ + entries_.size();
  CAIRN_CHECK(lo >= offset_, "unstable slice lo %llu below offset %llu",
              (unsigned long long)lo, (unsigned long long)offset_);
  CAIRN_CHECK(hi <= upper, "unstable slice hi %llu beyond %llu",
              (unsigned long long)hi, (unsigned long long)upper);
  return std::vector<Entry>(entries_.begin() + (lo - offset_),
                            entries_.begin() + (hi - offset_));
}

}  // namespace cairn::raft
