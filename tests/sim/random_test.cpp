#include "sim/random.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace vigil::sim {
namespace VIGIL_TEST_FILE {

// Golden values from an independent Python implementation of the published reference algorithms
// (SplitMix64: Steele et al. 2014; xoshiro256** 1.0: prng.di.unimi.it). SplitMix64 from state 0 is
// also the widely quoted 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f. Pinning them
// pins the simulator's output for a given seed across refactorings.
TEST(SplitMix64, MatchesReferenceSequenceFromZero) {
  std::uint64_t state = 0;
  EXPECT_EQ(splitmix64(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(splitmix64(state), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(splitmix64(state), 0x06c45d188009454fULL);
}

TEST(Xoshiro256, MatchesReferenceSequenceSeededBySplitMix) {
  Xoshiro256 rng(42);
  EXPECT_EQ(rng.next(), 0x15780b2e0c2ec716ULL);
  EXPECT_EQ(rng.next(), 0x6104d9866d113a7eULL);
  EXPECT_EQ(rng.next(), 0xae17533239e499a1ULL);
  EXPECT_EQ(rng.next(), 0xecb8ad4703b360a1ULL);
}

TEST(Xoshiro256, UniformStaysInUnitIntervalWithMeanOneHalf) {
  Xoshiro256 rng(1);
  const int n = 1'000'000;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  // Standard error of the mean of U(0,1): sqrt(1/12 / n) = 2.9e-4; allow 5 sigma.
  EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12.0 / n));
}

TEST(NormalSource, MatchesAnIndependentZigguratImplementation) {
  // Python implementation of the same ziggurat (tables from the same recursion, same bit layout) on
  // xoshiro256**(7); same libm, so the values agree to rounding.
  NormalSource normal(7);
  const double expected[] = {0.7248732138416066, -0.42196672151161374, 0.9426182481994929, 1.9491327436948942,
                             2.4838268678519397};
  for (double e : expected) EXPECT_NEAR(normal.next(), e, 1e-14);
}

// Distribution check against the exact normal CDF Phi(x) = erfc(-x / sqrt 2) / 2. With N draws the
// fraction below x has standard error sqrt(p (1 - p) / N); assert 5 sigma. The points cover the
// layers' fast path, the wedges (|x| near the layer edges) and the tail beyond r = 3.654.
TEST(NormalSource, FollowsTheStandardNormalDistribution) {
  NormalSource normal(2024);
  const std::size_t n = 4'000'000;
  const double points[] = {-4.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.3, 1.0, 1.7, 2.5, 3.3, 3.7, 4.2};
  std::size_t below[std::size(points)] = {};
  double sum = 0, sum2 = 0, sum4 = 0;
  std::size_t tail = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double z = normal.next();
    sum += z;
    sum2 += z * z;
    sum4 += z * z * z * z;
    tail += std::abs(z) > 3.6541528853610088;
    for (std::size_t k = 0; k < std::size(points); ++k) below[k] += z < points[k];
  }
  const double dn = double(n);
  for (std::size_t k = 0; k < std::size(points); ++k) {
    const double p = 0.5 * std::erfc(-points[k] / std::sqrt(2.0));
    EXPECT_NEAR(double(below[k]) / dn, p, 5 * std::sqrt(p * (1 - p) / dn) + 1e-9) << "x = " << points[k];
  }
  EXPECT_NEAR(sum / dn, 0.0, 5 / std::sqrt(dn));
  EXPECT_NEAR(sum2 / dn, 1.0, 5 * std::sqrt(2.0 / dn));
  EXPECT_NEAR(sum4 / dn, 3.0, 5 * std::sqrt(96.0 / dn));  // Var(z^4) = 105 - 9 = 96
  // Tail probability P(|z| > r) = erfc(r / sqrt 2) = 2.58e-4: ~1032 of 4e6, Poisson sigma ~32.
  const double expected_tail = std::erfc(3.6541528853610088 / std::sqrt(2.0)) * dn;
  EXPECT_NEAR(double(tail), expected_tail, 5 * std::sqrt(expected_tail));
}

TEST(StreamSeed, DifferentStreamsOfOneSeedDiffer) {
  EXPECT_NE(stream_seed(5, 1), stream_seed(5, 2));
  EXPECT_NE(stream_seed(5, 1), stream_seed(6, 1));
  EXPECT_EQ(stream_seed(5, 1), stream_seed(5, 1));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::sim
