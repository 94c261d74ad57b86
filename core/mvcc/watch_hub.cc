#include "core/mvcc/watch_hub.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "core/util/check.h"

namespace cairn::mvcc {

WatchHub::WatchHub(const KvStore& store, WatchHubOptions options)
    : store_(store), options_(options) {}

bool WatchHub::Matches(const Watcher& w, const Event& ev) {
  const std::string& key = ev.kv.key;
  const WatchCreateRequest& r = w.req;
  if (r.range_end.empty()) {
    if (key != r.key) return false;
  } else if (key < r.key) {
    return false;
  } else if (r.range_end != std::string(1, '\0') && key >= r.range_end) {
    return false;
  }
  for (WatchCreateRequest::FilterType f : r.filters) {
    if (f == WatchCreateRequest::FilterType::kNoPut &&
        ev.type == Event::Type::kPut) {
      return false;
    }
    if (f == WatchCreateRequest::FilterType::kNoDelete &&
        ev.type == Event::Type::kDelete) {
      return false;
    }
  }
  return true;
}

// The events in evs[first, last) this watcher wants, prev_kv stripped
// unless it asked for it.
std::vector<Event> WatchHub::Filter(const Watcher& w,
                                    const std::vector<Event>& evs, size_t first,
                                    size_t last) const {
  std::vector<Event> out;
  for (size_t i = first; i < last; i++) {
    if (!Matches(w, evs[i])) continue;
    out.push_back(evs[i]);
    if (!w.req.prev_kv) out.back().prev_kv.reset();
  }
  return out;
}

WatchResponse WatchHub::Response(int64_t id) const {
  WatchResponse resp;
  resp.header.revision = store_.rev();
  resp.watch_id = id;
  return resp;
}

void WatchHub::Deliver(int64_t id, Watcher& w, std::vector<Event> events) {
  if (events.empty()) return;
  w.pending += events.size();
  WatchResponse resp = Response(id);
  resp.events = std::move(events);
  outbox_.push_back(std::move(resp));
}

Result<int64_t> WatchHub::Watch(const WatchCreateRequest& req) {
  if (watchers_.size() >= options_.max_watchers) {
    return Status(Code::kResourceExhausted, "mvcc: too many watchers");
  }
  int64_t id = req.watch_id;
  if (id == 0) {
    while (watchers_.contains(next_id_)) next_id_++;
    id = next_id_++;
  } else if (watchers_.contains(id)) {
    return Status::InvalidArgument(
        "mvcc: duplicate watch ID provided on the WatchStream");
  }
  Watcher w;
  w.req = req;
  w.next_rev = req.start_revision > 0 ? req.start_revision : store_.rev() + 1;
  w.synced = w.next_rev > store_.rev();
  watchers_.emplace(id, std::move(w));
  WatchResponse created = Response(id);
  created.created = true;
  outbox_.push_back(std::move(created));
  // etcd creates the watch, then cancels it when its start is compacted.
  if (req.start_revision > 0 && req.start_revision < store_.compact_rev()) {
    CancelCompacted(id);
  }
  return id;
}

void WatchHub::CancelCompacted(int64_t id) {
  WatchResponse resp = Response(id);
  resp.canceled = true;
  resp.compact_revision = store_.compact_rev();
  outbox_.push_back(std::move(resp));
  watchers_.erase(id);
}

Status WatchHub::Cancel(int64_t watch_id) {
  if (watchers_.erase(watch_id) == 0) {
    return Status::NotFound("mvcc: watcher does not exist");
  }
  WatchResponse resp = Response(watch_id);
  resp.canceled = true;
  outbox_.push_back(std::move(resp));
  return Status::Ok();
}

// A synced watcher whose budget cannot take this revision's events falls
// back to unsynced at this revision; Sync replays it later. With nothing
// pending, a revision goes out whole even if larger than the budget.
void WatchHub::Notify(const std::vector<Event>& events) {
  if (events.empty()) return;
  const int64_t rev = events.front().kv.mod_revision;
  CAIRN_CHECK(rev == store_.rev(), "notify of revision %lld at %lld",
              static_cast<long long>(rev),
              static_cast<long long>(store_.rev()));
  for (auto& [id, w] : watchers_) {
    if (!w.synced) continue;
    // A watch may start at a future revision; it waits until then.
    if (w.next_rev > rev) continue;
    CAIRN_CHECK(w.next_rev == rev, "synced watcher expects %lld, got %lld",
                static_cast<long long>(w.next_rev),
                static_cast<long long>(rev));
    std::vector<Event> mine = Filter(w, events, 0, events.size());
    if (w.pending > 0 &&
        w.pending + mine.size() > options_.max_pending_events) {
      w.synced = false;
      continue;
    }
    Deliver(id, w, std::move(mine));
    w.next_rev = rev + 1;
  }
}

// Reads one batch of history for an unsynced watcher, within its budget,
// never splitting a revision.
void WatchHub::SyncOne(int64_t id, Watcher& w) {
  const size_t room = options_.max_pending_events -
                      std::min(w.pending, options_.max_pending_events);
  if (room == 0) return;
  const size_t limit = std::min(room, options_.sync_batch_events);
  Result<std::vector<Event>> evs = store_.EventsFrom(w.next_rev, limit);
  if (!evs.ok()) {
    CancelCompacted(id);
    return;
  }
  const std::vector<Event>& all = evs.value();
  // Take whole revisions while they fit the budget, into one response as
  // etcd's sync does. A revision larger than the whole budget still goes
  // out alone when nothing is pending, or the watcher could never advance.
  std::vector<Event> batch;
  size_t end = 0;
  int64_t last_rev = w.next_rev - 1;
  while (end < all.size()) {
    const int64_t rev = all[end].kv.mod_revision;
    size_t stop = end;
    while (stop < all.size() && all[stop].kv.mod_revision == rev) stop++;
    std::vector<Event> mine = Filter(w, all, end, stop);
    const bool alone = batch.empty() && w.pending == 0;
    if (batch.size() + mine.size() > room && !alone) break;
    std::move(mine.begin(), mine.end(), std::back_inserter(batch));
    last_rev = rev;
    end = stop;
  }
  Deliver(id, w, std::move(batch));
  // Having read less than asked for means history ended: caught up.
  if (end == all.size() && all.size() < limit) last_rev = store_.rev();
  w.next_rev = last_rev + 1;
  w.synced = w.next_rev > store_.rev();
}

void WatchHub::Sync() {
  std::vector<int64_t> ids;
  for (const auto& [id, w] : watchers_) {
    if (!w.synced) ids.push_back(id);
  }
  for (int64_t id : ids) SyncOne(id, watchers_.at(id));
  FlushProgress();
}

void WatchHub::ProgressNotify() {
  for (const auto& [id, w] : watchers_) {
    if (w.synced && w.req.progress_notify) outbox_.push_back(Response(id));
  }
}

void WatchHub::RequestProgress() {
  progress_requested_ = true;
  FlushProgress();
}

// etcd 3.4 answered a progress request at once, even while some watchers
// were still replaying history, so a client could see a bookmark at R
// before events at or below R (fixed in later etcd releases by waiting for
// every watcher to be synced). Synced watchers have every event up to the
// store's revision queued already, so the bookmark is sent only then.
void WatchHub::FlushProgress() {
  if (!progress_requested_ || unsynced_count() > 0) return;
  progress_requested_ = false;
  outbox_.push_back(Response(-1));
}

std::vector<WatchResponse> WatchHub::TakeResponses() {
  return TakeResponses([](int64_t) { return false; });
}

std::vector<WatchResponse> WatchHub::TakeResponses(
    const std::function<bool(int64_t)>& held) {
  FlushProgress();  // a cancel may have removed the last lagging watcher
  for (auto& [id, w] : watchers_) w.pending = 0;
  std::vector<WatchResponse> out;
  std::deque<WatchResponse> kept;
  for (WatchResponse& r : outbox_) {
    auto w = watchers_.find(r.watch_id);
    // A response of a watcher gone since (its cancel) or a progress
    // bookmark for all (-1) is never held.
    if (w != watchers_.end() && held(r.watch_id)) {
      w->second.pending += r.events.size();
      kept.push_back(std::move(r));
    } else {
      out.push_back(std::move(r));
    }
  }
  outbox_ = std::move(kept);
  return out;
}

size_t WatchHub::unsynced_count() const {
  return static_cast<size_t>(
      std::count_if(watchers_.begin(), watchers_.end(),
                    [](const auto& e) { return !e.second.synced; }));
}

}  // namespace cairn::mvcc
