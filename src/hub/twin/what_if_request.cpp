#include "hub/twin/what_if_request.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

namespace vigil::hub::twin {
namespace {

constexpr std::size_t k_max_bearing_bytes = 64;

Status check_range(std::string_view field, double value, double limit, std::string_view unit) {
  if (!std::isfinite(value) || value <= 0 || value > limit) {
    return fail(ErrorCode::invalid_argument, "{}: {} {} is outside (0, {}] {}", field, value, unit, limit,
                unit);
  }
  return {};
}

Result<double> number_field(const nlohmann::json& body, std::string_view field) {
  const auto& v = body.at(std::string(field));
  if (!v.is_number()) {
    return fail(ErrorCode::invalid_argument, "{}: expected a number, found {}", field, v.type_name());
  }
  return v.get<double>();
}

}  // namespace

Status check(const WhatIfRequest& r) {
  if (auto s = check_range("load_kn", r.load_kn, k_max_load_kn, "kN"); !s) return s;
  if (r.new_load_kn) {
    if (auto s = check_range("new_load_kn", *r.new_load_kn, k_max_load_kn, "kN"); !s) return s;
  }
  if (r.speed_rpm) {
    if (auto s = check_range("speed_rpm", *r.speed_rpm, k_max_speed_rpm, "rpm"); !s) return s;
  }
  if (r.new_speed_rpm) {
    if (auto s = check_range("new_speed_rpm", *r.new_speed_rpm, k_max_speed_rpm, "rpm"); !s) return s;
  }
  return {};
}

Result<WhatIfRequest> parse_what_if_request(std::string_view body) {
  if (body.size() > k_max_what_if_body_bytes) {
    return fail(ErrorCode::invalid_argument, "what-if request: {} bytes, at most {}", body.size(),
                k_max_what_if_body_bytes);
  }
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return fail(ErrorCode::invalid_argument, "what-if request: not valid JSON");
  if (!json.is_object()) {
    return fail(ErrorCode::invalid_argument, "what-if request: expected an object, found {}",
                json.type_name());
  }
  WhatIfRequest r;
  bool has_load = false;
  for (const auto& [key, value] : json.items()) {
    if (key == "bearing") {
      if (!value.is_string()) {
        return fail(ErrorCode::invalid_argument, "bearing: expected a string, found {}", value.type_name());
      }
      r.bearing = value.get<std::string>();
      if (r.bearing.size() > k_max_bearing_bytes) {
        return fail(ErrorCode::invalid_argument, "bearing: {} bytes, at most {}", r.bearing.size(),
                    k_max_bearing_bytes);
      }
      continue;
    }
    if (key != "load_kn" && key != "new_load_kn" && key != "speed_rpm" && key != "new_speed_rpm") {
      return fail(ErrorCode::invalid_argument,
                  "unknown field '{}' (known: bearing, load_kn, new_load_kn, speed_rpm, new_speed_rpm)",
                  key.size() > k_max_bearing_bytes ? std::string("(too long to show)") : key);
    }
    auto v = number_field(json, key);
    if (!v) return std::unexpected(v.error());
    if (key == "load_kn") {
      r.load_kn = *v;
      has_load = true;
    } else if (key == "new_load_kn") {
      r.new_load_kn = *v;
    } else if (key == "speed_rpm") {
      r.speed_rpm = *v;
    } else {
      r.new_speed_rpm = *v;
    }
  }
  if (!has_load) return fail(ErrorCode::invalid_argument, "load_kn: missing (today's equivalent load, kN)");
  if (auto s = check(r); !s) return std::unexpected(s.error());
  return r;
}

}  // namespace vigil::hub::twin
