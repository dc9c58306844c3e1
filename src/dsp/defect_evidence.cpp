#include "dsp/defect_evidence.hpp"

#include <algorithm>
#include <cmath>

namespace vigil::dsp {
namespace {

constexpr double k_snr_limit_db = 120;
constexpr double k_sideband_weight = 0.25;
constexpr std::size_t k_min_spectrum_bins = 16;
constexpr double k_max_speed_tolerance = 0.2;
// Shaft-synchronous lines: n x shaft rate lies within n x shaft (1 +- k_shaft_speed_error) (the stated
// speed's uncertainty), widened by one bin of leakage.
constexpr double k_shaft_speed_error = 0.0025;

// Distance from hz to the nearest shaft harmonic n >= 1, and that harmonic's exclusion half-width.
struct NearestOrder {
  double distance_hz = 0;
  double half_width_hz = 0;
};
NearestOrder nearest_order(double hz, double shaft_hz, double bin_hz) {
  const double n = std::max(1.0, std::round(hz / shaft_hz));
  return {std::abs(hz - n * shaft_hz), bin_hz + k_shaft_speed_error * n * shaft_hz};
}

double amplitude_ratio_db(double amplitude, double background) {
  if (!(background > 0)) return amplitude > 0 ? k_snr_limit_db : 0.0;
  if (!(amplitude > 0)) return -k_snr_limit_db;
  return std::clamp(20.0 * std::log10(amplitude / background), -k_snr_limit_db, k_snr_limit_db);
}

}  // namespace

std::string_view defect_symbol(Defect defect) {
  switch (defect) {
    case Defect::outer_race:
      return "BPFO";
    case Defect::inner_race:
      return "BPFI";
    case Defect::ball:
      return "BSF";
    case Defect::cage:
      return "FTF";
  }
  return "?";
}

std::string_view to_string(Defect defect) {
  switch (defect) {
    case Defect::outer_race:
      return "outer_race";
    case Defect::inner_race:
      return "inner_race";
    case Defect::ball:
      return "ball";
    case Defect::cage:
      return "cage";
  }
  return "unknown";
}

Result<DefectEvidenceFinder> DefectEvidenceFinder::create(std::size_t max_bins,
                                                          const EvidenceConfig& config) {
  if (max_bins < k_min_spectrum_bins) {
    return fail(ErrorCode::invalid_argument, "defect evidence: max_bins {} < {}", max_bins,
                k_min_spectrum_bins);
  }
  if (config.harmonics < 1 || config.harmonics > k_max_harmonics) {
    return fail(ErrorCode::invalid_argument, "defect evidence: harmonics {} outside [1, {}]",
                config.harmonics, k_max_harmonics);
  }
  if (!std::isfinite(config.speed_tolerance) || config.speed_tolerance < 0 ||
      config.speed_tolerance > k_max_speed_tolerance) {
    return fail(ErrorCode::invalid_argument, "defect evidence: speed_tolerance {} outside [0, {}]",
                config.speed_tolerance, k_max_speed_tolerance);
  }
  if (!std::isfinite(config.min_snr_db)) {
    return fail(ErrorCode::invalid_argument, "defect evidence: min_snr_db {} is not finite",
                config.min_snr_db);
  }
  if (!std::isfinite(config.background_hz) || !(config.background_hz > 0)) {
    return fail(ErrorCode::invalid_argument, "defect evidence: background_hz {} must be finite and > 0",
                config.background_hz);
  }
  DefectEvidenceFinder finder;
  finder.config_ = config;
  finder.max_bins_ = max_bins;
  finder.scratch_.assign(max_bins, 0.0f);
  return finder;
}

DefectEvidenceFinder::Line DefectEvidenceFinder::find_line(std::span<const float> amplitude, double bin_hz,
                                                           double centre_hz, double half_width_hz,
                                                           double shaft_hz) {
  Line line;
  const double centre_bin = centre_hz / bin_hz;
  const auto last = static_cast<double>(amplitude.size()) - 1;
  if (!(centre_bin >= 1 && centre_bin <= last)) return line;
  const double nearest = std::round(centre_bin);
  const double low_d = std::min(std::ceil((centre_hz - half_width_hz) / bin_hz), nearest - 1);
  const double high_d = std::max(std::floor((centre_hz + half_width_hz) / bin_hz), nearest + 1);
  if (low_d < 1 || high_d > last) return line;
  const auto low = static_cast<std::size_t>(low_d);
  const auto high = static_cast<std::size_t>(high_d);

  // Bins at a shaft harmonic are skipped when the expected line is told apart from it (more than the
  // harmonic's half-width plus one bin away): a synchronous line is the shaft's, not the bearing's.
  bool skip_synchronous = false;
  if (std::isfinite(shaft_hz) && shaft_hz > 0) {
    const NearestOrder o = nearest_order(centre_hz, shaft_hz, bin_hz);
    skip_synchronous = o.distance_hz > o.half_width_hz + bin_hz;
  }
  auto synchronous = [&](std::size_t k) {
    if (!skip_synchronous) return false;
    const NearestOrder o = nearest_order(static_cast<double>(k) * bin_hz, shaft_hz, bin_hz);
    return o.distance_hz <= o.half_width_hz;
  };
  std::size_t peak = high + 1;
  for (std::size_t k = low; k <= high; ++k) {
    if (synchronous(k)) continue;
    if (peak > high || amplitude[k] > amplitude[peak]) peak = k;
  }
  if (peak > high) return line;  // the whole window is synchronous
  // Parabolic interpolation of the peak position from its two neighbours (Smith & Serra, quadratic fit).
  double offset = 0;
  if (peak >= 1 && peak + 1 < amplitude.size()) {
    const double a = amplitude[peak - 1];
    const double b = amplitude[peak];
    const double c = amplitude[peak + 1];
    const double curvature = a - 2 * b + c;
    if (curvature < 0) offset = std::clamp(0.5 * (a - c) / curvature, -0.5, 0.5);
  }

  // Background: bins within background_hz / 2 of the centre (and >= k_min_background_bins beyond the
  // search window on each side), excluding the search window and bin 0.
  const double reach = config_.background_hz / 2 / bin_hz;
  const double bg_low_d =
      std::max(1.0, std::min(std::round(centre_bin - reach),
                             static_cast<double>(low) - static_cast<double>(k_min_background_bins)));
  const double bg_high_d = std::min(
      last, std::max(std::round(centre_bin + reach), static_cast<double>(high + k_min_background_bins)));
  const auto bg_low = static_cast<std::size_t>(bg_low_d);
  const auto bg_high = static_cast<std::size_t>(bg_high_d);
  std::size_t count = 0;
  for (std::size_t k = bg_low; k <= bg_high && count < scratch_.size(); ++k) {
    if (k < low || k > high) scratch_[count++] = amplitude[k];
  }
  if (count < k_min_background_bins) return line;
  const auto middle = scratch_.begin() + static_cast<std::ptrdiff_t>(count / 2);
  std::nth_element(scratch_.begin(), middle, scratch_.begin() + static_cast<std::ptrdiff_t>(count));
  double median = *middle;
  if (count % 2 == 0) median = 0.5 * (median + *std::max_element(scratch_.begin(), middle));

  line.valid = true;
  line.found_hz = (static_cast<double>(peak) + offset) * bin_hz;
  line.amplitude = amplitude[peak];
  line.background = median;
  line.snr_db = amplitude_ratio_db(line.amplitude, median);
  return line;
}

DefectEvidence DefectEvidenceFinder::evaluate(Defect defect, double f0_hz, double modulation_hz,
                                              double shaft_hz, std::span<const float> amplitude,
                                              double bin_hz) {
  DefectEvidence evidence;
  evidence.defect = defect;
  evidence.expected_hz = f0_hz;
  if (!std::isfinite(f0_hz) || !(f0_hz > 0)) return evidence;
  if (!std::isfinite(bin_hz) || !(bin_hz > 0) || amplitude.size() < 3) return evidence;
  // Resolution: a line is told apart from its neighbouring harmonics and from the DC lobe only when f0
  // spans several bins. Below k_min_bins_per_defect bins (e.g. FTF = 12.9 Hz in a 0.1 s FEMTO snapshot
  // with 10 Hz bins) the harmonic windows overlap and the same bin would count twice: not checked.
  if (f0_hz < k_min_bins_per_defect * bin_hz) return evidence;

  const double tolerance = config_.speed_tolerance;
  const bool sidebands = std::isfinite(modulation_hz) && modulation_hz > 0;
  double harmonic_sum_db = 0;
  double best_sideband_db = -k_snr_limit_db;
  for (int h = 1; h <= config_.harmonics; ++h) {
    const double expected_hz = h * f0_hz;
    const Line line = find_line(amplitude, bin_hz, expected_hz, tolerance * expected_hz, shaft_hz);
    if (!line.valid) continue;
    HarmonicMatch& match = evidence.harmonics[static_cast<std::size_t>(evidence.harmonics_checked++)];
    match = {h,
             expected_hz,
             line.found_hz,
             line.amplitude,
             line.background,
             line.snr_db,
             line.snr_db >= config_.min_snr_db};
    harmonic_sum_db += std::max(line.snr_db, 0.0);
    if (match.found) ++evidence.harmonics_found;

    if (!sidebands || !match.found) continue;
    const double sideband_half_width_hz = std::max(tolerance * modulation_hz, bin_hz);
    if (modulation_hz - sideband_half_width_hz < 2 * bin_hz) continue;
    for (double side : {-1.0, 1.0}) {
      const Line sideband = find_line(amplitude, bin_hz, match.found_hz + side * modulation_hz,
                                      tolerance * modulation_hz, shaft_hz);
      if (!sideband.valid) continue;
      ++evidence.sidebands_checked;
      if (sideband.snr_db >= config_.min_snr_db) ++evidence.sidebands_found;
      best_sideband_db = std::max(best_sideband_db, sideband.snr_db);
    }
  }
  evidence.sideband_snr_db = evidence.sidebands_checked > 0 ? best_sideband_db : 0.0;
  evidence.score = harmonic_sum_db / config_.harmonics +
                   k_sideband_weight * std::max(evidence.sideband_snr_db - config_.min_snr_db, 0.0);
  return evidence;
}

std::array<DefectEvidence, k_defect_count> DefectEvidenceFinder::find(const EnvelopeSpectrum& spectrum,
                                                                      const DefectFrequencies& frequencies) {
  const std::span<const float> amplitude =
      spectrum.amplitude.first(std::min(spectrum.amplitude.size(), max_bins_));
  const double bin_hz = spectrum.bin_hz;
  const double shaft = frequencies.shaft_hz;
  return {
      evaluate(Defect::outer_race, frequencies.bpfo_hz, 0.0, shaft, amplitude, bin_hz),
      evaluate(Defect::inner_race, frequencies.bpfi_hz, frequencies.shaft_hz, shaft, amplitude, bin_hz),
      evaluate(Defect::ball, frequencies.bsf_hz, frequencies.ftf_hz, shaft, amplitude, bin_hz),
      evaluate(Defect::cage, frequencies.ftf_hz, 0.0, shaft, amplitude, bin_hz),
  };
}

const DefectEvidence& strongest(const std::array<DefectEvidence, k_defect_count>& evidence) {
  const DefectEvidence* best = &evidence[0];
  for (const DefectEvidence& e : evidence) {
    if (e.score > best->score) best = &e;
  }
  return *best;
}

}  // namespace vigil::dsp
