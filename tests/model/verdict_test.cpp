// The one verdict's rule (model/verdict.hpp), case by case, above all where physics and the learned models
// disagree: each expectation is the rule's text applied by hand.
#include "model/verdict.hpp"

#include <gtest/gtest.h>

namespace vigil::model {
namespace VIGIL_TEST_FILE {

using diag::Verdict;

const VerdictRule k_rule{.min_physics_confidence = 0.3, .strong_physics_confidence = 0.6};

void expect_named(const std::optional<NamedFault>& v, Verdict fault, double confidence,
                  VerdictSource source) {
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->fault, fault);
  EXPECT_DOUBLE_EQ(v->confidence, confidence);
  EXPECT_EQ(v->source, source);
}

TEST(OneVerdict, StrongPhysicsIsNotOverruled) {
  // Rule 2 before rule 3: a pattern that warns on its own stands against a confident classifier.
  expect_named(one_verdict(Verdict::inner_race, 0.8, Verdict::ball, 0.99, k_rule), Verdict::inner_race, 0.8,
               VerdictSource::physics);
  // Exactly at the strong threshold counts as strong.
  expect_named(one_verdict(Verdict::outer_race, 0.6, Verdict::inner_race, 0.9, k_rule), Verdict::outer_race,
               0.6, VerdictSource::physics);
}

TEST(OneVerdict, LearnedReplacesOnlyWeakPhysics) {
  // Rule 3: physics between min and strong gives way to a named learned fault ...
  expect_named(one_verdict(Verdict::outer_race, 0.45, Verdict::ball, 0.7, k_rule), Verdict::ball, 0.7,
               VerdictSource::learned);
  expect_named(one_verdict(Verdict::outer_race, 0.59, Verdict::inner_race, 0.61, k_rule), Verdict::inner_race,
               0.61, VerdictSource::learned);
  // ... and stands when the learned models name nothing (rule 4).
  expect_named(one_verdict(Verdict::outer_race, 0.45, std::nullopt, 0.0, k_rule), Verdict::outer_race, 0.45,
               VerdictSource::physics);
  // Agreement: the same fault either way; weak physics reports the learned probability.
  expect_named(one_verdict(Verdict::ball, 0.4, Verdict::ball, 0.9, k_rule), Verdict::ball, 0.9,
               VerdictSource::learned);
}

TEST(OneVerdict, PhysicsBelowItsMinimumIsNoise) {
  expect_named(one_verdict(Verdict::inner_race, 0.29, Verdict::outer_race, 0.8, k_rule), Verdict::outer_race,
               0.8, VerdictSource::learned);
  EXPECT_FALSE(one_verdict(Verdict::inner_race, 0.29, std::nullopt, 0.0, k_rule).has_value());
  // Exactly at the minimum counts.
  expect_named(one_verdict(Verdict::inner_race, 0.3, std::nullopt, 0.0, k_rule), Verdict::inner_race, 0.3,
               VerdictSource::physics);
}

TEST(OneVerdict, NormalAndUnknownAreNeverNamed) {
  // A confident "normal" from physics does not block a learned fault (the anomaly model has alarmed).
  expect_named(one_verdict(Verdict::normal, 0.9, Verdict::outer_race, 0.8, k_rule), Verdict::outer_race, 0.8,
               VerdictSource::learned);
  expect_named(one_verdict(Verdict::unknown, 1.0, Verdict::inner_race, 0.65, k_rule), Verdict::inner_race,
               0.65, VerdictSource::learned);
  EXPECT_FALSE(one_verdict(Verdict::normal, 0.9, std::nullopt, 0.0, k_rule).has_value());
  EXPECT_FALSE(one_verdict(Verdict::unknown, 0.9, Verdict::normal, 0.9, k_rule).has_value());
  EXPECT_FALSE(one_verdict(Verdict::normal, 0.9, Verdict::unknown, 0.9, k_rule).has_value());
}

TEST(OneVerdict, ACageSeriesWithALearnedBallIsABall) {
  // Rule 1, even when the cage series is strong: a damaged ball modulates at FTF.
  expect_named(one_verdict(Verdict::cage, 0.9, Verdict::ball, 0.7, k_rule), Verdict::ball, 0.7,
               VerdictSource::learned);
  // Any other learned fault does not turn a strong cage series into it ...
  expect_named(one_verdict(Verdict::cage, 0.9, Verdict::inner_race, 0.9, k_rule), Verdict::cage, 0.9,
               VerdictSource::physics);
  // ... and a cage series below the minimum is noise, whatever the learned models say.
  expect_named(one_verdict(Verdict::cage, 0.1, Verdict::inner_race, 0.9, k_rule), Verdict::inner_race, 0.9,
               VerdictSource::learned);
}

TEST(OneVerdict, ConfidencesAreClampedAndThresholdsAreTheCallers) {
  expect_named(one_verdict(Verdict::inner_race, 1.7, std::nullopt, 0.0, k_rule), Verdict::inner_race, 1.0,
               VerdictSource::physics);
  expect_named(one_verdict(Verdict::normal, 0.0, Verdict::ball, -0.2, k_rule), Verdict::ball, 0.0,
               VerdictSource::learned);
  // With a strong threshold above every confidence, any named learned fault wins over physics.
  const VerdictRule learned_first{.min_physics_confidence = 0.3, .strong_physics_confidence = 1.1};
  expect_named(one_verdict(Verdict::inner_race, 1.0, Verdict::ball, 0.7, learned_first), Verdict::ball, 0.7,
               VerdictSource::learned);
  EXPECT_EQ(to_string(VerdictSource::physics), "physics");
  EXPECT_EQ(to_string(VerdictSource::learned), "learned");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
