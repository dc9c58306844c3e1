// The edge's metric values (docs/formats/sparkplug.md) mapped to conditions, the built-in definitions and
// their overrides.
#include "hub/alarms/definitions.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace vigil::hub::alarms {
namespace VIGIL_TEST_FILE {

constexpr std::string_view k_edge = "edge:plant/edge-1";

std::vector<std::string> active_keys(const std::vector<Condition>& conditions) {
  std::vector<std::string> out;
  for (const Condition& c : conditions) out.push_back(fmt::format("{}={}", c.definition, c.active ? 1 : 0));
  return out;
}

TEST(Definitions, AlertLevelRaisesWarningAndAlarm) {
  const auto level = [](std::string_view v) {
    return active_keys(conditions_from_metric(7, "Alert/Level", v, 5000, k_edge).value());
  };
  EXPECT_EQ(level("normal"), (std::vector<std::string>{"bearing_warning=0", "bearing_alarm=0"}));
  EXPECT_EQ(level("watch"), (std::vector<std::string>{"bearing_warning=0", "bearing_alarm=0"}));
  EXPECT_EQ(level("warning"), (std::vector<std::string>{"bearing_warning=1", "bearing_alarm=0"}));
  EXPECT_EQ(level("alarm"), (std::vector<std::string>{"bearing_warning=1", "bearing_alarm=1"}));
  const auto c = conditions_from_metric(7, "Alert/Level", "alarm", 5000, k_edge).value()[1];
  EXPECT_EQ(c, (Condition{7, "", "bearing_alarm", true, 5000, std::string(k_edge), "Alert/Level = alarm"}));
}

TEST(Definitions, IsoZoneAndNe107) {
  EXPECT_EQ(active_keys(conditions_from_metric(7, "Vibration/ISO zone", "D", 1, k_edge).value()),
            (std::vector<std::string>{"vibration_zone_d=1"}));
  EXPECT_EQ(active_keys(conditions_from_metric(7, "Vibration/ISO zone", "C", 1, k_edge).value()),
            (std::vector<std::string>{"vibration_zone_d=0"}));
  EXPECT_EQ(active_keys(conditions_from_metric(7, "Health/NE107", "Failure", 1, k_edge).value()),
            (std::vector<std::string>{"monitoring_failure=1"}));
  EXPECT_EQ(active_keys(conditions_from_metric(7, "Health/NE107", "Maintenance required", 1, k_edge).value()),
            (std::vector<std::string>{"monitoring_failure=0"}));
  // Metrics that raise no alarm of their own.
  for (const char* metric : {"Fault/Class", "Fault/Confidence", "Decision/Reason", "Decision/Action"})
    EXPECT_TRUE(conditions_from_metric(7, metric, "anything", 1, k_edge)->empty()) << metric;
}

TEST(Definitions, AValueOutsideTheDocumentedSetIsAParseError) {
  for (auto [metric, value] :
       std::vector<std::pair<std::string_view, std::string_view>>{{"Alert/Level", "ALARM"},
                                                                  {"Alert/Level", ""},
                                                                  {"Vibration/ISO zone", "E"},
                                                                  {"Health/NE107", "ok"}}) {
    const auto r = conditions_from_metric(7, metric, value, 1, k_edge);
    ASSERT_FALSE(r) << metric << " " << value;
    EXPECT_EQ(r.error().code, ErrorCode::parse);
    EXPECT_NE(r.error().message.find(metric), std::string::npos) << r.error().message;
  }
  // A long hostile value is quoted cut short, not echoed whole.
  const auto r = conditions_from_metric(7, "Alert/Level", std::string(10'000, 'x'), 1, k_edge);
  ASSERT_FALSE(r);
  EXPECT_LT(r.error().message.size(), 200u);
}

TEST(Definitions, DefaultsCarryTheirRationalisation) {
  const auto defaults = default_definitions();
  std::vector<std::string> keys;
  for (const AlarmDefinition& d : defaults) {
    EXPECT_TRUE(check_definition(d)) << d.key;
    EXPECT_FALSE(d.cause.empty() || d.consequence.empty() || d.corrective_action.empty()) << d.key;
    keys.push_back(d.key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"bearing_warning", "bearing_alarm", "vibration_zone_d",
                                            "monitoring_failure", "asset_stale", "node_offline"}));
}

TEST(Definitions, OverridesReplaceByKeyOrAdd) {
  const std::vector<AlarmDefinition> overrides = {
      {"bearing_warning", "c", "q", "a", 1000, Priority::medium, true, false, 0},
      {"oil_temperature", "c", "q", "a", 1000, Priority::high, false, false, 0},
  };
  const auto merged = with_overrides(overrides).value();
  ASSERT_EQ(merged.size(), default_definitions().size() + 1);
  EXPECT_EQ(merged[0].priority, Priority::medium);
  EXPECT_TRUE(merged[0].latching);
  EXPECT_EQ(merged.back().key, "oil_temperature");

  const std::vector<AlarmDefinition> twice = {overrides[0], overrides[0]};
  EXPECT_NE(with_overrides(twice).error().message.find("defined twice"), std::string::npos);
  AlarmDefinition bad = overrides[0];
  bad.time_to_respond_ms = 0;
  EXPECT_NE(with_overrides(std::span(&bad, 1)).error().message.find("time to respond"), std::string::npos);
  bad = overrides[0];
  bad.key = "";
  EXPECT_FALSE(with_overrides(std::span(&bad, 1)));
  bad = overrides[0];
  bad.cause = std::string(2000, 'c');
  EXPECT_NE(with_overrides(std::span(&bad, 1)).error().message.find("cause"), std::string::npos);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::alarms
