#include "diag/metrics.hpp"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::diag {
namespace VIGIL_TEST_FILE {

// Hand-computed: 10 samples, 3 classes.
//   truth normal (4): 4 normal
//   truth inner  (3): 2 inner, 1 outer
//   truth outer  (3): 1 inner, 1 outer, 1 unknown
// accuracy 7/10; F1 normal 1, inner 2*2/(3+3)=0.667, outer 2*1/(3+2)=0.4; macro (1+0.667+0.4)/3.
TEST(ConfusionMatrix, AccuracyAndMacroF1ByHand) {
  ConfusionMatrix m;
  for (int i = 0; i < 4; ++i) m.add(Verdict::normal, Verdict::normal);
  m.add(Verdict::inner_race, Verdict::inner_race);
  m.add(Verdict::inner_race, Verdict::inner_race);
  m.add(Verdict::inner_race, Verdict::outer_race);
  m.add(Verdict::outer_race, Verdict::inner_race);
  m.add(Verdict::outer_race, Verdict::outer_race);
  m.add(Verdict::outer_race, Verdict::unknown);
  EXPECT_EQ(m.total(), 10u);
  EXPECT_DOUBLE_EQ(m.accuracy(), 0.7);
  EXPECT_NEAR(m.f1(Verdict::inner_race), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.f1(Verdict::outer_race), 0.4, 1e-12);
  EXPECT_NEAR(m.macro_f1(), (1.0 + 2.0 / 3.0 + 0.4) / 3.0, 1e-12);
}

TEST(ConfusionMatrix, EmptyIsZero) {
  ConfusionMatrix m;
  EXPECT_EQ(m.accuracy(), 0.0);
  EXPECT_EQ(m.macro_f1(), 0.0);
}

// By hand: healthy {1, 2, 3}, abnormal {2, 4}: pairs (a > h) = 1 + 3 = 4, ties = 1 (2 vs 2), so
// AUC = (4 + 0.5) / 6 = 0.75; and against the brute-force count over every pair on random scores.
TEST(RocAuc, IsTheMannWhitneyProbabilityOfRankingAbnormalHigher) {
  const std::vector<double> healthy{3, 1, 2};
  const std::vector<double> abnormal{2, 4};
  EXPECT_DOUBLE_EQ(roc_auc(healthy, abnormal), 0.75);
  EXPECT_DOUBLE_EQ(roc_auc(abnormal, healthy), 0.25);
  EXPECT_DOUBLE_EQ(roc_auc(std::vector<double>{0, 0}, std::vector<double>{0}), 0.5);
  EXPECT_TRUE(std::isnan(roc_auc(std::vector<double>{}, abnormal)));

  std::mt19937 rng(3);
  std::normal_distribution<double> n(0, 1);
  std::vector<double> h(200), a(150);
  for (auto& v : h) v = std::round(4 * n(rng)) / 4;  // rounded: plenty of ties
  for (auto& v : a) v = std::round(4 * (n(rng) + 0.7)) / 4;
  double wins = 0;
  for (double x : a)
    for (double y : h) wins += x > y ? 1.0 : (x == y ? 0.5 : 0.0);
  EXPECT_NEAR(roc_auc(h, a), wins / (200.0 * 150.0), 1e-12);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::diag
