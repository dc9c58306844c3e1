// ISO 281 basic rating life of a rolling bearing and what a change of load or speed does to it: the physics
// behind the twin's what-if. The load ratings of the bearings the project knows are kept here with their
// catalogue sources (docs/hub-what-if.md).
#pragma once

#include <span>
#include <string_view>

#include "core/error.hpp"

namespace vigil::hub::twin {

enum class RollingElement { ball, roller };
std::string_view to_string(RollingElement element);

// The life exponent p of ISO 281:2007: 3 for ball bearings, 10/3 for roller bearings.
double life_exponent(RollingElement element);

struct LoadRating {
  std::string_view designation;  // base designation, e.g. "6205", "NU 212 ECP"
  RollingElement element = RollingElement::ball;
  double dynamic_kn = 0;        // basic dynamic load rating C
  double static_kn = 0;         // basic static load rating C0
  double fatigue_limit_kn = 0;  // fatigue load limit Pu; 0 where the source gives none
  std::string_view source;      // the catalogue the figures come from
};

// The built-in table (docs/hub-what-if.md lists it with the sources).
std::span<const LoadRating> load_ratings();

// The rating of a designation as people write it: case and spaces do not matter, a maker's name in front
// ("SKF 6205-2RS") is skipped, and seal, shield, cage and clearance suffixes after the base designation
// ("-2RS", "-2Z", "C3", " JEM") are accepted (they do not change C for these sizes). not_found names the
// designations known.
Result<LoadRating> find_load_rating(std::string_view designation);

// ISO 281:2007 basic rating life at 90 % reliability, in operating hours at constant speed:
//   L10 = (C/P)^p  (10^6 revolutions),   L10h = 10^6 / (60 n) × (C/P)^p
// with C and P in the same unit and n in rpm. Inputs must be finite and > 0 (checked by the callers).
double basic_rating_life_h(const LoadRating& rating, double load_kn, double speed_rpm);

// How much longer (> 1) or shorter (< 1) the rating life becomes when load and speed change:
//   L10h' / L10h = (P / P')^p × (n / n')
double rating_life_ratio(RollingElement element, double load_kn, double new_load_kn, double speed_rpm,
                         double new_speed_rpm);

}  // namespace vigil::hub::twin
