// How long the linearizability checker takes on large histories: the
// issue's yardstick is 100k operations in seconds. Histories come from a
// true atomic register (linearizable, so the search must finish), with 8
// clients, 5% unknown outcomes, over 10 to 1000 keys; and histories shaped
// like the simulator's kv workload (ClientHistory).
#include <benchmark/benchmark.h>

#include "simulator/linearizability.h"
#include "tests/support/kv_history.h"

namespace {

void BM_CheckRegisterHistory(benchmark::State& state) {
  const int ops = static_cast<int>(state.range(0));
  const int keys = static_cast<int>(state.range(1));
  const std::vector<cairn::sim::KvOp> history =
      cairn::testing::RegisterHistory(7, ops, keys);
  uint64_t steps = 0;
  for (auto _ : state) {
    cairn::sim::CheckResult r = cairn::sim::CheckLinearizable(history);
    if (r.verdict != cairn::sim::CheckResult::Verdict::kOk) {
      state.SkipWithError("history not linearizable");
      return;
    }
    steps = r.steps;
  }
  state.counters["ops"] = ops;
  state.counters["steps"] = static_cast<double>(steps);
  state.SetItemsProcessed(state.iterations() * ops);
}
BENCHMARK(BM_CheckRegisterHistory)
    ->Args({100000, 1000})
    ->Args({100000, 100})
    ->Args({100000, 10})
    ->Unit(benchmark::kMillisecond);

// The realistic yardstick (docs/simulator.md reports it): a history shaped
// like the simulator's kv workload, 100k ops from closed-loop clients
// (ops overlap about as many as there are clients), one in thirty of
// unknown outcome, CASes and two-key txns (k0 and k1 checked as one
// partition), on a few keys.
void BM_CheckClientHistory(benchmark::State& state) {
  const int ops = static_cast<int>(state.range(0));
  const int clients = static_cast<int>(state.range(1));
  const int keys = static_cast<int>(state.range(2));
  const std::vector<cairn::sim::KvOp> history =
      cairn::testing::ClientHistory(11, ops, clients, keys);
  uint64_t steps = 0;
  for (auto _ : state) {
    cairn::sim::CheckResult r = cairn::sim::CheckLinearizable(history);
    if (r.verdict != cairn::sim::CheckResult::Verdict::kOk) {
      state.SkipWithError(r.ToString().c_str());
      return;
    }
    steps = r.steps;
  }
  state.counters["ops"] = ops;
  state.counters["steps"] = static_cast<double>(steps);
  state.SetItemsProcessed(state.iterations() * ops);
}
BENCHMARK(BM_CheckClientHistory)
    ->Args({100000, 5, 8})
    ->Args({100000, 10, 20})
    ->Args({100000, 20, 100})
    ->Unit(benchmark::kMillisecond);
// Not here: 20 clients on 4 keys (about 5 ops overlapping per key, and
// every unknown op open to the end) did not finish in 5 minutes: the
// memo table (a bitset of the partition's ops per entry) outgrew memory.
// docs/simulator.md names this limit.

}  // namespace
