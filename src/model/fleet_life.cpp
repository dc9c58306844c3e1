#include "model/fleet_life.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vigil::model {

Status validate(const FleetLife& f) {
  if (!(std::isfinite(f.shape) && f.shape > 0)) {
    return fail(ErrorCode::invalid_argument, "shape = {}: expected a finite value > 0", f.shape);
  }
  if (!(std::isfinite(f.scale_s) && f.scale_s > 0)) {
    return fail(ErrorCode::invalid_argument, "scale_s = {}: expected a finite value > 0", f.scale_s);
  }
  return {};
}

Result<FleetLife> fit_fleet_life(std::span<const double> lives_s) {
  const std::size_t n = lives_s.size();
  if (n < 3) return fail(ErrorCode::invalid_argument, "{} lives: the Weibull fit needs at least 3", n);
  double largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(std::isfinite(lives_s[i]) && lives_s[i] > 0)) {
      return fail(ErrorCode::invalid_argument, "life {} = {} s: expected a finite value > 0", i, lives_s[i]);
    }
    largest = std::max(largest, lives_s[i]);
  }
  // Scaled logs u_i = ln(t_i / t_max) <= 0 keep t^k from overflowing at large k.
  std::vector<double> u(n);
  double mean_u = 0;
  for (std::size_t i = 0; i < n; ++i) {
    u[i] = std::log(lives_s[i] / largest);
    mean_u += u[i] / static_cast<double>(n);
  }
  if (std::all_of(u.begin(), u.end(), [&](double x) { return x == u.front(); })) {
    return fail(ErrorCode::invalid_argument, "all {} lives are equal ({} s): no spread to fit a shape to", n,
                largest);
  }
  // g(k) = sum e^{k u} u / sum e^{k u} - 1/k - mean u rises from -inf to -mean u > 0.
  auto g = [&](double k) {
    double sw = 0, swu = 0;
    for (double x : u) {
      const double w = std::exp(k * x);
      sw += w;
      swu += w * x;
    }
    return swu / sw - 1 / k - mean_u;
  };
  double lo = 1e-3, hi = 1;
  while (g(hi) < 0) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (g(mid) < 0 ? lo : hi) = mid;
  }
  const double nd = static_cast<double>(n);
  FleetLife f;
  f.shape = 0.5 * (lo + hi) * (nd - 2) / (nd - 0.68);
  double mean_w = 0;
  for (double x : u) mean_w += std::exp(f.shape * x) / nd;
  f.scale_s = largest * std::pow(mean_w, 1 / f.shape);
  f.lives = n;
  return f;
}

double conditional_residual_quantile(const FleetLife& f, double age_s, double p) {
  const double hazard = std::pow(age_s / f.scale_s, f.shape) - std::log1p(-p);
  return std::max(0.0, f.scale_s * std::pow(hazard, 1 / f.shape) - age_s);
}

}  // namespace vigil::model
