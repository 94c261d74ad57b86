// The six watch guarantees that etcd's robustness tests check, each tested
// against a randomized workload with many watchers (various ranges, start
// revisions, filters, outbox budgets, drained at random times), plus the
// regressions for etcd's shipped watch bugs #20221 (a watch on a future
// revision returning old events) and #17247 (duplicated events when a
// watcher moves from catching up to synced while writes continue).
//
// For every watcher the expected stream is computed from the events the
// writes returned, filtered by its range, start revision and filters:
//   ordered       revisions never decrease along the stream;
//   unique        no (revision, key) appears twice;
//   atomic        all events of one revision arrive in one response;
//   bookmarkable  a progress notification at R comes after every event
//                 with revision <= R;
//   reliable      the stream is exactly the expected events, no gaps;
//   resumable     a watch restarted at last-seen + 1 sees exactly the rest.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/mvcc/kv_store.h"
#include "core/mvcc/watch_hub.h"
#include "core/util/random.h"

namespace cairn::mvcc {
namespace {

using Filter = WatchCreateRequest::FilterType;

struct Written {
  std::vector<Event> events;  // every event, in revision order

  std::vector<Event> Expected(const WatchCreateRequest& req,
                              int64_t from) const {
    std::vector<Event> out;
    for (const Event& ev : events) {
      if (ev.kv.mod_revision < from) continue;
      if (!InRange(req, ev.kv.key)) continue;
      if (Filtered(req, ev)) continue;
      Event copy = ev;
      if (!req.prev_kv) copy.prev_kv.reset();
      out.push_back(copy);
    }
    return out;
  }

  static bool InRange(const WatchCreateRequest& req, const std::string& key) {
    if (req.range_end.empty()) return key == req.key;
    if (req.range_end == std::string(1, '\0')) return key >= req.key;
    return key >= req.key && key < req.range_end;
  }

  static bool Filtered(const WatchCreateRequest& req, const Event& ev) {
    for (Filter f : req.filters) {
      if (f == Filter::kNoPut && ev.type == Event::Type::kPut) return true;
      if (f == Filter::kNoDelete && ev.type == Event::Type::kDelete) {
        return true;
      }
    }
    return false;
  }
};

// What one watcher received, response by response.
struct Stream {
  WatchCreateRequest req;
  std::vector<std::vector<Event>> responses;  // event responses only
  std::vector<Event> events;                  // flattened
  bool created = false;                       // its created response arrived
  bool canceled = false;
};

// Checks ordered, unique, atomic and bookmarkable as responses arrive.
void Receive(Stream& s, const WatchResponse& r, const Written& written,
             int64_t start) {
  if (r.created) s.created = true;
  if (r.canceled) s.canceled = true;
  if (r.events.empty() && !r.created && !r.canceled) {
    // A progress notification: every expected event <= R already arrived.
    const int64_t rev = r.header.revision;
    size_t want = 0;
    for (const Event& ev : written.Expected(s.req, start)) {
      if (ev.kv.mod_revision <= rev) want++;
    }
    size_t got = 0;
    for (const Event& ev : s.events) {
      if (ev.kv.mod_revision <= rev) got++;
    }
    ASSERT_EQ(got, want) << "bookmark at " << rev << " before its events";
    return;
  }
  if (r.events.empty()) return;
  for (const Event& ev : r.events) {
    if (!s.events.empty()) {
      ASSERT_GE(ev.kv.mod_revision, s.events.back().kv.mod_revision)
          << "out of order";
    }
    s.events.push_back(ev);
  }
  s.responses.push_back(r.events);
}

void CheckUniqueAndAtomic(const Stream& s) {
  std::set<std::pair<int64_t, std::string>> seen;
  std::map<int64_t, size_t> response_of_rev;
  for (size_t i = 0; i < s.responses.size(); i++) {
    for (const Event& ev : s.responses[i]) {
      ASSERT_TRUE(seen.insert({ev.kv.mod_revision, ev.kv.key}).second)
          << "duplicate event rev=" << ev.kv.mod_revision << " " << ev.kv.key;
      auto [it, fresh] = response_of_rev.emplace(ev.kv.mod_revision, i);
      ASSERT_TRUE(fresh || it->second == i)
          << "revision " << ev.kv.mod_revision << " split across responses";
    }
  }
}

// One random write; returns its events.
std::vector<Event> RandomWrite(Random& rnd, KvStore& store) {
  const std::string key = "k" + std::to_string(rnd.Uniform(12));
  if (rnd.OneIn(1, 4)) {
    DeleteRangeRequest d{.key = key};
    if (rnd.OneIn(1, 3)) d.range_end = "k5";
    return store.DeleteRange(d).value().events;
  }
  TxnRequest t;
  const uint64_t puts = 1 + rnd.Uniform(3);
  for (uint64_t i = 0; i < puts; i++) {
    t.success.push_back(
        RequestOp{PutRequest{.key = key + std::string(i, 'x'),
                             .value = "v" + std::to_string(rnd.Uniform(100))}});
  }
  return store.Txn(t).value().events;
}

WatchCreateRequest RandomWatch(Random& rnd, int64_t rev) {
  WatchCreateRequest req;
  switch (rnd.Uniform(3)) {
    case 0:
      req.key = "k" + std::to_string(rnd.Uniform(12));
      break;
    case 1:
      req.key = "k3";
      req.range_end = "k8";
      break;
    default:
      req.key = std::string(1, '\0');
      req.range_end = std::string(1, '\0');
  }
  req.prev_kv = rnd.OneIn(1, 2);
  req.progress_notify = rnd.OneIn(1, 2);
  if (rnd.OneIn(1, 5)) req.filters.push_back(Filter::kNoPut);
  if (rnd.OneIn(1, 5)) req.filters.push_back(Filter::kNoDelete);
  // Past (replayed from history), current, or future start revisions.
  req.start_revision = static_cast<int64_t>(rnd.Range(1, rev + 5));
  return req;
}

TEST(WatchGuaranteesTest, RandomWorkloadKeepsAllSix) {
  const uint64_t base =
      ::testing::UnitTest::GetInstance()->random_seed() * 1000;
  for (uint64_t seed = base; seed < base + 30; seed++) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    Random rnd(seed);
    KvStore store;
    WatchHub hub(store,
                 WatchHubOptions{.max_pending_events = 1 + rnd.Uniform(6),
                                 .sync_batch_events = 1 + rnd.Uniform(5)});
    Written written;
    std::map<int64_t, Stream> streams;
    std::map<int64_t, int64_t> starts;
    auto drain = [&] {
      for (const WatchResponse& r : hub.TakeResponses()) {
        for (auto& [id, s] : streams) {
          // A broadcast (-1) reaches the watchers the client knows of.
          if (r.watch_id != id && !(r.watch_id == -1 && s.created)) continue;
          Receive(s, r, written, starts[id]);
        }
      }
    };
    for (int step = 0; step < 400; step++) {
      if (streams.size() < 8 && rnd.OneIn(1, 20)) {
        WatchCreateRequest req = RandomWatch(rnd, store.rev());
        Result<int64_t> id = hub.Watch(req);
        ASSERT_TRUE(id.ok());
        streams[id.value()] = Stream{.req = req};
        starts[id.value()] = req.start_revision;
      }
      std::vector<Event> evs = RandomWrite(rnd, store);
      written.events.insert(written.events.end(), evs.begin(), evs.end());
      hub.Notify(evs);
      if (rnd.OneIn(1, 3)) hub.Sync();
      if (rnd.OneIn(1, 10)) hub.ProgressNotify();
      if (rnd.OneIn(1, 10)) hub.RequestProgress();
      if (rnd.OneIn(1, 4)) drain();
      ASSERT_FALSE(::testing::Test::HasFatalFailure());
    }
    for (int i = 0; i < 100000 && hub.unsynced_count() > 0; i++) {
      hub.Sync();
      drain();
    }
    drain();
    for (auto& [id, s] : streams) {
      SCOPED_TRACE("watch " + std::to_string(id));
      CheckUniqueAndAtomic(s);
      EXPECT_EQ(s.events, written.Expected(s.req, starts[id]));  // reliable
    }
  }
}

TEST(WatchGuaranteesTest, ResumableFromLastSeenPlusOne) {
  KvStore store;
  WatchHub hub(store);
  Written written;
  auto write = [&](int n) {
    for (int i = 0; i < n; i++) {
      auto r = store.Put(PutRequest{.key = "a" + std::to_string(i % 3),
                                    .value = std::to_string(i)});
      written.events.insert(written.events.end(), r.value().events.begin(),
                            r.value().events.end());
      hub.Notify(r.value().events);
    }
  };
  WatchCreateRequest req{.key = "a", .range_end = "b", .start_revision = 1};
  Result<int64_t> first = hub.Watch(req);
  ASSERT_TRUE(first.ok());
  write(10);
  hub.Sync();  // a start revision in the past replays from history
  std::vector<Event> seen;
  for (const WatchResponse& r : hub.TakeResponses()) {
    seen.insert(seen.end(), r.events.begin(), r.events.end());
  }
  ASSERT_EQ(seen.size(), 10u);
  // Stop after the 6th event, as a client that lost its connection would.
  seen.resize(6);
  ASSERT_TRUE(hub.Cancel(first.value()).ok());
  write(5);
  req.start_revision = seen.back().kv.mod_revision + 1;
  ASSERT_TRUE(hub.Watch(req).ok());
  for (int i = 0; i < 100 && hub.unsynced_count() > 0; i++) hub.Sync();
  for (const WatchResponse& r : hub.TakeResponses()) {
    seen.insert(seen.end(), r.events.begin(), r.events.end());
  }
  EXPECT_EQ(seen, written.Expected(
                      WatchCreateRequest{.key = "a", .range_end = "b"}, 1));
}

// A progress request while a watcher is still catching up from history
// must not claim a revision the watcher has not received yet.
TEST(WatchGuaranteesTest, ProgressRequestWaitsForLaggingWatchers) {
  KvStore store;
  WatchHub hub(
      store, WatchHubOptions{.max_pending_events = 2, .sync_batch_events = 2});
  for (int i = 0; i < 10; i++) {
    hub.Notify(store.Put(PutRequest{.key = "k", .value = "v"}).value().events);
  }
  // Starts at revision 2: eight events to replay, two per Sync.
  ASSERT_TRUE(
      hub.Watch(WatchCreateRequest{.key = "k", .start_revision = 2}).ok());
  hub.RequestProgress();
  int64_t last_event_rev = 0;
  bool bookmark_seen = false;
  for (int i = 0; i < 20; i++) {
    for (const WatchResponse& r : hub.TakeResponses()) {
      for (const Event& ev : r.events) last_event_rev = ev.kv.mod_revision;
      if (r.watch_id == -1) {
        EXPECT_GE(last_event_rev, r.header.revision)
            << "bookmark at " << r.header.revision << " after only "
            << last_event_rev;
        bookmark_seen = true;
      }
    }
    hub.Sync();
  }
  EXPECT_TRUE(bookmark_seen);
  EXPECT_EQ(last_event_rev, 11);
}

// etcd #20221: a watch created with a start revision in the future must
// deliver nothing until the store reaches that revision, never older
// events.
TEST(WatchGuaranteesTest, Issue20221FutureRevisionGetsNoOldEvents) {
  KvStore store;
  WatchHub hub(store);
  for (int i = 0; i < 3; i++) {
    hub.Notify(
        store.Put(PutRequest{.key = "f", .value = "old"}).value().events);
  }
  const int64_t start = store.rev() + 3;  // 4 now, start at 7
  ASSERT_TRUE(
      hub.Watch(WatchCreateRequest{.key = "f", .start_revision = start}).ok());
  for (int i = 0; i < 6; i++) {
    hub.Notify(store.Put(PutRequest{.key = "f", .value = std::to_string(i)})
                   .value()
                   .events);
    hub.Sync();
  }
  std::vector<int64_t> revs;
  for (const WatchResponse& r : hub.TakeResponses()) {
    for (const Event& ev : r.events) revs.push_back(ev.kv.mod_revision);
  }
  EXPECT_EQ(revs, (std::vector<int64_t>{7, 8, 9, 10}));
}

// etcd #17247: events were delivered twice when a watcher finished catching
// up from history while new writes kept arriving. Here a watcher with a
// one-event budget is pushed in and out of the catch-up path on every
// write.
TEST(WatchGuaranteesTest, Issue17247NoDuplicatesAcrossCatchUp) {
  KvStore store;
  WatchHub hub(
      store, WatchHubOptions{.max_pending_events = 1, .sync_batch_events = 1});
  ASSERT_TRUE(hub.Watch(WatchCreateRequest{
                            .key = "d", .range_end = "e", .start_revision = 1})
                  .ok());
  std::vector<int64_t> revs;
  for (int i = 0; i < 200; i++) {
    TxnRequest t;
    t.success.push_back(RequestOp{PutRequest{.key = "d1", .value = "x"}});
    if (i % 3 == 0) {
      t.success.push_back(RequestOp{PutRequest{.key = "d2", .value = "y"}});
    }
    hub.Notify(store.Txn(t).value().events);
    if (i % 2 == 0) hub.Sync();
    if (i % 5 == 0) {
      for (const WatchResponse& r : hub.TakeResponses()) {
        for (const Event& ev : r.events) revs.push_back(ev.kv.mod_revision);
      }
    }
  }
  for (int i = 0; i < 1000 && hub.unsynced_count() > 0; i++) {
    hub.Sync();
    for (const WatchResponse& r : hub.TakeResponses()) {
      for (const Event& ev : r.events) revs.push_back(ev.kv.mod_revision);
    }
  }
  for (const WatchResponse& r : hub.TakeResponses()) {
    for (const Event& ev : r.events) revs.push_back(ev.kv.mod_revision);
  }
  // 200 writes from revision 2, 67 of them with two events.
  ASSERT_EQ(revs.size(), 267u);
  for (size_t i = 1; i < revs.size(); i++) {
    ASSERT_LE(revs[i - 1], revs[i]);
  }
  EXPECT_EQ(revs.front(), 2);
  EXPECT_EQ(revs.back(), 201);
}

}  // namespace
}  // namespace cairn::mvcc
