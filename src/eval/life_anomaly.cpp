#include "eval/life_anomaly.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <utility>

#include "model/anomaly_fit.hpp"
#include "model/calibration.hpp"
#include "model/feature_schema.hpp"

namespace vigil::eval {

Status validate(const Persistence& p) {
  if (p.raise_m < 1 || p.raise_m > 64) {
    return fail(ErrorCode::invalid_argument, "persistence raise_m = {}: expected 1..64", p.raise_m);
  }
  if (p.raise_n < 1 || p.raise_n > p.raise_m) {
    return fail(ErrorCode::invalid_argument, "persistence raise_n = {}: expected 1..raise_m ({})", p.raise_n,
                p.raise_m);
  }
  if (p.clear_snapshots < 1) {
    return fail(ErrorCode::invalid_argument, "persistence clear_snapshots = 0: expected >= 1");
  }
  return {};
}

std::vector<bool> debounced_alarms(const std::vector<bool>& exceeds, const Persistence& p) {
  std::vector<bool> alarm(exceeds.size(), false);
  std::size_t in_window = 0;  // exceedances among the last raise_m snapshots
  std::size_t quiet = 0;      // consecutive snapshots without n of m while raised
  bool on = false;
  for (std::size_t i = 0; i < exceeds.size(); ++i) {
    in_window += exceeds[i] ? 1 : 0;
    if (i >= p.raise_m && exceeds[i - p.raise_m]) --in_window;
    const bool n_of_m = in_window >= p.raise_n;
    if (n_of_m) {
      on = true;
      quiet = 0;
    } else if (on && ++quiet >= p.clear_snapshots) {
      on = false;
      quiet = 0;
    }
    alarm[i] = on;
  }
  return alarm;
}

Status validate(const LifeAnomalyConfig& c) {
  if (!(c.baseline_s > 0) || !std::isfinite(c.baseline_s)) {
    return fail(ErrorCode::invalid_argument, "baseline_s = {}: expected a positive duration", c.baseline_s);
  }
  if (!(c.false_alarm_rate > 0 && c.false_alarm_rate < 0.5)) {
    return fail(ErrorCode::invalid_argument, "false_alarm_rate = {}: expected in (0, 0.5)",
                c.false_alarm_rate);
  }
  if (!(c.healthy_fraction > 0 && c.healthy_fraction < 1)) {
    return fail(ErrorCode::invalid_argument, "healthy_fraction = {}: expected in (0, 1)", c.healthy_fraction);
  }
  return validate(c.persistence);
}

std::string_view to_string(LifeDetector detector) {
  switch (detector) {
    case LifeDetector::schema_t2:
      return "schema_t2";
    case LifeDetector::rms:
      return "rms";
    case LifeDetector::kurtosis:
      return "kurtosis";
  }
  return "?";
}

double DetectorOutcome::healthy_exceedance_rate() const {
  return healthy_snapshots == 0 ? k_nan : double(healthy_exceedances) / double(healthy_snapshots);
}

namespace {

// Exceedances and debounced alarms of one detector's scores; snapshots [0, baseline) only calibrate.
DetectorOutcome outcome_of(LifeDetector detector, double threshold, std::span<const double> score,
                           std::span<const double> time_s, std::size_t baseline, double healthy_end_s,
                           const std::vector<bool>& calibration_row, const Persistence& persistence) {
  DetectorOutcome o;
  o.detector = detector;
  o.threshold = threshold;
  for (std::size_t i = 0; i < baseline; ++i) {
    if (calibration_row[i] && score[i] > threshold) ++o.calibration_exceedances;
  }
  std::vector<bool> exceeds;
  for (std::size_t i = baseline; i < score.size(); ++i) exceeds.push_back(score[i] > threshold);
  const std::vector<bool> alarm = debounced_alarms(exceeds, persistence);
  const double t0 = time_s.front();
  for (std::size_t j = 0; j < alarm.size(); ++j) {
    const double t = time_s[baseline + j] - t0;
    const bool raised = alarm[j] && (j == 0 || !alarm[j - 1]);
    if (raised && std::isnan(o.first_alarm_s)) o.first_alarm_s = t;
    if (raised) o.held_from_s = t;
    if (t <= healthy_end_s) {
      ++o.healthy_snapshots;
      o.healthy_exceedances += exceeds[j] ? 1 : 0;
      o.healthy_raises += raised ? 1 : 0;
      o.healthy_alarm_snapshots += alarm[j] ? 1 : 0;
    }
  }
  if (alarm.empty() || !alarm.back()) o.held_from_s = k_nan;
  return o;
}

}  // namespace

Result<LifeAnomalyResult> evaluate_life_anomaly(const model::LifeFeatures& life,
                                                const LifeAnomalyConfig& config) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error().with_context(life.name));
  if (auto ok = model::validate(life, model::RulScoreKind::schema_t2); !ok)
    return std::unexpected(ok.error());
  const std::size_t n = life.time_s.size();
  const double t0 = life.time_s.front();
  LifeAnomalyResult r;
  r.life = life.name;
  r.life_s = life.time_s.back() - t0;
  r.snapshots = n;
  r.healthy_end_s = config.healthy_fraction * r.life_s;
  while (r.baseline_snapshots < n && life.time_s[r.baseline_snapshots] - t0 <= config.baseline_s) {
    ++r.baseline_snapshots;
  }
  const std::size_t nb = r.baseline_snapshots;
  const std::size_t needed = 2 * model::ScoreCalibration::k_min_scores;
  if (nb < needed) {
    return fail(
        ErrorCode::invalid_argument,
        "{}: {} snapshots in the first {:g} s, the baseline needs at least {} (a longer baseline_s or "
        "a finer snapshot interval)",
        life.name, nb, config.baseline_s, needed);
  }
  if (config.baseline_s >= r.healthy_end_s) {
    return fail(
        ErrorCode::invalid_argument,
        "{}: the baseline ({:g} s) covers the healthy part ({:g} s of a {:g} s life): nothing left to "
        "measure false alarms on",
        life.name, config.baseline_s, r.healthy_end_s, r.life_s);
  }

  constexpr std::size_t d = model::k_feature_count;
  std::vector<float> rows;
  rows.reserve(nb * d);
  for (std::size_t i = 0; i < nb; ++i) rows.insert(rows.end(), life.schema[i].begin(), life.schema[i].end());
  model::AnomalyFitConfig fit;
  fit.false_alarm_rate = config.false_alarm_rate;
  auto fitted = model::fit_gaussian_anomaly_baseline(rows, d, fit);
  if (!fitted) return std::unexpected(fitted.error().with_context(life.name));
  model::AnomalyModel& m = fitted->model;
  r.calibration_snapshots = fitted->calibration_windows;
  r.fit_snapshots = nb - r.calibration_snapshots;
  r.shrinkage = m.gaussian() != nullptr ? m.gaussian()->shrinkage() : 0;
  r.t2_score.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto s = m.score(life.schema[i]);
    if (!s) return std::unexpected(s.error().with_context(life.name));
    r.t2_score.push_back(s->score);
  }

  std::vector<bool> calibration_row(nb);
  for (std::size_t i = 0; i < nb; ++i) calibration_row[i] = model::is_baseline_calibration_row(i, nb);
  r.detectors.push_back(outcome_of(LifeDetector::schema_t2, m.threshold(), r.t2_score, life.time_s, nb,
                                   r.healthy_end_s, calibration_row, config.persistence));
  // The peers: one schema feature as the score, its threshold from the same calibration snapshots.
  const std::pair<LifeDetector, model::Feature> peers[] = {
      {LifeDetector::rms, model::Feature::rms_db}, {LifeDetector::kurtosis, model::Feature::log_kurtosis}};
  for (const auto& [detector, feature] : peers) {
    std::vector<double> score(n), calibration;
    for (std::size_t i = 0; i < n; ++i) {
      score[i] = life.schema[i][model::index(feature)];
      if (i < nb && calibration_row[i]) calibration.push_back(score[i]);
    }
    auto c = model::ScoreCalibration::fit(calibration);
    if (!c)
      return std::unexpected(c.error().with_context(fmt::format("{} {}", life.name, to_string(detector))));
    auto threshold = c->threshold(config.false_alarm_rate);
    if (!threshold) return std::unexpected(threshold.error().with_context(life.name));
    r.detectors.push_back(outcome_of(detector, *threshold, score, life.time_s, nb, r.healthy_end_s,
                                     calibration_row, config.persistence));
  }
  return r;
}

nlohmann::json to_json(const Persistence& p) {
  return {{"raise_n", p.raise_n}, {"raise_m", p.raise_m}, {"clear_snapshots", p.clear_snapshots}};
}

nlohmann::json to_json(const LifeAnomalyConfig& c) {
  return {{"baseline_s", c.baseline_s},
          {"false_alarm_rate", c.false_alarm_rate},
          {"healthy_fraction", c.healthy_fraction},
          {"persistence", to_json(c.persistence)}};
}

nlohmann::json to_json(const LifeAnomalyResult& r) {
  auto or_null = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  nlohmann::json detectors = nlohmann::json::array();
  for (const auto& o : r.detectors) {
    detectors.push_back({{"detector", to_string(o.detector)},
                         {"threshold", o.threshold},
                         {"calibration_exceedances", o.calibration_exceedances},
                         {"healthy_snapshots", o.healthy_snapshots},
                         {"healthy_exceedances", o.healthy_exceedances},
                         {"healthy_exceedance_rate", or_null(o.healthy_exceedance_rate())},
                         {"healthy_raises", o.healthy_raises},
                         {"healthy_alarm_snapshots", o.healthy_alarm_snapshots},
                         {"first_alarm_s", or_null(o.first_alarm_s)},
                         {"first_alarm_fraction", or_null(o.first_alarm_s / r.life_s)},
                         {"held_from_s", or_null(o.held_from_s)},
                         {"held_lead_s", or_null(r.life_s - o.held_from_s)},
                         {"held_from_fraction", or_null(o.held_from_s / r.life_s)}});
  }
  return {{"life", r.life},
          {"life_s", r.life_s},
          {"snapshots", r.snapshots},
          {"baseline_snapshots", r.baseline_snapshots},
          {"fit_snapshots", r.fit_snapshots},
          {"calibration_snapshots", r.calibration_snapshots},
          {"shrinkage", r.shrinkage},
          {"healthy_end_s", r.healthy_end_s},
          {"detectors", detectors}};
}

}  // namespace vigil::eval
