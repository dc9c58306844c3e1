#include "model/anomaly_bundle.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "model/feature_schema.hpp"

namespace vigil::model {

AnomalyModel::AnomalyModel(Scaler scaler, GaussianAnomaly detector, ScoreCalibration calibration,
                           double false_alarm_rate, double threshold)
    : scaler_(std::move(scaler)),
      detector_(std::move(detector)),
      calibration_(std::move(calibration)),
      false_alarm_rate_(false_alarm_rate),
      threshold_(threshold),
      z_(scaler_.dimension()) {}

Result<AnomalyModel> AnomalyModel::create(Scaler scaler, GaussianAnomaly detector, ScoreCalibration calibration,
                                          double false_alarm_rate) {
  if (scaler.dimension() != detector.dimension()) {
    return fail(ErrorCode::invalid_argument, "anomaly model: scaler has {} features, detector {}",
                scaler.dimension(), detector.dimension());
  }
  auto threshold = calibration.threshold(false_alarm_rate);
  if (!threshold) return std::unexpected(threshold.error().with_context("anomaly model"));
  return AnomalyModel(std::move(scaler), std::move(detector), std::move(calibration), false_alarm_rate, *threshold);
}

Result<AnomalyScore> AnomalyModel::score(std::span<const float> features) {
  if (auto ok = scaler_.transform(features, z_); !ok) return std::unexpected(ok.error());
  auto t2 = detector_.score(z_);
  if (!t2) return std::unexpected(t2.error());
  return AnomalyScore{.t2 = *t2, .confidence = calibration_.confidence(*t2), .alarm = *t2 > threshold_};
}

Result<AnomalyModel> AnomalyModel::from_bundle(const Bundle& bundle) {
  if (bundle.kind != ModelKind::anomaly) {
    return fail(ErrorCode::invalid_argument, "bundle of kind '{}', expected 'anomaly'", to_string(bundle.kind));
  }
  if (bundle.feature_schema_version != k_feature_schema_version) {
    return fail(ErrorCode::invalid_argument, "feature schema version {}, this build reads {}",
                bundle.feature_schema_version, k_feature_schema_version);
  }
  auto scaler_json = bundle.json_member(k_anomaly_scaler_member);
  if (!scaler_json) return std::unexpected(scaler_json.error());
  auto scaler = Scaler::from_json(*scaler_json);
  if (!scaler) return std::unexpected(scaler.error().with_context(k_anomaly_scaler_member));
  auto detector_json = bundle.json_member(k_anomaly_detector_member);
  if (!detector_json) return std::unexpected(detector_json.error());
  auto detector = GaussianAnomaly::from_json(*detector_json);
  if (!detector) return std::unexpected(detector.error().with_context(k_anomaly_detector_member));
  auto calibration_json = bundle.json_member(k_anomaly_calibration_member);
  if (!calibration_json) return std::unexpected(calibration_json.error());
  auto calibration = ScoreCalibration::from_json(*calibration_json);
  if (!calibration) return std::unexpected(calibration.error().with_context(k_anomaly_calibration_member));
  if (scaler->dimension() != k_feature_count) {
    return fail(ErrorCode::invalid_argument, "{}: {} features, schema {} has {}", k_anomaly_scaler_member,
                scaler->dimension(), k_feature_schema_version, k_feature_count);
  }
  const auto rate = bundle.model_info.find("false_alarm_rate");
  if (rate == bundle.model_info.end() || !rate->is_number()) {
    return fail(ErrorCode::parse, "manifest model_info: missing number 'false_alarm_rate'");
  }
  return create(std::move(*scaler), std::move(*detector), std::move(*calibration), rate->get<double>());
}

namespace {

std::vector<float> gather(const LabelledWindows& windows, const std::vector<std::size_t>& rows) {
  std::vector<float> out;
  out.reserve(rows.size() * k_feature_count);
  for (auto i : rows) out.insert(out.end(), windows.rows[i].features.begin(), windows.rows[i].features.end());
  return out;
}

}  // namespace

Result<TrainedAnomaly> train_anomaly_model(const LabelledWindows& windows, const AnomalyTrainingConfig& config) {
  if (!(config.calibration_fraction > 0 && config.calibration_fraction < 1)) {
    return fail(ErrorCode::invalid_argument, "calibration_fraction {} outside (0, 1)", config.calibration_fraction);
  }
  if (!(config.false_alarm_rate > 0 && config.false_alarm_rate < 1)) {
    return fail(ErrorCode::invalid_argument, "false_alarm_rate {} outside (0, 1)", config.false_alarm_rate);
  }
  // Healthy rows per recording, in table (catalog) order of first appearance.
  std::vector<std::string> names;
  std::map<std::string, std::vector<std::size_t>> by_recording;
  for (std::size_t i = 0; i < windows.rows.size(); ++i) {
    const WindowRow& r = windows.rows[i];
    if (r.fault != config.healthy) continue;
    if (r.features.size() != k_feature_count) {
      return fail(ErrorCode::invalid_argument, "{}: window at sample {} has {} features, schema has {}", r.recording,
                  r.start_sample, r.features.size(), k_feature_count);
    }
    auto [it, inserted] = by_recording.try_emplace(r.recording);
    if (inserted) names.push_back(r.recording);
    it->second.push_back(i);
  }
  if (names.empty()) {
    return fail(ErrorCode::invalid_argument, "no windows of fault '{}' to learn the healthy state from",
                io::to_string(config.healthy));
  }
  std::vector<std::size_t> fit, calibrate;
  std::size_t straddling = 0;
  for (const auto& name : names) {
    auto& rows = by_recording[name];
    std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
      return windows.rows[a].start_sample < windows.rows[b].start_sample;
    });
    // Cut in samples: windows starting at or after it calibrate, windows ending at or before it fit.
    const double first = double(windows.rows[rows.front()].start_sample);
    const double last = double(windows.rows[rows.back()].start_sample);
    const double cut = first + (1.0 - config.calibration_fraction) * (last - first + double(windows.window_len));
    for (auto i : rows) {
      const double start = double(windows.rows[i].start_sample);
      if (start >= cut) {
        calibrate.push_back(i);
      } else if (start + double(windows.window_len) <= cut) {
        fit.push_back(i);
      } else {
        ++straddling;
      }
    }
  }
  if (fit.size() < 2) {
    return fail(ErrorCode::invalid_argument, "{} healthy windows to fit on, need at least 2", fit.size());
  }
  if (calibrate.size() < ScoreCalibration::k_min_scores) {
    return fail(ErrorCode::invalid_argument,
                "{} held-back healthy windows to calibrate on (last {:.0f} % of each healthy recording), need at "
                "least {}: give more healthy data or overlapping windows",
                calibrate.size(), 100 * config.calibration_fraction, ScoreCalibration::k_min_scores);
  }

  const std::vector<float> fit_rows = gather(windows, fit);
  auto scaler = Scaler::fit(fit_rows, k_feature_count, config.scaler);
  if (!scaler) return std::unexpected(scaler.error().with_context("anomaly scaler"));
  auto stats = GaussianStats::create(k_feature_count);
  if (!stats) return std::unexpected(stats.error());
  std::vector<float> z(k_feature_count);
  for (std::size_t k = 0; k < fit.size(); ++k) {
    if (auto ok = scaler->transform(std::span<const float>(fit_rows).subspan(k * k_feature_count, k_feature_count), z);
        !ok) {
      return std::unexpected(ok.error());
    }
    if (auto ok = stats->add(z); !ok) return std::unexpected(ok.error());
  }
  auto detector = GaussianAnomaly::fit(*stats, config.detector);
  if (!detector) return std::unexpected(detector.error().with_context("anomaly detector"));
  std::vector<double> scores;
  scores.reserve(calibrate.size());
  for (auto i : calibrate) {
    if (auto ok = scaler->transform(windows.rows[i].features, z); !ok) return std::unexpected(ok.error());
    auto s = detector->score(z);
    if (!s) return std::unexpected(s.error());
    scores.push_back(*s);
  }
  auto calibration = ScoreCalibration::fit(scores, config.calibration);
  if (!calibration) return std::unexpected(calibration.error().with_context("anomaly calibration"));
  auto model = AnomalyModel::create(std::move(*scaler), std::move(*detector), std::move(*calibration),
                                    config.false_alarm_rate);
  if (!model) return std::unexpected(model.error());
  const double threshold = model->threshold();
  const auto above = std::count_if(scores.begin(), scores.end(), [&](double s) { return s > threshold; });
  return TrainedAnomaly{.model = std::move(*model),
                        .recordings = std::move(names),
                        .fit_windows = fit.size(),
                        .calibration_windows = calibrate.size(),
                        .straddling_windows = straddling,
                        .calibration_alarm_rate = double(above) / double(scores.size())};
}

Result<Bundle> make_anomaly_bundle(const AnomalyModel& model, nlohmann::json training) {
  if (training.is_null()) training = nlohmann::json::object();
  if (!training.is_object()) return fail(ErrorCode::invalid_argument, "training summary: expected a JSON object");
  Bundle b;
  b.kind = ModelKind::anomaly;
  b.feature_schema_version = k_feature_schema_version;
  b.training = std::move(training);
  b.model_info = {{"false_alarm_rate", model.false_alarm_rate()},
                  {"threshold", model.threshold()},
                  {"dimension", model.dimension()},
                  {"score", "hotelling_t2"},
                  {"members",
                   {k_anomaly_scaler_member, k_anomaly_detector_member, k_anomaly_calibration_member}}};
  // Compact JSON: the detector's covariance is d^2 numbers, and the bundle has a size limit.
  b.members.push_back({std::string(k_anomaly_scaler_member), model.scaler().to_json().dump()});
  b.members.push_back({std::string(k_anomaly_detector_member), model.detector().to_json().dump()});
  b.members.push_back({std::string(k_anomaly_calibration_member), model.calibration().to_json().dump()});
  return b;
}

}  // namespace vigil::model
