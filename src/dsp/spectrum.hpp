// Spectra of one window of vibration: the single-sided amplitude spectrum (a sine of amplitude A
// reads A at its bin) for line features and evidence plots, and Welch's averaged power spectral
// density for band energies and noise floors. Both own their FFT plan and buffers.
#pragma once

#include <complex>
#include <cstddef>
#include <memory>
#include <span>
#include <utility>

#include "core/error.hpp"
#include "dsp/fft.hpp"
#include "dsp/window.hpp"

namespace vigil::dsp {

// A view of a spectrum owned by the analyzer that produced it; valid until its next call.
struct AmplitudeSpectrum {
  std::span<const float> amplitude;  // peak amplitude per bin, same unit as the input signal
  double bin_hz = 0;                 // frequency of bin k is k * bin_hz
};

struct PowerSpectralDensity {
  std::span<const float> density;  // one-sided, input unit^2 / Hz
  double bin_hz = 0;
  std::size_t segments = 0;  // number of segments averaged
};

// Single-sided peak amplitude from the DFT X[0..n/2] of a window of n samples tapered by a window
// whose samples sum to `window_sum` (= n for no window):
//   A[k] = c_k |X[k]| / window_sum,  c_k = 2 except c_0 = 1 and c_{n/2} = 1 for even n.
// A sine A sin(2 pi f t) at an exact bin has |X[k]| = A window_sum / 2, so A[k] = A (the coherent-gain
// correction; off-bin the scalloping loss of the window applies, e.g. up to -1.42 dB for Hann).
// Requires out.size() == dft.size() == n/2 + 1. Allocates nothing.
void single_sided_amplitude(std::span<const std::complex<float>> dft, std::size_t n, double window_sum,
                            std::span<float> out);

// Windowed single-sided amplitude spectrum of fixed-length windows. The mean is not removed: the
// DC bin shows it.
class SpectrumAnalyzer {
 public:
  static Result<SpectrumAnalyzer> create(std::size_t window_len, double sample_rate_hz,
                                         WindowKind window = WindowKind::hann,
                                         PlanEffort effort = PlanEffort::measure);

  // x.size() must equal window_len(). The result views this analyzer's buffer.
  Result<AmplitudeSpectrum> amplitude(std::span<const float> x);

  std::size_t window_len() const { return fft_.size(); }
  std::size_t bins() const { return fft_.bins(); }
  double bin_hz() const { return sample_rate_hz_ / double(fft_.size()); }

 private:
  SpectrumAnalyzer(RealFft fft, double sample_rate_hz)
      : fft_(std::move(fft)), sample_rate_hz_(sample_rate_hz) {}
  RealFft fft_;
  double sample_rate_hz_ = 0;
  double window_sum_ = 0;
  std::unique_ptr<float[]> window_;
  std::unique_ptr<float[]> amplitude_;
};

// Welch's method (Welch 1967, IEEE Trans. Audio Electroacoust. AU-15(2)) with the conventions of
// scipy.signal.welch(x, fs, window, nperseg, noverlap, detrend='constant', scaling='density',
// average='mean', return_onesided=True):
//   segments start at 0, step = segment_len - overlap; trailing samples that do not fill a segment
//   are ignored; each segment has its own mean removed (detrend='constant', scipy's default: a DC
//   offset from the sensor or ADC would otherwise leak into the low bins), then is tapered by the
//   periodic window w;
//   P[k] = c_k / (fs sum w^2) * mean over segments of |X_seg[k]|^2,  c_k as in single_sided_amplitude
//   (units^2/Hz). Parseval: sum_k P[k] * bin_hz = the w^2-weighted mean-square of the detrended
//   signal, i.e. its variance for the rectangular window.
struct WelchConfig {
  std::size_t segment_len = 0;  // nperseg, >= 2
  std::size_t overlap = 0;      // noverlap, < segment_len (scipy's default is segment_len / 2)
  WindowKind window = WindowKind::hann;
  double sample_rate_hz = 0;
};

class WelchPsd {
 public:
  static Result<WelchPsd> create(const WelchConfig& config, PlanEffort effort = PlanEffort::measure);

  // PSD of x (x.size() >= segment_len). The result views this object's buffer. Allocates nothing.
  Result<PowerSpectralDensity> estimate(std::span<const float> x);

  const WelchConfig& config() const { return config_; }
  std::size_t bins() const { return fft_.bins(); }
  double bin_hz() const { return config_.sample_rate_hz / double(config_.segment_len); }

 private:
  WelchPsd(RealFft fft, const WelchConfig& config) : fft_(std::move(fft)), config_(config) {}
  RealFft fft_;
  WelchConfig config_;
  double window_power_ = 0;  // sum w^2
  std::unique_ptr<float[]> window_;
  std::unique_ptr<double[]> accumulator_;
  std::unique_ptr<float[]> density_;
};

}  // namespace vigil::dsp
