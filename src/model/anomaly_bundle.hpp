// Per-asset anomaly model as a deployable unit: the Scaler (scaler.hpp), the Gaussian T^2 detector
// (gaussian_anomaly.hpp) and the ScoreCalibration (calibration.hpp) of one asset's healthy windows, with an
// alarm threshold at an explicit false-alarm budget; trained from labelled windows, packed as a bundle of kind
// anomaly (bundle.hpp) and scored one feature vector at a time on the edge.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/catalog.hpp"
#include "model/bundle.hpp"
#include "model/calibration.hpp"
#include "model/gaussian_anomaly.hpp"
#include "model/labelled_windows.hpp"
#include "model/scaler.hpp"

namespace vigil::model {

// Bundle member names of an anomaly bundle.
inline constexpr std::string_view k_anomaly_scaler_member = "scaler.json";
inline constexpr std::string_view k_anomaly_detector_member = "detector.json";
inline constexpr std::string_view k_anomaly_calibration_member = "calibration.json";

struct AnomalyTrainingConfig {
  io::FaultType healthy = io::FaultType::normal;  // rows of this fault are the asset's "healthy" data
  // Per recording, windows starting at or after first_start + (1 - calibration_fraction) x (time span of its
  // window starts) are held back for calibration; only windows ending before that point fit the scaler and
  // detector (with overlapping windows, none straddles the cut). In (0, 1).
  double calibration_fraction = 0.25;
  ScalerMethod scaler = ScalerMethod::robust;
  GaussianFitConfig detector;     // Ledoit-Wolf shrinkage by default
  CalibrationConfig calibration;
  double false_alarm_rate = 1e-3;  // alarm budget on healthy windows, in (0, 1)
};

// score() of one window.
struct AnomalyScore {
  double t2 = 0;          // Hotelling T^2 of the standardised features
  double confidence = 0;  // 1 - S(t2): fraction of held-back healthy windows scoring lower, in [0, 1)
  bool alarm = false;     // t2 > threshold()
};

class AnomalyModel {
 public:
  // From fitted parts; the dimensions must agree, false_alarm_rate in (0, 1).
  static Result<AnomalyModel> create(Scaler scaler, GaussianAnomaly detector, ScoreCalibration calibration,
                                     double false_alarm_rate);
  // From a bundle of kind anomaly built for k_feature_schema_version (else invalid_argument): members
  // scaler.json, detector.json, calibration.json and model_info.false_alarm_rate; errors name the member.
  static Result<AnomalyModel> from_bundle(const Bundle& bundle);

  // Scores one raw feature vector (dimension() finite values): z = scaler(x), t2 = detector(z).
  // Allocates nothing (the standardised vector goes to a buffer sized at creation). Not thread-safe: one
  // AnomalyModel per worker.
  Result<AnomalyScore> score(std::span<const float> features);

  std::size_t dimension() const { return scaler_.dimension(); }
  double false_alarm_rate() const { return false_alarm_rate_; }
  double threshold() const { return threshold_; }  // calibration.threshold(false_alarm_rate)
  const Scaler& scaler() const { return scaler_; }
  const GaussianAnomaly& detector() const { return detector_; }
  const ScoreCalibration& calibration() const { return calibration_; }

 private:
  AnomalyModel(Scaler scaler, GaussianAnomaly detector, ScoreCalibration calibration, double false_alarm_rate,
               double threshold);

  Scaler scaler_;
  GaussianAnomaly detector_;
  ScoreCalibration calibration_;
  double false_alarm_rate_ = 0;
  double threshold_ = 0;
  std::vector<float> z_;  // standardised features, dimension() values
};

// What train_anomaly_model did besides the model.
struct TrainedAnomaly {
  AnomalyModel model;
  std::vector<std::string> recordings;   // healthy recordings used, in table order
  std::size_t fit_windows = 0;
  std::size_t calibration_windows = 0;
  std::size_t straddling_windows = 0;    // overlapping windows across a cut, used for neither
  double calibration_alarm_rate = 0;     // fraction of calibration windows above the threshold
};

// Fits the model on the rows of `windows` whose fault is config.healthy, split per recording by time (see
// AnomalyTrainingConfig). Errors (invalid_argument): no healthy rows, fewer than 2 fit windows, fewer than
// ScoreCalibration::k_min_scores calibration windows, a bad config; the scaler / detector / calibration
// errors otherwise.
Result<TrainedAnomaly> train_anomaly_model(const LabelledWindows& windows, const AnomalyTrainingConfig& config = {});

// The bundle: kind anomaly, feature_schema_version = k_feature_schema_version, the three JSON members,
// model_info {false_alarm_rate, threshold, dimension, members}; `training` (an object) goes to the manifest
// as given (null counts as {}).
Result<Bundle> make_anomaly_bundle(const AnomalyModel& model, nlohmann::json training);

}  // namespace vigil::model
