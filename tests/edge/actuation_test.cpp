// The actuation gate: each gate on its own with everything else permissive, the order in which they are
// checked, the sliding rate window worked by hand, and the dry run that decides without writing.
#include "edge/actuation.hpp"

#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

constexpr std::int64_t k_s = 1'000'000'000;
constexpr std::int64_t k_h = 3600 * k_s;

PlcConfig wired_plc() {
  PlcConfig plc;
  plc.enabled = true;
  plc.interlock_register = 12;
  plc.reduce_speed_register = 20;
  plc.stop_register = 21;
  return plc;
}

// Live policy that lets a warning through: every gate open unless a test closes it.
ActuationPolicy live_policy() {
  ActuationPolicy p;
  p.dry_run = false;
  p.min_level = AlertLevel::warning;
  p.min_confidence = 0.8;
  p.max_per_hour = 1;
  return p;
}

ActuationRequest alarm_at(std::int64_t at_ns, std::size_t asset = 0) {
  ActuationRequest r;
  r.asset = asset;
  r.asset_id = asset == 0 ? "pump-7" : "fan-2";
  r.level = AlertLevel::alarm;
  r.confidence = 0.9;
  r.at_ns = at_ns;
  r.interlock = Interlock::closed;
  return r;
}

ActuationGate gate(const ActuationPolicy& policy, const PlcConfig& plc = wired_plc(),
                   std::size_t assets = 2) {
  auto g = ActuationGate::create(policy, plc, assets);
  EXPECT_TRUE(g.has_value()) << g.error().message;
  return *std::move(g);
}

TEST(ActuationGate, AlarmWritesOneToTheStopRegister) {
  auto g = gate(live_policy());
  const ActuationRecord r = g.decide(alarm_at(0));
  EXPECT_TRUE(r.write());
  EXPECT_EQ(r.withheld, Withheld::no);
  EXPECT_EQ(r.command, ActuationCommand::stop);
  EXPECT_EQ(r.register_address, 21);
  EXPECT_EQ(r.value, 1);
  EXPECT_EQ(r.line, "pump-7: stop: write 1 to register 21 (alarm, confidence 0.90, interlock closed)");
}

TEST(ActuationGate, WarningWritesOneToTheReduceSpeedRegister) {
  auto g = gate(live_policy());
  ActuationRequest q = alarm_at(0);
  q.level = AlertLevel::warning;
  const ActuationRecord r = g.decide(q);
  EXPECT_TRUE(r.write());
  EXPECT_EQ(r.command, ActuationCommand::reduce_speed);
  EXPECT_EQ(r.register_address, 20);
  EXPECT_EQ(r.value, 1);
}

TEST(ActuationGate, NormalAndWatchAskForNothing) {
  ActuationPolicy p = live_policy();
  p.min_level = AlertLevel::normal;
  auto g = gate(p);
  for (AlertLevel level : {AlertLevel::normal, AlertLevel::watch}) {
    ActuationRequest q = alarm_at(0);
    q.level = level;
    const ActuationRecord r = g.decide(q);
    EXPECT_FALSE(r.write());
    EXPECT_EQ(r.withheld, Withheld::no_command);
    EXPECT_EQ(r.command, ActuationCommand::none);
    EXPECT_EQ(r.register_address, -1);
  }
  ActuationRequest q = alarm_at(0);
  q.level = AlertLevel::watch;
  EXPECT_EQ(g.decide(q).line, "pump-7: no actuation for level watch");
}

TEST(ActuationGate, DefaultMinLevelAlarmWithholdsAWarning) {
  ActuationPolicy p = live_policy();
  p.min_level = AlertLevel::alarm;  // the default
  auto g = gate(p);
  ActuationRequest q = alarm_at(0);
  q.level = AlertLevel::warning;
  const ActuationRecord r = g.decide(q);
  EXPECT_EQ(r.withheld, Withheld::below_level);
  EXPECT_EQ(r.command, ActuationCommand::reduce_speed);
  EXPECT_EQ(r.line, "pump-7: reduce speed withheld: below level (level warning < min_level alarm)");
  EXPECT_TRUE(g.decide(alarm_at(0)).write());
}

TEST(ActuationGate, ConfidenceBelowMinimumIsWithheldAndTheMinimumItselfPasses) {
  auto g = gate(live_policy());
  ActuationRequest q = alarm_at(0);
  q.confidence = 0.79;
  const ActuationRecord r = g.decide(q);
  EXPECT_EQ(r.withheld, Withheld::below_confidence);
  EXPECT_EQ(r.line, "pump-7: stop withheld: below confidence (confidence 0.79 < min_confidence 0.80)");
  q.confidence = 0.8;
  EXPECT_TRUE(g.decide(q).write());
}

TEST(ActuationGate, NanConfidenceIsWithheld) {
  auto g = gate(live_policy());
  ActuationRequest q = alarm_at(0);
  q.confidence = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(g.decide(q).withheld, Withheld::below_confidence);
}

TEST(ActuationGate, UnwiredRegisterOrDisabledPlcIsWithheld) {
  PlcConfig plc = wired_plc();
  plc.stop_register = -1;
  auto g = gate(live_policy(), plc);
  ActuationRecord r = g.decide(alarm_at(0));
  EXPECT_EQ(r.withheld, Withheld::no_register);
  EXPECT_EQ(r.register_address, -1);
  EXPECT_EQ(r.line, "pump-7: stop withheld: no register ([plc] stop_register = -1)");
  ActuationRequest q = alarm_at(0);
  q.level = AlertLevel::warning;
  EXPECT_TRUE(g.decide(q).write());  // the reduce-speed register is still wired

  plc = wired_plc();
  plc.enabled = false;
  auto off = gate(live_policy(), plc);
  r = off.decide(alarm_at(0));
  EXPECT_EQ(r.withheld, Withheld::no_register);
  EXPECT_EQ(r.line, "pump-7: stop withheld: no register ([plc] is not enabled)");
}

TEST(ActuationGate, OnlyAClosedInterlockPermits) {
  auto g = gate(live_policy());
  const struct {
    Interlock interlock;
    Withheld withheld;
    const char* line;
  } cases[] = {
      {Interlock::open, Withheld::interlock_open,
       "pump-7: stop withheld: interlock open (register 12 does not read 1)"},
      {Interlock::unreadable, Withheld::interlock_unreadable,
       "pump-7: stop withheld: interlock unreadable (register 12 could not be read)"},
      {Interlock::not_wired, Withheld::interlock_not_wired,
       "pump-7: stop withheld: interlock not wired ([plc] interlock_register = -1)"},
  };
  for (const auto& c : cases) {
    ActuationRequest q = alarm_at(0);
    q.interlock = c.interlock;
    const ActuationRecord r = g.decide(q);
    EXPECT_FALSE(r.write());
    EXPECT_EQ(r.withheld, c.withheld);
    EXPECT_EQ(r.register_address, 21);  // what would have been written
    EXPECT_EQ(r.line, c.line);
  }
  // None of the withheld requests used the hour's one actuation.
  EXPECT_TRUE(g.decide(alarm_at(0)).write());
}

TEST(ActuationGate, TheFirstFailingGateInOrderIsNamed) {
  ActuationPolicy p = live_policy();
  p.min_level = AlertLevel::alarm;
  PlcConfig plc = wired_plc();
  plc.reduce_speed_register = -1;
  auto g = gate(p, plc);
  ActuationRequest q = alarm_at(0);
  q.level = AlertLevel::warning;
  q.confidence = 0.1;
  q.interlock = Interlock::open;
  EXPECT_EQ(g.decide(q).withheld, Withheld::below_level);
  q.level = AlertLevel::alarm;
  EXPECT_EQ(g.decide(q).withheld, Withheld::below_confidence);
  q.confidence = 0.95;
  plc.stop_register = -1;
  auto g2 = gate(p, plc);
  EXPECT_EQ(g2.decide(q).withheld, Withheld::no_register);
  EXPECT_EQ(g.decide(q).withheld, Withheld::interlock_open);
  q.interlock = Interlock::closed;
  EXPECT_TRUE(g.decide(q).write());
  EXPECT_EQ(g.decide(q).withheld, Withheld::rate_limit);
}

// max_per_hour 1: one actuation in any sliding hour. Written at t = 0; at 59 min 59 s still within the
// hour; at exactly 1 h the first has left the window; the next then waits until 2 h.
TEST(ActuationGate, OnePerHourSlidingWindow) {
  auto g = gate(live_policy());
  EXPECT_TRUE(g.decide(alarm_at(0)).write());
  const ActuationRecord r = g.decide(alarm_at(10 * k_s));
  EXPECT_EQ(r.withheld, Withheld::rate_limit);
  EXPECT_EQ(r.line, "pump-7: stop withheld: rate limit (1 in the last 1 h, max_per_hour 1)");
  EXPECT_EQ(g.decide(alarm_at(k_h - k_s)).withheld, Withheld::rate_limit);
  EXPECT_TRUE(g.decide(alarm_at(k_h)).write());
  EXPECT_EQ(g.decide(alarm_at(k_h + 30 * 60 * k_s)).withheld, Withheld::rate_limit);
  EXPECT_TRUE(g.decide(alarm_at(2 * k_h)).write());
}

// max_per_hour 3: three in any hour. Writes at 0, 10 min, 20 min; a fourth at 30 min is refused; at 60 min
// the one of 0 min has left (10 and 20 remain): written; at 65 min three (10, 20, 60) are in the window.
TEST(ActuationGate, ThreePerHourSlidingWindow) {
  ActuationPolicy p = live_policy();
  p.max_per_hour = 3;
  auto g = gate(p);
  constexpr std::int64_t k_min = 60 * k_s;
  EXPECT_TRUE(g.decide(alarm_at(0)).write());
  EXPECT_TRUE(g.decide(alarm_at(10 * k_min)).write());
  EXPECT_TRUE(g.decide(alarm_at(20 * k_min)).write());
  EXPECT_EQ(g.decide(alarm_at(30 * k_min)).withheld, Withheld::rate_limit);
  EXPECT_TRUE(g.decide(alarm_at(60 * k_min)).write());
  EXPECT_EQ(g.decide(alarm_at(65 * k_min)).withheld, Withheld::rate_limit);
  EXPECT_EQ(g.decide(alarm_at(69 * k_min)).withheld, Withheld::rate_limit);
  EXPECT_TRUE(g.decide(alarm_at(70 * k_min)).write());  // 10 min has left: 20, 60 remain
}

// max_per_hour 0.5: N = 1 in a window of 1 / 0.5 = 2 h.
TEST(ActuationGate, FractionalRateWidensTheWindow) {
  ActuationPolicy p = live_policy();
  p.max_per_hour = 0.5;
  auto g = gate(p);
  EXPECT_TRUE(g.decide(alarm_at(0)).write());
  const ActuationRecord r = g.decide(alarm_at(k_h + 59 * 60 * k_s));
  EXPECT_EQ(r.withheld, Withheld::rate_limit);
  EXPECT_EQ(r.line, "pump-7: stop withheld: rate limit (1 in the last 2 h, max_per_hour 0.5)");
  EXPECT_TRUE(g.decide(alarm_at(2 * k_h)).write());
}

TEST(ActuationGate, ZeroPerHourNeverActuates) {
  ActuationPolicy p = live_policy();
  p.max_per_hour = 0;
  auto g = gate(p);
  const ActuationRecord r = g.decide(alarm_at(0));
  EXPECT_EQ(r.withheld, Withheld::rate_limit);
  EXPECT_EQ(r.line, "pump-7: stop withheld: rate limit (max_per_hour 0)");
}

TEST(ActuationGate, RateIsCountedPerAsset) {
  auto g = gate(live_policy());
  EXPECT_TRUE(g.decide(alarm_at(0, 0)).write());
  EXPECT_TRUE(g.decide(alarm_at(0, 1)).write());
  EXPECT_EQ(g.decide(alarm_at(k_s, 0)).withheld, Withheld::rate_limit);
  EXPECT_EQ(g.decide(alarm_at(k_s, 1)).withheld, Withheld::rate_limit);
}

TEST(ActuationGate, DryRunIsTheDefaultDecidesEverythingAndWritesNothing) {
  ActuationPolicy p;  // defaults: dry run, min_level alarm, 0.8, 1 per hour
  ASSERT_TRUE(p.dry_run);
  auto g = gate(p);
  const ActuationRecord r = g.decide(alarm_at(0));
  EXPECT_FALSE(r.write());
  EXPECT_EQ(r.withheld, Withheld::dry_run);
  EXPECT_EQ(r.register_address, 21);
  EXPECT_EQ(r.value, 1);
  EXPECT_EQ(r.line, "pump-7: stop withheld: dry run (would write 1 to register 21; alarm, confidence 0.90)");
  // The dry-run actuation counts: the live policy would have been rate-limited too.
  EXPECT_EQ(g.decide(alarm_at(k_s)).withheld, Withheld::rate_limit);
  // The other gates still speak first.
  ActuationRequest q = alarm_at(k_h);
  q.interlock = Interlock::open;
  EXPECT_EQ(g.decide(q).withheld, Withheld::interlock_open);
}

TEST(ActuationGate, PolicyOutsideItsDomainIsRefused) {
  ActuationPolicy p;
  p.min_confidence = 1.5;
  auto g = ActuationGate::create(p, wired_plc(), 1);
  ASSERT_FALSE(g.has_value());
  EXPECT_EQ(g.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(g.error().message.find("min_confidence"), std::string::npos);
  p = {};
  p.max_per_hour = -1;
  g = ActuationGate::create(p, wired_plc(), 1);
  ASSERT_FALSE(g.has_value());
  EXPECT_NE(g.error().message.find("max_per_hour"), std::string::npos);
}

TEST(ActuationNames, AreReadable) {
  EXPECT_EQ(to_string(Interlock::not_wired), "not wired");
  EXPECT_EQ(to_string(ActuationCommand::reduce_speed), "reduce speed");
  EXPECT_EQ(to_string(Withheld::no), "written");
  EXPECT_EQ(to_string(Withheld::rate_limit), "rate limit");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
