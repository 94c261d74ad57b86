// Micro-benchmarks of core/util: the PRNG sits on the simulator's hot path
// (every simulated message delay and drop is a draw).
#include <benchmark/benchmark.h>

#include "core/util/random.h"

namespace {

void BM_RandomNext(benchmark::State& state) {
  cairn::Random r(1);
  for (auto _ : state) benchmark::DoNotOptimize(r.Next());
}
BENCHMARK(BM_RandomNext);

void BM_RandomUniform(benchmark::State& state) {
  cairn::Random r(1);
  for (auto _ : state) benchmark::DoNotOptimize(r.Uniform(1000));
}
BENCHMARK(BM_RandomUniform);

}  // namespace
