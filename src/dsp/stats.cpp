#include "dsp/stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace vigil::dsp {
namespace {

double ratio(double numerator, double denominator) {
  return denominator > 0.0 ? numerator / denominator : 0.0;
}

// Four float lanes in one SIMD register (GCC/Clang vector extensions, SSE2 on any x86-64): plain C++
// would keep float reductions serial, since reordering them is not allowed without -ffast-math.
using Float4 = float __attribute__((vector_size(16)));

Float4 sqrt4(Float4 v) {
#if defined(__SSE2__)
  return _mm_sqrt_ps(v);  // correctly rounded, like std::sqrt
#else
  for (int k = 0; k < 4; ++k) v[k] = std::sqrt(v[k]);
  return v;
#endif
}

using Int4 = int __attribute__((vector_size(16)));
// |v| by clearing the sign bits: one AND instead of a compare and a select.
Float4 abs4(Float4 v) { return std::bit_cast<Float4>(std::bit_cast<Int4>(v) & 0x7fffffff); }
Float4 min4(Float4 a, Float4 b) { return a < b ? a : b; }
Float4 max4(Float4 a, Float4 b) { return a > b ? a : b; }
double total(Float4 v) { return (double(v[0]) + double(v[1])) + (double(v[2]) + double(v[3])); }

// Power sums of d = x - pilot and of |x|, sqrt|x|, with the extremes of x.
struct Sums {
  double d1 = 0, d2 = 0, d3 = 0, d4 = 0;
  double abs = 0, sqrt_abs = 0;
  float lo = 0, hi = 0;
};

// One pass over x: eight float lanes (two registers per sum) over blocks of k_block samples, each block's
// lanes added into double. Rounding therefore stays at the float precision of one block's 64 terms per lane
// (~1e-7 relative, a few 1e-7 at worst) rather than growing with the window.
Sums power_sums(std::span<const float> x, float pilot) {
  constexpr std::size_t k_block = 512;
  Sums s;
  const Float4 p = {pilot, pilot, pilot, pilot};
  const Float4 first = {x[0], x[0], x[0], x[0]};
  Float4 lo[2] = {first, first}, hi[2] = {first, first};
  const std::size_t n = x.size();
  std::size_t i = 0;
  while (i + 8 <= n) {
    const std::size_t end = std::min(n, i + k_block);
    Float4 s1[2] = {}, s2[2] = {}, s3[2] = {}, s4[2] = {}, a[2] = {}, q[2] = {};
    for (; i + 8 <= end; i += 8) {
      for (int h = 0; h < 2; ++h) {
        Float4 v;
        std::memcpy(&v, x.data() + i + 4 * h, sizeof v);
        const Float4 d = v - p;
        const Float4 d2 = d * d;
        const Float4 m = abs4(v);
        s1[h] += d;
        s2[h] += d2;
        s3[h] += d2 * d;
        s4[h] += d2 * d2;
        a[h] += m;
        q[h] += sqrt4(m);
        lo[h] = min4(lo[h], v);
        hi[h] = max4(hi[h], v);
      }
    }
    s.d1 += total(s1[0] + s1[1]);
    s.d2 += total(s2[0] + s2[1]);
    s.d3 += total(s3[0] + s3[1]);
    s.d4 += total(s4[0] + s4[1]);
    s.abs += total(a[0] + a[1]);
    s.sqrt_abs += total(q[0] + q[1]);
  }
  const Float4 l = min4(lo[0], lo[1]), u = max4(hi[0], hi[1]);
  s.lo = std::min({l[0], l[1], l[2], l[3]});
  s.hi = std::max({u[0], u[1], u[2], u[3]});
  for (; i < n; ++i) {  // the last < 8 samples
    const double d = double(x[i]) - double(pilot);
    s.d1 += d;
    s.d2 += d * d;
    s.d3 += d * d * d;
    s.d4 += d * d * d * d;
    s.abs += std::abs(double(x[i]));
    s.sqrt_abs += double(std::sqrt(std::abs(x[i])));
    s.lo = std::min(s.lo, x[i]);
    s.hi = std::max(s.hi, x[i]);
  }
  return s;
}

// The pilot: the mean of the first samples rounded to a multiple of the power of two at or above their range.
// It lies within about one range of the mean (so the central moments below lose little to cancellation), and
// it is exactly 0 for a zero-mean vibration signal and a round value for an offset one, so that d = x - pilot
// is often exact.
float pilot_of(std::span<const float> x) {
  const std::size_t count = std::min<std::size_t>(x.size(), 64);
  double sum = 0;
  float lo = x[0], hi = x[0];
  for (std::size_t i = 0; i < count; ++i) {
    sum += x[i];
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  const double range = double(hi) - double(lo);
  if (!(range > 0) || !std::isfinite(range)) return x[0];
  const double grid = std::exp2(std::ceil(std::log2(range)));
  return static_cast<float>(grid * std::nearbyint(sum / double(count) / grid));
}

}  // namespace

TimeStats time_stats(std::span<const float> x) {
  TimeStats s;
  if (x.empty()) return s;
  const double n = double(x.size());
  float pilot = pilot_of(x);
  Sums sums = power_sums(x, pilot);
  // Raw moments about the pilot, u_j = (1/n) sum d^j, and the mean's offset from it, e = u_1.
  double e = sums.d1 / n;
  double u2 = sums.d2 / n;
  // A pilot more than two standard deviations from the mean (a first stretch unlike the rest of the window)
  // would cost precision in the central moments below: one more pass about the mean itself.
  if (std::isfinite(e) && e * e > 4.0 * (u2 - e * e)) {
    pilot = static_cast<float>(double(pilot) + e);
    sums = power_sums(x, pilot);
    e = sums.d1 / n;
    u2 = sums.d2 / n;
  }
  const double u3 = sums.d3 / n;
  const double u4 = sums.d4 / n;
  // Central moments from raw moments about the pilot (binomial expansion of (d - e)^j).
  const double e2 = e * e;
  const double m2 = std::max(0.0, u2 - e2);
  const double m3 = u3 - 3.0 * e * u2 + 2.0 * e2 * e;
  const double m4 = std::max(0.0, u4 - 4.0 * e * u3 + 6.0 * e2 * u2 - 3.0 * e2 * e2);

  s.mean = double(pilot) + e;
  // Mean square = mean^2 + m2 (no cancellation: both terms are non-negative).
  s.rms = std::sqrt(s.mean * s.mean + m2);
  s.std = std::sqrt(m2);
  const double lo = sums.lo, hi = sums.hi;
  const double mean_abs = sums.abs / n;
  const double mean_sqrt_abs = sums.sqrt_abs / n;
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
