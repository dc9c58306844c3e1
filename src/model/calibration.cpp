#include "model/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace vigil::model {

Result<ScoreCalibration> ScoreCalibration::fit(std::span<const double> healthy_scores,
                                               const CalibrationConfig& config) {
  const std::size_t n = healthy_scores.size();
  if (n < k_min_scores) {
    return fail(ErrorCode::invalid_argument,
                "calibration: needs at least {} held-back healthy scores, got {}", k_min_scores, n);
  }
  if (!(config.tail_fraction > 0 && config.tail_fraction <= 0.5)) {
    return fail(ErrorCode::invalid_argument, "calibration: tail fraction {} outside (0, 0.5]",
                config.tail_fraction);
  }
  if (config.max_knots < 4) return fail(ErrorCode::invalid_argument, "calibration: max_knots must be >= 4");
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(healthy_scores[i])) {
      return fail(ErrorCode::invalid_argument, "calibration: score {} is not finite", i);
    }
  }
  std::vector<double> sorted(healthy_scores.begin(), healthy_scores.end());
  std::sort(sorted.begin(), sorted.end());

  const auto wanted_tail = static_cast<std::size_t>(std::ceil(config.tail_fraction * double(n)));
  const std::size_t k = std::min(std::max(k_min_tail, wanted_tail), n / 2);
  const std::size_t body = n - k;  // ranks 1..body are the body; rank `body` is the tail start u
  const double u = sorted[body - 1];
  double excess = 0;
  for (std::size_t i = body; i < n; ++i) excess += sorted[i] - u;
  // A degenerate tail (all k top scores equal u) gets a negligible scale: thresholds collapse onto u.
  const double sigma = std::max(excess / double(k), 1e-12 * std::max(1.0, std::abs(u)));

  // Body knots (s_(i), 1 - i/(n+1)), ties merged onto their highest rank.
  std::vector<double> scores;
  std::vector<double> survival;
  for (std::size_t i = 1; i <= body; ++i) {
    if (i < body && sorted[i] == sorted[i - 1]) continue;  // a later rank has the same score
    scores.push_back(sorted[i - 1]);
    survival.push_back(1.0 - double(i) / double(n + 1));
  }
  // Thin to at most max_knots: half evenly spaced in position, half evenly spaced in log survival.
  if (scores.size() > config.max_knots) {
    const std::size_t last = scores.size() - 1;
    const std::size_t half = config.max_knots / 2;
    std::vector<std::size_t> keep;
    for (std::size_t j = 0; j < half; ++j) {
      keep.push_back(static_cast<std::size_t>(std::llround(double(j) * double(last) / double(half - 1))));
    }
    const double log_first = std::log(survival.front());
    const double log_last = std::log(survival.back());
    std::size_t i = 0;
    for (std::size_t j = 0; j < config.max_knots - half; ++j) {
      const double target =
          log_first + (log_last - log_first) * double(j) / double(config.max_knots - half - 1);
      while (i < last && std::log(survival[i]) > target) ++i;  // first knot at or below the target
      keep.push_back(i);
    }
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    std::vector<double> s2, p2;
    for (std::size_t index : keep) {
      s2.push_back(scores[index]);
      p2.push_back(survival[index]);
    }
    scores = std::move(s2);
    survival = std::move(p2);
  }
  return from_knots(std::move(scores), std::move(survival), sigma, n);
}

Result<ScoreCalibration> ScoreCalibration::from_knots(std::vector<double> scores,
                                                      std::vector<double> survival, double tail_scale,
                                                      std::size_t count) {
  if (scores.empty() || scores.size() != survival.size()) {
    return fail(ErrorCode::invalid_argument, "calibration: no knots");
  }
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (!std::isfinite(scores[i]) || !(survival[i] > 0 && survival[i] < 1)) {
      return fail(ErrorCode::invalid_argument,
                  "calibration: knot {} ({}, {}) is not a finite score with survival in (0, 1)", i, scores[i],
                  survival[i]);
    }
    if (i > 0 && !(scores[i] > scores[i - 1] && survival[i] < survival[i - 1])) {
      return fail(ErrorCode::invalid_argument,
                  "calibration: knot {} does not increase in score and decrease in survival", i);
    }
  }
  if (!(tail_scale > 0) || !std::isfinite(tail_scale)) {
    return fail(ErrorCode::invalid_argument, "calibration: tail scale {} must be finite and > 0", tail_scale);
  }
  ScoreCalibration c;
  c.count_ = count;
  c.tail_start_ = scores.back();
  c.tail_survival_ = survival.back();
  c.tail_scale_ = tail_scale;
  c.knot_score_ = std::move(scores);
  c.knot_survival_ = std::move(survival);
  for (double p : c.knot_survival_) c.knot_log_survival_.push_back(std::log(p));
  return c;
}

double ScoreCalibration::p_value(double score) const {
  if (std::isnan(score)) return std::numeric_limits<double>::quiet_NaN();
  if (score >= tail_start_) return tail_survival_ * std::exp(-(score - tail_start_) / tail_scale_);
  if (score < knot_score_.front()) return 1.0;
  // knot_score_[i-1] <= score < knot_score_[i]
  const auto it = std::upper_bound(knot_score_.begin(), knot_score_.end(), score);
  const auto i = static_cast<std::size_t>(it - knot_score_.begin());
  const double t = (score - knot_score_[i - 1]) / (knot_score_[i] - knot_score_[i - 1]);
  return std::exp(knot_log_survival_[i - 1] + t * (knot_log_survival_[i] - knot_log_survival_[i - 1]));
}

double ScoreCalibration::confidence(double score) const { return 1.0 - p_value(score); }

Result<double> ScoreCalibration::threshold(double false_alarm_rate) const {
  const double a = false_alarm_rate;
  if (!(a > 0 && a < 1)) {
    return fail(ErrorCode::invalid_argument, "calibration: false-alarm rate {} outside (0, 1)", a);
  }
  if (a < tail_survival_) return tail_start_ + tail_scale_ * std::log(tail_survival_ / a);
  if (a >= knot_survival_.front()) return knot_score_.front();
  // Survival decreases along the knots: find the segment with survival[i-1] > a >= survival[i].
  std::size_t i = 1;
  while (knot_survival_[i] > a) ++i;
  const double t =
      (knot_log_survival_[i - 1] - std::log(a)) / (knot_log_survival_[i - 1] - knot_log_survival_[i]);
  return knot_score_[i - 1] + t * (knot_score_[i] - knot_score_[i - 1]);
}

nlohmann::json ScoreCalibration::to_json() const {
  nlohmann::json knots = nlohmann::json::array();
  for (std::size_t i = 0; i < knot_score_.size(); ++i) knots.push_back({knot_score_[i], knot_survival_[i]});
  return {{"type", "score_calibration"},
          {"version", 1},
          {"count", count_},
          {"knots", std::move(knots)},
          {"tail_scale", tail_scale_}};
}

Result<ScoreCalibration> ScoreCalibration::from_json(const nlohmann::json& json) {
  if (!json.is_object()) return fail(ErrorCode::parse, "score_calibration: expected a JSON object");
  const auto type = json.find("type");
  if (type == json.end() || !type->is_string() ||
      type->get_ref<const std::string&>() != "score_calibration") {
    return fail(ErrorCode::parse, "score_calibration: 'type' is not \"score_calibration\"");
  }
  const auto version = json.find("version");
  if (version == json.end() || !version->is_number_integer() || version->get<std::int64_t>() != 1) {
    return fail(ErrorCode::unsupported, "score_calibration: unsupported version (expected 1)");
  }
  const auto count = json.find("count");
  if (count == json.end() || !count->is_number_unsigned() || count->get<std::uint64_t>() < k_min_scores) {
    return fail(ErrorCode::parse, "score_calibration: 'count' missing or below {}", k_min_scores);
  }
  const auto scale = json.find("tail_scale");
  if (scale == json.end() || !scale->is_number())
    return fail(ErrorCode::parse, "score_calibration: 'tail_scale' missing");
  const auto knots = json.find("knots");
  if (knots == json.end() || !knots->is_array() || knots->empty() ||
      knots->size() > count->get<std::uint64_t>()) {
    return fail(ErrorCode::parse, "score_calibration: 'knots' missing, empty or longer than 'count'");
  }
  std::vector<double> scores, survival;
  for (std::size_t i = 0; i < knots->size(); ++i) {
    const auto& k = (*knots)[i];
    if (!k.is_array() || k.size() != 2 || !k[0].is_number() || !k[1].is_number()) {
      return fail(ErrorCode::parse, "score_calibration: knot {} is not a [score, survival] pair", i);
    }
    scores.push_back(k[0].get<double>());
    survival.push_back(k[1].get<double>());
  }
  auto c = from_knots(std::move(scores), std::move(survival), scale->get<double>(),
                      static_cast<std::size_t>(count->get<std::uint64_t>()));
  if (!c) return std::unexpected(Error{ErrorCode::parse, c.error().message});
  return c;
}

}  // namespace vigil::model
