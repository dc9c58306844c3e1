// What the hub alarms on, and why: alarm definitions with their rationalisation (ISA-18.2 / IEC 62682: cause,
// consequence, corrective action, time to respond, priority), the built-in set a plant can override, and the
// mapping from an edge agent's Sparkplug metrics to the conditions the alarm manager evaluates
// (docs/hub-alarms.md lists the defaults and their rationale).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace vigil::hub::alarms {

enum class Priority { low, medium, high, urgent };
std::string_view to_string(Priority priority);

struct AlarmDefinition {
  std::string key;  // e.g. "bearing_alarm": 1..256 bytes, unique
  std::string cause;
  std::string consequence;
  std::string corrective_action;
  std::int64_t time_to_respond_ms = 0;  // > 0
  Priority priority = Priority::medium;
  bool latching = false;  // stays in alarm after the condition clears until acknowledged and reset
  bool suppressed_by_design = false;  // evaluated and recorded, never shown or notified
  std::int64_t max_shelve_ms = 0;     // longest timed shelve; 0: AlarmConfig::max_shelve_ms
};

// Non-empty key and texts within limits, a positive time to respond, a non-negative shelve limit.
Status check_definition(const AlarmDefinition& definition);

// The built-in set: bearing_warning, bearing_alarm, vibration_zone_d, monitoring_failure, asset_stale,
// node_offline.
std::vector<AlarmDefinition> default_definitions();

// The built-in set with `overrides` replacing the definition of the same key (or added); each checked, a key
// twice in `overrides` refused.
Result<std::vector<AlarmDefinition>> with_overrides(std::span<const AlarmDefinition> overrides);

// A process condition of one alarm point: (definition, asset) or, for a node alarm (asset_id 0), (definition,
// node "<group>/<node>"). `actor` is who reported it ("edge:<group>/<node>", or "hub" for the hub's own
// observations such as a death).
struct Condition {
  std::int64_t asset_id = 0;
  std::string node;  // "<group>/<node>" for a node alarm (asset_id 0); empty for an asset alarm
  std::string definition;
  bool active = false;
  std::int64_t ts_ms = 0;  // when the condition changed, Unix ms UTC
  std::string actor;
  std::string detail;  // free text shown with the alarm, at most 4 KiB

  bool operator==(const Condition&) const = default;
};

// The conditions one metric of an asset implies: Alert/Level → bearing_warning (warning or alarm) and
// bearing_alarm (alarm); Vibration/ISO zone → vibration_zone_d; Health/NE107 → monitoring_failure
// ("Failure"). Any other metric implies none (empty). A value outside the metric's documented set is a parse
// error naming the metric and the value.
Result<std::vector<Condition>> conditions_from_metric(std::int64_t asset_id, std::string_view metric,
                                                      std::string_view value, std::int64_t ts_ms,
                                                      std::string_view actor);

}  // namespace vigil::hub::alarms
