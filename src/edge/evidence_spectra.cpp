#include "edge/evidence_spectra.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "dsp/velocity.hpp"

namespace vigil::edge {
namespace {

namespace sp = proto::sparkplug;

sp::DefectLine line_kind(dsp::Defect d) {
  switch (d) {
    case dsp::Defect::outer_race:
      return sp::DefectLine::bpfo;
    case dsp::Defect::inner_race:
      return sp::DefectLine::bpfi;
    case dsp::Defect::ball:
      return sp::DefectLine::bsf;
    case dsp::Defect::cage:
      return sp::DefectLine::ftf;
  }
  return sp::DefectLine::shaft;
}

// Bins [first, last) of `amplitude(k)` at spacing bin_hz, reduced to at most k_evidence_max_bins by keeping
// the largest of each group.
template <typename Amplitude>
void fill(sp::CompactSpectrum& out, std::size_t first, std::size_t last, double bin_hz, Amplitude amplitude) {
  const std::size_t count = last > first ? last - first : 0;
  const std::size_t group = std::max<std::size_t>(1, (count + k_evidence_max_bins - 1) / k_evidence_max_bins);
  out.bin_hz = static_cast<float>(bin_hz * double(group));
  out.first_bin_hz = static_cast<float>(bin_hz * double(first));
  out.amplitude.clear();
  for (std::size_t k = first; k < last; k += group) {
    double peak = 0;
    for (std::size_t j = k; j < std::min(k + group, last); ++j) peak = std::max(peak, amplitude(j));
    out.amplitude.push_back(static_cast<float>(peak));
  }
  if (out.amplitude.empty()) out.amplitude.push_back(0);
}

// The spectrum's value at frequency f (the bin holding it), 0 outside.
float value_at(const sp::CompactSpectrum& s, double f) {
  const double k = std::floor((f - s.first_bin_hz) / s.bin_hz + 0.5);
  if (k < 0 || k >= double(s.amplitude.size())) return 0;
  return s.amplitude[static_cast<std::size_t>(k)];
}

bool in_range(const sp::CompactSpectrum& s, double f) {
  return f >= s.first_bin_hz && f <= s.first_bin_hz + s.bin_hz * double(s.amplitude.size());
}

}  // namespace

EvidenceSpectra evidence_spectra(const diag::WindowFeatures& a, double sample_rate_hz,
                                 std::uint64_t window_end_ms) {
  EvidenceSpectra out;
  const dsp::DefectFrequencies& f = a.frequencies;

  // Velocity: the raw spectrum's bin k holds N/2 times the peak acceleration of a sinusoid there; velocity
  // RMS = a_peak g / (2 pi f sqrt 2), in mm/s.
  sp::CompactSpectrum& v = out.velocity;
  v.kind = sp::SpectrumKind::velocity_mm_s;
  v.window_end_ms = window_end_ms;
  if (a.spectrum.size() >= 2) {
    const double n = 2.0 * double(a.spectrum.size() - 1);
    const double bin_hz = sample_rate_hz / n;
    const auto first = static_cast<std::size_t>(std::ceil(10.0 / bin_hz));
    const std::size_t last = std::min(a.spectrum.size(), static_cast<std::size_t>(1000.0 / bin_hz) + 1);
    const double to_mm_s = dsp::k_standard_gravity_m_s2 * 1e3 / (2 * std::numbers::pi * std::numbers::sqrt2);
    fill(v, first, last, bin_hz, [&](std::size_t k) {
      return 2.0 * double(std::abs(a.spectrum[k])) / n * to_mm_s / (double(k) * bin_hz);
    });
  } else {
    fill(v, 0, 0, 1.0, [](std::size_t) { return 0.0; });
  }
  for (std::uint8_t h = 1; h <= 3; ++h) {
    const double hz = h * f.shaft_hz;
    if (in_range(v, hz)) {
      v.lines.push_back({.kind = sp::DefectLine::shaft,
                         .harmonic = h,
                         .frequency_hz = float(hz),
                         .amplitude = value_at(v, hz)});
    }
  }

  // Envelope: the demodulated band's squared-envelope spectrum up to 4.5 times the highest defect frequency
  // (every harmonic the diagnosis checks) or 500 Hz, whichever is higher.
  sp::CompactSpectrum& e = out.envelope;
  e.kind = sp::SpectrumKind::envelope_g2;
  e.window_end_ms = window_end_ms;
  const double top_hz = std::max({500.0, 4.5 * f.bpfi_hz, 4.5 * f.bpfo_hz, 4.5 * 2 * f.bsf_hz});
  const auto& env = a.envelope;
  const double env_bin_hz = env.bin_hz > 0 ? env.bin_hz : 1.0;
  const std::size_t env_last =
      std::min(env.amplitude.size(), static_cast<std::size_t>(top_hz / env_bin_hz) + 1);
  fill(e, 0, env_last, env_bin_hz, [&](std::size_t k) { return double(env.amplitude[k]); });
  for (const dsp::DefectEvidence& d : a.evidence) {
    for (int h = 0; h < d.harmonics_checked && e.lines.size() < sp::k_max_spectrum_lines; ++h) {
      const dsp::HarmonicMatch& m = d.harmonics[static_cast<std::size_t>(h)];
      e.lines.push_back({.kind = line_kind(d.defect),
                         .harmonic = static_cast<std::uint8_t>(m.harmonic),
                         .detected = m.found,
                         .frequency_hz = float(m.found ? m.found_hz : m.expected_hz),
                         .amplitude = float(m.amplitude),
                         .snr_db = float(m.snr_db)});
    }
  }
  return out;
}

}  // namespace vigil::edge
