#include "dsp/bearing.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <numbers>

namespace vigil::dsp {
namespace {

constexpr double k_mm_per_inch = 25.4;

// Sources:
//  6205-2RS JEM SKF, CWRU drive end: Z 9, Bd 0.3126 in, Pd 1.537 in (CWRU Bearing Data Center).
//  6203-2RS JEM SKF, CWRU fan end:   Z 8, Bd 0.2656 in, Pd 1.122 in (CWRU Bearing Data Center).
//  PRONOSTIA: Z 13, Bd 3.5 mm, Pd 25.6 mm (IEEE PHM 2012 challenge details, appendix A.1).
//  Rexnord ZA-2115, IMS test rig: Z 16, Bd 0.331 in, Pd 2.815 in, contact angle 15.17 deg (IMS readme;
//  Qiu et al., J. Sound Vib. 289, 2006).
const std::array<BearingGeometry, 4>& catalogue() {
  static const std::array<BearingGeometry, 4> k_catalogue{{
      {"6205-2RS", 9, 0.3126 * k_mm_per_inch, 1.537 * k_mm_per_inch, 0.0},
      {"6203-2RS", 8, 0.2656 * k_mm_per_inch, 1.122 * k_mm_per_inch, 0.0},
      {"pronostia", 13, 3.5, 25.6, 0.0},
      {"ZA-2115", 16, 0.331 * k_mm_per_inch, 2.815 * k_mm_per_inch, 15.17},
  }};
  return k_catalogue;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

Status validate(const BearingGeometry& g) {
  if (g.ball_count < 3)
    return fail(ErrorCode::invalid_argument, "bearing '{}': ball count {} < 3", g.name, g.ball_count);
  if (!(g.ball_diameter_mm > 0) || !(g.pitch_diameter_mm > g.ball_diameter_mm)) {
    return fail(ErrorCode::invalid_argument,
                "bearing '{}': need 0 < ball diameter ({} mm) < pitch diameter ({} mm)", g.name,
                g.ball_diameter_mm, g.pitch_diameter_mm);
  }
  if (!(g.contact_angle_deg >= 0 && g.contact_angle_deg < 90)) {
    return fail(ErrorCode::invalid_argument, "bearing '{}': contact angle {} deg outside [0, 90)", g.name,
                g.contact_angle_deg);
  }
  return {};
}

DefectOrders defect_orders(const BearingGeometry& g) {
  const double r =
      g.ball_diameter_mm / g.pitch_diameter_mm * std::cos(g.contact_angle_deg * std::numbers::pi / 180.0);
  const double z = g.ball_count;
  return DefectOrders{
      .ftf = 0.5 * (1.0 - r),
      .bpfo = 0.5 * z * (1.0 - r),
      .bpfi = 0.5 * z * (1.0 + r),
      .bsf = g.pitch_diameter_mm / g.ball_diameter_mm * (1.0 - r * r),
  };
}

DefectFrequencies defect_frequencies(const BearingGeometry& g, double shaft_speed_rpm) {
  const double fr = shaft_speed_rpm / 60.0;
  const DefectOrders o = defect_orders(g);
  return DefectFrequencies{fr, o.ftf * fr, o.bpfo * fr, o.bpfi * fr, o.bsf * fr};
}

Result<BearingGeometry> find_bearing(std::string_view name) {
  for (const auto& g : catalogue()) {
    if (iequals(g.name, name)) return g;
  }
  std::string known;
  for (const auto& g : catalogue()) known += (known.empty() ? "" : ", ") + g.name;
  return fail(ErrorCode::not_found, "unknown bearing '{}' (known: {}; or give the geometry)", name, known);
}

std::span<const BearingGeometry> bearing_catalogue() { return catalogue(); }

}  // namespace vigil::dsp
