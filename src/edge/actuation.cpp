#include "edge/actuation.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace vigil::edge {

std::string_view to_string(Interlock interlock) {
  switch (interlock) {
    case Interlock::closed:
      return "closed";
    case Interlock::open:
      return "open";
    case Interlock::unreadable:
      return "unreadable";
    case Interlock::not_wired:
      return "not wired";
  }
  return "?";
}

std::string_view to_string(ActuationCommand command) {
  switch (command) {
    case ActuationCommand::none:
      return "none";
    case ActuationCommand::reduce_speed:
      return "reduce speed";
    case ActuationCommand::stop:
      return "stop";
  }
  return "?";
}

std::string_view to_string(Withheld reason) {
  switch (reason) {
    case Withheld::no:
      return "written";
    case Withheld::no_command:
      return "no command";
    case Withheld::below_level:
      return "below level";
    case Withheld::below_confidence:
      return "below confidence";
    case Withheld::no_register:
      return "no register";
    case Withheld::interlock_open:
      return "interlock open";
    case Withheld::interlock_unreadable:
      return "interlock unreadable";
    case Withheld::interlock_not_wired:
      return "interlock not wired";
    case Withheld::rate_limit:
      return "rate limit";
    case Withheld::dry_run:
      return "dry run";
  }
  return "?";
}

namespace {

constexpr double k_ns_per_hour = 3600e9;

ActuationCommand command_for(AlertLevel level) {
  switch (level) {
    case AlertLevel::warning:
      return ActuationCommand::reduce_speed;
    case AlertLevel::alarm:
      return ActuationCommand::stop;
    case AlertLevel::normal:
    case AlertLevel::watch:
      break;
  }
  return ActuationCommand::none;
}

}  // namespace

Result<ActuationGate> ActuationGate::create(const ActuationPolicy& policy, const PlcConfig& plc,
                                            std::size_t asset_count) {
  if (!(policy.min_confidence >= 0 && policy.min_confidence <= 1))
    return fail(ErrorCode::invalid_argument, "actuation min_confidence {} is outside [0, 1]",
                policy.min_confidence);
  if (!(policy.max_per_hour >= 0 && policy.max_per_hour <= 3600))
    return fail(ErrorCode::invalid_argument, "actuation max_per_hour {} is outside [0, 3600]",
                policy.max_per_hour);
  std::size_t capacity = 0;
  std::int64_t window_ns = 0;
  if (policy.max_per_hour > 0) {
    capacity = std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(policy.max_per_hour)));
    window_ns = std::llround(static_cast<double>(capacity) / policy.max_per_hour * k_ns_per_hour);
  }
  return ActuationGate(policy, plc, capacity, window_ns, asset_count);
}

ActuationGate::ActuationGate(const ActuationPolicy& policy, const PlcConfig& plc, std::size_t capacity,
                             std::int64_t window_ns, std::size_t asset_count)
    : policy_(policy),
      plc_(plc),
      capacity_(capacity),
      window_ns_(window_ns),
      times_ns_(capacity * asset_count, 0),
      counted_(asset_count, 0),
      next_(asset_count, 0) {}

bool ActuationGate::rate_allows(std::size_t asset, std::int64_t at_ns) const {
  std::size_t recent = 0;
  for (std::size_t i = 0; i < counted_[asset]; ++i)
    if (at_ns - times_ns_[asset * capacity_ + i] < window_ns_) ++recent;
  return recent < capacity_;
}

void ActuationGate::count(std::size_t asset, std::int64_t at_ns) {
  times_ns_[asset * capacity_ + next_[asset]] = at_ns;
  next_[asset] = (next_[asset] + 1) % capacity_;
  if (counted_[asset] < capacity_) ++counted_[asset];
}

ActuationRecord ActuationGate::decide(const ActuationRequest& request) {
  assert(request.asset < counted_.size());
  ActuationRecord r;
  r.command = command_for(request.level);
  const std::string_view level = to_string(request.level);
  if (r.command == ActuationCommand::none) {
    r.withheld = Withheld::no_command;
    r.line = fmt::format("{}: no actuation for level {}", request.asset_id, level);
    return r;
  }
  const std::string_view command = to_string(r.command);
  auto withhold = [&](Withheld why, std::string detail) {
    r.withheld = why;
    r.line = fmt::format("{}: {} withheld: {} ({})", request.asset_id, command, to_string(why), detail);
    return r;
  };
  if (request.level < policy_.min_level)
    return withhold(Withheld::below_level,
                    fmt::format("level {} < min_level {}", level, to_string(policy_.min_level)));
  if (!(request.confidence >= policy_.min_confidence))
    return withhold(Withheld::below_confidence, fmt::format("confidence {:.2f} < min_confidence {:.2f}",
                                                            request.confidence, policy_.min_confidence));
  const int address = !plc_.enabled                         ? -1
                      : r.command == ActuationCommand::stop ? plc_.stop_register
                                                            : plc_.reduce_speed_register;
  if (address < 0)
    return withhold(Withheld::no_register,
                    plc_.enabled ? fmt::format("[plc] {} = -1", r.command == ActuationCommand::stop
                                                                    ? "stop_register"
                                                                    : "reduce_speed_register")
                                 : std::string("[plc] is not enabled"));
  r.register_address = address;
  r.value = 1;
  switch (request.interlock) {
    case Interlock::closed:
      break;
    case Interlock::open:
      return withhold(Withheld::interlock_open,
                      fmt::format("register {} does not read 1", plc_.interlock_register));
    case Interlock::unreadable:
      return withhold(Withheld::interlock_unreadable,
                      fmt::format("register {} could not be read", plc_.interlock_register));
    case Interlock::not_wired:
      return withhold(Withheld::interlock_not_wired, "[plc] interlock_register = -1");
  }
  if (!rate_allows(request.asset, request.at_ns))
    return withhold(Withheld::rate_limit,
                    capacity_ == 0
                        ? std::string("max_per_hour 0")
                        : fmt::format("{} in the last {:.3g} h, max_per_hour {:.3g}", capacity_,
                                      static_cast<double>(window_ns_) / k_ns_per_hour, policy_.max_per_hour));
  count(request.asset, request.at_ns);
  if (policy_.dry_run)
    return withhold(Withheld::dry_run, fmt::format("would write {} to register {}; {}, confidence {:.2f}",
                                                   r.value, address, level, request.confidence));
  r.line = fmt::format("{}: {}: write {} to register {} ({}, confidence {:.2f}, interlock closed)",
                       request.asset_id, command, r.value, address, level, request.confidence);
  return r;
}

}  // namespace vigil::edge
