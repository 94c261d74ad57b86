// Durable Raft log throughput: LevelDbRaftLogStore::Save of 128-byte
// entries in batches of 1, 16 and 256, with must_sync on (fdatasync per
// Save, the cost a follower pays before acknowledging) and off. Each Save
// also writes a hard state, as a Ready usually carries one. Counters:
// entries/s and saves/s (= syncs/s when sync is on). The store lives in a
// fresh directory under the system temp directory, removed afterwards;
// the figures depend on that file system's fsync cost.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/storage/leveldb_raft_log_store.h"
#include "core/util/check.h"

namespace cairn::storage {
namespace {

void BM_Save(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  const bool sync = state.range(1) != 0;
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("cairn-log-bench-" + std::to_string(getpid())))
                              .string();
  std::filesystem::remove_all(dir);
  {
    auto opened = LevelDbRaftLogStore::Open(dir);
    CAIRN_CHECK(opened.ok(), "open: %s", opened.status().ToString().c_str());
    auto store = std::move(opened).value();
    std::vector<raft::Entry> ents(batch);
    for (raft::Entry& e : ents) {
      e.term = 1;
      e.data = std::string(128, 'x');
    }
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
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Save)
    ->ArgNames({"batch", "sync"})
    ->ArgsProduct({{1, 16, 256}, {0, 1}})
    ->UseRealTime();

}  // namespace
}  // namespace cairn::storage
