// Micro-benchmarks of core/lease with 100k leases: granting, keep-alive
// renewals, the leader's expiry scan (both the common idle case and
// draining 100k expired leases in etcd-sized batches of 500), Promote of a
// new leader (which re-arms and spreads every expiry), and a snapshot
// encode/restore. Run: build/release/tests/bench/lease_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "core/lease/lessor.h"
#include "core/util/random.h"

namespace {

using cairn::lease::Config;
using cairn::lease::LeaseId;
using cairn::lease::Lessor;

constexpr int64_t kLeases = 100'000;

// A primary lessor holding leases 1..kLeases with TTLs of 10..69s, one key
// each.
std::unique_ptr<Lessor> Filled() {
  auto l = std::make_unique<Lessor>(Config{});
  l->Promote(0, 0);
  for (LeaseId id = 1; id <= kLeases; id++) {
    (void)l->Grant(id, 10 + id % 60, 0);
    (void)l->Attach(id, "/k/" + std::to_string(id));
  }
  return l;
}

void BM_Grant100k(benchmark::State& state) {
  for (auto _ : state) {
    Lessor l(Config{});
    l.Promote(0, 0);
    for (LeaseId id = 1; id <= kLeases; id++) {
      benchmark::DoNotOptimize(l.Grant(id, 60, 0));
    }
  }
  state.SetItemsProcessed(state.iterations() * kLeases);
}
BENCHMARK(BM_Grant100k)->Unit(benchmark::kMillisecond);

void BM_GrantChosenId100k(benchmark::State& state) {
  for (auto _ : state) {
    Lessor l(Config{});
    for (int64_t i = 0; i < kLeases; i++) {
      benchmark::DoNotOptimize(l.Grant(cairn::lease::kNoLease, 60, 0));
    }
  }
  state.SetItemsProcessed(state.iterations() * kLeases);
}
BENCHMARK(BM_GrantChosenId100k)->Unit(benchmark::kMillisecond);

void BM_RenewAmong100k(benchmark::State& state) {
  std::unique_ptr<Lessor> l = Filled();
  cairn::Random rng(1);
  int64_t now_ms = 0;
  for (auto _ : state) {
    const LeaseId id = LeaseId(rng.Range(1, kLeases));
    benchmark::DoNotOptimize(l->Renew(id, now_ms));
    now_ms += 1;  // 100k renews stay well inside the 10s minimum TTL
    if (now_ms == 9000) now_ms = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RenewAmong100k);

void BM_ExpiryScanNothingDue100k(benchmark::State& state) {
  std::unique_ptr<Lessor> l = Filled();
  for (auto _ : state) benchmark::DoNotOptimize(l->ExpiredLeases(9000, 500));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ExpiryScanNothingDue100k);

void BM_ExpiryScanDrain100k(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<Lessor> l = Filled();
    state.ResumeTiming();
    size_t found = 0;
    for (;;) {
      const size_t n = l->ExpiredLeases(100'000, 500).size();
      if (n == 0) break;
      found += n;
    }
    if (found != size_t(kLeases)) state.SkipWithError("not all expired");
  }
  state.SetItemsProcessed(state.iterations() * kLeases);
}
BENCHMARK(BM_ExpiryScanDrain100k)->Unit(benchmark::kMillisecond);

void BM_Promote100k(benchmark::State& state) {
  std::unique_ptr<Lessor> l = Filled();
  int64_t now_ms = 0;
  for (auto _ : state) {
    l->Demote();
    l->Promote(now_ms, 1000);
    now_ms += 1000;
  }
  state.SetItemsProcessed(state.iterations() * kLeases);
}
BENCHMARK(BM_Promote100k)->Unit(benchmark::kMillisecond);

void BM_SnapshotEncodeRestore100k(benchmark::State& state) {
  std::unique_ptr<Lessor> l = Filled();
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string snap = l->Encode();
    Lessor restored(Config{});
    if (!restored.Restore(snap).ok()) state.SkipWithError("restore failed");
    bytes = snap.size();
  }
  state.counters["snapshot_bytes"] = double(bytes);
  state.SetItemsProcessed(state.iterations() * kLeases);
}
BENCHMARK(BM_SnapshotEncodeRestore100k)->Unit(benchmark::kMillisecond);

}  // namespace
