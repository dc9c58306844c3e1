#include "hub/alarms/definitions.hpp"

#include <algorithm>
#include <array>

#include "hub/store/validate.hpp"

namespace vigil::hub::alarms {
namespace {

constexpr std::int64_t k_minute_ms = 60'000;
constexpr std::int64_t k_hour_ms = 60 * k_minute_ms;
constexpr std::int64_t k_day_ms = 24 * k_hour_ms;

}  // namespace

std::string_view to_string(Priority priority) {
  switch (priority) {
    case Priority::low:
      return "low";
    case Priority::medium:
      return "medium";
    case Priority::high:
      return "high";
    case Priority::urgent:
      return "urgent";
  }
  return "?";
}

Status check_definition(const AlarmDefinition& d) {
  if (auto ok = store::check_id("alarm definition: key", d.key); !ok) return ok;
  const auto field = [&](std::string_view name) {
    return fmt::format("alarm definition {}: {}", d.key, name);
  };
  for (auto [name, text] : std::array<std::pair<std::string_view, const std::string*>, 3>{
           {{"cause", &d.cause},
            {"consequence", &d.consequence},
            {"corrective action", &d.corrective_action}}})
    if (auto ok = store::check_text(field(name), *text, store::k_max_text_bytes); !ok) return ok;
  if (d.time_to_respond_ms <= 0)
    return fail(ErrorCode::invalid_argument, "{}: {} ms, must be > 0", field("time to respond"),
                d.time_to_respond_ms);
  if (d.max_shelve_ms < 0)
    return fail(ErrorCode::invalid_argument, "{}: {} ms, must be >= 0", field("max shelve"), d.max_shelve_ms);
  return {};
}

std::vector<AlarmDefinition> default_definitions() {
  return {
      {"bearing_warning",
       "the edge's decision rose to warning or alarm: a developing defect (bearing, imbalance, misalignment, "
       "looseness) confirmed over N of M windows",
       "left alone the defect grows; unplanned stop within weeks",
       "review the trend and the evidence spectra; plan an inspection before the decision's deadline",
       7 * k_day_ms, Priority::low, false, false, 0},
      {"bearing_alarm",
       "the edge's decision rose to alarm: an advanced defect with high confidence or vibration in ISO zone "
       "D",
       "bearing failure and secondary damage (shaft, seals, coupling) within days",
       "plan a stop and replace the part named in the decision; order the spare part now", k_day_ms,
       Priority::high, true, false, 0},
      {"vibration_zone_d", "overall vibration velocity is in ISO 20816-3 zone D for the machine's class",
       "vibration severe enough to cause damage to the machine",
       "reduce load or stop the machine; inspect before restarting", k_hour_ms, Priority::urgent, true, false,
       0},
      {"monitoring_failure",
       "the edge reports NE 107 Failure: its monitoring of the asset does not work (sensor, cable, "
       "acquisition)",
       "the asset runs unwatched; a developing defect would go unseen",
       "check the sensor and its cable, then the edge agent's log", 8 * k_hour_ms, Priority::medium, false,
       false, 0},
      {"asset_stale",
       "the asset's device died (DDEATH) while its edge node stayed online: the sensor or its device stopped",
       "the asset runs unwatched", "check the device and its sensor; restart the device", 8 * k_hour_ms,
       Priority::medium, false, false, 0},
      {"node_offline", "the edge node died (NDEATH or its Will): power, network or the edge agent itself",
       "every asset of the node runs unwatched",
       "check the edge computer's power and network, then its service", 4 * k_hour_ms, Priority::medium,
       false, false, 0},
  };
}

Result<std::vector<AlarmDefinition>> with_overrides(std::span<const AlarmDefinition> overrides) {
  auto out = default_definitions();
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const AlarmDefinition& d = overrides[i];
    if (auto ok = check_definition(d); !ok) return std::unexpected(ok.error());
    for (std::size_t j = 0; j < i; ++j)
      if (overrides[j].key == d.key)
        return fail(ErrorCode::invalid_argument, "alarm definition {}: defined twice", d.key);
    auto same = std::ranges::find(out, d.key, &AlarmDefinition::key);
    if (same != out.end())
      *same = d;
    else
      out.push_back(d);
  }
  return out;
}

Result<std::vector<Condition>> conditions_from_metric(std::int64_t asset_id, std::string_view metric,
                                                      std::string_view value, std::int64_t ts_ms,
                                                      std::string_view actor) {
  const auto make = [&](std::string_view key, bool active) {
    return Condition{asset_id,
                     "",
                     std::string(key),
                     active,
                     ts_ms,
                     std::string(actor),
                     fmt::format("{} = {}", metric, value)};
  };
  const auto bad = [&](std::string_view allowed) {
    return fail(ErrorCode::parse, "{}: \"{}\" is not one of {}", metric, value.substr(0, 64), allowed);
  };
  if (metric == "Alert/Level") {
    if (value != "normal" && value != "watch" && value != "warning" && value != "alarm")
      return bad("normal, watch, warning, alarm");
    return std::vector{make("bearing_warning", value == "warning" || value == "alarm"),
                       make("bearing_alarm", value == "alarm")};
  }
  if (metric == "Vibration/ISO zone") {
    if (value != "A" && value != "B" && value != "C" && value != "D") return bad("A, B, C, D");
    return std::vector{make("vibration_zone_d", value == "D")};
  }
  if (metric == "Health/NE107") {
    if (value != "Normal" && value != "Maintenance required" && value != "Out of specification" &&
        value != "Check function" && value != "Failure")
      return bad("Normal, Maintenance required, Out of specification, Check function, Failure");
    return std::vector{make("monitoring_failure", value == "Failure")};
  }
  return std::vector<Condition>{};
}

}  // namespace vigil::hub::alarms
