// The KPI rules against hand-made histories whose figures were worked out by hand (comments give the
// arithmetic), and the same figures from the stored history per area on both engines.
#include "hub/alarms/kpis.hpp"

#include <gtest/gtest.h>

#include "hub/alarms/alarm_manager.hpp"
#include "hub_store/engines.hpp"

namespace vigil::hub::alarms {
namespace VIGIL_TEST_FILE {

constexpr std::int64_t k_s = 1000, k_min = 60 * k_s, k_h = 60 * k_min;

AlarmPoint point(std::string key, std::int64_t asset = 1) { return {std::move(key), asset, ""}; }

std::vector<Annunciation> at(const AlarmPoint& p, std::initializer_list<std::int64_t> times_ms) {
  std::vector<Annunciation> out;
  for (std::int64_t t : times_ms) out.push_back({t, p});
  return out;
}

TEST(Kpis, RatePerTenMinutesAverageAndPeak) {
  // Buckets [0, 10 min), [10, 20), [20, 25): 3, 1, 0 annunciations; the one at 25 min is outside the range.
  const auto a = at(point("a"), {1 * k_min, 2 * k_min, 3 * k_min, 12 * k_min, 25 * k_min});
  const Kpis k = compute_kpis(a, {}, 0, 25 * k_min);
  EXPECT_EQ(k.annunciations, 4);
  EXPECT_DOUBLE_EQ(k.average_per_10_min, 4.0 / 3.0);
  EXPECT_EQ(k.peak_per_10_min, 3);
  EXPECT_TRUE(k.floods.empty());
}

TEST(Kpis, TenInTenMinutesIsNoFloodEleventIs) {
  std::vector<Annunciation> a;
  for (int i = 0; i < 10; ++i) a.push_back({i * 10 * k_s, point(fmt::format("p{}", i))});
  EXPECT_TRUE(compute_kpis(a, {}, 0, k_h).floods.empty());
  a.push_back({10 * k_min + 5 * k_s, point("late")});  // the first one left at 10 min: still 10 in the window
  EXPECT_TRUE(compute_kpis(a, {}, 0, k_h).floods.empty());
}

TEST(Kpis, FloodStartsAboveTenAndEndsBelowFive) {
  // 11 at 0, 10, ..., 100 s: the 11th (100 s) starts the flood; then 200 s and 300 s (13 in the window).
  // Each leaves the window 10 min after it came: at 600, 610, ..., 680 s nine have left, 13 - 9 = 4 < 5:
  // the flood ends at 680 s, having seen 3 annunciations (100, 200, 300 s).
  std::vector<Annunciation> a;
  for (int i = 0; i <= 10; ++i) a.push_back({i * 10 * k_s, point(fmt::format("p{}", i))});
  a.push_back({200 * k_s, point("x")});
  a.push_back({300 * k_s, point("y")});
  const Kpis k = compute_kpis(a, {}, 0, k_h);
  ASSERT_EQ(k.floods.size(), 1u);
  EXPECT_EQ(k.floods[0].start_ms, 100 * k_s);
  EXPECT_EQ(k.floods[0].end_ms, 680 * k_s);
  EXPECT_FALSE(k.floods[0].ongoing);
  EXPECT_EQ(k.floods[0].annunciations, 3);
  EXPECT_EQ(k.flood_time_ms, 580 * k_s);
  // Cut at 650 s: 13 - 6 = 7 still in the window, the flood is ongoing at the end of the range.
  const Kpis cut = compute_kpis(a, {}, 0, 650 * k_s);
  ASSERT_EQ(cut.floods.size(), 1u);
  EXPECT_TRUE(cut.floods[0].ongoing);
  EXPECT_EQ(cut.floods[0].end_ms, 650 * k_s);
  EXPECT_EQ(cut.flood_time_ms, 550 * k_s);
}

TEST(Kpis, ChatteringIsThreeActivationsWithinAMinute) {
  auto a = at(point("a"), {0, 30 * k_s, 60 * k_s - 1, 10 * k_min});  // 3 within 59.999 s
  const auto b = at(point("b"), {0, 30 * k_s, 60 * k_s});            // the third exactly 1 min later: no
  a.insert(a.end(), b.begin(), b.end());
  const Kpis k = compute_kpis(a, {}, 0, k_h);
  ASSERT_EQ(k.chattering.size(), 1u);
  EXPECT_EQ(k.chattering[0], (PointCount{point("a"), 4}));
}

TEST(Kpis, StandingIsInAlarmLongerThanADay) {
  const std::int64_t day = 24 * k_h;
  const std::vector<ActivePeriod> periods = {
      {1, point("over"), 0, day + 1},              // 24 h + 1 ms: standing
      {2, point("exact"), 0, day},                 // exactly 24 h: not
      {3, point("open"), 2 * day - day - 1, 0},    // still in alarm at `to`: 24 h + 1 ms by then
      {4, point("before"), -30 * k_h, 1 * k_h},    // ended before the range
      {5, point("short open"), 2 * day - k_h, 0},  // in alarm for 1 h by `to`
  };
  const Kpis k = compute_kpis({}, periods, 12 * k_h, 2 * day);
  ASSERT_EQ(k.standing.size(), 2u);
  EXPECT_EQ(k.standing[0].alarm_id, 1);
  EXPECT_EQ(k.standing[1].alarm_id, 3);
}

TEST(Kpis, TopTenShare) {
  // Point i (0..11) annunciates i + 1 times: 78 in all; the top ten (12 down to 3) make 75 of them.
  std::vector<Annunciation> a;
  for (int i = 0; i < 12; ++i)
    for (int n = 0; n <= i; ++n) a.push_back({(i * 20 + n) * k_min, point(fmt::format("p{:02}", i))});
  const Kpis k = compute_kpis(a, {}, 0, 300 * k_min);
  EXPECT_EQ(k.annunciations, 78);
  ASSERT_EQ(k.top10.size(), 10u);
  EXPECT_EQ(k.top10[0], (PointCount{point("p11"), 12}));
  EXPECT_EQ(k.top10[9], (PointCount{point("p02"), 3}));
  EXPECT_DOUBLE_EQ(k.top10_share, 75.0 / 78.0);
  EXPECT_DOUBLE_EQ(compute_kpis({}, {}, 0, k_h).top10_share, 0.0);
}

using store::test::EngineTest;
using StoredKpisTest = EngineTest;

TEST_P(StoredKpisTest, FiguresPerAreaFromTheStoredHistory) {
  auto store = open();
  ASSERT_TRUE(store);
  auto& reg = store->registry();
  const auto site = reg.add_site("Plant North").value();
  const auto line_a = reg.add_line(site, "A").value();
  const auto line_b = reg.add_line(site, "B").value();
  const auto other_site = reg.add_site("Plant South").value();
  const auto line_c = reg.add_line(other_site, "C").value();
  const auto pump = reg.register_asset("plant", "edge-1", "pump", 0).value();
  const auto fan = reg.register_asset("plant", "edge-1", "fan", 0).value();
  const auto mill = reg.register_asset("plant", "edge-2", "mill", 0).value();
  ASSERT_TRUE(reg.place_asset(pump, line_a));
  ASSERT_TRUE(reg.place_asset(fan, line_b));
  ASSERT_TRUE(reg.place_asset(mill, line_c));
  auto m = AlarmManager::open(*store, {}).value();
  const auto on = [&](std::int64_t asset, std::string_view key, bool active, std::int64_t t) {
    ASSERT_TRUE(m.on_condition({asset, "", std::string(key), active, t, "edge:plant/edge-1", ""}));
  };
  // The pump chatters: 3 activations of monitoring_failure in 40 s (the same instance, RTN unacknowledged).
  for (std::int64_t t : {0 * k_s, 20 * k_s, 40 * k_s}) {
    on(pump, "monitoring_failure", true, t);
    on(pump, "monitoring_failure", false, t + 5 * k_s);
  }
  // The fan stands in alarm for 25 h; the mill once, shelved, then again (bearing_warning does not latch).
  on(fan, "bearing_warning", true, k_min);
  on(fan, "bearing_warning", false, k_min + 25 * k_h);
  on(mill, "bearing_warning", true, 2 * k_min);
  const auto mill_alarm = m.list({mill, false, false}, 0, 10)->alarms.at(0).id;
  ASSERT_TRUE(m.shelve(mill_alarm, "alice", 60 * k_min, "r", 3 * k_min));
  on(mill, "bearing_warning", false, 4 * k_min);
  on(mill, "bearing_warning", true, 5 * k_min);  // shelved: recorded, not annunciated

  const auto plant = m.kpis({}, 0, 30 * k_h).value();
  EXPECT_EQ(plant.annunciations, 5);  // 3 pump + 1 fan + 1 mill
  ASSERT_EQ(plant.chattering.size(), 1u);
  EXPECT_EQ(plant.chattering[0], (PointCount{{"monitoring_failure", pump, ""}, 3}));
  ASSERT_EQ(plant.standing.size(), 1u);
  EXPECT_EQ(plant.standing[0].point.asset_id, fan);
  EXPECT_EQ(plant.standing[0].start_ms, k_min);
  EXPECT_EQ(plant.standing[0].end_ms, k_min + 25 * k_h);

  const auto north = m.kpis({Area::Kind::site, site}, 0, 30 * k_h).value();
  EXPECT_EQ(north.annunciations, 4);
  const auto b = m.kpis({Area::Kind::line, line_b}, 0, 30 * k_h).value();
  EXPECT_EQ(b.annunciations, 1);
  EXPECT_EQ(b.standing.size(), 1u);
  EXPECT_TRUE(b.chattering.empty());
  const auto c = m.kpis({Area::Kind::line, line_c}, 0, 30 * k_h).value();
  EXPECT_EQ(c.annunciations, 1);
  // The range: only the pump's last activation (40 s) is inside [30 s, 1 h); the fan's standing period
  // overlaps it but is only 1 h long by then.
  const auto late = m.kpis({}, 30 * k_s, k_h).value();
  EXPECT_EQ(late.annunciations, 3);  // pump at 40 s, fan at 1 min, mill at 2 min
  EXPECT_TRUE(late.standing.empty());

  EXPECT_EQ(m.kpis({Area::Kind::site, other_site + 100}, 0, k_h).error().code, ErrorCode::not_found);
  EXPECT_EQ(m.kpis({}, k_h, k_h).error().code, ErrorCode::invalid_argument);
}

VIGIL_FOR_EACH_ENGINE(StoredKpisTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::alarms
