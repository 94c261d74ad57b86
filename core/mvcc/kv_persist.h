// kv_persist: the keyspace (KvStore) as it is laid out in a
// storage::Backend, and loaded back from it. Pure core; stateless
// functions over the Backend interface.
//
// Layout (docs/storage.md):
//   "kv/" + 8-byte big-endian main + 8-byte big-endian sub   one revision
//       value: u32 crc32c(backend key, rest) LE, then
//              u8 kind (0 put, 1 tombstone), varint key length, key,
//              put only: varint create_revision, varint version,
//              varint lease (two's complement), varint value length, value
//       (mod_revision is the key's main revision, not stored twice)
//   "meta/kv"   u32 crc32c(rest) LE, varint rev, varint compact_rev + 1
// Big-endian revisions make the backend's key order the revision order,
// so loading is one ascending scan.
//
// Writing: a KvStore built with options.track_changes reports its changes
// through TakeChanges; WriteKvChanges adds them to the batch the server
// commits with the applied index. Loading: LoadKvStore rebuilds the store
// (trie, key indexes, revision log, rev, compact rev) exactly.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/mvcc/kv_store.h"
#include "core/storage/backend.h"
#include "core/util/result.h"

namespace cairn::mvcc {

// The prefix of every revision record and the end of its range.
inline constexpr std::string_view kKvRecordPrefix = "kv/";
inline constexpr std::string_view kKvRecordEnd = "kv0";  // '/' + 1
inline constexpr std::string_view kKvMetaKey = "meta/kv";

// The backend key of revision `rev`. REQUIRES: rev.main, rev.sub >= 0.
std::string KvRecordKey(Revision rev);

// A revision record's value; `key` is KvRecordKey(record.rev).
std::string EncodeKvRecord(const KvRecord& record);

// Decodes a revision record stored under backend key `key`. Errors:
// kCorruption (bad key, checksum, or fields), naming the key.
Result<KvRecord> DecodeKvRecord(std::string_view key, std::string_view value);

// Adds `changes` to `batch`: puts of the added records, deletes of the
// removed ones, and the meta record (revision and compact revision) when
// anything changed. A revision key is never reused, so added-then-removed
// records within one batch end up deleted.
void WriteKvChanges(const KvChanges& changes, storage::WriteBatch& batch);

// A store rebuilt from `backend` with `options` (track_changes as given;
// the new store reports no changes for what it loaded). A backend without
// keyspace records gives an empty store. Errors: kCorruption when a record
// or the meta record is damaged or inconsistent (nothing of it is
// applied: the partial store is discarded); the backend's kIOError.
Result<std::unique_ptr<KvStore>> LoadKvStore(const storage::Backend& backend,
                                             KvStoreOptions options);

}  // namespace cairn::mvcc
