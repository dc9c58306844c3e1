// Deterministic random numbers for the simulator: xoshiro256** seeded through SplitMix64, and
// ziggurat normal deviates. Written out instead of using <random>'s distributions because their
// algorithms are implementation-defined; the same seed must give the same signal everywhere.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>

namespace vigil::sim {

// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
// advances `state` by the golden-ratio increment and returns a well-mixed 64-bit value. Used to expand
// one seed into generator states, as Blackman & Vigna recommend for xoshiro.
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Seed of independent stream `stream` derived from a user seed: the simulator draws impact timing,
// sensor noise and machine noise from separate streams, so enabling one never shifts another (the
// same seed gives the same noise with and without a fault).
constexpr std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t state = seed ^ (stream * 0xd1b54a32d192ed03ULL);
  return splitmix64(state);
}

// xoshiro256** 1.0 (Blackman & Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS
// 2021; reference code at prng.di.unimi.it). Period 2^256 - 1, 32 bytes of state, ~1 ns per draw.
class Xoshiro256 {
 public:
  explicit constexpr Xoshiro256(std::uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }

  constexpr std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform on [0, 1) with 53 random bits (the top bits, which are the best in xoshiro outputs).
  constexpr double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4] = {};
};

// Standard normal deviates by the ziggurat method (Marsaglia & Tsang, "The Ziggurat Method for
// Generating Random Variables", J. Stat. Softw. 5(8), 2000), 256 layers of equal area v under
// f(x) = exp(-x^2 / 2), the base layer holding the tail beyond r. Following Doornik (2005, "An improved
// ziggurat method to generate normal random samples"), the layer index and the abscissa come from
// disjoint bits of one 64-bit draw. ~99 % of draws take the fast path (one draw, one multiply, one
// compare), about 5x cheaper than Box-Muller's log, sqrt and sin/cos.
class NormalSource {
 public:
  explicit NormalSource(std::uint64_t seed);

  double next() {
    const std::uint64_t bits = rng_.next();
    const std::size_t layer = bits & 0xff;
    // (2k + 1) / 2^52 - 1 with k the top 52 bits (disjoint from the 8 index bits): exactly
    // representable, symmetric, uniform on (-1, 1).
    const double u = static_cast<double>(2 * (bits >> 12) + 1) * 0x1.0p-52 - 1.0;
    const double x = u * tables_->x[layer];
    if (std::abs(x) < tables_->x[layer + 1]) return x;
    return slow_path(layer, x);
  }

  // x[i]: right edge of layer i (x[0] = v / f(r) is the base layer's equivalent width, x[1] = r,
  // x[256] = 0); f[i] = f(x[i]).
  struct Tables {
    double x[257];
    double f[257];
  };

 private:
  double slow_path(std::size_t layer, double x);
  Xoshiro256 rng_;
  const Tables* tables_;
};

}  // namespace vigil::sim
