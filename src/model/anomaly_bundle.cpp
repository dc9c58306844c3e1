#include "model/anomaly_bundle.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/bundle.hpp"
#include "model/feature_schema.hpp"

namespace vigil::model {

std::string_view to_string(AnomalyDetectorKind kind) {
  switch (kind) {
    case AnomalyDetectorKind::gaussian:
      return "gaussian";
    case AnomalyDetectorKind::autoencoder:
      return "autoencoder";
  }
  return "?";
}

Result<AnomalyDetectorKind> parse_anomaly_detector_kind(std::string_view name) {
  for (auto k : {AnomalyDetectorKind::gaussian, AnomalyDetectorKind::autoencoder}) {
    if (name == to_string(k)) return k;
  }
  return fail(ErrorCode::invalid_argument, "unknown anomaly detector '{}' (gaussian, autoencoder)", name);
}

// ---------------------------------------------------------------------------------------------------------------
// AutoencoderAnomaly

namespace {

// e = (1/d) sum ((z - y) / s)^2 in double, as train::reconstruction_error.
double mean_squared_error(std::span<const float> z, std::span<const float> y, std::span<const float> scale) {
  double sum = 0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double r = (double(z[i]) - double(y[i])) / double(scale[i]);
    sum += r * r;
  }
  return sum / double(z.size());
}

bool probe_agrees(double measured, double recorded) {
  return std::abs(measured - recorded) <= AutoencoderAnomaly::k_probe_tolerance * std::max(recorded, 1e-12);
}

Status check_scale(std::span<const float> scale, std::string_view what) {
  if (scale.empty()) return fail(ErrorCode::invalid_argument, "{}: no scales", what);
  for (std::size_t i = 0; i < scale.size(); ++i) {
    if (!(std::isfinite(scale[i]) && scale[i] > 0)) {
      return fail(ErrorCode::invalid_argument, "{}: scale {} is {}, expected a positive finite number", what,
                  i, scale[i]);
    }
  }
  return {};
}

// e(0) through OpenCV.
Result<double> onnx_probe(OnnxModel& onnx, std::span<const float> scale) {
  std::vector<float> zeros(scale.size(), 0.0f), y(scale.size());
  if (auto ok = onnx.run(zeros, y); !ok) return std::unexpected(ok.error());
  return mean_squared_error(zeros, y, scale);
}

}  // namespace

AutoencoderAnomaly::AutoencoderAnomaly(OnnxModel onnx, std::string graph, std::vector<float> scale,
                                       double probe_error)
    : onnx_(std::move(onnx)),
      graph_(std::move(graph)),
      scale_(std::move(scale)),
      probe_error_(probe_error),
      reconstruction_(scale_.size()) {}

AutoencoderAnomaly::AutoencoderAnomaly(const AutoencoderAnomaly& other)
    : graph_(other.graph_),
      scale_(other.scale_),
      probe_error_(other.probe_error_),
      reconstruction_(other.reconstruction_.size()) {}

AutoencoderAnomaly& AutoencoderAnomaly::operator=(const AutoencoderAnomaly& other) {
  if (this != &other) *this = AutoencoderAnomaly(other);
  return *this;
}

Result<AutoencoderAnomaly> AutoencoderAnomaly::create(const MlpSpec& network, std::string graph,
                                                      std::vector<float> scale) {
  if (auto ok = validate(network); !ok) return std::unexpected(ok.error().with_context("autoencoder"));
  if (network.input_size() != network.output_size()) {
    return fail(ErrorCode::invalid_argument,
                "autoencoder: {} inputs but {} outputs (must reconstruct its input)", network.input_size(),
                network.output_size());
  }
  if (network.layers.back().activation != Activation::none) {
    return fail(ErrorCode::invalid_argument, "autoencoder: the last layer must be linear, got {}",
                to_string(network.layers.back().activation));
  }
  if (scale.size() != network.input_size()) {
    return fail(ErrorCode::invalid_argument, "autoencoder: {} scales for {} features", scale.size(),
                network.input_size());
  }
  if (auto ok = check_scale(scale, "autoencoder"); !ok) return std::unexpected(ok.error());
  auto onnx = OnnxModel::create(graph, k_anomaly_graph_member);
  if (!onnx) return std::unexpected(onnx.error());
  const std::vector<float> zeros(scale.size(), 0.0f);
  const double reference = mean_squared_error(zeros, reference_forward(network, zeros), scale);
  auto measured = onnx_probe(*onnx, scale);
  if (!measured) return std::unexpected(measured.error());
  if (!probe_agrees(*measured, reference)) {
    return fail(ErrorCode::internal, "{}: OpenCV gives e(0) = {:.9g}, the reference forward {:.9g}",
                k_anomaly_graph_member, *measured, reference);
  }
  return AutoencoderAnomaly(std::move(*onnx), std::move(graph), std::move(scale), reference);
}

Result<AutoencoderAnomaly> AutoencoderAnomaly::from_members(std::string graph, const nlohmann::json& j) {
  constexpr std::string_view member = k_anomaly_reconstruction_member;
  if (!j.is_object()) return fail(ErrorCode::parse, "{}: expected a JSON object", member);
  const auto type = j.find("type");
  if (type == j.end() || *type != "reconstruction_error") {
    return fail(ErrorCode::parse, "{}: 'type' must be \"reconstruction_error\"", member);
  }
  const auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<std::int64_t>() != 1) {
    return fail(ErrorCode::parse, "{}: 'version' must be 1", member);
  }
  const auto scales = j.find("scale");
  if (scales == j.end() || !scales->is_array())
    return fail(ErrorCode::parse, "{}: missing array 'scale'", member);
  std::vector<float> scale;
  for (const auto& v : *scales) {
    if (!v.is_number()) return fail(ErrorCode::parse, "{}: 'scale' must hold numbers", member);
    scale.push_back(v.get<float>());
  }
  if (auto ok = check_scale(scale, member); !ok) return std::unexpected(ok.error());
  const auto dimension = j.find("dimension");
  if (dimension == j.end() || !dimension->is_number_unsigned() ||
      dimension->get<std::size_t>() != scale.size()) {
    return fail(ErrorCode::parse, "{}: 'dimension' must be the number of scales ({})", member, scale.size());
  }
  const auto probe = j.find("probe");
  const nlohmann::json* probe_error = nullptr;
  if (probe != j.end() && probe->is_object() && probe->contains("error")) probe_error = &probe->at("error");
  if (probe_error == nullptr || !probe_error->is_number() || !(probe_error->get<double>() >= 0) ||
      !std::isfinite(probe_error->get<double>())) {
    return fail(ErrorCode::parse, "{}: missing finite number 'probe.error'", member);
  }
  auto onnx = OnnxModel::create(graph, k_anomaly_graph_member);
  if (!onnx) return std::unexpected(onnx.error());
  if (onnx->input_size() != scale.size() || onnx->output_size() != scale.size()) {
    return fail(ErrorCode::invalid_argument, "{}: {} inputs and {} outputs, {} has {} features",
                k_anomaly_graph_member, onnx->input_size(), onnx->output_size(), member, scale.size());
  }
  auto measured = onnx_probe(*onnx, scale);
  if (!measured) return std::unexpected(measured.error());
  const double recorded = probe_error->get<double>();
  if (!probe_agrees(*measured, recorded)) {
    return fail(
        ErrorCode::invalid_argument,
        "{} and {} disagree: the graph's error on the zero vector is {:.9g}, the member records {:.9g} "
        "(graph and scales of different trainings?)",
        k_anomaly_graph_member, member, *measured, recorded);
  }
  return AutoencoderAnomaly(std::move(*onnx), std::move(graph), std::move(scale), recorded);
}

Result<double> AutoencoderAnomaly::score(std::span<const float> z) {
  if (z.size() != dimension()) {
    return fail(ErrorCode::invalid_argument, "autoencoder: {} features, expected {}", z.size(), dimension());
  }
  if (!onnx_) {
    auto onnx = OnnxModel::create(graph_, k_anomaly_graph_member);
    if (!onnx) return std::unexpected(onnx.error());
    onnx_.emplace(std::move(*onnx));
  }
  if (auto ok = onnx_->run(z, reconstruction_); !ok) return std::unexpected(ok.error());
  return mean_squared_error(z, reconstruction_, scale_);
}

nlohmann::json AutoencoderAnomaly::to_json() const {
  return {{"type", "reconstruction_error"},
          {"version", 1},
          {"graph", k_anomaly_graph_member},
          {"dimension", dimension()},
          {"error", "mean squared standardised reconstruction error"},
          {"scale", scale_},
          {"probe", {{"input", "zeros"}, {"error", probe_error_}}}};
}

// ---------------------------------------------------------------------------------------------------------------
// AnomalyModel

namespace {

std::size_t detector_dimension(const AnomalyDetector& d) {
  return std::visit([](const auto& x) { return x.dimension(); }, d);
}

// The raw score of standardised features z (gaussian: const and allocation-free; autoencoder: non-const).
Result<double> detector_score(AnomalyDetector& d, std::span<const float> z) {
  return std::visit([&](auto& x) { return x.score(z); }, d);
}

}  // namespace

AnomalyModel::AnomalyModel(Scaler scaler, AnomalyDetector detector, ScoreCalibration calibration,
                           double false_alarm_rate, double threshold)
    : scaler_(std::move(scaler)),
      detector_(std::move(detector)),
      calibration_(std::move(calibration)),
      false_alarm_rate_(false_alarm_rate),
      threshold_(threshold),
      z_(scaler_.dimension()) {}

Result<AnomalyModel> AnomalyModel::create(Scaler scaler, AnomalyDetector detector,
                                          ScoreCalibration calibration, double false_alarm_rate) {
  if (scaler.dimension() != detector_dimension(detector)) {
    return fail(ErrorCode::invalid_argument, "anomaly model: scaler has {} features, {} detector {}",
                scaler.dimension(), to_string(AnomalyDetectorKind(detector.index())),
                detector_dimension(detector));
  }
  auto threshold = calibration.threshold(false_alarm_rate);
  if (!threshold) return std::unexpected(threshold.error().with_context("anomaly model"));
  return AnomalyModel(std::move(scaler), std::move(detector), std::move(calibration), false_alarm_rate,
                      *threshold);
}

AnomalyDetectorKind AnomalyModel::detector_kind() const {
  return std::holds_alternative<GaussianAnomaly>(detector_) ? AnomalyDetectorKind::gaussian
                                                            : AnomalyDetectorKind::autoencoder;
}

Result<AnomalyScore> AnomalyModel::score(std::span<const float> features) {
  if (auto ok = scaler_.transform(features, z_); !ok) return std::unexpected(ok.error());
  auto s = detector_score(detector_, z_);
  if (!s) return std::unexpected(s.error());
  return AnomalyScore{.score = *s, .confidence = calibration_.confidence(*s), .alarm = *s > threshold_};
}

Result<AnomalyModel> AnomalyModel::from_bundle(const Bundle& bundle) {
  if (bundle.kind != ModelKind::anomaly) {
    return fail(ErrorCode::invalid_argument, "bundle of kind '{}', expected 'anomaly'",
                to_string(bundle.kind));
  }
  // Every version this build reads has the same window features.
  if (bundle.feature_schema_version < k_oldest_feature_schema_version ||
      bundle.feature_schema_version > k_feature_schema_version) {
    return fail(ErrorCode::invalid_argument,
                "feature schema version {}, this build reads {} to {}: retrain it",
                bundle.feature_schema_version, k_oldest_feature_schema_version, k_feature_schema_version);
  }
  const auto number = [&](const char* key) -> Result<double> {
    const auto it = bundle.model_info.find(key);
    if (it == bundle.model_info.end() || !it->is_number()) {
      return fail(ErrorCode::parse, "manifest model_info: missing number '{}'", key);
    }
    return it->get<double>();
  };
  const auto detector_name = bundle.model_info.find("detector");
  if (detector_name == bundle.model_info.end() || !detector_name->is_string()) {
    return fail(ErrorCode::parse, "manifest model_info: missing string 'detector' (gaussian, autoencoder)");
  }
  auto kind = parse_anomaly_detector_kind(detector_name->get<std::string>());
  if (!kind) return std::unexpected(kind.error().with_context("manifest model_info.detector"));
  const auto rate = number("false_alarm_rate");
  if (!rate) return std::unexpected(rate.error());
  const auto recorded_threshold = number("threshold");
  if (!recorded_threshold) return std::unexpected(recorded_threshold.error());

  // Members of the other kind mean a bundle put together from two models.
  const std::vector<std::string_view> foreign =
      *kind == AnomalyDetectorKind::gaussian
          ? std::vector<std::string_view>{k_anomaly_graph_member, k_anomaly_reconstruction_member}
          : std::vector<std::string_view>{k_anomaly_detector_member};
  for (auto name : foreign) {
    if (bundle.find(name) != nullptr) {
      return fail(ErrorCode::invalid_argument, "member '{}' does not belong to a bundle whose detector is {}",
                  name, to_string(*kind));
    }
  }

  auto scaler_json = bundle.json_member(k_anomaly_scaler_member);
  if (!scaler_json) return std::unexpected(scaler_json.error());
  auto scaler = Scaler::from_json(*scaler_json);
  if (!scaler) return std::unexpected(scaler.error().with_context(k_anomaly_scaler_member));
  if (scaler->dimension() != k_feature_count) {
    return fail(ErrorCode::invalid_argument, "{}: {} features, schema {} has {}", k_anomaly_scaler_member,
                scaler->dimension(), k_feature_schema_version, k_feature_count);
  }
  auto calibration_json = bundle.json_member(k_anomaly_calibration_member);
  if (!calibration_json) return std::unexpected(calibration_json.error());
  auto calibration = ScoreCalibration::from_json(*calibration_json);
  if (!calibration) return std::unexpected(calibration.error().with_context(k_anomaly_calibration_member));

  auto detector = [&]() -> Result<AnomalyDetector> {
    if (*kind == AnomalyDetectorKind::gaussian) {
      auto json = bundle.json_member(k_anomaly_detector_member);
      if (!json) return std::unexpected(json.error());
      auto g = GaussianAnomaly::from_json(*json);
      if (!g) return std::unexpected(g.error().with_context(k_anomaly_detector_member));
      return AnomalyDetector(std::in_place_type<GaussianAnomaly>, std::move(*g));
    }
    const BundleMember* graph = bundle.find(k_anomaly_graph_member);
    if (graph == nullptr)
      return fail(ErrorCode::not_found, "bundle has no member '{}'", k_anomaly_graph_member);
    auto json = bundle.json_member(k_anomaly_reconstruction_member);
    if (!json) return std::unexpected(json.error());
    auto a = AutoencoderAnomaly::from_members(graph->bytes, *json);
    if (!a) return std::unexpected(a.error());
    return AnomalyDetector(std::in_place_type<AutoencoderAnomaly>, std::move(*a));
  }();
  if (!detector) return std::unexpected(detector.error());
  if (detector_dimension(*detector) != scaler->dimension()) {
    return fail(
        ErrorCode::invalid_argument, "{}: {} features, {} has {}",
        *kind == AnomalyDetectorKind::gaussian ? k_anomaly_detector_member : k_anomaly_reconstruction_member,
        detector_dimension(*detector), k_anomaly_scaler_member, scaler->dimension());
  }
  auto model = create(std::move(*scaler), std::move(*detector), std::move(*calibration), *rate);
  if (!model) return std::unexpected(model.error());
  // The threshold is recomputed from calibration.json; the manifest's copy tells whether that calibration
  // belongs to this model (JSON round-trips doubles exactly, so only a different calibration moves it).
  if (!(std::abs(model->threshold() - *recorded_threshold) <=
        1e-9 * std::max(1.0, std::abs(*recorded_threshold)))) {
    return fail(ErrorCode::invalid_argument,
                "{}: threshold {:.9g} at the budget {:g}, the manifest's model_info.threshold is {:.9g} (a "
                "calibration "
                "of another model?)",
                k_anomaly_calibration_member, model->threshold(), *rate, *recorded_threshold);
  }
  return model;
}

Result<Bundle> make_anomaly_bundle(const AnomalyModel& model, nlohmann::json training) {
  if (training.is_null()) training = nlohmann::json::object();
  if (!training.is_object())
    return fail(ErrorCode::invalid_argument, "training summary: expected a JSON object");
  Bundle b;
  b.kind = ModelKind::anomaly;
  b.feature_schema_version = k_feature_schema_version;
  b.training = std::move(training);
  // Compact JSON: the gaussian detector's covariance is d^2 numbers, and the bundle has a size limit.
  b.members.push_back({std::string(k_anomaly_scaler_member), model.scaler().to_json().dump()});
  b.members.push_back({std::string(k_anomaly_calibration_member), model.calibration().to_json().dump()});
  nlohmann::json members = {k_anomaly_scaler_member, k_anomaly_calibration_member};
  std::string_view score;
  if (const GaussianAnomaly* g = model.gaussian()) {
    score = "hotelling_t2";
    b.members.push_back({std::string(k_anomaly_detector_member), g->to_json().dump()});
    members.push_back(k_anomaly_detector_member);
  } else {
    const AutoencoderAnomaly& a = *model.autoencoder();
    score = "reconstruction_error";
    b.members.push_back({std::string(k_anomaly_graph_member), a.graph()});
    b.members.push_back({std::string(k_anomaly_reconstruction_member), a.to_json().dump()});
    members.push_back(k_anomaly_graph_member);
    members.push_back(k_anomaly_reconstruction_member);
  }
  b.model_info = {{"detector", to_string(model.detector_kind())},
                  {"score", score},
                  {"false_alarm_rate", model.false_alarm_rate()},
                  {"threshold", model.threshold()},
                  {"dimension", model.dimension()},
                  {"members", std::move(members)}};
  return b;
}

}  // namespace vigil::model
