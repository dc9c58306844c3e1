#include "edge/config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <set>
#include <span>
#include <sstream>

#include "config/toml_config.hpp"

namespace vigil::edge {

const AssetConfig* EdgeConfig::find_asset(std::string_view id) const {
  for (const auto& a : assets) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

namespace {

using config::is_topic_id;
using config::k_inf;
using config::line_of;
using config::resolve;
using config::Section;
using config::section;
using config::sections;

void read_node(Section s, NodeConfig& node) {
  s.text("group", node.group, true);
  s.text("id", node.id, true);
  s.integer("workers", node.workers, 0, 256);
  for (auto [key, value] : {std::pair{"group", &node.group}, std::pair{"id", &node.id}}) {
    if (!value->empty() && !is_topic_id(*value))
      s.problem(
          key,
          fmt::format("'{}' cannot be a Sparkplug id (1-64 printable characters, no '/', '+', '#')", *value));
  }
  s.refuse_unknown({"group", "id", "workers"});
}

void read_asset(Section s, const std::filesystem::path& base, AssetConfig& a) {
  s.text("id", a.id, true);
  if (!a.id.empty() && !is_topic_id(a.id))
    s.problem("id", fmt::format("'{}' cannot be a Sparkplug device id (no '/', '+', '#', at most 64)", a.id));
  s.text("location", a.location);
  if (a.location.empty()) a.location = a.id;
  std::string bearing;
  s.text("bearing", bearing);
  if (!bearing.empty()) {
    auto found = dsp::find_bearing(bearing);
    if (found) {
      a.bearing = *found;
    } else {
      s.problem("bearing",
                found.error().message + " (`vigil bearings` lists them, or give [asset.geometry])");
    }
  }
  if (Section geo = s.child("geometry"); geo.present()) {
    if (!bearing.empty()) s.problem("geometry", "give either bearing or geometry, not both");
    dsp::BearingGeometry g;
    g.name = "custom";
    geo.text("name", g.name);
    geo.integer("ball_count", g.ball_count, 3, 100, true);
    geo.number("ball_diameter_mm", g.ball_diameter_mm, 0.1, 1000, true);
    geo.number("pitch_diameter_mm", g.pitch_diameter_mm, 0.1, 10000, true);
    geo.number("contact_angle_deg", g.contact_angle_deg, 0, 60);
    if (g.ball_diameter_mm >= g.pitch_diameter_mm && g.pitch_diameter_mm > 0)
      geo.problem("ball_diameter_mm", "must be smaller than pitch_diameter_mm");
    geo.refuse_unknown({"name", "ball_count", "ball_diameter_mm", "pitch_diameter_mm", "contact_angle_deg"});
    a.bearing = g;
  } else if (bearing.empty()) {
    s.problem("bearing", "missing: a designation (`vigil bearings` lists them) or an [asset.geometry] table");
  }
  std::string machine_class = "class_I";
  s.text("machine_class", machine_class);
  if (auto mc = diag::parse_machine_class(machine_class)) {
    a.machine_class = *mc;
  } else {
    s.problem("machine_class", mc.error().message);
  }
  s.integer("criticality", a.criticality, 1, 5);
  std::string speed_source = "fixed";
  s.text("speed_source", speed_source);
  if (speed_source == "fixed") {
    a.speed_source = SpeedSource::fixed;
  } else if (speed_source == "plc") {
    a.speed_source = SpeedSource::plc;
  } else {
    s.problem("speed_source", fmt::format("'{}': expected fixed or plc", speed_source));
  }
  s.number("speed_rpm", a.speed_rpm, 1, 100000, true);
  s.number("max_speed_rpm", a.max_speed_rpm, 1, 120000);
  if (a.max_speed_rpm == 0) a.max_speed_rpm = 1.2 * a.speed_rpm;
  if (a.max_speed_rpm < a.speed_rpm) s.problem("max_speed_rpm", "is below speed_rpm");
  s.number("baseline_h", a.baseline_h, 0, 24 * 365);
  s.file("anomaly_bundle", base, a.anomaly_bundle);
  s.file("classifier_bundle", base, a.classifier_bundle);
  s.file("rul_bundle", base, a.rul_bundle);
  s.refuse_unknown({"id", "location", "bearing", "geometry", "machine_class", "criticality", "speed_source",
                    "speed_rpm", "max_speed_rpm", "baseline_h", "anomaly_bundle", "classifier_bundle",
                    "rul_bundle"});
}

void read_channel(Section s, ChannelConfig& c) {
  s.text("asset", c.asset, true);
  std::string source = "mqtt";
  s.text("source", source);
  if (source == "mqtt") {
    c.source = SourceKind::mqtt;
    s.text("sensor_node", c.sensor_node, true);
    if (!c.sensor_node.empty() && !is_topic_id(c.sensor_node))
      s.problem("sensor_node", fmt::format("'{}' cannot be a topic level (no '/', '+', '#')", c.sensor_node));
    if (const toml::node* n = s.table()->get("channel"); n && n->is_integer()) {
      std::int64_t number = 0;
      s.integer("channel", number, 0, 65535);
      c.channel = std::to_string(number);
    } else {
      s.text("channel", c.channel);
    }
    const bool channel_ok =
        !c.channel.empty() && c.channel.size() <= 32 &&
        std::all_of(c.channel.begin(), c.channel.end(), [](char ch) {
          return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-';
        });
    if (!channel_ok)
      s.problem("channel", fmt::format("'{}': 1-32 characters of A-Z a-z 0-9 _ . -", c.channel));
  } else if (source == "simulator") {
    c.source = SourceKind::simulator;
    s.integer("seed", c.seed, 0, std::numeric_limits<std::int64_t>::max());
    s.number("onset_h", c.onset_h, 0, 24 * 365 * 10);
    s.number("life_h", c.life_h, 0.001, 24 * 365 * 10);
    if (c.life_h <= c.onset_h) s.problem("life_h", "must be after onset_h");
  } else {
    s.problem("source", fmt::format("'{}': expected mqtt or simulator", source));
  }
  // 1 kS/s .. 1 MS/s covers every accelerometer front end; the window must hold whole FFT sizes.
  s.number("sample_rate_hz", c.sample_rate_hz, 1000, 1e6, true);
  s.number("sensitivity", c.sensitivity, 1e-9, 1e9);
  s.text("mounting", c.mounting);
  s.number("window_s", c.window_s, 0.01, 60);
  s.number("overlap", c.overlap, 0, 0.9);
  s.refuse_unknown({"asset", "source", "sensor_node", "channel", "sample_rate_hz", "sensitivity", "mounting",
                    "window_s", "overlap", "seed", "onset_h", "life_h"});
}

void read_uplink(Section s, const std::filesystem::path& base, UplinkConfig& u) {
  if (!s.present()) return;
  u.enabled = true;
  s.flag("enabled", u.enabled);
  s.text("host", u.host);
  s.integer("port", u.port, 1, 65535);
  std::string ca, cert, key;
  s.text("ca_file", ca);
  s.text("cert_file", cert);
  s.text("key_file", key);
  u.ca_file = resolve(base, ca);
  u.cert_file = resolve(base, cert);
  u.key_file = resolve(base, key);
  const int tls_files = !ca.empty() + !cert.empty() + !key.empty();
  if (tls_files != 0 && tls_files != 3)
    s.problem(ca.empty()     ? "ca_file"
              : cert.empty() ? "cert_file"
                             : "key_file",
              "mutual TLS needs ca_file, cert_file and key_file together");
  s.text("primary_host", u.primary_host);
  if (!u.primary_host.empty() && !is_topic_id(u.primary_host))
    s.problem("primary_host", fmt::format("'{}' cannot be a Sparkplug host id", u.primary_host));
  s.number("max_historical_per_s", u.max_historical_per_s, 1, 1e6);
  s.number("telemetry_period_s", u.telemetry_period_s, 0.1, 86400);
  s.refuse_unknown({"enabled", "host", "port", "ca_file", "cert_file", "key_file", "primary_host",
                    "max_historical_per_s", "telemetry_period_s"});
}

void read_sensors(Section s, const std::filesystem::path& base, SensorBusConfig& b) {
  s.text("host", b.host);
  s.integer("port", b.port, 1, 65535);
  std::string ca, cert, key;
  s.text("ca_file", ca);
  s.text("cert_file", cert);
  s.text("key_file", key);
  b.ca_file = resolve(base, ca);
  b.cert_file = resolve(base, cert);
  b.key_file = resolve(base, key);
  const int tls_files = !ca.empty() + !cert.empty() + !key.empty();
  if (tls_files != 0 && tls_files != 3)
    s.problem(ca.empty()     ? "ca_file"
              : cert.empty() ? "cert_file"
                             : "key_file",
              "TLS needs ca_file, cert_file and key_file together");
  s.number("silence_s", b.silence_s, 1, 3600);
  s.refuse_unknown({"host", "port", "ca_file", "cert_file", "key_file", "silence_s"});
}

void read_storage(Section s, const std::filesystem::path& base, StorageConfig& st) {
  std::string dir;
  s.text("dir", dir, true);
  st.dir = resolve(base, dir);
  s.number("queue_budget_mb", st.queue_budget_mb, 1, 1e6);
  s.number("log_retention_days", st.log_retention_days, 1, 36500);
  s.refuse_unknown({"dir", "queue_budget_mb", "log_retention_days"});
}

void read_policy(Section s, PolicyConfig& p) {
  Section d = s.child("debounce");
  d.integer("raise_n", p.debounce.raise_n, 1, k_max_debounce_windows);
  d.integer("raise_m", p.debounce.raise_m, 1, k_max_debounce_windows);
  d.integer("clear_windows", p.debounce.clear_windows, 1, 100000);
  if (auto ok = validate(p.debounce); !ok && d.present()) s.problem("debounce", ok.error().message);
  d.refuse_unknown({"raise_n", "raise_m", "clear_windows"});

  Section r = s.child("rules");
  r.number("min_physics_confidence", p.rules.min_physics_confidence, 0.01, 1);
  r.number("strong_physics_confidence", p.rules.strong_physics_confidence, 0.01, 1);
  r.number("warning_rul_h", p.rules.warning_rul_h, 0.01, 1e6);
  r.number("alarm_rul_h", p.rules.alarm_rul_h, 0.01, 1e6);
  if (auto ok = validate(p.rules); !ok && r.present()) s.problem("rules", ok.error().message);
  r.refuse_unknown({"min_physics_confidence", "strong_physics_confidence", "warning_rul_h", "alarm_rul_h"});

  Section a = s.child("actions");
  a.number("watch_deadline_h", p.actions.watch_deadline_h, 0.01, 1e6);
  a.number("warning_deadline_h", p.actions.warning_deadline_h, 0.01, 1e6);
  a.number("alarm_deadline_h", p.actions.alarm_deadline_h, 0.01, 1e6);
  if (auto ok = validate(p.actions); !ok && a.present()) s.problem("actions", ok.error().message);
  a.refuse_unknown({"watch_deadline_h", "warning_deadline_h", "alarm_deadline_h"});

  Section act = s.child("actuation");
  act.flag("dry_run", p.actuation.dry_run);
  std::string level = std::string(to_string(p.actuation.min_level));
  act.text("min_level", level);
  if (auto l = parse_alert_level(level)) {
    p.actuation.min_level = *l;
  } else {
    act.problem("min_level", l.error().message);
  }
  act.number("min_confidence", p.actuation.min_confidence, 0, 1);
  act.number("max_per_hour", p.actuation.max_per_hour, 0, 3600);
  act.refuse_unknown({"dry_run", "min_level", "min_confidence", "max_per_hour"});
  s.refuse_unknown({"debounce", "rules", "actions", "actuation"});
}

void read_plc(Section s, PlcConfig& p) {
  if (!s.present()) return;
  p.enabled = true;
  s.flag("enabled", p.enabled);
  s.text("host", p.host);
  s.integer("port", p.port, 1, 65535);
  s.integer("unit_id", p.unit_id, 0, 255);
  s.number("poll_s", p.poll_s, 0.05, 3600);
  s.integer("speed_register", p.speed_register, -1, 65535);
  s.number("speed_scale", p.speed_scale, 1e-6, 1e6);
  s.integer("temperature_register", p.temperature_register, -1, 65535);
  s.number("temperature_scale", p.temperature_scale, 1e-6, 1e6);
  s.integer("interlock_register", p.interlock_register, -1, 65535);
  s.integer("reduce_speed_register", p.reduce_speed_register, -1, 65535);
  s.integer("stop_register", p.stop_register, -1, 65535);
  s.refuse_unknown({"enabled", "host", "port", "unit_id", "poll_s", "speed_register", "speed_scale",
                    "temperature_register", "temperature_scale", "interlock_register",
                    "reduce_speed_register", "stop_register"});
}

template <typename Endpoint>
void read_endpoint(Section s, Endpoint& e, bool enabled_when_present) {
  if (!s.present()) return;
  e.enabled = enabled_when_present;
  s.flag("enabled", e.enabled);
  s.text("bind", e.bind);
  s.integer("port", e.port, 0, 65535);  // 0: any free port (the agent logs which)
  s.refuse_unknown({"enabled", "bind", "port"});
}

// Cross-references: unique ids, every channel on a known asset, every asset measured, PLC speed wired.
void check_references(const EdgeConfig& c, std::vector<ConfigProblem>& problems,
                      std::span<const int> asset_lines, std::span<const int> channel_lines) {
  std::set<std::string> ids;
  for (std::size_t i = 0; i < c.assets.size(); ++i) {
    const auto& a = c.assets[i];
    if (!a.id.empty() && !ids.insert(a.id).second)
      problems.push_back(
          {fmt::format("asset[{}].id", i), asset_lines[i], fmt::format("'{}' is used twice", a.id)});
    if (a.speed_source == SpeedSource::plc && (!c.plc.enabled || c.plc.speed_register < 0))
      problems.push_back({fmt::format("asset[{}].speed_source", i), asset_lines[i],
                          "is plc, but [plc] is not enabled with a speed_register"});
    const bool measured = std::any_of(c.channels.begin(), c.channels.end(),
                                      [&](const ChannelConfig& ch) { return ch.asset == a.id; });
    if (!a.id.empty() && !measured)
      problems.push_back(
          {fmt::format("asset[{}]", i), asset_lines[i], fmt::format("no [[channel]] measures '{}'", a.id)});
  }
  std::set<std::pair<std::string, std::string>> sources;
  for (std::size_t i = 0; i < c.channels.size(); ++i) {
    const auto& ch = c.channels[i];
    if (!ch.asset.empty() && !c.find_asset(ch.asset))
      problems.push_back({fmt::format("channel[{}].asset", i), channel_lines[i],
                          fmt::format("'{}' is not an [[asset]] id", ch.asset)});
    if (ch.source == SourceKind::mqtt && !ch.sensor_node.empty() &&
        !sources.insert({ch.sensor_node, ch.channel}).second)
      problems.push_back(
          {fmt::format("channel[{}]", i), channel_lines[i],
           fmt::format("sensor_node '{}' channel {} is read twice", ch.sensor_node, ch.channel)});
  }
}

}  // namespace

ConfigCheck check_config_text(std::string_view toml_text, const std::filesystem::path& file) {
  ConfigCheck out;
  std::optional<toml::table> parsed = config::parse_text(toml_text, file, out.problems);
  if (!parsed) return out;
  const toml::table& root = *parsed;
  EdgeConfig c;
  c.file = file;
  const std::filesystem::path base = file.parent_path();
  auto& problems = out.problems;

  read_node(section(problems, root, "node"), c.node);
  std::vector<int> asset_lines, channel_lines;
  for (Section s : sections(problems, root, "asset")) {
    asset_lines.push_back(s.line());
    read_asset(s, base, c.assets.emplace_back());
  }
  for (Section s : sections(problems, root, "channel")) {
    channel_lines.push_back(s.line());
    read_channel(s, c.channels.emplace_back());
  }
  if (c.assets.empty()) problems.push_back({"asset", 0, "missing: at least one [[asset]]"});
  read_sensors(section(problems, root, "sensors"), base, c.sensors);
  read_uplink(section(problems, root, "uplink"), base, c.uplink);
  read_storage(section(problems, root, "storage"), base, c.storage);
  read_policy(section(problems, root, "policy"), c.policy);
  read_plc(section(problems, root, "plc"), c.plc);
  read_endpoint(section(problems, root, "modbus"), c.modbus, true);
  read_endpoint(section(problems, root, "metrics"), c.metrics, true);
  Section(problems, &root, "")
      .refuse_unknown(
          {"node", "asset", "channel", "sensors", "uplink", "storage", "policy", "plc", "modbus", "metrics"});
  check_references(c, problems, asset_lines, channel_lines);

  config::sort_by_line(problems);
  if (problems.empty()) out.config = std::move(c);
  return out;
}

ConfigCheck check_config_file(const std::filesystem::path& file) {
  ConfigCheck out;
  std::string text;
  if (!config::read_file(file, text, out.problems)) return out;
  return check_config_text(text, file);
}

Result<EdgeConfig> load_config(const std::filesystem::path& file) {
  ConfigCheck check = check_config_file(file);
  if (!check.config) return fail(ErrorCode::invalid_argument, "{}", format_problems(file, check.problems));
  return std::move(*check.config);
}

}  // namespace vigil::edge
