#include "dsp/window.hpp"

#include <cmath>
#include <numbers>

namespace vigil::dsp {
namespace {

// Cosine-sum coefficients a_k of each window (see window.hpp for sources).
std::span<const double> coefficients(WindowKind kind) {
  static constexpr double k_rectangular[] = {1.0};
  static constexpr double k_hann[] = {0.5, 0.5};
  static constexpr double k_hamming[] = {0.54, 0.46};
  static constexpr double k_blackman_harris[] = {0.35875, 0.48829, 0.14128, 0.01168};
  static constexpr double k_flat_top[] = {0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368};
  switch (kind) {
    case WindowKind::rectangular:
      return k_rectangular;
    case WindowKind::hann:
      return k_hann;
    case WindowKind::hamming:
      return k_hamming;
    case WindowKind::blackman_harris:
      return k_blackman_harris;
    case WindowKind::flat_top:
      return k_flat_top;
  }
  return k_rectangular;
}

}  // namespace

std::string_view to_string(WindowKind kind) {
  switch (kind) {
    case WindowKind::rectangular:
      return "rectangular";
    case WindowKind::hann:
      return "hann";
    case WindowKind::hamming:
      return "hamming";
    case WindowKind::blackman_harris:
      return "blackman_harris";
    case WindowKind::flat_top:
      return "flat_top";
  }
  return "unknown";
}

void fill_window(WindowKind kind, std::span<float> out, WindowSymmetry symmetry) {
  const std::size_t n = out.size();
  if (n == 0) return;
  if (n == 1) {
    out[0] = 1.0f;
    return;
  }
  const auto a = coefficients(kind);
  const double period = symmetry == WindowSymmetry::periodic ? double(n) : double(n - 1);
  for (std::size_t t = 0; t < n; ++t) {
    const double phase = 2.0 * std::numbers::pi * double(t) / period;
    double w = 0.0;
    double sign = 1.0;
    for (std::size_t k = 0; k < a.size(); ++k) {
      w += sign * a[k] * std::cos(double(k) * phase);
      sign = -sign;
    }
    out[t] = static_cast<float>(w);
  }
}

double coherent_gain(std::span<const float> window) {
  if (window.empty()) return 0.0;
  double sum = 0.0;
  for (float w : window) sum += w;
  return sum / double(window.size());
}

double enbw_bins(std::span<const float> window) {
  double sum = 0.0;
  double sum_sq = 0.0;
  for (float w : window) {
    sum += w;
    sum_sq += double(w) * double(w);
  }
  if (sum == 0.0) return 0.0;
  return double(window.size()) * sum_sq / (sum * sum);
}

WindowFigures window_figures(WindowKind kind) {
  const auto a = coefficients(kind);
  double power = a[0] * a[0];
  for (std::size_t k = 1; k < a.size(); ++k) power += 0.5 * a[k] * a[k];
  return WindowFigures{a[0], power / (a[0] * a[0])};
}

}  // namespace vigil::dsp
