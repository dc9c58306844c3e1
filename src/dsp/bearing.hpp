// Rolling-element bearing kinematics: the defect frequencies (BPFO, BPFI, BSF, FTF) at which a
// damaged race, ball or cage strikes, from geometry and shaft speed. Envelope analysis looks for
// lines at these frequencies; the simulator injects impacts at them.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vigil::dsp {

struct BearingGeometry {
  std::string name;              // "6205-2RS"
  int ball_count = 0;            // Z
  double ball_diameter_mm = 0;   // Bd
  double pitch_diameter_mm = 0;  // Pd
  double contact_angle_deg = 0;  // phi
};

// Defect frequencies as multiples of the shaft rotation frequency fr (outer race stationary,
// inner race turning with the shaft). With r = Bd/Pd cos(phi) (Harris, Rolling Bearing Analysis):
//   FTF  = 1/2 (1 - r)            cage
//   BPFO = Z/2 (1 - r)            outer-race pass
//   BPFI = Z/2 (1 + r)            inner-race pass
//   BSF  = Pd/Bd (1 - r^2)        ball defect striking both races, i.e. twice the ball spin
//                                 frequency Pd/(2 Bd)(1 - r^2); this is CWRU's convention.
struct DefectOrders {
  double ftf = 0;
  double bpfo = 0;
  double bpfi = 0;
  double bsf = 0;
};

struct DefectFrequencies {
  double shaft_hz = 0;
  double ftf_hz = 0;
  double bpfo_hz = 0;
  double bpfi_hz = 0;
  double bsf_hz = 0;
};

// Checks the geometry is physical (Z >= 3, 0 < Bd < Pd, 0 <= phi < 90 deg).
Status validate(const BearingGeometry& geometry);

DefectOrders defect_orders(const BearingGeometry& geometry);
DefectFrequencies defect_frequencies(const BearingGeometry& geometry, double shaft_speed_rpm);

// Built-in catalogue: "6205-2RS" (CWRU drive end), "6203-2RS" (CWRU fan end), "pronostia" (FEMTO
// PRONOSTIA test bearing), "ZA-2115" (IMS run-to-failure rig). Lookup is case-insensitive.
Result<BearingGeometry> find_bearing(std::string_view name);
std::span<const BearingGeometry> bearing_catalogue();

}  // namespace vigil::dsp
