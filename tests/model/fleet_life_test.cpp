// Fleet life law (model/fleet_life.hpp): the Weibull fit against an independent fit (Python: golden-section
// search on the profile log-likelihood, then Ross's factor by hand), the conditional quantile against
// hand-computed values and against a Monte Carlo of the conditional law, and the error paths.
#include "model/fleet_life.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::model {
namespace VIGIL_TEST_FILE {

// Five lives; Python (golden section on the profile log-likelihood of the shape, 300 iterations):
// k_ML = 2.693099831908138, k = k_ML * 3 / 4.32 = 1.8702082166028733, lambda at k = 10064.557462691568.
TEST(FleetLife, FitIsTheMaximumLikelihoodShapeWithRossCorrectionAndItsScale) {
  const std::vector<double> lives{9100, 5140, 16360, 7960, 8700};
  auto f = fit_fleet_life(lives);
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_NEAR(f->shape, 1.8702082166028733, 1e-6);  // golden section: ~sqrt(eps) relative
  EXPECT_NEAR(f->scale_s, 10064.557462691568, 1e-4);
  EXPECT_EQ(f->lives, 5u);
  // The law does not depend on the unit of time: lives in minutes give the same shape, scale / 60.
  std::vector<double> minutes;
  for (double x : lives) minutes.push_back(x / 60);
  auto g = fit_fleet_life(minutes);
  EXPECT_NEAR(g->shape, f->shape, 1e-9);
  EXPECT_NEAR(g->scale_s * 60, f->scale_s, 1e-6);
}

// r_p(a) = lambda ((a / lambda)^k - ln(1 - p))^{1/k} - a by hand:
// k = 2, lambda = 1000, a = 500, p = 0.5: 1000 sqrt(0.25 + ln 2) - 500 = 471.15764969439715;
// a = 0: the unconditional quantile lambda (-ln(1 - p))^{1/k}; k = 1: memoryless, the same at every age.
TEST(FleetLife, ConditionalQuantileMatchesHandComputedValues) {
  const FleetLife f{.shape = 2, .scale_s = 1000, .lives = 0};
  EXPECT_NEAR(conditional_residual_quantile(f, 500, 0.5), 471.15764969439715, 1e-9);
  EXPECT_NEAR(conditional_residual_quantile(f, 0, 0.5), 1000 * std::sqrt(std::log(2.0)), 1e-9);
  const FleetLife exp_law{.shape = 1, .scale_s = 2000, .lives = 0};
  for (double a : {0.0, 100.0, 5000.0, 1e6}) {
    EXPECT_NEAR(conditional_residual_quantile(exp_law, a, 0.2), -2000 * std::log(0.8), 1e-6 * (1 + a)) << a;
  }
  // The fitted law of the test above at age 3000 s, 20 % quantile (Python, same formula): 2537.3187 s.
  const FleetLife fitted{.shape = 1.8702082166028733, .scale_s = 10064.557462691568, .lives = 5};
  EXPECT_NEAR(conditional_residual_quantile(fitted, 3000, 0.2), 2537.318715008694, 1e-6);
  // Wear-out (k > 1): the older the asset, the less life it has left; quantiles increase with p.
  EXPECT_LT(conditional_residual_quantile(f, 2000, 0.5), conditional_residual_quantile(f, 500, 0.5));
  EXPECT_LT(conditional_residual_quantile(f, 500, 0.1), conditional_residual_quantile(f, 500, 0.9));
}

// Monte Carlo: lives drawn from the law, kept when they exceed the age; the empirical p-quantile of what is
// left is r_p(a) within sampling error.
TEST(FleetLife, ConditionalQuantileMatchesMonteCarloOfTheSurvivors) {
  const FleetLife f{.shape = 1.5, .scale_s = 8000, .lives = 0};
  std::mt19937_64 rng(7);
  std::weibull_distribution<double> law(f.shape, f.scale_s);
  const double age = 6000;
  std::vector<double> left;
  while (left.size() < 200000) {
    const double t = law(rng);
    if (t > age) left.push_back(t - age);
  }
  std::sort(left.begin(), left.end());
  for (double p : {0.1, 0.3, 0.5, 0.9}) {
    const double empirical = left[static_cast<std::size_t>(p * static_cast<double>(left.size()))];
    EXPECT_NEAR(conditional_residual_quantile(f, age, p), empirical, 0.01 * empirical + 5) << p;
  }
}

TEST(FleetLife, RejectsTooFewLivesBadValuesAndNoSpread) {
  const std::vector<double> two{1000, 2000};
  EXPECT_NE(fit_fleet_life(two).error().message.find("at least 3"), std::string::npos);
  const std::vector<double> bad{1000, -5, 2000};
  auto b = fit_fleet_life(bad);
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().message.find("life 1"), std::string::npos) << b.error().message;
  const std::vector<double> inf{1000, 2000, INFINITY};
  EXPECT_EQ(fit_fleet_life(inf).error().code, ErrorCode::invalid_argument);
  const std::vector<double> same{3000, 3000, 3000};
  EXPECT_NE(fit_fleet_life(same).error().message.find("equal"), std::string::npos);
  EXPECT_NE(validate(FleetLife{.shape = 0, .scale_s = 1, .lives = 0}).error().message.find("shape"),
            std::string::npos);
  EXPECT_NE(validate(FleetLife{.shape = 1, .scale_s = NAN, .lives = 0}).error().message.find("scale_s"),
            std::string::npos);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
