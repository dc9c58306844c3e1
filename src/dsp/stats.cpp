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

  double sum = 0.0, sum_abs = 0.0, sum_sqrt_abs = 0.0, sum_sq = 0.0;
  double lo = x[0], hi = x[0];
  for (float v : x) {
    const double d = v;
    sum += d;
    sum_abs += std::abs(d);
    sum_sqrt_abs += std::sqrt(std::abs(d));
    sum_sq += d * d;
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  s.mean = sum / n;

  double m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (float v : x) {
    const double d = double(v) - s.mean;
    const double d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;

  const double mean_abs = sum_abs / n;
  const double mean_sqrt_abs = sum_sqrt_abs / n;
  s.rms = std::sqrt(sum_sq / n);
  s.std = std::sqrt(m2);
  s.peak = std::max(std::abs(lo), std::abs(hi));
  s.peak_to_peak = hi - lo;
  s.crest_factor = ratio(s.peak, s.rms);
  s.kurtosis = ratio(m4, m2 * m2);
  s.skewness = ratio(m3, m2 * std::sqrt(m2));
  s.shape_factor = ratio(s.rms, mean_abs);
  s.impulse_factor = ratio(s.peak, mean_abs);
  s.clearance_factor = ratio(s.peak, mean_sqrt_abs * mean_sqrt_abs);
  return s;
}

}  // namespace vigil::dsp
