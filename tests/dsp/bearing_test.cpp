#include "dsp/bearing.hpp"

#include <gtest/gtest.h>

namespace vigil::dsp {
namespace VIGIL_TEST_FILE {

// Published values: CWRU Bearing Data Center defect-frequency table for the 6205-2RS JEM SKF
// (multiples of shaft speed: BPFI 5.4152, BPFO 3.5848, FTF 0.39828, BSF 4.7135) and the issue's
// check figures at 1797 rpm (BPFO 107.36 Hz, BPFI 162.19 Hz).
TEST(Bearing, Cwru6205OrdersMatchPublishedTable) {
  auto g = find_bearing("6205-2RS");
  ASSERT_TRUE(g.has_value());
  const DefectOrders o = defect_orders(*g);
  EXPECT_NEAR(o.bpfi, 5.4152, 5e-4);
  EXPECT_NEAR(o.bpfo, 3.5848, 5e-4);
  EXPECT_NEAR(o.ftf, 0.39828, 5e-5);
  EXPECT_NEAR(o.bsf, 4.7135, 5e-4);
}

TEST(Bearing, Cwru6205At1797Rpm) {
  const DefectFrequencies f = defect_frequencies(*find_bearing("6205-2rs"), 1797);
  EXPECT_NEAR(f.bpfo_hz, 107.36, 0.01);
  EXPECT_NEAR(f.bpfi_hz, 162.19, 0.01);
  EXPECT_NEAR(f.shaft_hz, 29.95, 1e-9);
}

// CWRU fan-end table for the 6203-2RS: BPFI 4.9469, BPFO 3.0530, FTF 0.3817, BSF 3.9874.
TEST(Bearing, Cwru6203OrdersMatchPublishedTable) {
  const DefectOrders o = defect_orders(*find_bearing("6203-2RS"));
  EXPECT_NEAR(o.bpfi, 4.9469, 5e-4);
  EXPECT_NEAR(o.bpfo, 3.0530, 5e-4);
  EXPECT_NEAR(o.ftf, 0.3817, 5e-4);
  EXPECT_NEAR(o.bsf, 3.9874, 5e-4);
}

// PRONOSTIA: derived (not published) orders in the data README: BPFO 5.611, BPFI 7.389, FTF 0.4316.
TEST(Bearing, PronostiaOrders) {
  const DefectOrders o = defect_orders(*find_bearing("PRONOSTIA"));
  EXPECT_NEAR(o.bpfo, 5.611, 1e-3);
  EXPECT_NEAR(o.bpfi, 7.389, 1e-3);
  EXPECT_NEAR(o.ftf, 0.4316, 1e-4);
}

// IMS rig at 2000 rpm, published (Qiu et al. 2006): BPFO 236.4 Hz, BPFI 296.9 Hz, FTF 14.8 Hz and ball spin
// 139.9 Hz, i.e. BSF 279.8 Hz in the both-races convention used here.
TEST(Bearing, ImsZa2115At2000Rpm) {
  const DefectFrequencies f = defect_frequencies(*find_bearing("za-2115"), 2000);
  EXPECT_NEAR(f.bpfo_hz, 236.4, 0.1);
  EXPECT_NEAR(f.bpfi_hz, 296.9, 0.1);
  EXPECT_NEAR(f.ftf_hz, 14.8, 0.05);
  EXPECT_NEAR(f.bsf_hz, 2 * 139.9, 0.2);
}

TEST(Bearing, UnknownNameListsCatalogue) {
  auto g = find_bearing("6309");
  ASSERT_FALSE(g.has_value());
  EXPECT_EQ(g.error().code, ErrorCode::not_found);
  EXPECT_NE(g.error().message.find("6205-2RS"), std::string::npos);
}

TEST(Bearing, RejectsUnphysicalGeometry) {
  EXPECT_FALSE(validate({"bad", 9, 40.0, 39.0, 0.0}).has_value());
  EXPECT_FALSE(validate({"bad", 2, 5.0, 39.0, 0.0}).has_value());
  EXPECT_FALSE(validate({"bad", 9, 5.0, 39.0, 95.0}).has_value());
  EXPECT_TRUE(validate({"ok", 9, 5.0, 39.0, 15.0}).has_value());
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::dsp
