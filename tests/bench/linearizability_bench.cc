// How long the linearizability checker takes on large histories: the
// issue's yardstick is 100k operations in seconds. Histories come from a
// true atomic register (linearizable, so the search must finish), with 8
// clients, 5% unknown outcomes, over 10 to 1000 keys.
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

}  // namespace
