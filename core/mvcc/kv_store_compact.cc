// KvStore's history management: compaction, HashKV and the event log read
// by watchers (etcd's kvstore_compaction.go, hash.go, and the watchable
// store's catch-up reads).
#include <algorithm>
#include <utility>

#include "core/mvcc/hash.h"
#include "core/mvcc/kv_store.h"
#include "core/util/check.h"
#include "core/util/crc32c.h"

namespace cairn::mvcc {

// Compaction drops, per key, every revision <= the compact revision but
// the one still visible there (and a tombstone exactly at it), then the
// log records nobody can read any more. Unlike etcd, which compacts the
// backend in the background, the work is complete on return.
Result<CompactionResponse> KvStore::Compact(const CompactionRequest& req) {
  const int64_t at_rev = req.revision;
  if (at_rev <= compact_rev_) return ErrCompacted();
  if (at_rev > current_rev_) return ErrFutureRevision();
  compact_rev_ = at_rev;
  std::vector<Revision> keep;
  std::vector<std::string> emptied;
  index_.Visit({}, {}, true, [&](const std::string& key, KeyIndex& ki) {
    std::optional<Revision> kept = ki.Compact(at_rev);
    if (kept.has_value()) keep.push_back(*kept);
    if (ki.IsEmpty()) emptied.push_back(key);
    return true;
  });
  for (const std::string& key : emptied) {
    const bool erased = index_.Erase(key);
    CAIRN_CHECK(erased, "compacted key vanished from the index");
  }
  std::sort(keep.begin(), keep.end());
  std::deque<Record> kept_log;
  log_bytes_ = 0;
  for (Record& r : log_) {
    if (r.rev.main > at_rev ||
        std::binary_search(keep.begin(), keep.end(), r.rev)) {
      log_bytes_ += RecordBytes(r);
      kept_log.push_back(std::move(r));
    } else if (options_.track_changes) {
      changes_.removed.push_back(r.rev);
    }
  }
  if (options_.track_changes) changes_.compacted = true;
  log_.swap(kept_log);
  CompactionResponse resp;
  resp.header.revision = current_rev_;
  return resp;
}

std::vector<Revision> KvStore::KeepSet(int64_t at_rev) const {
  std::vector<Revision> keep;
  index_.Visit({}, {}, true, [&](const std::string&, KeyIndex& ki) {
    std::optional<Revision> kept = ki.Keep(at_rev);
    if (kept.has_value()) keep.push_back(*kept);
    return true;
  });
  std::sort(keep.begin(), keep.end());
  return keep;
}

// etcd's HashByRev: CRC-32C of the bucket name "key", then each record's
// backend key and value in revision order up to `revision`. Records at or
// below the compact revision count only if Keep(revision) names them
// (unless it names none), exactly as etcd filters them.
Result<HashKVResponse> KvStore::HashKV(int64_t revision) const {
  if (revision > 0 && revision <= compact_rev_) return ErrCompacted();
  if (revision > current_rev_) return ErrFutureRevision();
  const int64_t at_rev = revision == 0 ? current_rev_ : revision;
  const std::vector<Revision> keep = KeepSet(at_rev);
  uint32_t crc = Crc32c("key");
  for (const Record& r : log_) {
    if (r.rev.main > at_rev) break;
    if (r.rev.main <= compact_rev_ && !keep.empty() &&
        !std::binary_search(keep.begin(), keep.end(), r.rev)) {
      continue;
    }
    const KvRecord rec = r.Unpack();
    crc = Crc32c(EncodeRevision(rec.rev, rec.tombstone), crc);
    crc = Crc32c(MarshalKeyValue(rec.kv), crc);
  }
  HashKVResponse resp;
  resp.header.revision = current_rev_;
  resp.hash = crc;
  resp.compact_revision = compact_rev_;
  return resp;
}

Result<std::vector<Event>> KvStore::EventsFrom(int64_t start_rev,
                                               size_t max_events) const {
  if (start_rev < compact_rev_) return ErrCompacted();
  auto it = std::lower_bound(
      log_.begin(), log_.end(), start_rev,
      [](const Record& r, int64_t rev) { return r.rev.main < rev; });
  std::vector<Event> events;
  for (; it != log_.end(); ++it) {
    if (events.size() >= max_events &&
        events.back().kv.mod_revision != it->rev.main) {
      break;
    }
    KvRecord rec = it->Unpack();
    Event ev;
    ev.type = rec.tombstone ? Event::Type::kDelete : Event::Type::kPut;
    ev.kv = std::move(rec.kv);
    if (rec.tombstone) ev.kv.mod_revision = it->rev.main;
    // As etcd's watch server does: prev_kv is the key one revision
    // earlier, when that is still readable.
    if (it->rev.main - 1 >= compact_rev_) {
      ev.prev_kv = KeyAt(ev.kv.key, it->rev.main - 1);
    }
    events.push_back(std::move(ev));
  }
  return events;
}

}  // namespace cairn::mvcc
