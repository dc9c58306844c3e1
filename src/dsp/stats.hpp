// Time-domain condition indicators of one window of vibration (ISO 13373-2 / the classic set in
// Randall, Vibration-based Condition Monitoring, 2nd ed., ch. 5): levels (RMS, peak) and shape
// (crest factor, kurtosis, ...) that rise when impacts from a bearing defect appear.
#pragma once

#include <span>

namespace vigil::dsp {

// With N samples x_t (population moments, ddof = 0, like numpy/scipy defaults):
//   mean        m = (1/N) sum x
//   rms         sqrt((1/N) sum x^2)
//   std         sigma = sqrt(m2),  m_j = (1/N) sum (x - m)^j   (central moments)
//   peak        max |x|;  peak_to_peak = max x - min x
//   crest       peak / rms                          (sine sqrt 2, Gaussian ~3-4, impacts >> 5)
//   kurtosis    m4 / m2^2, NOT excess               (sine 1.5, Gaussian 3, impacts >> 3)
//   skewness    m3 / m2^(3/2)                       (symmetric 0, exponential 2)
//   shape       rms / mean|x|                       (sine pi/(2 sqrt 2) = 1.1107, Gaussian sqrt(pi/2))
//   impulse     peak / mean|x|
//   clearance   peak / (mean sqrt|x|)^2             (the "margin factor")
// Ratios whose denominator is zero (empty or all-zero window, constant signal for kurtosis and
// skewness) are reported as 0 rather than NaN so a feature vector stays finite; an rms of 0 tells
// the caller the window carried no signal.
struct TimeStats {
  double mean = 0;
  double rms = 0;
  double std = 0;
  double peak = 0;
  double peak_to_peak = 0;
  double crest_factor = 0;
  double kurtosis = 0;
  double skewness = 0;
  double shape_factor = 0;
  double impulse_factor = 0;
  double clearance_factor = 0;
};

// Two passes over x accumulated in double (mean first, then central moments: no cancellation for signals
// with a large DC offset), four independent accumulator lanes per pass; sqrt|x| (clearance factor) is taken
// in float. Allocates nothing.
TimeStats time_stats(std::span<const float> x);

}  // namespace vigil::dsp
