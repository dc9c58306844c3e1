#include "dsp/envelope.hpp"

#include <algorithm>
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

EnvelopeAnalyzer make_analyzer(std::size_t n, double fs, double max_envelope_hz = 1000,
                               double taper_hz = 200) {
  auto analyzer = EnvelopeAnalyzer::create({n, fs, max_envelope_hz, taper_hz, PlanEffort::estimate});
  EXPECT_TRUE(analyzer.has_value()) << analyzer.error().message;
  return std::move(*analyzer);
}

// x(t) = A (1 + m cos 2 pi fm t) cos 2 pi fc t (+ offset), computed in double.
std::vector<float> am_tone(std::size_t n, double fs, double amplitude, double depth, double carrier_hz,
                           double modulation_hz, double offset = 0) {
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs;
    x[i] = static_cast<float>(offset + amplitude * (1 + depth * std::cos(k_two_pi * modulation_hz * t)) *
                                           std::cos(k_two_pi * carrier_hz * t));
  }
  return x;
}

std::size_t bin_of(double hz, double bin_hz) { return static_cast<std::size_t>(std::lround(hz / bin_hz)); }

struct AmCase {
  std::size_t n;
  double fs;
  double carrier_hz;
  double modulation_hz;
};

class EnvelopeAmTone : public ::testing::TestWithParam<AmCase> {};

// |z|^2 = A^2 (1 + m^2/2) + 2 A^2 m cos(wm t) + A^2 m^2/2 cos(2 wm t) (see envelope.hpp). Carrier and
// modulation sit on exact bins, so each line has its exact amplitude and the periodic Hann window puts
// exactly half of it on the two neighbouring bins (its DFT is 1/2, -1/4, -1/4 at 0, +-1). The only error is
// single-precision FFT rounding: 1e-4 of the fundamental.
TEST_P(EnvelopeAmTone, GivesAnalyticSquaredEnvelopeLines) {
  const AmCase c = GetParam();
  const double amplitude = 2.0;
  const double depth = 0.5;
  auto analyzer = make_analyzer(c.n, c.fs);
  const auto x = am_tone(c.n, c.fs, amplitude, depth, c.carrier_hz, c.modulation_hz);
  const EnvelopeSpectrum e = analyzer.analyze(x, {c.carrier_hz - 1500, c.carrier_hz + 1500});

  ASSERT_EQ(e.amplitude.size(), analyzer.envelope_bins());
  EXPECT_DOUBLE_EQ(e.bin_hz, c.fs / static_cast<double>(c.n));
  const double a2 = amplitude * amplitude;
  const double dc = a2 * (1 + depth * depth / 2);
  const double fundamental = 2 * a2 * depth;
  const double second = a2 * depth * depth / 2;
  const std::size_t km = bin_of(c.modulation_hz, e.bin_hz);
  EXPECT_NEAR(e.amplitude[0], dc, 1e-4 * dc);
  EXPECT_NEAR(e.amplitude[km], fundamental, 1e-4 * fundamental);
  EXPECT_NEAR(e.amplitude[2 * km], second, 1e-4 * fundamental);
  for (std::size_t k : {km - 1, km + 1}) EXPECT_NEAR(e.amplitude[k], fundamental / 2, 1e-4 * fundamental);
  for (std::size_t k : {2 * km - 1, 2 * km + 1}) EXPECT_NEAR(e.amplitude[k], second / 2, 1e-4 * fundamental);
  for (std::size_t k = 1; k < e.amplitude.size(); ++k) {
    if (k + 1 >= km && k <= km + 1) continue;
    if (k + 1 >= 2 * km && k <= 2 * km + 1) continue;
    ASSERT_LT(e.amplitude[k], 1e-4 * fundamental) << "spurious line at bin " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(WindowLengths, EnvelopeAmTone,
                         ::testing::Values(AmCase{25600, 25600, 5000, 100},   // 1 Hz bins
                                           AmCase{16384, 20480, 5000, 100},   // power of two, 1.25 Hz bins
                                           AmCase{12000, 12000, 3000, 105}),  // CWRU-like rate
                         [](const auto& test_info) { return "n" + std::to_string(test_info.param.n); });

TEST(EnvelopeAnalyzer, BrickWallEdgeGivesTheSameInBandAmplitudes) {
  auto analyzer = make_analyzer(25600, 25600, 1000, 0);
  const auto x = am_tone(25600, 25600, 1.5, 0.8, 6000, 250);
  const EnvelopeSpectrum e = analyzer.analyze(x, {5000, 7000});
  ASSERT_FALSE(e.amplitude.empty());
  EXPECT_NEAR(e.amplitude[250], 2 * 1.5 * 1.5 * 0.8, 1e-4 * 3.6);
}

// A DC offset D would mix the raw signal into the envelope (|D + s|^2); the DC bin is never used.
TEST(EnvelopeAnalyzer, IgnoresSensorOffset) {
  auto analyzer = make_analyzer(25600, 25600);
  const auto x = am_tone(25600, 25600, 1.0, 0.5, 800, 300, /*offset=*/5.0);
  const EnvelopeSpectrum e = analyzer.analyze(x, {0, 2000});
  ASSERT_FALSE(e.amplitude.empty());
  EXPECT_GE(e.band.low_hz, e.bin_hz);
  EXPECT_NEAR(e.amplitude[0], 1.0 * (1 + 0.125), 1e-4);
  EXPECT_NEAR(e.amplitude[300], 2 * 0.5, 1e-4);
}

// The band edge is a raised cosine of edge_taper_hz outside the band: a lone tone d bins beyond the
// edge has weight w = (1 + cos(pi d / (T + 1))) / 2, T = taper bins, so its squared envelope is (w A)^2.
TEST(EnvelopeAnalyzer, TapersOutOfBandToneByRaisedCosine) {
  const std::size_t n = 25600;
  auto analyzer = make_analyzer(n, 25600, 1000, 200);  // T = 200 bins
  for (std::size_t beyond : {0u, 50u, 100u, 180u, 201u, 300u}) {
    std::vector<float> x(n);
    const double tone_hz = 7000.0 + static_cast<double>(beyond);
    for (std::size_t i = 0; i < n; ++i)
      x[i] = static_cast<float>(std::cos(k_two_pi * tone_hz * double(i) / 25600.0));
    const EnvelopeSpectrum e = analyzer.analyze(x, {5000, 7000});
    const double w = beyond == 0    ? 1.0
                     : beyond > 200 ? 0.0
                                    : 0.5 * (1 + std::cos(std::numbers::pi * double(beyond) / 201.0));
    EXPECT_NEAR(e.amplitude[0], w * w, 1e-5) << beyond << " bins beyond the edge";
  }
}

TEST(EnvelopeAnalyzer, WidensNarrowBandToTwiceMaxEnvelopeAboutItsCentre) {
  auto analyzer = make_analyzer(25600, 25600, 1000);
  const FrequencyBand narrow = analyzer.resolve_band({4950, 5050});
  EXPECT_DOUBLE_EQ(narrow.low_hz, 4000);
  EXPECT_DOUBLE_EQ(narrow.high_hz, 6000);
  // A 700 Hz modulation needs sidebands at 4300 and 5700 Hz: present at full amplitude after widening.
  const auto x = am_tone(25600, 25600, 1.0, 0.5, 5000, 700);
  const EnvelopeSpectrum e = analyzer.analyze(x, {4950, 5050});
  EXPECT_DOUBLE_EQ(e.band.low_hz, 4000);
  EXPECT_NEAR(e.amplitude[700], 1.0, 1e-4);
}

TEST(EnvelopeAnalyzer, ClampsBandsInsideTheSpectrum) {
  auto analyzer = make_analyzer(25600, 25600, 1000);
  const FrequencyBand top = analyzer.resolve_band({12750, 13000});
  EXPECT_DOUBLE_EQ(top.high_hz, 12799);  // last bin below Nyquist
  EXPECT_DOUBLE_EQ(top.high_hz - top.low_hz, 2000);
  const FrequencyBand bottom = analyzer.resolve_band({-50, 10});
  EXPECT_DOUBLE_EQ(bottom.low_hz, 1);
  EXPECT_DOUBLE_EQ(bottom.high_hz, 2001);
  const FrequencyBand reversed = analyzer.resolve_band({7000, 3000});
  EXPECT_DOUBLE_EQ(reversed.low_hz, 3000);
  EXPECT_DOUBLE_EQ(reversed.high_hz, 7000);
  const FrequencyBand whole = analyzer.resolve_band({std::nan(""), std::numeric_limits<double>::infinity()});
  EXPECT_DOUBLE_EQ(whole.low_hz, 1);
  EXPECT_DOUBLE_EQ(whole.high_hz, 12799);
}

// Decaying resonance excited every 1/f (the physical model of a localised bearing defect). For impacts
// a e^{-s t} sin(2 pi fn t) that die out within a period, |z|^2 is a train of a^2 e^{-2 s t} pulses whose
// Fourier series has lines at k f of amplitude 2 f a^2 / |2 s + 2 pi i k f|.
struct ImpulseCase {
  std::size_t n;
  double fs;
};

class EnvelopeImpulseTrain : public ::testing::TestWithParam<ImpulseCase> {};

// Impacts (and a shaft-rate sine) for `n` samples at `fs`; noise is added separately by the caller.
std::vector<double> impact_train(std::size_t n, double fs, double rate_hz, double resonance_hz,
                                 double decay_per_s, double impact) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs;
    double v = 1.5 * std::sin(k_two_pi * 29.5 * t);
    // Impacts at j / rate, including those before the window whose tails reach into it.
    const auto last = static_cast<int>(std::floor(t * rate_hz));
    for (int j = last - 3; j <= last; ++j) {
      const double since = t - j / rate_hz;
      if (since >= 0)
        v += impact * std::exp(-decay_per_s * since) * std::sin(k_two_pi * resonance_hz * since);
    }
    x[i] = v;
  }
  return x;
}

TEST_P(EnvelopeImpulseTrain, StrongestLinesAreTheImpactRateAndItsHarmonics) {
  const auto [n, fs] = GetParam();
  const double rate_hz = 107;  // impacts per second: lines at 107, 214, 321 Hz
  const double resonance_hz = 0.25 * fs;
  const double decay_per_s = 900;  // e^-8 of an impact's envelope left after one period
  const double impact = 2.0;
  const std::vector<double> clean = impact_train(n, fs, rate_hz, resonance_hz, decay_per_s, impact);
  std::mt19937 rng(20240611);
  std::normal_distribution<double> noise(0.0, 0.5);  // noise RMS ~1.4x the impacts' RMS
  std::vector<float> noisy(n);
  for (std::size_t i = 0; i < n; ++i) noisy[i] = static_cast<float>(clean[i] + noise(rng));

  auto analyzer = make_analyzer(n, fs, 1000);
  const EnvelopeSpectrum e = analyzer.analyze(noisy, {resonance_hz - 1500, resonance_hz + 1500});
  ASSERT_FALSE(e.amplitude.empty());
  // Local peaks above 10 Hz, strongest first: the three strongest are the 1st, 2nd and 3rd harmonics
  // (their order may swap when a harmonic falls between bins, as with 1.25 Hz bins).
  std::vector<std::size_t> peaks;
  for (std::size_t k = bin_of(10, e.bin_hz); k + 1 < e.amplitude.size(); ++k) {
    if (e.amplitude[k] > e.amplitude[k - 1] && e.amplitude[k] >= e.amplitude[k + 1]) peaks.push_back(k);
  }
  ASSERT_GE(peaks.size(), 3u);
  std::partial_sort(peaks.begin(), peaks.begin() + 3, peaks.end(),
                    [&](std::size_t a, std::size_t b) { return e.amplitude[a] > e.amplitude[b]; });
  std::vector<double> strongest_hz;
  for (std::size_t i = 0; i < 3; ++i) strongest_hz.push_back(static_cast<double>(peaks[i]) * e.bin_hz);
  std::sort(strongest_hz.begin(), strongest_hz.end());
  for (int h = 1; h <= 3; ++h) {
    EXPECT_NEAR(strongest_hz[static_cast<std::size_t>(h - 1)], h * rate_hz, e.bin_hz) << "harmonic " << h;
  }

  // Amplitudes against the pulse-train Fourier series (noise-free signal, band +-0.2 fs about the
  // resonance). The band keeps the fraction (2/pi) atan(2 pi 0.2 fs / s) of the resonance's Lorentzian
  // power (0.96 at 12 kHz, 0.98 at 25.6 kHz), which scales the lines to first order; 3 % covers the
  // second-order truncation effects. A line's amplitude is read position-independently as
  // sqrt(sum over +-2 bins of a^2 / 1.5) (Hann, see envelope.hpp).
  std::vector<float> clean_f(clean.begin(), clean.end());
  const double half_width_hz = 0.2 * fs;
  const EnvelopeSpectrum wide =
      analyzer.analyze(clean_f, {resonance_hz - half_width_hz, resonance_hz + half_width_hz});
  const double kept = 2 / std::numbers::pi * std::atan(k_two_pi * half_width_hz / decay_per_s);
  for (int h = 1; h <= 3; ++h) {
    const double expected =
        kept * 2 * rate_hz * impact * impact / std::hypot(2 * decay_per_s, k_two_pi * h * rate_hz);
    const std::size_t centre = bin_of(h * rate_hz, wide.bin_hz);
    double energy = 0;
    for (std::size_t k = centre - 2; k <= centre + 2; ++k)
      energy += double(wide.amplitude[k]) * wide.amplitude[k];
    EXPECT_NEAR(std::sqrt(energy / 1.5), expected, 0.03 * expected) << "harmonic " << h;
  }
}

INSTANTIATE_TEST_SUITE_P(WindowLengths, EnvelopeImpulseTrain,
                         ::testing::Values(ImpulseCase{25600, 25600}, ImpulseCase{16384, 20480},
                                           ImpulseCase{12000, 12000}),
                         [](const auto& test_info) { return "n" + std::to_string(test_info.param.n); });

TEST(EnvelopeAnalyzer, SpectrumAndWindowOverloadsAgree) {
  const std::size_t n = 12000;
  auto analyzer = make_analyzer(n, 12000, 500);
  const auto x = am_tone(n, 12000, 1.0, 0.3, 2500, 37);
  auto fft = RealFft::create(n, PlanEffort::estimate);
  ASSERT_TRUE(fft.has_value());
  const auto spectrum = fft->forward(x);
  const std::vector<float> from_spectrum(analyzer.analyze(spectrum, {2000, 3000}).amplitude.begin(),
                                         analyzer.analyze(spectrum, {2000, 3000}).amplitude.end());
  const EnvelopeSpectrum from_window = analyzer.analyze(x, {2000, 3000});
  ASSERT_EQ(from_window.amplitude.size(), from_spectrum.size());
  for (std::size_t k = 0; k < from_spectrum.size(); ++k)
    EXPECT_EQ(from_window.amplitude[k], from_spectrum[k]);
}

TEST(EnvelopeAnalyzer, AllocatesNothingAfterCreate) {
  const std::size_t n = 25600;
  auto analyzer = make_analyzer(n, 25600);
  const auto x = am_tone(n, 25600, 1.0, 0.5, 5000, 100);
  auto fft = RealFft::create(n, PlanEffort::estimate);
  ASSERT_TRUE(fft.has_value());
  const auto spectrum = fft->forward(x);
  const FrequencyBand bands[] = {{4900, 5100}, {3000, 9000}, {0, 12800}, {12000, 12800}, {100, 50}};
  test::AllocationScope scope;
  double sum = 0;
  for (int round = 0; round < 10; ++round) {
    for (const FrequencyBand& band : bands) {
      sum += analyzer.analyze(spectrum, band).amplitude[100];
      sum += analyzer.analyze(std::span<const float>(x), band).amplitude[100];
    }
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_GT(sum, 0);
}

TEST(EnvelopeAnalyzer, WrongInputSizeGivesEmptySpectrum) {
  auto analyzer = make_analyzer(1024, 1024, 100);
  const std::vector<std::complex<float>> short_spectrum(100);
  EXPECT_TRUE(analyzer.analyze(short_spectrum, {100, 300}).amplitude.empty());
  const std::vector<float> long_window(2048);
  EXPECT_TRUE(analyzer.analyze(long_window, {100, 300}).amplitude.empty());
}

void expect_rejected(const EnvelopeAnalyzer::Config& config, std::string_view field) {
  auto analyzer = EnvelopeAnalyzer::create(config);
  ASSERT_FALSE(analyzer.has_value()) << "accepted config with bad " << field;
  EXPECT_EQ(analyzer.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(analyzer.error().message.find(field), std::string::npos) << analyzer.error().message;
}

TEST(EnvelopeAnalyzer, RejectsBadConfigsWithTheFieldNamed) {
  const auto est = PlanEffort::estimate;
  expect_rejected({0, 25600, 1000, 200, est}, "window_len");
  expect_rejected({8, 25600, 1000, 200, est}, "window_len");
  expect_rejected({25600, 0, 1000, 200, est}, "sample_rate_hz");
  expect_rejected({25600, -1, 1000, 200, est}, "sample_rate_hz");
  expect_rejected({25600, std::nan(""), 1000, 200, est}, "sample_rate_hz");
  expect_rejected({25600, 25600, 0, 200, est}, "max_envelope_hz");
  expect_rejected({25600, 25600, std::numeric_limits<double>::infinity(), 200, est}, "max_envelope_hz");
  expect_rejected({25600, 25600, 7000, 200, est}, "max_envelope_hz");  // > fs/4: band would not fit
  expect_rejected({256, 25600, 50, 200, est}, "max_envelope_hz");      // 100 Hz bins resolve no line
  expect_rejected({25600, 25600, 1000, -5, est}, "edge_taper_hz");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::dsp
