// What the fleet says about one asset's remaining life when its own signals say nothing yet: the lives of
// assets of the same kind run to failure under the same conditions, as a Weibull law, conditioned on the
// asset having survived to its present age. Used by the RUL estimator (rul.hpp) before degradation is
// detected, and as a bound after.
#pragma once

#include <cstddef>
#include <span>

#include "core/error.hpp"

namespace vigil::model {

// Weibull life law S(t) = P(T > t) = exp(-(t / lambda)^k), fitted to complete lives t_1..t_n (n >= 3).
//
// Shape: the maximum-likelihood k_ML solves
//     sum t_i^k ln t_i / sum t_i^k - 1/k - mean ln t_i = 0
// (monotone in k; bisection on scaled lives), then Ross's small-sample bias correction
//     k = k_ML (n - 2) / (n - 0.68)
// (R. Ross, "Formulas to describe the bias and standard deviation of the ML-estimated Weibull shape
// parameter", IEEE Trans. Dielectrics and Electrical Insulation 1(2), 1994): with five lives the ML shape
// is ~40 % too large, i.e. the law too narrow and its intervals overconfident. Scale: the ML value at that
// shape, lambda = (mean t_i^k)^{1/k}.
//
// Conditional remaining life at age a (the asset has survived a): P(T - a <= r | T > a) = 1 - S(a + r) /
// S(a), whose p-quantile is
//     r_p(a) = lambda ((a / lambda)^k - ln(1 - p))^{1/k} - a.
// It is finite for every a and p < 1: the fleet never says "no failure foreseen".
struct FleetLife {
  double shape = 1;       // k > 0
  double scale_s = 1;     // lambda > 0
  std::size_t lives = 0;  // how many lives it was fitted to (0 = stated by hand)
};

// invalid_argument naming the field: values not finite or not > 0.
Status validate(const FleetLife& fleet);

// The law of lives_s (each finite and > 0). invalid_argument for fewer than 3 lives, a bad value (its
// index named), or lives that are all equal (no spread to fit a shape to).
Result<FleetLife> fit_fleet_life(std::span<const double> lives_s);

// r_p(age_s) above; p in (0, 1), age_s >= 0 (not checked: callers pass validated values).
double conditional_residual_quantile(const FleetLife& fleet, double age_s, double p);

}  // namespace vigil::model
