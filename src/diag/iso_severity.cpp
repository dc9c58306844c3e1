#include "diag/iso_severity.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace vigil::diag {
namespace {

constexpr std::array<MachineClass, 8> k_classes{
    MachineClass::class_I,      MachineClass::class_II,        MachineClass::class_III,
    MachineClass::class_IV,     MachineClass::group1_rigid,    MachineClass::group1_flexible,
    MachineClass::group2_rigid, MachineClass::group2_flexible,
};

std::string normalised(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    out.push_back(c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

}  // namespace

std::string_view to_string(IsoZone zone) {
  switch (zone) {
    case IsoZone::A:
      return "A";
    case IsoZone::B:
      return "B";
    case IsoZone::C:
      return "C";
    case IsoZone::D:
      return "D";
  }
  return "?";
}

std::string_view to_string(MachineClass c) {
  switch (c) {
    case MachineClass::class_I:
      return "class_I";
    case MachineClass::class_II:
      return "class_II";
    case MachineClass::class_III:
      return "class_III";
    case MachineClass::class_IV:
      return "class_IV";
    case MachineClass::group1_rigid:
      return "group1_rigid";
    case MachineClass::group1_flexible:
      return "group1_flexible";
    case MachineClass::group2_rigid:
      return "group2_rigid";
    case MachineClass::group2_flexible:
      return "group2_flexible";
  }
  return "?";
}

std::span<const MachineClass> all_machine_classes() { return k_classes; }

Result<MachineClass> parse_machine_class(std::string_view name) {
  const std::string key = normalised(name);
  std::string known;
  for (MachineClass c : k_classes) {
    if (normalised(to_string(c)) == key) return c;
    known += (known.empty() ? "" : ", ") + std::string(to_string(c));
  }
  return fail(ErrorCode::invalid_argument, "unknown machine class '{}' (known: {})", name, known);
}

IsoThresholds iso_thresholds(MachineClass c) {
  switch (c) {
    case MachineClass::class_I:
      return {0.71, 1.8, 4.5};
    case MachineClass::class_II:
      return {1.12, 2.8, 7.1};
    case MachineClass::class_III:
      return {1.8, 4.5, 11.2};
    case MachineClass::class_IV:
      return {2.8, 7.1, 18.0};
    case MachineClass::group1_rigid:
      return {2.3, 4.5, 7.1};
    case MachineClass::group1_flexible:
      return {3.5, 7.1, 11.0};
    case MachineClass::group2_rigid:
      return {1.4, 2.8, 4.5};
    case MachineClass::group2_flexible:
      return {2.3, 4.5, 7.1};
  }
  return {};
}

IsoZone iso_zone(double velocity_rms_mm_s, const IsoThresholds& t) {
  // A boundary value belongs to the upper zone ("above 4.5 mm/s" is read as >= in practice; ISO gives
  // boundaries, not open/closed intervals).
  if (velocity_rms_mm_s >= t.cd_mm_s) return IsoZone::D;
  if (velocity_rms_mm_s >= t.bc_mm_s) return IsoZone::C;
  if (velocity_rms_mm_s >= t.ab_mm_s) return IsoZone::B;
  return IsoZone::A;
}

}  // namespace vigil::diag
