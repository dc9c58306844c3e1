// The compact spectrum that Vigil's edge sends as evidence with a warning or an alarm (and on request): a
// velocity or envelope spectrum quantised to 16 bits with its defect-frequency lines, in one Sparkplug
// Bytes metric (Evidence/Spectrum, Evidence/Envelope spectrum). Layout: docs/formats/sparkplug.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "proto/sparkplug.hpp"

namespace vigil::proto::sparkplug {

enum class SpectrumKind : std::uint8_t {
  velocity_mm_s = 1,  // amplitude spectrum of velocity, mm/s
  envelope_g2 = 2,    // squared-envelope spectrum of acceleration, g^2 (dsp/envelope.hpp)
};

// The kinematic frequencies a line marks (dsp/bearing.hpp): shaft rotation and the bearing defect
// frequencies.
enum class DefectLine : std::uint8_t { shaft = 1, bpfo = 2, bpfi = 3, bsf = 4, ftf = 5 };

struct SpectrumLine {
  DefectLine kind = DefectLine::shaft;
  std::uint8_t harmonic = 1;  // 1 = the fundamental
  bool detected = false;      // the diagnosis found a peak here
  float frequency_hz = 0;
  float amplitude = 0;  // the spectrum's units
  float snr_db = 0;     // peak over the local background
};

struct CompactSpectrum {
  SpectrumKind kind = SpectrumKind::velocity_mm_s;
  float bin_hz = 0;                 // spacing of the bins, > 0
  float first_bin_hz = 0;           // frequency of amplitude[0], >= 0
  std::uint64_t window_end_ms = 0;  // source time (UTC ms) of the end of the analysed window
  std::vector<float> amplitude;     // >= 0, finite
  std::vector<SpectrumLine> lines;
};

inline constexpr std::size_t k_max_spectrum_bins = 8192;
inline constexpr std::size_t k_max_spectrum_lines = 64;

// Quantises the amplitudes linearly to uint16 codes with scale = max amplitude / 65535, so a decoded bin is
// within max / 131070 of the original (a spectrum whose largest amplitude is below ~7.7e-34, zero
// included, encodes as all zeros with scale 1). Errors (invalid_argument):
// no bins or more than k_max_spectrum_bins, more than k_max_spectrum_lines, a negative or non-finite
// amplitude or one within 1/65535 of the float maximum, bin_hz <= 0, first_bin_hz < 0, a non-finite line
// field, harmonic 0.
Result<Bytes> encode_spectrum(const CompactSpectrum& spectrum);

// Decodes and checks the layout (magic, version, kind, sizes, finite positive scale and spacing, line
// kinds); errors name the field.
Result<CompactSpectrum> decode_spectrum(std::span<const std::uint8_t> bytes);

}  // namespace vigil::proto::sparkplug
