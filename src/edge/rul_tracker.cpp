#include "edge/rul_tracker.hpp"

#include <algorithm>
#include <cmath>

namespace vigil::edge {

Result<RulTracker> RulTracker::create(const model::RulModel& model) {
  if (auto ok = model::validate(model); !ok) return std::unexpected(ok.error());
  auto estimator = model::RulEstimator::create(model.config, model.prior, model.fleet);
  if (!estimator) return std::unexpected(estimator.error());
  RulTracker t(model, std::move(*estimator));
  const std::size_t cap = model.config.health.max_baseline_snapshots + 1;
  t.baseline_.time_s.reserve(cap);
  t.baseline_.features.reserve(cap);
  t.baseline_.schema.reserve(cap);
  return t;
}

double RulTracker::health(const model::RulEstimate& e) const {
  return model::health_share(model_.prior, e.health_index);
}

Result<double> RulTracker::score(const model::RulFeatures& x, const model::SchemaFeatures& schema) const {
  if (schema_) {
    model::SchemaFeatures z{};
    if (auto ok = schema_->scaler.transform(schema, z); !ok) return std::unexpected(ok.error());
    return schema_->detector.score(z);
  }
  double t2 = 0;
  for (std::size_t j = 0; j < model::k_rul_feature_count; ++j) {
    const double z = (x[j] - features_->centre[j]) / features_->sigma[j];
    t2 += z * z;
  }
  return t2;
}

Result<std::optional<model::RulEstimate>> RulTracker::close_baseline() {
  // The baseline and its scores exactly as for a recorded life (the baseline's own snapshots scored the
  // way the evaluation scores them), then every snapshot so far through the estimator in time order.
  auto scores = model::anomaly_scores(baseline_, model_.config.health, model_.score);
  if (!scores) return std::unexpected(scores.error());
  if (model_.score.kind == model::RulScoreKind::schema_t2) {
    auto b = model::schema_baseline(baseline_, model_.config.health);
    if (!b) return std::unexpected(b.error());
    schema_.emplace(std::move(*b));
  } else {
    auto b = model::feature_baseline(baseline_, model_.config.health, model_.score);
    if (!b) return std::unexpected(b.error());
    features_ = *b;
  }
  for (std::size_t i = 0; i < scores->size(); ++i) {
    if (auto ok = estimator_.observe(baseline_.time_s[i], (*scores)[i]); !ok)
      return std::unexpected(ok.error());
  }
  closed_ = true;
  baseline_ = {};
  auto e = estimator_.estimate(model_.config.point);
  if (!e) return std::unexpected(e.error());
  return std::optional<model::RulEstimate>(*e);
}

Result<std::optional<model::RulEstimate>> RulTracker::add(double time_s, double rms_g, double kurtosis,
                                                          std::span<const float> schema) {
  if (time_s < next_snapshot_s_) return std::optional<model::RulEstimate>();
  next_snapshot_s_ = time_s + k_rul_snapshot_s;
  if (!(rms_g > 0) || !(kurtosis > 0) || schema.size() != model::k_feature_count) {
    return fail(ErrorCode::invalid_argument, "rul: a window with RMS {} g, kurtosis {} and {} features",
                rms_g, kurtosis, schema.size());
  }
  const model::RulFeatures log_features{std::log(rms_g), std::log(kurtosis)};
  model::SchemaFeatures s{};
  std::copy(schema.begin(), schema.end(), s.begin());
  if (!closed_) {
    baseline_.time_s.push_back(time_s);
    baseline_.features.push_back(log_features);
    baseline_.schema.push_back(s);
    // The baseline closes with the first snapshot beyond it (the HealthMonitor's rule).
    if (model::baseline_snapshot_count(baseline_.time_s, model_.config.health) < baseline_.time_s.size())
      return close_baseline();
    return std::optional<model::RulEstimate>();
  }
  auto sc = score(log_features, s);
  if (!sc) return std::unexpected(sc.error());
  auto e = estimator_.update(time_s, *sc);
  if (!e) return std::unexpected(e.error());
  return std::optional<model::RulEstimate>(*e);
}

}  // namespace vigil::edge
