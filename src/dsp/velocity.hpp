// Broadband vibration velocity from acceleration: the RMS velocity over 10-1000 Hz that ISO 10816 /
// ISO 20816 severity zones (A/B/C/D, in mm/s) are defined on. The spectral form reuses the window's
// FFT the pipeline already has; the streaming integrator gives a velocity waveform.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <utility>

#include "core/error.hpp"
#include "dsp/frequency_band.hpp"
#include "dsp/iir.hpp"

namespace vigil::dsp {

inline constexpr double k_standard_gravity_m_s2 = 9.80665;  // 1 g (CGPM 1901; ISO 80000-3)

enum class AccelerationUnit {
  g,         // multiples of standard gravity (accelerometer datasheets, CWRU's recordings)
  m_per_s2,  // SI
};

// Metres per second squared in one unit of `unit`.
constexpr double m_per_s2_per_unit(AccelerationUnit unit) {
  return unit == AccelerationUnit::g ? k_standard_gravity_m_s2 : 1.0;
}

// Velocity RMS in mm/s over `band` from the unnormalised real DFT X[0..n/2] of n acceleration
// samples taken at sample_rate_hz (RealFft::forward of the window).
// Each bin k at f_k = k fs / n is a component of peak acceleration a_k = c_k |X_k| / n (c_k = 2,
// 1 at DC and at Nyquist for even n); integrating a sine divides its amplitude by 2 pi f
// (v = integral a dt), and by Parseval the mean square of a sum of orthogonal components is the sum
// of their mean squares a_k^2 / 2 (at Nyquist a_k^2). So, for the raw (un-windowed) window,
//   v_rms^2 = sum_{low <= f_k <= high} c'_k |X_k|^2 / (n^2 (2 pi f_k)^2),  c'_k = 2 (1 at Nyquist),
// times (m/s^2 per unit x 1000 mm/m)^2. If the window was tapered by w before the FFT, pass
// window_power = sum w[t]^2 and n^2 becomes n sum w^2 (the PSD normalisation of Welch's method).
// Exact for tones on bins. A tone between bins leaks into other bins, and the 1/f^2 weight amplifies
// what leaks towards low frequencies: un-windowed, a tone half a bin off reads 0 to +2 % high with
// 1 Hz bins and up to +6 % with 100 bins below the tone (numpy peer, worst phase); Hann-tapered
// (window_power = 3n/8) the error is below 0.01 % away from the band edges. The band is brick-wall
// and inclusive; high_hz beyond fs/2 is clipped. Requires spectrum.size() == n/2 + 1,
// 0 < low_hz < high_hz. Allocates nothing.
Result<double> velocity_rms_mm_s(std::span<const std::complex<float>> spectrum, std::size_t n,
                                 double sample_rate_hz, FrequencyBand band = k_iso_velocity_band,
                                 AccelerationUnit unit = AccelerationUnit::g, double window_power = 0.0);

// Streaming acceleration -> velocity waveform in mm/s:
//   1. Butterworth band-pass over `band` (prototype order 2: -3 dB at the edges, 40 dB/decade
//      beyond), the band limitation of an ISO 2954 velocity meter;
//   2. trapezoidal (bilinear) integration v[t] = v[t-1] + T/2 (a[t] + a[t-1]), whose gain
//      relative to 1/omega is x / tan x ~ 1 - x^2/3, x = omega T/2: within 0.2 % up to fs/50;
//   3. a first-order Butterworth high-pass at low_hz / 10 removing the constant that the
//      integrator keeps from start-up transients and round-off (|H| > 0.995 at low_hz).
// The RMS of the output over a window (after the filters have settled, a few / low_hz seconds)
// approximates velocity_rms_mm_s with the Butterworth edges instead of brick-wall ones.
class VelocityIntegrator {
 public:
  static Result<VelocityIntegrator> create(double sample_rate_hz, FrequencyBand band = k_iso_velocity_band,
                                           AccelerationUnit unit = AccelerationUnit::g);

  // Replaces acceleration samples by velocity in mm/s, continuing from the previous call.
  void process(std::span<float> x);
  void reset();

 private:
  VelocityIntegrator(SosFilter band_pass, SosFilter drift_high_pass, double scale)
      : band_pass_(std::move(band_pass)), drift_high_pass_(std::move(drift_high_pass)), scale_(scale) {}
  SosFilter band_pass_;
  SosFilter drift_high_pass_;
  double scale_ = 0;  // T/2 x (m/s^2 per unit) x 1000 mm/m
  double previous_acceleration_ = 0;
  double velocity_ = 0;
};

}  // namespace vigil::dsp
