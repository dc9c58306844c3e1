// The commissioning split of a healthy baseline (model/anomaly_fit.hpp, fit_gaussian_anomaly_baseline): which
// rows fit and which calibrate, counted by hand, and its refusals.
#include "model/anomaly_fit.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "sim/random.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

std::vector<float> normal_rows(std::size_t n, std::size_t d, std::uint64_t seed) {
  sim::NormalSource normal(seed);
  std::vector<float> rows(n * d);
  for (auto& v : rows) v = static_cast<float>(normal.next());
  return rows;
}

TEST(AnomalyFit, BaselineAlternatesSingleRowsBelowFourBlocksAndBlocksOf64Above) {
  // Below 256 rows: odd rows calibrate.
  EXPECT_FALSE(is_baseline_calibration_row(0, 121));
  EXPECT_TRUE(is_baseline_calibration_row(1, 121));
  EXPECT_FALSE(is_baseline_calibration_row(120, 121));
  EXPECT_TRUE(is_baseline_calibration_row(255, 255));
  // From 256 rows: rows 64..127, 192..255, ... calibrate.
  EXPECT_FALSE(is_baseline_calibration_row(63, 256));
  EXPECT_TRUE(is_baseline_calibration_row(64, 256));
  EXPECT_TRUE(is_baseline_calibration_row(127, 256));
  EXPECT_FALSE(is_baseline_calibration_row(128, 256));
  EXPECT_TRUE(is_baseline_calibration_row(255, 256));

  auto small = fit_gaussian_anomaly_baseline(normal_rows(121, 4, 1), 4);
  ASSERT_TRUE(small.has_value()) << small.error().message;
  EXPECT_EQ(small->calibration_windows, 60u);
  auto large = fit_gaussian_anomaly_baseline(normal_rows(289, 4, 2), 4);
  ASSERT_TRUE(large.has_value()) << large.error().message;
  EXPECT_EQ(large->calibration_windows, 128u);
  EXPECT_EQ(large->model.dimension(), 4u);
}

TEST(AnomalyFit, BaselineRefusesRaggedRowsAndTooFewToCalibrate) {
  auto ragged = fit_gaussian_anomaly_baseline(std::vector<float>(41 * 4 + 1, 0.f), 4);
  ASSERT_FALSE(ragged.has_value());
  EXPECT_EQ(ragged.error().code, ErrorCode::invalid_argument);
  // 39 rows: 19 calibration rows, one short of ScoreCalibration's 20.
  auto few = fit_gaussian_anomaly_baseline(normal_rows(39, 4, 3), 4);
  ASSERT_FALSE(few.has_value());
  EXPECT_NE(few.error().message.find("20"), std::string::npos) << few.error().message;
  EXPECT_TRUE(fit_gaussian_anomaly_baseline(normal_rows(40, 4, 3), 4).has_value());
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
