#include "core/raft/memory_storage.h"

#include <utility>

#include "core/util/check.h"
#include "core/util/strings.h"

namespace cairn::raft {

namespace {

// How many of the `n` entries from `first` LimitSize keeps.
size_t LimitedCount(const Entry* first, size_t n, uint64_t max_bytes) {
  if (n == 0) return 0;
  uint64_t size = EntryBytes(first[0]);
  size_t keep = 1;
  while (keep < n) {
    size += EntryBytes(first[keep]);
    if (size > max_bytes) break;
    keep++;
  }
  return keep;
}

}  // namespace

void LimitSize(std::vector<Entry>* entries, uint64_t max_bytes) {
  entries->resize(LimitedCount(entries->data(), entries->size(), max_bytes));
}

MemoryStorage::MemoryStorage() : ents_(1) {}

Result<InitialState> MemoryStorage::GetInitialState() const {
  return InitialState{hard_state_, snapshot_.metadata.conf_state};
}

Index MemoryStorage::FirstIndex() const { return ents_[0].index + 1; }

Index MemoryStorage::LastIndex() const {
  return ents_[0].index + ents_.size() - 1;
}

Result<std::vector<Entry>> MemoryStorage::Entries(Index lo, Index hi,
                                                  uint64_t max_bytes) const {
  const Index offset = ents_[0].index;
  if (lo <= offset) return Status(Code::kCompacted, "entries compacted");
  CAIRN_CHECK(hi <= LastIndex() + 1, "entries hi %llu beyond last %llu",
              (unsigned long long)hi, (unsigned long long)LastIndex());
  if (ents_.size() == 1) return Status(Code::kNotFound, "no entries");
  // Count first, copy only what is kept: a follower far behind a leader
  // that sends one entry per message would otherwise have its whole
  // backlog copied for every message.
  const Entry* first = ents_.data() + (lo - offset);
  const size_t keep = LimitedCount(first, hi - lo, max_bytes);
  return std::vector<Entry>(first, first + keep);
}

Result<Term> MemoryStorage::TermAt(Index i) const {
  const Index offset = ents_[0].index;
  if (i < offset) return Status(Code::kCompacted, "term compacted");
  if (i - offset >= ents_.size()) {
    return Status(Code::kNotFound, "term unavailable");
  }
  return ents_[i - offset].term;
}

Result<Snapshot> MemoryStorage::GetSnapshot() const { return snapshot_; }

Status MemoryStorage::ApplySnapshot(const Snapshot& snap) {
  if (snap.metadata.index <= snapshot_.metadata.index) {
    return Status(Code::kFailedPrecondition, "snapshot out of date");
  }
  snapshot_ = snap;
  Entry dummy;
  dummy.term = snap.metadata.term;
  dummy.index = snap.metadata.index;
  ents_.assign(1, dummy);
  return Status::Ok();
}

Result<Snapshot> MemoryStorage::CreateSnapshot(Index i, const ConfState& cs,
                                               std::string data) {
  if (i <= snapshot_.metadata.index) {
    return Status(Code::kFailedPrecondition, "snapshot out of date");
  }
  CAIRN_CHECK(i <= LastIndex(), "snapshot %llu beyond last index %llu",
              (unsigned long long)i, (unsigned long long)LastIndex());
  const Index offset = ents_[0].index;
  snapshot_.metadata.index = i;
  snapshot_.metadata.term = ents_[i - offset].term;
  snapshot_.metadata.conf_state = cs;
  snapshot_.data = std::move(data);
  return snapshot_;
}

Status MemoryStorage::Compact(Index compact_index) {
  const Index offset = ents_[0].index;
  if (compact_index <= offset) {
    return Status(Code::kCompacted, "already compacted");
  }
  CAIRN_CHECK(compact_index <= LastIndex(), "compact %llu beyond last %llu",
              (unsigned long long)compact_index,
              (unsigned long long)LastIndex());
  const size_t i = compact_index - offset;
  // The entry at compact_index becomes the new dummy: it keeps only its
  // index and term so that TermAt(FirstIndex() - 1) keeps working.
  std::vector<Entry> kept;
  kept.reserve(ents_.size() - i);
  Entry dummy;
  dummy.term = ents_[i].term;
  dummy.index = ents_[i].index;
  kept.push_back(std::move(dummy));
  for (size_t j = i + 1; j < ents_.size(); j++) {
    kept.push_back(std::move(ents_[j]));
  }
  ents_ = std::move(kept);
  return Status::Ok();
}

void MemoryStorage::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  const Index first = FirstIndex();
  const Index last = entries[0].index + entries.size() - 1;
  if (last < first) return;  // everything is already in the snapshot
  size_t skip = 0;
  if (first > entries[0].index) skip = first - entries[0].index;
  const Index start = entries[skip].index;
  const Index offset = start - ents_[0].index;
  CAIRN_CHECK(offset <= ents_.size(),
              "missing log entry [last: %llu, append at: %llu]",
              (unsigned long long)LastIndex(), (unsigned long long)start);
  ents_.resize(offset);
  ents_.insert(ents_.end(), entries.begin() + skip, entries.end());
}

}  // namespace cairn::raft
