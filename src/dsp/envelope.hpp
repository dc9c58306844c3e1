// Squared-envelope spectrum of one frequency band of a window: the demodulated view in which a bearing
// defect's train of impacts shows up as lines at BPFO / BPFI / BSF / FTF and their harmonics. Works on
// the window's real-FFT spectrum, so the pipeline transforms each window once and the kurtogram and the
// envelope share that spectrum.
#pragma once

#include <complex>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "dsp/fft.hpp"
#include "dsp/frequency_band.hpp"

namespace vigil::dsp {

// One-sided amplitude spectrum of the squared envelope: amplitude[k] is the amplitude of the cosine at
// k * bin_hz in |z(t)|^2, where z is the analytic signal of the band-passed window (units: input units
// squared, e.g. g^2). amplitude[0] is the mean squared envelope (twice the band-passed signal's power).
struct EnvelopeSpectrum {
  std::span<const float> amplitude;
  double bin_hz = 0;
  FrequencyBand band;  // the pass band actually demodulated (after clamping / widening), flat part
};

// Frequency-domain demodulator with decimation.
//
// Math. Let X[k] = sum_t x[t] e^{-2 pi i k t / N} be the real FFT of the raw window (N samples at fs).
// The analytic signal of the band-passed window is z(t) = (2/N) sum_{k in band} w_k X[k] e^{2 pi i k t/N}
// (w_k: band weight). Shifting the band centre k_c to 0 changes only the phase of z, not |z|, so the
// complex envelope c(t) = z(t) e^{-2 pi i k_c t/N} is a trigonometric polynomial with frequencies
// j = k - k_c spanning S bins. An inverse complex FFT of size M (bins placed at j mod M) evaluates c(t)
// exactly at M instants evenly spread over the window. |c|^2 contains frequencies |j| <= S - 1, so
// sampling it at M >= S + Q points leaves envelope bins 0..Q free of aliasing (Q = max_envelope_hz /
// bin_hz). A real FFT of size M of |c|^2 then gives lines at q * fs/N: the window's resolution, up to Q.
// Cost: one complex and one real FFT of size M ~ band width + Q instead of N.
//
// Spectral window. The mean of |c|^2 is removed and reported as amplitude[0]; the rest is weighted by a
// periodic Hann window before the real FFT. Defect lines rarely sit on a bin and the envelope is not
// periodic in the window: with the rectangular window a line between bins reads up to 3.9 dB low and its
// 1/f sidelobes (and the mean's) lift the local background the SNR is measured against. With Hann a
// line on a bin keeps its exact amplitude (shown with half of it on the bins either side), between bins
// it reads at most 1.42 dB low, and sidelobes fall at 18 dB/octave. Removing the mean first keeps it out
// of bins 1-2. A line's amplitude independent of its position is sqrt(sum of amplitude^2 over its
// +-2 bins / 1.5) (1.5 = Hann's equivalent noise bandwidth in bins).
//
// Scaling. With the 2/N factor, x = A cos(2 pi fc t) gives |z| = A. The AM tone
//   x(t) = A (1 + m cos 2 pi fm t) cos 2 pi fc t,
// band containing fc +- fm, has |z|^2 = A^2 (1 + m^2/2) + 2 A^2 m cos(2 pi fm t) + (A^2 m^2 / 2) cos(4 pi fm
// t), so amplitude[fm] = 2 A^2 m, amplitude[2 fm] = A^2 m^2 / 2 and amplitude[0] = A^2 (1 + m^2/2) (fm on a
// bin; the Hann window below puts half of each line on its two neighbouring bins).
//
// Band rules (applied by analyze):
//  - The DC and Nyquist bins are never used: a sensor's DC offset D would otherwise mix the raw signal
//    into the envelope (|D + s|^2 = D^2 + 2 D Re s + |s|^2).
//  - A band narrower than 2 * max_envelope_hz is widened symmetrically about its centre to exactly
//    2 * max_envelope_hz (then shifted inside (0, fs/2) if needed). Reason: an envelope line at fm needs
//    both sidebands fc +- fm inside the band to appear at full amplitude (one sideband gives half, none
//    gives nothing), so a narrower band would silently drop the harmonics the diagnosis looks for.
//    Out-of-range and reversed bands are clamped and ordered; non-finite edges mean "the whole band".
//  - Edge taper: the weights are 1 on the band and fall to 0 along a raised-cosine (Hann) ramp of
//    edge_taper_hz just outside each edge, instead of a brick wall. A brick wall's impulse response is
//    a sinc whose tails fall as 1/t: each impact's envelope would ring across the window and leak energy
//    from strong components just outside the band. The raised-cosine edge makes the tails fall as 1/t^3
//    beyond ~1/edge_taper_hz while leaving every component inside the band at its exact amplitude.
//    edge_taper_hz = 0 gives the brick wall.
//
// Plans: every M that can occur (a ladder 2^p * {1, 5/4, 3/2} between the narrowest and the widest band,
// 8 sizes for 25,600 samples and max_envelope_hz = 1000) is planned at create(); analyze() allocates
// nothing. With PlanEffort::measure, create() takes seconds the first time a process meets these sizes
// (FFTW keeps the plans' wisdom, so further analyzers of the same shape are created in milliseconds).
class EnvelopeAnalyzer {
 public:
  struct Config {
    std::size_t window_len = 0;     // N, samples per window
    double sample_rate_hz = 0;      // fs
    double max_envelope_hz = 1000;  // highest envelope frequency reported; <= fs/4
    double edge_taper_hz = 200;     // width of the raised-cosine band edge outside the band; 0 = brick wall
    PlanEffort effort = PlanEffort::measure;
  };

  static Result<EnvelopeAnalyzer> create(const Config& config);

  // From the real-FFT spectrum (window_len/2 + 1 bins, un-normalised as RealFft::forward returns it) of
  // the raw window. The result views this analyzer's buffers and is valid until the next call. A
  // spectrum of the wrong size gives an empty amplitude span.
  EnvelopeSpectrum analyze(std::span<const std::complex<float>> spectrum, FrequencyBand band);
  // Convenience: transforms `window` (window_len samples) with this analyzer's own FFT first.
  EnvelopeSpectrum analyze(std::span<const float> window, FrequencyBand band);

  const Config& config() const { return config_; }
  double bin_hz() const { return bin_hz_; }
  // Number of envelope bins reported (0..max_envelope_hz).
  std::size_t envelope_bins() const { return amplitude_.size(); }
  // The band analyze() would demodulate for a requested band (clamped and widened as described above).
  FrequencyBand resolve_band(FrequencyBand band) const;

 private:
  struct Stage {
    std::size_t m = 0;
    ComplexFft baseband;      // inverse, out of place: band bins -> complex envelope samples
    RealFft squared;          // forward transform: |c|^2 -> envelope spectrum
    std::vector<float> hann;  // periodic Hann window of length m
  };
  struct BinRange {
    std::size_t low = 0;   // first flat bin
    std::size_t high = 0;  // last flat bin
  };

  EnvelopeAnalyzer() = default;
  BinRange resolve_bins(FrequencyBand band) const;

  Config config_;
  double bin_hz_ = 0;
  std::size_t half_bins_ = 0;          // Q: envelope bins 0..Q
  std::size_t max_bin_ = 0;            // highest usable input bin (below Nyquist)
  std::vector<float> taper_;           // taper_[d-1]: weight d bins outside an edge, d = 1..size
  std::vector<Stage> stages_;          // ascending m
  std::vector<float> amplitude_;       // Q + 1 output bins
  std::optional<RealFft> window_fft_;  // for the convenience overload (always set after create)
};

}  // namespace vigil::dsp
