// Health index and onset rule (model/health_index.hpp): the threshold formula against independently
// computed values, the baseline, the filter against its analytic step response, the N-of-M rule on
// constructed sequences (every duration in seconds), the false-alarm budget by simulation, error paths, and
// no allocation per update.
#include "model/health_index.hpp"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "diag/health_indicators.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

// A baseline of 10 snapshots at 10 s (t = 0..90 s) whose distances sqrt(s) are 1 +- 0.1 alternating:
// median m = 1, mean |d - m| = 0.1 (median of five 0.9 and five 1.1 is 1).
HealthIndexConfig small_config() {
  HealthIndexConfig c;
  c.baseline_s = 90;
  c.baseline_min_snapshots = 10;
  c.smoothing_s = 0;
  return c;
}
double baseline_score(std::size_t i) { return i % 2 == 0 ? 0.81 : 1.21; }

HealthMonitor fed_baseline(const HealthIndexConfig& c) {
  auto m = HealthMonitor::create(c);
  EXPECT_TRUE(m.has_value());
  for (std::size_t i = 0; i < 10; ++i)
    EXPECT_TRUE(m->update(10.0 * static_cast<double>(i), baseline_score(i)));
  return std::move(*m);
}

// Golden values: k = (nu / m) ((n / (2^m alpha))^{1/nu} - 1) evaluated in Python, with m and n worked out by
// hand from the durations: 20 s at 10 s -> m = 3, n = 30000 / 10; at 150 s -> m = 2, n = 200; 40 s at
// 10 s -> m = 5.
TEST(HealthIndex, AlarmMultiplierMatchesTheFalseAlarmBudgetFormula) {
  HealthIndexConfig c;  // persistence 20 s, alpha 1 % over 30000 s
  EXPECT_EQ(alarm_run_length(c, 10), 3u);
  EXPECT_EQ(alarm_run_length(c, 150), 2u);
  EXPECT_NEAR(*alarm_multiplier(c, 10, 10), 6.668229504286526, 1e-12);
  EXPECT_NEAR(*alarm_multiplier(c, 10, 150), 7.093356236733673, 1e-12);
  EXPECT_NEAR(*alarm_multiplier(c, 50, 150), 4.651121537705808, 1e-12);
  c.persistence_s = 40;
  EXPECT_EQ(alarm_run_length(c, 10), 5u);
  EXPECT_NEAR(*alarm_multiplier(c, 10, 10), 3.1728189404353033, 1e-12);
  c.persistence_s = 0;  // one exceedance is an alarm
  EXPECT_EQ(alarm_run_length(c, 10), 1u);
}

// At 10 s snapshots the defaults are the diag onset rule's (3 consecutive exceedances, 3000 snapshots).
TEST(HealthIndex, AlarmMultiplierAtTenSecondsEqualsTheDiagBandRule) {
  HealthIndexConfig c;
  diag::OnsetRule rule;
  for (std::size_t n_b : {5u, 10u, 40u, 300u}) {
    EXPECT_NEAR(*alarm_multiplier(c, n_b, 10), *diag::band_multiplier(rule, n_b), 1e-12) << n_b;
  }
}

// As n_b grows the scale is known and k -> ln((C(M,N) n / (2^N alpha))^{1/N}).
TEST(HealthIndex, AlarmMultiplierTendsToTheKnownScaleValue) {
  HealthIndexConfig c;
  const double limit = std::log(3000 / (8 * 0.01)) / 3;
  EXPECT_NEAR(*alarm_multiplier(c, 1000000, 10), limit, 1e-4);
  EXPECT_GT(*alarm_multiplier(c, 20, 10), *alarm_multiplier(c, 200, 10));  // fewer samples, wider band
}

TEST(HealthIndex, BaselineIsTheMedianAndMeanAbsoluteDeviationOfTheDistances) {
  const auto c = small_config();
  auto m = fed_baseline(c);
  EXPECT_FALSE(m.state().baseline_ready);  // closes at the first snapshot past baseline_s
  ASSERT_TRUE(m.update(100, 1.0));
  ASSERT_TRUE(m.state().baseline_ready);
  const HealthBaseline& b = m.baseline();
  EXPECT_EQ(b.count, 10u);
  EXPECT_DOUBLE_EQ(b.end_s, 90);
  EXPECT_NEAR(b.distance_centre, 1.0, 1e-12);
  EXPECT_NEAR(b.distance_scale, 0.1, 1e-12);
  EXPECT_NEAR(b.multiplier, 6.668229504286526, 1e-12);
  EXPECT_NEAR(b.distance_threshold, 1 + 0.6668229504286526, 1e-12);
  EXPECT_NEAR(b.log_alarm_score, 2 * std::log(1.6668229504286526), 1e-12);
  EXPECT_NEAR(b.log_reference_score, 2 * std::log(1 + 3.5 * 0.1), 1e-12);  // m + c b, c = 3.5
}

// The baseline extends past baseline_s until it holds baseline_min_snapshots.
TEST(HealthIndex, BaselineWaitsForItsMinimumCount) {
  auto c = small_config();
  c.baseline_s = 5;  // only t = 0 is within 5 s
  auto m = fed_baseline(c);
  EXPECT_FALSE(m.state().baseline_ready);
  ASSERT_TRUE(m.update(100, 1.0));
  EXPECT_TRUE(m.state().baseline_ready);
  EXPECT_EQ(m.baseline().count, 10u);
}

// Without smoothing HI = max(1, s / s_ref) exactly (s_ref = 1.35^2); it is 1 during the baseline and below
// the reference.
TEST(HealthIndex, UnsmoothedIndexIsTheScoreOverTheAlarmLevel) {
  auto m = fed_baseline(small_config());
  EXPECT_DOUBLE_EQ(m.state().health_index, 1.0);
  const double reference_score = std::pow(1.35, 2);
  EXPECT_DOUBLE_EQ(m.update(100, 0.5 * reference_score)->health_index, 1.0);
  EXPECT_NEAR(m.update(110, 7.0 * reference_score)->health_index, 7.0, 1e-9);
  EXPECT_NEAR(m.update(120, 2.0 * reference_score)->health_index, 2.0, 1e-9);
}

// First-order filter with time constant tau: a step of x in ln HI reaches x (1 - e^{-t / tau}) after t,
// whatever the snapshot spacing (here 10 s, then 1 s).
TEST(HealthIndex, SmoothedIndexFollowsTheFirstOrderStepResponseInSeconds) {
  auto c = small_config();
  c.smoothing_s = 50;
  auto m = fed_baseline(c);
  const double reference_score = std::pow(1.35, 2);
  const double x = 2.0;  // ln(s / s_ref)
  double t = 90;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(m.update(t += 10, reference_score * std::exp(x)));
  EXPECT_NEAR(std::log(m.state().health_index), x * -std::expm1(-100.0 / 50), 1e-12);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(m.update(t += 1, reference_score * std::exp(x)));
  EXPECT_NEAR(std::log(m.state().health_index), x * -std::expm1(-150.0 / 50), 1e-12);
}

// 20 s at 10 s snapshots: two isolated pairs of exceedances do not alarm; a run of three does, onset at
// its first.
TEST(HealthIndex, OnsetNeedsThreeConsecutiveExceedancesByDefault) {
  auto m = fed_baseline(small_config());
  const std::vector<double> s{4, 4, 1, 4, 4, 1, 1, 4, 4, 4, 1};
  double t = 90;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto st = m.update(t += 10, s[i]);
    ASSERT_TRUE(st.has_value());
    EXPECT_EQ(st->exceedance, s[i] > 2.78);
    EXPECT_EQ(st->onset_found, i >= 9) << i;
  }
  EXPECT_DOUBLE_EQ(m.state().onset_s, 170);
  EXPECT_DOUBLE_EQ(m.state().detected_s, 190);
  EXPECT_EQ(m.state().onset_index, 17u);  // 10 baseline snapshots, then the 8th post-baseline one
}

// Persistence is a duration: after a gap, two exceedances 150 s apart span more than 20 s and alarm; a
// healthy snapshot in between restarts the run. d* = 1.667 (k = 6.67 at the baseline's 10 s interval).
TEST(HealthIndex, OnsetNeedsTheDistanceAboveTheThresholdForPersistenceSeconds) {
  auto m = fed_baseline(small_config());
  ASSERT_FALSE(m.update(100, 9)->onset_found);
  EXPECT_DOUBLE_EQ(m.state().run_start_s, 100);
  ASSERT_FALSE(m.update(110, 1)->onset_found);  // the run ends
  EXPECT_TRUE(std::isnan(m.state().run_start_s));
  ASSERT_FALSE(m.update(115, 9)->onset_found);  // a new run: 0 s long
  auto st = m.update(265, 9);                   // 150 s later, still above: 150 s >= 20 s
  ASSERT_TRUE(st->onset_found);
  EXPECT_DOUBLE_EQ(st->onset_s, 115);
  EXPECT_DOUBLE_EQ(st->detected_s, 265);
  EXPECT_EQ(st->onset_index, 12u);
  // Latched: later healthy snapshots do not clear it.
  EXPECT_TRUE(m.update(270, 1)->onset_found);
}

// Healthy scores never alarm during the baseline, whatever they are: nothing is judged before it closes.
TEST(HealthIndex, NothingAlarmsBeforeTheBaselineCloses) {
  auto c = small_config();
  auto m = HealthMonitor::create(c);
  for (int i = 0; i < 10; ++i) {
    auto st = m->update(10.0 * i, i < 5 ? 1.0 : 1e6);
    EXPECT_FALSE(st->exceedance);
    EXPECT_FALSE(st->onset_found);
  }
}

// Healthy T^2 of two standard normal features (chi-square, 2 dof): over 300 series of 3000 post-baseline
// snapshots with a 50-snapshot baseline, the fraction with a false onset stays within the 1 % budget.
// The rule is designed for Laplace distances; a chi distance has a lighter tail, so the design is
// conservative here (0 or a few alarms expected). Bound 3 % = 1 % plus > 3 binomial sd for 300 series.
TEST(HealthIndex, FalseAlarmRateOnHealthyScoresIsWithinTheBudget) {
  HealthIndexConfig c;
  c.baseline_s = 490;
  c.baseline_min_snapshots = 50;
  std::mt19937_64 rng(2024);
  std::normal_distribution<double> normal;
  int alarms = 0;
  const int series = 300;
  for (int k = 0; k < series; ++k) {
    auto m = HealthMonitor::create(c);
    for (int i = 0; i < 3050; ++i) {
      const double z1 = normal(rng), z2 = normal(rng);
      ASSERT_TRUE(m->update(10.0 * i, z1 * z1 + z2 * z2));
    }
    alarms += m->state().onset_found ? 1 : 0;
  }
  EXPECT_LE(alarms, static_cast<int>(0.03 * series)) << alarms << " false onsets";
}

TEST(HealthIndex, UpdateAllocatesNothing) {
  auto m = fed_baseline(small_config());
  test::AllocationScope scope;
  double t = 90;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(m.update(t += 10, i % 7 == 0 ? 5.0 : 1.0));
  EXPECT_EQ(scope.allocations(), 0u);
}

TEST(HealthIndex, TrackHealthReplaysTheMonitor) {
  const auto c = small_config();
  std::vector<double> t, s;
  for (int i = 0; i < 30; ++i) {
    t.push_back(10.0 * i);
    s.push_back(i < 10 ? baseline_score(static_cast<std::size_t>(i)) : (i < 20 ? 1.0 : 9.0));
  }
  auto track = track_health(t, s, c);
  ASSERT_TRUE(track.has_value());
  ASSERT_EQ(track->health_index.size(), 30u);
  EXPECT_TRUE(track->final_state.onset_found);
  EXPECT_DOUBLE_EQ(track->final_state.onset_s, 200);
  EXPECT_NEAR(track->health_index.back(), 9.0 / std::pow(1.35, 2), 1e-9);  // s / s_ref
  EXPECT_DOUBLE_EQ(track->health_index[15], 1.0);
}

TEST(HealthIndex, RejectsMalformedSnapshotsAndLeavesTheStateUnchanged) {
  auto m = fed_baseline(small_config());
  ASSERT_TRUE(m.update(100, 1.0));
  const std::size_t n = m.count();
  EXPECT_EQ(m.update(100, 1.0).error().code, ErrorCode::invalid_argument);  // not after the previous
  EXPECT_EQ(m.update(50, 1.0).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(m.update(NAN, 1.0).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(m.update(110, -1.0).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(m.update(110, INFINITY).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(m.update(110, NAN).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(m.count(), n);
  EXPECT_TRUE(m.update(110, 1.0).has_value());

  const std::vector<double> t{0, 10}, s{1};
  EXPECT_EQ(track_health(t, s).error().code, ErrorCode::invalid_argument);
  const std::vector<double> t3{0, 10, 10}, s3{1, 1, 1};
  auto bad = track_health(t3, s3);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("snapshot 2"), std::string::npos) << bad.error().message;
}

TEST(HealthIndex, RejectsConfigValuesOutsideTheirDomainNamingTheField) {
  auto expect_bad = [](HealthIndexConfig c, const char* field) {
    auto m = HealthMonitor::create(c);
    ASSERT_FALSE(m.has_value()) << field;
    EXPECT_EQ(m.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(m.error().message.find(field), std::string::npos) << m.error().message;
  };
  HealthIndexConfig c;
  c.baseline_s = -1;
  expect_bad(c, "baseline_s");
  c = {};
  c.baseline_min_snapshots = 2;
  expect_bad(c, "baseline_min_snapshots");
  c = {};
  c.max_baseline_snapshots = 5;
  expect_bad(c, "max_baseline_snapshots");
  c = {};
  c.smoothing_s = NAN;
  expect_bad(c, "smoothing_s");
  c = {};
  c.persistence_s = -1;
  expect_bad(c, "persistence_s");
  c = {};
  c.reference_scales = -0.5;
  expect_bad(c, "reference_scales");
  c = {};
  c.false_alarm_probability = 1;
  expect_bad(c, "false_alarm_probability");
  c = {};
  c.design_s = 0;
  expect_bad(c, "design_s");
  EXPECT_EQ(alarm_multiplier(HealthIndexConfig{}, 1, 10).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(alarm_multiplier(HealthIndexConfig{}, 10, 0).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(alarm_multiplier(HealthIndexConfig{}, 10, NAN).error().code, ErrorCode::invalid_argument);
}

// A baseline capped at max_baseline_snapshots closes when full, even before baseline_s.
TEST(HealthIndex, BaselineClosesWhenItsMemoryBoundIsReached) {
  auto c = small_config();
  c.baseline_s = 1e9;
  c.max_baseline_snapshots = 10;
  auto m = fed_baseline(c);
  EXPECT_TRUE(m.state().baseline_ready);
  EXPECT_EQ(m.baseline().count, 10u);
  EXPECT_DOUBLE_EQ(m.baseline().end_s, 90);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
