// Discrete/random separation (DRS): removes from a window's spectrum what can be predicted from the
// signal one delay earlier (shaft and gear harmonics, electrical lines: discrete, deterministic
// components) and keeps what cannot (the impacts of a bearing defect, whose timing jitters by 1-2 %
// from impact to impact and so decorrelates over a few dozen periods). The random part then goes to the
// kurtogram and the envelope; Smith & Randall (2015) used DRS + spectral kurtosis as their method 3.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace vigil::dsp {

// Frequency-domain DRS after Antoni & Randall, "Unsupervised noise cancellation for vibration signals:
// part II - a novel frequency-domain algorithm", MSSP 18 (2004) 103-117.
//
// Math. Let X_k[f] be the DFT of window k and Y_k[f] the DFT of the same-length window `delay` samples
// earlier. The Wiener filter that predicts x(t) from x(t - delay) is, per frequency,
//   H[f] = sum_k X_k[f] conj(Y_k[f]) / sum_k |Y_k[f]|^2,
// and the random part of window k is R_k[f] = X_k[f] - H[f] Y_k[f].
//  - A sinusoid of frequency f0 (any f0, on a bin or not) gives Y = X e^{-2 pi i f0 delay / fs} in every
//    bin it dominates, whatever the window shape: H = e^{2 pi i f0 delay / fs} there and R = 0.
//  - A random component that decorrelates within `delay` (bearing impacts: their timing jitters by
//    1-2 %, so the carrier phase of a resonance excited at kHz is lost after a few periods), with windows
//    that do not overlap (delay >= N), gives E[X conj(Y)] = 0: |H| -> 0 as 1/sqrt(K) over K pairs, and
//    R = X up to a prediction error of relative power |H|^2 ~ 1/K. Were the windows to overlap by
//    N - delay samples, the shared samples would make E[X conj(Y)] = (N - delay)/N of the power and DRS
//    would remove that share of the random part too: create() refuses delay < window_len.
//  - Limit: one H per bin predicts one phase rotation. Where the leakage of two strong tones of different
//    frequency mixes in a bin (untapered windows, tones a few bins apart), their sum cannot be predicted
//    and is only partly removed.
// The filter is estimated from all the pairs seen (accumulate), then applied (random_part). Accumulation
// is in double; nothing allocates after create().
class DiscreteRandomSeparation {
 public:
  // window_len and delay_samples in samples; spectra have window_len / 2 + 1 bins.
  static Result<DiscreteRandomSeparation> create(std::size_t window_len, std::size_t delay_samples);

  // Adds one pair of spectra (bins() each): a window and the window delay_samples earlier.
  void accumulate(std::span<const std::complex<float>> current, std::span<const std::complex<float>> delayed);
  // Computes H from the pairs accumulated so far (H = 0 where the delayed power is 0).
  void estimate();
  // R = X - H Y for one pair (after estimate()); `out` may alias `current`.
  void random_part(std::span<const std::complex<float>> current, std::span<const std::complex<float>> delayed,
                   std::span<std::complex<float>> out) const;
  void reset();

  std::span<const std::complex<float>> filter() const { return filter_; }
  std::size_t pairs() const { return pairs_; }
  std::size_t bins() const { return filter_.size(); }
  std::size_t delay_samples() const { return delay_samples_; }

 private:
  DiscreteRandomSeparation() = default;
  std::size_t delay_samples_ = 0;
  std::size_t pairs_ = 0;
  std::vector<std::complex<double>> cross_;  // sum X conj(Y)
  std::vector<double> power_;                // sum |Y|^2
  std::vector<std::complex<float>> filter_;  // H
};

}  // namespace vigil::dsp
