// Per-asset anomaly detection over a run to failure (`vigil eval anomaly femto`): the asset's own anomaly
// model fitted on its first baseline_s of running the way commissioning on site fits it
// (model::fit_gaussian_anomaly_baseline: robust scaler, Ledoit-Wolf Gaussian T^2, threshold calibrated on
// held-back baseline snapshots at a per-snapshot false-alarm budget), then every later snapshot scored and
// debounced; beside it two one-feature peers (RMS level, kurtosis) thresholded at the same budget on the same
// baseline snapshots. Reported per detector: how often it alarms on the part of life taken as healthy, and
// when it alarms before the end.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "model/rul_pipeline.hpp"

namespace vigil::eval {

// Persistence: a detector's alarm is raised when at least raise_n of the last raise_m snapshots exceed its
// threshold, and cleared after clear_snapshots consecutive snapshots without that (the edge's N-of-M
// debouncing and its defaults, edge/alerting.hpp). Under the healthy-fit model, exceedances are independent
// with probability alpha (the budget), so a healthy raise has probability at most C(raise_m, raise_n)
// alpha^raise_n per snapshot (1e-8 for 3 of 5 at alpha = 1e-3).
struct Persistence {
  std::size_t raise_n = 3;
  std::size_t raise_m = 5;
  std::size_t clear_snapshots = 10;
};
// invalid_argument naming the field: raise_n in 1..raise_m, raise_m in 1..64, clear_snapshots >= 1.
Status validate(const Persistence& persistence);

// The debounced alarm of a series of exceedances (in time order): alarm[i] is the state after snapshot i.
std::vector<bool> debounced_alarms(const std::vector<bool>& exceeds, const Persistence& persistence);

struct LifeAnomalyConfig {
  // The asset's first baseline_s of running (t - t_0 <= baseline_s) fits its model: the docs/rul.md
  // baseline. > 0; it must hold at least 2 ScoreCalibration::k_min_scores snapshots (40).
  double baseline_s = 1200;
  double false_alarm_rate = 1e-3;  // per-snapshot budget of every detector's threshold, in (0, 0.5)
  Persistence persistence;
  // The outside criterion of "still healthy": snapshots with t - t_0 <= healthy_fraction (t_end - t_0)
  // (after the baseline) count as healthy running; alarms there are false alarms. In (0, 1).
  double healthy_fraction = 0.5;
};
// invalid_argument naming the field.
Status validate(const LifeAnomalyConfig& config);

// The detectors compared, in report order: the anomaly model (T^2 of the 28 schema features) and the two
// one-feature peers, each the schema feature itself as the score (rms_db: 20 log10 RMS; log_kurtosis).
enum class LifeDetector { schema_t2, rms, kurtosis };
inline constexpr std::size_t k_life_detector_count = 3;
std::string_view to_string(LifeDetector detector);  // "schema_t2", "rms", "kurtosis"

inline constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// One detector on one life. Times in seconds from the life's first snapshot.
struct DetectorOutcome {
  LifeDetector detector = LifeDetector::schema_t2;
  double threshold = 0;                     // score above which a snapshot exceeds
  std::size_t calibration_exceedances = 0;  // calibration snapshots above it
  // The healthy part (after the baseline, up to the healthy end).
  std::size_t healthy_snapshots = 0;
  std::size_t healthy_exceedances = 0;
  std::size_t healthy_raises = 0;           // alarms raised there (false alarms)
  std::size_t healthy_alarm_snapshots = 0;  // snapshots there spent in alarm
  // Detection.
  double first_alarm_s = k_nan;  // first raise after the baseline (NaN: never)
  double held_from_s = k_nan;    // raise of the alarm still on at the last snapshot (NaN: off at the end)
  double healthy_exceedance_rate() const;  // healthy_exceedances / healthy_snapshots (NaN with none)
};

struct LifeAnomalyResult {
  std::string life;
  double life_s = 0;  // t_end - t_0
  std::size_t snapshots = 0;
  std::size_t baseline_snapshots = 0;
  std::size_t fit_snapshots = 0;
  std::size_t calibration_snapshots = 0;
  double shrinkage = 0;                    // the T^2 model's Ledoit-Wolf intensity
  double healthy_end_s = 0;                // healthy_fraction x life_s
  std::vector<DetectorOutcome> detectors;  // LifeDetector order
  std::vector<double> t2_score;            // the anomaly model's score per snapshot (baseline included)
};

// Fits on the baseline snapshots of `life` (its schema vectors; model::validate(life, schema_t2)) and scores
// the rest. invalid_argument naming the life for a malformed life, a bad config, a baseline of fewer than
// 40 snapshots or one that covers the healthy part; the fit's errors otherwise.
Result<LifeAnomalyResult> evaluate_life_anomaly(const model::LifeFeatures& life,
                                                const LifeAnomalyConfig& config = {});

nlohmann::json to_json(const Persistence& persistence);  // {raise_n, raise_m, clear_snapshots}
nlohmann::json to_json(const LifeAnomalyConfig& config);
nlohmann::json to_json(const LifeAnomalyResult& result);  // without t2_score

}  // namespace vigil::eval
