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

// ln C(M, N).
double log_binomial(std::size_t m, std::size_t n) {
  return std::lgamma(static_cast<double>(m) + 1) - std::lgamma(static_cast<double>(n) + 1) -
         std::lgamma(static_cast<double>(m - n) + 1);
}

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
  if (c.alarm_window < 1 || c.alarm_window > 64) {
    return fail(ErrorCode::invalid_argument, "alarm_window = {}: expected 1..64", c.alarm_window);
  }
  if (c.alarm_count < 1 || c.alarm_count > c.alarm_window) {
    return fail(ErrorCode::invalid_argument, "alarm_count = {}: expected 1..alarm_window ({})", c.alarm_count,
                c.alarm_window);
  }
  if (!(c.false_alarm_probability > 0 && c.false_alarm_probability < 1)) {
    return fail(ErrorCode::invalid_argument, "false_alarm_probability = {}: expected a value in (0, 1)",
                c.false_alarm_probability);
  }
  if (c.design_length < 1) {
    return fail(ErrorCode::invalid_argument, "design_length = 0: expected >= 1");
  }
  return {};
}

Result<double> alarm_multiplier(const HealthIndexConfig& config, std::size_t baseline_count) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  if (baseline_count < 2) {
    return fail(ErrorCode::invalid_argument, "baseline of {} snapshots: need at least 2", baseline_count);
  }
  // k = (nu / N) ((C(M, N) n / (2^N alpha))^{1/nu} - 1), in logs and expm1 for accuracy at large nu.
  const double nu = static_cast<double>(baseline_count - 1);
  const double n_count = static_cast<double>(config.alarm_count);
  const double log_ratio = log_binomial(config.alarm_window, config.alarm_count) +
                           std::log(static_cast<double>(config.design_length)) - n_count * std::log(2.0) -
                           std::log(config.false_alarm_probability);
  if (log_ratio <= 0) return 0.0;  // the budget tolerates an alarm anyway: the threshold is the centre
  return (nu / n_count) * std::expm1(log_ratio / nu);
}

Result<HealthMonitor> HealthMonitor::create(const HealthIndexConfig& config) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  HealthMonitor m;
  m.config_ = config;
  m.baseline_scores_.reserve(config.max_baseline_snapshots);
  m.scratch_.reserve(config.max_baseline_snapshots);
  m.window_flags_.assign(config.alarm_window, 0);
  m.window_times_.assign(config.alarm_window, 0.0);
  m.window_indices_.assign(config.alarm_window, 0);
  return m;
}

Status HealthMonitor::close_baseline() {
  const std::size_t n = baseline_scores_.size();
  auto k = alarm_multiplier(config_, n);
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
  baseline_.distance_centre = m;
  baseline_.distance_scale = sum_abs / static_cast<double>(n);
  baseline_.multiplier = *k;
  baseline_.distance_threshold = m + *k * baseline_.distance_scale;
  baseline_.log_alarm_score = log_score(baseline_.distance_threshold * baseline_.distance_threshold);
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
  const double excess = std::max(0.0, log_score(score) - baseline_.log_alarm_score);
  const double gain = config_.smoothing_s > 0 ? -std::expm1(-(time_s - last_s_) / config_.smoothing_s) : 1.0;
  log_excess_ += gain * (excess - log_excess_);

  // Onset: N exceedances among the last M snapshots after the baseline.
  const bool exceeds = std::sqrt(score) > baseline_.distance_threshold;
  window_flags_[window_pos_] = exceeds ? 1 : 0;
  window_times_[window_pos_] = time_s;
  window_indices_[window_pos_] = count_;
  window_pos_ = (window_pos_ + 1) % config_.alarm_window;
  window_filled_ = std::min(window_filled_ + 1, config_.alarm_window);
  if (!state_.onset_found && exceeds) {
    std::size_t hits = 0;
    double first_s = time_s;
    std::size_t first_index = count_;
    for (std::size_t i = 0; i < window_filled_; ++i) {
      if (window_flags_[i] == 0) continue;
      ++hits;
      if (window_times_[i] < first_s) {
        first_s = window_times_[i];
        first_index = window_indices_[i];
      }
    }
    if (hits >= config_.alarm_count) {
      state_.onset_found = true;
      state_.onset_s = first_s;
      state_.onset_index = first_index;
      state_.detected_s = time_s;
    }
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
