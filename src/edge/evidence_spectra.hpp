// The evidence that goes up with a warning or an alarm, and on a host's request: the window's velocity
// spectrum (10 Hz to 1 kHz, the ISO 20816 band) and its squared-envelope spectrum, each with the shaft and
// bearing defect-frequency lines the diagnosis looked at, in the compact form of docs/formats/sparkplug.md.
// Built from the one analysis of the window (no second FFT); allocates, so it is made only on those events.
#pragma once

#include <cstdint>

#include "diag/window_analyzer.hpp"
#include "proto/sparkplug_spectrum.hpp"

namespace vigil::edge {

struct EvidenceSpectra {
  proto::sparkplug::CompactSpectrum velocity;  // mm/s RMS per bin
  proto::sparkplug::CompactSpectrum envelope;  // g^2
};

// At most this many bins per spectrum: a longer range is reduced by keeping the largest bin of each group of
// adjacent bins (a peak keeps its height; the spacing grows by the group size).
inline constexpr std::size_t k_evidence_max_bins = 2048;

// From the analysis of a window of samples in g at sample_rate_hz (analysis.spectrum: its raw spectrum,
// bins 0..N/2), whose last sample is at window_end_ms (UTC).
EvidenceSpectra evidence_spectra(const diag::WindowFeatures& analysis, double sample_rate_hz,
                                 std::uint64_t window_end_ms);

}  // namespace vigil::edge
