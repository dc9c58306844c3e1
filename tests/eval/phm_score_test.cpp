// PHM 2012 challenge score (model/phm_score.hpp) against the check values of the challenge PDF (figure 7,
// quoted in ../shared/data/femto/README.md) and hand-computed means; error paths.
#include "eval/phm_score.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::eval {
namespace VIGIL_TEST_FILE {

TEST(PhmScore, AccuracyMatchesTheChallengeCheckValues) {
  EXPECT_NEAR(phm_accuracy(-10), 0.25, 1e-15);
  EXPECT_NEAR(phm_accuracy(20), 0.5, 1e-15);
  EXPECT_DOUBLE_EQ(phm_accuracy(0), 1.0);
  // Halves every 5 % late and every 20 % early.
  EXPECT_NEAR(phm_accuracy(-5), 0.5, 1e-15);
  EXPECT_NEAR(phm_accuracy(40), 0.25, 1e-15);
  EXPECT_GT(phm_accuracy(-1e3), 0.0);
  EXPECT_LT(phm_accuracy(-1e3), 1e-30);
}

// Er = 100 (ActRUL - RUL) / ActRUL: an estimate of 1100 s for 1000 s is 10 % late (Er = -10).
TEST(PhmScore, PercentErrorIsPositiveForEarlyAndNegativeForLateEstimates) {
  EXPECT_NEAR(*phm_percent_error(1000, 1100), -10, 1e-12);
  EXPECT_NEAR(*phm_percent_error(1000, 800), 20, 1e-12);
  EXPECT_NEAR(*phm_percent_error(1000, 0), 100, 1e-12);
}

// Mean of A: (0.25 + 0.5 + 1) / 3.
TEST(PhmScore, ScoreIsTheMeanAccuracy) {
  const std::vector<double> actual{1000, 1000, 500};
  const std::vector<double> estimate{1100, 800, 500};
  EXPECT_NEAR(*phm_score(actual, estimate), (0.25 + 0.5 + 1.0) / 3, 1e-15);
}

TEST(PhmScore, RejectsPairsItCannotScore) {
  EXPECT_EQ(phm_percent_error(0, 10).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(phm_percent_error(-5, 10).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(phm_percent_error(NAN, 10).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(phm_percent_error(10, INFINITY).error().code, ErrorCode::invalid_argument);
  const std::vector<double> two{1, 2}, one{1}, none;
  EXPECT_EQ(phm_score(two, one).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(phm_score(none, none).error().code, ErrorCode::invalid_argument);
  const std::vector<double> actual{100, 0};
  const std::vector<double> estimate{100, 10};
  auto r = phm_score(actual, estimate);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("estimate 1"), std::string::npos) << r.error().message;
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::eval
