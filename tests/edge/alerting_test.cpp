// Debouncing and NE 107 naming of alert levels. Expected sequences are worked out by hand from the
// documented rules (N of the last M raw levels to raise, clear_windows quieter windows to fall).
#include "edge/alerting.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/alloc_counter.hpp"

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

constexpr AlertLevel N = AlertLevel::normal;
constexpr AlertLevel Wa = AlertLevel::watch;
constexpr AlertLevel Wn = AlertLevel::warning;
constexpr AlertLevel Al = AlertLevel::alarm;

std::vector<AlertLevel> run(AlertDebouncer& d, const std::vector<AlertLevel>& raw) {
  std::vector<AlertLevel> out;
  for (AlertLevel r : raw) out.push_back(d.update(r));
  return out;
}

TEST(AlertDebouncer, OneNoisyWindowDoesNotRaise) {
  auto d = AlertDebouncer::create({.raise_n = 3, .raise_m = 5, .clear_windows = 4});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(run(*d, {N, Al, N, N, Wn, N, N, N}), std::vector<AlertLevel>(8, N));
}

TEST(AlertDebouncer, RaisesOnThreeOfFiveToTheLevelThreeReach) {
  auto d = AlertDebouncer::create({.raise_n = 3, .raise_m = 5, .clear_windows = 4});
  ASSERT_TRUE(d.has_value());
  // Windows 1..5: warning, normal, alarm, normal, warning. After the 5th, three of five are >= warning
  // (warning, alarm, warning) but only one is an alarm: the level is warning.
  EXPECT_EQ(run(*d, {Wn, N, Al, N, Wn}), (std::vector<AlertLevel>{N, N, N, N, Wn}));
  // Two more alarms: the last five are alarm, normal, warning, alarm, alarm -> three alarms.
  EXPECT_EQ(run(*d, {Al, Al}), (std::vector<AlertLevel>{Wn, Al}));
}

TEST(AlertDebouncer, ClearsOnlyAfterAQuietRunAndToItsPeak) {
  auto d = AlertDebouncer::create({.raise_n = 2, .raise_m = 3, .clear_windows = 4});
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(run(*d, {Al, Al}), (std::vector<AlertLevel>{N, Al}));
  // Raw levels drop to watch. N-of-M after each: [Al,Al,Wa] -> alarm; [Al,Wa,Wa] -> watch (2 >= watch);
  // then watch, watch, watch. The level holds alarm until four consecutive windows vote below it: the
  // windows 4..7 vote watch; at the 7th the run is 4 long and the level falls to watch (the run's peak).
  EXPECT_EQ(run(*d, {Wa, Wa, Wa, Wa, Wa}), (std::vector<AlertLevel>{Al, Al, Al, Al, Wa}));
  // A relapse inside a quiet run resets it.
  EXPECT_EQ(run(*d, {N, N, Wn, Wn, N}), (std::vector<AlertLevel>{Wa, Wa, Wa, Wn, Wn}));
  EXPECT_EQ(run(*d, {N, N, N, N, N}), (std::vector<AlertLevel>{Wn, Wn, Wn, N, N}));
}

TEST(AlertDebouncer, OneOfOneFollowsTheRawLevelUpAndClearsAfterTheRun) {
  auto d = AlertDebouncer::create({.raise_n = 1, .raise_m = 1, .clear_windows = 1});
  ASSERT_TRUE(d.has_value());
  const std::vector<AlertLevel> raw{N, Wa, Al, Wn, N, Al, N};
  EXPECT_EQ(run(*d, raw), raw);
}

TEST(AlertDebouncer, ResetForgetsTheHistory) {
  auto d = AlertDebouncer::create({.raise_n = 2, .raise_m = 2, .clear_windows = 50});
  ASSERT_TRUE(d.has_value());
  run(*d, {Al, Al});
  ASSERT_EQ(d->level(), Al);
  d->reset();
  EXPECT_EQ(d->level(), N);
  EXPECT_EQ(d->update(Al), N);  // one window of a fresh history is not two of two
}

TEST(AlertDebouncer, RefusesImpossibleSettings) {
  EXPECT_FALSE(AlertDebouncer::create({.raise_n = 0, .raise_m = 5, .clear_windows = 1}));
  EXPECT_FALSE(AlertDebouncer::create({.raise_n = 6, .raise_m = 5, .clear_windows = 1}));
  EXPECT_FALSE(AlertDebouncer::create({.raise_n = 1, .raise_m = 65, .clear_windows = 1}));
  auto bad = AlertDebouncer::create({.raise_n = 1, .raise_m = 5, .clear_windows = 0});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("clear_windows"), std::string::npos) << bad.error().message;
}

TEST(AlertDebouncer, AllocatesNothing) {
  auto d = AlertDebouncer::create({});
  ASSERT_TRUE(d.has_value());
  test::AllocationScope scope;
  for (int i = 0; i < 1000; ++i) d->update(static_cast<AlertLevel>(i % 4));
  EXPECT_EQ(scope.allocations(), 0u);
}

TEST(Ne107, LevelsMapOntoTheNamurStatuses) {
  EXPECT_EQ(to_string(ne107_status(N, false)), "Normal");
  EXPECT_EQ(to_string(ne107_status(Wa, false)), "Maintenance required");
  EXPECT_EQ(to_string(ne107_status(Wn, false)), "Out of specification");
  EXPECT_EQ(to_string(ne107_status(Al, false)), "Failure");
  // While the measurement is not valid (commissioning, sensor fault), below alarm it is Check function.
  EXPECT_EQ(to_string(ne107_status(Wn, true)), "Check function");
  EXPECT_EQ(to_string(ne107_status(N, true)), "Check function");
  EXPECT_EQ(to_string(ne107_status(Al, true)), "Failure");
}

TEST(AlertLevelNames, RoundTripAndRefuseOthers) {
  for (AlertLevel l : {N, Wa, Wn, Al}) {
    auto parsed = parse_alert_level(to_string(l));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, l);
  }
  auto bad = parse_alert_level("critical");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("critical"), std::string::npos);
}

TEST(FaultHolder, AWeakerOtherFaultDoesNotReplaceTheHeldOne) {
  using diag::Verdict;
  FaultHolder h(10);
  // Raised before any window named a fault: unknown.
  EXPECT_EQ(h.update(AlertLevel::watch, Verdict::unknown, 0).fault, Verdict::unknown);
  auto n = h.update(AlertLevel::warning, Verdict::inner_race, 1.0);
  EXPECT_EQ(n.fault, Verdict::inner_race);
  // Windows of a clear inner-race defect, some showing only a weak outer-race pattern: inner race stays.
  for (int i = 0; i < 20; ++i) {
    n = h.update(AlertLevel::warning, i % 2 ? Verdict::outer_race : Verdict::inner_race, i % 2 ? 0.33 : 0.98);
    EXPECT_EQ(n.fault, Verdict::inner_race) << "window " << i;
  }
  EXPECT_DOUBLE_EQ(n.confidence, 0.98);  // the held fault's latest confidence
  // As confident as the held fault: replaces it.
  EXPECT_EQ(h.update(AlertLevel::warning, Verdict::ball, 0.98).fault, Verdict::ball);
}

TEST(FaultHolder, AHeldFaultUnnamedForClearWindowsGivesWay) {
  using diag::Verdict;
  FaultHolder h(3);
  EXPECT_EQ(h.update(AlertLevel::warning, Verdict::outer_race, 0.9).fault, Verdict::outer_race);
  // Three windows without outer race (one names nothing), then a weak inner race: the outer race is stale.
  EXPECT_EQ(h.update(AlertLevel::warning, Verdict::inner_race, 0.4).fault, Verdict::outer_race);
  EXPECT_EQ(h.update(AlertLevel::warning, Verdict::unknown, 0).fault, Verdict::outer_race);
  EXPECT_EQ(h.update(AlertLevel::warning, Verdict::inner_race, 0.4).fault, Verdict::outer_race);
  const auto n = h.update(AlertLevel::warning, Verdict::inner_race, 0.4);
  EXPECT_EQ(n.fault, Verdict::inner_race);
  EXPECT_DOUBLE_EQ(n.confidence, 0.4);
  // Back to normal: nothing named, and nothing held for the next rise.
  EXPECT_EQ(h.update(AlertLevel::normal, Verdict::inner_race, 0.9).fault, Verdict::normal);
  EXPECT_EQ(h.update(AlertLevel::watch, Verdict::unknown, 0).fault, Verdict::unknown);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
