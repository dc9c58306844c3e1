// The rule that chooses the RUL model's defaults among the candidates scored on inner folds
// (eval::choose_rul_candidate): fewest estimates over 3 times an actual RUL under one hour, then largest mean
// PHM 2012 accuracy, then the first of the grid; unfitted candidates (NaN) never chosen. Truths by hand.
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "eval/rul_evaluation.hpp"

namespace vigil::eval {
namespace VIGIL_TEST_FILE {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

TEST(RulSelection, FewestLateViolationsComeBeforeTheMeanScore) {
  // Candidate 1 has the best mean A but 2 violations; 3 and 4 have 1; of those, 4 scores better.
  const std::vector<double> a{0.30, 0.50, k_nan, 0.20, 0.25};
  const std::vector<std::size_t> v{3, 2, 0, 1, 1};
  EXPECT_EQ(choose_rul_candidate(a, v), 4u);
}

TEST(RulSelection, LargestMeanScoreAmongEquallyFewViolations) {
  const std::vector<double> a{0.10, 0.40, 0.35};
  const std::vector<std::size_t> v{0, 0, 0};
  EXPECT_EQ(choose_rul_candidate(a, v), 1u);
}

TEST(RulSelection, TiesGoToTheFirstOfTheGrid) {
  const std::vector<double> a{0.2, 0.3, 0.3};
  const std::vector<std::size_t> v{1, 1, 1};
  EXPECT_EQ(choose_rul_candidate(a, v), 1u);
}

TEST(RulSelection, UnfittedCandidatesAreNeverChosen) {
  // The NaN candidate has no violation counted (it was never scored) and must still lose.
  const std::vector<double> a{k_nan, 0.01};
  const std::vector<std::size_t> v{0, 5};
  EXPECT_EQ(choose_rul_candidate(a, v), 1u);
}

TEST(RulSelection, NothingToChooseFrom) {
  const std::vector<double> all_nan{k_nan, k_nan};
  const std::vector<std::size_t> v{0, 0};
  EXPECT_FALSE(choose_rul_candidate(all_nan, v).has_value());
  EXPECT_FALSE(choose_rul_candidate({}, {}).has_value());
  const std::vector<double> a{0.1, 0.2};
  const std::vector<std::size_t> short_v{0};
  EXPECT_FALSE(choose_rul_candidate(a, short_v).has_value());  // lengths differ
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::eval
