// Spectral windows (Hann, Hamming, Blackman-Harris, flat-top) and their figures of merit. Every
// spectrum in Vigil (amplitude spectrum, Welch PSD, envelope spectrum) tapers its segment with one
// of these and divides by the coherent gain or the noise bandwidth given here.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace vigil::dsp {

// All windows here are sums of cosines (Harris 1978, "On the use of windows for harmonic analysis
// with the discrete Fourier transform", Proc. IEEE 66(1), eq. 30):
//   w[t] = sum_k (-1)^k a_k cos(2 pi k t / L),  t = 0..n-1
// with L = n (periodic, "DFT-even": the window's period is the DFT length; what spectral analysis
// wants and what scipy.signal.get_window returns by default) or L = n - 1 (symmetric, for FIR
// design). Coefficients, identical to scipy.signal.windows:
//   rectangular      a = {1}
//   hann             a = {0.5, 0.5}
//   hamming          a = {0.54, 0.46}
//   blackman_harris  a = {0.35875, 0.48829, 0.14128, 0.01168}   (4-term, -92 dB sidelobes; Harris 1978)
//   flat_top         a = {0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368}
//                    (D'Antona & Ferrero 2006; scipy's flattop: amplitude error < 0.01 dB off-bin)
enum class WindowKind { rectangular, hann, hamming, blackman_harris, flat_top };

enum class WindowSymmetry { periodic, symmetric };

std::string_view to_string(WindowKind kind);

// Writes the window of length out.size() into `out` (n = 1 gives {1}). Allocates nothing.
void fill_window(WindowKind kind, std::span<float> out, WindowSymmetry symmetry = WindowSymmetry::periodic);

// Coherent gain of a sampled window: CG = (1/n) sum w[t]. A sine of amplitude A at an exact bin
// gives |X[k]| = A n CG / 2 after windowing, so amplitude spectra divide by n CG / 2.
double coherent_gain(std::span<const float> window);

// Equivalent noise bandwidth in bins: ENBW = n sum w^2 / (sum w)^2 (Harris 1978, eq. 11). The
// bandwidth of the ideal rectangular filter that passes the same white-noise power as one bin;
// multiply by bin_hz for hertz.
double enbw_bins(std::span<const float> window);

// Figures of merit in the limit of a long periodic window, from the coefficients alone:
//   CG = a_0,  ENBW = (a_0^2 + 1/2 sum_{k>=1} a_k^2) / a_0^2 bins.
// (Exact for any periodic window longer than twice the number of terms: the cosines are then
// orthogonal over the n samples.) Hann: 0.5 / 1.5; Hamming: 0.54 / 1.3628; Blackman-Harris:
// 0.35875 / 2.0044; flat-top: 0.21558 / 3.7702.
struct WindowFigures {
  double coherent_gain = 0;
  double enbw_bins = 0;
};
WindowFigures window_figures(WindowKind kind);

}  // namespace vigil::dsp
