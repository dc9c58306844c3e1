#include "dsp/velocity.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vigil::dsp {
namespace {

Status check_band(double sample_rate_hz, FrequencyBand band, const char* who) {
  if (!(sample_rate_hz > 0.0) || !std::isfinite(sample_rate_hz)) {
    return fail(ErrorCode::invalid_argument, "{}: sample rate {} Hz must be positive and finite", who,
                sample_rate_hz);
  }
  if (!(band.low_hz > 0.0) || !(band.low_hz < band.high_hz) || !std::isfinite(band.high_hz)) {
    return fail(ErrorCode::invalid_argument, "{}: band [{}, {}] Hz must satisfy 0 < low < high", who,
                band.low_hz, band.high_hz);
  }
  return {};
}

}  // namespace

Result<double> velocity_rms_mm_s(std::span<const std::complex<float>> spectrum, std::size_t n,
                                 double sample_rate_hz, FrequencyBand band, AccelerationUnit unit,
                                 double window_power) {
  if (auto s = check_band(sample_rate_hz, band, "velocity"); !s) return std::unexpected(s.error());
  if (n < 2 || spectrum.size() != n / 2 + 1) {
    return fail(ErrorCode::invalid_argument, "velocity: spectrum has {} bins, a window of {} samples has {}",
                spectrum.size(), n, n / 2 + 1);
  }
  if (!(window_power >= 0.0) || !std::isfinite(window_power)) {
    return fail(ErrorCode::invalid_argument, "velocity: window power {} must be >= 0 (0 = no window)",
                window_power);
  }
  const double bin_hz = sample_rate_hz / double(n);
  const std::size_t first = static_cast<std::size_t>(std::ceil(band.low_hz / bin_hz));
  const std::size_t last =
      std::min(spectrum.size() - 1, static_cast<std::size_t>(std::floor(band.high_hz / bin_hz)));
  double mean_square = 0.0;  // (units of acceleration x s)^2
  for (std::size_t k = std::max<std::size_t>(first, 1); k <= last; ++k) {
    const bool nyquist = n % 2 == 0 && k == n / 2;
    const double magnitude_sq =
        double(spectrum[k].real()) * spectrum[k].real() + double(spectrum[k].imag()) * spectrum[k].imag();
    const double omega = 2.0 * std::numbers::pi * double(k) * bin_hz;
    // (c|X|/n)^2 / c' / omega^2 with c = 2, c' = 2 -> 2|X|^2/n^2; at Nyquist c = c' = 1 -> |X|^2/n^2.
    mean_square += (nyquist ? 1.0 : 2.0) * magnitude_sq / (omega * omega);
  }
  mean_square /= double(n) * (window_power > 0.0 ? window_power : double(n));
  return std::sqrt(mean_square) * m_per_s2_per_unit(unit) * 1000.0;
}

Result<VelocityIntegrator> VelocityIntegrator::create(double sample_rate_hz, FrequencyBand band,
                                                      AccelerationUnit unit) {
  if (auto s = check_band(sample_rate_hz, band, "velocity integrator"); !s) return std::unexpected(s.error());
  auto band_pass = butterworth_band_pass(2, band.low_hz, band.high_hz, sample_rate_hz);
  if (!band_pass) return std::unexpected(band_pass.error().with_context("velocity integrator"));
  auto high_pass = butterworth_high_pass(1, band.low_hz / 10.0, sample_rate_hz);
  if (!high_pass) return std::unexpected(high_pass.error().with_context("velocity integrator"));
  auto band_filter = SosFilter::create(*band_pass);
  if (!band_filter) return std::unexpected(band_filter.error().with_context("velocity integrator"));
  auto drift_filter = SosFilter::create(*high_pass);
  if (!drift_filter) return std::unexpected(drift_filter.error().with_context("velocity integrator"));
  const double scale = 0.5 / sample_rate_hz * m_per_s2_per_unit(unit) * 1000.0;
  return VelocityIntegrator(std::move(*band_filter), std::move(*drift_filter), scale);
}

void VelocityIntegrator::process(std::span<float> x) {
  for (float& sample : x) {
    const double a = band_pass_.step(sample);
    velocity_ += scale_ * (a + previous_acceleration_);
    previous_acceleration_ = a;
    sample = static_cast<float>(drift_high_pass_.step(velocity_));
  }
}

void VelocityIntegrator::reset() {
  band_pass_.reset();
  drift_high_pass_.reset();
  previous_acceleration_ = 0.0;
  velocity_ = 0.0;
}

}  // namespace vigil::dsp
