// Simulated fault windows for the classifier's training side: the counts and labels promised, determinism in
// the seed, the physics of each label (a simulated outer-race defect shows its envelope line at BPFO, an
// inner-race one at BPFI: the simulator's ground truth read back through the feature extractor), and the
// refusal of a class the simulator cannot make.
#include "eval/synthetic_faults.hpp"

#include <cmath>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dsp/bearing.hpp"
#include "eval/labelled_windows.hpp"
#include "io/catalog.hpp"
#include "model/feature_schema.hpp"
#include "sim/simulator.hpp"

namespace vigil::eval {
namespace VIGIL_TEST_FILE {

using namespace vigil::model;
using namespace vigil::model::train;

// A table with rows at two loads (only load and speed matter to the generator).
LabelledWindows two_loads() {
  LabelledWindows t{.sample_rate_hz = 12000, .window_len = 4096, .hop = 4096, .rows = {}};
  for (int k = 0; k < 4; ++k) {
    t.rows.push_back(WindowRow{.recording = "a.mat",
                               .fault = domain::FaultType::ball,
                               .load_hp = 0,
                               .speed_rpm = 1797,
                               .features = std::vector<float>(k_classifier_feature_count, 0.0f)});
    t.rows.push_back(WindowRow{.recording = "b.mat",
                               .fault = domain::FaultType::ball,
                               .load_hp = 2,
                               .speed_rpm = 1750,
                               .features = std::vector<float>(k_classifier_feature_count, 0.0f)});
  }
  return t;
}

TEST(SyntheticFaults, GivesPerWindowsOfEachClassAtEachLoadLabelledByPosition) {
  const auto t = two_loads();
  const std::vector<std::size_t> rows{0, 1, 2, 3, 4, 5, 6, 7};
  const std::vector<domain::FaultType> classes{domain::FaultType::inner_race, domain::FaultType::outer_race};
  auto d = synthetic_fault_dataset(t, rows, classes, 5, 1, SyntheticVariation::cwru_rig);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->rows, 2u * 2u * 5u);  // loads x classes x per
  EXPECT_EQ(d->features, k_classifier_feature_count);
  ASSERT_EQ(d->labels.size(), d->rows);
  std::size_t zeros = 0;
  for (int l : d->labels) zeros += l == 0 ? 1 : 0;
  EXPECT_EQ(zeros, 10u);

  auto again = synthetic_fault_dataset(t, rows, classes, 5, 1, SyntheticVariation::cwru_rig);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->x, d->x);  // same seed, same windows
  auto other = synthetic_fault_dataset(t, rows, classes, 5, 2, SyntheticVariation::cwru_rig);
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(other->x, d->x);
}

TEST(SyntheticFaults, EachLabelCarriesItsDefectLineInTheEnvelope) {
  const auto t = two_loads();
  const std::vector<std::size_t> rows{0, 2, 4, 6};  // load 0 only
  const std::vector<domain::FaultType> classes{domain::FaultType::inner_race, domain::FaultType::outer_race};
  auto d = synthetic_fault_dataset(t, rows, classes, 8, 3, SyntheticVariation::cwru_rig);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  const auto bpfo = *feature_index("bpfo_h1_snr_db");
  const auto bpfi = *feature_index("bpfi_h1_snr_db");
  // The weakest impacts (0.25 g) may drown in noise: count the windows whose own defect line beats the
  // other's; every class must show it in most windows.
  std::size_t inner_ok = 0, outer_ok = 0;
  for (std::size_t r = 0; r < d->rows; ++r) {
    const auto row = d->row(r);
    if (d->labels[r] == 0 && row[bpfi] > row[bpfo]) ++inner_ok;
    if (d->labels[r] == 1 && row[bpfo] > row[bpfi]) ++outer_ok;
  }
  EXPECT_GE(inner_ok, 6u);
  EXPECT_GE(outer_ok, 6u);
}

// The varied draws stay inside their stated ranges, reach every bearing of the catalogue, put outer-race
// pits both inside and outside a 90 degree load zone, and each gives a simulator that accepts it.
TEST(SyntheticFaults, VariedDrawsSpanTheirStatedRanges) {
  sim::Xoshiro256 rng(11);
  std::set<std::string> bearings;
  std::size_t pits_outside = 0;
  const auto within = [](double v, const double(&range)[2]) { return v >= range[0] && v <= range[1]; };
  constexpr int k_draws = 400;
  for (int k = 0; k < k_draws; ++k) {
    const auto s = varied_fault_scenario(sim::FaultKind::outer_race, 1797, 12000, rng);
    bearings.insert(s.machine.bearing.name);
    EXPECT_TRUE(within(s.machine.speed_rpm / 1797, k_varied_speed_factor));
    EXPECT_TRUE(within(s.machine.resonance_hz, k_varied_resonance_hz));
    EXPECT_TRUE(within(s.machine.damping_ratio, k_varied_damping_ratio));
    EXPECT_TRUE(within(s.machine.noise_rms_g, k_varied_noise_rms_g));
    EXPECT_TRUE(within(s.machine.machine_noise_rms_g, k_varied_machine_noise_rms_g));
    EXPECT_TRUE(within(s.fault.impact_g, k_varied_impact_g));
    EXPECT_TRUE(within(s.fault.outer_race_pit_deg, k_varied_pit_deg));
    EXPECT_TRUE(within(s.fault.load_zone_half_angle_deg, k_varied_load_zone_half_angle_deg));
    EXPECT_TRUE(within(s.fault.slip_fraction, k_varied_slip_fraction));
    EXPECT_EQ(s.machine.sample_rate_hz, 12000);
    pits_outside += std::abs(s.fault.outer_race_pit_deg) > 90 ? 1 : 0;
    EXPECT_TRUE(sim::Simulator::create(s, 1).has_value()) << s.machine.bearing.name;
  }
  EXPECT_EQ(bearings.size(), dsp::bearing_catalogue().size());
  // Uniform over [-180, 180]: half the pits beyond 90 degrees (binomial sd 10 of 400).
  EXPECT_NEAR(double(pits_outside), 0.5 * k_draws, 50);
}

// Varied windows come from four bearings; the features are taken with each window's own bearing, so an
// outer-race window shows its line at its bearing's BPFO and an inner-race one at BPFI in most windows
// (weak impacts, pits outside the load zone and strong noise drown some; measured 34 and 33 of 40 with a
// 3 dB margin). Features taken with the
// 6205-2RS orders for every bearing miss most lines of the other three (measured 26 and 11).
TEST(SyntheticFaults, VariedWindowsCarryTheirDefectLineAtTheirOwnBearingsOrders) {
  const auto t = two_loads();
  const std::vector<std::size_t> rows{0, 2, 4, 6};  // load 0 only
  const std::vector<domain::FaultType> classes{domain::FaultType::inner_race, domain::FaultType::outer_race};
  auto d = synthetic_fault_dataset(t, rows, classes, 40, 5, SyntheticVariation::varied);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  ASSERT_EQ(d->rows, 80u);
  auto again = synthetic_fault_dataset(t, rows, classes, 40, 5, SyntheticVariation::varied);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->x, d->x);
  const auto bpfo = *feature_index("bpfo_h1_snr_db");
  const auto bpfi = *feature_index("bpfi_h1_snr_db");
  std::size_t inner_ok = 0, outer_ok = 0;
  for (std::size_t r = 0; r < d->rows; ++r) {
    const auto row = d->row(r);
    if (d->labels[r] == 0 && row[bpfi] > row[bpfo] + 3) ++inner_ok;
    if (d->labels[r] == 1 && row[bpfo] > row[bpfi] + 3) ++outer_ok;
  }
  EXPECT_GE(inner_ok, 28u) << "of 40";
  EXPECT_GE(outer_ok, 28u) << "of 40";
}

TEST(SyntheticFaults, RefusesAClassTheSimulatorCannotMake) {
  const auto t = two_loads();
  const std::vector<std::size_t> rows{0, 1};
  const std::vector<domain::FaultType> classes{domain::FaultType::normal, domain::FaultType::ball};
  auto d = synthetic_fault_dataset(t, rows, classes, 2, 1, SyntheticVariation::varied);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(d.error().message.find("normal"), std::string::npos);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::eval
