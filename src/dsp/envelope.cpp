#include "dsp/envelope.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>

namespace vigil::dsp {
namespace {

constexpr std::size_t k_min_window_len = 16;
constexpr std::size_t k_max_window_len = std::size_t{1} << 26;

// Smallest value >= n of the ladder 2^p * {1, 5/4, 3/2}: radix-2/3/5 sizes, the fastest for FFTW to
// plan and run (radix 7 is markedly slower at both); consecutive steps differ by at most 1/3, which
// bounds the zero-padding waste, and about three sizes per octave keep the number of plans small.
std::size_t ladder_ceil(std::size_t n) {
  for (std::size_t base = 4;; base *= 2) {
    for (std::size_t numerator : {4u, 5u, 6u}) {
      const std::size_t v = base / 4 * numerator;
      if (v >= n) return v;
    }
  }
}

// Four float lanes in one SIMD register (GCC/Clang vector extensions; SSE2 on any x86-64).
using Float4 = float __attribute__((vector_size(16)));

// Sum with eight independent float lanes per block, flushed to double every block (fast, and rounding
// stays at the float precision of one block).
double sum(std::span<const float> x) {
  constexpr std::size_t lanes = 8;
  constexpr std::size_t block = 1024;
  double total = 0;
  std::size_t i = 0;
  while (i < x.size()) {
    const std::size_t end = std::min(x.size(), i + block);
    std::array<float, lanes> partial{};
    for (; i + lanes <= end; i += lanes) {
      for (std::size_t l = 0; l < lanes; ++l) partial[l] += x[i + l];
    }
    for (; i < end; ++i) partial[0] += x[i];
    for (float p : partial) total += p;
  }
  return total;
}

}  // namespace

Result<EnvelopeAnalyzer> EnvelopeAnalyzer::create(const Config& config) {
  const std::size_t n = config.window_len;
  if (n < k_min_window_len || n > k_max_window_len) {
    return fail(ErrorCode::invalid_argument, "envelope: window_len {} outside [{}, {}]", n, k_min_window_len,
                k_max_window_len);
  }
  const double fs = config.sample_rate_hz;
  if (!std::isfinite(fs) || !(fs > 0)) {
    return fail(ErrorCode::invalid_argument, "envelope: sample_rate_hz {} must be finite and > 0", fs);
  }
  const double max_env = config.max_envelope_hz;
  if (!std::isfinite(max_env) || !(max_env > 0)) {
    return fail(ErrorCode::invalid_argument, "envelope: max_envelope_hz {} must be finite and > 0", max_env);
  }
  if (max_env > fs / 4) {
    return fail(ErrorCode::invalid_argument,
                "envelope: max_envelope_hz {} exceeds sample_rate_hz / 4 = {}: the band it needs "
                "(2 * max_envelope_hz wide) would not fit below Nyquist",
                max_env, fs / 4);
  }
  if (!std::isfinite(config.edge_taper_hz) || config.edge_taper_hz < 0) {
    return fail(ErrorCode::invalid_argument, "envelope: edge_taper_hz {} must be finite and >= 0",
                config.edge_taper_hz);
  }

  EnvelopeAnalyzer a;
  a.config_ = config;
  a.bin_hz_ = fs / static_cast<double>(n);
  a.half_bins_ = static_cast<std::size_t>(std::floor(max_env / a.bin_hz_));
  a.max_bin_ = (n - 1) / 2;  // last bin below Nyquist
  const std::size_t q = a.half_bins_;
  if (q < 1) {
    return fail(ErrorCode::invalid_argument,
                "envelope: window of {} samples at {} Hz resolves {} Hz, coarser than max_envelope_hz {}", n,
                fs, a.bin_hz_, max_env);
  }
  if (2 * q + 1 > a.max_bin_) {
    return fail(
        ErrorCode::invalid_argument,
        "envelope: max_envelope_hz {} needs a band of {} bins but window_len {} has only {} usable bins",
        max_env, 2 * q + 1, n, a.max_bin_);
  }

  const auto taper_bins = static_cast<std::size_t>(std::lround(config.edge_taper_hz / a.bin_hz_));
  a.taper_.resize(std::min(taper_bins, a.max_bin_));
  for (std::size_t d = 1; d <= a.taper_.size(); ++d) {
    const double phase = std::numbers::pi * static_cast<double>(d) / static_cast<double>(a.taper_.size() + 1);
    a.taper_[d - 1] = static_cast<float>(0.5 * (1.0 + std::cos(phase)));
  }

  // Span S of the band with its tapers is between 2Q+1 (narrowest, tapers clipped) and max_bin_ (all bins
  // 1..max_bin_); the transform size M must reach S + Q (see header).
  const std::size_t m_low = ladder_ceil(3 * q + 1);
  const std::size_t m_high = ladder_ceil(a.max_bin_ + q);
  for (std::size_t m = m_low; m <= m_high; m = ladder_ceil(m + 1)) {
    auto baseband =
        ComplexFft::create(m, config.effort, FftDirections::inverse_only, FftPlacement::out_of_place);
    if (!baseband) return std::unexpected(baseband.error().with_context("envelope"));
    auto squared = RealFft::create(m, config.effort, FftDirections::forward_only);
    if (!squared) return std::unexpected(squared.error().with_context("envelope"));
    std::vector<float> hann(m);
    for (std::size_t i = 0; i < m; ++i) {
      hann[i] = static_cast<float>(
          0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(m)));
    }
    a.stages_.push_back(Stage{m, std::move(*baseband), std::move(*squared), std::move(hann)});
  }
  auto window_fft = RealFft::create(n, config.effort, FftDirections::forward_only);
  if (!window_fft) return std::unexpected(window_fft.error().with_context("envelope"));
  a.window_fft_.emplace(std::move(*window_fft));
  a.amplitude_.assign(q + 1, 0.0f);
  return a;
}

EnvelopeAnalyzer::BinRange EnvelopeAnalyzer::resolve_bins(FrequencyBand band) const {
  const double nyquist_hz = config_.sample_rate_hz / 2;
  double low_hz = std::isfinite(band.low_hz) ? band.low_hz : 0.0;
  double high_hz = std::isfinite(band.high_hz) ? band.high_hz : nyquist_hz;
  if (low_hz > high_hz) std::swap(low_hz, high_hz);
  low_hz = std::clamp(low_hz, 0.0, nyquist_hz);
  high_hz = std::clamp(high_hz, 0.0, nyquist_hz);

  const auto first = static_cast<std::int64_t>(1);
  const auto last = static_cast<std::int64_t>(max_bin_);
  const auto q = static_cast<std::int64_t>(half_bins_);
  std::int64_t low = std::clamp(static_cast<std::int64_t>(std::ceil(low_hz / bin_hz_)), first, last);
  std::int64_t high = std::clamp(static_cast<std::int64_t>(std::floor(high_hz / bin_hz_)), first, last);
  if (high - low + 1 < 2 * q + 1) {
    const std::int64_t centre =
        std::clamp(static_cast<std::int64_t>(std::llround(0.5 * (low_hz + high_hz) / bin_hz_)), first, last);
    low = centre - q;
    high = centre + q;
    if (low < first) {
      high += first - low;
      low = first;
    }
    if (high > last) {
      low -= high - last;
      high = last;
    }
  }
  return {static_cast<std::size_t>(low), static_cast<std::size_t>(high)};
}

FrequencyBand EnvelopeAnalyzer::resolve_band(FrequencyBand band) const {
  const BinRange bins = resolve_bins(band);
  return {static_cast<double>(bins.low) * bin_hz_, static_cast<double>(bins.high) * bin_hz_};
}

EnvelopeSpectrum EnvelopeAnalyzer::analyze(std::span<const std::complex<float>> spectrum,
                                           FrequencyBand band) {
  const std::size_t n = config_.window_len;
  if (spectrum.size() != n / 2 + 1) return {{}, bin_hz_, {}};

  const BinRange bins = resolve_bins(band);
  const std::size_t taper_low = std::min(taper_.size(), bins.low - 1);
  const std::size_t taper_high = std::min(taper_.size(), max_bin_ - bins.high);
  const std::size_t span = bins.high - bins.low + 1 + taper_low + taper_high;
  const std::size_t required_m = span + half_bins_;
  auto stage =
      std::find_if(stages_.begin(), stages_.end(), [&](const Stage& s) { return s.m >= required_m; });
  if (stage == stages_.end()) return {{}, bin_hz_, {}};  // unreachable: create() plans up to the widest band
  const std::size_t m = stage->m;

  // Baseband placement: bin k goes to (k - k_c) mod M; 2/N makes |c| the physical envelope amplitude.
  auto buffer = stage->baseband.data();
  std::fill(buffer.begin(), buffer.end(), std::complex<float>{});
  const std::size_t centre = (bins.low + bins.high) / 2;
  const float scale = 2.0f / static_cast<float>(n);
  auto place = [&](std::size_t k, float weight) {
    const std::size_t index = k >= centre ? k - centre : m - (centre - k);
    buffer[index] = spectrum[k] * (scale * weight);
  };
  for (std::size_t k = bins.low; k <= bins.high; ++k) place(k, 1.0f);
  for (std::size_t d = 1; d <= taper_low; ++d) place(bins.low - d, taper_[d - 1]);
  for (std::size_t d = 1; d <= taper_high; ++d) place(bins.high + d, taper_[d - 1]);
  stage->baseband.inverse();
  const auto envelope = stage->baseband.output();

  // Squared envelope, its mean, then the mean-removed, Hann-weighted copy for the FFT (see header).
  // Four samples per step in SIMD registers (the arithmetic of std::norm and of the scalar tails, so the same
  // values; M is a multiple of 4 on the ladder).
  auto squared = stage->squared.time();
  const float* c = reinterpret_cast<const float*>(envelope.data());  // re, im, re, im, ...
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4) {
    Float4 a, b;
    std::memcpy(&a, c + 2 * i, sizeof a);
    std::memcpy(&b, c + 2 * i + 4, sizeof b);
    a *= a;
    b *= b;
    const Float4 e = __builtin_shufflevector(a, b, 0, 2, 4, 6) + __builtin_shufflevector(a, b, 1, 3, 5, 7);
    std::memcpy(squared.data() + i, &e, sizeof e);
  }
  for (; i < m; ++i) squared[i] = std::norm(envelope[i]);
  const auto mean = static_cast<float>(sum(squared) / static_cast<double>(m));
  const float* hann = stage->hann.data();
  const Float4 mean4 = {mean, mean, mean, mean};
  for (i = 0; i + 4 <= m; i += 4) {
    Float4 v, w;
    std::memcpy(&v, squared.data() + i, sizeof v);
    std::memcpy(&w, hann + i, sizeof w);
    v = (v - mean4) * w;
    std::memcpy(squared.data() + i, &v, sizeof v);
  }
  for (; i < m; ++i) squared[i] = (squared[i] - mean) * hann[i];
  stage->squared.forward();

  // One-sided amplitude: a cosine of amplitude a on bin q gives |E[q]| = a/2 * sum(hann) = a M / 4.
  const auto lines = stage->squared.spectrum();
  const float to_amplitude = 4.0f / static_cast<float>(m);
  amplitude_[0] = mean;
  // sqrt of the squared magnitude rather than std::abs (hypot: no vectorisation, ~10x slower); equal within
  // float rounding, and the lines are far from overflow.
  for (std::size_t q = 1; q < amplitude_.size(); ++q)
    amplitude_[q] = std::sqrt(std::norm(lines[q])) * to_amplitude;

  return {amplitude_,
          bin_hz_,
          {static_cast<double>(bins.low) * bin_hz_, static_cast<double>(bins.high) * bin_hz_}};
}

EnvelopeSpectrum EnvelopeAnalyzer::analyze(std::span<const float> window, FrequencyBand band) {
  if (window.size() != config_.window_len) return {{}, bin_hz_, {}};
  return analyze(window_fft_->forward(window), band);
}

}  // namespace vigil::dsp
