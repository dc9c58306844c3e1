// The alarm state model on both engines, transition by transition from the ISA-18.2 state diagram (normal →
// unacknowledged active → acknowledged active → normal; unacknowledged active → returned to normal
// unacknowledged → normal; re-activation of an unacknowledged RTN alarm; latching), shelving, out of
// service and suppression by design, work states, the audit log, persistence across a re-open, and the
// refusals that store nothing.
#include "hub/alarms/alarm_manager.hpp"

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::alarms {
namespace VIGIL_TEST_FILE {

using store::test::EngineTest;

constexpr std::string_view k_edge = "edge:plant/edge-1";
const AlarmFilter k_with_hidden{std::nullopt, true, false};
const AlarmFilter k_everything{std::nullopt, true, true};

Condition cond(std::int64_t asset, std::string_view key, bool active, std::int64_t ts_ms) {
  return {asset, "", std::string(key), active, ts_ms, std::string(k_edge), ""};
}

// A store with one asset, and the manager over them (default configuration unless a test restarts it).
class AlarmManagerTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(start());
  }

  // (Re)opens the store and the manager with `config`.
  bool start(AlarmConfig config = {}) {
    alarms_.reset();
    store_ = open();
    if (!store_) return false;
    asset_ = store_->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
    auto m = AlarmManager::open(*store_, std::move(config));
    EXPECT_TRUE(m) << m.error().message;
    if (m) alarms_.emplace(std::move(*m));
    return m.has_value();
  }

  std::unique_ptr<store::Store> store_;
  std::int64_t asset_ = 0;
  std::optional<AlarmManager> alarms_;
};

std::vector<std::string> whats(const std::vector<AlarmEvent>& events) {
  std::vector<std::string> out;
  for (const AlarmEvent& e : events) out.push_back(fmt::format("{}:{}", e.what, to_string(e.state)));
  return out;
}

// The one instance of a point while it is not back to normal (by listing everything).
std::int64_t only_id(AlarmManager& m) {
  auto page = m.list(k_everything, 0, 100).value();
  EXPECT_EQ(page.alarms.size(), 1u);
  return page.alarms.empty() ? 0 : page.alarms.back().id;
}

TEST_P(AlarmManagerTest, NonLatchingAcknowledgedWhileActiveThenClears) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 10'000)));
  const auto id = only_id(m);
  EXPECT_EQ(m.alarm(id)->state, AlarmState::unack_active);
  ASSERT_TRUE(m.acknowledge(id, "alice", "seen, inspection planned", 11'000));
  EXPECT_EQ(m.alarm(id)->state, AlarmState::ack_active);
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", false, 12'000)));
  const Alarm a = m.alarm(id).value();
  EXPECT_EQ(a.state, AlarmState::normal);
  EXPECT_FALSE(a.condition);
  EXPECT_EQ(whats(m.take_events()), (std::vector<std::string>{"activated:unack_active",
                                                              "acknowledged:ack_active", "cleared:normal"}));
  EXPECT_TRUE(m.list({}, 0, 100)->alarms.empty());  // back to normal: off the active list
}

TEST_P(AlarmManagerTest, ReturnToNormalUnacknowledgedThenAcknowledged) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 10'000)));
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", false, 12'000)));
  const auto id = only_id(m);
  EXPECT_EQ(m.alarm(id)->state, AlarmState::unack_rtn);
  EXPECT_EQ(m.list({}, 0, 100)->alarms.size(), 1u);  // still shown until acknowledged
  ASSERT_TRUE(m.acknowledge(id, "alice", "", 13'000));
  EXPECT_EQ(m.alarm(id)->state, AlarmState::normal);
  // The next activation is a new instance.
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 20'000)));
  const auto page = m.list({}, 0, 100).value();
  ASSERT_EQ(page.alarms.size(), 1u);
  EXPECT_NE(page.alarms[0].id, id);
  EXPECT_EQ(page.alarms[0].activations, 1);
}

TEST_P(AlarmManagerTest, ReactivationOfAnUnacknowledgedRtnAlarmIsTheSameInstance) {
  AlarmManager& m = *alarms_;
  for (std::int64_t t : {10'000, 20'000, 30'000}) {
    ASSERT_TRUE(m.on_condition(cond(asset_, "vibration_zone_d", true, t)));
    ASSERT_TRUE(m.on_condition(cond(asset_, "monitoring_failure", true, t)));
    ASSERT_TRUE(m.on_condition(cond(asset_, "monitoring_failure", false, t + 5000)));
  }
  // A repeated active report changes nothing: one instance per point.
  const auto page = m.list({}, 0, 100).value();
  ASSERT_EQ(page.alarms.size(), 2u);
  const Alarm& failure =
      page.alarms[0].point.definition == "monitoring_failure" ? page.alarms[0] : page.alarms[1];
  EXPECT_EQ(failure.activations, 3);
  EXPECT_EQ(failure.activated_ms, 30'000);
  EXPECT_EQ(failure.opened_ms, 10'000);
  EXPECT_EQ(failure.state, AlarmState::unack_rtn);
  EXPECT_EQ(store_->registry().asset(asset_)->id, asset_);
  EXPECT_EQ(raw_count("alarm_instances"), 2);
  // vibration_zone_d: 1 activation; monitoring_failure: 3 activations and 3 clears.
  EXPECT_EQ(raw_count("alarm_history"), 7);
}

TEST_P(AlarmManagerTest, LatchedAlarmStaysUntilAcknowledgedAndReset) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_alarm", true, 10'000)));  // latching by default
  const auto id = only_id(m);
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_alarm", false, 11'000)));
  EXPECT_EQ(m.alarm(id)->state, AlarmState::latched_unack);
  const auto early = m.reset(id, "alice", 12'000);
  ASSERT_FALSE(early);
  EXPECT_NE(early.error().message.find("acknowledge it before resetting"), std::string::npos);
  ASSERT_TRUE(m.acknowledge(id, "alice", "", 13'000));
  EXPECT_EQ(m.alarm(id)->state, AlarmState::latched_ack);
  EXPECT_EQ(m.list({}, 0, 100)->alarms.size(), 1u);  // still shown
  // The condition returns before the reset: annunciated again.
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_alarm", true, 14'000)));
  EXPECT_EQ(m.alarm(id)->state, AlarmState::unack_active);
  ASSERT_TRUE(m.acknowledge(id, "alice", "", 15'000));
  const auto active_reset = m.reset(id, "alice", 15'500);  // ack active: nothing to reset
  ASSERT_FALSE(active_reset);
  EXPECT_EQ(active_reset.error().code, ErrorCode::invalid_argument);
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_alarm", false, 16'000)));
  EXPECT_EQ(m.alarm(id)->state, AlarmState::latched_ack);
  ASSERT_TRUE(m.reset(id, "alice", 17'000));
  EXPECT_EQ(m.alarm(id)->state, AlarmState::normal);
  EXPECT_EQ(whats(m.take_events()),
            (std::vector<std::string>{"activated:unack_active", "cleared:latched_unack",
                                      "acknowledged:latched_ack", "activated:unack_active",
                                      "acknowledged:ack_active", "cleared:latched_ack", "reset:normal"}));
}

TEST_P(AlarmManagerTest, LatchingIsChosenPerDefinition) {
  AlarmConfig config;
  config.definitions =
      with_overrides(std::vector<AlarmDefinition>{
                         {"bearing_alarm", "c", "q", "a", 60'000, Priority::high, false, false, 0},
                         {"bearing_warning", "c", "q", "a", 60'000, Priority::low, true, false, 0},
                     })
          .value();
  ASSERT_TRUE(start(config));
  AlarmManager& m = *alarms_;
  for (const char* key : {"bearing_alarm", "bearing_warning"}) {
    ASSERT_TRUE(m.on_condition(cond(asset_, key, true, 10'000)));
    ASSERT_TRUE(m.on_condition(cond(asset_, key, false, 11'000)));
  }
  auto page = m.list({}, 0, 100).value();
  ASSERT_EQ(page.alarms.size(), 2u);
  EXPECT_EQ(page.alarms[0].state, AlarmState::unack_rtn);      // bearing_alarm, no longer latching
  EXPECT_EQ(page.alarms[1].state, AlarmState::latched_unack);  // bearing_warning, now latching
}

TEST_P(AlarmManagerTest, AcknowledgingTwiceIsAClearErrorAndStoresNothing) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "vibration_zone_d", true, 10'000)));
  const auto id = only_id(m);
  ASSERT_TRUE(m.acknowledge(id, "alice", "", 11'000));
  const auto history = raw_count("alarm_history"), audit = raw_count("audit");
  m.take_events();
  const auto again = m.acknowledge(id, "bob", "", 12'000);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(again.error().message.find("already acknowledged"), std::string::npos) << again.error().message;
  EXPECT_EQ(raw_count("alarm_history"), history);
  EXPECT_EQ(raw_count("audit"), audit);
  EXPECT_TRUE(m.take_events().empty());
  // Back to normal: nothing to acknowledge either.
  ASSERT_TRUE(m.on_condition(cond(asset_, "vibration_zone_d", false, 13'000)));
  ASSERT_TRUE(m.reset(id, "alice", 14'000));
  EXPECT_EQ(m.acknowledge(id, "alice", "", 15'000).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(m.reset(id, "alice", 15'000).error().code, ErrorCode::invalid_argument);
}

TEST_P(AlarmManagerTest, RefusalsNameTheProblemAndStoreNothing) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 10'000)));
  const auto id = only_id(m);
  const auto history = raw_count("alarm_history"), audit = raw_count("audit");

  const auto unknown = m.acknowledge(id + 1000, "alice", "", 11'000);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  EXPECT_EQ(m.comment(id + 1000, "alice", "x", 11'000).error().code, ErrorCode::not_found);
  EXPECT_EQ(m.alarm(id + 1000).error().code, ErrorCode::not_found);
  EXPECT_EQ(m.history(id + 1000, 0, 10).error().code, ErrorCode::not_found);

  const std::string long_comment(k_max_comment_bytes + 1, 'x');
  const auto too_long = m.comment(id, "alice", long_comment, 11'000);
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().message.find("comment: 4097 bytes"), std::string::npos)
      << too_long.error().message;
  EXPECT_FALSE(m.acknowledge(id, "alice", long_comment, 11'000));
  EXPECT_FALSE(m.comment(id, "alice", "", 11'000));                // empty
  EXPECT_FALSE(m.comment(id, "alice", "bad \xff utf-8", 11'000));  // not UTF-8
  EXPECT_FALSE(m.acknowledge(id, "", "", 11'000));                 // no user
  EXPECT_FALSE(m.resolve(id, "alice", "", 11'000));                // no found fault
  EXPECT_FALSE(m.assign(id, "alice", "", 11'000));
  EXPECT_FALSE(m.shelve(id, "alice", std::nullopt, "", 11'000));  // no reason

  const auto no_definition = m.on_condition(cond(asset_, "no_such_alarm", true, 11'000));
  ASSERT_FALSE(no_definition);
  EXPECT_EQ(no_definition.error().code, ErrorCode::not_found);
  EXPECT_FALSE(m.on_condition({0, "", "node_offline", true, 11'000, "hub", ""}));  // neither asset nor node
  EXPECT_FALSE(m.on_condition({asset_, "plant/edge-1", "node_offline", true, 11'000, "hub", ""}));  // both
  EXPECT_FALSE(m.on_condition({asset_, "", "bearing_warning", true, 11'000, "", ""}));  // no actor

  EXPECT_EQ(raw_count("alarm_history"), history);
  EXPECT_EQ(raw_count("audit"), audit);
  EXPECT_EQ(raw_count("alarm_instances"), 1);
  EXPECT_EQ(m.alarm(id)->state, AlarmState::unack_active);
}

TEST_P(AlarmManagerTest, ALateConditionDoesNotChangeTheState) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 10'000)));
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", false, 9'000)));  // older: store-and-forward
  EXPECT_EQ(m.alarm(only_id(m))->state, AlarmState::unack_active);
}

TEST_P(AlarmManagerTest, TimedShelveHidesUntilItExpiresAndIsLimited) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 10'000)));
  const auto id = only_id(m);
  // Above the configured maximum (8 h): refused.
  const auto too_long = m.shelve(id, "alice", 8 * 3'600'000 + 1, "sensor being replaced", 11'000);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, ErrorCode::out_of_range);
  EXPECT_EQ(raw_count("alarm_shelves"), 0);
  ASSERT_TRUE(m.shelve(id, "alice", 60'000, "sensor being replaced", 11'000));
  EXPECT_TRUE(m.list({}, 0, 100)->alarms.empty());
  EXPECT_EQ(m.list(k_with_hidden, 0, 100)->alarms.size(), 1u);
  EXPECT_FALSE(m.shelve(id, "alice", 60'000, "again", 12'000));  // already shelved
  // Still evaluated and recorded while shelved.
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", false, 20'000)));
  EXPECT_EQ(m.alarm(id)->state, AlarmState::unack_rtn);
  EXPECT_TRUE(m.alarm(id)->shelved);
  ASSERT_TRUE(m.tick(70'999));
  EXPECT_TRUE(m.alarm(id)->shelved);
  ASSERT_TRUE(m.tick(71'000));
  EXPECT_FALSE(m.alarm(id)->shelved);
  EXPECT_EQ(m.list({}, 0, 100)->alarms.size(), 1u);
  EXPECT_EQ(whats(m.take_events()),
            (std::vector<std::string>{"activated:unack_active", "shelved:unack_active", "cleared:unack_rtn",
                                      "unshelved:unack_rtn"}));
  EXPECT_EQ(raw_text("SELECT end_reason FROM alarm_shelves"), "expired");
}

TEST_P(AlarmManagerTest, ADefinitionsOwnShelveLimitWins) {
  AlarmConfig config;
  config.definitions =
      with_overrides(std::vector<AlarmDefinition>{
                         {"bearing_warning", "c", "q", "a", 60'000, Priority::low, false, false, 5'000},
                     })
          .value();
  ASSERT_TRUE(start(config));
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 10'000)));
  const auto id = only_id(m);
  EXPECT_EQ(m.shelve(id, "alice", 5'001, "r", 11'000).error().code, ErrorCode::out_of_range);
  EXPECT_EQ(m.shelve(id, "alice", 0, "r", 11'000).error().code, ErrorCode::out_of_range);
  EXPECT_TRUE(m.shelve(id, "alice", 5'000, "r", 11'000));
}

TEST_P(AlarmManagerTest, OneShotShelveEndsWhenTheConditionClears) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 10'000)));
  const auto id = only_id(m);
  ASSERT_TRUE(m.shelve(id, "alice", std::nullopt, "known, part on order", 11'000));
  EXPECT_EQ(m.alarm(id)->shelved_until_ms, 0);
  ASSERT_TRUE(m.tick(10'000'000'000));  // no expiry for a one-shot shelve
  EXPECT_TRUE(m.alarm(id)->shelved);
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", false, 12'000)));
  EXPECT_FALSE(m.alarm(id)->shelved);
  EXPECT_EQ(m.alarm(id)->state, AlarmState::unack_rtn);
  EXPECT_EQ(raw_text("SELECT end_reason FROM alarm_shelves"), "cleared");
  // A one-shot shelve of an alarm whose condition is already clear is refused.
  EXPECT_FALSE(m.shelve(id, "alice", std::nullopt, "r", 13'000));
  ASSERT_TRUE(m.unshelve(id, "alice", 13'000).error().code == ErrorCode::invalid_argument);
}

TEST_P(AlarmManagerTest, ShelvedActivationIsRecordedButNotAnnunciated) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "monitoring_failure", true, 10'000)));
  const auto id = only_id(m);
  ASSERT_TRUE(m.shelve(id, "alice", 600'000, "cable work", 11'000));
  ASSERT_TRUE(m.on_condition(cond(asset_, "monitoring_failure", false, 12'000)));
  ASSERT_TRUE(m.on_condition(cond(asset_, "monitoring_failure", true, 13'000)));
  EXPECT_EQ(raw_text("SELECT count(*) FROM alarm_history WHERE what = 'activated' AND annunciated = 1"), "1");
  EXPECT_EQ(raw_text("SELECT count(*) FROM alarm_history WHERE what = 'activated' AND annunciated = 0"), "1");
}

TEST_P(AlarmManagerTest, OutOfServiceHidesButRecordsAndOutlivesTheInstance) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 10'000)));
  const auto id = only_id(m);
  ASSERT_TRUE(m.set_out_of_service(id, "alice", true, "sensor removed for calibration", 11'000));
  EXPECT_FALSE(m.set_out_of_service(id, "alice", true, "again", 11'500));
  EXPECT_TRUE(m.list({}, 0, 100)->alarms.empty());
  ASSERT_TRUE(m.acknowledge(id, "alice", "", 12'000));
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", false, 13'000)));  // normal now
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 14'000)));   // a new instance ...
  auto all = m.list(k_with_hidden, 0, 100).value();
  ASSERT_EQ(all.alarms.size(), 1u);
  EXPECT_NE(all.alarms[0].id, id);
  EXPECT_TRUE(all.alarms[0].out_of_service);  // ... still out of service
  EXPECT_TRUE(m.list({}, 0, 100)->alarms.empty());
  ASSERT_TRUE(m.set_out_of_service(all.alarms[0].id, "alice", false, "calibrated", 15'000));
  EXPECT_EQ(m.list({}, 0, 100)->alarms.size(), 1u);
  EXPECT_EQ(raw_count("alarm_out_of_service"), 0);
}

TEST_P(AlarmManagerTest, SuppressedByDesignIsEvaluatedButNeverShownNorNotified) {
  AlarmConfig config;
  config.definitions =
      with_overrides(std::vector<AlarmDefinition>{
                         {"asset_stale", "c", "q", "a", 60'000, Priority::medium, false, true, 0},
                     })
          .value();
  config.webhooks.urls = {"http://127.0.0.1:9/alarms"};
  ASSERT_TRUE(start(config));
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition({asset_, "", "asset_stale", true, 10'000, "hub", "DDEATH"}));
  EXPECT_TRUE(m.list({}, 0, 100)->alarms.empty());
  const auto hidden = m.list(k_with_hidden, 0, 100).value();
  ASSERT_EQ(hidden.alarms.size(), 1u);
  EXPECT_TRUE(hidden.alarms[0].suppressed_by_design);
  EXPECT_EQ(raw_count("alarm_history"), 1);
  EXPECT_EQ(raw_count("alarm_outbox"), 0);
  const auto events = m.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].visible);
}

TEST_P(AlarmManagerTest, WorkStatesAndCommentsAreApartFromTheAlarmState) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 10'000)));
  const auto id = only_id(m);
  ASSERT_TRUE(m.assign(id, "alice", "bob", 11'000));
  EXPECT_EQ(m.alarm(id)->work, WorkState::assigned);
  EXPECT_EQ(m.alarm(id)->assignee, "bob");
  ASSERT_TRUE(m.comment(id, "bob", "outer race spalling visible on the endoscope", 12'000));
  ASSERT_TRUE(m.resolve(id, "bob", "outer race spall, bearing replaced", 13'000));
  EXPECT_FALSE(m.resolve(id, "bob", "again", 13'500));
  const Alarm a = m.alarm(id).value();
  EXPECT_EQ(a.work, WorkState::resolved);
  EXPECT_EQ(a.found_fault, "outer race spall, bearing replaced");
  EXPECT_EQ(a.state, AlarmState::unack_active);  // the alarm itself is untouched
  const auto history = m.history(id, 0, 100).value();
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[2].what, "commented");
  EXPECT_EQ(history[2].actor, "bob");
  EXPECT_EQ(history[2].detail, "outer race spalling visible on the endoscope");
}

TEST_P(AlarmManagerTest, EveryActionIsAuditedWithItsActor) {
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_alarm", true, 10'000)));
  const auto id = only_id(m);
  ASSERT_TRUE(m.acknowledge(id, "alice", "on it", 11'000));
  ASSERT_TRUE(m.shelve(id, "alice", 1000, "maintenance", 11'100));
  ASSERT_TRUE(m.unshelve(id, "carol", 11'200));
  ASSERT_TRUE(m.set_out_of_service(id, "alice", true, "r", 11'300));
  ASSERT_TRUE(m.assign(id, "alice", "bob", 11'400));
  ASSERT_TRUE(m.resolve(id, "bob", "cage", 11'500));
  ASSERT_TRUE(m.comment(id, "bob", "done", 11'600));
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_alarm", false, 12'000)));
  ASSERT_TRUE(m.reset(id, "alice", 13'000));
  const auto audit = store_->audit().list(0, 100).value();
  std::vector<std::string> got;
  for (const auto& e : audit) {
    EXPECT_EQ(e.target, fmt::format("alarm/{}", id));
    got.push_back(fmt::format("{} {} {}", e.ts_ms, e.actor, e.action));
  }
  EXPECT_EQ(
      got, (std::vector<std::string>{
               "10000 edge:plant/edge-1 alarm.activated", "11000 alice alarm.acknowledged",
               "11100 alice alarm.shelved", "11200 carol alarm.unshelved", "11300 alice alarm.out_of_service",
               "11400 alice alarm.assigned", "11500 bob alarm.resolved", "11600 bob alarm.commented",
               "12000 edge:plant/edge-1 alarm.cleared", "13000 alice alarm.reset"}));
  EXPECT_EQ(audit[1].detail, "on it");
}

TEST_P(AlarmManagerTest, StateIsLoadedBackAfterAReopen) {
  ASSERT_TRUE(alarms_->on_condition(cond(asset_, "bearing_alarm", true, 10'000)));
  const auto id = only_id(*alarms_);
  ASSERT_TRUE(alarms_->shelve(id, "alice", 60'000, "r", 11'000));
  ASSERT_TRUE(alarms_->assign(id, "alice", "bob", 11'000));
  ASSERT_TRUE(start());  // a new store and manager on the same database
  AlarmManager& m = *alarms_;
  const Alarm a = m.alarm(id).value();
  EXPECT_EQ(a.state, AlarmState::unack_active);
  EXPECT_TRUE(a.shelved);
  EXPECT_EQ(a.shelved_until_ms, 71'000);
  EXPECT_EQ(a.assignee, "bob");
  EXPECT_EQ(a.priority, Priority::high);
  // The same instance continues: a clear and a timed expiry after the restart.
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_alarm", false, 12'000)));
  EXPECT_EQ(m.alarm(id)->state, AlarmState::latched_unack);
  ASSERT_TRUE(m.tick(71'000));
  EXPECT_FALSE(m.alarm(id)->shelved);
  EXPECT_EQ(raw_count("alarm_instances"), 1);
}

TEST_P(AlarmManagerTest, NodeAlarmsAndGroupingByAsset) {
  AlarmManager& m = *alarms_;
  const auto other = store_->registry().register_asset("plant", "edge-1", "fan2", 1000).value();
  ASSERT_TRUE(m.on_condition(cond(asset_, "bearing_warning", true, 10'000)));
  ASSERT_TRUE(m.on_condition(cond(other, "vibration_zone_d", true, 10'000)));
  ASSERT_TRUE(m.on_condition(cond(asset_, "vibration_zone_d", true, 10'000)));
  ASSERT_TRUE(m.on_condition({0, "plant/edge-1", "node_offline", true, 11'000, "hub", "NDEATH"}));
  const auto groups = m.list_by_asset({}).value();
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].asset_id, 0);
  EXPECT_EQ(groups[0].node, "plant/edge-1");
  EXPECT_EQ(groups[1].asset_id, asset_);
  ASSERT_EQ(groups[1].alarms.size(), 2u);
  EXPECT_EQ(groups[1].alarms[0].point.definition, "bearing_warning");
  EXPECT_EQ(groups[2].asset_id, other);
  EXPECT_EQ(m.list(AlarmFilter{other, false, false}, 0, 100)->alarms.size(), 1u);
  // Pages: two at a time.
  const auto first = m.list({}, 0, 2).value();
  ASSERT_EQ(first.alarms.size(), 2u);
  const auto second = m.list({}, first.next_after_id, 2).value();
  ASSERT_EQ(second.alarms.size(), 2u);
  EXPECT_EQ(second.next_after_id, 0);
  EXPECT_GT(second.alarms[0].id, first.alarms[1].id);
}

TEST_P(AlarmManagerTest, PagesSkipHiddenAlarmsWithoutComingUpShort) {
  AlarmManager& m = *alarms_;
  std::vector<std::int64_t> assets;
  for (int i = 0; i < 6; ++i) {
    const auto a = store_->registry().register_asset("plant", "edge-1", fmt::format("m{}", i), 1000).value();
    ASSERT_TRUE(m.on_condition(cond(a, "bearing_warning", true, 10'000)));
  }
  const auto all = m.list({}, 0, 100).value();
  ASSERT_EQ(all.alarms.size(), 6u);
  for (int i : {0, 1, 2}) ASSERT_TRUE(m.shelve(all.alarms[i].id, "alice", 1000, "r", 11'000));
  const auto page = m.list({}, 0, 2).value();
  ASSERT_EQ(page.alarms.size(), 2u);
  EXPECT_EQ(page.alarms[0].id, all.alarms[3].id);
  EXPECT_EQ(page.alarms[1].id, all.alarms[4].id);
  const auto rest = m.list({}, page.next_after_id, 2).value();
  ASSERT_EQ(rest.alarms.size(), 1u);
  EXPECT_EQ(rest.next_after_id, 0);
}

TEST_P(AlarmManagerTest, ABadConfigIsRefused) {
  store::Store& store = *store_;
  AlarmConfig twice;
  twice.definitions.push_back(twice.definitions.front());
  EXPECT_NE(AlarmManager::open(store, twice).error().message.find("defined twice"), std::string::npos);
  AlarmConfig https;
  https.webhooks.urls = {"https://example.org/hook"};
  EXPECT_EQ(AlarmManager::open(store, https).error().code, ErrorCode::unsupported);
  AlarmConfig backoff;
  backoff.webhooks.max_backoff_ms = 10;
  EXPECT_FALSE(AlarmManager::open(store, backoff));
}

VIGIL_FOR_EACH_ENGINE(AlarmManagerTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::alarms
