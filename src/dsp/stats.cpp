#include "dsp/stats.hpp"

#include <algorithm>
#include <cmath>

namespace vigil::dsp {
namespace {
double ratio(double numerator, double denominator) {
  return denominator > 0.0 ? numerator / denominator : 0.0;
}
}  // namespace

TimeStats time_stats(std::span<const float> x) {
  TimeStats s;
  if (x.empty()) return s;
  const double n = double(x.size());
  // Each pass keeps k_lanes independent accumulators (sample i goes to lane i mod k_lanes, the tail to lane
  // 0) and adds them at the end: the dependency chain of a running sum would otherwise bound the loop at one
  // add per cycle, and the lanes let the compiler use SIMD (SLP) without reassociating our sums. The result
  // differs from a single running sum only by rounding order (~1e-16 relative).
  constexpr std::size_t k_lanes = 4;
  const std::size_t blocked = x.size() / k_lanes * k_lanes;

  double sum[k_lanes] = {}, sum_abs[k_lanes] = {}, sum_sqrt_abs[k_lanes] = {}, sum_sq[k_lanes] = {};
  double lo[k_lanes], hi[k_lanes];
  for (std::size_t k = 0; k < k_lanes; ++k) lo[k] = hi[k] = x[0];
  auto first_pass = [&](std::size_t k, float v) {
    const double d = v;
    sum[k] += d;
    sum_abs[k] += std::abs(d);
    sum_sqrt_abs[k] += double(std::sqrt(std::abs(v)));  // float sqrt: correctly rounded, ~6e-8 relative
    sum_sq[k] += d * d;
    lo[k] = std::min(lo[k], d);
    hi[k] = std::max(hi[k], d);
  };
  for (std::size_t i = 0; i < blocked; i += k_lanes) {
    for (std::size_t k = 0; k < k_lanes; ++k) first_pass(k, x[i + k]);
  }
  for (std::size_t i = blocked; i < x.size(); ++i) first_pass(0, x[i]);
  for (std::size_t k = 1; k < k_lanes; ++k) {
    sum[0] += sum[k];
    sum_abs[0] += sum_abs[k];
    sum_sqrt_abs[0] += sum_sqrt_abs[k];
    sum_sq[0] += sum_sq[k];
    lo[0] = std::min(lo[0], lo[k]);
    hi[0] = std::max(hi[0], hi[k]);
  }
  s.mean = sum[0] / n;

  double c2[k_lanes] = {}, c3[k_lanes] = {}, c4[k_lanes] = {};
  auto second_pass = [&](std::size_t k, float v) {
    const double d = double(v) - s.mean;
    const double d2 = d * d;
    c2[k] += d2;
    c3[k] += d2 * d;
    c4[k] += d2 * d2;
  };
  for (std::size_t i = 0; i < blocked; i += k_lanes) {
    for (std::size_t k = 0; k < k_lanes; ++k) second_pass(k, x[i + k]);
  }
  for (std::size_t i = blocked; i < x.size(); ++i) second_pass(0, x[i]);
  const double m2 = (c2[0] + c2[1] + c2[2] + c2[3]) / n;
  const double m3 = (c3[0] + c3[1] + c3[2] + c3[3]) / n;
  const double m4 = (c4[0] + c4[1] + c4[2] + c4[3]) / n;
  const double lo_all = lo[0], hi_all = hi[0];

  const double mean_abs = sum_abs[0] / n;
  const double mean_sqrt_abs = sum_sqrt_abs[0] / n;
  s.rms = std::sqrt(sum_sq[0] / n);
  s.std = std::sqrt(m2);
  s.peak = std::max(std::abs(lo_all), std::abs(hi_all));
  s.peak_to_peak = hi_all - lo_all;
  s.crest_factor = ratio(s.peak, s.rms);
  s.kurtosis = ratio(m4, m2 * m2);
  s.skewness = ratio(m3, m2 * std::sqrt(m2));
  s.shape_factor = ratio(s.rms, mean_abs);
  s.impulse_factor = ratio(s.peak, mean_abs);
  s.clearance_factor = ratio(s.peak, mean_sqrt_abs * mean_sqrt_abs);
  return s;
}

}  // namespace vigil::dsp
