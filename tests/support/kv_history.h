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

// A history shaped like the simulator's kv workload, from a true atomic
// store (so linearizable): `clients` closed-loop clients, each with one op
// at a time (so about `clients` ops overlap), ops of 1-30 time units and
// one in a hundred of up to 500 (a slow member), on `keys` keys: puts 30 %,
// gets 30 %, deletes 10 %, CASes 15 % (expecting one of the key's last
// three values, so some succeed), txns 15 % that compare and write k0 and
// k1 together. One op in thirty has an unknown outcome: it took effect or
// not (even odds), and its client moved on after its timeout.
std::vector<sim::KvOp> ClientHistory(uint64_t seed, int ops, int clients,
                                     int keys);

}  // namespace cairn::testing
