// Per-channel anomaly models from one short healthy snapshot (eval/snapshot_anomaly.hpp), on simulated
// IMS-like snapshots (20 kHz, 20,480 samples, the ZA-2115 bearing at 2000 rpm). Truth from the simulator:
// another healthy snapshot of the same machine (other seed) is judged normal; one with an outer-race defect
// and one from a sensor reading almost nothing are flagged. Error paths name the snapshot.
#include "eval/snapshot_anomaly.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dsp/bearing.hpp"
#include "sim/simulator.hpp"

namespace vigil::eval {
namespace VIGIL_TEST_FILE {

constexpr double k_rate_hz = 20000;
constexpr std::size_t k_samples = 20480;

io::Recording snapshot(const std::string& name, sim::FaultKind kind, std::uint64_t seed, double gain = 1) {
  const auto bearing = *dsp::find_bearing("ZA-2115");
  auto scenario = sim::Scenario::degradation(kind, 1000, 0.0, k_rate_hz, 2000, bearing);
  scenario.fault.severity = {.growth = sim::SeverityGrowth::constant, .initial = 0.2, .max_severity = 1};
  io::Recording r;
  r.source = name;
  r.sample_rate_hz = k_rate_hz;
  for (const char* channel : {"b1", "b2"}) {
    auto s = sim::Simulator::create(scenario, seed++);
    EXPECT_TRUE(s.has_value()) << s.error().message;
    std::vector<float> x(k_samples);
    s->generate(x);
    for (auto& v : x) v = static_cast<float>(gain * v);
    r.channels.push_back({channel, std::move(x)});
  }
  return r;
}

TEST(SnapshotAnomaly, AnotherHealthySnapshotIsNormalADefectAndADeadSensorAreFlagged) {
  const auto reference = snapshot("reference", sim::FaultKind::none, 1);
  const std::vector<io::Recording> others = {snapshot("healthy", sim::FaultKind::none, 11),
                                             snapshot("outer_race", sim::FaultKind::outer_race, 21),
                                             snapshot("silent", sim::FaultKind::none, 31, 0.02)};
  auto r = evaluate_snapshot_anomaly(reference, others, *dsp::find_bearing("ZA-2115"), 2000);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->reference, "reference");
  EXPECT_DOUBLE_EQ(r->sample_rate_hz, k_rate_hz);
  ASSERT_EQ(r->channels.size(), 2u);
  for (const auto& c : r->channels) {
    SCOPED_TRACE(c.channel);
    // (20480 - 2048) / 64 + 1 = 289 windows: blocks of 64 alternate, 2 blocks (128) calibrate.
    EXPECT_EQ(c.fit_windows + c.calibration_windows, 289u);
    EXPECT_EQ(c.calibration_windows, 128u);
    ASSERT_EQ(c.snapshots.size(), 3u);
    for (const auto& s : c.snapshots) EXPECT_EQ(s.windows, 10u);  // 20480 / 2048 disjoint
    EXPECT_EQ(c.snapshots[0].snapshot, "healthy");
    EXPECT_FALSE(c.snapshots[0].flagged);
    EXPECT_LE(c.snapshots[0].exceedances, 1u);
    EXPECT_TRUE(c.snapshots[1].flagged);
    EXPECT_EQ(c.snapshots[1].exceedances, 10u);
    EXPECT_TRUE(c.snapshots[2].flagged);
    EXPECT_EQ(c.snapshots[2].exceedances, 10u);
    EXPECT_NEAR(c.snapshots[2].rms_g, 0.02 * c.reference_rms_g, 0.005 * c.reference_rms_g);
  }
  const auto json = to_json(*r);
  EXPECT_EQ(json["channels"][0]["snapshots"][2]["flagged"], true);
}

TEST(SnapshotAnomaly, ErrorsNameTheSnapshot) {
  const auto bearing = *dsp::find_bearing("ZA-2115");
  const auto reference = snapshot("reference", sim::FaultKind::none, 1);
  auto other_rate = snapshot("other_rate", sim::FaultKind::none, 2);
  other_rate.sample_rate_hz = 25600;
  auto r = evaluate_snapshot_anomaly(reference, std::vector{other_rate}, bearing, 2000);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("other_rate: sample rate 25600 Hz"), std::string::npos)
      << r.error().message;

  auto missing = snapshot("missing", sim::FaultKind::none, 3);
  missing.channels[1].name = "b3";
  r = evaluate_snapshot_anomaly(reference, std::vector{missing}, bearing, 2000);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("missing: no channel b2"), std::string::npos) << r.error().message;

  auto short_one = snapshot("short", sim::FaultKind::none, 4);
  for (auto& c : short_one.channels) c.samples.resize(1000);
  r = evaluate_snapshot_anomaly(reference, std::vector{short_one}, bearing, 2000);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("short: 1000 samples"), std::string::npos) << r.error().message;

  io::Recording no_rate = reference;
  no_rate.sample_rate_hz = 0;
  EXPECT_FALSE(evaluate_snapshot_anomaly(no_rate, std::vector{reference}, bearing, 2000).has_value());

  // A reference too short for commissioning's 40 rows: 4096 samples give (4096 - 2048) / 64 + 1 = 33.
  io::Recording tiny = reference;
  for (auto& c : tiny.channels) c.samples.resize(4096);
  r = evaluate_snapshot_anomaly(tiny, std::vector{reference}, bearing, 2000);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("reference channel b1"), std::string::npos) << r.error().message;

  SnapshotAnomalyConfig c;
  c.fit_hop = 0;
  r = evaluate_snapshot_anomaly(reference, std::vector{reference}, bearing, 2000, c);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("fit_hop"), std::string::npos);
  c = {};
  c.window_len = 128;
  EXPECT_NE(validate(c).error().message.find("window_len"), std::string::npos);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::eval
