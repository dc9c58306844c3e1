#include "model/rul_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "model/feature_schema.hpp"

namespace vigil::model {
namespace {

// A normal variable's mean absolute deviation is sigma * sqrt(2 / pi).
constexpr double k_mean_abs_dev_to_sigma = 1.2533141373155003;  // sqrt(pi / 2)

double median_in_place(std::vector<double>& v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// schema_t2's model: robust Scaler + Ledoit-Wolf GaussianAnomaly on `rows` (n x k_feature_count).
struct SchemaModel {
  Scaler scaler;
  GaussianAnomaly detector;
};

Result<SchemaModel> fit_schema_model(std::span<const float> rows) {
  auto scaler = Scaler::fit(rows, k_feature_count, ScalerMethod::robust);
  if (!scaler) return std::unexpected(scaler.error());
  auto stats = GaussianStats::create(k_feature_count);
  if (!stats) return std::unexpected(stats.error());
  SchemaFeatures z{};
  for (std::size_t r = 0; r < rows.size() / k_feature_count; ++r) {
    if (auto ok = scaler->transform(rows.subspan(r * k_feature_count, k_feature_count), z); !ok) {
      return std::unexpected(ok.error());
    }
    if (auto ok = stats->add(z); !ok) return std::unexpected(ok.error());
  }
  auto detector = GaussianAnomaly::fit(*stats);  // Ledoit-Wolf intensity
  if (!detector) return std::unexpected(detector.error());
  return SchemaModel{std::move(*scaler), std::move(*detector)};
}

Result<double> schema_score(const SchemaModel& m, const SchemaFeatures& x) {
  SchemaFeatures z{};
  if (auto ok = m.scaler.transform(x, z); !ok) return std::unexpected(ok.error());
  return m.detector.score(z);
}

// The first n_b schema vectors, row-major, leaving out row `skip` (none when skip >= n_b).
std::vector<float> baseline_rows(const LifeFeatures& life, std::size_t n_b, std::size_t skip) {
  std::vector<float> rows;
  rows.reserve(n_b * k_feature_count);
  for (std::size_t i = 0; i < n_b; ++i) {
    if (i != skip) rows.insert(rows.end(), life.schema[i].begin(), life.schema[i].end());
  }
  return rows;
}

Result<std::vector<double>> schema_t2_scores(const LifeFeatures& life, const HealthIndexConfig& health) {
  auto full = schema_baseline(life, health);
  if (!full) return std::unexpected(full.error());
  const std::size_t n_b = full->count;
  const SchemaModel model{std::move(full->scaler), std::move(full->detector)};
  std::vector<double> out(life.schema.size());
  // Baseline snapshots: leave-one-out (see the header).
  for (std::size_t i = 0; i < n_b; ++i) {
    auto loo = fit_schema_model(baseline_rows(life, n_b, i));
    if (!loo) {
      return std::unexpected(
          loo.error().with_context(fmt::format("{}: baseline without snapshot {}", life.name, i)));
    }
    auto s = schema_score(*loo, life.schema[i]);
    if (!s) return std::unexpected(s.error().with_context(life.name));
    out[i] = *s;
  }
  for (std::size_t i = n_b; i < life.schema.size(); ++i) {
    auto s = schema_score(model, life.schema[i]);
    if (!s) return std::unexpected(s.error().with_context(life.name));
    out[i] = *s;
  }
  return out;
}

// Strict JSON field access: the error names the member and the field.
Result<double> number_field(const nlohmann::json& j, std::string_view member, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number()) {
    return fail(ErrorCode::parse, "{}: field '{}' missing or not a number", member, field);
  }
  return it->get<double>();
}

Result<std::size_t> count_field(const nlohmann::json& j, std::string_view member, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number_unsigned()) {
    return fail(ErrorCode::parse, "{}: field '{}' missing or not a non-negative integer", member, field);
  }
  return it->get<std::size_t>();
}

// Digits grouped by thousands: 12340 -> "12,340".
std::string grouped(double value) {
  const long long v = std::llround(value);
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

// A lead time as an operator reads it: minutes below 2 h, hours below 2 days, then days.
std::string human_duration(double seconds) {
  if (seconds < 120) return fmt::format("{:.0f} s", seconds);
  if (seconds < 7200) return fmt::format("{:.0f} min", seconds / 60);
  if (seconds < 172800) return fmt::format("{:.1f} h", seconds / 3600);
  return fmt::format("{:.1f} days", seconds / 86400);
}

}  // namespace

std::string_view to_string(RulScoreKind kind) {
  switch (kind) {
    case RulScoreKind::log_rms_kurtosis:
      return "log_rms_kurtosis";
    case RulScoreKind::schema_t2:
      return "schema_t2";
  }
  return "unknown";
}

Result<RulScoreKind> parse_rul_score_kind(std::string_view name) {
  for (RulScoreKind k : k_rul_score_kinds) {
    if (to_string(k) == name) return k;
  }
  return fail(ErrorCode::invalid_argument, "score kind '{}': expected log_rms_kurtosis or schema_t2", name);
}

Status validate(const RulScoreConfig& config) {
  if (config.kind != RulScoreKind::log_rms_kurtosis && config.kind != RulScoreKind::schema_t2) {
    return fail(ErrorCode::invalid_argument, "kind = {}: not a score kind", static_cast<int>(config.kind));
  }
  if (config.channel.empty()) return fail(ErrorCode::invalid_argument, "channel: empty");
  if (!(std::isfinite(config.feature_sigma_floor) && config.feature_sigma_floor > 0)) {
    return fail(ErrorCode::invalid_argument, "feature_sigma_floor = {}: expected a finite value > 0",
                config.feature_sigma_floor);
  }
  if (!(std::isfinite(config.high_band_low_hz) && config.high_band_low_hz > 0)) {
    return fail(ErrorCode::invalid_argument, "high_band_low_hz = {}: expected a finite value > 0",
                config.high_band_low_hz);
  }
  return {};
}

Status validate(const LifeFeatures& life, RulScoreKind kind) {
  if (life.time_s.empty()) return fail(ErrorCode::invalid_argument, "{}: no snapshots", life.name);
  if (life.time_s.size() != life.features.size()) {
    return fail(ErrorCode::invalid_argument, "{}: {} times but {} feature vectors", life.name,
                life.time_s.size(), life.features.size());
  }
  if (kind == RulScoreKind::schema_t2 && life.schema.size() != life.time_s.size()) {
    return fail(ErrorCode::invalid_argument,
                "{}: {} times but {} schema feature vectors (schema_t2 needs one "
                "per snapshot)",
                life.name, life.time_s.size(), life.schema.size());
  }
  for (std::size_t i = 0; i < life.time_s.size(); ++i) {
    if (!std::isfinite(life.time_s[i]) || (i > 0 && !(life.time_s[i] > life.time_s[i - 1]))) {
      return fail(ErrorCode::invalid_argument, "{}: snapshot {} at {} s is not after the previous one",
                  life.name, i, life.time_s[i]);
    }
    for (double x : life.features[i]) {
      if (!std::isfinite(x)) {
        return fail(ErrorCode::invalid_argument, "{}: snapshot {} has a non-finite feature", life.name, i);
      }
    }
    if (kind == RulScoreKind::schema_t2) {
      for (float x : life.schema[i]) {
        if (!std::isfinite(x)) {
          return fail(ErrorCode::invalid_argument, "{}: snapshot {} has a non-finite schema feature",
                      life.name, i);
        }
      }
    }
  }
  return {};
}

Result<SnapshotFeatureExtractor> SnapshotFeatureExtractor::create(double sample_rate_hz,
                                                                  std::size_t window_len,
                                                                  const dsp::BearingGeometry& bearing,
                                                                  double max_speed_rpm,
                                                                  const RulScoreConfig& config) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  auto indicators = diag::HealthIndicatorExtractor::create({.sample_rate_hz = sample_rate_hz,
                                                            .window_len = window_len,
                                                            .bearing = bearing,
                                                            .max_speed_rpm = max_speed_rpm,
                                                            .high_band_low_hz = config.high_band_low_hz,
                                                            // a few hundred snapshots per run: FFTW_MEASURE
                                                            // planning would cost more than it saves
                                                            .effort = dsp::PlanEffort::estimate});
  if (!indicators) return std::unexpected(indicators.error());
  auto schema = FeatureExtractor::create({.sample_rate_hz = sample_rate_hz,
                                          .window_len = window_len,
                                          .bearing = bearing,
                                          .max_speed_rpm = max_speed_rpm,
                                          .effort = dsp::PlanEffort::estimate});
  if (!schema) return std::unexpected(schema.error());
  return SnapshotFeatureExtractor(std::move(*indicators), std::move(*schema));
}

Result<SnapshotFeatures> SnapshotFeatureExtractor::compute(std::span<const float> window_g,
                                                           double speed_rpm) {
  auto v = indicators_.compute(window_g, speed_rpm);
  if (!v) return std::unexpected(v.error());
  const double rms_g = diag::value_of(*v, diag::Indicator::rms_g);
  const double kurtosis = diag::value_of(*v, diag::Indicator::kurtosis);
  if (!(rms_g > 0 && kurtosis > 0 && std::isfinite(rms_g) && std::isfinite(kurtosis))) {
    return fail(ErrorCode::invalid_argument,
                "snapshot with RMS {} g and kurtosis {}: a dead or broken channel", rms_g, kurtosis);
  }
  auto x = schema_.extract(window_g, speed_rpm);
  if (!x) return std::unexpected(x.error());
  SnapshotFeatures out;
  out.log_features = {std::log(rms_g), std::log(kurtosis)};
  std::copy(x->begin(), x->end(), out.schema.begin());
  return out;
}

std::size_t baseline_snapshot_count(std::span<const double> time_s, const HealthIndexConfig& health) {
  // HealthMonitor::update's rule: a snapshot joins the baseline unless it is beyond baseline_s and the
  // baseline already has its minimum; the baseline closes at max_baseline_snapshots.
  const std::size_t n = time_s.size();
  std::size_t n_b = 0;
  while (n_b < n && n_b < health.max_baseline_snapshots &&
         (time_s[n_b] - time_s[0] <= health.baseline_s || n_b < health.baseline_min_snapshots)) {
    ++n_b;
  }
  return n_b;
}

Result<FeatureBaseline> feature_baseline(const LifeFeatures& life, const HealthIndexConfig& health,
                                         const RulScoreConfig& score) {
  if (auto ok = validate(health); !ok) return std::unexpected(ok.error());
  if (auto ok = validate(score); !ok) return std::unexpected(ok.error());
  if (auto ok = validate(life, RulScoreKind::log_rms_kurtosis); !ok) return std::unexpected(ok.error());
  const std::size_t n_b = baseline_snapshot_count(life.time_s, health);
  FeatureBaseline b;
  b.count = n_b;
  std::vector<double> column(n_b);
  for (std::size_t j = 0; j < k_rul_feature_count; ++j) {
    for (std::size_t i = 0; i < n_b; ++i) column[i] = life.features[i][j];
    b.centre[j] = median_in_place(column);
    double sum_abs = 0;
    for (double x : column) sum_abs += std::abs(x - b.centre[j]);
    b.sigma[j] =
        std::max(k_mean_abs_dev_to_sigma * sum_abs / static_cast<double>(n_b), score.feature_sigma_floor);
  }
  return b;
}

Result<SchemaBaseline> schema_baseline(const LifeFeatures& life, const HealthIndexConfig& health) {
  if (auto ok = validate(health); !ok) return std::unexpected(ok.error());
  if (auto ok = validate(life, RulScoreKind::schema_t2); !ok) return std::unexpected(ok.error());
  const std::size_t n_b = baseline_snapshot_count(life.time_s, health);
  if (n_b < 3) {
    return fail(ErrorCode::invalid_argument,
                "{}: {} baseline snapshot(s); the schema_t2 score needs at least 3 (it scores the baseline "
                "leave-one-out)",
                life.name, n_b);
  }
  auto m = fit_schema_model(baseline_rows(life, n_b, n_b));
  if (!m) return std::unexpected(m.error().with_context(fmt::format("{}: baseline", life.name)));
  return SchemaBaseline{n_b, std::move(m->scaler), std::move(m->detector)};
}

Result<std::vector<double>> anomaly_scores(const LifeFeatures& life, const HealthIndexConfig& health,
                                           const RulScoreConfig& score) {
  if (auto ok = validate(score); !ok) return std::unexpected(ok.error());
  if (score.kind == RulScoreKind::schema_t2) return schema_t2_scores(life, health);
  auto b = feature_baseline(life, health, score);
  if (!b) return std::unexpected(b.error());
  std::vector<double> out;
  out.reserve(life.features.size());
  for (const auto& x : life.features) {
    double t2 = 0;
    for (std::size_t j = 0; j < k_rul_feature_count; ++j) {
      const double z = (x[j] - b->centre[j]) / b->sigma[j];
      t2 += z * z;
    }
    out.push_back(t2);
  }
  return out;
}

Status validate(const RulModel& model) {
  if (auto ok = validate(model.prior); !ok) return std::unexpected(ok.error().with_context("prior"));
  if (auto ok = validate(model.fleet); !ok) return std::unexpected(ok.error().with_context("fleet life"));
  if (auto ok = validate(model.config); !ok) return std::unexpected(ok.error().with_context("rul config"));
  if (auto ok = validate(model.score); !ok) return std::unexpected(ok.error().with_context("score config"));
  return {};
}

nlohmann::json to_json(const DegradationPrior& p) {
  return {{"theta_mean", p.theta_mean},
          {"beta_mean_per_s", p.beta_mean_per_s},
          {"theta_var", p.theta_var},
          {"beta_var_per_s2", p.beta_var_per_s2},
          {"theta_beta_cov_per_s", p.theta_beta_cov_per_s},
          {"noise_var", p.noise_var},
          {"failure_log_level", p.failure_log_level},
          {"failure_log_level_var", p.failure_log_level_var},
          {"phi", p.phi},
          {"training_assets", p.training_assets}};
}

nlohmann::json to_json(const FleetLife& f) {
  return {{"law", "weibull"}, {"shape", f.shape}, {"scale_s", f.scale_s}, {"lives", f.lives}};
}

nlohmann::json to_json(const HealthIndexConfig& c) {
  return {{"baseline_s", c.baseline_s},
          {"baseline_min_snapshots", c.baseline_min_snapshots},
          {"max_baseline_snapshots", c.max_baseline_snapshots},
          {"smoothing_s", c.smoothing_s},
          {"reference_scales", c.reference_scales},
          {"persistence_s", c.persistence_s},
          {"false_alarm_probability", c.false_alarm_probability},
          {"design_s", c.design_s}};
}

namespace {

// The feature names a score kind reads, as score.json lists them.
nlohmann::json score_feature_names(RulScoreKind kind) {
  if (kind == RulScoreKind::log_rms_kurtosis) return {"ln_rms_g", "ln_kurtosis"};
  nlohmann::json names = nlohmann::json::array();
  for (const FeatureInfo& f : feature_schema()) names.push_back(f.name);
  return names;
}

}  // namespace

nlohmann::json to_json(const RulScoreConfig& c) {
  nlohmann::json j = {{"kind", to_string(c.kind)},
                      {"features", score_feature_names(c.kind)},
                      {"channel", c.channel},
                      {"feature_sigma_floor", c.feature_sigma_floor},
                      {"high_band_low_hz", c.high_band_low_hz}};
  if (c.kind == RulScoreKind::schema_t2) {
    j["feature_schema_version"] = k_feature_schema_version;
    j["scaler"] = to_string(ScalerMethod::robust);
    j["covariance"] = "ledoit_wolf";
    j["baseline_scores"] = "leave_one_out";
  }
  return j;
}

Result<Bundle> make_rul_bundle(const RulModel& model, nlohmann::json training) {
  if (auto ok = validate(model); !ok) return std::unexpected(ok.error());
  if (!training.is_object())
    return fail(ErrorCode::invalid_argument, "training summary: expected a JSON object");
  Bundle b;
  b.kind = ModelKind::rul;
  b.feature_schema_version = k_rul_score_version;
  b.training = std::move(training);
  b.model_info = {{"interval_probability", model.config.interval_probability},
                  {"fleet_point_quantile", model.config.point.fleet},
                  {"degradation_point_quantile", model.config.point.degradation},
                  {"horizon_s", model.config.horizon_s},
                  {"members", {"prior.json", "fleet.json", "health_index.json", "score.json"}}};
  b.members.push_back({"prior.json", to_json(model.prior).dump(2)});
  b.members.push_back({"fleet.json", to_json(model.fleet).dump(2)});
  b.members.push_back({"health_index.json", to_json(model.config.health).dump(2)});
  b.members.push_back({"score.json", to_json(model.score).dump(2)});
  return b;
}

Result<RulModel> rul_model_from_bundle(const Bundle& bundle) {
  if (bundle.kind != ModelKind::rul) {
    return fail(ErrorCode::invalid_argument, "bundle of kind '{}', expected 'rul'", to_string(bundle.kind));
  }
  if (bundle.feature_schema_version != k_rul_score_version) {
    return fail(
        ErrorCode::invalid_argument,
        "rul score version {}, this build reads {}; retrain it with `vigil train rul` (or `make models`)",
        bundle.feature_schema_version, k_rul_score_version);
  }
  RulModel m;
  // Read fields, failing on the first missing one.
  Status status;
  auto num = [&](const nlohmann::json& j, std::string_view member, const char* field, double& out) {
    if (!status) return;
    auto v = number_field(j, member, field);
    if (!v)
      status = std::unexpected(v.error());
    else
      out = *v;
  };
  auto cnt = [&](const nlohmann::json& j, std::string_view member, const char* field, std::size_t& out) {
    if (!status) return;
    auto v = count_field(j, member, field);
    if (!v)
      status = std::unexpected(v.error());
    else
      out = *v;
  };

  auto prior = bundle.json_member("prior.json");
  if (!prior) return std::unexpected(prior.error());
  if (!prior->is_object()) return fail(ErrorCode::parse, "prior.json: expected a JSON object");
  DegradationPrior& p = m.prior;
  num(*prior, "prior.json", "theta_mean", p.theta_mean);
  num(*prior, "prior.json", "beta_mean_per_s", p.beta_mean_per_s);
  num(*prior, "prior.json", "theta_var", p.theta_var);
  num(*prior, "prior.json", "beta_var_per_s2", p.beta_var_per_s2);
  num(*prior, "prior.json", "theta_beta_cov_per_s", p.theta_beta_cov_per_s);
  num(*prior, "prior.json", "noise_var", p.noise_var);
  num(*prior, "prior.json", "failure_log_level", p.failure_log_level);
  num(*prior, "prior.json", "failure_log_level_var", p.failure_log_level_var);
  num(*prior, "prior.json", "phi", p.phi);
  cnt(*prior, "prior.json", "training_assets", p.training_assets);

  auto fleet = bundle.json_member("fleet.json");
  if (!fleet) return std::unexpected(fleet.error());
  if (!fleet->is_object()) return fail(ErrorCode::parse, "fleet.json: expected a JSON object");
  if (fleet->value("law", std::string()) != "weibull") {
    return fail(ErrorCode::parse, "fleet.json: field 'law' missing or not \"weibull\"");
  }
  num(*fleet, "fleet.json", "shape", m.fleet.shape);
  num(*fleet, "fleet.json", "scale_s", m.fleet.scale_s);
  cnt(*fleet, "fleet.json", "lives", m.fleet.lives);

  auto health = bundle.json_member("health_index.json");
  if (!health) return std::unexpected(health.error());
  if (!health->is_object()) return fail(ErrorCode::parse, "health_index.json: expected a JSON object");
  HealthIndexConfig& h = m.config.health;
  num(*health, "health_index.json", "baseline_s", h.baseline_s);
  cnt(*health, "health_index.json", "baseline_min_snapshots", h.baseline_min_snapshots);
  cnt(*health, "health_index.json", "max_baseline_snapshots", h.max_baseline_snapshots);
  num(*health, "health_index.json", "smoothing_s", h.smoothing_s);
  num(*health, "health_index.json", "reference_scales", h.reference_scales);
  num(*health, "health_index.json", "persistence_s", h.persistence_s);
  num(*health, "health_index.json", "false_alarm_probability", h.false_alarm_probability);
  num(*health, "health_index.json", "design_s", h.design_s);

  auto score = bundle.json_member("score.json");
  if (!score) return std::unexpected(score.error());
  if (!score->is_object()) return fail(ErrorCode::parse, "score.json: expected a JSON object");
  num(*score, "score.json", "feature_sigma_floor", m.score.feature_sigma_floor);
  num(*score, "score.json", "high_band_low_hz", m.score.high_band_low_hz);
  if (status) {
    auto ch = score->find("channel");
    if (ch == score->end() || !ch->is_string()) {
      status = fail(ErrorCode::parse, "score.json: field 'channel' missing or not a string");
    } else {
      m.score.channel = ch->get<std::string>();
    }
  }
  if (status) {
    auto kind = score->find("kind");
    if (kind == score->end() || !kind->is_string()) {
      status = fail(ErrorCode::parse, "score.json: field 'kind' missing or not a string");
    } else if (auto k = parse_rul_score_kind(kind->get<std::string>()); !k) {
      status = fail(ErrorCode::parse, "score.json: field 'kind': {}", k.error().message);
    } else {
      m.score.kind = *k;
    }
  }
  if (status && score->value("features", nlohmann::json()) != score_feature_names(m.score.kind)) {
    status = fail(ErrorCode::parse, "score.json: field 'features' is not the feature list of kind {}",
                  to_string(m.score.kind));
  }
  if (status && m.score.kind == RulScoreKind::schema_t2) {
    auto v = score->find("feature_schema_version");
    // Any version from the last change of the window features on: the score reads only them.
    if (v == score->end() || !v->is_number_unsigned() ||
        v->get<std::uint64_t>() < k_window_features_version ||
        v->get<std::uint64_t>() > k_feature_schema_version) {
      status = fail(ErrorCode::parse,
                    "score.json: field 'feature_schema_version' missing or not {} to {} (the window features "
                    "of this build)",
                    k_window_features_version, k_feature_schema_version);
    }
  }
  num(bundle.model_info, "model_info", "interval_probability", m.config.interval_probability);
  num(bundle.model_info, "model_info", "fleet_point_quantile", m.config.point.fleet);
  num(bundle.model_info, "model_info", "degradation_point_quantile", m.config.point.degradation);
  num(bundle.model_info, "model_info", "horizon_s", m.config.horizon_s);
  if (!status) return std::unexpected(status.error());
  if (auto ok = validate(m); !ok) return std::unexpected(ok.error());
  return m;
}

Result<RulReplay> replay_rul(const RulModel& model, const LifeFeatures& life, double up_to_s) {
  auto scores = anomaly_scores(life, model.config.health, model.score);
  if (!scores) return std::unexpected(scores.error());
  auto estimator = RulEstimator::create(model.config, model.prior, model.fleet);
  if (!estimator) return std::unexpected(estimator.error());
  RulReplay r;
  for (std::size_t i = 0; i < life.time_s.size() && life.time_s[i] <= up_to_s; ++i) {
    if (auto ok = estimator->observe(life.time_s[i], (*scores)[i]); !ok) {
      return std::unexpected(ok.error().with_context(life.name));
    }
    ++r.snapshots;
  }
  if (r.snapshots == 0) {
    return fail(ErrorCode::not_found, "{}: no snapshot at or before {} s", life.name, up_to_s);
  }
  auto e = estimator->estimate(model.config.point);
  if (!e) return std::unexpected(e.error().with_context(life.name));
  r.estimate = *e;
  const HealthState& s = estimator->monitor().state();
  if (s.onset_found) r.detected_s = s.detected_s;
  return r;
}

std::string rul_sentence(const RulReplay& replay, double interval_probability, std::string_view what) {
  const RulEstimate& e = replay.estimate;
  const std::string interval = fmt::format("{:.0f} % interval {}–{} s", 100 * interval_probability,
                                           grouped(e.rul_low_s), grouped(e.rul_high_s));
  if (!e.onset_found) {
    return fmt::format(
        "no {} degradation detected at {} s (health index {:.2f}, 1 at its healthy start, rising with "
        "damage); from the fleet's lives, a {} that has run "
        "{} s has {} s left ({}): plan an inspection within {}",
        what, grouped(e.time_s), e.health_index, what, grouped(e.age_s), grouped(e.rul_s), interval,
        human_duration(e.rul_s));
  }
  return fmt::format(
      "{} degradation detected at {} s; remaining useful life {} s ({}): plan replacement within {}", what,
      grouped(e.onset_s), grouped(e.rul_s), interval, human_duration(e.rul_s));
}

}  // namespace vigil::model
