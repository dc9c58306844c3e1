#include "diag/iso_severity.hpp"

#include <gtest/gtest.h>

namespace vigil::diag {
namespace VIGIL_TEST_FILE {

// Boundaries from ISO 10816-3:2009 Table A.2 (group 2, rigid): 1.4 / 2.8 / 4.5 mm/s.
TEST(IsoSeverity, Group2RigidZones) {
  const auto t = iso_thresholds(MachineClass::group2_rigid);
  EXPECT_EQ(iso_zone(0.9, t), IsoZone::A);
  EXPECT_EQ(iso_zone(1.4, t), IsoZone::B);
  EXPECT_EQ(iso_zone(2.79, t), IsoZone::B);
  EXPECT_EQ(iso_zone(3.0, t), IsoZone::C);
  EXPECT_EQ(iso_zone(4.5, t), IsoZone::D);
}

// ISO 10816-1:1995 Annex B, class I: 0.71 / 1.8 / 4.5 mm/s.
TEST(IsoSeverity, ClassIZones) {
  EXPECT_EQ(iso_zone(0.5, MachineClass::class_I), IsoZone::A);
  EXPECT_EQ(iso_zone(1.0, MachineClass::class_I), IsoZone::B);
  EXPECT_EQ(iso_zone(2.0, MachineClass::class_I), IsoZone::C);
  EXPECT_EQ(iso_zone(11.0, MachineClass::class_I), IsoZone::D);
}

TEST(IsoSeverity, BoundariesIncreaseForEveryClass) {
  for (MachineClass c : all_machine_classes()) {
    const auto t = iso_thresholds(c);
    EXPECT_LT(0.0, t.ab_mm_s) << to_string(c);
    EXPECT_LT(t.ab_mm_s, t.bc_mm_s) << to_string(c);
    EXPECT_LT(t.bc_mm_s, t.cd_mm_s) << to_string(c);
  }
}

TEST(IsoSeverity, ParsesClassNamesAndRejectsUnknown) {
  EXPECT_EQ(parse_machine_class("Group2-Rigid").value(), MachineClass::group2_rigid);
  EXPECT_EQ(parse_machine_class("class_iv").value(), MachineClass::class_IV);
  auto bad = parse_machine_class("group3");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("group1_rigid"), std::string::npos);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::diag
