// Discrete/random separation against the components it was built from: a signal made of sinusoids
// (discrete) and a train of jittered impacts ringing a resonance (random) is separated window by window;
// the sinusoids must go and the impacts must stay.
#include "dsp/discrete_random_separation.hpp"

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "dsp/fft.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::dsp {
namespace VIGIL_TEST_FILE {

constexpr double k_two_pi = 2.0 * std::numbers::pi;
constexpr double k_fs = 12000;

struct Parts {
  std::vector<float> discrete;  // shaft harmonics and a mesh-like tone
  std::vector<float> random;    // impacts with 1 % spacing jitter, each ringing 3 kHz (zeta 0.05)
};

Parts make_parts(std::size_t n, std::uint32_t seed) {
  Parts p{std::vector<float>(n), std::vector<float>(n)};
  const double shaft_hz = 29.95;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / k_fs;
    p.discrete[i] = static_cast<float>(2.0 * std::sin(k_two_pi * shaft_hz * t) +
                                       1.0 * std::sin(k_two_pi * 2 * shaft_hz * t + 0.3) +
                                       0.7 * std::sin(k_two_pi * 41 * shaft_hz * t + 1.1));
  }
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double period_s = 1.0 / 107.4;  // BPFO-like
  const double wn = k_two_pi * 3000.0;
  const double zeta = 0.05;
  double next_s = 0.002;
  while (next_s < static_cast<double>(n) / k_fs) {
    const auto first = static_cast<std::size_t>(std::ceil(next_s * k_fs));
    for (std::size_t i = first; i < n && i < first + 240; ++i) {
      const double tau = static_cast<double>(i) / k_fs - next_s;
      p.random[i] += static_cast<float>(0.5 * std::exp(-zeta * wn * tau) * std::sin(wn * tau));
    }
    next_s += period_s * (1.0 + 0.01 * normal(rng));
  }
  return p;
}

double band_energy(std::span<const std::complex<float>> s, std::size_t lo, std::size_t hi) {
  double e = 0;
  for (std::size_t k = lo; k <= hi; ++k) e += std::norm(s[k]);
  return e;
}

TEST(DiscreteRandomSeparation, RemovesTonesAndKeepsJitteredImpacts) {
  const std::size_t n = 4096;
  const std::size_t hop = n / 2;
  const std::size_t total = 40 * n;
  const Parts parts = make_parts(total, 3);
  std::vector<float> x(total);
  for (std::size_t i = 0; i < total; ++i) x[i] = parts.discrete[i] + parts.random[i];

  auto drs = DiscreteRandomSeparation::create(n, n);
  ASSERT_TRUE(drs.has_value()) << drs.error().message;
  auto fft = RealFft::create(n, PlanEffort::estimate, FftDirections::forward_only);
  ASSERT_TRUE(fft.has_value());
  const std::size_t bins = n / 2 + 1;
  std::vector<std::complex<float>> cur(bins), del(bins), out(bins), truth(bins), tones(bins);
  auto load = [&](std::span<const float> sig, std::size_t start, std::vector<std::complex<float>>& dst) {
    const auto s = fft->forward(sig.subspan(start, n));
    std::copy(s.begin(), s.end(), dst.begin());
  };
  for (std::size_t start = n; start + n <= total; start += hop) {
    load(x, start, cur);
    load(x, start - n, del);
    drs->accumulate(cur, del);
  }
  drs->estimate();
  EXPECT_EQ(drs->pairs(), (total - 2 * n) / hop + 1);

  // Bins of the mesh-like tone inside the band the kurtogram searches (+-3 bins of leakage), and the
  // resonance band 2.5-3.5 kHz. (The shaft tones at 30 and 60 Hz leak into each other's bins with the
  // rectangular windows of the pipeline, where one H cannot predict two tones of different phase
  // rotation: their removal is limited by the leakage ratio, which is why the kurtogram's bands start
  // at 4 x BPFI, where that leakage is ~40 dB down.)
  const double bin_hz = k_fs / double(n);
  std::vector<std::size_t> tone_bins;
  for (double f : {41 * 29.95}) {
    const auto c = static_cast<std::size_t>(std::lround(f / bin_hz));
    for (std::size_t k = c - 3; k <= c + 3; ++k) tone_bins.push_back(k);
  }
  const auto lo = static_cast<std::size_t>(2500 / bin_hz), hi = static_cast<std::size_t>(3500 / bin_hz);
  double tone_energy = 0, tone_error = 0, random_at_tones = 0, random_truth = 0, random_kept = 0, cross = 0;
  for (std::size_t start = n; start + n <= total; start += hop) {
    load(x, start, cur);
    load(x, start - n, del);
    drs->random_part(cur, del, out);
    load(parts.random, start, truth);
    load(parts.discrete, start, tones);
    for (std::size_t k : tone_bins) {
      tone_energy += std::norm(tones[k]);
      tone_error += std::norm(out[k] - truth[k]);
      random_at_tones += std::norm(truth[k]);
    }
    random_truth += band_energy(truth, lo, hi);
    random_kept += band_energy(out, lo, hi);
    for (std::size_t k = lo; k <= hi; ++k) cross += (out[k] * std::conj(truth[k])).real();
  }
  // Tones: what is left of them (the error against the random part alone) is the random part's own
  // prediction at those bins, H Y with |H| ~ 1 where a tone dominates: E|error|^2 ~ the random part's
  // power there, i.e. DRS cannot split random from discrete within one bin but adds no more than that.
  // Allowed: twice that power plus 1e-3 (-30 dB) of the tones' energy for leakage and rounding.
  EXPECT_LT(tone_error, 2.0 * random_at_tones + 1e-3 * tone_energy)
      << "tones " << tone_energy << ", random there " << random_at_tones;
  // Impacts: their band energy is kept within 1 dB (expected excess 10 log10(1 + 1/K) = 0.06 dB) and the
  // kept part is the impacts themselves (normalised correlation >= 0.95).
  EXPECT_NEAR(10 * std::log10(random_kept / random_truth), 0.0, 1.0);
  EXPECT_GT(cross / std::sqrt(random_kept * random_truth), 0.95);
}

TEST(DiscreteRandomSeparation, RefusesOverlappingDelayAndTinyWindows) {
  auto a = DiscreteRandomSeparation::create(1024, 512);
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().message.find("shorter than the window"), std::string::npos);
  EXPECT_FALSE(DiscreteRandomSeparation::create(1, 1).has_value());
}

TEST(DiscreteRandomSeparation, NoPairsGivesIdentity) {
  auto drs = DiscreteRandomSeparation::create(8, 8);
  ASSERT_TRUE(drs.has_value());
  drs->estimate();
  std::vector<std::complex<float>> x(5, {1.0f, -2.0f}), y(5, {3.0f, 0.5f}), out(5);
  drs->random_part(x, y, out);
  for (const auto& v : out) EXPECT_EQ(v, std::complex<float>(1.0f, -2.0f));
}

TEST(DiscreteRandomSeparation, AllocatesNothingAfterCreate) {
  auto drs = DiscreteRandomSeparation::create(256, 256);
  ASSERT_TRUE(drs.has_value());
  std::vector<std::complex<float>> x(129, {1.0f, 0.5f}), y(129, {0.2f, 1.0f}), out(129);
  const test::AllocationScope scope;
  for (int i = 0; i < 5; ++i) drs->accumulate(x, y);
  drs->estimate();
  drs->random_part(x, y, out);
  drs->reset();
  EXPECT_EQ(scope.allocations(), 0u);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::dsp
