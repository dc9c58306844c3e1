// RUL on the edge: windows every 0.5 s, one snapshot every 10 s of source time, gives at every snapshot the
// estimate `vigil rul` gives for the same snapshots recorded as a life (model::replay_rul, the batch path
// the evaluation scores): the online scoring against the asset's baseline is the offline one. Nothing
// before the baseline closes; nothing allocated after.
#include "edge/rul_tracker.hpp"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "support/alloc_counter.hpp"

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

model::RulModel model_for_test() {
  model::RulModel m;
  m.prior = {.theta_mean = 0.3,
             .beta_mean_per_s = 7.25e-4,
             .theta_var = 0.21,
             .beta_var_per_s2 = 9.1e-7,
             .theta_beta_cov_per_s = -1.3e-4,
             .noise_var = 0.07,
             .failure_log_level = 1.59,
             .failure_log_level_var = 0.4,
             .phi = 0,
             .training_assets = 6};
  m.fleet = {.shape = 1.7, .scale_s = 11234.5, .lives = 6};
  m.config.health.baseline_s = 600;
  m.config.interval_probability = 0.8;
  m.config.point = {.fleet = 0.2, .degradation = 0.3};
  return m;
}

// ln RMS and ln kurtosis at time t: healthy noise, then RMS growing exponentially from 3000 s.
struct Signal {
  std::mt19937_64 rng{5};
  std::normal_distribution<double> normal;
  std::pair<double, double> at(double t) {
    const double growth = t > 3000 ? 0.8 * (std::exp((t - 3000) / 1500) - 1) : 0;
    return {std::log(0.5) + 0.05 * normal(rng) + growth, std::log(3.0) + 0.05 * normal(rng) + 0.3 * growth};
  }
};

TEST(RulTracker, GivesAtEverySnapshotWhatTheRecordedLifeGives) {
  const model::RulModel m = model_for_test();
  auto tracker = RulTracker::create(m);
  ASSERT_TRUE(tracker.has_value()) << tracker.error().message;
  Signal signal;
  const std::vector<float> schema(model::k_feature_count, 0.0f);
  model::LifeFeatures life;
  life.name = "online";
  std::size_t estimates = 0, compared = 0;
  bool degradation_seen = false;
  for (int k = 0; k < 2 * 6000; ++k) {  // 6000 s of windows every 0.5 s
    const double t = 1000 + 0.5 * k;
    const auto [ln_rms, ln_kurt] = signal.at(t);
    const bool snapshot = k % 20 == 0;  // the tracker's 10 s cadence
    if (snapshot) {
      life.time_s.push_back(t);
      life.features.push_back({ln_rms, ln_kurt});
      life.schema.push_back({});
    }
    test::AllocationScope scope;
    auto r = tracker->add(t, std::exp(ln_rms), std::exp(ln_kurt), schema);
    const std::size_t allocations = scope.allocations();
    ASSERT_TRUE(r.has_value()) << r.error().message;
    if (!snapshot) {
      EXPECT_FALSE(r->has_value()) << t;
      continue;
    }
    if (!tracker->baseline_closed() || !r->has_value()) {
      EXPECT_LE(t - 1000, m.config.health.baseline_s + 10) << "the baseline closes after baseline_s";
      continue;
    }
    ++estimates;
    if (life.time_s.size() > 62) {
      EXPECT_EQ(allocations, 0u) << t;
    }
    degradation_seen = degradation_seen || (*r)->basis == model::RulBasis::degradation;
    if (k % 400 != 0) continue;  // the batch replay is O(n): compare every 200 s
    auto batch = model::replay_rul(m, life);
    ASSERT_TRUE(batch.has_value()) << batch.error().message;
    EXPECT_NEAR((*r)->rul_s, batch->estimate.rul_s, 1e-6 * std::max(1.0, batch->estimate.rul_s)) << t;
    EXPECT_NEAR((*r)->rul_low_s, batch->estimate.rul_low_s, 1e-6 * std::max(1.0, batch->estimate.rul_low_s));
    EXPECT_NEAR((*r)->health_index, batch->estimate.health_index, 1e-9) << t;
    EXPECT_EQ((*r)->basis, batch->estimate.basis) << t;
    ++compared;
  }
  EXPECT_GT(estimates, 500u);
  // Health on the 0..1 scale: 1 for the healthy index, 0 at the prior's failure level, log-linear between.
  model::RulEstimate e;
  e.health_index = 1;
  EXPECT_DOUBLE_EQ(tracker->health(e), 1.0);
  e.health_index = std::exp(m.prior.failure_log_level);
  EXPECT_NEAR(tracker->health(e), 0.0, 1e-12);
  e.health_index = std::exp(m.prior.failure_log_level / 2);
  EXPECT_NEAR(tracker->health(e), 0.5, 1e-12);
  e.health_index = 1e9;
  EXPECT_EQ(tracker->health(e), 0.0);
  EXPECT_GT(compared, 20u);
  EXPECT_TRUE(degradation_seen) << "the growing RMS is found as degradation";
}

TEST(RulTracker, RefusesADeadChannelAndABadModel) {
  auto tracker = RulTracker::create(model_for_test());
  ASSERT_TRUE(tracker.has_value());
  const std::vector<float> schema(model::k_feature_count, 0.0f);
  EXPECT_FALSE(tracker->add(0, 0.0, 3.0, schema).has_value());  // RMS 0: no logarithm
  model::RulModel bad = model_for_test();
  bad.fleet.shape = -1;
  EXPECT_FALSE(RulTracker::create(bad).has_value());
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
