// KvStore's persistence hooks: the change feed a backend writer takes
// (TakeChanges) and the restore path that rebuilds a store from a
// persisted revision log (etcd's kvstore.restore / restoreIntoIndex).
#include <utility>

#include "core/mvcc/kv_store.h"
#include "core/util/check.h"
#include "core/util/strings.h"

namespace cairn::mvcc {

KvChanges KvStore::TakeChanges() {
  CAIRN_CHECK(options_.track_changes,
              "TakeChanges on a store that does not track changes");
  KvChanges out = std::move(changes_);
  changes_ = KvChanges{};
  out.rev = current_rev_;
  out.compact_rev = compact_rev_;
  return out;
}

Status KvStore::RestoreTombstone(const Revision& rev, KeyIndex& ki) {
  if (ki.IsLive()) return ki.Tombstone(rev);
  // The first record of a key may be the tombstone kept at the compact
  // revision; anything else deleting a deleted key is damage.
  if (!ki.IsEmpty()) return Status::Corruption("tombstone of a deleted key");
  ki.Restore(rev, rev, 1, /*tombstone=*/true);
  return Status::Ok();
}

Status KvStore::RestorePut(const KvRecord& r, KeyIndex& ki) {
  const KeyValue& kv = r.kv;
  if (kv.mod_revision != r.rev.main || kv.version < 1) {
    return Status::Corruption("mod revision or version out of range");
  }
  if (ki.IsLive()) {
    const Generation& g = ki.generations().back();
    if (kv.create_revision != g.created.main || kv.version != g.ver + 1) {
      return Status::Corruption("does not continue the key's generation");
    }
    ki.Put(r.rev);
  } else if (kv.create_revision == r.rev.main) {
    if (kv.version != 1) return Status::Corruption("creation with version > 1");
    ki.Put(r.rev);
  } else if (ki.IsEmpty() && kv.create_revision > 0 &&
             kv.create_revision < r.rev.main) {
    // A generation whose start was compacted away (etcd's
    // keyIndex.restore); the sub revision of its start is not persisted.
    ki.Restore(Revision{kv.create_revision, 0}, r.rev, kv.version,
               /*tombstone=*/false);
  } else {
    return Status::Corruption("put after a delete does not create the key");
  }
  return Status::Ok();
}

Status KvStore::RestoreRecord(KvRecord record) {
  const Revision rev = record.rev;
  auto bad = [&](const std::string& why) {
    return Status::Corruption(StrFormat(
        "mvcc restore: revision %s key %s: %s", RevisionToString(rev).c_str(),
        EscapeBytes(record.kv.key).c_str(), why.c_str()));
  };
  if (rev.main < 2 || rev.sub < 0) return bad("revision out of range");
  if (!log_.empty() && !(log_.back().rev < rev)) {
    return bad("not after the previous record");
  }
  if (record.kv.key.empty()) return bad("empty key");
  if (record.tombstone && !(record.kv == KeyValue{.key = record.kv.key})) {
    return bad("tombstone with a value");
  }
  KeyIndex& ki = index_.FindOrInsert(record.kv.key);
  Status s =
      record.tombstone ? RestoreTombstone(rev, ki) : RestorePut(record, ki);
  if (!s.ok()) return bad(s.message());
  AppendRecord(record);
  current_rev_ = rev.main;
  return Status::Ok();
}

Status KvStore::FinishRestore(int64_t rev, int64_t compact_rev) {
  const int64_t last = log_.empty() ? 1 : log_.back().rev.main;
  if (rev != last) {
    return Status::Corruption(
        StrFormat("mvcc restore: revision %lld but the log ends at %lld",
                  static_cast<long long>(rev), static_cast<long long>(last)));
  }
  if (compact_rev < -1 || compact_rev > rev) {
    return Status::Corruption(
        StrFormat("mvcc restore: compact revision %lld out of range",
                  static_cast<long long>(compact_rev)));
  }
  // What Compact(compact_rev) leaves: per key at most one revision at or
  // below it, and no generation that ended before it.
  Status status;
  index_.Visit({}, {}, true, [&](const std::string& key, KeyIndex& ki) {
    size_t at_or_below = 0;
    const SmallVector<Generation>& gens = ki.generations();
    for (size_t i = 0; i < gens.size(); i++) {
      for (const Revision& r : gens[i].revs)
        at_or_below += r.main <= compact_rev;
      const bool ended = i + 1 < gens.size();
      if (ended && gens[i].revs.back().main < compact_rev) at_or_below += 2;
    }
    if (at_or_below <= 1) return true;
    status = Status::Corruption(StrFormat(
        "mvcc restore: key %s holds history compacted at %lld",
        EscapeBytes(key).c_str(), static_cast<long long>(compact_rev)));
    return false;
  });
  if (!status.ok()) return status;
  current_rev_ = rev;
  compact_rev_ = compact_rev;
  return Status::Ok();
}

void KvStore::VisitLive(
    const std::function<void(const KeyValue& kv)>& fn) const {
  index_.Visit({}, {}, true, [&](const std::string&, KeyIndex& ki) {
    std::optional<KeyIndex::Version> v = ki.Get(current_rev_);
    if (v.has_value()) fn(RecordAt(v->modified).kv());
    return true;
  });
}

}  // namespace cairn::mvcc
