// edge.toml: the shipped example reads clean, values land where they should, and every kind of mistake is
// reported with its key, its line and why — all of them at once.
#include "edge/config.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

const std::filesystem::path k_dir = "/etc/vigil-edge/edge.toml";

std::string minimal(std::string_view extra = "") {
  return std::string(R"(
[node]
group = "plant1"
id = "line3"

[[asset]]
id = "pump7"
bearing = "6205-2RS"
speed_rpm = 1797

[[channel]]
asset = "pump7"
sensor_node = "sensor-a"
sample_rate_hz = 12000

[storage]
dir = "state"
)") + std::string(extra);
}

// The problem on `key`, or nullptr.
const ConfigProblem* problem_on(const ConfigCheck& c, std::string_view key) {
  for (const auto& p : c.problems) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

TEST(EdgeConfig, ShippedExampleIsValid) {
  const std::filesystem::path example = std::filesystem::path(VIGIL_SOURCE_DIR) / "deploy" / "edge.toml";
  ConfigCheck c = check_config_file(example);
  ASSERT_TRUE(c.config.has_value()) << format_problems(example, c.problems);
  const EdgeConfig& e = *c.config;
  EXPECT_EQ(e.node.group, "plant1");
  ASSERT_EQ(e.assets.size(), 2u);
  EXPECT_EQ(e.assets[0].bearing.name, "6205-2RS");
  EXPECT_EQ(e.assets[0].bearing.ball_count, 9);  // SKF 6205: 9 balls
  EXPECT_EQ(e.assets[0].speed_source, SpeedSource::plc);
  EXPECT_EQ(e.assets[1].bearing.name, "fan bearing");
  EXPECT_DOUBLE_EQ(e.assets[1].bearing.pitch_diameter_mm, 39.04);
  EXPECT_DOUBLE_EQ(e.assets[1].max_speed_rpm, 1.2 * 1480);
  ASSERT_EQ(e.channels.size(), 2u);
  EXPECT_EQ(e.channels[1].source, SourceKind::simulator);
  EXPECT_DOUBLE_EQ(e.channels[0].sample_rate_hz, 25600);
  EXPECT_TRUE(e.uplink.enabled);
  EXPECT_EQ(e.uplink.primary_host, "vigil-hub");
  EXPECT_TRUE(e.policy.actuation.dry_run);
  EXPECT_EQ(e.policy.actuation.min_level, AlertLevel::alarm);
  EXPECT_EQ(e.plc.speed_register, 100);
  EXPECT_TRUE(e.modbus.enabled);
  EXPECT_EQ(e.metrics.port, 9464);
}

TEST(EdgeConfig, DefaultsAndRelativePaths) {
  ConfigCheck c = check_config_text(minimal(), k_dir);
  ASSERT_TRUE(c.config.has_value()) << format_problems(k_dir, c.problems);
  const EdgeConfig& e = *c.config;
  EXPECT_EQ(e.storage.dir, std::filesystem::path("/etc/vigil-edge/state"));
  EXPECT_DOUBLE_EQ(e.storage.queue_budget_mb, 256);
  EXPECT_FALSE(e.uplink.enabled);  // no [uplink]: decide and log locally only
  EXPECT_FALSE(e.plc.enabled);
  EXPECT_FALSE(e.modbus.enabled);
  EXPECT_EQ(e.channels[0].window_s, 1.0);
  EXPECT_EQ(e.channels[0].overlap, 0.5);
  EXPECT_EQ(e.policy.debounce.raise_n, 3u);
  EXPECT_EQ(e.assets[0].location, "pump7");
  EXPECT_EQ(e.assets[0].machine_class, diag::MachineClass::class_I);
}

TEST(EdgeConfig, EveryProblemAtOnceWithKeyAndLine) {
  const std::string text = R"([node]
group = "plant/1"
id = "line3"
colour = "blue"

[[asset]]
id = "pump7"
bearing = "6205X"
machine_class = "class_IX"
speed_rpm = -5
criticality = 9

[[asset]]
id = "pump7"
bearing = "6205-2RS"
speed_rpm = 1500
speed_source = "plc"

[[channel]]
asset = "pump8"
sensor_node = "sensor-a"
sample_rate_hz = "fast"
overlap = 0.95

[storage]
dir = "state"
queue_budget_mb = 0

[policy.actuation]
min_level = "critical"

[sensors]
silence_s = 0.5
)";
  ConfigCheck c = check_config_text(text, k_dir);
  EXPECT_FALSE(c.config.has_value());
  struct Expect {
    std::string key;
    int line;
    std::string says;
  };
  const Expect expected[] = {
      {"node.group", 2, "Sparkplug id"},
      {"node.colour", 4, "unknown key"},
      {"asset[0].bearing", 8, "6205X"},
      {"asset[0].machine_class", 9, "class_IX"},
      {"asset[0].speed_rpm", 10, "out of range"},
      {"asset[0].criticality", 11, "out of range"},
      {"asset[1].id", 13, "used twice"},
      {"asset[1].speed_source", 13, "[plc]"},
      {"channel[0].sample_rate_hz", 22, "expected a number"},
      {"channel[0].overlap", 23, "out of range"},
      {"channel[0].asset", 19, "'pump8' is not an [[asset]] id"},
      {"storage.queue_budget_mb", 27, "out of range"},
      {"policy.actuation.min_level", 30, "critical"},
      {"sensors.silence_s", 33, "out of range"},
  };
  for (const auto& e : expected) {
    const ConfigProblem* p = problem_on(c, e.key);
    ASSERT_NE(p, nullptr) << "no problem reported on " << e.key << "\n" << format_problems(k_dir, c.problems);
    EXPECT_EQ(p->line, e.line) << e.key;
    EXPECT_NE(p->why.find(e.says), std::string::npos) << e.key << ": " << p->why;
  }
  // Both assets named pump7 are measured by no channel (the channel names pump8).
  EXPECT_NE(problem_on(c, "asset[0]"), nullptr);
  const std::string listed = format_problems(k_dir, c.problems);
  EXPECT_NE(listed.find("/etc/vigil-edge/edge.toml:8: asset[0].bearing: "), std::string::npos) << listed;
}

TEST(EdgeConfig, MissingRequiredTablesAndKeys) {
  ConfigCheck c = check_config_text("", k_dir);
  EXPECT_FALSE(c.config.has_value());
  EXPECT_NE(problem_on(c, "node.group"), nullptr);
  EXPECT_NE(problem_on(c, "node.id"), nullptr);
  EXPECT_NE(problem_on(c, "asset"), nullptr);
  EXPECT_NE(problem_on(c, "storage.dir"), nullptr);
}

TEST(EdgeConfig, GeometryInsteadOfADesignation) {
  ConfigCheck c = check_config_text(minimal(R"(
[[asset]]
id = "fan2"
speed_rpm = 1480
[asset.geometry]
ball_count = 9
ball_diameter_mm = 40
pitch_diameter_mm = 39

[[channel]]
asset = "fan2"
source = "simulator"
sample_rate_hz = 20000
)"),
                                    k_dir);
  const ConfigProblem* p = problem_on(c, "asset[1].geometry.ball_diameter_mm");
  ASSERT_NE(p, nullptr) << format_problems(k_dir, c.problems);
  EXPECT_NE(p->why.find("smaller than pitch_diameter_mm"), std::string::npos);
  c = check_config_text(minimal(R"(
[[asset]]
id = "fan2"
speed_rpm = 1480
[[channel]]
asset = "fan2"
source = "simulator"
sample_rate_hz = 20000
)"),
                        k_dir);
  ASSERT_NE(problem_on(c, "asset[1].bearing"), nullptr);
}

TEST(EdgeConfig, TlsFilesComeTogetherAndBundlesMustExist) {
  ConfigCheck c = check_config_text(minimal(R"(
[uplink]
host = "127.0.0.1"
ca_file = "ca.pem"
)"),
                                    k_dir);
  ASSERT_NE(problem_on(c, "uplink.cert_file"), nullptr) << format_problems(k_dir, c.problems);
  std::string with_bundle = minimal();
  with_bundle.replace(with_bundle.find("speed_rpm = 1797"), 16,
                      "speed_rpm = 1797\nclassifier_bundle = \"models/none.vigil\"");
  c = check_config_text(with_bundle, k_dir);
  const ConfigProblem* p = problem_on(c, "asset[0].classifier_bundle");
  ASSERT_NE(p, nullptr) << format_problems(k_dir, c.problems);
  EXPECT_NE(p->why.find("/etc/vigil-edge/models/none.vigil"), std::string::npos) << p->why;
}

TEST(EdgeConfig, SyntaxErrorsAndUnreadableFiles) {
  ConfigCheck c = check_config_text("[node\ngroup = 1", k_dir);
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0].line, 1);
  c = check_config_file("/nonexistent/edge.toml");
  ASSERT_EQ(c.problems.size(), 1u);
  auto r = load_config("/nonexistent/edge.toml");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/edge.toml: cannot open"), std::string::npos)
      << r.error().message;
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
