// Fitting a per-asset anomaly model from healthy feature rows: the robust scaler, the Gaussian T^2 detector
// and the calibration of its score into a confidence with an alarm threshold at a false-alarm budget. What
// commissioning on site (the edge learns its asset's normal) and training from recordings (eval/
// anomaly_training.hpp) share; no learning library and no dataset reader.
#pragma once

#include <cstddef>
#include <span>

#include "core/error.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/calibration.hpp"
#include "model/gaussian_anomaly.hpp"
#include "model/scaler.hpp"

namespace vigil::model {

struct AnomalyFitConfig {
  ScalerMethod scaler = ScalerMethod::robust;
  GaussianFitConfig detector;  // gaussian kind: Ledoit-Wolf shrinkage by default
  CalibrationConfig calibration;
  double false_alarm_rate = 1e-3;  // alarm budget on healthy windows, in (0, 1)
};

// What fitting gives besides the model.
struct CalibratedAnomaly {
  AnomalyModel model;
  std::size_t calibration_windows = 0;
  double calibration_alarm_rate = 0;  // fraction of calibration rows above the threshold
};

// Scores `calibration_rows` (row-major, scaler.dimension() values per row; healthy windows held back from the
// fit) through scaler + detector, fits the ScoreCalibration on them and builds the model with its threshold
// at config.false_alarm_rate. invalid_argument for fewer than ScoreCalibration::k_min_scores rows, a ragged
// matrix, or a scaler and detector of different dimensions; their errors otherwise.
Result<CalibratedAnomaly> calibrate_anomaly_model(Scaler scaler, AnomalyDetector detector,
                                                  std::span<const float> calibration_rows,
                                                  const AnomalyFitConfig& config);

// The gaussian kind: the scaler and the T^2 detector fitted on `fit_rows` (at least 2 rows of `dimension`
// values), then calibrate_anomaly_model on `calibration_rows`. The two sets must not share a window: a score
// calibrated on the windows it was fitted on is biased low and the alarm budget would not hold.
Result<CalibratedAnomaly> fit_gaussian_anomaly_model(std::span<const float> fit_rows,
                                                     std::span<const float> calibration_rows,
                                                     std::size_t dimension,
                                                     const AnomalyFitConfig& config = {});

// Rows per block of the interleaved split below.
inline constexpr std::size_t k_baseline_block_rows = 64;

// The gaussian kind from one asset's healthy baseline alone (rows in time order), as commissioning on site
// fits it and as the run-to-failure evaluation (eval/life_anomaly.hpp) does: consecutive rows are split into
// blocks of k_baseline_block_rows, alternately fit and calibration (first block fits), so that both halves
// span the whole baseline and strongly correlated neighbours (overlapping windows) rarely sit on both sides;
// with fewer than 4 blocks' rows, single rows alternate instead (even rows fit, odd rows calibrate: the
// right split for snapshots taken seconds apart). Errors as fit_gaussian_anomaly_model (so at least
// 2 ScoreCalibration::k_min_scores rows are needed).
Result<CalibratedAnomaly> fit_gaussian_anomaly_baseline(std::span<const float> rows, std::size_t dimension,
                                                        const AnomalyFitConfig& config = {});
// Whether row `row` of a baseline of `rows` rows calibrates (true) or fits (false) in the split above.
bool is_baseline_calibration_row(std::size_t row, std::size_t rows);

}  // namespace vigil::model
