// Fast kurtogram: finds the frequency band in which a window is most impulsive (spectral kurtosis of
// the complex envelope), i.e. where a bearing's impacts excite a structural resonance. Its choice is the
// band the envelope analyzer demodulates. Works on the window's real-FFT spectrum.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "dsp/envelope.hpp"
#include "dsp/fft.hpp"

namespace vigil::dsp {

struct KurtogramResult {
  FrequencyBand band;   // the chosen band (low edge raised to min_low_hz when needed)
  double kurtosis = 0;  // its spectral kurtosis K (0 for Gaussian noise, -1 for a pure tone)
  double level = 0;     // log2(bands in its row): 0, 1, 1.585, 2, 2.585, ... (Antoni's level labels)
  int row = 0;          // row of the 1/3-binary tree (0 = whole band)
  int band_index = 0;   // band within the row, counted from 0 Hz
};

// Spectral kurtosis on the 1/3-binary tree of Antoni (2007), "Fast computation of the kurtogram for the
// detection of transient faults", Mechanical Systems and Signal Processing 21, 108-124.
//
// Tree. Row 0 is the whole band [0, fs/2]; then rows with 2, 3, 4, 6, 8, 12, ... 2^levels equal bands
// (levels 1, 1.6, 2, 2.6, ... as in Antoni's figures), 2 * levels rows in all. Band i of a row with n
// bands is [i, i+1) * fs / (2n).
//
// Estimator. For each band the complex envelope c is obtained from the window's spectrum X by taking the
// band's bins (a brick-wall band; the bands of a row tile the spectrum exactly, so the row partitions the
// window's energy) and an inverse complex FFT of a small size M, which evaluates c exactly at M instants
// evenly spread over the window (a decimated, baseband complex envelope; the band's position only changes
// the phase of c). Then
//     K = <|c|^4> / <|c|^2>^2 - 2,
// the kurtosis of a circular complex signal: 0 for Gaussian noise, -1 for a constant envelope (one tone),
// -1/2 for two equal tones, large and positive for sparse impacts. K is invariant to gain.
// For Gaussian noise sampled independently the estimator's standard error is 2 / sqrt(n) (delta method on
// E|c|^4 / (E|c|^2)^2 with |c|^2 ~ exponential), where n = min(band bins, M) independent samples.
//
// Sample cap (max_samples_per_band > 0). A wide band of B bins needs only M < B samples for a K of known
// precision: folding the band's bins modulo M (summing bins M apart) before the size-M inverse FFT still
// gives the exact values of c at M instants (c(m T/M) = sum_j Y_j e^{2 pi i j m/M}, grouped by j mod M); it
// merely skips the instants in between. K is a statistic of the distribution of |c| over time, so the cap
// costs variance (standard error 2/sqrt(M)), not bias, as long as impacts last longer than T/M (an impact
// ringing for 1 ms is sampled several times at M = 4096 per second). This keeps every row's cost near
// bands * M log M instead of the full-resolution window_len/2 * log(...).
//
// Exclusions. The DC bin is never used (a sensor offset is a constant envelope). Bins below min_low_hz
// are removed from every band (so the shaft-rate region cannot dominate), and a band is a candidate only
// when its remaining width is >= min_bandwidth_hz; rows whose bands are all narrower are not computed.
class Kurtogram {
 public:
  struct Config {
    std::size_t window_len = 0;
    double sample_rate_hz = 0;
    int levels = 6;                           // finest row has 2^levels bands; >= 0
    double min_bandwidth_hz = 0;              // narrowest band considered
    double min_low_hz = 0;                    // content below this is ignored
    std::size_t max_samples_per_band = 4096;  // M cap (see above); 0 = full resolution (M >= band bins)
    PlanEffort effort = PlanEffort::measure;
  };

  static Result<Kurtogram> create(const Config& config);

  // From the real-FFT spectrum (window_len/2 + 1 bins) of the raw window: fills the map and returns the
  // band of largest K among the candidates (ties: the coarser row). Allocates nothing. A spectrum of the
  // wrong size gives kurtosis NaN and the whole band.
  KurtogramResult best_band(std::span<const std::complex<float>> spectrum);

  // The map of the last best_band() call, level-major: row r occupies band_count(r) consecutive values
  // from row_offset(r). NaN marks a band that was not evaluated (too narrow or below min_low_hz).
  std::span<const float> map() const { return map_; }
  std::span<const float> row_kurtosis(std::size_t row) const;
  std::size_t rows() const { return rows_.size(); }
  std::size_t band_count(std::size_t row) const { return rows_[row].bands; }
  std::size_t row_offset(std::size_t row) const { return rows_[row].offset; }
  double level(std::size_t row) const { return rows_[row].level; }
  // Nominal band `index` of `row` (low edge raised to min_low_hz when it lies below).
  FrequencyBand band(std::size_t row, std::size_t index) const;
  // Complex-envelope samples per band in `row` (the size-M transform; 0 when the row is not computed).
  std::size_t samples_per_band(std::size_t row) const { return rows_[row].m; }
  const Config& config() const { return config_; }

 private:
  struct Row {
    std::size_t bands = 0;
    double level = 0;
    std::size_t offset = 0;  // into map_
    std::size_t m = 0;       // transform size; 0 = row not computed
    std::size_t plan = 0;    // index into plans_
  };

  Kurtogram() = default;
  std::size_t band_begin_bin(std::size_t bands, std::size_t index) const;

  Config config_;
  double bin_hz_ = 0;
  std::size_t tiled_bins_ = 0;  // bins 0..tiled_bins_-1 tile [0, fs/2)
  std::size_t first_bin_ = 1;   // lowest bin used (DC and bins below min_low_hz excluded)
  std::vector<Row> rows_;
  std::vector<ComplexFft> plans_;  // one per distinct M, out of place (faster in FFTW at these sizes)
  std::vector<float> map_;
};

}  // namespace vigil::dsp
