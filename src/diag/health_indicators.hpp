// Health indicators of a bearing over its life, and when each one first leaves its healthy band.
// Feeds run-to-failure evaluation (`vigil eval femto`) and, later, health-index and RUL models: one
// short snapshot of acceleration in, a fixed vector of physically meaningful indicators out; a
// series of them in, the early-life band and the onset of degradation out.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "core/error.hpp"
#include "diag/window_analyzer.hpp"
#include "dsp/bearing.hpp"
#include "dsp/fft.hpp"

namespace vigil::diag {

// The indicators of one snapshot of one channel. Each rises with bearing damage (crest factor too in
// the early, impulsive stage; it can fall again once damage spreads and the signal turns broadband).
enum class Indicator {
  rms_g,              // overall level (Parseval: all the energy in the snapshot)
  peak_g,             // max |x|
  crest_factor,       // peak / rms: impulsiveness relative to level
  kurtosis,           // m4 / m2^2 (3 for Gaussian): impulsiveness of the raw signal
  velocity_rms_mm_s,  // ISO 10816 velocity RMS, 10-1000 Hz (the severity an ISO chart judges)
  band_kurtosis,      // spectral kurtosis of the kurtogram's best band: impulsiveness where it is strongest
  high_band_rms_g,    // RMS of the content above high_band_low_hz: early surface damage rings resonances
  bpfo_score_db,      // envelope evidence score at BPFO (outer race), dsp::DefectEvidence::score
  bpfi_score_db,      // ... at BPFI (inner race)
  bsf_score_db,       // ... at BSF (rolling element)
};
inline constexpr std::size_t k_indicator_count = 10;
inline constexpr std::array<Indicator, k_indicator_count> k_all_indicators{Indicator::rms_g,
                                                                           Indicator::peak_g,
                                                                           Indicator::crest_factor,
                                                                           Indicator::kurtosis,
                                                                           Indicator::velocity_rms_mm_s,
                                                                           Indicator::band_kurtosis,
                                                                           Indicator::high_band_rms_g,
                                                                           Indicator::bpfo_score_db,
                                                                           Indicator::bpfi_score_db,
                                                                           Indicator::bsf_score_db};

// The name above ("rms_g", "velocity_rms_mm_s", ...): CSV column stem and JSON name.
std::string_view to_string(Indicator indicator);

// Values indexed by static_cast<std::size_t>(Indicator).
using IndicatorValues = std::array<double, k_indicator_count>;
inline double value_of(const IndicatorValues& values, Indicator indicator) {
  return values[static_cast<std::size_t>(indicator)];
}

struct HealthIndicatorConfig {
  double sample_rate_hz = 0;
  std::size_t window_len = 0;      // samples per snapshot (FEMTO: 2560 = 0.1 s at 25.6 kHz)
  dsp::BearingGeometry bearing;    // for the defect frequencies of the envelope scores
  double max_speed_rpm = 3600;     // highest speed compute() will be given
  double high_band_low_hz = 5000;  // lower edge of the high-frequency band (up to Nyquist)
  dsp::PlanEffort effort = dsp::PlanEffort::measure;
};

// Computes IndicatorValues per snapshot with preallocated plans and buffers.
//
// Time statistics, velocity RMS, band kurtosis and the defect evidence come from one WindowAnalyzer
// (kurtogram demodulation). The high-band RMS is a second, rectangular-window real FFT of the same
// snapshot and Parseval's theorem restricted to the bins k with f_k = k fs / N >= f_low:
//     rms_hb^2 = (1 / N^2) sum_{k in band} c_k |X[k]|^2,  c_k = 2 except c = 1 at DC and Nyquist,
// i.e. exactly the mean square of the part of the snapshot above f_low when its content lies on bins.
// No taper: the rectangular window's leakage falls as 1 / (pi d) in amplitude at d bins, so a line at
// shaft frequency leaks ~1e-7 of its power 500 bins (5 kHz) away, far below any bearing signal, and
// the sum stays an exact energy partition (a taper would need an energy correction that is only right
// for broadband content).
class HealthIndicatorExtractor {
 public:
  static Result<HealthIndicatorExtractor> create(const HealthIndicatorConfig& config);

  // Indicators of one snapshot (window_len samples, in g) at shaft speed speed_rpm (> 0, at most
  // max_speed_rpm). invalid_argument when the length or speed is wrong. Allocates nothing.
  Result<IndicatorValues> compute(std::span<const float> window_g, double speed_rpm);

  const HealthIndicatorConfig& config() const { return config_; }

 private:
  HealthIndicatorExtractor() = default;

  HealthIndicatorConfig config_;
  std::optional<WindowAnalyzer> analyzer_;
  std::optional<dsp::RealFft> fft_;
  std::size_t high_band_first_bin_ = 0;
};

// ---------------------------------------------------------------------------------------------------
// Onset of degradation: the first time an indicator leaves its early-life band and stays out.
//
// Baseline: the first snapshots of the series, n_b = max(baseline_min_snapshots, number of snapshots
// with t - t_0 <= baseline_life_fraction * (t_last - t_0)). A bearing is assumed healthy early in its
// life (in PRONOSTIA the degradation shows in the last part of each test); 10 % of life keeps the
// baseline well clear of it while still holding tens to hundreds of snapshots at the full 10 s
// rate, and the minimum count keeps the band estimate usable when snapshots are sparse (a thinned copy
// can hold only 4 snapshots in the first 10 %). Values that are not finite are left out of the baseline.
//
// Band: a Laplace model of the healthy indicator, centre c = median of the baseline, scale
// b = mean |x - c| (the maximum-likelihood estimates of the Laplace location and scale), band
// [c - k b, c + k b]. Laplace rather than Gaussian because condition indicators have heavier tails
// than Gaussian ones (occasional knocks, electrical spikes); the rule is then conservative for
// Gaussian indicators. Unlike the MAD, b keeps a usable sampling distribution for 10 samples (the MAD
// of 10 samples is sometimes tiny, which forces k near 12 for the same false-alarm rate); the price is
// that a spike inside the baseline widens the band (a later or missed onset, never a false one).
// Running-in (a higher level during the first minutes that then settles, seen in several PRONOSTIA
// bearings) has the same effect; it is why only exceedances above the band count by default.
// The 10 % rule looks at the whole life, so it is an evaluation choice; with baseline_life_fraction = 0
// the rule is causal (first N snapshots) and can run online.
//
// Onset: `persistence` (m) consecutive *available* snapshots after the baseline outside the band (above
// it, or on either side with Exceedance::either). In a thinned series consecutive available snapshots
// can be far apart in time (150 s in the FEMTO copy, 10 s near the end): persistence is counted in
// snapshots, not seconds. onset_s is the time of the first snapshot of the run (when the change
// started), detected_s the time of its m-th (when a monitor running the rule would alarm), and the
// lead time is measured from detected_s: the warning an operator would actually have had.
//
// Choice of k from a false-alarm budget. For a healthy indicator with Laplace(mu, beta) snapshots, one
// snapshot exceeds c + k b with probability q e^{-k b / beta} (q = 1/2 above, q = 1 either side, taking
// c = mu). A false onset needs m exceedances in a row; by the union bound over at most n starting
// points, P(false onset in n snapshots) <= n E[(q e^{-k b / beta})^m]. With b estimated from nu
// samples, b / beta ~ Gamma(nu, 1 / nu), whose moment generating function gives
//     E[e^{-m k b / beta}] = (1 + m k / nu)^{-nu},
// so requiring n q^m (1 + m k / nu)^{-nu} = alpha:
//     k = (nu / m) ((q^m n / alpha)^{1 / nu} - 1),   nu = n_b - 1,
// with one sample's worth of information charged to the estimated centre (nu = n_b - 1, the usual
// degrees-of-freedom correction). As n_b -> infinity k -> ln(q (n / alpha)^{1/m}), the known-scale value.
// Defaults: alpha = 1 % over n = 3000 snapshots (longer than any PRONOSTIA life at the full 10 s rate,
// 2803), m = 3 (one or two spikes are common in real data; three in a row are not). Checked by
// simulation (numpy, 2000 series of 3000 iid snapshots): Laplace 0.65 % (n_b 10), 1.45 % (n_b 20),
// 1.0 % (n_b 50), 1.05 % (n_b 300); Gaussian <= 0.15 %. Real indicators drift and are correlated from
// one snapshot to the next, so the true false-alarm rate on a machine is higher than this design value.
// Nothing here is fitted to the PRONOSTIA bearings: every constant follows from alpha, n and m.
// k is ~6.7 for n_b = 10, ~4.7 for 20, ~3.9 for 50.
enum class Exceedance {
  above,   // only values above the band count: damage raises every indicator (default)
  either,  // values on either side count
};

struct OnsetRule {
  std::size_t baseline_min_snapshots = 10;
  double baseline_life_fraction = 0.10;   // in [0, 1); 0 makes the rule causal (first N snapshots only)
  std::size_t persistence = 3;            // m >= 1
  double false_alarm_probability = 0.01;  // alpha in (0, 1)
  std::size_t design_length = 3000;       // n: snapshots over which alpha holds
  Exceedance exceedance = Exceedance::above;
};

// k of the band for a baseline of n_b finite values (formula above). invalid_argument when the rule's
// values are out of their domain or n_b < 2.
Result<double> band_multiplier(const OnsetRule& rule, std::size_t baseline_count);

// How many leading snapshots of a series with these times form the baseline (before dropping
// non-finite values). Clamped to the series length.
std::size_t count_baseline_snapshots(std::span<const double> time_s, const OnsetRule& rule);

struct IndicatorBand {
  double centre = 0;                   // median of the baseline
  double scale = 0;                    // mean |x - centre| over the baseline
  double multiplier = 0;               // k
  double low = 0;                      // centre - k scale
  double high = 0;                     // centre + k scale
  std::size_t baseline_count = 0;      // finite values that formed the band
  std::size_t baseline_snapshots = 0;  // snapshots the baseline spans (the search starts after them)
};

struct IndicatorOnset {
  IndicatorBand band;
  bool found = false;
  std::size_t onset_index = 0;  // first snapshot of the run (valid when found)
  double onset_s = 0;           // its time
  double detected_s = 0;        // time of the run's m-th snapshot
  double lead_time_s = 0;       // t_last - detected_s
  double lead_fraction = 0;     // lead_time_s / (t_last - t_0)
};

// Band and onset of one indicator series. time_s strictly increasing and finite, values.size() ==
// time_s.size(), non-finite values never count as outside (they break a run). invalid_argument when
// the series is malformed, shorter than the baseline plus persistence, or the baseline holds fewer
// than 2 finite values.
Result<IndicatorOnset> find_onset(std::span<const double> time_s, std::span<const double> values,
                                  const OnsetRule& rule = {});

}  // namespace vigil::diag
