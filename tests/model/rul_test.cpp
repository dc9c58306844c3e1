// Bayesian exponential-degradation RUL (model/rul.hpp): the posterior against numpy, the residual-life law
// against a numpy Monte Carlo and against the deterministic limit, calibration on trajectories drawn from
// the model itself (coverage ~ nominal, width shrinks with data), prior learning recovering the parameters
// that generated synthetic lives, the estimator on a synthetic score series, and the error paths.
#include "model/rul.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "support/alloc_counter.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

DegradationPrior golden_prior() {
  DegradationPrior p;
  p.theta_mean = 0.5;
  p.beta_mean_per_s = 0.002;
  p.theta_var = 0.09;
  p.beta_var_per_s2 = 1e-6;
  p.theta_beta_cov_per_s = 1e-4;
  p.noise_var = 0.04;
  p.failure_log_level = 2.0;
  p.failure_log_level_var = 0.04;
  return p;
}

// numpy: C = inv(inv(S0) + X'X / s2), m = C (inv(S0) mu0 + X'L / s2) for tau = 0, 100, 250 s and
// L = 0.45, 0.8, 1.1. Tolerance 1e-9 relative: both are double-precision 2x2 solves.
TEST(Rul, PosteriorMatchesTheClosedFormBayesianRegression) {
  auto d = DegradationPosterior::create(golden_prior());
  ASSERT_TRUE(d.has_value()) << d.error().message;
  ASSERT_TRUE(d->add(0, 0.45));
  ASSERT_TRUE(d->add(100, 0.8));
  ASSERT_TRUE(d->add(250, 1.1));
  EXPECT_EQ(d->observations(), 3u);
  EXPECT_NEAR(d->theta_mean(), 0.52217899, 1e-8);
  EXPECT_NEAR(d->beta_mean_per_s(), 0.00224125, 1e-8);
  EXPECT_NEAR(d->theta_var(), 1.46303502e-02, 1e-9);
  EXPECT_NEAR(d->theta_beta_cov_per_s(), -3.73540856e-05, 1e-12);
  EXPECT_NEAR(d->beta_var_per_s2(), 4.35797665e-07, 1e-14);
  d->reset();
  EXPECT_EQ(d->observations(), 0u);
  EXPECT_NEAR(d->theta_mean(), 0.5, 1e-12);
  EXPECT_NEAR(d->beta_var_per_s2(), 1e-6, 1e-18);
}

// numpy Monte Carlo (8e6 draws of (theta, beta) from the posterior above and L_D ~ N(2, 0.04); alive now
// = below L_D at tau 250 s; failed within r = beta > 0 and above at 250 + r): P(RUL <= r | alive) and
// P(alive). Tolerance 2e-3: > 5 Monte Carlo standard errors, and the 64-point quadrature is far finer.
TEST(Rul, ResidualLifeLawMatchesMonteCarloFirstPassage) {
  auto d = DegradationPosterior::create(golden_prior());
  ASSERT_TRUE(d->add(0, 0.45) && d->add(100, 0.8) && d->add(250, 1.1));
  EXPECT_NEAR(d->survival_probability(250), 0.999871375, 2e-5);
  const std::vector<std::pair<double, double>> golden{
      {100, 0.007591351}, {300, 0.259868301}, {600, 0.779739544}, {1000, 0.950593520}, {3000, 0.997117504}};
  for (auto [r, p] : golden) EXPECT_NEAR(d->failure_probability_within(250, r), p, 2e-3) << r;
}

// With (theta, beta) and L_D known, the path is a line: RUL = (L_D - theta - beta tau_0) / beta.
TEST(Rul, NearlyKnownParametersGiveTheLineCrossingTime) {
  DegradationPrior p;
  p.theta_mean = 1;
  p.beta_mean_per_s = 1e-3;
  p.theta_var = 1e-12;
  p.beta_var_per_s2 = 1e-20;
  p.failure_log_level = 3;
  auto d = DegradationPosterior::create(p);
  ASSERT_TRUE(d.has_value());
  auto q = d->residual_life(500, RulConfig{});
  ASSERT_TRUE(q.has_value());
  EXPECT_NEAR(q->median_s, 1500, 1.0);
  EXPECT_NEAR(q->low_s, 1500, 1.0);
  EXPECT_NEAR(q->high_s, 1500, 1.0);
  // Past the failure level: RUL 0.
  auto past = d->residual_life(2500, RulConfig{});
  EXPECT_DOUBLE_EQ(past->median_s, 0);
  EXPECT_DOUBLE_EQ(past->high_s, 0);
}

// Paths that do not rise never fail: with beta ~ N(0, sd) half of them, so the median is the horizon.
TEST(Rul, QuantilesAboveTheProbabilityOfEverFailingAreTheHorizon) {
  DegradationPrior p;
  p.beta_mean_per_s = -1e-3;
  p.beta_var_per_s2 = 1e-6;
  p.failure_log_level = 2;
  auto d = DegradationPosterior::create(p);
  RulConfig c;
  c.horizon_s = 1e5;
  auto q = d->residual_life(0, c);
  ASSERT_TRUE(q.has_value());
  EXPECT_DOUBLE_EQ(q->median_s, 1e5);
  EXPECT_DOUBLE_EQ(q->high_s, 1e5);
  EXPECT_LT(q->low_s, 1e5);
}

// Trajectories drawn from the model itself (theta, beta from the prior, iid noise, a fixed failure level):
// at each observation count, among the assets still alive, the 90 % interval covers the true RUL at about
// the nominal rate (exact Bayes: the only slack is Monte Carlo, 600 draws -> sd ~1.3 %, bound +-5 %), and
// at a fixed prediction time the interval narrows as more of the path is observed.
TEST(Rul, IntervalCoversTheTruthAtTheNominalRateAndNarrowsWithData) {
  DegradationPrior p;
  p.theta_mean = 0.5;
  p.beta_mean_per_s = 1e-3;
  p.theta_var = 0.04;
  p.beta_var_per_s2 = 9e-8;  // sd 3e-4 /s: P(beta <= 0) ~ 4e-4
  p.noise_var = 0.05;
  p.failure_log_level = 2.5;
  const RulConfig config;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  const std::vector<std::size_t> counts{1, 5, 10, 20};
  std::vector<int> alive(counts.size(), 0), covered(counts.size(), 0);
  std::vector<double> width_prior, width_sparse, width_20;  // at tau = 1140 s
  for (int k = 0; k < 600; ++k) {
    const double theta = p.theta_mean + std::sqrt(p.theta_var) * normal(rng);
    const double beta = p.beta_mean_per_s + std::sqrt(p.beta_var_per_s2) * normal(rng);
    const double fail_tau = beta > 0 ? (p.failure_log_level - theta) / beta : INFINITY;
    std::vector<double> obs;
    for (int i = 0; i < 20; ++i) obs.push_back(theta + beta * 60 * i + std::sqrt(p.noise_var) * normal(rng));
    for (std::size_t c = 0; c < counts.size(); ++c) {
      const double tau_now = 60.0 * static_cast<double>(counts[c] - 1);
      if (fail_tau <= tau_now) continue;
      auto d = DegradationPosterior::create(p);
      for (std::size_t i = 0; i < counts[c]; ++i) ASSERT_TRUE(d->add(60.0 * static_cast<double>(i), obs[i]));
      auto q = d->residual_life(tau_now, config);
      ASSERT_TRUE(q.has_value());
      const double truth = fail_tau - tau_now;
      ++alive[c];
      covered[c] += (q->low_s <= truth && truth <= q->high_s) ? 1 : 0;
    }
    if (fail_tau > 1140) {
      auto prior_only = DegradationPosterior::create(p);
      auto sparse = DegradationPosterior::create(p);  // 6 of the 20 snapshots
      auto twenty = DegradationPosterior::create(p);
      for (std::size_t i = 0; i < 20; ++i) {
        ASSERT_TRUE(twenty->add(60.0 * static_cast<double>(i), obs[i]));
        if (i % 4 == 3 || i == 0) {
          ASSERT_TRUE(sparse->add(60.0 * static_cast<double>(i), obs[i]));
        }
      }
      auto width = [&](const DegradationPosterior& d) {
        auto q = d.residual_life(1140, config);
        return q->high_s - q->low_s;
      };
      width_prior.push_back(width(*prior_only));
      width_sparse.push_back(width(*sparse));
      width_20.push_back(width(*twenty));
    }
  }
  for (std::size_t c = 0; c < counts.size(); ++c) {
    ASSERT_GT(alive[c], 300);
    const double rate = static_cast<double>(covered[c]) / alive[c];
    EXPECT_NEAR(rate, 0.90, 0.05) << counts[c] << " observations, " << alive[c] << " alive";
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  EXPECT_GT(median(width_prior), median(width_sparse));
  EXPECT_GT(median(width_sparse), median(width_20));
}

// ---------------------------------------------------------------------------------------------------
// Synthetic lives: a healthy baseline whose distances alternate 0.9 / 1.1 (so the reference level s_ref is
// known from the monitor), healthy scores until onset_s, then s = s_ref exp(theta + beta tau + eps) until the
// noise-free path crosses L_D. theta is high enough that every post-onset snapshot is an exceedance, so the
// detected onset is the true one.
struct SyntheticLife {
  std::vector<double> time_s, score;
  double fail_s = 0;
};

HealthIndexConfig synthetic_health() {
  HealthIndexConfig h;
  h.baseline_s = 1200;
  h.smoothing_s = 0;
  return h;
}

double synthetic_reference_score() {
  auto m = HealthMonitor::create(synthetic_health());
  for (int i = 0; i <= 121; ++i) (void)m->update(10.0 * i, i % 2 == 0 ? 0.81 : 1.21);
  return std::exp(m->baseline().log_reference_score);
}

SyntheticLife synthetic_life(double theta, double beta, double noise_sd, double fail_level, double onset_s,
                             std::mt19937_64& rng) {
  static const double reference_score = synthetic_reference_score();
  std::normal_distribution<double> normal;
  SyntheticLife life;
  const double fail_tau = (fail_level - theta) / beta;
  for (double t = 0; t <= onset_s + fail_tau; t += 10) {
    life.time_s.push_back(t);
    if (t < onset_s) {
      life.score.push_back(static_cast<int>(t / 10) % 2 == 0 ? 0.81 : 1.21);
    } else {
      life.score.push_back(reference_score * std::exp(theta + beta * (t - onset_s) + noise_sd * normal(rng)));
    }
  }
  life.fail_s = onset_s + fail_tau;
  return life;
}

// 200 lives drawn from a known population: the learned mu_0, Sigma_0, sigma^2 and L_D are the generating
// ones within a few standard errors (200 lives: se(mean theta) = 0.3 / sqrt(200) ~ 0.02).
TEST(Rul, LearnedPriorRecoversThePopulationThatGeneratedTheLives) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal;
  std::vector<SyntheticLife> lives;
  for (int k = 0; k < 200; ++k) {
    const double theta = 2.0 + 0.3 * normal(rng);
    const double beta = 2e-3 + 4e-4 * normal(rng);
    lives.push_back(synthetic_life(theta, beta, 0.1, 5.0, 2000, rng));
  }
  std::vector<std::string> names;
  for (std::size_t k = 0; k < lives.size(); ++k) names.push_back("life" + std::to_string(k));
  std::vector<ScoreSeries> series;
  for (std::size_t k = 0; k < lives.size(); ++k)
    series.push_back({names[k], lives[k].time_s, lives[k].score});
  auto fit = learn_prior(series, synthetic_health());
  ASSERT_TRUE(fit.has_value()) << fit.error().message;
  const DegradationPrior& p = fit->prior;
  EXPECT_EQ(p.training_assets, 200u);
  for (const auto& a : fit->assets) {
    ASSERT_TRUE(a.used) << a.name;
    ASSERT_DOUBLE_EQ(a.onset_s, 2000) << a.name;
  }
  EXPECT_NEAR(p.theta_mean, 2.0, 0.1);
  EXPECT_NEAR(std::sqrt(p.theta_var), 0.3, 0.06);
  EXPECT_NEAR(p.beta_mean_per_s, 2e-3, 1e-4);
  EXPECT_NEAR(std::sqrt(p.beta_var_per_s2), 4e-4, 8e-5);
  EXPECT_NEAR(std::sqrt(p.noise_var), 0.1, 0.01);
  // The last snapshot is within one 10 s step (<= 0.03 in L) of the crossing, plus noise sd 0.1.
  EXPECT_NEAR(p.failure_log_level, 5.0, 0.05);
  EXPECT_NEAR(std::sqrt(p.failure_log_level_var), 0.1, 0.03);
}

// A fleet law whose statement is far later than any degradation law here, so the latter decides.
constexpr FleetLife k_long_fleet{.shape = 1, .scale_s = 1e9, .lives = 0};

// The estimator on one synthetic life: before the onset it gives the fleet's conditional law at the
// asset's age; after it, the interval holds the truth at several times and narrows as the posterior learns
// this asset.
TEST(Rul, EstimatorTracksASyntheticLifeFromItsScores) {
  std::mt19937_64 rng(3);
  const SyntheticLife life = synthetic_life(1.5, 1e-3, 0.1, 4.0, 3000, rng);  // fails at 5500 s
  DegradationPrior p;
  p.theta_mean = 1.2;
  p.beta_mean_per_s = 8e-4;
  p.theta_var = 0.25;
  p.beta_var_per_s2 = 2.5e-7;
  p.noise_var = 0.01;
  p.failure_log_level = 4.0;
  RulConfig c;
  c.health = synthetic_health();
  const FleetLife fleet{.shape = 2, .scale_s = 1e5, .lives = 0};
  auto e = RulEstimator::create(c, p, fleet);
  ASSERT_TRUE(e.has_value()) << e.error().message;
  std::vector<double> widths;
  for (std::size_t i = 0; i < life.time_s.size(); ++i) {
    const double t = life.time_s[i];
    auto r = e->update(t, life.score[i]);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    if (t < 3000) {
      ASSERT_FALSE(r->onset_found) << t;
      ASSERT_EQ(r->observations, 0u);
      ASSERT_EQ(r->basis, RulBasis::fleet);
      ASSERT_DOUBLE_EQ(r->age_s, t);
      ASSERT_DOUBLE_EQ(r->rul_s, conditional_residual_quantile(fleet, t, 0.5));
      ASSERT_DOUBLE_EQ(r->rul_low_s, conditional_residual_quantile(fleet, t, 0.05));
    }
    if (t == 3100 || t == 3500 || t == 4500 || t == 5300) {
      ASSERT_TRUE(r->onset_found);
      EXPECT_DOUBLE_EQ(r->onset_s, 3000);
      EXPECT_EQ(r->observations, static_cast<std::size_t>((t - 3000) / 10 + 1));
      EXPECT_EQ(r->basis, RulBasis::degradation);
      const double truth = life.fail_s - t;
      EXPECT_LE(r->rul_low_s, truth) << t;
      EXPECT_GE(r->rul_high_s, truth) << t;
      widths.push_back(r->rul_high_s - r->rul_low_s);
    }
  }
  ASSERT_EQ(widths.size(), 4u);
  for (std::size_t i = 1; i < widths.size(); ++i) EXPECT_LT(widths[i], widths[i - 1]) << i;
}

TEST(Rul, EstimatorUpdateAllocatesNothing) {
  std::mt19937_64 rng(5);
  const SyntheticLife life = synthetic_life(1.5, 1e-3, 0.1, 4.0, 1500, rng);
  DegradationPrior p;
  p.theta_mean = 1.2;
  p.beta_mean_per_s = 8e-4;
  p.beta_var_per_s2 = 2.5e-7;
  p.failure_log_level = 4.0;
  RulConfig c;
  c.health = synthetic_health();
  auto e = RulEstimator::create(c, p, k_long_fleet);
  test::AllocationScope scope;
  for (std::size_t i = 0; i < life.time_s.size(); ++i) ASSERT_TRUE(e->update(life.time_s[i], life.score[i]));
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_TRUE(e->monitor().state().onset_found);
}

TEST(Rul, RejectsPriorsAndConfigsOutsideTheirDomain) {
  auto expect_bad = [](DegradationPrior p, const char* what) {
    auto d = DegradationPosterior::create(p);
    ASSERT_FALSE(d.has_value()) << what;
    EXPECT_EQ(d.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(d.error().message.find(what), std::string::npos) << d.error().message;
  };
  DegradationPrior p;
  p.theta_var = 0;
  expect_bad(p, "theta_var");
  p = {};
  p.beta_var_per_s2 = -1;
  expect_bad(p, "beta_var_per_s2");
  p = {};
  p.theta_beta_cov_per_s = 1.0;  // |cov| > sqrt(1 * 1e-6)
  expect_bad(p, "positive definite");
  p = {};
  p.noise_var = 0;
  expect_bad(p, "noise_var");
  p = {};
  p.failure_log_level_var = -0.1;
  expect_bad(p, "failure_log_level_var");
  p = {};
  p.phi = 1;
  expect_bad(p, "phi");
  p = {};
  p.theta_mean = NAN;
  expect_bad(p, "not finite");

  auto d = DegradationPosterior::create(DegradationPrior{});
  RulConfig c;
  EXPECT_EQ(d->residual_life(-1, c).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(d->add(NAN, 1).error().code, ErrorCode::invalid_argument);
  c.interval_probability = 1;
  EXPECT_NE(d->residual_life(0, c).error().message.find("interval_probability"), std::string::npos);
  c = {};
  c.horizon_s = 0;
  EXPECT_NE(d->residual_life(0, c).error().message.find("horizon_s"), std::string::npos);
  c = {};
  c.point.fleet = 1;
  EXPECT_NE(d->residual_life(0, c).error().message.find("point.fleet"), std::string::npos);
  c = {};
  c.point.degradation = 0;
  EXPECT_NE(d->residual_life(0, c).error().message.find("point.degradation"), std::string::npos);
  c = {};
  c.health.persistence_s = -1;
  EXPECT_FALSE(RulEstimator::create(c, DegradationPrior{}, k_long_fleet).has_value());
  auto no_fleet = RulEstimator::create(RulConfig{}, DegradationPrior{}, FleetLife{.shape = -1});
  ASSERT_FALSE(no_fleet.has_value());
  EXPECT_NE(no_fleet.error().message.find("fleet life"), std::string::npos);
  auto e = RulEstimator::create(RulConfig{}, DegradationPrior{}, k_long_fleet);
  EXPECT_EQ(e->estimate({}).error().code, ErrorCode::not_found);  // no snapshot yet
  ASSERT_TRUE(e->observe(0, 1));
  EXPECT_EQ(e->estimate({.fleet = 0, .degradation = 0.5}).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(e->estimate({.fleet = 0.5, .degradation = 1}).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(d->add(1, 1, 0).error().code, ErrorCode::invalid_argument);  // weight outside (0, 1]
}

// Interval invariance: the same synthetic life seen at 10 s and at every 15th snapshot (150 s, the thinned
// FEMTO copy's interval) with the default, smoothed health index: each estimate lies inside the other's
// 90 % interval at common times. The weights
// min(1, dt / smoothing_s) make the posterior depend on the stretch of life seen, not on the snapshot
// count: the 15 times denser series is not 15 times more certain (interval widths within a factor 2).
TEST(Rul, EstimateIsInvariantToTheSnapshotIntervalWithinItsInterval) {
  std::mt19937_64 rng(17);
  std::normal_distribution<double> normal;
  // Healthy scores: chi-square with 2 degrees of freedom (mean 2); from 6000 s the log-score rises by
  // 1e-3 per second (noise sd 0.1), so ln HI ~ 0.4 + 1e-3 tau reaches the failure level 4 near 9600 s. The
  // prior is that population's.
  const DegradationPrior p{.theta_mean = 0.5,
                           .beta_mean_per_s = 1e-3,
                           .theta_var = 0.25,
                           .beta_var_per_s2 = 1e-7,
                           .theta_beta_cov_per_s = 0,
                           .noise_var = 0.05,
                           .failure_log_level = 4.0,
                           .failure_log_level_var = 0.04,
                           .phi = 0,
                           .training_assets = 0};
  const RulConfig c;  // default health index: 1200 s baseline, 300 s smoothing, 20 s persistence
  const double onset_s = 6000;
  std::vector<double> t, s;
  for (int i = 0; 10.0 * i <= 9600; ++i) {
    t.push_back(10.0 * i);
    const double z1 = normal(rng), z2 = normal(rng);
    const double healthy = z1 * z1 + z2 * z2;
    const double tau = t.back() - onset_s;
    s.push_back(tau < 0 ? healthy : healthy * std::exp(2.0 + 1e-3 * tau + 0.1 * normal(rng)));
  }
  auto full = RulEstimator::create(c, p, k_long_fleet);
  auto thin = RulEstimator::create(c, p, k_long_fleet);
  std::vector<std::pair<RulEstimate, RulEstimate>> common;
  for (std::size_t i = 0; i < t.size(); ++i) {
    ASSERT_TRUE(full->observe(t[i], s[i]));
    if (i % 15 != 0) continue;
    ASSERT_TRUE(thin->observe(t[i], s[i]));
    if (t[i] >= 7200 && static_cast<int>(t[i]) % 600 == 0) {
      common.emplace_back(*full->estimate(c.point), *thin->estimate(c.point));
    }
  }
  ASSERT_TRUE(full->monitor().state().onset_found);
  ASSERT_TRUE(thin->monitor().state().onset_found);
  // The thinned monitor's baseline holds 9 snapshots instead of 121, so its alarm threshold is higher
  // (k = 7.1 against 3.7 for the same false-alarm budget per second) and it alarms later; the index's
  // reference (m + 3.5 b) does not move with the interval, which is what keeps the estimates together.
  EXPECT_GE(thin->monitor().state().onset_s, full->monitor().state().onset_s - 150);
  EXPECT_LE(thin->monitor().state().onset_s, full->monitor().state().onset_s + 900);
  ASSERT_GE(common.size(), 4u);
  for (const auto& [a, b] : common) {
    SCOPED_TRACE(a.time_s);
    fmt::print("t {:.0f} s: every 10 s {:.0f} s [{:.0f}, {:.0f}]; every 150 s {:.0f} s [{:.0f}, {:.0f}]\n",
               a.time_s, a.rul_s, a.rul_low_s, a.rul_high_s, b.rul_s, b.rul_low_s, b.rul_high_s);
    EXPECT_EQ(a.basis, RulBasis::degradation);
    EXPECT_GE(b.rul_s, a.rul_low_s);
    EXPECT_LE(b.rul_s, a.rul_high_s);
    EXPECT_GE(a.rul_s, b.rul_low_s);
    EXPECT_LE(a.rul_s, b.rul_high_s);
    const double wa = a.rul_high_s - a.rul_low_s, wb = b.rul_high_s - b.rul_low_s;
    EXPECT_LT(wb / wa, 2.0);
    EXPECT_GT(wb / wa, 0.5);
  }
}

// Lives that never leave their baseline teach nothing: the error names each and why.
TEST(Rul, LearningNeedsTwoLivesWithAnOnset) {
  std::vector<double> t, flat, rising;
  for (int i = 0; i < 400; ++i) {
    t.push_back(10.0 * i);
    flat.push_back(i % 2 == 0 ? 0.81 : 1.21);
    rising.push_back(i < 300 ? flat.back() : 100.0 * std::exp(0.01 * (i - 300)));
  }
  const std::vector<ScoreSeries> one{{"flat_a", t, flat}, {"rising", t, rising}, {"flat_b", t, flat}};
  auto r = learn_prior(one, synthetic_health());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("1 of 3"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("flat_a: no onset"), std::string::npos) << r.error().message;
  const std::vector<ScoreSeries> two{{"rising_a", t, rising}, {"rising_b", t, rising}};
  auto ok = learn_prior(two, synthetic_health());
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->prior.training_assets, 2u);
  EXPECT_EQ(learn_prior(two, synthetic_health(), 1.0).error().code, ErrorCode::invalid_argument);
  const std::vector<double> short_t{0, 10};
  const std::vector<ScoreSeries> bad{{"bad", short_t, flat}};
  auto b = learn_prior(bad, synthetic_health());
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().message.find("bad"), std::string::npos);
}

// The 0..1 health of a health index, by hand: with phi = 0 and failure level ln D = 4, HI = 1 is 1, HI = e^4
// is 0 and HI = e^2 is halfway (log-linear); with phi = -1, HI = 1 is still 1 and HI = e^4 - 1 is 0; outside
// the range it is clamped, and a prior with no range says 1.
TEST(Rul, HealthShareIsOneAtTheBaselineZeroAtTheFailureLevelAndLogLinearBetween) {
  DegradationPrior p;
  p.failure_log_level = 4;
  EXPECT_DOUBLE_EQ(health_share(p, 1), 1);
  EXPECT_NEAR(health_share(p, std::exp(4.0)), 0, 1e-12);
  EXPECT_NEAR(health_share(p, std::exp(2.0)), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(health_share(p, std::exp(9.0)), 0);
  p.phi = -1;
  EXPECT_NEAR(health_share(p, 1), 1, 1e-12);
  EXPECT_NEAR(health_share(p, std::exp(4.0) - 1), 0, 1e-12);
  p.failure_log_level = std::log(2.0);  // D - phi = 2 = 1 - phi: no range
  EXPECT_DOUBLE_EQ(health_share(p, 5), 1);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
