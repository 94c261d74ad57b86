// Generators of key-value histories for checker tests and benchmarks.
// Test code; deterministic per seed.
#pragma once

#include <cstdint>
#include <vector>

#include "simulator/linearizability.h"

namespace cairn::testing {

// A history of a true atomic register per key: each op takes effect at a
// random instant inside its interval, so the result is linearizable. About
// one op in twenty has an unknown outcome. Clients number 8; op intervals
// are up to 40 time units long and start in [0, ops*10).
std::vector<sim::KvOp> RegisterHistory(uint64_t seed, int ops, int keys);

}  // namespace cairn::testing
