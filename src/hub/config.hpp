// The hub's configuration (hub.toml, documented in docs/hub-config.md with deploy/hub.toml as the example):
// the Sparkplug host id, the broker, the session timers, the store and the API. Reading collects every
// problem at once, each naming the file, the line and the key, so `vigil-hub --check-config` lists them all.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/problem.hpp"
#include "core/error.hpp"
#include "hub/api/api_config.hpp"
#include "hub/store/store.hpp"

namespace vigil::hub {

struct HostConfig {
  std::string id = "vigil-hub";  // Sparkplug host id: spBv1.0/STATE/<id>
};

struct BrokerConfig {
  std::string host = "127.0.0.1";
  int port = 8883;
  std::string client_id;                               // default: the host id
  std::filesystem::path ca_file, cert_file, key_file;  // TLS with ca_file; mutual TLS with all three
  int keepalive_s = 30;
};

struct SparkplugConfig {
  double reorder_timeout_s = 2;    // a seq gap may stay open this long before the hub asks for a rebirth
  double rebirth_interval_s = 10;  // a node is asked for a rebirth at most once per interval
};

struct IngestConfig {
  std::size_t batch_messages = 2000;    // messages stored per transaction at most
  std::size_t queue_messages = 200000;  // received and not yet stored; beyond, the oldest wait in MQTT
};

// [api]: the server's own keys (docs/hub-api.md), whether it runs, and the dashboard it serves.
struct ApiSettings {
  bool enabled = true;
  api::ApiConfig server;
  std::filesystem::path web_dir;  // the built dashboard (web/dist) served at /; empty: none
};

struct AlarmSettings {
  std::vector<std::string> webhooks;  // http://host[:port]/path: a JSON POST per alarm state change
  double max_shelve_h = 8;            // the longest a person may shelve an alarm
  int webhook_max_attempts = 8;       // then the notification goes to the dead letters
};

struct HubConfig {
  std::filesystem::path file;
  HostConfig host;
  BrokerConfig broker;
  SparkplugConfig sparkplug;
  store::StoreOptions store;
  IngestConfig ingest;
  ApiSettings api;
  AlarmSettings alarms;
};

struct HubConfigCheck {
  std::optional<HubConfig> config;  // set when there are no problems
  std::vector<config::Problem> problems;
};

// Reads and checks a configuration; relative paths are resolved against the file's folder.
HubConfigCheck check_hub_config_text(std::string_view toml_text, const std::filesystem::path& file);
HubConfigCheck check_hub_config_file(const std::filesystem::path& file);

}  // namespace vigil::hub
