#include "dsp/kurtogram.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>

namespace vigil::dsp {
namespace {

constexpr std::size_t k_min_window_len = 64;
constexpr std::size_t k_max_window_len = std::size_t{1} << 26;
constexpr std::size_t k_min_band_bins = 8;       // finest row: at least this many bins per band
constexpr std::size_t k_min_candidate_bins = 4;  // a band clipped by min_low_hz must keep this many
constexpr std::size_t k_min_sample_cap = 64;
constexpr int k_max_levels = 24;
constexpr float k_not_evaluated = std::numeric_limits<float>::quiet_NaN();

// The transform size in [n, 2n] of least estimated cost. FFTW's time per point on this class of machine
// grows with log2(M) and with each radix-3 (x1.3) or radix-5 (x1.1) stage, so e.g. 1080 = 2^3 3^3 5 costs
// more than 1152 or 1280, and 270 more than 320 (measured with FFTW_MEASURE plans, AVX2, float).
std::size_t fast_transform_size(std::size_t n) {
  n = std::max<std::size_t>(n, 1);
  std::size_t best = 0;
  double best_cost = std::numeric_limits<double>::infinity();
  for (std::size_t v = n; v <= 2 * n; ++v) {
    std::size_t r = v;
    double penalty = 1.0;
    while (r % 2 == 0) r /= 2;
    while (r % 3 == 0) {
      r /= 3;
      penalty *= 1.3;
    }
    while (r % 5 == 0) {
      r /= 5;
      penalty *= 1.1;
    }
    if (r != 1) continue;
    const double cost = static_cast<double>(v) * std::log2(static_cast<double>(v) + 1.0) * penalty;
    if (cost < best_cost) {
      best_cost = cost;
      best = v;
    }
  }
  return best;
}

// Sums of |c|^2 and |c|^4 over interleaved complex samples, four samples per step in SIMD registers
// (GCC/Clang vector extensions; plain C++ would keep float reductions serial, as reordering them is not
// allowed without -ffast-math). Partial sums are flushed into double every block, so rounding stays at
// the float precision of one block rather than of the whole window.
struct Moments {
  double power = 0;
  double power_squared = 0;
};

using Float4 = float __attribute__((vector_size(16)));

Moments envelope_moments(std::span<const std::complex<float>> c) {
  constexpr std::size_t block = 1024;  // complex samples per flush
  Moments total;
  const float* p = reinterpret_cast<const float*>(c.data());  // re, im, re, im, ... (std::complex layout)
  const std::size_t n = c.size();
  std::size_t i = 0;
  while (i + 4 <= n) {
    const std::size_t end = std::min(n, i + block);
    Float4 s2{};
    Float4 s4{};
    for (; i + 4 <= end; i += 4) {
      Float4 a;
      Float4 b;
      std::memcpy(&a, p + 2 * i, sizeof a);      // re0 im0 re1 im1
      std::memcpy(&b, p + 2 * i + 4, sizeof b);  // re2 im2 re3 im3
      a *= a;
      b *= b;
      const Float4 e = __builtin_shufflevector(a, b, 0, 2, 4, 6) + __builtin_shufflevector(a, b, 1, 3, 5, 7);
      s2 += e;
      s4 += e * e;
    }
    total.power += static_cast<double>(s2[0]) + s2[1] + s2[2] + s2[3];
    total.power_squared += static_cast<double>(s4[0]) + s4[1] + s4[2] + s4[3];
  }
  for (; i < n; ++i) {
    const double e = std::norm(c[i]);
    total.power += e;
    total.power_squared += e * e;
  }
  return total;
}

}  // namespace

Result<Kurtogram> Kurtogram::create(const Config& config) {
  const std::size_t n = config.window_len;
  if (n < k_min_window_len || n > k_max_window_len) {
    return fail(ErrorCode::invalid_argument, "kurtogram: window_len {} outside [{}, {}]", n, k_min_window_len,
                k_max_window_len);
  }
  const double fs = config.sample_rate_hz;
  if (!std::isfinite(fs) || !(fs > 0)) {
    return fail(ErrorCode::invalid_argument, "kurtogram: sample_rate_hz {} must be finite and > 0", fs);
  }
  const std::size_t tiled = n / 2;
  if (config.levels < 0 || config.levels > k_max_levels ||
      tiled / (std::size_t{1} << config.levels) < k_min_band_bins) {
    std::size_t max_levels = 0;
    while (tiled / (std::size_t{1} << (max_levels + 1)) >= k_min_band_bins) ++max_levels;
    return fail(ErrorCode::invalid_argument,
                "kurtogram: levels {} invalid for window_len {}: need 0 <= levels <= {} so that the finest "
                "band keeps >= {} bins",
                config.levels, n, max_levels, k_min_band_bins);
  }
  const double nyquist_hz = fs / 2;
  if (!std::isfinite(config.min_low_hz) || config.min_low_hz < 0 || config.min_low_hz >= nyquist_hz) {
    return fail(ErrorCode::invalid_argument, "kurtogram: min_low_hz {} outside [0, sample_rate_hz / 2 = {})",
                config.min_low_hz, nyquist_hz);
  }
  if (!std::isfinite(config.min_bandwidth_hz) || config.min_bandwidth_hz < 0 ||
      config.min_bandwidth_hz > nyquist_hz - config.min_low_hz) {
    return fail(ErrorCode::invalid_argument,
                "kurtogram: min_bandwidth_hz {} outside [0, {}] (sample_rate_hz / 2 - min_low_hz): no band "
                "could qualify",
                config.min_bandwidth_hz, nyquist_hz - config.min_low_hz);
  }
  const double bin_hz = fs / static_cast<double>(n);
  if (static_cast<double>(tiled) - std::ceil(config.min_low_hz / bin_hz) <
      static_cast<double>(k_min_candidate_bins)) {
    return fail(ErrorCode::invalid_argument,
                "kurtogram: min_low_hz {} leaves fewer than {} bins below sample_rate_hz / 2 = {}",
                config.min_low_hz, k_min_candidate_bins, nyquist_hz);
  }
  if (config.max_samples_per_band != 0 && config.max_samples_per_band < k_min_sample_cap) {
    return fail(ErrorCode::invalid_argument,
                "kurtogram: max_samples_per_band {} too small (0 = no cap, else >= {}): K's standard error "
                "2/sqrt(M) would exceed 0.25",
                config.max_samples_per_band, k_min_sample_cap);
  }

  Kurtogram k;
  k.config_ = config;
  k.bin_hz_ = bin_hz;
  k.tiled_bins_ = tiled;
  k.first_bin_ = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(config.min_low_hz / k.bin_hz_)));

  // Rows: 1, then 2^j and 3 * 2^(j-1) interleaved, ending at 2^levels (Antoni's 0, 1, 1.6, 2, 2.6, ...).
  std::vector<std::size_t> counts{1};
  for (int j = 1; j <= config.levels; ++j) {
    counts.push_back(std::size_t{1} << j);
    if (j < config.levels) counts.push_back(3 * (std::size_t{1} << (j - 1)));
  }
  std::vector<std::size_t> plan_sizes;
  std::size_t offset = 0;
  for (std::size_t bands : counts) {
    Row row;
    row.bands = bands;
    row.level = std::log2(static_cast<double>(bands));
    row.offset = offset;
    offset += bands;
    if (nyquist_hz / static_cast<double>(bands) >= config.min_bandwidth_hz) {
      std::size_t widest = 0;
      for (std::size_t b = 0; b < bands; ++b) {
        widest = std::max(widest, k.band_begin_bin(bands, b + 1) - k.band_begin_bin(bands, b));
      }
      const std::size_t cap = config.max_samples_per_band;
      row.m = fast_transform_size(cap == 0 ? widest : std::min(widest, cap));
      const auto known = std::find(plan_sizes.begin(), plan_sizes.end(), row.m);
      row.plan = static_cast<std::size_t>(known - plan_sizes.begin());
      if (known == plan_sizes.end()) plan_sizes.push_back(row.m);
    }
    k.rows_.push_back(row);
  }
  for (std::size_t m : plan_sizes) {
    auto plan = ComplexFft::create(m, config.effort, FftDirections::inverse_only, FftPlacement::out_of_place);
    if (!plan) return std::unexpected(plan.error().with_context("kurtogram"));
    k.plans_.push_back(std::move(*plan));
  }
  k.map_.assign(offset, k_not_evaluated);
  return k;
}

std::size_t Kurtogram::band_begin_bin(std::size_t bands, std::size_t index) const {
  return (index * tiled_bins_ + bands - 1) / bands;  // ceil(index * tiled / bands)
}

FrequencyBand Kurtogram::band(std::size_t row, std::size_t index) const {
  const double width_hz = config_.sample_rate_hz / 2 / static_cast<double>(rows_[row].bands);
  const double low_hz = std::max(static_cast<double>(index) * width_hz, config_.min_low_hz);
  return {low_hz, static_cast<double>(index + 1) * width_hz};
}

std::span<const float> Kurtogram::row_kurtosis(std::size_t row) const {
  return std::span<const float>(map_).subspan(rows_[row].offset, rows_[row].bands);
}

KurtogramResult Kurtogram::best_band(std::span<const std::complex<float>> spectrum) {
  KurtogramResult best{band(0, 0), std::numeric_limits<double>::quiet_NaN(), 0.0, 0, 0};
  std::fill(map_.begin(), map_.end(), k_not_evaluated);
  if (spectrum.size() != config_.window_len / 2 + 1) return best;

  const double min_width_hz = config_.min_bandwidth_hz;
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    const Row& row = rows_[r];
    if (row.m == 0) continue;
    ComplexFft& plan = plans_[row.plan];
    auto buffer = plan.data();
    const std::size_t m = row.m;
    for (std::size_t b = 0; b < row.bands; ++b) {
      const std::size_t begin = std::max(band_begin_bin(row.bands, b), first_bin_);
      const std::size_t end = band_begin_bin(row.bands, b + 1);
      if (end < begin + k_min_candidate_bins) continue;
      const FrequencyBand nominal = band(r, b);
      if (nominal.high_hz - nominal.low_hz < min_width_hz) continue;

      // Baseband the band's bins into the size-M transform, folding modulo M when the band is wider.
      const std::size_t width = end - begin;
      if (width <= m) {
        std::copy(spectrum.begin() + static_cast<std::ptrdiff_t>(begin),
                  spectrum.begin() + static_cast<std::ptrdiff_t>(end), buffer.begin());
        std::fill(buffer.begin() + static_cast<std::ptrdiff_t>(width), buffer.end(), std::complex<float>{});
      } else {
        std::copy_n(spectrum.begin() + static_cast<std::ptrdiff_t>(begin), m, buffer.begin());
        for (std::size_t k = begin + m; k < end;) {
          const std::size_t chunk = std::min(m, end - k);
          for (std::size_t j = 0; j < chunk; ++j) buffer[j] += spectrum[k + j];
          k += chunk;
        }
      }
      plan.inverse();

      const Moments moments = envelope_moments(plan.output());
      double kurtosis = 0;  // a band with no energy has no impulsiveness
      if (moments.power > 0) {
        kurtosis = static_cast<double>(m) * moments.power_squared / (moments.power * moments.power) - 2.0;
      }
      map_[row.offset + b] = static_cast<float>(kurtosis);
      if (std::isnan(best.kurtosis) || kurtosis > best.kurtosis) {  // the first candidate replaces NaN
        best = {nominal, kurtosis, row.level, static_cast<int>(r), static_cast<int>(b)};
      }
    }
  }
  if (std::isnan(best.kurtosis)) best.kurtosis = 0;  // unreachable: create() ensures row 0 qualifies
  return best;
}

}  // namespace vigil::dsp
