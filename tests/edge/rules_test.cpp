// The rule layer: each rule of the documented table (rules.hpp, docs/edge-decisions.md) on hand-made
// facts, physics and ISO deciding alone whenever the models cannot be trusted, and the sentence a planner
// reads.
#include "edge/rules.hpp"

#include <string>

#include <gtest/gtest.h>

#include "support/alloc_counter.hpp"

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

using diag::IsoZone;
using diag::Verdict;

WindowFacts healthy() {
  WindowFacts f;
  f.velocity_rms_mm_s = 0.5;
  f.iso_zone = IsoZone::A;
  f.physics = Verdict::normal;
  f.model_state = ModelState::ok;
  f.learned = model::WindowVerdict::normal;
  return f;
}

TEST(Rules, HealthyWindowIsNormal) {
  const RawAssessment a = assess_window(healthy(), {});
  EXPECT_EQ(a.level, AlertLevel::normal);
  EXPECT_EQ(a.cause, Cause::none);
  EXPECT_EQ(a.fault, Verdict::normal);
  EXPECT_FALSE(a.physics_only);
}

TEST(Rules, IsoZonesCAndDRaiseWarningAndAlarm) {
  WindowFacts f = healthy();
  f.iso_zone = IsoZone::B;
  EXPECT_EQ(assess_window(f, {}).level, AlertLevel::normal);
  f.iso_zone = IsoZone::C;
  EXPECT_EQ(assess_window(f, {}).level, AlertLevel::warning);
  EXPECT_EQ(assess_window(f, {}).cause, Cause::iso_zone);
  f.iso_zone = IsoZone::D;
  EXPECT_EQ(assess_window(f, {}).level, AlertLevel::alarm);
}

TEST(Rules, PhysicsConfidenceSeparatesWatchFromWarningAndNamesTheFault) {
  WindowFacts f = healthy();
  f.physics = Verdict::outer_race;
  f.physics_confidence = 0.59;
  RawAssessment a = assess_window(f, {.strong_physics_confidence = 0.6});
  EXPECT_EQ(a.level, AlertLevel::watch);
  EXPECT_EQ(a.cause, Cause::physics_defect);
  EXPECT_EQ(a.fault, Verdict::outer_race);
  EXPECT_DOUBLE_EQ(a.confidence, 0.59);
  f.physics_confidence = 0.6;
  EXPECT_EQ(assess_window(f, {.strong_physics_confidence = 0.6}).level, AlertLevel::warning);
  // Below min_physics_confidence a single window's pattern is noise: nothing is raised or named.
  f.physics_confidence = 0.29;
  a = assess_window(f, {.min_physics_confidence = 0.3});
  EXPECT_EQ(a.level, AlertLevel::normal);
  EXPECT_EQ(a.fault, Verdict::normal);
}

TEST(Rules, PhysicsNamesTheFaultOverTheLearnedClass) {
  WindowFacts f = healthy();
  f.learned = model::WindowVerdict::fault;
  f.learned_fault = Verdict::ball;
  f.learned_probability = 0.9;
  RawAssessment a = assess_window(f, {});
  EXPECT_EQ(a.level, AlertLevel::warning);
  EXPECT_EQ(a.cause, Cause::learned_fault);
  EXPECT_EQ(a.fault, Verdict::ball);
  EXPECT_DOUBLE_EQ(a.confidence, 0.9);
  f.physics = Verdict::outer_race;
  f.physics_confidence = 0.7;
  a = assess_window(f, {});
  EXPECT_EQ(a.fault, Verdict::outer_race);  // the evidence a person can check wins
  EXPECT_DOUBLE_EQ(a.confidence, 0.7);
  EXPECT_EQ(a.cause, Cause::physics_defect);  // first in precedence at the warning level
}

TEST(Rules, TheLearnedClassReplacesAWeakPhysicsPattern) {
  // The one verdict (model/verdict.hpp): physics below strong_physics_confidence gives way to a named learned
  // fault; the level is the higher of the two (the learned fault's warning).
  WindowFacts f = healthy();
  f.physics = Verdict::outer_race;
  f.physics_confidence = 0.45;
  f.learned = model::WindowVerdict::fault;
  f.learned_fault = Verdict::ball;
  f.learned_probability = 0.8;
  RawAssessment a = assess_window(f, {});
  EXPECT_EQ(a.fault, Verdict::ball);
  EXPECT_DOUBLE_EQ(a.confidence, 0.8);
  EXPECT_EQ(a.level, AlertLevel::warning);
  EXPECT_EQ(a.cause, Cause::learned_fault);
  // An untrusted model does not take part: the weak physics pattern names the fault, as a watch.
  f.model_state = ModelState::out_of_range;
  a = assess_window(f, {});
  EXPECT_EQ(a.fault, Verdict::outer_race);
  EXPECT_DOUBLE_EQ(a.confidence, 0.45);
  EXPECT_EQ(a.level, AlertLevel::watch);
}

TEST(Rules, LearnedAnomalyWithoutANamedFaultIsAWatch) {
  WindowFacts f = healthy();
  for (auto v : {model::WindowVerdict::abnormal, model::WindowVerdict::unknown}) {
    f.learned = v;
    const RawAssessment a = assess_window(f, {});
    EXPECT_EQ(a.level, AlertLevel::watch);
    EXPECT_EQ(a.cause, Cause::learned_anomaly);
    EXPECT_EQ(a.fault, Verdict::unknown);
  }
}

TEST(Rules, UntrustedModelsLeavePhysicsAndIsoToDecideAlone) {
  for (ModelState s : {ModelState::missing, ModelState::failed, ModelState::out_of_range}) {
    WindowFacts f = healthy();
    f.model_state = s;
    f.learned = model::WindowVerdict::fault;  // whatever a broken model said is ignored
    f.learned_fault = Verdict::inner_race;
    f.learned_probability = 0.99;
    RawAssessment a = assess_window(f, {});
    EXPECT_EQ(a.level, AlertLevel::normal) << to_string(s);
    EXPECT_TRUE(a.physics_only);
    f.iso_zone = IsoZone::C;
    f.physics = Verdict::inner_race;
    f.physics_confidence = 0.8;
    a = assess_window(f, {});
    EXPECT_EQ(a.level, AlertLevel::warning) << to_string(s);
    EXPECT_EQ(a.cause, Cause::iso_zone);
    EXPECT_EQ(a.fault, Verdict::inner_race);
  }
  // An abstaining classifier still reports the anomaly as a watch.
  WindowFacts f = healthy();
  f.model_state = ModelState::abstained;
  const RawAssessment a = assess_window(f, {});
  EXPECT_EQ(a.level, AlertLevel::watch);
  EXPECT_TRUE(a.physics_only);
}

TEST(Rules, RemainingLifeHorizons) {
  WindowFacts f = healthy();
  const RuleConfig c{.warning_rul_h = 168, .alarm_rul_h = 24};
  f.rul_low_h = 200;
  EXPECT_EQ(assess_window(f, c).level, AlertLevel::normal);
  f.rul_low_h = 100;
  EXPECT_EQ(assess_window(f, c).level, AlertLevel::warning);
  EXPECT_EQ(assess_window(f, c).cause, Cause::rul);
  f.rul_low_h = 10;
  EXPECT_EQ(assess_window(f, c).level, AlertLevel::alarm);
  f.iso_zone = IsoZone::D;  // both reach alarm: remaining life is first in precedence
  EXPECT_EQ(assess_window(f, c).cause, Cause::rul);
}

TEST(Rules, RecommendationDeadlinesTightenToTheRemainingLife) {
  const ActionPolicy p{.watch_deadline_h = 336, .warning_deadline_h = 72, .alarm_deadline_h = 24};
  EXPECT_FALSE(recommend(AlertLevel::normal, std::nullopt, p).deadline_h);
  EXPECT_EQ(*recommend(AlertLevel::watch, std::nullopt, p).deadline_h, 336);
  EXPECT_EQ(*recommend(AlertLevel::warning, std::nullopt, p).deadline_h, 72);
  EXPECT_EQ(recommend(AlertLevel::warning, std::nullopt, p).action, "inspect");
  EXPECT_EQ(*recommend(AlertLevel::warning, 40.0, p).deadline_h, 40);
  EXPECT_EQ(*recommend(AlertLevel::warning, 100.0, p).deadline_h, 72);
  EXPECT_EQ(*recommend(AlertLevel::alarm, -5.0, p).deadline_h, 0);
}

TEST(Rules, SentencesAPlannerReads) {
  WindowFacts f = healthy();
  f.physics = Verdict::outer_race;
  f.physics_confidence = 0.73;
  const ActionPolicy p;
  RawAssessment a = assess_window(f, {});
  EXPECT_EQ(describe("drive-end bearing", f, a, a.level, recommend(a.level, std::nullopt, p)),
            "drive-end bearing, outer-race defect, 73 %, inspect within 72 h");
  f = healthy();
  f.iso_zone = IsoZone::C;
  f.velocity_rms_mm_s = 5.24;
  a = assess_window(f, {});
  EXPECT_EQ(describe("fan bearing", f, a, a.level, recommend(a.level, std::nullopt, p)),
            "fan bearing, ISO zone C (5.2 mm/s), inspect within 72 h");
  f = healthy();
  f.learned = model::WindowVerdict::abnormal;
  a = assess_window(f, {});
  EXPECT_EQ(describe("pump", f, a, a.level, recommend(a.level, std::nullopt, p)),
            "pump, abnormal vibration, fault not named, review trend within 336 h");
  EXPECT_EQ(describe("pump", healthy(), assess_window(healthy(), {}), AlertLevel::normal, {}),
            "pump, normal");
}

TEST(Rules, JudgingAWindowAllocatesNothing) {
  WindowFacts f = healthy();
  f.physics = Verdict::inner_race;
  f.physics_confidence = 0.7;
  f.rul_low_h = 80;
  test::AllocationScope scope;
  int warnings = 0;
  for (int i = 0; i < 1000; ++i) {
    const RawAssessment a = assess_window(f, {});
    warnings += a.level == AlertLevel::warning ? 1 : 0;
    warnings += recommend(a.level, f.rul_low_h, {}).deadline_h ? 0 : 1;
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(warnings, 1000);
}

TEST(Rules, RefusesInconsistentSettings) {
  EXPECT_FALSE(validate(RuleConfig{.strong_physics_confidence = 0}));
  EXPECT_FALSE(validate(RuleConfig{.min_physics_confidence = 0.7, .strong_physics_confidence = 0.6}));
  EXPECT_FALSE(validate(RuleConfig{.warning_rul_h = 10, .alarm_rul_h = 24}));
  EXPECT_FALSE(
      validate(ActionPolicy{.watch_deadline_h = 10, .warning_deadline_h = 72, .alarm_deadline_h = 24}));
  EXPECT_TRUE(validate(RuleConfig{}));
  EXPECT_TRUE(validate(ActionPolicy{}));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
