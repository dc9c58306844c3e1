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
// Health index: the smoothed log of the score above the asset's alarm level s* = d*^2 (the onset
// threshold below, itself set from the baseline):
//     x_k = max(0, ln(s_k / s*))                    excess log-score of snapshot k, >= 0
//     y_k = y_{k-1} + a_k (x_k - y_{k-1}),  a_k = 1 - exp(-(t_k - t_{k-1}) / smoothing_s),  y = 0 at the
//                                                    end of the baseline
//     HI_k = exp(y_k) >= 1                          1 = no worse than the healthy spread allows
// The filter's time constant is in seconds, so irregular or thinned series are filtered consistently. The
// log makes a heavy-tailed score count by factors, not sums; the floor at the alarm level keeps healthy
// scatter (and short excursions the alarm rule ignores) out of the index, so it stays at 1 until the
// score leaves the healthy band and is monotone-ish after. Relative to the alarm level rather than the
// baseline median, the index measures the same thing on every asset: how far past "clearly abnormal".
// smoothing_s = 0 disables the filter (y_k = x_k). During the baseline HI = 1.
//
// Onset: the first sustained alarm. The alarm variable is the distance d_k = sqrt(s_k) of each snapshot
// (a chi-distributed distance is nearly symmetric with a light upper tail, unlike s itself). A Laplace
// model of the healthy distance, centre m = median of d over the baseline and scale b = mean |d - m|
// (the maximum-likelihood Laplace estimates), gives a threshold d* = m + k b. A snapshot is an
// exceedance when d_k > d*; the onset is detected at the first snapshot that completes N exceedances
// among the last M consecutive *available* snapshots after the baseline (a thinned series has gaps; the
// rule counts snapshots, not seconds). onset_s is the time of the first exceedance in that window (when
// the change started), detected_s the time of the alarm.
//
// k from a false-alarm budget alpha over n snapshots (the design length). For a healthy Laplace distance
// one snapshot exceeds m + k b with probability p = (1/2) e^{-k b / beta}. N of M exceed with
// probability <= C(M, N) p^N; by the union bound over n windows, P(false alarm) <= n C(M, N) E[p^N].
// With b estimated from nu samples, b / beta ~ Gamma(nu, 1/nu) and E[e^{-N k b / beta}] =
// (1 + N k / nu)^{-nu}, so setting n C(M, N) 2^{-N} (1 + N k / nu)^{-nu} = alpha:
//     k = (nu / N) ((C(M, N) n / (2^N alpha))^{1 / nu} - 1),   nu = n_b - 1
// (one sample charged to the estimated centre). With M = N this is the rule of diag::band_multiplier
// (src/diag/health_indicators.hpp), which documents its check by simulation. No time gate: nothing can
// alarm before the baseline is complete, and afterwards only the budget decides.
struct HealthIndexConfig {
  double baseline_s = 1200;                   // early life taken as the asset's healthy reference
  std::size_t baseline_min_snapshots = 8;     // >= 3
  std::size_t max_baseline_snapshots = 4096;  // memory bound (>= baseline_min_snapshots)
  double smoothing_s = 300;                   // time constant of the index filter, >= 0 (0 = none)
  std::size_t alarm_count = 3;                // N, 1 <= N <= M
  std::size_t alarm_window = 3;               // M, <= 64
  double false_alarm_probability = 0.01;      // alpha in (0, 1) ...
  std::size_t design_length = 3000;           // ... over n snapshots (longest PRONOSTIA life: 2803)
};

// invalid_argument naming the field when a value is outside its domain.
Status validate(const HealthIndexConfig& config);

// k above for a baseline of n_b values. invalid_argument when the config is invalid or n_b < 2.
Result<double> alarm_multiplier(const HealthIndexConfig& config, std::size_t baseline_count);

// The asset's healthy reference, fixed when the baseline closes.
struct HealthBaseline {
  std::size_t count = 0;          // snapshots in it
  double end_s = 0;               // time of its last snapshot
  double log_score_centre = 0;    // median ln s (the typical healthy score, for reference)
  double distance_centre = 0;     // m = median sqrt(s)
  double distance_scale = 0;      // b = mean |sqrt(s) - m|
  double multiplier = 0;          // k
  double distance_threshold = 0;  // d* = m + k b
  double log_alarm_score = 0;     // ln s* = 2 ln d*: the zero of the health index's log
};

// What the monitor knows after one snapshot.
struct HealthState {
  double time_s = 0;
  double health_index = 1;  // HI >= 1 (1 during the baseline)
  bool baseline_ready = false;
  bool exceedance = false;      // this snapshot's distance is above d*
  bool onset_found = false;     // latched once detected
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
  // Exceedance flags and times of the last M post-baseline snapshots (ring).
  std::vector<unsigned char> window_flags_;
  std::vector<double> window_times_;
  std::vector<std::size_t> window_indices_;
  std::size_t window_pos_ = 0;
  std::size_t window_filled_ = 0;
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
