#include "dsp/spectrum.hpp"

#include <algorithm>
#include <cmath>

namespace vigil::dsp {

void single_sided_amplitude(std::span<const std::complex<float>> dft, std::size_t n, double window_sum,
                            std::span<float> out) {
  const std::size_t bins = std::min(dft.size(), out.size());
  const double scale = window_sum > 0.0 ? 1.0 / window_sum : 0.0;
  for (std::size_t k = 0; k < bins; ++k) {
    const bool unpaired = k == 0 || (n % 2 == 0 && k == n / 2);  // DC and Nyquist have no mirror bin
    const double magnitude = std::hypot(double(dft[k].real()), double(dft[k].imag()));
    out[k] = static_cast<float>((unpaired ? 1.0 : 2.0) * magnitude * scale);
  }
}

Result<SpectrumAnalyzer> SpectrumAnalyzer::create(std::size_t window_len, double sample_rate_hz,
                                                  WindowKind window, PlanEffort effort) {
  if (!(sample_rate_hz > 0.0) || !std::isfinite(sample_rate_hz)) {
    return fail(ErrorCode::invalid_argument, "spectrum: sample rate {} Hz must be positive and finite",
                sample_rate_hz);
  }
  auto fft = RealFft::create(window_len, effort);
  if (!fft) return std::unexpected(fft.error().with_context("spectrum"));
  SpectrumAnalyzer analyzer(std::move(*fft), sample_rate_hz);
  analyzer.window_ = std::make_unique<float[]>(window_len);
  analyzer.amplitude_ = std::make_unique<float[]>(analyzer.bins());
  const std::span<float> w(analyzer.window_.get(), window_len);
  fill_window(window, w);
  analyzer.window_sum_ = coherent_gain(w) * double(window_len);
  return analyzer;
}

Result<AmplitudeSpectrum> SpectrumAnalyzer::amplitude(std::span<const float> x) {
  const std::size_t n = fft_.size();
  if (x.size() != n) {
    return fail(ErrorCode::invalid_argument, "spectrum: window has {} samples, analyzer expects {}", x.size(),
                n);
  }
  auto time = fft_.time();
  for (std::size_t t = 0; t < n; ++t) time[t] = x[t] * window_[t];
  fft_.forward();
  const std::span<float> out(amplitude_.get(), bins());
  single_sided_amplitude(fft_.spectrum(), n, window_sum_, out);
  return AmplitudeSpectrum{out, bin_hz()};
}

Result<WelchPsd> WelchPsd::create(const WelchConfig& config, PlanEffort effort) {
  if (config.segment_len < 2) {
    return fail(ErrorCode::invalid_argument, "welch: segment length {} must be at least 2",
                config.segment_len);
  }
  if (config.overlap >= config.segment_len) {
    return fail(ErrorCode::invalid_argument, "welch: overlap {} must be less than the segment length {}",
                config.overlap, config.segment_len);
  }
  if (!(config.sample_rate_hz > 0.0) || !std::isfinite(config.sample_rate_hz)) {
    return fail(ErrorCode::invalid_argument, "welch: sample rate {} Hz must be positive and finite",
                config.sample_rate_hz);
  }
  auto fft = RealFft::create(config.segment_len, effort);
  if (!fft) return std::unexpected(fft.error().with_context("welch"));
  WelchPsd psd(std::move(*fft), config);
  psd.window_ = std::make_unique<float[]>(config.segment_len);
  psd.accumulator_ = std::make_unique<double[]>(psd.bins());
  psd.density_ = std::make_unique<float[]>(psd.bins());
  const std::span<float> w(psd.window_.get(), config.segment_len);
  fill_window(config.window, w);
  for (float v : w) psd.window_power_ += double(v) * double(v);
  return psd;
}

Result<PowerSpectralDensity> WelchPsd::estimate(std::span<const float> x) {
  const std::size_t n = config_.segment_len;
  if (x.size() < n) {
    return fail(ErrorCode::invalid_argument, "welch: signal has {} samples, fewer than one segment of {}",
                x.size(), n);
  }
  const std::size_t step = n - config_.overlap;
  const std::size_t segments = (x.size() - n) / step + 1;
  const std::size_t bins = fft_.bins();
  std::fill_n(accumulator_.get(), bins, 0.0);
  auto time = fft_.time();
  for (std::size_t s = 0; s < segments; ++s) {
    const auto segment = x.subspan(s * step, n);
    double sum = 0.0;
    for (float v : segment) sum += v;
    const double mean = sum / double(n);
    for (std::size_t t = 0; t < n; ++t)
      time[t] = static_cast<float>((double(segment[t]) - mean) * window_[t]);
    fft_.forward();
    const auto X = fft_.spectrum();
    for (std::size_t k = 0; k < bins; ++k) {
      accumulator_[k] += double(X[k].real()) * X[k].real() + double(X[k].imag()) * X[k].imag();
    }
  }
  const double scale = 1.0 / (config_.sample_rate_hz * window_power_ * double(segments));
  for (std::size_t k = 0; k < bins; ++k) {
    const bool unpaired = k == 0 || (n % 2 == 0 && k == n / 2);
    density_[k] = static_cast<float>((unpaired ? 1.0 : 2.0) * accumulator_[k] * scale);
  }
  return PowerSpectralDensity{std::span<const float>(density_.get(), bins), bin_hz(), segments};
}

}  // namespace vigil::dsp
