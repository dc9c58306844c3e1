// Vibration severity zones from broadband velocity RMS (10-1000 Hz), as ISO 10816 / ISO 20816 grade a
// machine: A (newly commissioned), B (unrestricted long-term operation), C (restricted operation: plan
// maintenance), D (damage likely). The zone is one of the facts behind every verdict.
#pragma once

#include <span>
#include <string_view>

#include "core/error.hpp"

namespace vigil::diag {

enum class IsoZone { A, B, C, D };
std::string_view to_string(IsoZone zone);

// Zone boundaries in mm/s RMS: A|B, B|C, C|D.
struct IsoThresholds {
  double ab_mm_s = 0;
  double bc_mm_s = 0;
  double cd_mm_s = 0;
};

// Machine classes with the published boundaries they select:
//  ISO 10816-1:1995 Annex B (general guidance, measured on bearing housings):
//    class_I    small machines, integral parts of a larger machine, up to 15 kW   0.71 / 1.8 / 4.5
//    class_II   medium machines 15-75 kW, or up to 300 kW on special foundations  1.12 / 2.8 / 7.1
//    class_III  large machines on rigid, heavy foundations                          1.8  / 4.5 / 11.2
//    class_IV   large machines on soft (flexible) foundations                       2.8  / 7.1 / 18.0
//  ISO 10816-3:2009 Annex A (industrial machines > 15 kW, 120-15000 rpm; kept in ISO 20816-3:2022):
//    group1_rigid     large machines 300 kW-50 MW (shaft height >= 315 mm), rigid  2.3 / 4.5 / 7.1
//    group1_flexible  same, flexible support                                       3.5 / 7.1 / 11.0
//    group2_rigid     medium machines 15-300 kW (shaft height 160-315 mm), rigid   1.4 / 2.8 / 4.5
//    group2_flexible  same, flexible support                                       2.3 / 4.5 / 7.1
// The CWRU test rig (2 hp = 1.5 kW motor) is class_I; PRONOSTIA is a bench far below 15 kW, also class_I.
enum class MachineClass {
  class_I,
  class_II,
  class_III,
  class_IV,
  group1_rigid,
  group1_flexible,
  group2_rigid,
  group2_flexible,
};

std::string_view to_string(MachineClass machine_class);
// Accepts the names above ("class_I", "group2_rigid", ...); case-insensitive, '-' or '_'.
Result<MachineClass> parse_machine_class(std::string_view name);
std::span<const MachineClass> all_machine_classes();

IsoThresholds iso_thresholds(MachineClass machine_class);
IsoZone iso_zone(double velocity_rms_mm_s, const IsoThresholds& thresholds);
inline IsoZone iso_zone(double velocity_rms_mm_s, MachineClass machine_class) {
  return iso_zone(velocity_rms_mm_s, iso_thresholds(machine_class));
}

}  // namespace vigil::diag
