#include "dsp/defect_evidence.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "dsp/envelope.hpp"
#include "dsp/fft.hpp"
#include "dsp/kurtogram.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::dsp {
namespace VIGIL_TEST_FILE {

constexpr double k_two_pi = 2.0 * std::numbers::pi;

// CWRU drive-end bearing at 1797 rpm: BPFO 107.4, BPFI 162.2, BSF 141.2, FTF 11.9, shaft 29.95 Hz.
DefectFrequencies cwru_drive_end() {
  auto bearing = find_bearing("6205-2RS");
  EXPECT_TRUE(bearing.has_value());
  return defect_frequencies(*bearing, 1797);
}

// A synthetic envelope spectrum (1 Hz bins to 1000 Hz) whose background is known: amplitudes
// floor * (1 + 0.2 u), u uniform in [-1, 1] (seeded), so the background median is floor to within a few
// per cent (about 0.3 dB over the ~40 background bins); lines are added on the nearest bin with an
// amplitude floor * 10^(snr/20), so their true SNR is snr.
class SyntheticSpectrum {
 public:
  static constexpr double floor = 0.01;
  static constexpr double bin_hz = 1.0;

  explicit SyntheticSpectrum(std::size_t bins = 1001, unsigned seed = 42) : amplitude_(bins) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (float& a : amplitude_) a = static_cast<float>(floor * (1 + 0.2 * u(rng)));
  }
  // Puts a line of true SNR `snr_db` at `hz`; returns the frequency of the bin used.
  double add_line(double hz, double snr_db) {
    const auto k = static_cast<std::size_t>(std::lround(hz / bin_hz));
    amplitude_[k] = static_cast<float>(floor * std::pow(10.0, snr_db / 20));
    return static_cast<double>(k) * bin_hz;
  }
  EnvelopeSpectrum view() const { return {amplitude_, bin_hz, {}}; }

 private:
  std::vector<float> amplitude_;
};

DefectEvidenceFinder make_finder(std::size_t max_bins = 1001, EvidenceConfig config = {}) {
  auto finder = DefectEvidenceFinder::create(max_bins, config);
  EXPECT_TRUE(finder.has_value()) << finder.error().message;
  return std::move(*finder);
}

const DefectEvidence& of(const std::array<DefectEvidence, k_defect_count>& all, Defect d) {
  return all[static_cast<std::size_t>(d)];
}

TEST(DefectEvidence, OuterRaceLinesRankOuterRaceFirstWithTheirTrueSnr) {
  const DefectFrequencies f = cwru_drive_end();
  SyntheticSpectrum s;
  const double truth_db[] = {20, 14, 9};
  double line_hz[3];
  for (int h = 1; h <= 3; ++h) line_hz[h - 1] = s.add_line(h * f.bpfo_hz, truth_db[h - 1]);

  auto finder = make_finder();
  const auto evidence = finder.find(s.view(), f);
  const DefectEvidence& outer = of(evidence, Defect::outer_race);
  EXPECT_EQ(outer.defect, Defect::outer_race);
  EXPECT_DOUBLE_EQ(outer.expected_hz, f.bpfo_hz);
  ASSERT_EQ(outer.harmonics_checked, 3);
  EXPECT_EQ(outer.harmonics_found, 3);
  for (int h = 1; h <= 3; ++h) {
    const HarmonicMatch& m = outer.harmonics[static_cast<std::size_t>(h - 1)];
    EXPECT_EQ(m.harmonic, h);
    EXPECT_DOUBLE_EQ(m.expected_hz, h * f.bpfo_hz);
    EXPECT_NEAR(m.found_hz, line_hz[h - 1], 0.5);  // a lone line: the parabola peaks on its bin (+-0.5)
    EXPECT_NEAR(m.snr_db, truth_db[h - 1], 1.0) << "harmonic " << h;
    EXPECT_NEAR(m.background, SyntheticSpectrum::floor, 0.1 * SyntheticSpectrum::floor);
    EXPECT_TRUE(m.found);
  }
  EXPECT_EQ(outer.sidebands_checked, 0);  // a stationary defect is not modulated
  EXPECT_EQ(outer.sideband_snr_db, 0);
  EXPECT_EQ(strongest(evidence).defect, Defect::outer_race);
  for (const DefectEvidence& e : evidence) {
    if (e.defect != Defect::outer_race) {
      EXPECT_LT(e.score, outer.score - 5) << to_string(e.defect);
    }
  }
}

// A 0.1 s window (10 Hz envelope bins, as in a FEMTO snapshot): FTF = 12.9 Hz spans ~1.3 bins, so its
// harmonic windows overlap and it is not checked; BPFO = 168 Hz (~17 bins) still is.
TEST(DefectEvidence, DefectsBelowTheResolutionAreNotChecked) {
  const DefectFrequencies f = defect_frequencies(*find_bearing("pronostia"), 1800);
  std::vector<float> amplitude(120, 0.01f);
  amplitude[3] = 0.1f;  // a line at 30 Hz that both FTF x2 and x3 windows would reach
  const EnvelopeSpectrum view{amplitude, 10.0, {}};
  auto finder = make_finder(120);
  const auto evidence = finder.find(view, f);
  EXPECT_EQ(of(evidence, Defect::cage).harmonics_checked, 0);
  EXPECT_EQ(of(evidence, Defect::cage).score, 0.0);
  EXPECT_EQ(of(evidence, Defect::outer_race).harmonics_checked, 3);
}

TEST(DefectEvidence, FindsLinesShiftedByOnePointFivePercentSlip) {
  const DefectFrequencies f = cwru_drive_end();
  SyntheticSpectrum s;
  double line_hz[3];
  for (int h = 1; h <= 3; ++h) line_hz[h - 1] = s.add_line(1.015 * h * f.bpfo_hz, 15);
  auto finder = make_finder();
  const DefectEvidence outer = of(finder.find(s.view(), f), Defect::outer_race);
  EXPECT_EQ(outer.harmonics_found, 3);
  for (int h = 1; h <= 3; ++h) {
    EXPECT_NEAR(outer.harmonics[static_cast<std::size_t>(h - 1)].found_hz, line_hz[h - 1], 0.5);
    EXPECT_NEAR(outer.harmonics[static_cast<std::size_t>(h - 1)].snr_db, 15, 1.0);
  }
}

TEST(DefectEvidence, IgnoresLinesBeyondTheSpeedTolerance) {
  const DefectFrequencies f = cwru_drive_end();
  SyntheticSpectrum s;
  for (int h = 1; h <= 3; ++h) s.add_line(1.035 * h * f.bpfo_hz, 15);  // 3.5 % off; window is +-2 %
  auto finder = make_finder();
  const DefectEvidence outer = of(finder.find(s.view(), f), Defect::outer_race);
  EXPECT_EQ(outer.harmonics_checked, 3);
  EXPECT_EQ(outer.harmonics_found, 0);
  for (int h = 0; h < 3; ++h)
    EXPECT_LT(outer.harmonics[static_cast<std::size_t>(h)].snr_db, 3);  // floor ripple only
}

TEST(DefectEvidence, InnerRaceSidebandsAtShaftRate) {
  const DefectFrequencies f = cwru_drive_end();
  SyntheticSpectrum s;
  for (int h = 1; h <= 3; ++h) {
    s.add_line(h * f.bpfi_hz, 18);
    s.add_line(h * f.bpfi_hz - f.shaft_hz, 12);
    s.add_line(h * f.bpfi_hz + f.shaft_hz, 10);
  }
  auto finder = make_finder();
  const auto evidence = finder.find(s.view(), f);
  const DefectEvidence& inner = of(evidence, Defect::inner_race);
  EXPECT_EQ(inner.harmonics_found, 3);
  EXPECT_EQ(inner.sidebands_checked, 6);
  EXPECT_EQ(inner.sidebands_found, 6);
  EXPECT_NEAR(inner.sideband_snr_db, 12, 1.0);  // the best sideband
  EXPECT_EQ(strongest(evidence).defect, Defect::inner_race);
  // Same harmonics without sidebands score lower: sidebands add evidence.
  SyntheticSpectrum bare;
  for (int h = 1; h <= 3; ++h) bare.add_line(h * f.bpfi_hz, 18);
  const DefectEvidence bare_inner = of(finder.find(bare.view(), f), Defect::inner_race);
  EXPECT_EQ(bare_inner.sidebands_found, 0);
  EXPECT_LT(bare_inner.score, inner.score);
}

TEST(DefectEvidence, BallSidebandsAtCageRate) {
  const DefectFrequencies f = cwru_drive_end();
  SyntheticSpectrum s;
  for (int h = 1; h <= 2; ++h) {
    s.add_line(h * f.bsf_hz, 16);
    s.add_line(h * f.bsf_hz + f.ftf_hz, 11);
  }
  auto finder = make_finder();
  const auto evidence = finder.find(s.view(), f);
  const DefectEvidence& ball = of(evidence, Defect::ball);
  EXPECT_EQ(ball.harmonics_found, 2);
  EXPECT_GE(ball.sidebands_found, 2);
  EXPECT_NEAR(ball.sideband_snr_db, 11, 1.0);
  EXPECT_EQ(strongest(evidence).defect, Defect::ball);
}

// Shaft-synchronous lines are not bearing lines. At 1797 rpm, the +-2 % windows of BPFI x 2 (324.4 Hz)
// and x 3 (486.6 Hz) reach the 11th (329.5 Hz) and 16th (479.2 Hz) shaft harmonics, and +-1 x shaft
// around those are the 10th/12th and 15th/17th: a healthy machine's synchronous series would read as an
// inner-race series with its sidebands.
TEST(DefectEvidence, ShaftHarmonicsDoNotPassForBearingLines) {
  const DefectFrequencies f = cwru_drive_end();
  SyntheticSpectrum s;
  for (int n : {10, 11, 12, 15, 16, 17}) s.add_line(n * f.shaft_hz, 15);
  auto finder = make_finder();
  const DefectEvidence synchronous = of(finder.find(s.view(), f), Defect::inner_race);
  ASSERT_EQ(synchronous.harmonics_checked, 3);
  EXPECT_EQ(synchronous.harmonics_found, 0);
  for (int h = 0; h < 3; ++h) EXPECT_LT(synchronous.harmonics[static_cast<std::size_t>(h)].snr_db, 3);
  EXPECT_EQ(synchronous.sidebands_found, 0);

  // The same spectrum with a true BPFI series: its lines, 5 and 7 bins from the shaft harmonics, are found
  // at their true SNR.
  for (int h = 1; h <= 3; ++h) s.add_line(h * f.bpfi_hz, 12);
  const DefectEvidence inner = of(finder.find(s.view(), f), Defect::inner_race);
  EXPECT_EQ(inner.harmonics_found, 3);
  for (int h = 1; h <= 3; ++h) {
    const HarmonicMatch& m = inner.harmonics[static_cast<std::size_t>(h - 1)];
    EXPECT_NEAR(m.found_hz, std::round(h * f.bpfi_hz), 0.5) << h;
    EXPECT_NEAR(m.snr_db, 12, 1.0) << h;
  }
}

// Where a defect frequency cannot be told apart from a shaft harmonic (here BPFO = 4 x shaft exactly),
// its window is searched whole: the line is ambiguous, not discarded.
TEST(DefectEvidence, DefectLinesOnAShaftHarmonicAreStillSearched) {
  const DefectFrequencies f{
      .shaft_hz = 25, .ftf_hz = 10.3, .bpfo_hz = 100, .bpfi_hz = 140.7, .bsf_hz = 117.1};
  SyntheticSpectrum s;
  for (int h = 1; h <= 3; ++h) s.add_line(h * f.bpfo_hz, 14);
  auto finder = make_finder();
  const DefectEvidence outer = of(finder.find(s.view(), f), Defect::outer_race);
  EXPECT_EQ(outer.harmonics_found, 3);
  EXPECT_NEAR(outer.harmonics[0].snr_db, 14, 1.0);
}

// End to end: an inner-race-like signal (impacts at BPFI whose strength follows the load zone, i.e.
// (1 + 0.8 cos 2 pi fr t), ringing a 3.3 kHz resonance, in noise, with a shaft-rate sine) through one
// real FFT, the kurtogram, the envelope and the evidence finder.
TEST(DefectEvidence, InnerRaceSignalThroughThePipelineShowsSidebands) {
  const std::size_t n = 12000;
  const double fs = 12000;
  const DefectFrequencies f = cwru_drive_end();
  std::mt19937 rng(99);
  std::normal_distribution<double> noise(0.0, 0.4);
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs;
    double v = 0.8 * std::sin(k_two_pi * f.shaft_hz * t) + noise(rng);
    const auto last = static_cast<int>(std::floor(t * f.bpfi_hz));
    for (int j = last - 2; j <= last; ++j) {
      const double t0 = j / f.bpfi_hz;
      const double since = t - t0;
      const double load = 1 + 0.8 * std::cos(k_two_pi * f.shaft_hz * t0);
      if (since >= 0) v += 1.5 * load * std::exp(-1000 * since) * std::sin(k_two_pi * 3300 * since);
    }
    x[i] = static_cast<float>(v);
  }
  auto fft = RealFft::create(n, PlanEffort::estimate);
  ASSERT_TRUE(fft.has_value());
  const auto spectrum = fft->forward(x);
  Kurtogram::Config kc;
  kc.window_len = n;
  kc.sample_rate_hz = fs;
  kc.levels = 4;
  kc.min_bandwidth_hz = 1000;
  kc.effort = PlanEffort::estimate;
  auto kurtogram = Kurtogram::create(kc);
  ASSERT_TRUE(kurtogram.has_value()) << kurtogram.error().message;
  const FrequencyBand band = kurtogram->best_band(spectrum).band;
  EXPECT_TRUE(band.low_hz <= 3300 && 3300 <= band.high_hz) << band.low_hz << "-" << band.high_hz;
  auto envelope = EnvelopeAnalyzer::create({n, fs, 1000, 200, PlanEffort::estimate});
  ASSERT_TRUE(envelope.has_value());
  const EnvelopeSpectrum e = envelope->analyze(spectrum, band);

  auto finder = make_finder(envelope->envelope_bins());
  const auto evidence = finder.find(e, f);
  const DefectEvidence& inner = of(evidence, Defect::inner_race);
  EXPECT_EQ(strongest(evidence).defect, Defect::inner_race);
  EXPECT_EQ(inner.harmonics_found, 3);
  EXPECT_GE(inner.sidebands_found, 2);
  EXPECT_GT(inner.sideband_snr_db, 10);
}

TEST(DefectEvidence, ChecksOnlyHarmonicsInsideTheSpectrum) {
  const DefectFrequencies f = cwru_drive_end();
  SyntheticSpectrum s(251);  // 0..250 Hz: BPFO x1, x2 fit with their background, x3 (322 Hz) does not
  auto finder = make_finder(1001, {.harmonics = 5});
  const DefectEvidence outer = of(finder.find(s.view(), f), Defect::outer_race);
  EXPECT_EQ(outer.harmonics_checked, 2);
}

TEST(DefectEvidence, SpectraLongerThanMaxBinsAreTruncated) {
  const DefectFrequencies f = cwru_drive_end();
  SyntheticSpectrum s;
  for (int h = 1; h <= 3; ++h) s.add_line(h * f.bpfo_hz, 20);
  auto finder = make_finder(251);
  EXPECT_EQ(of(finder.find(s.view(), f), Defect::outer_race).harmonics_checked, 2);
}

TEST(DefectEvidence, DegenerateInputsGiveNoEvidence) {
  SyntheticSpectrum s;
  auto finder = make_finder();
  auto expect_empty = [](const std::array<DefectEvidence, k_defect_count>& evidence) {
    for (std::size_t d = 0; d < k_defect_count; ++d) {
      EXPECT_EQ(evidence[d].defect, static_cast<Defect>(d));
      EXPECT_EQ(evidence[d].harmonics_checked, 0);
      EXPECT_EQ(evidence[d].score, 0);
    }
  };
  expect_empty(finder.find(s.view(), DefectFrequencies{}));  // speed unknown
  const double nan = std::numeric_limits<double>::quiet_NaN();
  expect_empty(finder.find(s.view(), {nan, nan, nan, nan, nan}));
  expect_empty(finder.find(EnvelopeSpectrum{}, cwru_drive_end()));
  EnvelopeSpectrum no_resolution = s.view();
  no_resolution.bin_hz = 0;
  expect_empty(finder.find(no_resolution, cwru_drive_end()));
}

TEST(DefectEvidence, AllocatesNothingPerCall) {
  const DefectFrequencies f = cwru_drive_end();
  SyntheticSpectrum s;
  for (int h = 1; h <= 3; ++h) s.add_line(h * f.bpfi_hz, 15);
  auto finder = make_finder(1001, {.harmonics = 5});
  test::AllocationScope scope;
  double sum = 0;
  for (int i = 0; i < 20; ++i) sum += strongest(finder.find(s.view(), f)).score;
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_GT(sum, 0);
}

TEST(DefectEvidence, NamesDefects) {
  EXPECT_EQ(to_string(Defect::outer_race), "outer_race");
  EXPECT_EQ(to_string(Defect::inner_race), "inner_race");
  EXPECT_EQ(to_string(Defect::ball), "ball");
  EXPECT_EQ(to_string(Defect::cage), "cage");
}

void expect_rejected(std::size_t max_bins, const EvidenceConfig& config, std::string_view field) {
  auto finder = DefectEvidenceFinder::create(max_bins, config);
  ASSERT_FALSE(finder.has_value()) << "accepted bad " << field;
  EXPECT_EQ(finder.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(finder.error().message.find(field), std::string::npos) << finder.error().message;
}

TEST(DefectEvidence, RejectsBadConfigsWithTheFieldNamed) {
  expect_rejected(0, {}, "max_bins");
  expect_rejected(1001, {.harmonics = 0}, "harmonics");
  expect_rejected(1001, {.harmonics = 6}, "harmonics");
  expect_rejected(1001, {.speed_tolerance = -0.01}, "speed_tolerance");
  expect_rejected(1001, {.speed_tolerance = 0.5}, "speed_tolerance");
  expect_rejected(1001, {.min_snr_db = std::numeric_limits<double>::quiet_NaN()}, "min_snr_db");
  expect_rejected(1001, {.background_hz = 0}, "background_hz");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::dsp
