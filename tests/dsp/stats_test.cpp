#include "dsp/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "support/alloc_counter.hpp"

namespace vigil::dsp {
namespace VIGIL_TEST_FILE {

TEST(TimeStats, SineHasItsAnalyticShape) {
  // 10 whole periods of A sin, 1000 samples per period: discrete sums over whole periods equal the
  // continuous moments (mean 0, mean sin^2 = 1/2, mean sin^4 = 3/8) to rounding; the |x| and
  // sqrt|x| means converge as O(h^2) and O(h^1.5) in the sample spacing h = 2 pi / 1000.
  const double A = 2.5;
  std::vector<float> x(10000);
  for (std::size_t t = 0; t < x.size(); ++t)
    x[t] = static_cast<float>(A * std::sin(2 * std::numbers::pi * double(t) / 1000.0));
  const TimeStats s = time_stats(x);
  EXPECT_NEAR(s.mean, 0.0, 1e-6);
  EXPECT_NEAR(s.rms, A / std::numbers::sqrt2, 1e-6);
  EXPECT_NEAR(s.std, A / std::numbers::sqrt2, 1e-6);
  EXPECT_NEAR(s.peak, A, 1e-6);  // t = 250 is exactly the crest
  EXPECT_NEAR(s.peak_to_peak, 2 * A, 1e-6);
  EXPECT_NEAR(s.crest_factor, std::numbers::sqrt2, 1e-6);
  EXPECT_NEAR(s.kurtosis, 1.5, 1e-6);
  EXPECT_NEAR(s.skewness, 0.0, 1e-6);
  // mean|sin| = 2/pi: shape = (1/sqrt 2)/(2/pi), impulse = pi/2.
  EXPECT_NEAR(s.shape_factor, std::numbers::pi / (2 * std::numbers::sqrt2), 1e-5);
  EXPECT_NEAR(s.impulse_factor, std::numbers::pi / 2, 1e-5);
  // mean sqrt|sin| = (2/pi) int_0^{pi/2} sin^{1/2} = (2/pi) (sqrt(pi)/2) Gamma(3/4) / Gamma(5/4)
  // (Gradshteyn & Ryzhik 3.621.1); clearance = A / (sqrt(A) mean sqrt|sin|)^2.
  const double mean_sqrt =
      (2 / std::numbers::pi) * (std::sqrt(std::numbers::pi) / 2) * std::tgamma(0.75) / std::tgamma(1.25);
  EXPECT_NEAR(s.clearance_factor, 1.0 / (mean_sqrt * mean_sqrt), 1e-3);
}

TEST(TimeStats, GaussianNoiseHasKurtosisThreeWithinItsStandardError) {
  // n = 10^6 standard normal draws (sigma 2), fixed seed. Standard errors of the sample moments of
  // a normal population: skewness sqrt(6/n) = 0.0024, kurtosis sqrt(24/n) = 0.0049, mean
  // sigma/sqrt(n) = 0.002, std sigma/sqrt(2n) = 0.0014. Bounds are 5 standard errors.
  const std::size_t n = 1'000'000;
  std::mt19937_64 rng(20240611);
  std::normal_distribution<double> normal(0.0, 2.0);
  std::vector<float> x(n);
  for (float& v : x) v = static_cast<float>(normal(rng));
  const TimeStats s = time_stats(x);
  EXPECT_NEAR(s.kurtosis, 3.0, 5 * std::sqrt(24.0 / double(n)));
  EXPECT_NEAR(s.skewness, 0.0, 5 * std::sqrt(6.0 / double(n)));
  EXPECT_NEAR(s.mean, 0.0, 5 * 2.0 / std::sqrt(double(n)));
  EXPECT_NEAR(s.std, 2.0, 5 * 2.0 / std::sqrt(2.0 * double(n)));
  // Half-normal: E|x| = sigma sqrt(2/pi), so shape = sqrt(pi/2) = 1.2533 (SE ~ 0.0008).
  EXPECT_NEAR(s.shape_factor, std::sqrt(std::numbers::pi / 2), 0.004);
}

TEST(TimeStats, ExponentialSampleHasSkewnessTwo) {
  // The exponential distribution has skewness 2. Asymptotic variance of the sample skewness by the
  // delta method with its central moments (mu3..mu6 = 2, 9, 44, 265): 76/n, SE = 0.0087 at n = 10^6;
  // bound 0.05 is ~5.7 SE. Kurtosis 9 has a much larger SE (heavy tail), checked loosely.
  const std::size_t n = 1'000'000;
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> exponential(1.0);
  std::vector<float> x(n);
  for (float& v : x) v = static_cast<float>(exponential(rng));
  const TimeStats s = time_stats(x);
  EXPECT_NEAR(s.skewness, 2.0, 0.05);
  EXPECT_NEAR(s.mean, 1.0, 0.005);
  EXPECT_NEAR(s.kurtosis, 9.0, 0.5);
}

TEST(TimeStats, ImpulseTrainMatchesClosedForm) {
  // One unit impulse every P samples (fraction p = 1/P): mean p, rms sqrt(p), peak 1, mean|x| = p,
  // mean sqrt|x| = p, central moments m2 = p(1-p), m3 = p(1-p)(1-2p), m4 = p(1-p)(1 - 3p + 3p^2).
  const std::size_t P = 50;
  std::vector<float> x(5000, 0.0f);
  for (std::size_t t = 0; t < x.size(); t += P) x[t] = 1.0f;
  const double p = 1.0 / double(P);
  const TimeStats s = time_stats(x);
  EXPECT_NEAR(s.mean, p, 1e-12);
  EXPECT_NEAR(s.rms, std::sqrt(p), 1e-12);
  EXPECT_NEAR(s.std, std::sqrt(p * (1 - p)), 1e-12);
  EXPECT_DOUBLE_EQ(s.peak, 1.0);
  EXPECT_DOUBLE_EQ(s.peak_to_peak, 1.0);
  EXPECT_NEAR(s.crest_factor, std::sqrt(double(P)), 1e-9);
  EXPECT_NEAR(s.kurtosis, (1 - 3 * p + 3 * p * p) / (p * (1 - p)), 1e-9);
  EXPECT_NEAR(s.skewness, (1 - 2 * p) / std::sqrt(p * (1 - p)), 1e-9);
  EXPECT_NEAR(s.shape_factor, std::sqrt(double(P)), 1e-9);
  EXPECT_NEAR(s.impulse_factor, double(P), 1e-9);
  EXPECT_NEAR(s.clearance_factor, double(P * P), 1e-6);
}

TEST(TimeStats, CentralMomentsIgnoreALargeOffset) {
  // Two passes: a 100-unit DC offset (sensor bias) must not change std, skewness or kurtosis beyond
  // the float rounding of the offset samples (ulp of 100 is 7.6e-6, relative 4e-6 of sigma = 2).
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 2.0);
  std::vector<float> x(100000), shifted(100000);
  for (std::size_t t = 0; t < x.size(); ++t) {
    x[t] = static_cast<float>(normal(rng));
    shifted[t] = x[t] + 100.0f;
  }
  const TimeStats a = time_stats(x);
  const TimeStats b = time_stats(shifted);
  EXPECT_NEAR(b.mean, a.mean + 100.0, 1e-5);
  EXPECT_NEAR(b.std, a.std, 1e-5);
  EXPECT_NEAR(b.skewness, a.skewness, 1e-4);
  EXPECT_NEAR(b.kurtosis, a.kurtosis, 1e-4);
}

// Independent reference: two passes in long double over the same samples.
TimeStats two_pass_reference(const std::vector<float>& x) {
  const auto n = static_cast<long double>(x.size());
  long double sum = 0, sum_abs = 0, sum_sqrt = 0;
  for (float v : x) {
    sum += v;
    sum_abs += std::fabs(static_cast<long double>(v));
    sum_sqrt += std::sqrt(std::fabs(static_cast<long double>(v)));
  }
  const long double mean = sum / n;
  long double c2 = 0, c3 = 0, c4 = 0;
  for (float v : x) {
    const long double d = v - mean;
    c2 += d * d;
    c3 += d * d * d;
    c4 += d * d * d * d;
  }
  TimeStats s;
  s.mean = double(mean);
  s.std = double(std::sqrt(c2 / n));
  s.rms = double(std::sqrt(mean * mean + c2 / n));
  s.kurtosis = double(c4 / n / ((c2 / n) * (c2 / n)));
  s.skewness = double(c3 / n / std::pow(c2 / n, 1.5L));
  s.shape_factor = double(std::sqrt(mean * mean + c2 / n) / (sum_abs / n));
  s.clearance_factor = double(sum_sqrt / n);  // here: mean sqrt|x| (the peak is checked separately)
  return s;
}

TEST(TimeStats, OnePassMatchesATwoPassReferenceOnImpulsiveWindows) {
  // Bearing-like windows: Gaussian noise, decaying impacts up to 25 sigma, optionally a DC offset and a first
  // sample on an impact (the worst pilot). Tolerance 2e-6 relative: float accumulation over 512-sample
  // blocks (unit round-off 6e-8, ~64 terms per lane), amplified at most ~20x by the central-moment
  // expansion when the pilot sits two standard deviations off the mean.
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const double offset : {0.0, 3.0, -250.0}) {
    for (const bool impact_first : {false, true}) {
      std::vector<float> x(25600 + 5);  // a tail that is not a multiple of the lane count
      for (std::size_t t = 0; t < x.size(); ++t) {
        double v = normal(rng);
        const std::size_t phase = (t + (impact_first ? 0 : 300)) % 1024;
        if (phase < 64) v += 25.0 * std::exp(-double(phase) / 8.0) * std::cos(0.9 * double(phase));
        x[t] = static_cast<float>(offset + v);
      }
      const TimeStats s = time_stats(x);
      const TimeStats r = two_pass_reference(x);
      const auto rel = [](double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); };
      SCOPED_TRACE(testing::Message() << "offset " << offset << " impact first " << impact_first);
      EXPECT_LT(rel(s.mean, r.mean), 2e-6 * std::max(1.0, r.std / std::max(std::abs(r.mean), 1e-9)));
      EXPECT_LT(rel(s.std, r.std), 2e-6);
      EXPECT_LT(rel(s.rms, r.rms), 2e-6);
      EXPECT_LT(rel(s.kurtosis, r.kurtosis), 2e-6);
      EXPECT_LT(std::abs(s.skewness - r.skewness), 2e-6 * std::max(1.0, r.kurtosis));
      EXPECT_LT(rel(s.shape_factor, r.shape_factor), 2e-6);
      EXPECT_LT(rel(s.peak / s.clearance_factor, r.clearance_factor * r.clearance_factor), 2e-6);
    }
  }
}

TEST(TimeStats, EmptyZeroAndConstantWindowsStayFinite) {
  const TimeStats empty = time_stats(std::span<const float>{});
  EXPECT_EQ(empty.rms, 0.0);
  EXPECT_EQ(empty.kurtosis, 0.0);

  const std::vector<float> zeros(256, 0.0f);
  const TimeStats z = time_stats(zeros);
  for (double v : {z.mean, z.rms, z.std, z.peak, z.peak_to_peak, z.crest_factor, z.kurtosis, z.skewness,
                   z.shape_factor, z.impulse_factor, z.clearance_factor}) {
    EXPECT_EQ(v, 0.0);
  }

  const std::vector<float> constant(256, -3.0f);
  const TimeStats c = time_stats(constant);
  EXPECT_DOUBLE_EQ(c.mean, -3.0);
  EXPECT_DOUBLE_EQ(c.rms, 3.0);
  EXPECT_DOUBLE_EQ(c.std, 0.0);
  EXPECT_DOUBLE_EQ(c.peak, 3.0);
  EXPECT_DOUBLE_EQ(c.crest_factor, 1.0);
  EXPECT_EQ(c.kurtosis, 0.0);  // undefined (m2 = 0): reported as 0, see stats.hpp
  EXPECT_EQ(c.skewness, 0.0);

  const std::vector<float> single{4.0f};
  EXPECT_DOUBLE_EQ(time_stats(single).peak, 4.0);
}

TEST(TimeStats, AllocatesNothing) {
  std::vector<float> x(4096, 0.5f);
  test::AllocationScope scope;
  double sink = 0;
  for (int i = 0; i < 100; ++i) sink += time_stats(x).rms;
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_GT(sink, 0.0);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::dsp
