// Startup cost of a member's persisted state: N keys (default 100,000;
// set CAIRN_BACKEND_BENCH_KEYS=1000000 for the 1M figure) with 256-byte
// values are written through LevelDbBackend as the apply loop writes them
// (random, incompressible values; batches of 1,000 puts, KvStore::TakeChanges +
// WriteKvChanges + WriteLessorChanges in one synced Commit each, every tenth
// key on one of 1,000 leases). Untimed, once per process: the write, then the
// on-disk size (sum of the directory's file sizes, after LevelDB has settled).
// Timed: opening the directory and rebuilding the keyspace (LoadKvStore)
// and the lessor (LoadLessor), i.e. what a restart costs before the node
// can serve. Counters: keys, disk_MiB, write_s (the setup write, seconds),
// store_MiB (KvStore::MemoryBytes after loading).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/lease/lessor_persist.h"
#include "core/mvcc/kv_persist.h"
#include "core/storage/leveldb_backend.h"
#include "core/util/check.h"
#include "core/util/random.h"

namespace cairn::storage {
namespace {

constexpr size_t kBatchPuts = 1000;
constexpr int64_t kLeases = 1000;

int64_t KeysFromEnv() {
  const char* env = std::getenv("CAIRN_BACKEND_BENCH_KEYS");
  return env != nullptr ? std::atoll(env) : 100000;
}

std::string BenchDir() {
  return (std::filesystem::temp_directory_path() /
          ("cairn-backend-bench-" + std::to_string(getpid())))
      .string();
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  return bytes;
}

std::string Key(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "/registry/key/%012lld",
                static_cast<long long>(i));
  return buf;
}

// Writes `keys` keys as the apply loop would; returns seconds taken.
double WriteKeys(const std::string& dir, int64_t keys) {
  const auto start = std::chrono::steady_clock::now();
  auto opened = LevelDbBackend::Open(dir);
  CAIRN_CHECK(opened.ok(), "open: %s", opened.status().ToString().c_str());
  std::unique_ptr<LevelDbBackend> backend = std::move(opened).value();
  lease::Config cfg;
  cfg.track_changes = true;
  lease::Lessor lessor(cfg);
  mvcc::KvStoreOptions options;
  options.track_changes = true;
  mvcc::KvStore store(options);
  for (int64_t id = 1; id <= kLeases; id++) {
    CAIRN_CHECK(lessor.Grant(id, 3600, 0).ok(), "grant");
  }
  // Incompressible values, so that the disk figure is not flattered by
  // LevelDB's snappy compression.
  Random rnd(1);
  std::string value(256, '\0');
  for (int64_t i = 0; i < keys;) {
    for (size_t n = 0; n < kBatchPuts && i < keys; n++, i++) {
      for (char& c : value) c = static_cast<char>(rnd.Uniform(256));
      const int64_t lease = i % 10 == 0 ? 1 + (i / 10) % kLeases : 0;
      const std::string key = Key(i);
      auto put = store.Put({.key = key,
                            .value = value,
                            .lease = lease,
                            .prev_kv = false,
                            .ignore_value = false,
                            .ignore_lease = false});
      CAIRN_CHECK(put.ok(), "put");
      if (lease != 0) CAIRN_CHECK(lessor.Attach(lease, key).ok(), "attach");
    }
    WriteBatch batch;
    mvcc::WriteKvChanges(store.TakeChanges(), batch);
    lease::WriteLessorChanges(lessor, lessor.TakeChanges(), batch);
    Status s = backend->Commit(batch, /*sync=*/true);
    CAIRN_CHECK(s.ok(), "commit: %s", s.ToString().c_str());
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

void BM_Startup(benchmark::State& state) {
  const int64_t keys = state.range(0);
  const std::string dir = BenchDir();
  std::filesystem::remove_all(dir);
  const double write_s = WriteKeys(dir, keys);
  size_t store_bytes = 0;
  for (auto _ : state) {
    auto opened = LevelDbBackend::Open(dir);
    CAIRN_CHECK(opened.ok(), "open: %s", opened.status().ToString().c_str());
    auto store = mvcc::LoadKvStore(*opened.value(), {});
    CAIRN_CHECK(store.ok(), "load: %s", store.status().ToString().c_str());
    auto lessor =
        lease::LoadLessor(*opened.value(), lease::Config{}, *store.value());
    CAIRN_CHECK(lessor.ok(), "lessor: %s", lessor.status().ToString().c_str());
    CAIRN_CHECK(store.value()->rev() == keys + 1, "rev %lld",
                static_cast<long long>(store.value()->rev()));
    store_bytes = store.value()->MemoryBytes();
  }
  state.counters["keys"] = static_cast<double>(keys);
  state.counters["disk_MiB"] =
      static_cast<double>(DirBytes(dir)) / (1024.0 * 1024.0);
  state.counters["write_s"] = write_s;
  state.counters["store_MiB"] =
      static_cast<double>(store_bytes) / (1024.0 * 1024.0);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Startup)
    ->Arg(KeysFromEnv())
    ->ArgName("keys")
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cairn::storage
