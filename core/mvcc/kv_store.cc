#include "core/mvcc/kv_store.h"

#include <algorithm>
#include <utility>

#include "core/mvcc/request_check.h"
#include "core/util/check.h"
#include "core/util/strings.h"

namespace cairn::mvcc {

namespace {

bool LessBy(SortTarget target, const KeyValue& a, const KeyValue& b) {
  switch (target) {
    case SortTarget::kKey:
      return a.key < b.key;
    case SortTarget::kVersion:
      return a.version < b.version;
    case SortTarget::kCreate:
      return a.create_revision < b.create_revision;
    case SortTarget::kMod:
      return a.mod_revision < b.mod_revision;
    case SortTarget::kValue:
      return a.value < b.value;
  }
  return false;
}

// etcd sorts with Go's sort.Sort, which is not stable; its insertion sort
// (used for up to 12 keys) is, and a stable sort agrees with it there. Ties
// keep ascending key order, also when descending (sort.Reverse).
void SortKvs(std::vector<KeyValue>& kvs, SortOrder order, SortTarget target) {
  if (order == SortOrder::kAscend) {
    std::stable_sort(kvs.begin(), kvs.end(),
                     [target](const KeyValue& a, const KeyValue& b) {
                       return LessBy(target, a, b);
                     });
  } else if (order == SortOrder::kDescend) {
    std::stable_sort(kvs.begin(), kvs.end(),
                     [target](const KeyValue& a, const KeyValue& b) {
                       return LessBy(target, b, a);
                     });
  }
}

// Applies min/max mod and create revision filters (0 = no bound).
void PruneKvs(std::vector<KeyValue>& kvs, const RangeRequest& req) {
  std::erase_if(kvs, [&req](const KeyValue& kv) {
    if (req.max_mod_revision != 0 && kv.mod_revision > req.max_mod_revision) {
      return true;
    }
    if (req.min_mod_revision != 0 && kv.mod_revision < req.min_mod_revision) {
      return true;
    }
    if (req.max_create_revision != 0 &&
        kv.create_revision > req.max_create_revision) {
      return true;
    }
    return req.min_create_revision != 0 &&
           kv.create_revision < req.min_create_revision;
  });
}

}  // namespace

KvStore::KvStore(KvStoreOptions options) : options_(std::move(options)) {}

KvStore::KeyRange KvStore::MakeRange(std::string_view key,
                                     std::string_view range_end) {
  KeyRange r;
  r.begin = key;
  if (range_end.empty()) {
    r.single = true;
  } else if (range_end == std::string_view("\0", 1)) {
    r.unbounded = true;
  } else {
    r.end = range_end;
  }
  return r;
}

// Main revisions are dense in the log above the compact revision (every
// revision holds at least one change), so the position is first guessed by
// interpolation, then bracketed by galloping and binary searched. For an
// uncompacted log of single-change revisions the guess is exact; a miss
// costs O(log distance) probes instead of O(log n) cache misses.
size_t KvStore::FindRecord(Revision rev) const {
  const size_t n = log_.size();
  if (n == 0) return 0;
  const int64_t first = log_.front().rev.main;
  const int64_t last = log_.back().rev.main;
  size_t guess = 0;
  if (last > first && rev.main > first) {
    const int64_t clamped = std::min(rev.main, last);
    // Floating point only picks where to start probing; the answer is
    // found by exact comparisons, so it never depends on rounding.
    const double frac = static_cast<double>(clamped - first) /
                        static_cast<double>(last - first);
    guess =
        std::min(n - 1, static_cast<size_t>(frac * static_cast<double>(n - 1)));
  }
  // Bracket [lo, hi) so that log_[lo].rev <= rev < log_[hi].rev (or ends).
  size_t lo = guess;
  size_t hi = guess + 1;
  for (size_t step = 1; lo > 0 && rev < log_[lo].rev; step *= 2) {
    hi = lo;
    lo = lo > step ? lo - step : 0;
  }
  for (size_t step = 1; hi < n && !(rev < log_[hi].rev); step *= 2) {
    lo = hi;
    hi = std::min(n, hi + step);
  }
  auto it = std::lower_bound(
      log_.begin() + static_cast<long>(lo),
      log_.begin() + static_cast<long>(hi), rev,
      [](const Record& r, const Revision& v) { return r.rev < v; });
  return static_cast<size_t>(it - log_.begin());
}

const KvStore::Record& KvStore::RecordAt(Revision rev) const {
  const size_t pos = FindRecord(rev);
  CAIRN_CHECK(pos < log_.size() && log_[pos].rev == rev,
              "the index names revision %s missing from the log",
              RevisionToString(rev).c_str());
  return log_[pos];
}

std::optional<KeyValue> KvStore::KeyAt(std::string_view key,
                                       int64_t at_rev) const {
  const KeyIndex* ki = index_.Find(key);
  if (ki == nullptr) return std::nullopt;
  std::optional<KeyIndex::Version> v = ki->Get(at_rev);
  if (!v.has_value()) return std::nullopt;
  return RecordAt(v->modified).kv();
}

// etcd's rangeKeys: counts every key that exists at at_rev and copies up
// to `limit` of them (0 = all).
KvStore::RawRange KvStore::RangeKeys(const KeyRange& range, int64_t at_rev,
                                     int64_t limit, bool count_only) const {
  RawRange out;
  auto take = [&](const KeyIndex& ki) {
    std::optional<KeyIndex::Version> v = ki.Get(at_rev);
    if (!v.has_value()) return;
    out.count++;
    if (count_only) return;
    if (limit > 0 && static_cast<int64_t>(out.kvs.size()) >= limit) return;
    out.kvs.push_back(RecordAt(v->modified).kv());
  };
  if (range.single) {
    if (const KeyIndex* ki = index_.Find(range.begin)) take(*ki);
    return out;
  }
  index_.Visit(range.begin, range.end, range.unbounded,
               [&](const std::string&, KeyIndex& ki) {
                 take(ki);
                 return true;
               });
  return out;
}

// etcd's applierV3backend.Range over a view whose current revision is
// cur_rev. Count is taken before the revision filters, as etcd does.
Result<RangeResponse> KvStore::RangeAt(const RangeRequest& req,
                                       int64_t cur_rev) const {
  if (req.revision > cur_rev) return ErrFutureRevision();
  const int64_t at_rev = req.revision <= 0 ? cur_rev : req.revision;
  if (at_rev < compact_rev_) return ErrCompacted();
  const bool fetch_all =
      req.sort_order != SortOrder::kNone || req.min_mod_revision != 0 ||
      req.max_mod_revision != 0 || req.min_create_revision != 0 ||
      req.max_create_revision != 0;
  int64_t limit = fetch_all ? 0 : req.limit;
  if (limit > 0) limit++;  // one extra tells whether there is more
  RawRange raw = RangeKeys(MakeRange(req.key, req.range_end), at_rev, limit,
                           req.count_only);
  PruneKvs(raw.kvs, req);
  SortOrder order = req.sort_order;
  if (req.sort_target != SortTarget::kKey && order == SortOrder::kNone) {
    order = SortOrder::kAscend;
  }
  SortKvs(raw.kvs, order, req.sort_target);
  RangeResponse resp;
  if (req.limit > 0 && static_cast<int64_t>(raw.kvs.size()) > req.limit) {
    raw.kvs.resize(static_cast<size_t>(req.limit));
    resp.more = true;
  }
  if (req.keys_only) {
    for (KeyValue& kv : raw.kvs) kv.value.clear();
  }
  resp.header.revision = cur_rev;
  resp.count = raw.count;
  resp.kvs = std::move(raw.kvs);
  return resp;
}

Result<RangeResponse> KvStore::Range(const RangeRequest& req) const {
  Status s = CheckRangeRequest(req);
  if (!s.ok()) return s;
  return RangeAt(req, current_rev_);
}

Status KvStore::CheckPutLease(const PutRequest& req) const {
  if (req.lease != 0 && options_.lease_exists &&
      !options_.lease_exists(req.lease)) {
    return ErrLeaseNotFound();
  }
  return Status::Ok();
}

// Writes one key at the txn's revision. Its create revision and version
// continue the key's live generation, as seen by this txn's earlier writes.
void KvStore::PutKey(WriteTxn& txn, const std::string& key,
                     const std::string& value, int64_t lease) {
  const Revision rev{txn.WriteRev(), static_cast<int64_t>(txn.events.size())};
  std::optional<KeyValue> prev = KeyAt(key, txn.begin_rev);
  KeyIndex& ki = index_.FindOrInsert(key);
  std::optional<KeyIndex::Version> cur = ki.Get(rev.main);
  KeyValue kv{.key = key,
              .create_revision = cur ? cur->created.main : rev.main,
              .mod_revision = rev.main,
              .version = cur ? cur->version + 1 : 1,
              .value = value,
              .lease = lease};
  ki.Put(rev);
  AppendWritten(KvRecord{.rev = rev, .tombstone = false, .kv = kv});
  txn.events.push_back(Event{.type = Event::Type::kPut,
                             .kv = std::move(kv),
                             .prev_kv = std::move(prev)});
}

// Deletes the keys live in `range` as this txn sees them; returns how many.
int64_t KvStore::DeleteKeys(WriteTxn& txn, const KeyRange& range) {
  std::vector<std::string> keys;
  const int64_t read_rev = txn.ReadRev();
  auto collect = [&](const std::string& key, const KeyIndex& ki) {
    if (ki.Get(read_rev).has_value()) keys.push_back(key);
  };
  if (range.single) {
    if (const KeyIndex* ki = index_.Find(range.begin)) {
      collect(std::string(range.begin), *ki);
    }
  } else {
    index_.Visit(range.begin, range.end, range.unbounded,
                 [&](const std::string& key, KeyIndex& ki) {
                   collect(key, ki);
                   return true;
                 });
  }
  for (const std::string& key : keys) {
    const Revision rev{txn.WriteRev(), static_cast<int64_t>(txn.events.size())};
    std::optional<KeyValue> prev = KeyAt(key, txn.begin_rev);
    Status s = index_.Find(key)->Tombstone(rev);
    CAIRN_CHECK(s.ok(), "tombstone of live key %s failed: %s",
                EscapeBytes(key).c_str(), s.ToString().c_str());
    KeyValue tomb;
    tomb.key = key;
    AppendWritten(KvRecord{.rev = rev, .tombstone = true, .kv = tomb});
    tomb.mod_revision = rev.main;
    txn.events.push_back(Event{.type = Event::Type::kDelete,
                               .kv = std::move(tomb),
                               .prev_kv = std::move(prev)});
  }
  return static_cast<int64_t>(keys.size());
}

// etcd's applierV3backend.Put: ignore_value/ignore_lease and prev_kv read
// the key as this txn sees it.
Result<PutResponse> KvStore::ApplyPut(WriteTxn& txn, const PutRequest& req) {
  std::optional<KeyValue> prev;
  if (req.ignore_value || req.ignore_lease || req.prev_kv) {
    prev = KeyAt(req.key, txn.ReadRev());
  }
  if ((req.ignore_value || req.ignore_lease) && !prev.has_value()) {
    return ErrKeyNotFound();
  }
  const std::string& value = req.ignore_value ? prev->value : req.value;
  const int64_t lease = req.ignore_lease ? prev->lease : req.lease;
  PutKey(txn, req.key, value, lease);
  PutResponse resp;
  resp.header.revision = txn.WriteRev();
  if (req.prev_kv) resp.prev_kv = std::move(prev);
  return resp;
}

// etcd's applierV3backend.DeleteRange. A delete that removes nothing, with
// no earlier write in the txn, takes no revision.
DeleteRangeResponse KvStore::ApplyDelete(WriteTxn& txn,
                                         const DeleteRangeRequest& req) {
  const KeyRange range = MakeRange(req.key, req.range_end);
  DeleteRangeResponse resp;
  if (req.prev_kv) {
    resp.prev_kvs = RangeKeys(range, txn.ReadRev(), 0, false).kvs;
  }
  resp.deleted = DeleteKeys(txn, range);
  resp.header.revision = txn.events.empty() ? txn.begin_rev : txn.WriteRev();
  return resp;
}

void KvStore::Finish(const WriteTxn& txn) {
  if (txn.events.empty()) return;
  current_rev_ = txn.WriteRev();
  CAIRN_DCHECK(log_.back().rev.main == current_rev_,
               "log ends at %lld, revision is %lld",
               static_cast<long long>(log_.back().rev.main),
               static_cast<long long>(current_rev_));
}

Result<PutResult> KvStore::Put(const PutRequest& req) {
  Status s = CheckPutRequest(req);
  if (s.ok()) s = CheckPutLease(req);
  if (!s.ok()) return s;
  WriteTxn txn{.begin_rev = current_rev_, .events = {}};
  Result<PutResponse> resp = ApplyPut(txn, req);
  if (!resp.ok()) return resp.status();
  Finish(txn);
  return PutResult{std::move(resp).value(), std::move(txn.events)};
}

Result<DeleteRangeResult> KvStore::DeleteRange(const DeleteRangeRequest& req) {
  Status s = CheckDeleteRequest(req);
  if (!s.ok()) return s;
  WriteTxn txn{.begin_rev = current_rev_, .events = {}};
  DeleteRangeResponse resp = ApplyDelete(txn, req);
  Finish(txn);
  return DeleteRangeResult{std::move(resp), std::move(txn.events)};
}

size_t KvStore::MemoryBytes() const {
  size_t bytes = sizeof(KvStore) + index_.MemoryBytes();
  for (const Record& r : log_) {
    bytes += sizeof(Record) + r.heap_bytes();
  }
  return bytes;
}

}  // namespace cairn::mvcc
