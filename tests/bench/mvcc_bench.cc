// Micro-benchmarks of the MVCC keyspace: put, point get, and a prefix
// range returning 100 keys out of 1M, plus the store's approximate memory
// per key (printed as a counter). Keys look like etcd registry paths:
// "/registry/pods/ns-<i/100>/pod-<i%100>", so each namespace prefix holds
// exactly 100 keys.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "core/mvcc/kv_store.h"
#include "core/mvcc/watch_hub.h"

namespace {

using cairn::mvcc::KvStore;
using cairn::mvcc::PutRequest;
using cairn::mvcc::RangeRequest;

constexpr int kKeys = 1'000'000;

std::string KeyOf(int i) {
  return "/registry/pods/ns-" + std::to_string(i / 100) + "/pod-" +
         std::to_string(i % 100);
}

// One store of kKeys keys shared by the read benchmarks (built once).
KvStore& BigStore() {
  static KvStore* store = [] {
    auto* s = new KvStore();
    for (int i = 0; i < kKeys; i++) {
      PutRequest p;
      p.key = KeyOf(i);
      p.value = "value-" + std::to_string(i);
      (void)s->Put(p);
    }
    return s;
  }();
  return *store;
}

void BM_Put(benchmark::State& state) {
  KvStore store;
  int i = 0;
  PutRequest p;
  p.value = "value-0123456789";
  for (auto _ : state) {
    p.key = KeyOf(i++ % kKeys);
    benchmark::DoNotOptimize(store.Put(p));
  }
  state.counters["bytes_per_key"] = static_cast<double>(store.MemoryBytes()) /
                                    static_cast<double>(store.key_count());
}
BENCHMARK(BM_Put);

void BM_PointGet(benchmark::State& state) {
  KvStore& store = BigStore();
  RangeRequest r;
  int i = 0;
  for (auto _ : state) {
    r.key = KeyOf((i++ * 7919) % kKeys);
    benchmark::DoNotOptimize(store.Range(r));
  }
}
BENCHMARK(BM_PointGet);

void BM_PrefixRange100Of1M(benchmark::State& state) {
  KvStore& store = BigStore();
  RangeRequest r;
  int ns = 0;
  for (auto _ : state) {
    r.key = "/registry/pods/ns-" + std::to_string((ns++ * 31) % 10000) + "/";
    r.range_end = r.key;
    r.range_end.back() = '0';  // '/' + 1
    auto resp = store.Range(r);
    if (!resp.ok() || resp.value().count != 100) {
      state.SkipWithError("prefix range did not return 100 keys");
      break;
    }
  }
  state.counters["bytes_per_key"] =
      static_cast<double>(store.MemoryBytes()) / kKeys;
}
BENCHMARK(BM_PrefixRange100Of1M);

// Fan-out: one put under a prefix watched by N watchers; each iteration is
// the put, the hub's Notify and draining every watcher's response (the
// in-core share of etcd's put-to-event latency with 1000 watchers).
void BM_WatchFanOut(benchmark::State& state) {
  const int watchers = static_cast<int>(state.range(0));
  cairn::mvcc::KvStore store;
  cairn::mvcc::WatchHub hub(
      store, cairn::mvcc::WatchHubOptions{.max_watchers = 100000});
  for (int i = 0; i < watchers; i++) {
    auto id = hub.Watch(
        cairn::mvcc::WatchCreateRequest{.key = "/fan/", .range_end = "/fan0"});
    if (!id.ok()) {
      state.SkipWithError("watch failed");
      return;
    }
  }
  hub.TakeResponses();
  const std::string value(256, 'v');
  size_t delivered = 0;
  for (auto _ : state) {
    auto r =
        store.Put(cairn::mvcc::PutRequest{.key = "/fan/k", .value = value});
    hub.Notify(r.value().events);
    delivered += hub.TakeResponses().size();
  }
  state.counters["events/s"] = benchmark::Counter(
      static_cast<double>(delivered), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WatchFanOut)->Arg(1)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace
