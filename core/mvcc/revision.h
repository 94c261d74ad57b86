// Revision: the position of one change in the keyspace's history, as in
// etcd's mvcc package. Pure core; a value type, no threads or I/O.
//
// A revision is a pair {main, sub}. Every write request (put, delete, or a
// whole txn) takes the next main revision; the changes inside it are
// numbered by sub, starting at 0. Revisions order first by main, then by sub.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace cairn::mvcc {

struct Revision {
  int64_t main = 0;
  int64_t sub = 0;

  auto operator<=>(const Revision&) const = default;
  bool operator==(const Revision&) const = default;
};

// Bytes in etcd's backend key for a revision: 8 bytes big-endian main,
// '_', 8 bytes big-endian sub.
inline constexpr size_t kRevisionBytes = 17;

// Encodes `rev` as etcd's backend key, appending the tombstone mark 't'
// when `tombstone`. The hash of the keyspace (HashKV) is computed over
// these bytes, so the layout must not change.
std::string EncodeRevision(Revision rev, bool tombstone);

// "main.sub", e.g. "5.0"; used by transcripts and test failures.
std::string RevisionToString(Revision rev);

}  // namespace cairn::mvcc
