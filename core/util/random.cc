#include "core/util/random.h"

#include "core/util/check.h"

namespace cairn {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Random::Random(uint64_t seed) : seed_(seed) {
  uint64_t state = seed;
  for (uint64_t& word : s_) word = SplitMix64(state);
}

uint64_t Random::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

uint64_t Random::Uniform(uint64_t n) {
  CAIRN_CHECK(n > 0, "Uniform(0)");
  // Rejection sampling removes the modulo bias of a plain Next() % n.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  uint64_t x;
  do {
    x = Next();
  } while (x >= limit);
  return x % n;
}

uint64_t Random::Range(uint64_t lo, uint64_t hi) {
  CAIRN_CHECK(lo <= hi, "Range(%llu, %llu)", (unsigned long long)lo,
              (unsigned long long)hi);
  if (lo == 0 && hi == UINT64_MAX) return Next();
  return lo + Uniform(hi - lo + 1);
}

bool Random::OneIn(uint64_t numerator, uint64_t denominator) {
  CAIRN_CHECK(denominator > 0, "OneIn with denominator 0");
  return Uniform(denominator) < numerator;
}

uint64_t Random::Fork() { return Next() ^ 0x5851f42d4c957f2dULL; }

}  // namespace cairn
