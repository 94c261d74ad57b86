// WatchHub: etcd's watchable store on top of a KvStore. Pure core:
// single-threaded and deterministic (watchers are served in id order);
// the host calls Notify after every write, Sync to let lagging watchers
// catch up, and drains responses with TakeResponses.
//
// A watcher covers a key or range from a start revision. A watcher whose
// start revision is not after the store's revision is "unsynced": Sync
// replays its events from the store's history in bounded batches. A
// synced watcher gets events straight from Notify. Every watcher has at
// most max_pending_events events waiting in the outbox; a write that would
// overflow that turns the watcher unsynced at the first revision it missed,
// so a slow consumer costs history reads, never unbounded memory, and sees
// every event in order, without gaps or repeats. The host may hold a
// watcher's responses back (TakeResponses' `held`) while its client is not
// reading: they stay in the outbox, on its budget, so a held watcher falls
// back to unsynced like any slow one and catches up once released, rather
// than its stream being ended. A watcher that needs
// history already compacted is canceled with the compact revision, as
// etcd does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/mvcc/kv_store.h"
#include "core/mvcc/types.h"
#include "core/util/result.h"

namespace cairn::mvcc {

// etcdserverpb.WatchCreateRequest.
struct WatchCreateRequest {
  enum class FilterType { kNoPut = 0, kNoDelete = 1 };
  std::string key;
  std::string range_end;       // as in RangeRequest
  int64_t start_revision = 0;  // <= 0: the next revision
  bool progress_notify = false;
  std::vector<FilterType> filters;
  bool prev_kv = false;
  int64_t watch_id = 0;  // 0: assign the lowest free id
};

// etcdserverpb.WatchResponse. watch_id -1 answers a progress request for
// all watchers.
struct WatchResponse {
  ResponseHeader header;
  int64_t watch_id = 0;
  bool created = false;
  bool canceled = false;
  int64_t compact_revision = 0;
  std::string cancel_reason;
  std::vector<Event> events;
};

struct WatchHubOptions {
  size_t max_watchers = 10000;
  // Events a watcher may have waiting in the outbox.
  size_t max_pending_events = 1000;
  // Events one Sync reads from history per watcher.
  size_t sync_batch_events = 1000;
};

class WatchHub {
 public:
  // `store` must outlive the hub; the hub only reads it.
  WatchHub(const KvStore& store, WatchHubOptions options = {});
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Creates a watcher and queues its "created" response. A start revision
  // below the compact revision queues a cancel with compact_revision right
  // after. Returns the watch id. An empty key is allowed, as in etcd.
  // Errors: InvalidArgument
  // "mvcc: duplicate watch ID provided on the WatchStream";
  // ResourceExhausted when max_watchers are open.
  Result<int64_t> Watch(const WatchCreateRequest& req);

  // Removes a watcher and queues its canceled response. Returns NotFound
  // for an unknown id.
  Status Cancel(int64_t watch_id);

  // Delivers the events of the write that just made the store's current
  // revision. REQUIRES: called once per revision, in order.
  void Notify(const std::vector<Event>& events);

  // Lets unsynced watchers catch up from history (one batch each).
  void Sync();

  // Queues an empty response at the current revision for every synced
  // watcher that asked for progress notifications (etcd sends these on a
  // timer; the host decides when).
  void ProgressNotify();

  // A progress request: one response with watch_id -1 at the current
  // revision, queued once every watcher is synced (at once if they are),
  // so that it never runs ahead of events still being replayed.
  void RequestProgress();

  // Takes every queued response, oldest first, and frees the watchers'
  // outbox budget.
  std::vector<WatchResponse> TakeResponses();
  // The same, but the responses of watchers for which `held(id)` is true
  // stay queued, in order, and keep their budget.
  std::vector<WatchResponse> TakeResponses(
      const std::function<bool(int64_t)>& held);

  size_t watcher_count() const { return watchers_.size(); }
  size_t unsynced_count() const;

 private:
  struct Watcher {
    WatchCreateRequest req;
    int64_t next_rev = 0;  // the first revision not yet delivered
    size_t pending = 0;    // events queued in the outbox
    bool synced = false;
  };

  static bool Matches(const Watcher& w, const Event& ev);
  std::vector<Event> Filter(const Watcher& w, const std::vector<Event>& evs,
                            size_t first, size_t last) const;
  void Deliver(int64_t id, Watcher& w, std::vector<Event> events);
  void CancelCompacted(int64_t id);
  void SyncOne(int64_t id, Watcher& w);
  void FlushProgress();
  WatchResponse Response(int64_t id) const;

  const KvStore& store_;
  WatchHubOptions options_;
  std::map<int64_t, Watcher> watchers_;  // ordered: deterministic service
  int64_t next_id_ = 0;
  std::deque<WatchResponse> outbox_;
  bool progress_requested_ = false;
};

}  // namespace cairn::mvcc
