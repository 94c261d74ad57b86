// KvStore: etcd 3.4's MVCC keyspace (the mvcc package's store together with
// the apply rules of etcdserver/apply.go and the request checks of
// etcdserver/api/v3rpc/key.go). Pure core: single-threaded, no clocks or
// I/O; the same sequence of calls always gives the same answers, events
// and hashes.
//
// The store keeps a global revision counter (1 when empty, as etcd
// reports), a trie from key to its KeyIndex (generations of revisions), and
// a revision-ordered log of every change still readable (etcd's backend
// "key" bucket). Each write request that changes something takes the next
// main revision; a txn takes one main revision and numbers its changes with
// sub revisions. Reads at a past revision are served until compacted.
//
// Every write returns its response and the events it made (PUT/DELETE with
// kv and prev_kv) for the watch hub. Lease existence is the lessor's
// business: the store records the id it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mvcc/packed_record.h"
#include "core/mvcc/revision.h"
#include "core/mvcc/trie.h"
#include "core/mvcc/types.h"
#include "core/util/limits.h"
#include "core/util/result.h"

namespace cairn::mvcc {

struct KvStoreOptions {
  // etcd's --max-txn-ops: compares, and ops per branch, per txn.
  size_t max_txn_ops = limits::kMaxTxnOpsDefault;
  // The lessor's answer to "does this lease exist?" (pure, no side
  // effects). When set, a put naming a lease it rejects fails with
  // ErrLeaseNotFound, in a txn too (only on the branch taken), as etcd's
  // apply does; when empty, lease ids are recorded unchecked.
  std::function<bool(int64_t lease)> lease_exists;
  // Record every change to the revision log for TakeChanges (persistence,
  // kv_persist.h). Off by default, so that stores nobody persists keep
  // nothing extra.
  bool track_changes = false;
};

// What changed in a store since the last TakeChanges: what a backend must
// write to hold the same revision log.
struct KvChanges {
  std::vector<KvRecord> added;    // ascending revision
  std::vector<Revision> removed;  // dropped by compaction, ascending
                                  // per compaction (may include `added`)
  bool compacted = false;         // compact_rev() changed
  int64_t rev = 1;                // rev() and compact_rev() at the take
  int64_t compact_rev = -1;

  bool empty() const { return added.empty() && removed.empty() && !compacted; }
};

class KvStore {
 public:
  explicit KvStore(KvStoreOptions options = {});
  KvStore(const KvStore&) = delete;
  KvStore& operator=(const KvStore&) = delete;

  // Reads keys. Errors: ErrEmptyKey; ErrFutureRevision when
  // revision > rev(); ErrCompacted when 0 < revision < compact_rev().
  // The header revision is the current revision, not the one read.
  Result<RangeResponse> Range(const RangeRequest& req) const;

  // Writes a key at a new revision. Errors: ErrEmptyKey, ErrValueProvided,
  // ErrLeaseProvided (request checks); ErrKeyNotFound when ignore_value or
  // ignore_lease is set and the key does not exist.
  Result<PutResult> Put(const PutRequest& req);

  // Deletes keys; takes a new revision only if something was deleted.
  // Errors: ErrEmptyKey.
  Result<DeleteRangeResult> DeleteRange(const DeleteRangeRequest& req);

  // Runs a txn: compares read the state before the txn (nested txns'
  // compares too, as etcd does); the taken branch's writes share one main
  // revision and later ops read earlier ops' writes. Errors: ErrTooManyOps,
  // ErrEmptyKey, ErrKeyNotFound (an op with no request, or an
  // ignore_value/ignore_lease put on a key missing before the txn or
  // deleted earlier in it), ErrValueProvided, ErrLeaseProvided,
  // ErrDuplicateKey, and a range's ErrFutureRevision/ErrCompacted. On
  // error nothing is written.
  Result<TxnResult> Txn(const TxnRequest& req);

  // Drops history older than req.revision: the latest version of each key
  // at that revision stays readable, as does a tombstone exactly at it.
  // Errors: ErrCompacted when revision <= compact_rev(); ErrFutureRevision
  // when revision > rev().
  Result<CompactionResponse> Compact(const CompactionRequest& req);

  // etcd's HashKV: CRC-32C over the backend encoding of every revision up
  // to `revision` (0 = current), byte-identical to etcd 3.4's. Errors:
  // ErrCompacted when 0 < revision <= compact_rev(); ErrFutureRevision.
  Result<HashKVResponse> HashKV(int64_t revision) const;

  // The events with main revision in [start_rev, rev()], oldest first, at
  // most `max_events` (a txn's events are never split, so it may return
  // more to finish one revision). prev_kv is filled from history when still
  // readable. Errors: ErrCompacted when start_rev < compact_rev().
  Result<std::vector<Event>> EventsFrom(int64_t start_rev,
                                        size_t max_events) const;

  // ---- Persistence (kv_persist.h) ---------------------------------------

  // The changes made since the previous call (or since construction).
  // REQUIRES: options.track_changes.
  KvChanges TakeChanges();

  // Rebuilds the store from its revision log, one record at a time in
  // ascending revision order, as etcd's restore does: a key's first record
  // may continue a generation whose start was compacted away (its
  // create_revision and version say where it stands), or be the tombstone
  // kept at the compact revision. The result answers every read, hash and
  // later write exactly as the store that wrote the log (except the sub
  // revision of a compacted generation start, which nothing reads).
  // REQUIRES: a fresh store. Errors: kCorruption when the record cannot
  // follow the ones before it (order, key, create revision, version), in
  // which case the store must be discarded.
  Status RestoreRecord(KvRecord record);
  // Ends a restore with the persisted revision and compact revision.
  // Errors: kCorruption when they disagree with the records (rev must be
  // the last record's main revision, or 1 with none; at most one record
  // per key at or below the compact revision).
  Status FinishRestore(int64_t rev, int64_t compact_rev);

  // Calls fn for every key that exists at the current revision, ascending
  // (the lessor rebuilds its key attachments from the lease fields). The
  // reference is valid only during the call.
  void VisitLive(const std::function<void(const KeyValue& kv)>& fn) const;

  int64_t rev() const { return current_rev_; }
  // -1 until the first compaction, as in etcd.
  int64_t compact_rev() const { return compact_rev_; }
  // Keys in the index, live or with readable history.
  size_t key_count() const { return index_.size(); }
  // Approximate bytes held by the index and the revision log (walks
  // both: for tests and benchmarks).
  size_t MemoryBytes() const;
  // The keyspace's size as the space quota and Status's dbSize see it:
  // the revision log's records with their keys and values, plus a fixed
  // cost per indexed key. Kept current by every write and compaction, so
  // reading it costs nothing (the leader checks it on every tick).
  size_t SizeBytes() const {
    return sizeof(KvStore) + log_bytes_ + index_.size() * kIndexBytesPerKey;
  }

 private:
  using Record = PackedRecord;
  // The in-progress write of one request (etcd's storeTxnWrite).
  struct WriteTxn {
    int64_t begin_rev = 0;
    std::vector<Event> events;
    int64_t ReadRev() const { return begin_rev + (events.empty() ? 0 : 1); }
    int64_t WriteRev() const { return begin_rev + 1; }
  };
  // The keys a request names (etcd's key/range_end after mkGteRange). The
  // views borrow the request's strings.
  struct KeyRange {
    std::string_view begin;
    std::string_view end;
    bool single = false;     // range_end empty: just `begin`
    bool unbounded = false;  // range_end "\0": every key >= begin

    bool Contains(std::string_view key) const {
      if (single) return key == begin;
      if (key < begin) return false;
      return unbounded || key < end;
    }
  };
  struct TxnPath;

  // Reading (kv_store.cc).
  static KeyRange MakeRange(std::string_view key, std::string_view range_end);
  // The position of the first record >= rev in log_.
  size_t FindRecord(Revision rev) const;
  const Record& RecordAt(Revision rev) const;
  std::optional<KeyValue> KeyAt(std::string_view key, int64_t at_rev) const;
  Result<RangeResponse> RangeAt(const RangeRequest& req, int64_t cur_rev) const;
  struct RawRange {
    std::vector<KeyValue> kvs;
    int64_t count = 0;
  };
  RawRange RangeKeys(const KeyRange& range, int64_t at_rev, int64_t limit,
                     bool count_only) const;

  // Writing (kv_store.cc).
  Result<PutResponse> ApplyPut(WriteTxn& txn, const PutRequest& req);
  DeleteRangeResponse ApplyDelete(WriteTxn& txn, const DeleteRangeRequest& req);
  void PutKey(WriteTxn& txn, const std::string& key, const std::string& value,
              int64_t lease);
  int64_t DeleteKeys(WriteTxn& txn, const KeyRange& range);
  void Finish(const WriteTxn& txn);

  // Txns (kv_store_txn.cc).
  bool CompareHolds(const Compare& cmp) const;
  TxnPath ComparePath(const TxnRequest& req) const;
  Status CheckPuts(const TxnRequest& req, const TxnPath& path,
                   std::vector<KeyRange>& deletes) const;
  Status CheckRanges(const TxnRequest& req, const TxnPath& path) const;
  Status CheckPutLease(const PutRequest& req) const;
  TxnResponse ApplyTxn(WriteTxn& txn, const TxnRequest& req,
                       const TxnPath& path);

  // Compaction and hashing (kv_store_compact.cc).
  std::vector<Revision> KeepSet(int64_t at_rev) const;

  // Persistence hooks (kv_store_persist.cc).
  Status RestoreTombstone(const Revision& rev, KeyIndex& ki);
  Status RestorePut(const KvRecord& r, KeyIndex& ki);

  KvStoreOptions options_;
  int64_t current_rev_ = 1;
  int64_t compact_rev_ = -1;
  Trie index_;
  std::deque<Record> log_;  // sorted by rev
  size_t log_bytes_ = 0;    // RecordBytes of every record in log_
  static constexpr size_t kIndexBytesPerKey = 128;
  // Counts a record as the unpacked KvRecord it stands for, so that the
  // size users see (dbSize, the quota) does not depend on the packing.
  static size_t RecordBytes(const KvRecord& r) {
    return sizeof(KvRecord) + r.kv.key.size() + r.kv.value.size();
  }
  static size_t RecordBytes(const PackedRecord& r) {
    return sizeof(KvRecord) + r.payload_bytes();
  }
  void AppendRecord(const KvRecord& r) {
    log_bytes_ += RecordBytes(r);
    log_.emplace_back(r);
  }
  // A record a write makes (a restored one is not a change): the change
  // feed takes the unpacked record, so nothing unpacks it again. Writes
  // check everything before they append, so no appended record is undone.
  void AppendWritten(KvRecord r) {
    AppendRecord(r);
    if (options_.track_changes) changes_.added.push_back(std::move(r));
  }
  KvChanges changes_;  // only with options_.track_changes
};

}  // namespace cairn::mvcc
