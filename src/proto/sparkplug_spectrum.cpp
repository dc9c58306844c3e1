#include "proto/sparkplug_spectrum.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace vigil::proto::sparkplug {
namespace {

constexpr std::array<std::uint8_t, 4> k_magic = {'V', 'S', 'P', 'C'};
constexpr std::size_t k_header_bytes = 32;
constexpr std::size_t k_line_bytes = 16;

void put(Bytes& out, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_f32(Bytes& out, float v) { put(out, std::bit_cast<std::uint32_t>(v), 4); }

std::uint64_t get(std::span<const std::uint8_t> b, std::size_t offset, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{b[offset + i]} << (8 * i);
  return v;
}

float get_f32(std::span<const std::uint8_t> b, std::size_t offset) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(get(b, offset, 4)));
}

bool valid_kind(std::uint8_t k) { return k == 1 || k == 2; }
bool valid_line(std::uint8_t k) { return k >= 1 && k <= 5; }

}  // namespace

Result<Bytes> encode_spectrum(const CompactSpectrum& s) {
  const std::size_t n = s.amplitude.size();
  if (n == 0 || n > k_max_spectrum_bins) {
    return fail(ErrorCode::invalid_argument, "spectrum: {} bins, expected 1..{}", n, k_max_spectrum_bins);
  }
  if (s.lines.size() > k_max_spectrum_lines) {
    return fail(ErrorCode::invalid_argument, "spectrum: {} lines, the limit is {}", s.lines.size(),
                k_max_spectrum_lines);
  }
  if (!valid_kind(static_cast<std::uint8_t>(s.kind)))
    return fail(ErrorCode::invalid_argument, "spectrum: unknown kind");
  if (!(s.bin_hz > 0) || !std::isfinite(s.bin_hz) || !(s.first_bin_hz >= 0) ||
      !std::isfinite(s.first_bin_hz)) {
    return fail(ErrorCode::invalid_argument, "spectrum: bin_hz {} / first_bin_hz {} out of range", s.bin_hz,
                s.first_bin_hz);
  }
  float max = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (!(s.amplitude[k] >= 0) || !std::isfinite(s.amplitude[k])) {
      return fail(ErrorCode::invalid_argument, "spectrum: amplitude[{}] = {} is not a finite value >= 0", k,
                  s.amplitude[k]);
    }
    max = std::max(max, s.amplitude[k]);
  }
  for (std::size_t i = 0; i < s.lines.size(); ++i) {
    const SpectrumLine& l = s.lines[i];
    if (!valid_line(static_cast<std::uint8_t>(l.kind)) || l.harmonic == 0 || !std::isfinite(l.frequency_hz) ||
        !std::isfinite(l.amplitude) || !std::isfinite(l.snr_db)) {
      return fail(ErrorCode::invalid_argument,
                  "spectrum: line {} has an unknown kind, harmonic 0 or a non-finite field", i);
    }
  }
  // Below 65535 smallest normal floats (~7.7e-34) a spectrum is zero for any physical unit: scale 1 and
  // all codes 0, so the decoder never meets a denormal or zero scale.
  float scale = max / 65535.0f;
  if (!(scale >= std::numeric_limits<float>::min())) scale = 1.0f;
  if (!std::isfinite(65535.0f * scale)) {
    return fail(ErrorCode::invalid_argument, "spectrum: amplitude {} is too large to quantise", max);
  }
  Bytes out;
  out.reserve(k_header_bytes + 2 * n + k_line_bytes * s.lines.size());
  out.insert(out.end(), k_magic.begin(), k_magic.end());
  out.push_back(1);  // version
  out.push_back(static_cast<std::uint8_t>(s.kind));
  put(out, n, 2);
  put_f32(out, s.bin_hz);
  put_f32(out, s.first_bin_hz);
  put_f32(out, scale);
  put(out, s.window_end_ms, 8);
  put(out, s.lines.size(), 2);
  put(out, 0, 2);
  for (const float a : s.amplitude) {
    put(out, static_cast<std::uint16_t>(std::min(65535.0f, std::round(a / scale))), 2);
  }
  for (const SpectrumLine& l : s.lines) {
    out.push_back(static_cast<std::uint8_t>(l.kind));
    out.push_back(l.harmonic);
    out.push_back(l.detected ? 1 : 0);
    out.push_back(0);
    put_f32(out, l.frequency_hz);
    put_f32(out, l.amplitude);
    put_f32(out, l.snr_db);
  }
  return out;
}

Result<CompactSpectrum> decode_spectrum(std::span<const std::uint8_t> b) {
  if (b.size() < k_header_bytes) {
    return fail(ErrorCode::parse, "spectrum: {} bytes, shorter than its {}-byte header", b.size(),
                k_header_bytes);
  }
  if (!std::equal(k_magic.begin(), k_magic.end(), b.begin()))
    return fail(ErrorCode::parse, "spectrum: magic is not VSPC");
  if (b[4] != 1) return fail(ErrorCode::unsupported, "spectrum: version {}, expected 1", b[4]);
  if (!valid_kind(b[5])) return fail(ErrorCode::parse, "spectrum: kind {}, expected 1 or 2", b[5]);
  const std::size_t n = get(b, 6, 2);
  const std::size_t m = get(b, 28, 2);
  if (n == 0 || n > k_max_spectrum_bins) {
    return fail(ErrorCode::parse, "spectrum: {} bins, expected 1..{}", n, k_max_spectrum_bins);
  }
  if (m > k_max_spectrum_lines)
    return fail(ErrorCode::parse, "spectrum: {} lines, the limit is {}", m, k_max_spectrum_lines);
  const std::size_t expected = k_header_bytes + 2 * n + k_line_bytes * m;
  if (b.size() != expected) {
    return fail(ErrorCode::parse, "spectrum: {} bytes, expected {} for {} bins and {} lines", b.size(),
                expected, n, m);
  }
  CompactSpectrum s;
  s.kind = static_cast<SpectrumKind>(b[5]);
  s.bin_hz = get_f32(b, 8);
  s.first_bin_hz = get_f32(b, 12);
  const float scale = get_f32(b, 16);
  s.window_end_ms = get(b, 20, 8);
  if (!(s.bin_hz > 0) || !std::isfinite(s.bin_hz) || !(s.first_bin_hz >= 0) ||
      !std::isfinite(s.first_bin_hz)) {
    return fail(ErrorCode::parse, "spectrum: bin_hz {} / first_bin_hz {} out of range", s.bin_hz,
                s.first_bin_hz);
  }
  if (!(scale > 0) || !std::isfinite(scale))
    return fail(ErrorCode::parse, "spectrum: scale {} is not finite > 0", scale);
  s.amplitude.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    s.amplitude[k] = static_cast<float>(get(b, k_header_bytes + 2 * k, 2)) * scale;
    if (!std::isfinite(s.amplitude[k])) {
      return fail(ErrorCode::parse, "spectrum: bin {}: code x scale {} overflows", k, scale);
    }
  }
  s.lines.resize(m);
  for (std::size_t i = 0; i < m; ++i) {
    const std::size_t at = k_header_bytes + 2 * n + k_line_bytes * i;
    if (!valid_line(b[at]) || b[at + 1] == 0 || b[at + 2] > 1) {
      return fail(ErrorCode::parse, "spectrum: line {}: kind {}, harmonic {}, flags {}", i, b[at], b[at + 1],
                  b[at + 2]);
    }
    SpectrumLine& l = s.lines[i];
    l.kind = static_cast<DefectLine>(b[at]);
    l.harmonic = b[at + 1];
    l.detected = b[at + 2] == 1;
    l.frequency_hz = get_f32(b, at + 4);
    l.amplitude = get_f32(b, at + 8);
    l.snr_db = get_f32(b, at + 12);
    if (!std::isfinite(l.frequency_hz) || !std::isfinite(l.amplitude) || !std::isfinite(l.snr_db)) {
      return fail(ErrorCode::parse, "spectrum: line {} has a non-finite field", i);
    }
  }
  return s;
}

}  // namespace vigil::proto::sparkplug
