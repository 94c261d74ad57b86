// WatchHub transcripts (tests/testdata/mvcc/watch/*.txt), each against a
// fresh KvStore and hub: every keyspace command of kv_transcript.h, with
// writes notified to the hub, plus
//   watch KEY [end=E | prefix | from_key] [start=N] [prev_kv] [noput]
//         [nodelete] [progress_notify] [id=N]
//   cancel ID; sync; progress; request-progress;
//   responses [held=(ID,ID...)] (takes and prints every queued watch
//   response, but those of the held watchers)
// Hub options come from the file's first line "hub max_pending=N batch=N".
// Also a randomized check that a slow watcher with a tiny budget still sees
// exactly the events a fast one sees, in order, without gaps or repeats.
#include "core/mvcc/watch_hub.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "core/util/random.h"
#include "core/util/strings.h"
#include "tests/core/mvcc/kv_transcript.h"
#include "tests/support/datadriven.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace cairn::mvcc {
namespace {

using ::cairn::testing::TestData;

std::string RangeEndOf(const TestData& d, const std::string& key) {
  if (d.HasArg("end")) return d.Arg("end");
  if (d.HasArg("from_key")) return std::string(1, '\0');
  if (d.HasArg("prefix")) {
    std::string end = key;
    end.back() = static_cast<char>(end.back() + 1);
    return end;
  }
  return "";
}

std::string PrintResponses(const std::vector<WatchResponse>& rs) {
  std::ostringstream out;
  for (const WatchResponse& r : rs) {
    out << "watch " << r.watch_id << " rev=" << r.header.revision;
    if (r.created) out << " created";
    if (r.canceled) out << " canceled";
    if (r.compact_revision != 0)
      out << " compact_revision=" << r.compact_revision;
    out << "\n";
    for (const Event& ev : r.events) {
      out << "  " << DescribeEvent(ev) << "\n";
    }
  }
  return out.str();
}

struct Env {
  KvStore store;
  std::unique_ptr<WatchHub> hub;

  std::string Run(const TestData& d) {
    if (d.cmd == "hub") {
      hub = std::make_unique<WatchHub>(
          store,
          WatchHubOptions{.max_pending_events = d.ArgUint("max_pending", 1000),
                          .sync_batch_events = d.ArgUint("batch", 1000)});
      return "ok\n";
    }
    if (hub == nullptr) hub = std::make_unique<WatchHub>(store);
    if (d.cmd == "watch") return Watch(d);
    if (d.cmd == "cancel") {
      Status s =
          hub->Cancel(static_cast<int64_t>(std::stoll(d.Positionals()[0])));
      return s.ok() ? "ok\n" : "error: " + s.message() + "\n";
    }
    if (d.cmd == "sync") {
      hub->Sync();
      return StrFormat("unsynced=%zu\n", hub->unsynced_count());
    }
    if (d.cmd == "progress") {
      hub->ProgressNotify();
      return "ok\n";
    }
    if (d.cmd == "request-progress") {
      hub->RequestProgress();
      return "ok\n";
    }
    if (d.cmd == "responses") {
      std::set<int64_t> held;
      for (const std::string& id : d.Args("held")) held.insert(std::stoll(id));
      return PrintResponses(hub->TakeResponses(
          [&held](int64_t id) { return held.contains(id); }));
    }
    std::vector<Event> events;
    std::string out = RunKvCommand(store, d, &events);
    hub->Notify(events);
    return out;
  }

  std::string Watch(const TestData& d) {
    WatchCreateRequest w;
    w.key = d.Positionals().empty() ? "" : d.Positionals()[0];
    if (w.key == "\"\"") w.key.clear();
    if (w.key == "\\x00") w.key = std::string(1, '\0');
    w.range_end = RangeEndOf(d, w.key);
    w.start_revision = d.ArgInt("start", 0);
    w.prev_kv = d.HasArg("prev_kv");
    w.progress_notify = d.HasArg("progress_notify");
    w.watch_id = d.ArgInt("id", 0);
    if (d.HasArg("noput")) {
      w.filters.push_back(WatchCreateRequest::FilterType::kNoPut);
    }
    if (d.HasArg("nodelete")) {
      w.filters.push_back(WatchCreateRequest::FilterType::kNoDelete);
    }
    Result<int64_t> id = hub->Watch(w);
    if (!id.ok()) return "error: " + id.status().message() + "\n";
    return StrFormat("id=%lld\n", static_cast<long long>(id.value()));
  }
};

TEST(WatchHubTest, Transcripts) {
  const auto files = ::cairn::testing::ListFiles(
      std::string(CAIRN_TESTDATA_DIR) + "/mvcc/watch");
  ASSERT_FALSE(files.empty());
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    Env env;
    ::cairn::testing::RunFile(file,
                              [&env](const TestData& d) { return env.Run(d); });
  }
}

// A watcher with a budget of 2 pending events, drained rarely, sees the
// same event sequence as one with a large budget drained every step.
TEST(WatchHubTest, SlowWatcherCatchesUpWithoutGapsOrRepeats) {
  const uint64_t seed =
      ::testing::UnitTest::GetInstance()->random_seed() + 0x3a7c4;
  std::printf("SlowWatcher seed=%llu\n", static_cast<unsigned long long>(seed));
  Random rnd(seed);
  KvStore store;
  WatchHub fast(store);
  WatchHub slow(
      store, WatchHubOptions{.max_pending_events = 2, .sync_batch_events = 3});
  WatchCreateRequest all{.key = std::string(1, '\0'),
                         .range_end = std::string(1, '\0'),
                         .prev_kv = true};
  // A watcher whose responses the host holds back at random (its client
  // not reading), with a small budget too.
  WatchHub held(
      store, WatchHubOptions{.max_pending_events = 3, .sync_batch_events = 2});
  ASSERT_TRUE(fast.Watch(all).ok());
  ASSERT_TRUE(slow.Watch(all).ok());
  ASSERT_TRUE(held.Watch(all).ok());
  std::vector<Event> written;  // every event the writes returned
  std::vector<Event> fast_seen;
  std::vector<Event> slow_seen;
  std::vector<Event> held_seen;
  auto drain = [](WatchHub& hub, std::vector<Event>& seen, bool hold = false) {
    for (WatchResponse& r :
         hub.TakeResponses([hold](int64_t) { return hold; })) {
      for (Event& ev : r.events) seen.push_back(std::move(ev));
    }
  };
  for (int step = 0; step < 2000; step++) {
    std::vector<Event> evs;
    const std::string key = "k" + std::to_string(rnd.Uniform(20));
    if (rnd.OneIn(1, 4)) {
      auto r = store.DeleteRange(DeleteRangeRequest{.key = key});
      evs = r.value().events;
    } else {
      TxnRequest t;
      t.success.push_back(RequestOp{PutRequest{.key = key, .value = "v"}});
      if (rnd.OneIn(1, 3)) {
        t.success.push_back(RequestOp{PutRequest{.key = key + "x"}});
      }
      evs = store.Txn(t).value().events;
    }
    written.insert(written.end(), evs.begin(), evs.end());
    fast.Notify(evs);
    slow.Notify(evs);
    held.Notify(evs);
    drain(fast, fast_seen);
    if (rnd.OneIn(1, 5)) {
      slow.Sync();
      drain(slow, slow_seen);
    }
    held.Sync();
    drain(held, held_seen, rnd.OneIn(2, 3));
  }
  for (int i = 0; i < 10000 && slow.unsynced_count() > 0; i++) {
    slow.Sync();
    drain(slow, slow_seen);
  }
  drain(slow, slow_seen);
  for (int i = 0; i < 10000 && held.unsynced_count() > 0; i++) {
    held.Sync();
    drain(held, held_seen);
  }
  drain(held, held_seen);
  ASSERT_EQ(slow.unsynced_count(), 0u) << "seed=" << seed;
  ASSERT_EQ(held.unsynced_count(), 0u) << "seed=" << seed;
  ASSERT_EQ(held_seen, written) << "seed=" << seed;
  // The fast watcher sees exactly what was written; the slow one (part of
  // it replayed from history) sees the same.
  ASSERT_EQ(fast_seen, written) << "seed=" << seed;
  ASSERT_EQ(slow_seen.size(), fast_seen.size()) << "seed=" << seed;
  for (size_t i = 0; i < fast_seen.size(); i++) {
    ASSERT_EQ(slow_seen[i], fast_seen[i]) << "i=" << i << " seed=" << seed;
  }
}

// Under compaction, a lagging watcher either catches up or is canceled with
// the compact revision; until then it has seen a gap-free prefix of the
// written events (prev_kv may be missing only where history was compacted).
TEST(WatchHubTest, LaggingWatcherIsCanceledOnlyWhenCompactedPast) {
  const uint64_t seed =
      ::testing::UnitTest::GetInstance()->random_seed() + 0x7e57;
  std::printf("Lagging seed=%llu\n", static_cast<unsigned long long>(seed));
  Random rnd(seed);
  KvStore store;
  WatchHub hub(
      store, WatchHubOptions{.max_pending_events = 3, .sync_batch_events = 2});
  ASSERT_TRUE(hub.Watch(WatchCreateRequest{.key = "k", .range_end = "l"}).ok());
  std::vector<Event> written;
  std::vector<Event> seen;
  bool canceled = false;
  for (int step = 0; step < 3000 && !canceled; step++) {
    auto r = store.Put(
        PutRequest{.key = "k" + std::to_string(rnd.Uniform(10)), .value = "v"});
    written.insert(written.end(), r.value().events.begin(),
                   r.value().events.end());
    hub.Notify(r.value().events);
    if (rnd.OneIn(1, 40) && store.rev() > 5) {
      ASSERT_TRUE(
          store.Compact(CompactionRequest{.revision = store.rev() - 3}).ok());
    }
    if (rnd.OneIn(1, 4)) hub.Sync();
    if (!rnd.OneIn(1, 3)) continue;
    for (WatchResponse& resp : hub.TakeResponses()) {
      if (resp.canceled) {
        // Responses are taken some steps after they were made, so later
        // compactions may have happened since: the canceled response
        // names the compaction that canceled it.
        EXPECT_LE(resp.compact_revision, store.compact_rev());
        // It was canceled because it needed compacted history.
        const int64_t next = seen.empty() ? 2 : seen.back().kv.mod_revision + 1;
        EXPECT_LT(next, resp.compact_revision) << "seed=" << seed;
        canceled = true;
        std::printf("canceled at step %d\n", step);
      }
      for (Event& ev : resp.events) seen.push_back(std::move(ev));
    }
  }
  ASSERT_LE(seen.size(), written.size());
  for (size_t i = 0; i < seen.size(); i++) {
    ASSERT_EQ(seen[i].kv, written[i].kv) << "i=" << i << " seed=" << seed;
  }
}

}  // namespace
}  // namespace cairn::mvcc
