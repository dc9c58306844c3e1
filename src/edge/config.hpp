// The edge agent's configuration (edge.toml, documented in docs/edge-config.md with deploy/edge.toml as the
// example): the node, its assets and their channels, model bundles, uplink, storage, decision policy, the
// PLC and the local Modbus server and metrics endpoints. Reading collects every problem at once, each naming
// the file, the key and why, so `vigil-edge --check-config` can list them all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/problem.hpp"
#include "core/error.hpp"
#include "diag/iso_severity.hpp"
#include "dsp/bearing.hpp"
#include "edge/alerting.hpp"
#include "edge/rules.hpp"

namespace vigil::edge {

struct NodeConfig {
  std::string group;        // Sparkplug group id
  std::string id;           // Sparkplug edge node id
  std::size_t workers = 0;  // analysis threads; 0 = one per core
};

// Where an asset's shaft speed comes from: a fixed nominal speed, or a PLC register (PlcConfig).
enum class SpeedSource : std::uint8_t { fixed, plc };

struct AssetConfig {
  std::string id;        // Sparkplug device id; unique in the node
  std::string location;  // what a planner calls the measured point: "pump 7 drive-end bearing"
  dsp::BearingGeometry bearing;
  diag::MachineClass machine_class = diag::MachineClass::class_I;
  int criticality = 3;  // 1 (low) .. 5 (safety-critical); weights the hub's work list
  SpeedSource speed_source = SpeedSource::fixed;
  double speed_rpm = 0;      // nominal speed (fixed), or the value used until the PLC answers
  double max_speed_rpm = 0;  // highest speed expected; sets the analysis reach (default 1.2 x speed_rpm)
  // Model bundles (absolute, or relative to the config file's folder); each optional.
  std::filesystem::path anomaly_bundle;
  std::filesystem::path classifier_bundle;
  std::filesystem::path rul_bundle;
  // Commissioning: running time to record before fitting the asset's own anomaly model (0 = never).
  double baseline_h = 2;
};

// Where a channel's samples come from.
enum class SourceKind : std::uint8_t {
  mqtt,       // raw frames from a sensor node (docs/formats/sensor-frame.md)
  simulator,  // the in-process simulator, for a node with no sensor yet
};

struct ChannelConfig {
  std::string asset;  // AssetConfig::id it measures
  SourceKind source = SourceKind::mqtt;
  std::string sensor_node;  // mqtt: the sensor node id in the frame topic
  std::string channel =
      "0";  // mqtt: the channel of that node (1-32 of [A-Za-z0-9_.-]; an integer is read as text)
  double sample_rate_hz = 0;
  double sensitivity = 1;  // multiplies the frame's physical value to get acceleration in g
  std::string mounting;    // e.g. "drive end, radial horizontal"
  double window_s = 1;
  double overlap = 0.5;  // fraction of a window shared with the next, [0, 0.9]
  // simulator: seeded degradation scenario (healthy, then onset, then growth to failure over life_h).
  std::uint64_t seed = 1;
  double onset_h = 0.5;
  double life_h = 2;
};

struct UplinkConfig {
  bool enabled = false;
  std::string host = "127.0.0.1";
  int port = 8883;
  std::filesystem::path ca_file, cert_file, key_file;  // mutual TLS when all three are set
  std::string primary_host;                            // Sparkplug primary host id to wait for ("" = none)
  double max_historical_per_s = 500;                   // backlog drain rate bound after a reconnect
  double telemetry_period_s = 60;                      // one telemetry record per asset per period
};

// The MQTT broker sensor nodes publish raw frames to (often a broker on the edge machine itself).
struct SensorBusConfig {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::filesystem::path ca_file, cert_file, key_file;  // TLS towards that broker when all three are set
  double silence_s = 10;  // an asset whose sensor channels sent nothing this long is reported dead (DDEATH)
};

struct StorageConfig {
  std::filesystem::path dir;  // queue, decision log, bdSeq, commissioned models
  double queue_budget_mb = 256;
  double log_retention_days = 400;
};

struct ActuationPolicy {
  bool dry_run = true;  // decide and log actuations, write nothing to the PLC
  AlertLevel min_level = AlertLevel::alarm;
  double min_confidence = 0.8;
  double max_per_hour = 1;
};

struct PolicyConfig {
  DebounceConfig debounce;
  RuleConfig rules;
  ActionPolicy actions;
  ActuationPolicy actuation;
};

struct PlcConfig {
  bool enabled = false;
  std::string host = "127.0.0.1";
  int port = 502;
  int unit_id = 1;
  double poll_s = 1;
  int speed_register = -1;        // holding register with the shaft speed, -1 = none
  double speed_scale = 1;         // rpm per count
  int temperature_register = -1;  // holding register with the bearing temperature, -1 = none
  double temperature_scale = 0.1;
  int interlock_register = -1;  // actuation only while this register reads 1; -1 = not wired: never actuate
  int reduce_speed_register = -1;
  int stop_register = -1;
};

struct ModbusServerConfig {
  bool enabled = false;
  std::string bind = "127.0.0.1";
  int port = 1502;
};

struct MetricsConfig {
  bool enabled = true;
  std::string bind = "127.0.0.1";
  int port = 9464;
};

struct EdgeConfig {
  std::filesystem::path file;  // where it was read from
  NodeConfig node;
  std::vector<AssetConfig> assets;
  std::vector<ChannelConfig> channels;
  SensorBusConfig sensors;
  UplinkConfig uplink;
  StorageConfig storage;
  PolicyConfig policy;
  PlcConfig plc;
  ModbusServerConfig modbus;
  MetricsConfig metrics;

  const AssetConfig* find_asset(std::string_view id) const;
};

// One problem with a configuration: "edge.toml:12: asset[1].bearing: unknown bearing '6205X' ..."
using ConfigProblem = config::Problem;
using config::format_problems;

struct ConfigCheck {
  std::optional<EdgeConfig> config;  // set when there are no problems
  std::vector<ConfigProblem> problems;
};

// Reads and checks a configuration. Relative bundle and storage paths are resolved against the file's
// folder. Every problem is collected: a missing or unknown key, a value of the wrong type or outside its
// range, a reference to an unknown asset, a bundle file that does not exist.
ConfigCheck check_config_text(std::string_view toml_text, const std::filesystem::path& file);
ConfigCheck check_config_file(const std::filesystem::path& file);

// check_config_file as a Result: the config, or invalid_argument with format_problems as the message.
Result<EdgeConfig> load_config(const std::filesystem::path& file);

}  // namespace vigil::edge
