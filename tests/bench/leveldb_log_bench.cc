// Durable Raft log throughput: LevelDbRaftLogStore::Save of 128-byte
// entries in batches of 1, 16 and 256, with must_sync on (fdatasync per
// Save, the cost a follower pays before acknowledging) and off. Each Save
// also writes a hard state, as a Ready usually carries one. Counters:
// entries/s and saves/s (= syncs/s when sync is on). The store lives in a
// fresh directory under the system temp directory, removed afterwards;
// the figures depend on that file system's fsync cost. BM_SyncedWrite
// compares LevelDB's own log files with PreallocEnv's.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/storage/leveldb_prealloc_env.h"
#include "core/storage/leveldb_raft_log_store.h"
#include "core/util/check.h"
#include "leveldb/db.h"

namespace cairn::storage {
namespace {

// A fresh directory for a store under the system temp directory, named
// after `what` and this process; removed when it goes.
class BenchDir {
 public:
  explicit BenchDir(const std::string& what)
      : path_((std::filesystem::temp_directory_path() /
               ("cairn-" + what + "-bench-" + std::to_string(getpid())))
                  .string()) {
    std::filesystem::remove_all(path_);
  }
  ~BenchDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::unique_ptr<LevelDbRaftLogStore> MustOpen(const std::string& dir) {
  auto opened = LevelDbRaftLogStore::Open(dir);
  CAIRN_CHECK(opened.ok(), "open: %s", opened.status().ToString().c_str());
  return std::move(opened).value();
}

// `n` entries of term 1 with `bytes` of data each, indices left to set.
std::vector<raft::Entry> Blank(size_t n, size_t bytes) {
  std::vector<raft::Entry> ents(n);
  for (raft::Entry& e : ents) {
    e.term = 1;
    e.data = std::string(bytes, 'x');
  }
  return ents;
}

void BM_Save(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  const bool sync = state.range(1) != 0;
  const BenchDir dir("log");
  {
    auto store = MustOpen(dir.path());
    std::vector<raft::Entry> ents = Blank(batch, 128);
    raft::Index next = 1;
    raft::Index compacted = 0;
    raft::HardState hs{.term = 1, .vote = 1, .commit = 0};
    for (auto _ : state) {
      for (raft::Entry& e : ents) e.index = next++;
      hs.commit = next - 1;
      Status s = store->Save(&hs, ents, nullptr, sync);
      CAIRN_CHECK(s.ok(), "save: %s", s.ToString().c_str());
      // Keep the log bounded, as a node does after each snapshot.
      if (next - 1 - compacted >= 60000) {
        compacted = next - 1 - 10000;
        Status c = store->Compact(compacted);
        CAIRN_CHECK(c.ok(), "compact: %s", c.ToString().c_str());
      }
    }
    state.counters["entries/s"] =
        benchmark::Counter(static_cast<double>(state.iterations() * batch),
                           benchmark::Counter::kIsRate);
    state.counters["saves/s"] = benchmark::Counter(
        static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  }
}
BENCHMARK(BM_Save)
    ->ArgNames({"batch", "sync"})
    ->ArgsProduct({{1, 16, 256}, {0, 1}})
    ->UseRealTime();

// One synced 200-byte LevelDB write, as the raft log store's Save does,
// with LevelDB's own Env (range(0) = 0: the log file grows with every
// write, so each fdatasync also commits a new file size) and with
// PreallocEnv (1: the log is written into space allocated ahead).
void BM_SyncedWrite(benchmark::State& state) {
  const BenchDir dir(state.range(0) != 0 ? "prealloc" : "append");
  {
    leveldb::Options options;
    options.create_if_missing = true;
    if (state.range(0) != 0) options.env = PreallocEnv::Default();
    leveldb::DB* raw = nullptr;
    leveldb::Status s = leveldb::DB::Open(options, dir.path(), &raw);
    CAIRN_CHECK(s.ok(), "open: %s", s.ToString().c_str());
    std::unique_ptr<leveldb::DB> db(raw);
    leveldb::WriteOptions wo;
    wo.sync = true;
    const std::string value(200, 'v');
    uint64_t i = 0;
    for (auto _ : state) {
      s = db->Put(wo, "k" + std::to_string(i++ % 1000), value);
      CAIRN_CHECK(s.ok(), "put: %s", s.ToString().c_str());
    }
  }
}
BENCHMARK(BM_SyncedWrite)->ArgName("prealloc")->Arg(0)->Arg(1)->UseRealTime();

// What Raft does with what it just saved: read it back (to apply it) and
// ask the term of its entries, range(0) entries of 300 bytes a Save, not
// synced; the time is the read back alone.
void BM_ReadBack(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  const BenchDir dir("read");
  {
    auto store = MustOpen(dir.path());
    std::vector<raft::Entry> ents = Blank(batch, 300);
    raft::Index next = 1;
    for (auto _ : state) {
      state.PauseTiming();
      const raft::Index first = next;
      for (raft::Entry& e : ents) e.index = next++;
      Status s = store->Save(nullptr, ents, nullptr, false);
      CAIRN_CHECK(s.ok(), "save: %s", s.ToString().c_str());
      state.ResumeTiming();
      auto read = store->Entries(first, next, raft::kNoLimit);
      CAIRN_CHECK(read.ok() && read.value().size() == batch, "read back");
      benchmark::DoNotOptimize(store->TermAt(first));
    }
  }
}
BENCHMARK(BM_ReadBack)->ArgName("batch")->Arg(1)->Arg(16);

// A server's snapshot in a log of range(0) 300-byte entries (about
// --snapshot-count's): a data-less snapshot a few entries before the end,
// saved with those entries again, as Server::CreateSnapshot does; then
// 16-entry Saves, which delete the log below the snapshot bit by bit. The
// time is the snapshot's Save alone; "next_us" is the mean time of the
// next 2000 Saves (not synced, so that the disk does not hide it).
void BM_SnapshotSave(benchmark::State& state) {
  const raft::Index n = static_cast<raft::Index>(state.range(0));
  auto entries = [](raft::Index lo, raft::Index hi) {
    std::vector<raft::Entry> ents;
    for (raft::Index i = lo; i <= hi; i++) {
      ents.push_back({.term = 1, .index = i, .data = std::string(300, 'x')});
    }
    return ents;
  };
  double next_us = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<BenchDir>("snap");
    auto store = MustOpen(dir->path());
    for (raft::Index i = 1; i <= n; i += 1000) {
      Status s = store->Save(nullptr, entries(i, i + 999), nullptr, false);
      CAIRN_CHECK(s.ok(), "save: %s", s.ToString().c_str());
    }
    const raft::Index last = store->LastIndex();
    raft::Snapshot snap;
    snap.metadata.index = last - 8;
    snap.metadata.term = 1;
    state.ResumeTiming();
    Status s = store->Save(nullptr, entries(last - 7, last), &snap, true);
    CAIRN_CHECK(s.ok(), "snapshot: %s", s.ToString().c_str());
    state.PauseTiming();
    const auto start = std::chrono::steady_clock::now();
    for (raft::Index i = last + 1; i < last + 1 + 2000 * 16; i += 16) {
      Status t = store->Save(nullptr, entries(i, i + 15), nullptr, false);
      CAIRN_CHECK(t.ok(), "save: %s", t.ToString().c_str());
    }
    next_us += std::chrono::duration<double, std::micro>(
                   std::chrono::steady_clock::now() - start)
                   .count() /
               2000;
    store.reset();
    dir.reset();
    state.ResumeTiming();
  }
  state.counters["next_us"] = next_us / static_cast<double>(state.iterations());
}
BENCHMARK(BM_SnapshotSave)
    ->ArgName("entries")
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

}  // namespace
}  // namespace cairn::storage
