// lessor_persist: the leases (Lessor) as they are laid out in a
// storage::Backend, and loaded back from it. Pure core; stateless
// functions over the Backend interface.
//
// Layout (docs/storage.md):
//   "lease/" + 8-byte big-endian (id XOR 2^63)      one lease; the flipped
//       sign bit makes key order the signed id order (etcd 3.4 accepts
//       negative explicit ids)
//       value: u32 crc32c(backend key, rest) LE, varint ttl_s,
//              varint remaining_ttl_s
//   "meta/lease"   u32 crc32c(backend key, rest) LE, varint auto_id_counter
//
// Attached keys are not stored with the leases: as in etcd, loading
// rebuilds the attachments from the lease field of every live key of the
// keyspace, so a put never rewrites a lease record.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/lease/lessor.h"
#include "core/mvcc/kv_store.h"
#include "core/storage/backend.h"
#include "core/util/result.h"

namespace cairn::lease {

inline constexpr std::string_view kLeaseRecordPrefix = "lease/";
inline constexpr std::string_view kLeaseRecordEnd = "lease0";  // '/' + 1
inline constexpr std::string_view kLeaseMetaKey = "meta/lease";

// The backend key of lease `id`.
std::string LeaseRecordKey(LeaseId id);

// Adds `changes` (from lessor.TakeChanges()) to `batch`: each changed lease
// that still exists is written, each that does not is deleted, and the
// auto id counter when it changed.
void WriteLessorChanges(const Lessor& lessor, const LessorChanges& changes,
                        storage::WriteBatch& batch);

// Adds every lease and the counter of `lessor` to `batch` (the first write
// of a lessor that did not track changes from its start).
void WriteLessor(const Lessor& lessor, storage::WriteBatch& batch);

// A lessor rebuilt from `backend` with `cfg`, non-primary (a leader calls
// Promote), every live key of `kv` with a lease attached to it. TTLs below
// cfg.min_ttl_s are raised to it (Lessor::Restore). Errors: kCorruption
// for a damaged lease or meta record, or a live key naming a lease that is
// not stored (the keyspace and the leases are written in one batch, so
// they never disagree unless damaged); kResourceExhausted for more than
// cfg.max_leases leases; the backend's kIOError.
Result<std::unique_ptr<Lessor>> LoadLessor(const storage::Backend& backend,
                                           const Config& cfg,
                                           const mvcc::KvStore& kv);

}  // namespace cairn::lease
