// What-if on both engines, checked against hand-computed ISO 281 figures: PRONOSTIA's test bearing moved
// from the challenge's condition 1 (1800 rpm, 4000 N) to condition 3 (1500 rpm, 5000 N), and CWRU's
// drive-end 6205 under a heavier load; every input out of range refused with its field named.
#include "hub/twin/what_if.hpp"

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::twin {
namespace VIGIL_TEST_FILE {

using store::test::EngineTest;
using WhatIfTest = EngineTest;

std::int64_t pronostia_asset(store::Store& s, bool with_rul) {
  const auto id = s.registry().register_asset("lab", "edge-1", "bearing1_1", 1000).value();
  std::vector<store::Sample> v{{id, "Process/Speed rpm", 5000, 1800.0}};
  if (with_rul) {
    v.push_back({id, "RUL/Median h", 5000, 10.0});
    v.push_back({id, "RUL/Low h", 5000, 6.0});
    v.push_back({id, "RUL/High h", 5000, 15.0});
  }
  EXPECT_TRUE(s.series().write_live(v));
  EXPECT_TRUE(
      s.state().write_texts(std::vector<store::TextValue>{{id, "Properties/Bearing", 5000, "pronostia"}}));
  return id;
}

TEST_P(WhatIfTest, RevisesTheMeasuredRulByTheRatingLifeRatio) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto id = pronostia_asset(*s, true);
  WhatIfRequest r;
  r.load_kn = 4.0;
  r.new_load_kn = 5.0;
  r.new_speed_rpm = 1500.0;
  const auto w = what_if(*s, id, r);
  ASSERT_TRUE(w) << w.error().message;
  // C = 4 kN. Today: (4/4)^3 = 1 million revolutions at 1800 rpm = 10^6 / 108000 = 9.2593 h. Condition 3:
  // (4/5)^3 = 0.512 million revolutions at 1500 rpm = 512000 / 90000 = 5.6889 h. Ratio 0.512 × 1800/1500
  // = 0.6144; the measured RUL 10 h (6 .. 15) becomes 6.144 h (3.6864 .. 9.216).
  EXPECT_EQ(w->bearing, "pronostia");
  EXPECT_EQ(w->rating.dynamic_kn, 4.0);
  EXPECT_TRUE(w->speed_from_asset);
  EXPECT_EQ(w->speed_rpm, 1800.0);
  EXPECT_NEAR(w->l10_h, 9.2593, 1e-4);
  EXPECT_NEAR(w->new_l10_h, 5.6889, 1e-4);
  EXPECT_NEAR(w->life_ratio, 0.6144, 1e-12);
  EXPECT_NEAR(*w->revised_rul_median_h, 6.144, 1e-9);
  EXPECT_NEAR(*w->revised_rul_low_h, 3.6864, 1e-9);
  EXPECT_NEAR(*w->revised_rul_high_h, 9.216, 1e-9);
  EXPECT_EQ(w->rul_median_h->ts_ms, 5000);
}

TEST_P(WhatIfTest, WithoutARulEstimateOnlyTheRatingLifeAnswers) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto id = s->registry().register_asset("plant", "edge-1", "cwru", 1000).value();
  store::AssetMetadata m;
  m.bearing = "6205-2RS JEM SKF";
  ASSERT_TRUE(s->registry().set_metadata(id, m));
  WhatIfRequest r;
  r.load_kn = 2.0;
  r.new_load_kn = 2.5;
  r.speed_rpm = 1797.0;
  const auto w = what_if(*s, id, r);
  ASSERT_TRUE(w) << w.error().message;
  // C = 14.8 kN: (14.8/2)^3 = 7.4^3 = 405.224 million revolutions; at 1797 rpm (107,820 rev/h) 3758.34 h;
  // at 2.5 kN × (2/2.5)^3 = 0.512: 1924.27 h.
  EXPECT_FALSE(w->speed_from_asset);
  EXPECT_EQ(w->new_speed_rpm, 1797.0);
  EXPECT_NEAR(w->l10_h, 3758.34, 0.01);
  EXPECT_NEAR(w->new_l10_h, 1924.27, 0.01);
  EXPECT_NEAR(w->life_ratio, 0.512, 1e-12);
  EXPECT_FALSE(w->rul_median_h);
  EXPECT_FALSE(w->revised_rul_median_h);
  // The bearing asked about wins over the asset's.
  r.bearing = "6309";
  EXPECT_EQ(what_if(*s, id, r).value().rating.dynamic_kn, 55.3);
}

TEST_P(WhatIfTest, RefusesInputsOutOfRangeNamingTheField) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto id = pronostia_asset(*s, false);
  const auto bare = s->registry().register_asset("plant", "edge-1", "bare", 1000).value();
  const auto refused = [&](std::int64_t asset, WhatIfRequest r, std::string_view field) {
    const auto w = what_if(*s, asset, r);
    ASSERT_FALSE(w) << field;
    EXPECT_EQ(w.error().code, ErrorCode::invalid_argument) << w.error().message;
    EXPECT_EQ(w.error().message.rfind(field, 0), 0u) << w.error().message;
  };
  WhatIfRequest ok;
  ok.load_kn = 4.0;
  ASSERT_TRUE(what_if(*s, id, ok));
  WhatIfRequest r = ok;
  r.load_kn = 0;
  refused(id, r, "load_kn: 0 kN");
  r = ok;
  r.load_kn = -1;
  refused(id, r, "load_kn: -1 kN");
  r = ok;
  r.new_load_kn = 0;
  refused(id, r, "new_load_kn");
  r = ok;
  r.speed_rpm = 0;
  refused(id, r, "speed_rpm: 0 rpm");
  r = ok;
  r.new_speed_rpm = -1500;
  refused(id, r, "new_speed_rpm");
  r = ok;
  r.bearing = "7205 BE";
  refused(id, r, "bearing: no load rating for bearing '7205 BE'");
  refused(bare, ok, "bearing: not given");  // no bearing anywhere
  r = ok;
  r.bearing = "6205";
  refused(bare, r, "speed_rpm: not given");  // no speed anywhere
  const auto unknown = what_if(*s, 999, ok);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

VIGIL_FOR_EACH_ENGINE(WhatIfTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::twin
