// Per-asset anomaly model as a deployable unit: the Scaler (scaler.hpp) of one asset's healthy windows, a
// detector of one of two kinds, and the ScoreCalibration (calibration.hpp) of the detector's score on
// held-back healthy windows, with an alarm threshold at an explicit false-alarm budget. The two kinds:
//   gaussian     Hotelling T^2 of the standardised features (gaussian_anomaly.hpp): mean / covariance with
//                shrinkage, whose sufficient statistics merge exactly across sites;
//   autoencoder  the standardised mean squared reconstruction error of a small dense autoencoder trained
//                with libtorch (train/autoencoder.hpp, train/autoencoder_anomaly.hpp), exported to ONNX and
//                served through OpenCV DNN (onnx_inference.hpp).
// Both sit behind one interface (AnomalyModel::score) and one bundle kind, anomaly (bundle.hpp), whose
// manifest says which detector it carries (model_info.detector). Fitting and calibration from healthy feature
// rows: anomaly_fit.hpp (the gaussian kind, no learning library); the autoencoder kind is trained with
// libtorch (vigil_model_train) and from labelled windows in vigil_eval (eval/anomaly_training.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"
#include "model/calibration.hpp"
#include "model/gaussian_score.hpp"
#include "model/mlp.hpp"
#include "model/onnx_inference.hpp"
#include "model/scaler.hpp"

namespace vigil::model {

struct Bundle;  // model/bundle.hpp

// Bundle member names of an anomaly bundle. Every bundle has the scaler and the calibration; a gaussian one
// has detector.json, an autoencoder one the graph and its reconstruction.json (and nothing of the other
// kind).
inline constexpr std::string_view k_anomaly_scaler_member = "scaler.json";
inline constexpr std::string_view k_anomaly_calibration_member = "calibration.json";
inline constexpr std::string_view k_anomaly_detector_member = "detector.json";
inline constexpr std::string_view k_anomaly_graph_member = "autoencoder.onnx";
inline constexpr std::string_view k_anomaly_reconstruction_member = "reconstruction.json";

enum class AnomalyDetectorKind { gaussian, autoencoder };
std::string_view to_string(AnomalyDetectorKind kind);  // "gaussian", "autoencoder"
Result<AnomalyDetectorKind> parse_anomaly_detector_kind(std::string_view name);

// The autoencoder detector: a dense network g (standardised features z in, their reconstruction out, both d
// values; exported to ONNX, run by OpenCV DNN) and the per-feature scales s of its error,
//   e(z) = (1/d) sum_i ((z_i - g(z)_i) / s_i)^2,
// the same e as train::reconstruction_error (s = the training rows' standard deviations of z, so e is the
// autoencoder's training loss, averaging ~ the final loss on healthy windows). A copy shares nothing with the
// original: it re-loads the graph from its bytes on its first score() (so each worker may hold its own copy).
class AutoencoderAnomaly {
 public:
  AutoencoderAnomaly(const AutoencoderAnomaly& other);
  AutoencoderAnomaly& operator=(const AutoencoderAnomaly& other);
  AutoencoderAnomaly(AutoencoderAnomaly&&) noexcept = default;
  AutoencoderAnomaly& operator=(AutoencoderAnomaly&&) noexcept = default;
  ~AutoencoderAnomaly() = default;

  // From a trained network (input_size() == output_size() == d, the last layer linear), its ONNX form
  // (train::autoencoder_graph) and d positive finite scales. The graph is loaded through OpenCV here, and
  // e(0) through OpenCV must match e(0) through reference_forward (double) within k_probe_tolerance relative:
  // the probe recorded in reconstruction.json, checked again when a bundle is loaded.
  static Result<AutoencoderAnomaly> create(const MlpSpec& network, std::string graph,
                                           std::vector<float> scale);
  // From bundle members: the ONNX bytes and reconstruction.json (see to_json). Refuses (naming the member)
  // shapes that disagree (graph input / output vs the scales) and a graph whose e(0) is not the probe's,
  // i.e. a graph and scales of two different trainings.
  static Result<AutoencoderAnomaly> from_members(std::string graph, const nlohmann::json& reconstruction);

  // e(z) for one standardised feature vector (dimension() finite values). The graph runs through the
  // allocation-free evaluator (OnnxModel::run); the reconstruction buffer is sized at creation. The first
  // call on a copy loads the graph (OnnxModel::create). Not thread-safe.
  Result<double> score(std::span<const float> z);

  std::size_t dimension() const { return scale_.size(); }
  const std::vector<float>& scale() const { return scale_; }
  const std::string& graph() const { return graph_; }  // the ONNX bytes (bundle member autoencoder.onnx)
  double probe_error() const { return probe_error_; }  // e(0), reference forward in double

  // {"type": "reconstruction_error", "version": 1, "graph": "autoencoder.onnx", "dimension": d,
  //  "error": "mean squared standardised reconstruction error", "scale": [s_1..s_d],
  //  "probe": {"input": "zeros", "error": e(0)}}
  nlohmann::json to_json() const;

  // Relative tolerance of the probe: float32 forward vs double reference of a few-layer network, ~1e-6 in
  // practice (an unrelated graph differs at the first or second digit).
  static constexpr double k_probe_tolerance = 1e-4;

 private:
  AutoencoderAnomaly(OnnxModel onnx, std::string graph, std::vector<float> scale, double probe_error);

  std::optional<OnnxModel> onnx_;  // empty in a copy until its first score()
  std::string graph_;
  std::vector<float> scale_;
  double probe_error_ = 0;
  std::vector<float> reconstruction_;  // d values
};

using AnomalyDetector = std::variant<GaussianAnomaly, AutoencoderAnomaly>;

// score() of one window.
struct AnomalyScore {
  double score = 0;  // the detector's raw score: T^2 (gaussian) or e(z) (autoencoder); larger = more abnormal
  double confidence = 0;  // 1 - S(score): fraction of held-back healthy windows scoring lower, in [0, 1)
  bool alarm = false;     // score > threshold()
};

class AnomalyModel {
 public:
  // From fitted parts; the dimensions must agree, false_alarm_rate in (0, 1). The calibration must have been
  // fitted on scores of this detector (nothing here can check that).
  static Result<AnomalyModel> create(Scaler scaler, AnomalyDetector detector, ScoreCalibration calibration,
                                     double false_alarm_rate);
  // From a bundle of kind anomaly built for a feature schema version this build reads (1 or 2, which have
  // the same window features; else invalid_argument): model_info {detector, false_alarm_rate, threshold},
  // scaler.json, calibration.json and the detector's members (above). Refuses, naming the member: a missing
  // member, a member of the other kind, dimensions that disagree, an autoencoder graph that fails its probe,
  // a calibration whose threshold at the budget is not model_info.threshold (a calibration of another model).
  static Result<AnomalyModel> from_bundle(const Bundle& bundle);

  // Scores one raw feature vector (dimension() finite values): z = scaler(x), score = detector(z).
  // Allocates nothing in steady state for either kind (z goes to a buffer sized at creation; the
  // autoencoder's graph runs through the allocation-free evaluator). Not thread-safe: one AnomalyModel per
  // worker.
  Result<AnomalyScore> score(std::span<const float> features);

  AnomalyDetectorKind detector_kind() const;
  std::size_t dimension() const { return scaler_.dimension(); }
  double false_alarm_rate() const { return false_alarm_rate_; }
  double threshold() const { return threshold_; }  // calibration.threshold(false_alarm_rate)
  const Scaler& scaler() const { return scaler_; }
  const AnomalyDetector& detector() const { return detector_; }
  const GaussianAnomaly* gaussian() const { return std::get_if<GaussianAnomaly>(&detector_); }
  const AutoencoderAnomaly* autoencoder() const { return std::get_if<AutoencoderAnomaly>(&detector_); }
  const ScoreCalibration& calibration() const { return calibration_; }

 private:
  AnomalyModel(Scaler scaler, AnomalyDetector detector, ScoreCalibration calibration, double false_alarm_rate,
               double threshold);

  Scaler scaler_;
  AnomalyDetector detector_;
  ScoreCalibration calibration_;
  double false_alarm_rate_ = 0;
  double threshold_ = 0;
  std::vector<float> z_;  // standardised features, dimension() values
};

// The bundle: kind anomaly, feature_schema_version = k_feature_schema_version, scaler.json, calibration.json
// and the detector's members (detector.json, or autoencoder.onnx + reconstruction.json), model_info
// {detector, score, false_alarm_rate, threshold, dimension, members}; `training` (an object) goes to the
// manifest as given (null counts as {}).
Result<Bundle> make_anomaly_bundle(const AnomalyModel& model, nlohmann::json training);

}  // namespace vigil::model
