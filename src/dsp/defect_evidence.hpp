// Evidence for each bearing defect in a squared-envelope spectrum: the lines found at the defect
// frequency's harmonics (allowing for slip), how far each stands above the local background, and the
// modulation sidebands that distinguish rotating defects. This is what a vibration analyst reads off an
// envelope spectrum with defect-frequency markers; src/diag turns it into a verdict.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "dsp/bearing.hpp"
#include "dsp/envelope.hpp"

namespace vigil::dsp {

enum class Defect { outer_race, inner_race, ball, cage };
inline constexpr std::size_t k_defect_count = 4;

std::string_view to_string(Defect defect);  // "outer_race", "inner_race", "ball", "cage"
// The defect frequency's usual symbol: "BPFO", "BPFI", "BSF", "FTF".
std::string_view defect_symbol(Defect defect);

inline constexpr int k_max_harmonics = 5;

// One harmonic h of a defect frequency f0, looked for in [h f0 (1 - tol), h f0 (1 + tol)].
struct HarmonicMatch {
  int harmonic = 0;        // h (1-based)
  double expected_hz = 0;  // h * f0
  double found_hz = 0;     // the strongest bin in the search window (parabolic peak interpolation)
  double amplitude = 0;    // its envelope amplitude (units of EnvelopeSpectrum, e.g. g^2)
  double background = 0;   // median amplitude around it, excluding the search window
  double snr_db = 0;       // 20 log10(amplitude / background), clamped to [-k, +k] with k = 120 dB
  bool found = false;      // snr_db >= min_snr_db
};

struct DefectEvidence {
  Defect defect = Defect::outer_race;
  double expected_hz = 0;                                  // the defect frequency f0 (BPFO, BPFI, BSF or FTF)
  int harmonics_found = 0;                                 // harmonics with snr_db >= min_snr_db
  std::array<HarmonicMatch, k_max_harmonics> harmonics{};  // first harmonics_checked are valid
  int harmonics_checked = 0;  // harmonics whose search window lies inside the spectrum (<= config)
  // Modulation sidebands: inner race +- shaft frequency around each BPFI harmonic (the defect turns in
  // and out of the load zone once per revolution); ball +- FTF around each BSF harmonic (the ball
  // travels with the cage). Looked for around the harmonics that were found. The best sideband SNR (dB);
  // 0 when the defect has no sidebands to look for (outer race, cage) or none could be checked.
  double sideband_snr_db = 0;
  int sidebands_found = 0;    // sidebands with snr_db >= min_snr_db
  int sidebands_checked = 0;  // sidebands looked for (two per checked harmonic when applicable)
  // Ranking summary, non-decreasing in every harmonic's and sideband's SNR:
  //   score = (1/H) sum_h max(snr_h, 0) + 0.25 max(sideband_snr_db - min_snr_db, 0)
  // (H = harmonics requested, so a defect whose higher harmonics fall outside the spectrum is not
  // favoured). The mean harmonic SNR in dB rewards a consistent harmonic series over one strong line;
  // sidebands only add once they are themselves significant.
  double score = 0;
};

struct EvidenceConfig {
  int harmonics = 3;              // harmonics looked for, 1..k_max_harmonics
  double speed_tolerance = 0.02;  // relative search half-width for slip and speed error (0.02 = +-2 %)
  double min_snr_db = 6;          // a line counts as found at or above this SNR
  double background_hz = 50;      // width of the background band centred on each line (at least
                                  // k_min_background_bins bins each side are used)
};

// Finds defect evidence in envelope spectra with preallocated scratch (no allocation per call).
//
// Search: for harmonic h the window is h f0 (1 +- speed_tolerance), widened to at least +-1 bin; the
// strongest bin in it is the line. Background: the median of the amplitudes within background_hz / 2 of
// the expected frequency, excluding the search window and bin 0 (the DC of the squared envelope). The
// median ignores the few other lines (shaft harmonics, other defects) a band may hold. SNR is the
// amplitude ratio in dB, 20 log10(amplitude / background): the spectrum is an amplitude spectrum (of
// the squared envelope), so 20 log10 keeps dB consistent with the spectral plots analysts read.
// Sidebands: searched at found_hz +- f_mod of each found harmonic, half-width speed_tolerance * f_mod (at
// least 1 bin), and only when that window stays >= 2 bins away from the carrier line.
// Shaft-synchronous lines are not bearing lines: bearing frequencies are non-integer orders of the shaft
// (kinematics plus slip), while unbalance, misalignment, looseness and their modulation of the structure
// put lines at integer orders n x shaft. Where the expected line (harmonic or sideband) lies clear of
// the nearest shaft harmonic (more than its half-width plus one bin away), the bins within that
// harmonic's half-width, n x shaft x 0.25 % (the stated speed's uncertainty) + one bin (leakage), are
// not candidates for the line. Without this, the +-2 % windows of BPFI's 2nd and 3rd harmonics
// (5.42 x shaft for a 6205: 10.83 x, 16.25 x) reach the 11th and 16th shaft harmonics, whose ±1 x
// neighbours then pass as shaft-rate sidebands. Where the two cannot be told apart the window is
// searched whole (the line is ambiguous, and the SNR says so only by its size).
class DefectEvidenceFinder {
 public:
  static constexpr std::size_t k_min_background_bins = 8;
  // A defect frequency below this many envelope bins is not checked (harmonics_checked = 0).
  static constexpr double k_min_bins_per_defect = 4.0;

  // max_bins: the longest spectrum find() will see (EnvelopeAnalyzer::envelope_bins()).
  static Result<DefectEvidenceFinder> create(std::size_t max_bins, const EvidenceConfig& config = {});

  // Evidence in the order of Defect (outer_race, inner_race, ball, cage). Spectra longer than max_bins
  // are searched over their first max_bins bins. A defect frequency that is not finite and > 0, or
  // spans fewer than k_min_bins_per_defect bins, gives
  // harmonics_checked = 0 and score 0.
  std::array<DefectEvidence, k_defect_count> find(const EnvelopeSpectrum& spectrum,
                                                  const DefectFrequencies& frequencies);

  const EvidenceConfig& config() const { return config_; }

 private:
  struct Line {
    double found_hz = 0;
    double amplitude = 0;
    double background = 0;
    double snr_db = 0;
    bool valid = false;  // the window lay inside the spectrum
  };

  DefectEvidenceFinder() = default;
  Line find_line(std::span<const float> amplitude, double bin_hz, double centre_hz, double half_width_hz,
                 double shaft_hz);
  DefectEvidence evaluate(Defect defect, double f0_hz, double modulation_hz, double shaft_hz,
                          std::span<const float> amplitude, double bin_hz);

  EvidenceConfig config_;
  std::size_t max_bins_ = 0;
  std::vector<float> scratch_;  // background samples for the median
};

// The defect with the highest score (first in Defect order on ties).
const DefectEvidence& strongest(const std::array<DefectEvidence, k_defect_count>& evidence);

}  // namespace vigil::dsp
