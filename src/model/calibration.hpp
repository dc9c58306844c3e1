// Score calibration: turns an anomaly score (larger = more abnormal, e.g. GaussianAnomaly's T^2) into a
// confidence of abnormality in [0, 1) and an alarm threshold for an explicit false-alarm budget, using
// healthy scores held back from fitting (scores of the fitting windows are optimistic: the model has
// seen them).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"

namespace vigil::model {

struct CalibrationConfig {
  // Fraction of the highest calibration scores modelled by the exponential tail (at least k_min_tail
  // scores): budgets below about this fraction are read off the tail model, larger ones off the data.
  double tail_fraction = 0.01;
  // Most knots kept for the body of the distribution (bounds the serialised size to ~10 KB).
  std::size_t max_knots = 256;
};

// The survival function S(s) = P(healthy score > s), i.e. the p-value of s under "healthy":
//
// Body (empirical). With the n sorted calibration scores s_(1) <= ... <= s_(n) and Weibull plotting
// positions F(s_(i)) = i / (n + 1) (unbiased for the CDF at the order statistics), the knots are
// (s_(i), S_i = 1 - i/(n+1)), ties merged onto their highest rank, and log S is interpolated linearly in
// s between knots (piecewise exponential, the same form as the tail); S = 1 below s_(1). When there are
// more than max_knots, half of the kept knots are evenly spaced in rank and half evenly spaced in log S,
// so the upper body, where alarm thresholds live, keeps its resolution; the first and last knots stay.
//
// Tail (peaks over threshold). Above u = s_(n-k), k = max(k_min_tail, ceil(tail_fraction n)) (at most
// n/2) exceedances, the excesses are modelled as exponential (the generalised Pareto distribution with
// shape 0; Pickands 1975, Ann. Statist. 3(1); Davison & Smith 1990, JRSS B 52(3)):
//     S(s) = S(u) exp(-(s - u) / sigma),   S(u) = (k + 1) / (n + 1),   sigma = mean of (s_(i) - u), i > n - k
// (sigma is the maximum-likelihood estimate). Why exponential: T^2 of Gaussian data is chi^2(d), whose
// tail is of exponential type (Gumbel domain of attraction); its mean excess falls slowly towards 2, so
// the fitted exponential is slightly heavier than the truth and extrapolated thresholds err on the
// conservative side (for chi^2(8), tail from the 1 % point, the 0.1 % threshold alarms on ~0.095 %). A
// heavier-than-exponential real tail would make them optimistic instead; budgets >= S(u) are empirical.
//
// confidence(s) = 1 - S(s): "the score is higher than this fraction of healthy windows". It is a
// p-value transform, not a posterior probability of a fault (that would need the fault prior).
class ScoreCalibration {
 public:
  static constexpr std::size_t k_min_scores = 20;
  static constexpr std::size_t k_min_tail = 10;

  // From held-back healthy scores (finite, at least k_min_scores).
  static Result<ScoreCalibration> fit(std::span<const double> healthy_scores,
                                      const CalibrationConfig& config = {});

  double p_value(double score) const;     // S(score) in (0, 1]; NaN for a NaN score
  double confidence(double score) const;  // 1 - S(score) in [0, 1)
  // The score t with S(t) = false_alarm_rate: scores above it alarm on that fraction of healthy windows.
  // false_alarm_rate in (0, 1).
  Result<double> threshold(double false_alarm_rate) const;

  std::size_t calibration_count() const { return count_; }
  double tail_start() const { return tail_start_; }  // u
  double tail_scale() const { return tail_scale_; }  // sigma

  // {"type": "score_calibration", "version": 1, "count": n, "knots": [[score, survival], ...],
  //  "tail_scale": sigma}  (the last knot is the tail start u with S(u); scores strictly increase,
  //  survivals strictly decrease within (0, 1))
  nlohmann::json to_json() const;
  static Result<ScoreCalibration> from_json(const nlohmann::json& json);

 private:
  ScoreCalibration() = default;
  static Result<ScoreCalibration> from_knots(std::vector<double> scores, std::vector<double> survival,
                                             double tail_scale, std::size_t count);

  std::size_t count_ = 0;
  std::vector<double> knot_score_;     // strictly increasing
  std::vector<double> knot_survival_;  // strictly decreasing, in (0, 1)
  std::vector<double> knot_log_survival_;
  double tail_start_ = 0;
  double tail_survival_ = 0;
  double tail_scale_ = 0;
};

}  // namespace vigil::model
