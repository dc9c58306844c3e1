// Health index and onset of degradation of one asset from its anomaly-score trend. Sits after the
// per-snapshot anomaly model (a squared distance such as Mahalanobis T^2 on the feature vector) and
// before the RUL model (rul.hpp): scores in, a monotone-ish health index and the first sustained alarm out.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace vigil::model {

// The score is taken to be a squared distance from normal (>= 0, e.g. T^2 = z' S^-1 z): any model whose
// score grows with damage fits. Everything is relative to the asset's own early life (its baseline).
//
// Baseline: the snapshots with t - t_0 <= baseline_s, and at least baseline_min_snapshots of them (at most
// max_baseline_snapshots, which bounds the memory). A new bearing (or a newly installed sensor) is taken
// to be healthy while the baseline is learned; run-in settles inside it.
//
// Health index: the smoothed log of the score above the asset's reference level s_ref = d_ref^2, with
// d_ref = m + c b from the baseline's distances (centre m and Laplace scale b, as for the onset below) and
// c = reference_scales:
//     x_k = max(0, ln(s_k / s_ref))                 excess log-score of snapshot k, >= 0
//     y_k = y_{k-1} + a_k (x_k - y_{k-1}),  a_k = 1 - exp(-(t_k - t_{k-1}) / smoothing_s),  y = 0 at the
//                                                    end of the baseline
//     HI_k = exp(y_k) >= 1                          1 = no worse than the healthy spread allows
// The filter's time constant is in seconds, so irregular or thinned series are filtered consistently. The
// log makes a heavy-tailed score count by factors, not sums; the floor at the reference keeps healthy
// scatter out of the index, so it stays near 1 until the score leaves the healthy band and is
// monotone-ish after. Relative to a level set in the asset's own healthy spread, the index measures the
// same thing on every asset. The reference is a fixed number of scales above the centre (a Laplace
// healthy distance exceeds it with probability e^{-c} / 2, 1.5 % for c = 3.5) rather than the alarm
// threshold d*, because d* depends on how many snapshots the baseline holds and on how many make an
// alarm: the index, and the degradation path the RUL model fits to it, would then shift with the
// snapshot interval. smoothing_s = 0 disables the filter (y_k = x_k). During the baseline HI = 1.
//
// Onset: the first sustained alarm. The alarm variable is the distance d_k = sqrt(s_k) of each snapshot
// (a chi-distributed distance is nearly symmetric with a light upper tail, unlike s itself). A Laplace
// model of the healthy distance, centre m = median of d over the baseline and scale b = mean |d - m|
// (the maximum-likelihood Laplace estimates), gives a threshold d* = m + k b. A snapshot is an
// exceedance when d_k > d*; the onset is detected at the first snapshot after the baseline at which the
// distance has stayed above d* for persistence_s seconds (every snapshot from the first exceedance of
// the run to this one exceeds, and they span at least persistence_s). Every duration of the rule is in
// seconds, so a monitor that sees every 15th snapshot applies the same rule as one that sees them all.
// onset_s is the time of the first exceedance of the run (when the change started), detected_s the time
// of the alarm.
//
// k from a false-alarm budget: probability alpha of a false alarm over design_s seconds of healthy
// running. At the baseline's mean snapshot interval dt (seconds between its first and last snapshot
// over n_b - 1), an alarm needs m = 1 + ceil(persistence_s / dt) exceedances in a row and there are
// n = design_s / dt places to start them. For a healthy Laplace distance one snapshot exceeds m + k b with
// probability p = (1/2) e^{-k b / beta}; by the union bound, P(false alarm) <= n E[p^m]. With b estimated
// from nu samples, b / beta ~ Gamma(nu, 1/nu) and E[e^{-m k b / beta}] = (1 + m k / nu)^{-nu}, so setting
// n 2^{-m} (1 + m k / nu)^{-nu} = alpha:
//     k = (nu / m) ((n / (2^m alpha))^{1 / nu} - 1),   nu = n_b - 1
// (one sample charged to the estimated centre). This is the rule of diag::band_multiplier
// (src/diag/health_indicators.hpp) with m and n derived from durations; it documents its check by
// simulation. The defaults at the full FEMTO cadence (dt = 10 s) give m = 3 and n = 3000, the values of
// that rule. No time gate: nothing can alarm before the baseline is complete, and afterwards only the
// budget decides.
struct HealthIndexConfig {
  double baseline_s = 1200;                   // early life taken as the asset's healthy reference
  std::size_t baseline_min_snapshots = 8;     // >= 3: fewest values a scale is estimated from
  std::size_t max_baseline_snapshots = 4096;  // memory bound (>= baseline_min_snapshots)
  double smoothing_s = 300;                   // time constant of the index filter, >= 0 (0 = none)
  double reference_scales = 3.5;              // c >= 0: the index's zero, in baseline scales above centre
  double persistence_s = 20;                  // >= 0: how long the distance must stay above d*
  double false_alarm_probability = 0.01;      // alpha in (0, 1) ...
  double design_s = 30000;                    // ... over this much healthy running (> 0)
};

// invalid_argument naming the field when a value is outside its domain.
Status validate(const HealthIndexConfig& config);

// m above: exceedances in a row that span persistence_s at a snapshot interval of interval_s (> 0).
std::size_t alarm_run_length(const HealthIndexConfig& config, double interval_s);
// k above for a baseline of n_b values at a mean snapshot interval of interval_s. invalid_argument when the
// config is invalid, n_b < 2 or the interval is not finite and > 0.
Result<double> alarm_multiplier(const HealthIndexConfig& config, std::size_t baseline_count,
                                double interval_s);

// The asset's healthy reference, fixed when the baseline closes.
struct HealthBaseline {
  std::size_t count = 0;           // snapshots in it
  double end_s = 0;                // time of its last snapshot
  double log_score_centre = 0;     // median ln s (the typical healthy score, for reference)
  double distance_centre = 0;      // m = median sqrt(s)
  double distance_scale = 0;       // b = mean |sqrt(s) - m|
  double multiplier = 0;           // k
  double interval_s = 0;           // mean snapshot interval of the baseline
  double distance_threshold = 0;   // d* = m + k b
  double log_alarm_score = 0;      // ln s* = 2 ln d*
  double log_reference_score = 0;  // ln s_ref = 2 ln(m + c b): the zero of the health index's log
};

// What the monitor knows after one snapshot.
struct HealthState {
  double time_s = 0;
  double health_index = 1;  // HI >= 1 (1 during the baseline)
  bool baseline_ready = false;
  bool exceedance = false;                                        // this snapshot's distance is above d*
  bool onset_found = false;                                       // latched once detected
  double run_start_s = std::numeric_limits<double>::quiet_NaN();  // first exceedance of the current run
  std::size_t onset_index = 0;  // snapshot number (0-based, in update() order) of the onset
  double onset_s = std::numeric_limits<double>::quiet_NaN();
  double detected_s = std::numeric_limits<double>::quiet_NaN();
};

// Online health index and onset for one asset: feed every snapshot's score in time order. Memory is
// reserved at create(); update() allocates nothing.
class HealthMonitor {
 public:
  static Result<HealthMonitor> create(const HealthIndexConfig& config);

  // One snapshot. time_s finite and strictly after the previous one; score finite and >= 0.
  // invalid_argument otherwise (the monitor's state is then unchanged).
  Result<HealthState> update(double time_s, double score);

  const HealthState& state() const { return state_; }
  // Valid when state().baseline_ready.
  const HealthBaseline& baseline() const { return baseline_; }
  const HealthIndexConfig& config() const { return config_; }
  // Snapshots seen so far.
  std::size_t count() const { return count_; }

 private:
  HealthMonitor() = default;
  Status close_baseline();

  HealthIndexConfig config_;
  HealthBaseline baseline_;
  HealthState state_;
  std::vector<double> baseline_scores_;  // scores of the baseline, then scratch for its medians
  std::vector<double> scratch_;
  std::size_t run_start_index_ = 0;  // snapshot number of the current run's first exceedance
  std::size_t count_ = 0;
  double first_s_ = 0;
  double last_s_ = 0;
  double log_excess_ = 0;  // y
};

// The whole series at once (replays HealthMonitor): health index per snapshot and the final state.
struct HealthTrack {
  std::vector<double> health_index;
  HealthState final_state;
  HealthBaseline baseline;  // valid when final_state.baseline_ready
};
// Same checks as update(), plus equal lengths; the error names the offending snapshot.
Result<HealthTrack> track_health(std::span<const double> time_s, std::span<const double> score,
                                 const HealthIndexConfig& config = {});

}  // namespace vigil::model
