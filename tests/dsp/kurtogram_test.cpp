#include "dsp/kurtogram.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "dsp/fft.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::dsp {
namespace VIGIL_TEST_FILE {

constexpr double k_two_pi = 2.0 * std::numbers::pi;

Kurtogram make_kurtogram(std::size_t n, double fs, int levels, std::size_t cap = 4096,
                         double min_bandwidth_hz = 0, double min_low_hz = 0) {
  Kurtogram::Config config;
  config.window_len = n;
  config.sample_rate_hz = fs;
  config.levels = levels;
  config.max_samples_per_band = cap;
  config.min_bandwidth_hz = min_bandwidth_hz;
  config.min_low_hz = min_low_hz;
  config.effort = PlanEffort::estimate;
  auto kurtogram = Kurtogram::create(config);
  EXPECT_TRUE(kurtogram.has_value()) << kurtogram.error().message;
  return std::move(*kurtogram);
}

// The window's spectrum as the pipeline computes it: one un-windowed real FFT.
std::vector<std::complex<float>> spectrum_of(const std::vector<float>& x) {
  auto fft = RealFft::create(x.size(), PlanEffort::estimate);
  EXPECT_TRUE(fft.has_value());
  const auto s = fft->forward(x);
  return {s.begin(), s.end()};
}

std::vector<float> tones(std::size_t n, double fs, std::initializer_list<double> frequencies_hz) {
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    double v = 0;
    for (double f : frequencies_hz) v += std::cos(k_two_pi * f * static_cast<double>(i) / fs);
    x[i] = static_cast<float>(v);
  }
  return x;
}

bool contains(FrequencyBand band, double hz) { return band.low_hz <= hz && hz < band.high_hz; }

TEST(Kurtogram, TreeHasAntonisRowsAndTilesTheSpectrum) {
  auto k = make_kurtogram(25600, 25600, 3);
  const std::size_t expected_bands[] = {1, 2, 3, 4, 6, 8};
  const double expected_levels[] = {0, 1, std::log2(3.0), 2, std::log2(6.0), 3};
  ASSERT_EQ(k.rows(), 6u);
  std::size_t offset = 0;
  for (std::size_t r = 0; r < k.rows(); ++r) {
    EXPECT_EQ(k.band_count(r), expected_bands[r]);
    EXPECT_DOUBLE_EQ(k.level(r), expected_levels[r]);
    EXPECT_EQ(k.row_offset(r), offset);
    offset += k.band_count(r);
    EXPECT_DOUBLE_EQ(k.band(r, 0).low_hz, 0);
    for (std::size_t b = 1; b < k.band_count(r); ++b)
      EXPECT_DOUBLE_EQ(k.band(r, b).low_hz, k.band(r, b - 1).high_hz);
    EXPECT_DOUBLE_EQ(k.band(r, k.band_count(r) - 1).high_hz, 12800);
  }
  EXPECT_EQ(k.map().size(), offset);
}

// One tone: the complex envelope has constant modulus, so <|c|^4>/<|c|^2>^2 = 1 and K = -1 exactly in
// the band holding it. Two equal tones: |c|^2 = 2A^2 (1 + cos dw t), <|c|^4> = 6A^4, K = 6/4 - 2 = -1/2.
// Both hold for every sample cap (folding keeps exact samples of c). Tolerance: float rounding.
TEST(Kurtogram, ToneGivesMinusOneAndTwoEqualTonesMinusHalf) {
  for (std::size_t cap : {std::size_t{0}, std::size_t{1024}}) {
    auto k = make_kurtogram(25600, 25600, 4, cap);
    const auto one = spectrum_of(tones(25600, 25600, {3000}));
    k.best_band(one);
    const auto two = spectrum_of(tones(25600, 25600, {3000, 3050}));
    std::vector<float> map_one(k.map().begin(), k.map().end());
    k.best_band(two);
    for (std::size_t r = 0; r < k.rows(); ++r) {
      for (std::size_t b = 0; b < k.band_count(r); ++b) {
        const FrequencyBand band = k.band(r, b);
        if (contains(band, 3000)) {
          EXPECT_NEAR(map_one[k.row_offset(r) + b], -1.0, 1e-3) << "cap " << cap << " row " << r;
          if (contains(band, 3050)) {
            EXPECT_NEAR(k.row_kurtosis(r)[b], -0.5, 1e-3) << "cap " << cap << " row " << r;
          }
        }
      }
    }
  }
}

// Gaussian noise: K ~ 0 in every band. Standard error se = 2/sqrt(n), n = min(band bins, samples per
// band) independent samples (see kurtogram.hpp; a numpy Monte Carlo of 20000 draws confirms the standard
// deviation to 3 % for n = 200..4096). K's distribution is right-skewed at small n (its 99.99 % quantile
// is 5.6 se at n = 200, the maximum of 20000 draws 6 se), so each band is held to 7 se; the mean over a
// row's disjoint, hence independent, bands to 4 se / sqrt(bands), which would expose a bias.
TEST(Kurtogram, GaussianNoiseGivesZeroInEveryBand) {
  const std::size_t n = 25600;
  std::mt19937 rng(7);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = gauss(rng);
  const auto spectrum = spectrum_of(x);
  for (std::size_t cap : {std::size_t{0}, std::size_t{4096}, std::size_t{512}}) {
    auto k = make_kurtogram(n, 25600, 6, cap);
    k.best_band(spectrum);
    for (std::size_t r = 0; r < k.rows(); ++r) {
      const double band_bins = 12800.0 / static_cast<double>(k.band_count(r));
      const double samples = std::min(band_bins, static_cast<double>(k.samples_per_band(r)));
      const double se = 2 / std::sqrt(samples);
      double row_sum = 0;
      for (std::size_t b = 0; b < k.band_count(r); ++b) {
        EXPECT_NEAR(k.row_kurtosis(r)[b], 0.0, 7 * se) << "cap " << cap << " row " << r << " band " << b;
        row_sum += k.row_kurtosis(r)[b];
      }
      const auto bands = static_cast<double>(k.band_count(r));
      EXPECT_NEAR(row_sum / bands, 0.0, 4 * se / std::sqrt(bands)) << "cap " << cap << " row " << r;
    }
  }
}

// A bearing-like signal: impacts every 1/97 s ringing a resonance at 0.28 fs, buried in Gaussian noise
// of larger RMS, plus a strong 20 Hz shaft-rate sine (the largest component by far). The kurtogram must
// pick a band holding the resonance, not the whole band and not the sine.
struct BandCase {
  std::size_t n;
  double fs;
};

class KurtogramImpulsive : public ::testing::TestWithParam<BandCase> {};

TEST_P(KurtogramImpulsive, PicksTheBandOfTheExcitedResonance) {
  const auto [n, fs] = GetParam();
  const double resonance_hz = 0.28 * fs;
  const double rate_hz = 97;
  const double decay_per_s = 600;
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::uniform_real_distribution<double> jitter(-0.002, 0.002);  // +-2 ms slip-like jitter per impact
  std::vector<double> impacts;
  for (int j = -2; j < static_cast<int>(rate_hz * static_cast<double>(n) / fs) + 1; ++j) {
    impacts.push_back(j / rate_hz + jitter(rng));
  }
  std::vector<float> x(n);
  double impact_power = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs;
    double v = 0;
    for (double t0 : impacts) {
      const double since = t - t0;
      if (since >= 0 && since < 0.02)
        v += 3.0 * std::exp(-decay_per_s * since) * std::sin(k_two_pi * resonance_hz * since);
    }
    impact_power += v * v;
    x[i] = static_cast<float>(v + noise(rng) + 10.0 * std::sin(k_two_pi * 20.0 * t));
  }
  ASSERT_LT(impact_power / static_cast<double>(n), 1.0) << "impacts must be buried (RMS below the noise)";

  auto k = make_kurtogram(n, fs, 6);
  const KurtogramResult best = k.best_band(spectrum_of(x));
  EXPECT_TRUE(contains(best.band, resonance_hz)) << best.band.low_hz << "-" << best.band.high_hz;
  EXPECT_GT(best.row, 0);
  EXPECT_GT(best.kurtosis, 1.0);
  EXPECT_DOUBLE_EQ(best.level, k.level(static_cast<std::size_t>(best.row)));
  EXPECT_FLOAT_EQ(
      static_cast<float>(best.kurtosis),
      k.row_kurtosis(static_cast<std::size_t>(best.row))[static_cast<std::size_t>(best.band_index)]);
  EXPECT_LT(k.row_kurtosis(0)[0], best.kurtosis);
}

INSTANTIATE_TEST_SUITE_P(WindowLengths, KurtogramImpulsive,
                         ::testing::Values(BandCase{25600, 25600}, BandCase{16384, 20480},
                                           BandCase{12000, 12000}),
                         [](const auto& test_info) { return "n" + std::to_string(test_info.param.n); });

TEST(Kurtogram, MinBandwidthSkipsNarrowRows) {
  auto k = make_kurtogram(25600, 25600, 6, 4096, 2000);
  std::mt19937 rng(3);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> x(25600);
  for (float& v : x) v = gauss(rng);
  const KurtogramResult best = k.best_band(spectrum_of(x));
  EXPECT_GE(best.band.high_hz - best.band.low_hz, 2000);
  for (std::size_t r = 0; r < k.rows(); ++r) {
    const bool wide_enough = 12800.0 / static_cast<double>(k.band_count(r)) >= 2000;
    EXPECT_EQ(k.samples_per_band(r) > 0, wide_enough) << "row " << r;
    for (float value : k.row_kurtosis(r)) EXPECT_EQ(std::isnan(value), !wide_enough) << "row " << r;
  }
}

// Content below min_low_hz is ignored: impacts ringing at 400 Hz (below) and a weaker train at 5 kHz.
TEST(Kurtogram, MinLowHzIgnoresContentBelowIt) {
  const std::size_t n = 25600;
  const double fs = 25600;
  std::vector<float> x(n);
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 0.3);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs;
    const double low = std::fmod(t, 1 / 31.0);
    const double high = std::fmod(t, 1 / 89.0);
    x[i] = static_cast<float>(5 * std::exp(-300 * low) * std::sin(k_two_pi * 400 * low) +
                              std::exp(-500 * high) * std::sin(k_two_pi * 5000 * high) + noise(rng));
  }
  const auto spectrum = spectrum_of(x);
  auto unrestricted = make_kurtogram(n, fs, 5);
  EXPECT_LT(unrestricted.best_band(spectrum).band.high_hz, 1500);  // sanity: the low resonance dominates
  auto k = make_kurtogram(n, fs, 5, 4096, 0, 1500);
  const KurtogramResult best = k.best_band(spectrum);
  EXPECT_GE(best.band.low_hz, 1500);
  EXPECT_TRUE(contains(best.band, 5000)) << best.band.low_hz << "-" << best.band.high_hz;
  EXPECT_DOUBLE_EQ(k.band(0, 0).low_hz, 1500);
  // Bands lying wholly below min_low_hz are not evaluated.
  const std::size_t finest = k.rows() - 1;
  EXPECT_TRUE(std::isnan(k.row_kurtosis(finest)[0]));  // [0, 400) Hz
}

TEST(Kurtogram, AllocatesNothingAfterCreate) {
  auto k = make_kurtogram(25600, 25600, 6);
  const auto spectrum = spectrum_of(tones(25600, 25600, {1234, 5678}));
  test::AllocationScope scope;
  double sum = 0;
  for (int i = 0; i < 5; ++i) sum += k.best_band(spectrum).kurtosis;
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_TRUE(std::isfinite(sum));
}

TEST(Kurtogram, WrongSpectrumSizeGivesNaN) {
  auto k = make_kurtogram(4096, 4096, 3);
  const std::vector<std::complex<float>> wrong(100);
  EXPECT_TRUE(std::isnan(k.best_band(wrong).kurtosis));
}

void expect_rejected(Kurtogram::Config config, std::string_view field) {
  config.effort = PlanEffort::estimate;
  auto k = Kurtogram::create(config);
  ASSERT_FALSE(k.has_value()) << "accepted config with bad " << field;
  EXPECT_EQ(k.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(k.error().message.find(field), std::string::npos) << k.error().message;
}

TEST(Kurtogram, RejectsBadConfigsWithTheFieldNamed) {
  const Kurtogram::Config good{25600, 25600, 6, 0, 0, 4096, PlanEffort::estimate};
  ASSERT_TRUE(Kurtogram::create(good).has_value());
  auto with = [&](auto change) {
    Kurtogram::Config c = good;
    change(c);
    return c;
  };
  expect_rejected(with([](auto& c) { c.window_len = 0; }), "window_len");
  expect_rejected(with([](auto& c) { c.sample_rate_hz = 0; }), "sample_rate_hz");
  expect_rejected(with([](auto& c) { c.sample_rate_hz = std::numeric_limits<double>::infinity(); }),
                  "sample_rate_hz");
  expect_rejected(with([](auto& c) { c.levels = -1; }), "levels");
  expect_rejected(with([](auto& c) { c.levels = 11; }), "levels");  // 12800 / 2^11 < 8 bins
  expect_rejected(with([](auto& c) { c.min_low_hz = -1; }), "min_low_hz");
  expect_rejected(with([](auto& c) { c.min_low_hz = 12800; }), "min_low_hz");
  expect_rejected(with([](auto& c) { c.min_low_hz = 12799; }), "min_low_hz");  // leaves < 4 bins
  expect_rejected(with([](auto& c) { c.min_bandwidth_hz = std::nan(""); }), "min_bandwidth_hz");
  expect_rejected(with([](auto& c) {
                    c.min_low_hz = 10000;
                    c.min_bandwidth_hz = 3000;
                  }),
                  "min_bandwidth_hz");
  expect_rejected(with([](auto& c) { c.max_samples_per_band = 10; }), "max_samples_per_band");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::dsp
