#include "model/health_index.hpp"

#include <algorithm>
#include <cmath>

namespace vigil::model {
namespace {

// Median of values (reorders them). Requires a non-empty span.
double median_in_place(std::span<double> values) {
  const std::size_t n = values.size();
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(values.begin(), mid, values.end());
  const double upper = *mid;
  if (n % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), mid);
  return 0.5 * (lower + upper);
}

// ln s with s = 0 mapped to the smallest normal double, so a zero score is "very healthy", not -inf.
double log_score(double score) { return std::log(std::max(score, std::numeric_limits<double>::min())); }

}  // namespace

Status validate(const HealthIndexConfig& c) {
  if (!(std::isfinite(c.baseline_s) && c.baseline_s >= 0)) {
    return fail(ErrorCode::invalid_argument, "baseline_s = {}: expected a finite value >= 0", c.baseline_s);
  }
  if (c.baseline_min_snapshots < 3) {
    return fail(ErrorCode::invalid_argument, "baseline_min_snapshots = {}: expected >= 3",
                c.baseline_min_snapshots);
  }
  if (c.max_baseline_snapshots < c.baseline_min_snapshots) {
    return fail(ErrorCode::invalid_argument,
                "max_baseline_snapshots = {}: expected >= baseline_min_snapshots ({})",
                c.max_baseline_snapshots, c.baseline_min_snapshots);
  }
  if (!(std::isfinite(c.smoothing_s) && c.smoothing_s >= 0)) {
    return fail(ErrorCode::invalid_argument, "smoothing_s = {}: expected a finite value >= 0", c.smoothing_s);
  }
  if (!(std::isfinite(c.reference_scales) && c.reference_scales >= 0)) {
    return fail(ErrorCode::invalid_argument, "reference_scales = {}: expected a finite value >= 0",
                c.reference_scales);
  }
  if (!(std::isfinite(c.persistence_s) && c.persistence_s >= 0)) {
    return fail(ErrorCode::invalid_argument, "persistence_s = {}: expected a finite value >= 0",
                c.persistence_s);
  }
  if (!(c.false_alarm_probability > 0 && c.false_alarm_probability < 1)) {
    return fail(ErrorCode::invalid_argument, "false_alarm_probability = {}: expected a value in (0, 1)",
                c.false_alarm_probability);
  }
  if (!(std::isfinite(c.design_s) && c.design_s > 0)) {
    return fail(ErrorCode::invalid_argument, "design_s = {}: expected a finite value > 0", c.design_s);
  }
  return {};
}

std::size_t alarm_run_length(const HealthIndexConfig& config, double interval_s) {
  // The 1e-9 keeps a persistence that is a whole number of intervals (20 s at 10 s) from rounding up.
  return 1 + static_cast<std::size_t>(std::max(0.0, std::ceil(config.persistence_s / interval_s - 1e-9)));
}

Result<double> alarm_multiplier(const HealthIndexConfig& config, std::size_t baseline_count,
                                double interval_s) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  if (baseline_count < 2) {
    return fail(ErrorCode::invalid_argument, "baseline of {} snapshots: need at least 2", baseline_count);
  }
  if (!(std::isfinite(interval_s) && interval_s > 0)) {
    return fail(ErrorCode::invalid_argument, "snapshot interval {} s: expected a finite value > 0",
                interval_s);
  }
  // k = (nu / m) ((n / (2^m alpha))^{1/nu} - 1), in logs and expm1 for accuracy at large nu.
  const double nu = static_cast<double>(baseline_count - 1);
  const double m = static_cast<double>(alarm_run_length(config, interval_s));
  const double n = std::max(1.0, config.design_s / interval_s);
  const double log_ratio = std::log(n) - m * std::log(2.0) - std::log(config.false_alarm_probability);
  if (log_ratio <= 0) return 0.0;  // the budget tolerates an alarm anyway: the threshold is the centre
  return (nu / m) * std::expm1(log_ratio / nu);
}

Result<HealthMonitor> HealthMonitor::create(const HealthIndexConfig& config) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  HealthMonitor m;
  m.config_ = config;
  m.baseline_scores_.reserve(config.max_baseline_snapshots);
  m.scratch_.reserve(config.max_baseline_snapshots);
  return m;
}

Status HealthMonitor::close_baseline() {
  const std::size_t n = baseline_scores_.size();
  const double interval_s = n > 1 ? (last_s_ - first_s_) / static_cast<double>(n - 1) : 0.0;
  auto k = alarm_multiplier(config_, n, interval_s);
  if (!k) return std::unexpected(k.error());

  scratch_.clear();
  for (double s : baseline_scores_) scratch_.push_back(log_score(s));
  baseline_.log_score_centre = median_in_place(scratch_);

  scratch_.clear();
  for (double s : baseline_scores_) scratch_.push_back(std::sqrt(s));
  const double m = median_in_place(scratch_);
  double sum_abs = 0;
  for (double s : baseline_scores_) sum_abs += std::abs(std::sqrt(s) - m);

  baseline_.count = n;
  baseline_.end_s = last_s_;
  baseline_.interval_s = interval_s;
  baseline_.distance_centre = m;
  baseline_.distance_scale = sum_abs / static_cast<double>(n);
  baseline_.multiplier = *k;
  baseline_.distance_threshold = m + *k * baseline_.distance_scale;
  baseline_.log_alarm_score = log_score(baseline_.distance_threshold * baseline_.distance_threshold);
  const double reference = m + config_.reference_scales * baseline_.distance_scale;
  baseline_.log_reference_score = log_score(reference * reference);
  state_.baseline_ready = true;
  return {};
}

Result<HealthState> HealthMonitor::update(double time_s, double score) {
  if (!std::isfinite(time_s)) return fail(ErrorCode::invalid_argument, "time {} s is not finite", time_s);
  if (count_ > 0 && !(time_s > last_s_)) {
    return fail(ErrorCode::invalid_argument, "time {} s is not after the previous snapshot ({} s)", time_s,
                last_s_);
  }
  if (!(std::isfinite(score) && score >= 0)) {
    return fail(ErrorCode::invalid_argument, "score {} at {} s: expected a finite value >= 0", score, time_s);
  }

  if (!state_.baseline_ready) {
    const bool beyond = count_ > 0 && time_s - first_s_ > config_.baseline_s;
    if (!(beyond && baseline_scores_.size() >= config_.baseline_min_snapshots)) {
      if (count_ == 0) first_s_ = time_s;
      baseline_scores_.push_back(score);
      last_s_ = time_s;
      ++count_;
      state_.time_s = time_s;
      if (baseline_scores_.size() == config_.max_baseline_snapshots) {
        if (auto ok = close_baseline(); !ok) return std::unexpected(ok.error());
      }
      return state_;
    }
    if (auto ok = close_baseline(); !ok) return std::unexpected(ok.error());
  }

  // Health index: first-order filter of the excess log-score, time constant smoothing_s.
  const double excess = std::max(0.0, log_score(score) - baseline_.log_reference_score);
  const double gain = config_.smoothing_s > 0 ? -std::expm1(-(time_s - last_s_) / config_.smoothing_s) : 1.0;
  log_excess_ += gain * (excess - log_excess_);

  // Onset: the distance above d* at every snapshot of a run spanning persistence_s.
  const bool exceeds = std::sqrt(score) > baseline_.distance_threshold;
  if (!exceeds) {
    state_.run_start_s = std::numeric_limits<double>::quiet_NaN();
  } else if (std::isnan(state_.run_start_s)) {
    state_.run_start_s = time_s;
    run_start_index_ = count_;
  }
  if (!state_.onset_found && exceeds && time_s - state_.run_start_s >= config_.persistence_s) {
    state_.onset_found = true;
    state_.onset_s = state_.run_start_s;
    state_.onset_index = run_start_index_;
    state_.detected_s = time_s;
  }

  last_s_ = time_s;
  ++count_;
  state_.time_s = time_s;
  state_.health_index = std::exp(log_excess_);
  state_.exceedance = exceeds;
  return state_;
}

Result<HealthTrack> track_health(std::span<const double> time_s, std::span<const double> score,
                                 const HealthIndexConfig& config) {
  if (time_s.size() != score.size()) {
    return fail(ErrorCode::invalid_argument, "{} scores for {} times", score.size(), time_s.size());
  }
  auto monitor = HealthMonitor::create(config);
  if (!monitor) return std::unexpected(monitor.error());
  HealthTrack track;
  track.health_index.reserve(time_s.size());
  for (std::size_t i = 0; i < time_s.size(); ++i) {
    auto s = monitor->update(time_s[i], score[i]);
    if (!s) return std::unexpected(s.error().with_context(fmt::format("snapshot {}", i)));
    track.health_index.push_back(s->health_index);
  }
  track.final_state = monitor->state();
  track.baseline = monitor->baseline();
  return track;
}

}  // namespace vigil::model
