// The question a what-if asks: which load and speed the bearing runs at today and under the change. Parsed
// from the JSON body of the hub's what-if request (outside bytes: size-limited, every field checked);
// docs/hub-what-if.md has the fields and an example.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vigil::hub::twin {

struct WhatIfRequest {
  std::string bearing;                  // designation; "" for the asset's own
  double load_kn = 0;                   // equivalent dynamic load P today, > 0
  std::optional<double> new_load_kn;    // P under the change; unset: unchanged
  std::optional<double> speed_rpm;      // n today; unset: the asset's latest Process/Speed rpm
  std::optional<double> new_speed_rpm;  // n under the change; unset: unchanged
};

inline constexpr std::size_t k_max_what_if_body_bytes = 4096;
// Loads and speeds beyond these are not a bearing's (and would overflow the life ratio).
inline constexpr double k_max_load_kn = 100'000;
inline constexpr double k_max_speed_rpm = 1'000'000;

// {"bearing": "6205", "load_kn": 2.5, "new_load_kn": 3.0, "speed_rpm": 1500, "new_speed_rpm": 1800}; only
// load_kn is required. Errors (invalid_argument) name the field: not an object, an unknown field, a wrong
// type, a number outside (0, limit], a body over k_max_what_if_body_bytes.
Result<WhatIfRequest> parse_what_if_request(std::string_view body);

// The range checks of parse_what_if_request, for a request built in code.
Status check(const WhatIfRequest& request);

}  // namespace vigil::hub::twin
