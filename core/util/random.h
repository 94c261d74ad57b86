// Random: the core's only source of randomness, a seeded PRNG passed in by
// the host (STYLE.md A4). Pure core, not thread-safe (one owner).
//
// The algorithm (xoshiro256**, seeded through SplitMix64) and the derived
// draws are written out here rather than taken from <random>, whose
// distributions may differ between standard libraries: the same seed must
// give the same sequence everywhere, byte for byte.
#pragma once

#include <cstdint>

namespace cairn {

class Random {
 public:
  explicit Random(uint64_t seed);

  Random(const Random&) = delete;
  Random& operator=(const Random&) = delete;

  // The next 64 uniformly distributed bits.
  uint64_t Next();

  // A uniform integer in [0, n). REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n);

  // A uniform integer in [lo, hi]. REQUIRES: lo <= hi.
  uint64_t Range(uint64_t lo, uint64_t hi);

  // True with probability numerator/denominator. REQUIRES: denominator > 0.
  bool OneIn(uint64_t numerator, uint64_t denominator);

  // A seed for a child generator, so that components can each own one
  // without sharing a stream (the simulator gives one to every node).
  uint64_t Fork();

  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
  uint64_t s_[4];
};

}  // namespace cairn
