#include "core/mvcc/key_index.h"

#include <algorithm>

#include "core/util/check.h"

namespace cairn::mvcc {
namespace {

// The index of the last revision in `g` whose main is <= at_rev, or -1.
int LastAtOrBefore(const Generation& g, int64_t at_rev) {
  auto it = std::upper_bound(
      g.revs.begin(), g.revs.end(), at_rev,
      [](int64_t rev, const Revision& r) { return rev < r.main; });
  return static_cast<int>(it - g.revs.begin()) - 1;
}

}  // namespace

KeyIndex::KeyIndex() : generations_(1) {}

void KeyIndex::Put(Revision rev) {
  CAIRN_CHECK(rev > modified_, "put at %lld.%lld not after modified %lld.%lld",
              static_cast<long long>(rev.main), static_cast<long long>(rev.sub),
              static_cast<long long>(modified_.main),
              static_cast<long long>(modified_.sub));
  Generation& g = generations_.back();
  if (g.empty()) g.created = rev;
  g.revs.push_back(rev);
  g.ver++;
  modified_ = rev;
}

void KeyIndex::Restore(Revision created, Revision modified, int64_t ver,
                       bool tombstone) {
  CAIRN_CHECK(IsEmpty(), "restore into a key index that has revisions");
  CAIRN_CHECK(ver >= 1, "restore with version %lld",
              static_cast<long long>(ver));
  Generation& g = generations_.back();
  g.created = created;
  g.ver = ver;
  g.revs.push_back(modified);
  modified_ = modified;
  if (tombstone) generations_.emplace_back();
}

Status KeyIndex::Tombstone(Revision rev) {
  CAIRN_CHECK(!IsEmpty(), "tombstone on an empty key index");
  if (generations_.back().empty()) {
    return Status::NotFound("mvcc: revision not found");
  }
  Put(rev);
  generations_.emplace_back();
  return Status::Ok();
}

// Walks generations from the newest: a generation that ended (tombstone) at
// or before at_rev means the key did not exist at at_rev (etcd's
// findGeneration). The newest generation has no tombstone.
const Generation* KeyIndex::FindGeneration(int64_t at_rev) const {
  const size_t last = generations_.size() - 1;
  for (size_t i = generations_.size(); i-- > 0;) {
    const Generation& g = generations_[i];
    if (g.empty()) continue;
    if (i != last && g.revs.back().main <= at_rev) return nullptr;
    if (g.revs.front().main <= at_rev) return &g;
  }
  return nullptr;
}

std::optional<KeyIndex::Version> KeyIndex::Get(int64_t at_rev) const {
  const Generation* g = FindGeneration(at_rev);
  if (g == nullptr) return std::nullopt;
  const int n = LastAtOrBefore(*g, at_rev);
  if (n < 0) return std::nullopt;
  const int64_t newer = static_cast<int64_t>(g->revs.size()) - n - 1;
  return Version{.modified = g->revs[static_cast<size_t>(n)],
                 .created = g->created,
                 .version = g->ver - newer};
}

// The first generation that ends at or after at_rev (or the newest), and
// its last revision <= at_rev. Ending "at" at_rev keeps the tombstone at the
// compact revision (etcd PR #18274).
KeyIndex::CompactPoint KeyIndex::FindCompactPoint(int64_t at_rev) const {
  size_t gen_idx = 0;
  while (gen_idx + 1 < generations_.size()) {
    const Generation& g = generations_[gen_idx];
    if (g.revs.back().main >= at_rev) break;
    gen_idx++;
  }
  return CompactPoint{gen_idx, LastAtOrBefore(generations_[gen_idx], at_rev)};
}

std::optional<Revision> KeyIndex::Compact(int64_t at_rev) {
  CAIRN_CHECK(!IsEmpty(), "compact on an empty key index");
  const CompactPoint p = FindCompactPoint(at_rev);
  Generation& g = generations_[p.gen_idx];
  std::optional<Revision> kept;
  if (p.rev_idx >= 0) {
    kept = g.revs[static_cast<size_t>(p.rev_idx)];
    g.revs.erase(g.revs.begin(), g.revs.begin() + p.rev_idx);
  }
  generations_.erase(generations_.begin(),
                     generations_.begin() + static_cast<long>(p.gen_idx));
  return kept;
}

std::optional<Revision> KeyIndex::Keep(int64_t at_rev) const {
  if (IsEmpty()) return std::nullopt;
  const CompactPoint p = FindCompactPoint(at_rev);
  if (p.rev_idx < 0) return std::nullopt;
  const Generation& g = generations_[p.gen_idx];
  const bool is_tombstone =
      static_cast<size_t>(p.rev_idx) == g.revs.size() - 1 &&
      p.gen_idx != generations_.size() - 1;
  if (is_tombstone) return std::nullopt;
  return g.revs[static_cast<size_t>(p.rev_idx)];
}

bool KeyIndex::IsEmpty() const {
  return generations_.size() == 1 && generations_[0].empty();
}

size_t KeyIndex::MemoryBytes() const {
  size_t bytes = sizeof(KeyIndex);
  if (generations_.on_heap()) {
    bytes += generations_.capacity() * sizeof(Generation);
  }
  for (const Generation& g : generations_) {
    if (g.revs.on_heap()) bytes += g.revs.capacity() * sizeof(Revision);
  }
  return bytes;
}

}  // namespace cairn::mvcc
