// libFuzzer target: the alarm manager's outside inputs, an edge metric's text value mapped to conditions
// and a webhook URL from the configuration. The first byte picks the metric (or the URL parser), the rest is
// the value. Whatever the bytes: no crash, and what is accepted is well-formed (conditions of known
// definitions, a URL with a host, a port > 0 and a target starting with '/').
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hub/alarms/definitions.hpp"
#include "hub/alarms/http_post.hpp"

namespace alarms = vigil::hub::alarms;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr std::string_view k_metrics[] = {"Alert/Level", "Vibration/ISO zone", "Health/NE107",
                                            "Fault/Class"};
  const std::string_view value(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t pick = data[0] % 5;
  if (pick == 4) {
    const auto url = alarms::parse_http_url(value);
    if (url && (url->host.empty() || url->port == 0 || !url->target.starts_with('/'))) std::abort();
    return 0;
  }
  const auto conditions = alarms::conditions_from_metric(7, k_metrics[pick], value, 1000, "edge:g/n");
  if (!conditions) return 0;
  const auto defaults = alarms::default_definitions();
  for (const alarms::Condition& c : *conditions) {
    bool known = false;
    for (const alarms::AlarmDefinition& d : defaults) known = known || d.key == c.definition;
    if (!known || c.asset_id != 7 || c.ts_ms != 1000) std::abort();
  }
  return 0;
}
