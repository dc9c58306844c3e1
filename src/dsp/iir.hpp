// Butterworth IIR filters as cascaded second-order sections: band limits for velocity (ISO 10816
// 10-1000 Hz), band-pass before envelope demodulation, and the anti-alias filter of the Decimator
// that brings e.g. CWRU's 48 kHz baseline to 12 kHz. Designed once; filtering allocates nothing.
#pragma once

#include <complex>
#include <cstddef>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace vigil::dsp {

// One second-order section H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2), i.e. a row
// [b0 b1 b2 1 a1 a2] of scipy's `sos` array.
struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0;
  double a1 = 0, a2 = 0;
};

// Butterworth designs identical (to rounding) to scipy.signal.butter(order, Wn, btype, fs=fs,
// output='sos'), scipy 1.10:
//   1. analog prototype poles p_m = -exp(i pi m / (2N)), m = -N+1, -N+3, ..., N-1 (unit cutoff);
//   2. pre-warp each edge, W = 2 fs tan(pi f / fs), so the digital filter has its -3 dB points
//      exactly at the requested frequencies;
//   3. frequency transform: low-pass p W; high-pass W / p with N zeros at s = 0; band-pass
//      p bw/2 +- sqrt((p bw/2)^2 - W0^2), W0 = sqrt(W1 W2), bw = W2 - W1, N zeros at s = 0;
//   4. bilinear transform z = (2fs + s)/(2fs - s); zeros at infinity go to z = -1;
//   5. scipy's zpk2sos 'nearest' pairing: each section takes the remaining pole closest to the unit
//      circle and the zeros nearest it, sections closest to the unit circle last, gain in the first.
// (Oppenheim & Schafer, Discrete-Time Signal Processing, 3rd ed., sec. 7.2; scipy.signal source.)
// `order` is the prototype order N: low/high-pass give ceil(N/2) sections, band-pass N sections
// (2N poles), exactly as scipy. Limits: 1 <= N <= 24, 0 < f < fs/2, low < high for band-pass.
Result<std::vector<Biquad>> butterworth_low_pass(int order, double cutoff_hz, double sample_rate_hz);
Result<std::vector<Biquad>> butterworth_high_pass(int order, double cutoff_hz, double sample_rate_hz);
Result<std::vector<Biquad>> butterworth_band_pass(int order, double low_hz, double high_hz,
                                                  double sample_rate_hz);

// H(e^{i 2 pi f / fs}) of a cascade (as scipy.signal.sosfreqz at one frequency).
std::complex<double> frequency_response(std::span<const Biquad> sections, double frequency_hz,
                                        double sample_rate_hz);

// A cascade of biquads in transposed direct form II (as scipy.signal.sosfilt), state in double:
//   y = b0 x + s1;  s1 = b1 x - a1 y + s2;  s2 = b2 x - a2 y.
// Streaming: process() continues from the state the previous call left, so a signal filtered in
// chunks equals the signal filtered whole.
class SosFilter {
 public:
  // Rejects unstable sections (poles of 1 + a1 z^-1 + a2 z^-2 on or outside the unit circle, i.e.
  // not |a2| < 1 and |a1| < 1 + a2: the stability triangle, Proakis & Manolakis, Digital Signal
  // Processing, ch. 3) and
  // non-finite coefficients.
  static Result<SosFilter> create(std::span<const Biquad> sections);

  // Filters x in place, continuing from the current state. Allocates nothing.
  void process(std::span<float> x);
  // One sample through the cascade.
  double step(double x) { return step(state_.get(), x); }
  // Back to rest (zero state), as before the first sample.
  void reset();

  // Zero-phase forward-backward filtering for offline use, identical to scipy.signal.sosfiltfilt(
  // sos, x, padtype='odd', padlen=None): the signal is extended at both ends by odd reflection of
  // padlen = 3 (2 sections + 1 - min(#b2==0, #a2==0)) samples, each pass starts from the steady state
  // of a step (sosfilt_zi) scaled by the first sample it sees, and the extensions are dropped. The
  // magnitude response is |H|^2 and the phase zero. Needs x.size() > padlen(); does not touch the
  // streaming state; allocates nothing.
  Status filter_zero_phase(std::span<float> x);
  std::size_t padlen() const { return padlen_; }

  std::span<const Biquad> sections() const { return {sections_.get(), section_count_}; }

 private:
  struct State {
    double s1 = 0, s2 = 0;
  };
  SosFilter() = default;
  double step(State* state, double x) const {
    for (std::size_t i = 0; i < section_count_; ++i) {
      const Biquad& c = sections_[i];
      State& s = state[i];
      const double y = c.b0 * x + s.s1;
      s.s1 = c.b1 * x - c.a1 * y + s.s2;
      s.s2 = c.b2 * x - c.a2 * y;
      x = y;
    }
    return x;
  }
  std::size_t section_count_ = 0;
  std::size_t padlen_ = 0;
  std::unique_ptr<Biquad[]> sections_;
  std::unique_ptr<State[]> state_;
  std::unique_ptr<State[]> work_;      // state of the zero-phase passes
  std::unique_ptr<State[]> zi_;        // sosfilt_zi: per-section state of the unit-step steady state
  std::unique_ptr<double[]> pad_out_;  // forward-pass output over the trailing extension
};

// Integer-factor downsampler: an order-8 Butterworth low-pass at 0.8 x the new Nyquist frequency
// (0.4 fs / M; -3 dB there, -50 dB at 1.5 x the new Nyquist for M = 4), then every M-th filtered sample,
// starting with the first (as scipy.signal.decimate keeps y[::M]). Streaming across calls: the
// filter state and the sample phase carry over. Passband is flat to a few tenths of a dB up to
// about 0.6 x the new Nyquist.
class Decimator {
 public:
  static Result<Decimator> create(std::size_t factor, double input_rate_hz);

  // Number of samples the next process() call with `input_len` samples will write.
  std::size_t output_len(std::size_t input_len) const {
    return input_len > skip_ ? (input_len - skip_ - 1) / factor_ + 1 : 0;
  }
  // Filters `in` and writes the kept samples to `out` (out.size() >= output_len(in.size()));
  // returns how many were written. Allocates nothing.
  Result<std::size_t> process(std::span<const float> in, std::span<float> out);
  void reset();

  std::size_t factor() const { return factor_; }
  double input_rate_hz() const { return input_rate_hz_; }
  double output_rate_hz() const { return input_rate_hz_ / double(factor_); }
  std::span<const Biquad> sections() const { return filter_.sections(); }

 private:
  Decimator(SosFilter filter, std::size_t factor, double input_rate_hz)
      : filter_(std::move(filter)), factor_(factor), input_rate_hz_(input_rate_hz) {}
  SosFilter filter_;
  std::size_t factor_ = 1;
  double input_rate_hz_ = 0;
  std::size_t skip_ = 0;  // input samples to drop before the next kept one
};

// A whole recording decimated by `factor` (anti-aliased as by Decimator, from a fresh state): for offline
// use, where allocating the output is fine.
Result<std::vector<float>> decimate(std::span<const float> x, std::size_t factor, double input_rate_hz);

}  // namespace vigil::dsp
