// The twin of one asset on both engines, from hand-made data whose twin is known: a health index falling
// 0.005 per hour, a RUL falling twice as fast as the clock, deadlines from three sources, the ISO limits of
// ISO 10816-3, the evidence example of docs/formats/sparkplug.md, a stale asset, one with no data at all,
// and unreadable evidence.
#include "hub/twin/twin.hpp"

#include <array>

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::twin {
namespace VIGIL_TEST_FILE {

using store::test::EngineTest;
using TwinTest = EngineTest;

constexpr std::int64_t k_hour_ms = 3'600'000;
constexpr std::int64_t k_now_ms = 472'222 * k_hour_ms;  // 2023-11-14 22:00 UTC, on an hour

// docs/formats/sparkplug.md, "Evidence spectrum", example: envelope spectrum, 0.5 Hz bins from 0 Hz,
// scale 1, bins 32767 and 65535 g², BPFO 1× at 107.5 Hz detected, amplitude 1 g², SNR 6 dB.
const std::vector<std::uint8_t> k_spectrum_example = {
    0x56, 0x53, 0x50, 0x43, 0x01, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x3f, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x3f, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03,
    0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0xff, 0x7f, 0xff, 0xff, 0x02, 0x01, 0x01,
    0x00, 0x00, 0x00, 0xd7, 0x42, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0xc0, 0x40};

// 48 hourly samples at hh:30 over the two days before now (the last at now - 30 min): the health index
// 0.8 - 0.005 i and the RUL median 200 - 2 i hours.
std::vector<store::Sample> degrading(std::int64_t asset) {
  std::vector<store::Sample> out;
  for (int i = 0; i < 48; ++i) {
    const std::int64_t ts = k_now_ms - 48 * k_hour_ms + k_hour_ms / 2 + i * k_hour_ms;
    out.push_back({asset, "Health/Index", ts, 0.8 - 0.005 * i});
    out.push_back({asset, "RUL/Median h", ts, 200.0 - 2.0 * i});
  }
  return out;
}

TEST_P(TwinTest, ALinearlyFallingHealthIndexProjectsItsZeroCrossing) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto asset = s->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  ASSERT_TRUE(s->series().write_live(degrading(asset)));
  const auto t = build_twin(*s, asset, k_now_ms);
  ASSERT_TRUE(t) << t.error().message;
  const Predictive& p = t->predictive;
  // Latest: i = 47 at now - 30 min: 0.8 - 0.235 = 0.565. The fitted line at now (47.5 h after the first
  // sample): 0.8 - 0.005 × 47.5 = 0.5625; it reaches 0 after 0.5625 / 0.005 = 112.5 h more.
  ASSERT_TRUE(p.health_index);
  EXPECT_NEAR(p.health_index->value, 0.565, 1e-12);
  EXPECT_EQ(p.health_index->ts_ms, k_now_ms - k_hour_ms / 2);
  ASSERT_TRUE(p.health_trend);
  EXPECT_EQ(p.health_trend->points, 48);
  EXPECT_NEAR(p.health_trend->slope_per_h * 24, -0.12, 1e-9);  // per day
  EXPECT_NEAR(p.health_trend->value_at_now, 0.5625, 1e-9);
  ASSERT_TRUE(p.health_zero_ms);
  EXPECT_NEAR(static_cast<double>(*p.health_zero_ms - k_now_ms), 112.5 * k_hour_ms, 1000.0);
  // The RUL loses 2 h per hour: degradation runs at twice the clock.
  ASSERT_TRUE(p.rul_trend);
  EXPECT_NEAR(p.rul_trend->slope_per_h, -2.0, 1e-9);
  EXPECT_TRUE(p.rul_accelerating);
  EXPECT_NEAR(p.rul_median_h->value, 106.0, 1e-12);
}

TEST_P(TwinTest, RulFallingWithTheClockIsNotAcceleratingAndFewPointsAreNoTrend) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto steady = s->registry().register_asset("plant", "edge-1", "fan", 1000).value();
  const auto young = s->registry().register_asset("plant", "edge-1", "motor", 1000).value();
  std::vector<store::Sample> samples;
  for (int i = 0; i < 10; ++i) {
    samples.push_back({steady, "RUL/Median h", k_now_ms - 10 * k_hour_ms + i * k_hour_ms, 500.0 - i});
  }
  // Two hours of data: two buckets, below the three a trend needs.
  samples.push_back({young, "Health/Index", k_now_ms - 2 * k_hour_ms, 0.9});
  samples.push_back({young, "Health/Index", k_now_ms - k_hour_ms, 0.7});
  ASSERT_TRUE(s->series().write_live(samples));
  const auto a = build_twin(*s, steady, k_now_ms).value();
  ASSERT_TRUE(a.predictive.rul_trend);
  EXPECT_NEAR(a.predictive.rul_trend->slope_per_h, -1.0, 1e-9);
  EXPECT_FALSE(a.predictive.rul_accelerating);
  const auto b = build_twin(*s, young, k_now_ms).value();
  EXPECT_TRUE(b.predictive.health_index);
  EXPECT_FALSE(b.predictive.health_trend);
  EXPECT_FALSE(b.predictive.health_zero_ms);
  EXPECT_TRUE(b.prescriptive.candidates.empty());
}

// The degrading asset with an edge decision: the candidates are the deadline, the RUL low bound (86 h
// estimated at now - 30 min: now + 85.5 h) and the health projection (now + 112.5 h).
void decide(store::Store& s, std::int64_t asset, std::int64_t deadline_ms, std::string_view action) {
  const std::int64_t ts = k_now_ms - k_hour_ms / 2;
  ASSERT_TRUE(s.series().write_live(
      std::vector<store::Sample>{{asset, "RUL/Low h", ts, 86.0},
                                 {asset, "RUL/High h", ts, 140.0},
                                 {asset, "Decision/Deadline", ts, static_cast<double>(deadline_ms)}}));
  ASSERT_TRUE(s.state().write_texts(std::vector<store::TextValue>{
      {asset, "Decision/Action", ts, std::string(action)},
      {asset, "Decision/Reason", ts, "drive-end bearing, outer-race defect, 73 %"}}));
}

TEST_P(TwinTest, TheLatestSafeDateIsTheEarliestSourceAndNamesIt) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto asset = s->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  ASSERT_TRUE(s->series().write_live(degrading(asset)));
  decide(*s, asset, k_now_ms + 100 * k_hour_ms, "plan stop and replace");
  auto t = build_twin(*s, asset, k_now_ms).value();
  const Prescriptive& p = t.prescriptive;
  ASSERT_EQ(p.candidates.size(), 3u);
  EXPECT_EQ(p.candidates[0].source, SafeDateSource::edge_deadline);
  EXPECT_EQ(p.candidates[0].ts_ms, k_now_ms + 100 * k_hour_ms);
  EXPECT_EQ(p.candidates[1].source, SafeDateSource::rul_low_bound);
  EXPECT_EQ(p.candidates[1].ts_ms, k_now_ms + 85 * k_hour_ms + k_hour_ms / 2);
  EXPECT_EQ(p.candidates[2].source, SafeDateSource::health_trend);
  ASSERT_TRUE(p.latest_safe_date);
  EXPECT_EQ(p.latest_safe_date->source, SafeDateSource::rul_low_bound);
  EXPECT_EQ(p.latest_safe_date->ts_ms, k_now_ms + 85 * k_hour_ms + k_hour_ms / 2);
  EXPECT_EQ(p.action->value, "plan stop and replace");
  EXPECT_EQ(p.reason->value, "drive-end bearing, outer-race defect, 73 %");

  // A newer decision with a nearer deadline: the edge's deadline is now the latest safe date.
  const std::int64_t ts = k_now_ms - k_hour_ms / 4;
  ASSERT_TRUE(s->series().write_live(
      std::vector<store::Sample>{{asset, "Decision/Deadline", ts, double(k_now_ms + 50 * k_hour_ms)}}));
  ASSERT_TRUE(
      s->state().write_texts(std::vector<store::TextValue>{{asset, "Decision/Action", ts, "inspect"}}));
  t = build_twin(*s, asset, k_now_ms).value();
  EXPECT_EQ(t.prescriptive.latest_safe_date->source, SafeDateSource::edge_deadline);
  EXPECT_EQ(t.prescriptive.latest_safe_date->ts_ms, k_now_ms + 50 * k_hour_ms);
}

TEST_P(TwinTest, ADeadlineLeftFromAnEarlierActionDoesNotCount) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto asset = s->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  decide(*s, asset, k_now_ms + 10 * k_hour_ms, "inspect");
  // The edge went back to "none" (its deadline is null then, so the old one stays the latest value).
  ASSERT_TRUE(
      s->state().write_texts(std::vector<store::TextValue>{{asset, "Decision/Action", k_now_ms, "none"}}));
  auto t = build_twin(*s, asset, k_now_ms).value();
  ASSERT_EQ(t.prescriptive.candidates.size(), 1u);
  EXPECT_EQ(t.prescriptive.candidates[0].source, SafeDateSource::rul_low_bound);
  // A newer "inspect" without a new deadline: the old deadline is still older than the action.
  ASSERT_TRUE(s->state().write_texts(
      std::vector<store::TextValue>{{asset, "Decision/Action", k_now_ms + 1, "inspect"}}));
  t = build_twin(*s, asset, k_now_ms).value();
  ASSERT_EQ(t.prescriptive.candidates.size(), 1u);
  EXPECT_EQ(t.prescriptive.candidates[0].source, SafeDateSource::rul_low_bound);
}

TEST_P(TwinTest, ValuesThatAreNoDateGiveNoCandidate) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto far = s->registry().register_asset("plant", "edge-1", "far", 1000).value();
  const auto late = s->registry().register_asset("plant", "edge-1", "late", 1000).value();
  decide(*s, far, 0, "inspect");
  decide(*s, late, 0, "inspect");
  const std::int64_t ts = k_now_ms - k_hour_ms / 2;
  // A deadline of 1e300 ms and a RUL bound of 1e300 h are no dates; a negative bound means "now".
  ASSERT_TRUE(s->series().write_live(std::vector<store::Sample>{{far, "Decision/Deadline", ts + 1, 1e300},
                                                                {far, "RUL/Low h", ts + 1, 1e300},
                                                                {late, "Decision/Deadline", ts + 1, -5.0},
                                                                {late, "RUL/Low h", ts + 1, -3.0}}));
  const auto a = build_twin(*s, far, k_now_ms).value();
  EXPECT_TRUE(a.prescriptive.candidates.empty());
  EXPECT_FALSE(a.prescriptive.latest_safe_date);
  const auto b = build_twin(*s, late, k_now_ms).value();
  ASSERT_EQ(b.prescriptive.candidates.size(), 1u);
  EXPECT_EQ(b.prescriptive.latest_safe_date->source, SafeDateSource::rul_low_bound);
  EXPECT_EQ(b.prescriptive.latest_safe_date->ts_ms, ts + 1);
}

TEST_P(TwinTest, DescribesTheIsoZoneWithTheLimitsOfTheMachineClass) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto pump = s->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  const auto fan = s->registry().register_asset("plant", "edge-1", "fan", 1000).value();
  store::AssetMetadata m;
  m.machine_class = "group 2, rigid";
  m.bearing = "SKF 6309";
  m.criticality = 4;
  ASSERT_TRUE(s->registry().set_metadata(pump, m));
  ASSERT_TRUE(
      s->series().write_live(std::vector<store::Sample>{{pump, "Vibration/Velocity RMS mm/s", 5000, 3.1},
                                                        {pump, "Process/Speed rpm", 5000, 1480.0},
                                                        {fan, "Vibration/Velocity RMS mm/s", 6000, 0.5}}));
  ASSERT_TRUE(s->state().write_texts(
      std::vector<store::TextValue>{{pump, "Vibration/ISO zone", 5000, "C"},
                                    {pump, "Health/NE107", 5000, "Maintenance required"},
                                    {fan, "Properties/Machine class", 6000, "class I"},
                                    {fan, "Properties/Bearing", 6000, "6203-2RS"},
                                    {fan, "Properties/Location", 6000, "fan 2 drive end"}}));

  // ISO 10816-3 group 2 rigid: 1.4 / 2.8 / 4.5 mm/s, so 3.1 mm/s is zone C.
  const auto a = build_twin(*s, pump, k_now_ms).value();
  const IsoSeverity& iso = a.descriptive.iso;
  EXPECT_EQ(iso.machine_class, "group 2, rigid");
  ASSERT_EQ(iso.recognised, diag::MachineClass::group2_rigid);
  EXPECT_EQ(iso.limits->ab_mm_s, 1.4);
  EXPECT_EQ(iso.limits->bc_mm_s, 2.8);
  EXPECT_EQ(iso.limits->cd_mm_s, 4.5);
  EXPECT_EQ(iso.zone, diag::IsoZone::C);
  EXPECT_EQ(iso.velocity_rms_mm_s->value, 3.1);
  EXPECT_EQ(iso.velocity_rms_mm_s->ts_ms, 5000);
  EXPECT_EQ(iso.edge_zone->value, "C");
  EXPECT_EQ(a.descriptive.ne107->value, "Maintenance required");
  EXPECT_EQ(a.descriptive.features.size(), 2u);
  EXPECT_EQ(a.descriptive.texts.size(), 2u);
  EXPECT_TRUE(a.has_data);
  // No spare part set: the bearing designation is the part to order; the table knows its rating.
  EXPECT_EQ(a.prescriptive.spare_part, "SKF 6309");
  EXPECT_EQ(a.prescriptive.spare_part_source, SparePartSource::bearing);
  ASSERT_TRUE(a.load_rating);
  EXPECT_EQ(a.load_rating->dynamic_kn, 55.3);
  EXPECT_EQ(a.speed_rpm->value, 1480.0);

  // The edge's properties stand in for unset metadata. ISO 10816-1 class I: 0.71 / 1.8 / 4.5 mm/s.
  const auto b = build_twin(*s, fan, k_now_ms).value();
  EXPECT_EQ(b.descriptive.iso.recognised, diag::MachineClass::class_I);
  EXPECT_EQ(b.descriptive.iso.limits->ab_mm_s, 0.71);
  EXPECT_EQ(b.descriptive.iso.zone, diag::IsoZone::A);
  EXPECT_FALSE(b.descriptive.iso.edge_zone);
  EXPECT_EQ(b.bearing, "6203-2RS");
  EXPECT_EQ(b.location, "fan 2 drive end");

  // A spare part set in the registry wins over the bearing; an unknown class has no limits or zone.
  m.spare_part = "SKF 6309-2Z/C3 kit";
  m.machine_class = "pumps, big ones";
  ASSERT_TRUE(s->registry().set_metadata(pump, m));
  const auto c = build_twin(*s, pump, k_now_ms).value();
  EXPECT_EQ(c.prescriptive.spare_part, "SKF 6309-2Z/C3 kit");
  EXPECT_EQ(c.prescriptive.spare_part_source, SparePartSource::registry);
  EXPECT_FALSE(c.descriptive.iso.recognised);
  EXPECT_FALSE(c.descriptive.iso.limits);
  EXPECT_FALSE(c.descriptive.iso.zone);
}

TEST_P(TwinTest, DecodesTheNewestEvidenceAndReportsUnreadableBytesWithoutFailing) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto asset = s->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  auto older = k_spectrum_example;
  older[11] = 0x40;  // bin spacing 2 Hz: must not be the one shown
  ASSERT_TRUE(s->state().add_evidence({asset, "Evidence/Envelope spectrum", 7000, older}));
  ASSERT_TRUE(s->state().add_evidence({asset, "Evidence/Envelope spectrum", 8000, k_spectrum_example}));
  auto truncated = k_spectrum_example;
  truncated.resize(40);
  ASSERT_TRUE(s->state().add_evidence({asset, "Evidence/Spectrum", 8000, truncated}));

  const auto t = build_twin(*s, asset, k_now_ms);
  ASSERT_TRUE(t) << t.error().message;
  const auto& ev = t->descriptive.evidence;
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].metric, "Evidence/Spectrum");
  EXPECT_FALSE(ev[0].spectrum);
  EXPECT_FALSE(ev[0].error.empty());
  EXPECT_EQ(ev[1].metric, "Evidence/Envelope spectrum");
  EXPECT_EQ(ev[1].ts_ms, 8000);
  ASSERT_TRUE(ev[1].spectrum) << ev[1].error;
  const auto& sp = *ev[1].spectrum;
  EXPECT_EQ(sp.kind, proto::sparkplug::SpectrumKind::envelope_g2);
  EXPECT_EQ(sp.bin_hz, 0.5f);
  EXPECT_EQ(sp.first_bin_hz, 0.0f);
  EXPECT_EQ(sp.window_end_ms, 0x0102030405060708u);
  ASSERT_EQ(sp.amplitude.size(), 2u);
  EXPECT_EQ(sp.amplitude[0], 32767.0f);
  EXPECT_EQ(sp.amplitude[1], 65535.0f);
  ASSERT_EQ(sp.lines.size(), 1u);
  EXPECT_EQ(sp.lines[0].kind, proto::sparkplug::DefectLine::bpfo);
  EXPECT_TRUE(sp.lines[0].detected);
  EXPECT_EQ(sp.lines[0].frequency_hz, 107.5f);
  EXPECT_EQ(sp.lines[0].snr_db, 6.0f);
}

TEST_P(TwinTest, AStaleAssetSaysSinceWhen) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto asset = s->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  EXPECT_TRUE(build_twin(*s, asset, k_now_ms).value().descriptive.online);
  ASSERT_TRUE(s->registry().device_death("plant", "edge-1", "pump7", 4242).value());
  const auto t = build_twin(*s, asset, k_now_ms).value();
  EXPECT_FALSE(t.descriptive.online);
  EXPECT_EQ(t.descriptive.stale_since_ms, 4242);
}

TEST_P(TwinTest, AnAssetWithNoDataHasATwinThatSaysSo) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto asset = s->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
  const auto t = build_twin(*s, asset, k_now_ms);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_FALSE(t->has_data);
  EXPECT_EQ(t->asset.device_id, "pump7");
  EXPECT_TRUE(t->descriptive.features.empty());
  EXPECT_TRUE(t->descriptive.evidence.empty());
  EXPECT_FALSE(t->descriptive.iso.zone);
  EXPECT_FALSE(t->predictive.health_index);
  EXPECT_FALSE(t->predictive.rul_median_h);
  EXPECT_FALSE(t->prescriptive.action);
  EXPECT_FALSE(t->prescriptive.latest_safe_date);
  EXPECT_EQ(t->prescriptive.spare_part_source, SparePartSource::none);
  EXPECT_FALSE(t->load_rating);
}

TEST_P(TwinTest, AnUnknownAssetIsNotFound) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto t = build_twin(*s, 99, k_now_ms);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::not_found);
}

TEST(MachineClassTest, RecognisesTheWaysPeopleWriteIsoClasses) {
  EXPECT_EQ(recognise_machine_class("group 2, rigid"), diag::MachineClass::group2_rigid);
  EXPECT_EQ(recognise_machine_class("Group1-Flexible"), diag::MachineClass::group1_flexible);
  EXPECT_EQ(recognise_machine_class("class IV"), diag::MachineClass::class_IV);
  EXPECT_FALSE(recognise_machine_class("class V"));
  EXPECT_FALSE(recognise_machine_class(""));
  EXPECT_FALSE(recognise_machine_class(", -"));
}

VIGIL_FOR_EACH_ENGINE(TwinTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::twin
