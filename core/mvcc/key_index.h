// KeyIndex: the revision history of one key, split into generations, as in
// etcd's mvcc/key_index.go. Pure core; single-threaded, deterministic.
//
// A generation runs from the put that (re)creates the key to the tombstone
// that deletes it. A tombstone appends its revision to the current
// generation and opens a new, empty one. The key itself is not stored here:
// the trie that owns the KeyIndex knows it.
//
// Worked example: put(1.0); put(2.0); tombstone(3.0); put(4.0);
// tombstone(5.0) on key "foo" gives
//
//   generations:  {1.0, 2.0, 3.0(t)}  {4.0, 5.0(t)}  {empty}
//
// Compact(n) removes, per generation, the revisions <= n except the largest
// one, and drops whole generations that ended (tombstone) before n. A
// tombstone exactly at n is kept, so that a watcher starting at the compact
// revision still sees the DELETE (etcd issues #18089 / PR #18274):
//
//   Compact(2): {2.0, 3.0(t)}  {4.0, 5.0(t)}  {empty}
//   Compact(4): {4.0, 5.0(t)}  {empty}
//   Compact(5): {5.0(t)}  {empty}
//   Compact(6): {empty}          -> IsEmpty(); the key is removed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/mvcc/revision.h"
#include "core/util/small_vector.h"
#include "core/util/status.h"

namespace cairn::mvcc {

struct Generation {
  int64_t ver = 0;   // puts (and the tombstone) ever made in it
  Revision created;  // the revision of its first put
  SmallVector<Revision> revs;

  bool empty() const { return revs.empty(); }
};

class KeyIndex {
 public:
  // The state of the key at a revision.
  struct Version {
    Revision modified;  // the revision holding the key's value
    Revision created;   // the generation's first revision
    int64_t version = 0;
  };

  KeyIndex();

  // Records a put at `rev`. REQUIRES: rev > modified().
  void Put(Revision rev);

  // Records a delete at `rev` and opens a new generation. Returns NotFound
  // when the key is not live (its current generation is empty).
  // REQUIRES: !IsEmpty(), rev > modified().
  Status Tombstone(Revision rev);

  // Restores the first revision of a key whose earlier history was
  // compacted away (etcd's keyIndex.restore): the current generation,
  // empty before the call, gets created = `created`, ver = `ver` (the
  // key's version at `modified`) and revs = {modified}. With `tombstone`,
  // `modified` is the tombstone kept at the compact revision and a new
  // empty generation follows it. REQUIRES: IsEmpty(), ver >= 1.
  void Restore(Revision created, Revision modified, int64_t ver,
               bool tombstone);

  // The key at `at_rev`, or nullopt when it did not exist then (never
  // created, deleted, or between generations).
  std::optional<Version> Get(int64_t at_rev) const;

  // Compacts at `at_rev` (see the file comment). Returns the revision
  // <= at_rev that must stay readable, if any. REQUIRES: !IsEmpty().
  std::optional<Revision> Compact(int64_t at_rev);

  // The revision Compact(at_rev) would keep, except that a tombstone is
  // never kept: the set HashKV uses, matching etcd's keyIndex.keep so that
  // hashes agree with etcd's.
  std::optional<Revision> Keep(int64_t at_rev) const;

  // True when the index holds no revision at all (one empty generation).
  bool IsEmpty() const;
  // True when the key exists at the latest revision.
  bool IsLive() const { return !generations_.back().empty(); }

  Revision modified() const { return modified_; }
  const SmallVector<Generation>& generations() const { return generations_; }

  // Approximate heap and inline bytes used by this index.
  size_t MemoryBytes() const;

 private:
  struct CompactPoint {
    size_t gen_idx;
    int rev_idx;  // -1: no revision <= at_rev in that generation
  };
  CompactPoint FindCompactPoint(int64_t at_rev) const;
  const Generation* FindGeneration(int64_t at_rev) const;

  Revision modified_;
  SmallVector<Generation> generations_;
};

}  // namespace cairn::mvcc
