#include "diag/metrics.hpp"

#include <gtest/gtest.h>

namespace vigil::diag {
namespace {

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

}  // namespace
}  // namespace vigil::diag
