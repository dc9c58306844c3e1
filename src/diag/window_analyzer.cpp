#include "diag/window_analyzer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "dsp/cepstrum_prewhitening.hpp"

namespace vigil::diag {
double envelope_reach_hz(const WindowAnalyzerConfig& config) {
  const dsp::DefectFrequencies f = dsp::defect_frequencies(config.bearing, config.max_speed_rpm);
  const double highest = std::max({f.bpfi_hz, f.bpfo_hz, f.bsf_hz});
  return (3.0 * highest + f.shaft_hz) * (1.0 + config.evidence.speed_tolerance) + 10.0;
}

double band_low_hz(const WindowAnalyzerConfig& config) {
  const double low_hz = config.min_band_low_hz > 0
                            ? config.min_band_low_hz
                            : 4.0 * dsp::defect_frequencies(config.bearing, config.max_speed_rpm).bpfi_hz;
  return std::min(low_hz, config.sample_rate_hz / 4.0);
}

dsp::Kurtogram::Config kurtogram_config(const WindowAnalyzerConfig& config) {
  return {.window_len = config.window_len,
          .sample_rate_hz = config.sample_rate_hz,
          .levels = config.kurtogram_levels,
          .min_bandwidth_hz = 2.0 * envelope_reach_hz(config),
          .min_low_hz = band_low_hz(config),
          .max_samples_per_band = 4096,
          .effort = config.effort};
}

dsp::EnvelopeAnalyzer::Config envelope_config(const WindowAnalyzerConfig& config) {
  return {.window_len = config.window_len,
          .sample_rate_hz = config.sample_rate_hz,
          .max_envelope_hz = envelope_reach_hz(config),
          .edge_taper_hz = 200,
          .effort = config.effort};
}

Result<WindowAnalyzer> WindowAnalyzer::create(const WindowAnalyzerConfig& config) {
  if (!(config.sample_rate_hz > 0) || !std::isfinite(config.sample_rate_hz)) {
    return fail(ErrorCode::invalid_argument, "sample rate {} Hz must be positive", config.sample_rate_hz);
  }
  if (config.window_len < 256) {
    return fail(ErrorCode::invalid_argument, "window of {} samples is too short (need >= 256)",
                config.window_len);
  }
  if (auto ok = dsp::validate(config.bearing); !ok) return std::unexpected(ok.error());
  if (!(config.max_speed_rpm > 0)) {
    return fail(ErrorCode::invalid_argument, "maximum speed {} rpm must be positive", config.max_speed_rpm);
  }
  if (config.demodulation == Demodulation::drs_kurtogram) {
    return fail(ErrorCode::invalid_argument,
                "discrete/random separation needs the whole recording: use diag::DrsKurtogram");
  }
  const double nyquist_hz = config.sample_rate_hz / 2.0;
  const double reach_hz = envelope_reach_hz(config);
  if (reach_hz > nyquist_hz / 2.0) {
    return fail(ErrorCode::out_of_range,
                "sample rate {} Hz too low for bearing '{}' at {} rpm: the envelope must reach {:.0f} Hz, "
                "which needs at least {:.0f} Hz",
                config.sample_rate_hz, config.bearing.name, config.max_speed_rpm, reach_hz, 4.0 * reach_hz);
  }

  WindowAnalyzer a;
  a.config_ = config;
  auto fft = dsp::RealFft::create(config.window_len, config.effort, dsp::FftDirections::forward_only);
  if (!fft) return std::unexpected(fft.error());
  a.fft_.emplace(std::move(*fft));

  auto kurtogram = dsp::Kurtogram::create(kurtogram_config(config));
  if (!kurtogram) return std::unexpected(kurtogram.error());
  a.kurtogram_.emplace(std::move(*kurtogram));

  auto envelope = dsp::EnvelopeAnalyzer::create(envelope_config(config));
  if (!envelope) return std::unexpected(envelope.error());
  a.envelope_.emplace(std::move(*envelope));

  auto finder = dsp::DefectEvidenceFinder::create(a.envelope_->envelope_bins(), config.evidence);
  if (!finder) return std::unexpected(finder.error());
  a.finder_.emplace(std::move(*finder));

  a.work_spectrum_.assign(config.window_len / 2 + 1, {});
  a.hann_power_.assign(config.window_len / 2 + 1, 0.0f);
  a.broad_band_ = {band_low_hz(config), 0.9 * nyquist_hz};
  return a;
}

const WindowFeatures& WindowAnalyzer::analyze(std::span<const float> window, double speed_rpm) {
  WindowFeatures& f = features_;
  hann_power_ready_ = false;
  f.time = dsp::time_stats(window);
  f.frequencies = dsp::defect_frequencies(config_.bearing, speed_rpm);

  const auto spectrum = fft_->forward(window);
  f.spectrum = spectrum;
  const std::size_t bins = spectrum.size();
  const std::size_t n = config_.window_len;

  // Velocity from the Hann-tapered spectrum, obtained from the raw one by the three-term convolution
  // X_w[k] = (X[k] - (X[k-1] + X[k+1]) / 2) / 2 (the periodic Hann window's DFT has taps -1/4, 1/2, -1/4):
  // the taper keeps leakage from strong low-frequency lines out of the 1/f^2-weighted sum. Only the bins of
  // the velocity band are needed.
  {
    const double bin_hz = config_.sample_rate_hz / double(n);
    const auto first = static_cast<std::size_t>(std::floor(dsp::k_iso_velocity_band.low_hz / bin_hz));
    const std::size_t last =
        std::min(bins - 2, static_cast<std::size_t>(std::ceil(dsp::k_iso_velocity_band.high_hz / bin_hz)));
    for (std::size_t k = std::max<std::size_t>(first, 1); k <= last; ++k) {
      work_spectrum_[k] = 0.5f * (spectrum[k] - 0.5f * (spectrum[k - 1] + spectrum[k + 1]));
    }
    auto v = dsp::velocity_rms_mm_s(work_spectrum_, n, config_.sample_rate_hz, dsp::k_iso_velocity_band,
                                    config_.unit, 3.0 * double(n) / 8.0);
    f.velocity_rms_mm_s = v ? *v : std::numeric_limits<double>::quiet_NaN();
    f.iso_zone = iso_zone(f.velocity_rms_mm_s, config_.machine_class);
  }

  if (config_.demodulation == Demodulation::kurtogram) {
    const dsp::KurtogramResult best = kurtogram_->best_band(spectrum);
    f.band_kurtosis = best.kurtosis;
    f.envelope = envelope_->analyze(spectrum, best.band);
  } else if (config_.demodulation == Demodulation::full_band) {
    f.band_kurtosis = std::numeric_limits<double>::quiet_NaN();
    f.envelope = envelope_->analyze(spectrum, dsp::FrequencyBand{0.0, config_.sample_rate_hz / 2.0});
  } else {
    // Cepstral pre-whitening: X[k] / |X[k]| (zero real cepstrum except at zero quefrency).
    dsp::cepstrum_prewhiten(spectrum, work_spectrum_);
    f.band_kurtosis = std::numeric_limits<double>::quiet_NaN();
    f.envelope = envelope_->analyze(std::span<const std::complex<float>>(work_spectrum_), broad_band_);
  }
  f.band = f.envelope.band;
  f.evidence = finder_->find(f.envelope, f.frequencies);
  return f;
}

std::span<const float> WindowAnalyzer::hann_power() {
  if (hann_power_ready_) return hann_power_;
  // Two bins per step in one SIMD register (GCC/Clang vector extensions, SSE2): the convolution is the same
  // on the real and imaginary parts, so it runs on interleaved re, im values; the arithmetic, and therefore
  // every value, is that of the complex expression in the scalar tail.
  using Float4 = float __attribute__((vector_size(16)));
  const auto spectrum = features_.spectrum;
  const std::size_t bins = spectrum.size();
  const float* x = reinterpret_cast<const float*>(spectrum.data());  // re, im, re, im, ...
  float* power = hann_power_.data();
  std::size_t k = 1;
  for (; k + 2 < bins; k += 2) {  // bins k and k + 1, from bins k - 1 .. k + 2
    Float4 previous, centre, next;
    std::memcpy(&previous, x + 2 * (k - 1), sizeof previous);
    std::memcpy(&centre, x + 2 * k, sizeof centre);
    std::memcpy(&next, x + 2 * (k + 1), sizeof next);
    Float4 w = 0.5f * centre - 0.25f * (previous + next);
    w *= w;
    power[k] = w[0] + w[1];
    power[k + 1] = w[2] + w[3];
  }
  for (; k + 1 < bins; ++k) {
    const std::complex<float> xw = 0.5f * spectrum[k] - 0.25f * (spectrum[k - 1] + spectrum[k + 1]);
    power[k] = std::norm(xw);
  }
  hann_power_ready_ = true;
  return hann_power_;
}

}  // namespace vigil::diag
