// The per-asset anomaly model learned from the healthy recordings of a labelled window table: each healthy
// recording split by time (its early windows fit, its late windows calibrate), then the runtime's fitting
// (model/anomaly_fit.hpp). `vigil train anomaly`, the learned evaluation and the autoencoder kind
// (autoencoder_anomaly.hpp) share this split.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "domain/fault_type.hpp"
#include "eval/labelled_windows.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/anomaly_fit.hpp"

namespace vigil::eval {

struct AnomalyTrainingConfig : model::AnomalyFitConfig {
  domain::FaultType healthy = domain::FaultType::normal;  // rows of this fault are the asset's "healthy" data
  // Per recording, windows starting at or after first_start + (1 - calibration_fraction) x (time span of its
  // windows) are held back for calibration; only windows ending before that point fit the scaler and
  // detector (with overlapping windows, none straddles the cut). In (0, 1). The same for both kinds.
  double calibration_fraction = 0.25;
};

// Row indices of a time split (split_by_time, split_healthy_windows).
struct TimeSplit {
  std::vector<std::size_t> early;  // windows ending at or before their recording's cut
  std::vector<std::size_t> late;   // windows starting at or after it
  std::size_t straddling = 0;      // overlapping windows across a cut, in neither
};

// Splits `rows` of `windows` per recording by time: with first / last the recording's first and last window
// starts among `rows`, the cut is first + (1 - late_fraction) (last - first + window_len) samples. Recordings
// in order of first appearance in `rows`, windows in time order within each. Recordings that give one window
// each are snapshots of the asset (FEMTO's acc_NNNNN.csv files, listed in time order): they are split
// together by their order of appearance, the same rule with each snapshot one window long (the first
// (1 - late_fraction) n early, the rest late; listed first in each part). late_fraction in (0, 1).
TimeSplit split_by_time(const LabelledWindows& windows, std::span<const std::size_t> rows,
                        double late_fraction);

// The healthy rows (fault == config.healthy) split by split_by_time at config.calibration_fraction: early =
// fit, late = calibration. recordings: the healthy recordings in table order. Errors (invalid_argument): bad
// config, no healthy rows, a healthy row without k_feature_count features.
struct AnomalySplit {
  std::vector<std::string> recordings;
  TimeSplit windows;
};
Result<AnomalySplit> split_healthy_windows(const LabelledWindows& windows,
                                           const AnomalyTrainingConfig& config);

// What training did besides the model.
struct TrainedAnomaly {
  model::AnomalyModel model;
  std::vector<std::string> recordings;  // healthy recordings used, in table order
  std::size_t fit_windows = 0;          // the fit segment (autoencoder: training + early-stopping windows)
  std::size_t calibration_windows = 0;
  std::size_t straddling_windows = 0;  // overlapping windows across a cut, used for neither
  double calibration_alarm_rate = 0;   // fraction of calibration windows above the threshold
};

// The step both kinds share after fitting: model::calibrate_anomaly_model on split.windows.late. Errors:
// fewer than ScoreCalibration::k_min_scores calibration windows (invalid_argument, naming the held-back
// fraction), scaler / detector / calibration errors.
Result<TrainedAnomaly> calibrate_anomaly_model(model::Scaler scaler, model::AnomalyDetector detector,
                                               const LabelledWindows& windows, const AnomalySplit& split,
                                               const AnomalyTrainingConfig& config);

// The gaussian kind: model::fit_gaussian_anomaly_model on the fit segment of split_healthy_windows,
// calibrated on its late segment. Errors (invalid_argument): those of split_healthy_windows, fewer than 2 fit
// windows, fewer than ScoreCalibration::k_min_scores calibration windows (checked before fitting); the scaler
// / detector / calibration errors otherwise. (The autoencoder kind: train_autoencoder_anomaly.)
Result<TrainedAnomaly> train_anomaly_model(const LabelledWindows& windows,
                                           const AnomalyTrainingConfig& config = {});

// The feature vectors of `rows`, row-major (k_feature_count values per row).
std::vector<float> feature_rows(const LabelledWindows& windows, std::span<const std::size_t> rows);

}  // namespace vigil::eval
