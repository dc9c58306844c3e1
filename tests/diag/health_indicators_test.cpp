#include "diag/health_indicators.hpp"

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "sim/simulator.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::diag {
namespace VIGIL_TEST_FILE {

constexpr double k_fs_hz = 25600;
constexpr std::size_t k_len = 2560;

std::vector<double> times_every(std::size_t n, double period_s) {
  std::vector<double> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = static_cast<double>(i) * period_s;
  return t;
}

// Laplace(0, 1) by inversion of a uniform from the 53 high bits of mt19937_64 (exact across platforms,
// unlike std::*_distribution).
double laplace(std::mt19937_64& rng) {
  const double u = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;  // (0, 1)
  return u < 0.5 ? std::log(2.0 * u) : -std::log(2.0 * (1.0 - u));
}
double gaussian(std::mt19937_64& rng) {  // Box-Muller
  const double u1 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
  const double u2 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// ---------------------------------------------------------------------------------------------------
// Band multiplier

// With a huge baseline the scale is known exactly and k solves n (1/2 e^{-k})^m = alpha directly.
TEST(BandMultiplier, TendsToKnownScaleValueForLargeBaselines) {
  const OnsetRule rule;  // alpha 0.01, n 3000, m 3, above
  const double known = std::log(0.5 * std::cbrt(3000.0 / 0.01));
  auto k = band_multiplier(rule, 10'000'000);
  ASSERT_TRUE(k.has_value());
  EXPECT_NEAR(*k, known, 1e-5);
}

// The formula's claim, checked by Monte Carlo: with nu = n_b - 1 scale samples about a known centre,
// b = mean |x| of Laplace(0, 1) draws, n E[(1/2 e^{-k b})^m] = alpha. D = 200000 draws: the per-draw
// relative standard deviation is ~18 for n_b = 10 (second moment (1 + 2mk/nu)^-nu against the squared
// first), so the mean is within ~4 % (1 sigma); 15 % tolerance is > 3.5 sigma.
TEST(BandMultiplier, MeetsFalseAlarmBudgetUnderLaplaceModelByMonteCarlo) {
  const OnsetRule rule;
  for (std::size_t n_b : {10u, 25u}) {
    const double k = *band_multiplier(rule, n_b);
    const std::size_t nu = n_b - 1;
    std::mt19937_64 rng(42 + n_b);
    constexpr int k_draws = 200000;
    double sum = 0;
    for (int d = 0; d < k_draws; ++d) {
      double b = 0;
      for (std::size_t i = 0; i < nu; ++i) b += std::abs(laplace(rng));
      b /= static_cast<double>(nu);
      sum += std::pow(0.5 * std::exp(-k * b), 3.0);
    }
    const double false_onset = 3000.0 * sum / k_draws;
    EXPECT_NEAR(false_onset / 0.01, 1.0, 0.15) << "n_b " << n_b << " k " << k;
  }
}

TEST(BandMultiplier, ShrinksWithBaselineAndGrowsForTwoSidedAndStricterBudgets) {
  OnsetRule rule;
  const double k10 = *band_multiplier(rule, 10);
  const double k50 = *band_multiplier(rule, 50);
  EXPECT_GT(k10, k50);
  EXPECT_NEAR(k10, 6.67, 0.01);  // (9/3)((37500)^{1/9} - 1), by hand
  EXPECT_NEAR(k50, 3.92, 0.01);
  rule.exceedance = Exceedance::either;
  EXPECT_GT(*band_multiplier(rule, 10), k10);
  rule.exceedance = Exceedance::above;
  rule.false_alarm_probability = 0.001;
  EXPECT_GT(*band_multiplier(rule, 10), k10);
}

TEST(BandMultiplier, RejectsRulesOutsideTheirDomain) {
  EXPECT_FALSE(band_multiplier({}, 1).has_value());
  OnsetRule r;
  r.false_alarm_probability = 0;
  EXPECT_EQ(band_multiplier(r, 10).error().code, ErrorCode::invalid_argument);
  r = {};
  r.false_alarm_probability = 1;
  EXPECT_FALSE(band_multiplier(r, 10).has_value());
  r = {};
  r.persistence = 0;
  EXPECT_FALSE(band_multiplier(r, 10).has_value());
  r = {};
  r.baseline_life_fraction = 1.0;
  EXPECT_FALSE(band_multiplier(r, 10).has_value());
  r = {};
  r.design_length = 0;
  EXPECT_FALSE(band_multiplier(r, 10).has_value());
}

// ---------------------------------------------------------------------------------------------------
// Baseline length

TEST(BaselineSnapshots, TakesTheFirstTenPercentOfLifeOrTheMinimumCount) {
  const OnsetRule rule;
  // 1000 snapshots every 10 s: life 9990 s, 10 % = 999 s holds t = 0 ... 990 s, 100 snapshots.
  EXPECT_EQ(count_baseline_snapshots(times_every(1000, 10), rule), 100u);
  // Thinned, every 150 s over 5000 s: 10 % = 500 s holds 4 snapshots; the minimum 10 applies.
  EXPECT_EQ(count_baseline_snapshots(times_every(34, 150), rule), 10u);
  EXPECT_EQ(count_baseline_snapshots(times_every(5, 150), rule), 5u);  // clamped to the series
  OnsetRule causal;
  causal.baseline_life_fraction = 0;
  EXPECT_EQ(count_baseline_snapshots(times_every(1000, 10), causal), 10u);
  EXPECT_EQ(count_baseline_snapshots({}, rule), 0u);
}

// ---------------------------------------------------------------------------------------------------
// Onset

// A step of 10 sigma at a known snapshot. Baseline 30 snapshots (10 % of 300), k(30) ~ 4.2 scale units
// of ~0.8 sigma, so the band's top is ~3.4 sigma above the mean: every post-step value exceeds it with
// probability 1 - Phi(-6.6) (> 1 - 1e-10), and the run starts exactly at the step.
TEST(FindOnset, FindsAKnownStepChangeAtItsSnapshot) {
  std::mt19937_64 rng(7);
  const std::size_t n = 300, step = 200;
  const auto t = times_every(n, 10);
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = 1.0 + 0.05 * gaussian(rng) + (i >= step ? 0.5 : 0.0);
  auto r = find_onset(t, x);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_TRUE(r->found);
  EXPECT_EQ(r->band.baseline_snapshots, 30u);
  EXPECT_EQ(r->band.baseline_count, 30u);
  EXPECT_NEAR(r->band.centre, 1.0, 0.03);  // median of 30 draws: sd ~ 1.25 sigma / sqrt(30) = 0.011
  EXPECT_LT(r->band.high, 1.0 + 0.05 * 6);
  EXPECT_EQ(r->onset_index, step);
  EXPECT_DOUBLE_EQ(r->onset_s, t[step]);
  EXPECT_DOUBLE_EQ(r->detected_s, t[step + 2]);  // persistence 3
  EXPECT_DOUBLE_EQ(r->lead_time_s, t.back() - t[step + 2]);
  EXPECT_DOUBLE_EQ(r->lead_fraction, (t.back() - t[step + 2]) / t.back());
}

// Exponential growth buried in noise (the usual degradation model): the onset lies after the growth
// starts and no later than the snapshot where the growth alone reaches 10 sigma (by then every value
// is far above the band, whose top is < 6 sigma above the mean for this baseline).
TEST(FindOnset, FindsExponentialGrowthBetweenItsStartAndTenSigma) {
  std::mt19937_64 rng(11);
  const std::size_t n = 600, start = 400;
  const double sigma = 0.05, tau = 20;  // snapshots
  const auto t = times_every(n, 10);
  std::vector<double> x(n);
  std::size_t ten_sigma = n;
  for (std::size_t i = 0; i < n; ++i) {
    const double growth = i >= start ? 0.01 * std::expm1(static_cast<double>(i - start) / tau) : 0.0;
    if (growth >= 10 * sigma && ten_sigma == n) ten_sigma = i;
    x[i] = 1.0 + sigma * gaussian(rng) + growth;
  }
  auto r = find_onset(t, x);
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->found);
  EXPECT_GE(r->onset_index, start);
  EXPECT_LE(r->onset_index, ten_sigma);
  EXPECT_GT(r->lead_time_s, 0);
}

// No false onset on stationary series. By design n E[(1/2 e^{-k b})^3] = 1 % per series of up to
// 3000 snapshots under a Laplace model (numpy simulation of the same rule, 2000 series of 3000 with this
// 300-snapshot baseline: 1.05 %). 200 Laplace series: false onsets ~ Binomial(200, ~0.0105), mean 2.1,
// P(X >= 9) ~ 3e-4. Gaussian series have lighter tails: expected ~0 (simulated < 0.1 %).
TEST(FindOnset, RarelyFindsAnOnsetInStationaryNoise) {
  const auto t = times_every(3000, 10);
  std::vector<double> x(3000);
  int laplace_onsets = 0, gaussian_onsets = 0;
  std::mt19937_64 rng(2024);
  for (int s = 0; s < 200; ++s) {
    for (double& v : x) v = 5.0 + 0.3 * laplace(rng);
    laplace_onsets += find_onset(t, x)->found ? 1 : 0;
    for (double& v : x) v = 5.0 + 0.3 * gaussian(rng);
    gaussian_onsets += find_onset(t, x)->found ? 1 : 0;
  }
  EXPECT_LE(laplace_onsets, 8);
  EXPECT_LE(gaussian_onsets, 2);
}

TEST(FindOnset, CountsDropsOnlyWhenBothSidesAreAsked) {
  const auto t = times_every(100, 10);
  std::vector<double> x(100);
  std::mt19937_64 rng(3);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 2.0 + 0.01 * gaussian(rng) - (i >= 60 ? 1.0 : 0.0);
  auto above = find_onset(t, x);
  ASSERT_TRUE(above.has_value());
  EXPECT_FALSE(above->found);
  OnsetRule either;
  either.exceedance = Exceedance::either;
  auto both = find_onset(t, x, either);
  ASSERT_TRUE(both.has_value());
  ASSERT_TRUE(both->found);
  EXPECT_EQ(both->onset_index, 60u);
}

// Non-finite values are left out of the baseline and break a run: three values above the band
// separated by a NaN are not persistent.
TEST(FindOnset, NonFiniteValuesNeitherFormTheBandNorCountAsOutside) {
  const auto t = times_every(20, 10);
  std::vector<double> x(20, 1.0);
  for (std::size_t i = 0; i < 10; ++i) x[i] = 1.0 + 0.01 * static_cast<double>(i % 3);
  x[2] = std::nan("");
  x[12] = x[13] = 10;
  x[14] = std::nan("");
  x[15] = x[16] = 10;
  auto r = find_onset(t, x);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->band.baseline_count, 9u);
  EXPECT_FALSE(r->found);
  x[17] = 10;
  r = find_onset(t, x);
  ASSERT_TRUE(r->found);
  EXPECT_EQ(r->onset_index, 15u);
}

TEST(FindOnset, RejectsMalformedSeries) {
  const auto t = times_every(20, 10);
  std::vector<double> x(20, 1.0);
  EXPECT_EQ(find_onset(t, std::span<const double>(x).first(19)).error().code, ErrorCode::invalid_argument);
  auto bad_t = t;
  bad_t[5] = bad_t[4];
  auto r = find_onset(bad_t, x);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("not increasing"), std::string::npos) << r.error().message;
  bad_t = t;
  bad_t[3] = std::nan("");
  EXPECT_FALSE(find_onset(bad_t, x).has_value());
  // 12 snapshots: baseline 10 + persistence 3 do not fit.
  r = find_onset(std::span<const double>(t).first(12), std::span<const double>(x).first(12));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("too short"), std::string::npos) << r.error().message;
  std::vector<double> nan_baseline(20, std::nan(""));
  EXPECT_FALSE(find_onset(t, nan_baseline).has_value());
}

// ---------------------------------------------------------------------------------------------------
// Extractor

HealthIndicatorConfig pronostia_config() {
  return {.sample_rate_hz = k_fs_hz,
          .window_len = k_len,
          .bearing = *dsp::find_bearing("pronostia"),
          .max_speed_rpm = 1800,
          .high_band_low_hz = 5000,
          .effort = dsp::PlanEffort::estimate};
}

std::vector<float> two_sines(double low_g, double low_hz, double high_g, double high_hz) {
  std::vector<float> x(k_len);
  for (std::size_t i = 0; i < k_len; ++i) {
    const double t = static_cast<double>(i) / k_fs_hz;
    x[i] = static_cast<float>(low_g * std::sin(2 * std::numbers::pi * low_hz * t) +
                              high_g * std::sin(2 * std::numbers::pi * high_hz * t + 0.3));
  }
  return x;
}

// Lines on bins (10 Hz resolution): 1 g at 100 Hz and 0.5 g at 8 kHz. High band (>= 5 kHz) holds only
// the 8 kHz line: RMS 0.5 / sqrt 2. Overall RMS sqrt((1 + 0.25) / 2). Velocity of the 100 Hz line
// (the 8 kHz one is outside 10-1000 Hz): 9.80665 / (2 pi 100) / sqrt 2 m/s = 11.036 mm/s. Tolerances:
// float FFT (~1e-6 relative) for the Parseval sums; 1 % for velocity (Hann-tapered estimate, tested in
// dsp with its own tolerance).
TEST(HealthIndicatorExtractor, MatchesAnalyticValuesForTwoSines) {
  auto e = HealthIndicatorExtractor::create(pronostia_config());
  ASSERT_TRUE(e.has_value()) << e.error().message;
  const auto x = two_sines(1.0, 100, 0.5, 8000);
  auto v = e->compute(x, 1800);
  ASSERT_TRUE(v.has_value());
  EXPECT_NEAR(value_of(*v, Indicator::high_band_rms_g), 0.5 / std::sqrt(2.0), 1e-5);
  EXPECT_NEAR(value_of(*v, Indicator::rms_g), std::sqrt(1.25 / 2), 1e-5);
  const double velocity_mm_s = 9.80665 / (2 * std::numbers::pi * 100) / std::sqrt(2.0) * 1000;
  EXPECT_NEAR(value_of(*v, Indicator::velocity_rms_mm_s), velocity_mm_s, 0.01 * velocity_mm_s);
  EXPECT_NEAR(value_of(*v, Indicator::crest_factor),
              value_of(*v, Indicator::peak_g) / value_of(*v, Indicator::rms_g), 1e-9);
  for (Indicator i : k_all_indicators) EXPECT_TRUE(std::isfinite(value_of(*v, i))) << to_string(i);
}

TEST(HealthIndicatorExtractor, PureSineHasKnownShape) {
  auto e = HealthIndicatorExtractor::create(pronostia_config());
  const auto x = two_sines(2.0, 250, 0.0, 8000);
  auto v = e->compute(x, 1800);
  ASSERT_TRUE(v.has_value());
  EXPECT_NEAR(value_of(*v, Indicator::kurtosis), 1.5, 1e-3);  // sine: 3/2
  EXPECT_NEAR(value_of(*v, Indicator::crest_factor), std::sqrt(2.0), 1e-3);
  EXPECT_LT(value_of(*v, Indicator::high_band_rms_g), 1e-4);  // nothing above 5 kHz (float round-off)
}

TEST(HealthIndicatorExtractor, AllocatesNothingPerSnapshot) {
  auto e = HealthIndicatorExtractor::create(pronostia_config());
  const auto x = two_sines(1.0, 100, 0.5, 8000);
  (void)e->compute(x, 1800);
  test::AllocationScope scope;
  for (int i = 0; i < 5; ++i) (void)e->compute(x, 1500 + 50.0 * i);
  EXPECT_EQ(scope.allocations(), 0u);
}

TEST(HealthIndicatorExtractor, RejectsBadSnapshotsAndConfigs) {
  auto e = HealthIndicatorExtractor::create(pronostia_config());
  std::vector<float> short_x(k_len - 1, 0.0f);
  auto v = e->compute(short_x, 1800);
  ASSERT_FALSE(v.has_value());
  EXPECT_NE(v.error().message.find("2559 samples"), std::string::npos) << v.error().message;
  std::vector<float> x(k_len, 0.0f);
  EXPECT_FALSE(e->compute(x, 2000).has_value());  // above max_speed_rpm
  EXPECT_FALSE(e->compute(x, 0).has_value());
  auto c = pronostia_config();
  c.high_band_low_hz = 12800;
  EXPECT_FALSE(HealthIndicatorExtractor::create(c).has_value());
  c = pronostia_config();
  c.sample_rate_hz = 0;
  EXPECT_FALSE(HealthIndicatorExtractor::create(c).has_value());
  c = pronostia_config();
  c.window_len = 100;
  EXPECT_FALSE(HealthIndicatorExtractor::create(c).has_value());
}

// ---------------------------------------------------------------------------------------------------
// End to end on simulated run-to-failure: PRONOSTIA-like rig, outer-race fault whose impacts grow
// exponentially from 2 % to 20 g over the life (ground truth: sim::SeverityLaw). Snapshots of 0.1 s
// every 10 s, each simulated at the severity of its time (the severity changes by < 0.02 % within
// 0.1 s). RMS and kurtosis must leave their early-life band after the baseline and before the end.
TEST(HealthIndicatorsEndToEnd, FindsOnsetOfSimulatedExponentialDegradation) {
  constexpr double k_life_s = 6000;
  const sim::Scenario base = sim::Scenario::pronostia_like(sim::FaultKind::outer_race, 1800, k_life_s);
  auto e = HealthIndicatorExtractor::create(pronostia_config());
  ASSERT_TRUE(e.has_value());
  std::vector<double> t, rms, kurt;
  std::vector<float> x(k_len);
  for (std::size_t k = 0; static_cast<double>(k) * 10 <= k_life_s; ++k) {
    const double time_s = static_cast<double>(k) * 10;
    sim::Scenario s = base;
    s.fault.severity = {.growth = sim::SeverityGrowth::constant,
                        .initial = base.fault.severity.at(time_s),
                        .time_constant_s = 1,
                        .max_severity = 1};
    auto simulator = sim::Simulator::create(s, 1000 + k);
    ASSERT_TRUE(simulator.has_value()) << simulator.error().message;
    simulator->generate(x);
    auto v = e->compute(x, 1800);
    ASSERT_TRUE(v.has_value());
    t.push_back(time_s);
    rms.push_back(value_of(*v, Indicator::rms_g));
    kurt.push_back(value_of(*v, Indicator::kurtosis));
  }
  for (const auto* series : {&rms, &kurt}) {
    auto r = find_onset(t, *series);
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->found) << (series == &rms ? "rms" : "kurtosis");
    EXPECT_GT(r->onset_s, t[r->band.baseline_snapshots - 1]);
    EXPECT_LT(r->detected_s, k_life_s);
    EXPECT_GT(r->lead_time_s, 0);
    RecordProperty(series == &rms ? "rms_onset_s" : "kurtosis_onset_s", std::to_string(r->onset_s));
  }
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::diag
