// Cepstrum pre-whitening against analytic truth: a coloured spectrum comes out flat with its phase kept,
// and a resonance that hides a weak impulse train behind strong tones stops hiding it.
#include "dsp/cepstrum_prewhitening.hpp"

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "dsp/fft.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::dsp {
namespace {

constexpr double k_two_pi = 2.0 * std::numbers::pi;

// White noise through a two-pole resonance (2 kHz at 12 kHz, r = 0.98): a spectrum coloured by ~35 dB.
std::vector<float> coloured_noise(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double r = 0.98;
  const double theta = k_two_pi * 2000.0 / 12000.0;
  const double a1 = 2 * r * std::cos(theta);
  const double a2 = -r * r;
  std::vector<float> x(n);
  double y1 = 0, y2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double y = normal(rng) + a1 * y1 + a2 * y2;
    y2 = y1;
    y1 = y;
    x[i] = static_cast<float>(y);
  }
  return x;
}

TEST(CepstrumPrewhitening, GivesUnitMagnitudeAndKeepsPhase) {
  const std::size_t n = 4096;
  auto fft = RealFft::create(n, PlanEffort::estimate);
  ASSERT_TRUE(fft.has_value());
  const auto x = coloured_noise(n, 1);
  const auto spectrum = fft->forward(x);
  const std::vector<std::complex<float>> original(spectrum.begin(), spectrum.end());
  // The input really is coloured: the magnitude spans more than 20 dB across bins.
  float lo = std::abs(original[1]), hi = lo;
  for (std::size_t k = 1; k + 1 < original.size(); ++k) {
    lo = std::min(lo, std::abs(original[k]));
    hi = std::max(hi, std::abs(original[k]));
  }
  ASSERT_GT(20 * std::log10(hi / lo), 20.0);

  std::vector<std::complex<float>> white(original.size());
  cepstrum_prewhiten(original, white);
  EXPECT_EQ(white[0], std::complex<float>{});  // DC removed
  for (std::size_t k = 1; k < white.size(); ++k) {
    // |X_w| = 1 and arg X_w = arg X: float rounding only (a few ulp).
    EXPECT_NEAR(std::abs(white[k]), 1.0, 1e-5) << "bin " << k;
    EXPECT_NEAR(std::arg(white[k] * std::conj(original[k])), 0.0, 1e-4) << "bin " << k;
  }
}

TEST(CepstrumPrewhitening, ZeroBinsStayZeroAndInPlaceWorks) {
  std::vector<std::complex<float>> s{{3, 4}, {0, 0}, {0, -2}, {-5, 0}};
  cepstrum_prewhiten(s, s);
  EXPECT_EQ(s[0], std::complex<float>{});
  EXPECT_EQ(s[1], std::complex<float>{});
  EXPECT_NEAR(s[2].imag(), -1.0f, 1e-7);
  EXPECT_NEAR(s[3].real(), -1.0f, 1e-7);
}

// Two strong tones on exact bins (amplitudes 50 and 30) mask sparse unit impulses (mean spacing 97
// samples, jittered): the raw mixture is as un-impulsive as a sum of sinusoids (kurtosis < 3). Whitening
// gives the two tone bins the weight of any other bin, so what remains is the impulses' phase structure:
// impulsive, kurtosis above Gaussian's 3.
TEST(CepstrumPrewhitening, RevealsImpulsesMaskedByTones) {
  const std::size_t n = 8192;
  auto fft = RealFft::create(n, PlanEffort::estimate);
  ASSERT_TRUE(fft.has_value());
  std::vector<float> x(n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(n);
    x[i] = static_cast<float>(50.0 * std::sin(k_two_pi * 100 * t) + 30.0 * std::sin(k_two_pi * 304 * t));
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> jitter(-5, 5);
  for (std::size_t i = 40; i + 10 < n; i += 97) x[i + static_cast<std::size_t>(5 + jitter(rng))] += 1.0f;
  auto kurtosis = [](std::span<const float> v) {
    double m = 0;
    for (float s : v) m += s;
    m /= double(v.size());
    double m2 = 0, m4 = 0;
    for (float s : v) {
      const double d = s - m;
      m2 += d * d;
      m4 += d * d * d * d;
    }
    m2 /= double(v.size());
    m4 /= double(v.size());
    return m4 / (m2 * m2);
  };
  ASSERT_LT(kurtosis(x), 3.0);

  auto inverse = RealFft::create(n, PlanEffort::estimate);
  ASSERT_TRUE(inverse.has_value());
  const auto spectrum = fft->forward(x);
  cepstrum_prewhiten(spectrum, inverse->spectrum());
  inverse->inverse();
  EXPECT_GT(kurtosis(inverse->time()), 3.0);
}

TEST(CepstrumPrewhitening, AllocatesNothing) {
  std::vector<std::complex<float>> s(2049, {1.0f, 2.0f});
  std::vector<std::complex<float>> out(s.size());
  const auto before = test::allocation_count();
  for (int i = 0; i < 10; ++i) cepstrum_prewhiten(s, out);
  EXPECT_EQ(test::allocation_count(), before);
}

}  // namespace
}  // namespace vigil::dsp
