#include "edge/alerting.hpp"

#include <algorithm>

namespace vigil::edge {

namespace {
constexpr std::array<std::string_view, k_alert_level_count> k_level_names{"normal", "watch", "warning",
                                                                          "alarm"};
}  // namespace

std::string_view to_string(AlertLevel level) { return k_level_names[static_cast<std::size_t>(level)]; }

Result<AlertLevel> parse_alert_level(std::string_view name) {
  for (std::size_t i = 0; i < k_level_names.size(); ++i) {
    if (k_level_names[i] == name) return static_cast<AlertLevel>(i);
  }
  return fail(ErrorCode::invalid_argument, "alert level '{}': expected normal, watch, warning or alarm",
              name);
}

std::string_view to_string(Ne107Status status) {
  switch (status) {
    case Ne107Status::normal:
      return "Normal";
    case Ne107Status::maintenance_required:
      return "Maintenance required";
    case Ne107Status::out_of_specification:
      return "Out of specification";
    case Ne107Status::check_function:
      return "Check function";
    case Ne107Status::failure:
      return "Failure";
  }
  return "Check function";
}

Ne107Status ne107_status(AlertLevel level, bool check_function) {
  // A failure outranks "check function": an asset in ISO zone D while commissioning is still reported as
  // failing.
  if (level == AlertLevel::alarm) return Ne107Status::failure;
  if (check_function) return Ne107Status::check_function;
  switch (level) {
    case AlertLevel::normal:
      return Ne107Status::normal;
    case AlertLevel::watch:
      return Ne107Status::maintenance_required;
    case AlertLevel::warning:
      return Ne107Status::out_of_specification;
    case AlertLevel::alarm:
      break;
  }
  return Ne107Status::failure;
}

Status validate(const DebounceConfig& config) {
  if (config.raise_m < 1 || config.raise_m > k_max_debounce_windows) {
    return fail(ErrorCode::invalid_argument, "raise_m is {}, expected 1..{}", config.raise_m,
                k_max_debounce_windows);
  }
  if (config.raise_n < 1 || config.raise_n > config.raise_m) {
    return fail(ErrorCode::invalid_argument, "raise_n is {}, expected 1..raise_m ({})", config.raise_n,
                config.raise_m);
  }
  if (config.clear_windows < 1) return fail(ErrorCode::invalid_argument, "clear_windows must be at least 1");
  return {};
}

Result<AlertDebouncer> AlertDebouncer::create(const DebounceConfig& config) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error().with_context("debounce"));
  return AlertDebouncer(config);
}

AlertLevel AlertDebouncer::n_of_m() const {
  // at_least[L] = raw levels among the last raise_m that are L or higher.
  std::array<std::size_t, k_alert_level_count> at_least{};
  const std::size_t n = std::min(seen_, config_.raise_m);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t l = 0; l <= static_cast<std::size_t>(recent_[i]); ++l) ++at_least[l];
  }
  for (std::size_t l = k_alert_level_count; l-- > 1;) {
    if (at_least[l] >= config_.raise_n) return static_cast<AlertLevel>(l);
  }
  return AlertLevel::normal;
}

AlertLevel AlertDebouncer::update(AlertLevel raw) {
  recent_[next_] = raw;
  next_ = (next_ + 1) % config_.raise_m;
  seen_ = std::min(seen_ + 1, config_.raise_m);
  const AlertLevel voted = n_of_m();
  if (voted >= level_) {
    level_ = voted;
    quiet_run_ = 0;
    quiet_peak_ = AlertLevel::normal;
    return level_;
  }
  quiet_peak_ = quiet_run_ == 0 ? voted : std::max(quiet_peak_, voted);
  if (++quiet_run_ >= config_.clear_windows) {
    level_ = quiet_peak_;
    quiet_run_ = 0;
    quiet_peak_ = AlertLevel::normal;
  }
  return level_;
}

void AlertDebouncer::reset() {
  seen_ = 0;
  next_ = 0;
  level_ = AlertLevel::normal;
  quiet_run_ = 0;
  quiet_peak_ = AlertLevel::normal;
}

FaultHolder::Named FaultHolder::update(AlertLevel level, diag::Verdict raw_fault, double raw_confidence) {
  if (level == AlertLevel::normal) {
    held_ = {};
    unnamed_run_ = 0;
    return held_;
  }
  const bool names = raw_fault != diag::Verdict::normal && raw_fault != diag::Verdict::unknown;
  const bool holding = held_.fault != diag::Verdict::normal && held_.fault != diag::Verdict::unknown;
  if (names && raw_fault == held_.fault) {
    held_.confidence = raw_confidence;
    unnamed_run_ = 0;
  } else if (names && (!holding || raw_confidence >= held_.confidence || unnamed_run_ >= clear_windows_)) {
    held_ = {raw_fault, raw_confidence};
    unnamed_run_ = 0;
  } else {
    ++unnamed_run_;
    if (held_.fault == diag::Verdict::normal) held_.fault = diag::Verdict::unknown;
  }
  return held_;
}

}  // namespace vigil::edge
