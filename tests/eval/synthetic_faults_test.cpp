// Simulated fault windows for the classifier's training side: the counts and labels promised, determinism in
// the seed, the physics of each label (a simulated outer-race defect shows its envelope line at BPFO, an
// inner-race one at BPFI: the simulator's ground truth read back through the feature extractor), and the
// refusal of a class the simulator cannot make.
#include "eval/synthetic_faults.hpp"

#include <cstddef>
#include <vector>

#include <gtest/gtest.h>

#include "eval/labelled_windows.hpp"
#include "io/catalog.hpp"
#include "model/feature_schema.hpp"

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
  auto d = synthetic_fault_dataset(t, rows, classes, 5, 1);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  EXPECT_EQ(d->rows, 2u * 2u * 5u);  // loads x classes x per
  EXPECT_EQ(d->features, k_classifier_feature_count);
  ASSERT_EQ(d->labels.size(), d->rows);
  std::size_t zeros = 0;
  for (int l : d->labels) zeros += l == 0 ? 1 : 0;
  EXPECT_EQ(zeros, 10u);

  auto again = synthetic_fault_dataset(t, rows, classes, 5, 1);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->x, d->x);  // same seed, same windows
  auto other = synthetic_fault_dataset(t, rows, classes, 5, 2);
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(other->x, d->x);
}

TEST(SyntheticFaults, EachLabelCarriesItsDefectLineInTheEnvelope) {
  const auto t = two_loads();
  const std::vector<std::size_t> rows{0, 2, 4, 6};  // load 0 only
  const std::vector<domain::FaultType> classes{domain::FaultType::inner_race, domain::FaultType::outer_race};
  auto d = synthetic_fault_dataset(t, rows, classes, 8, 3);
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

TEST(SyntheticFaults, RefusesAClassTheSimulatorCannotMake) {
  const auto t = two_loads();
  const std::vector<std::size_t> rows{0, 1};
  const std::vector<domain::FaultType> classes{domain::FaultType::normal, domain::FaultType::ball};
  auto d = synthetic_fault_dataset(t, rows, classes, 2, 1);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(d.error().message.find("normal"), std::string::npos);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::eval
