// vigil-edge as a real process between a real Mosquitto, a real `vigil sensor` simulating a bearing that
// degrades (the simulator's fault is the truth), and a stand-in for the hub written here: it subscribes to
// the Sparkplug namespace, decodes every message with our decoder, and acknowledges records with NCMD
// Uplink/Ack the way docs/formats/uplink-ack.md says. The hub side checks the story (healthy, then the
// outer-race defect named), that the acknowledged records leave the edge's queue, and that nothing is lost
// or duplicated across broker restarts.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "integration/cli_support.hpp"
#include "net/mqtt_client.hpp"
#include "proto/sparkplug.hpp"
#include "proto/sparkplug_spectrum.hpp"
#include "store/durable_queue.hpp"
#include "support/mosquitto_broker.hpp"

namespace VIGIL_TEST_FILE {

namespace fs = std::filesystem;
namespace sp = vigil::proto::sparkplug;
using namespace std::chrono_literals;
using vigil::test::ChildProcess;
using vigil::test::MosquittoBroker;

// The hub's view: aliases from the births, every DDATA's values, the record ids received.
std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

class HubStandIn {
 public:
  HubStandIn(int port, bool acknowledge) : acknowledge_(acknowledge) {
    vigil::net::MqttOptions o;
    o.port = port;
    o.client_id = "hub-stand-in";
    auto c = vigil::net::MqttClient::create(o);
    EXPECT_TRUE(c) << c.error().message;
    client_ = std::move(*c);
    client_->on_message([this](std::string_view topic, std::span<const std::byte> payload) {
      on_message(std::string(topic), payload);
    });
    // The primary host's birth on every (re)connect: the edge births only once it sees it online. The
    // subscription is made again by the client on reconnect.
    client_->on_state([this](vigil::net::ConnectionState state, std::string_view) {
      if (state != vigil::net::ConnectionState::connected) return;
      const std::string birth = sp::format_host_state({.online = true, .timestamp_ms = now_ms()});
      const auto* b = reinterpret_cast<const std::byte*>(birth.data());
      (void)client_->publish("spBv1.0/STATE/hub", std::span(b, birth.size()), 1, true);
    });
    EXPECT_TRUE(client_->subscribe("spBv1.0/#", 0));
    client_->start();
  }

  struct Seen {
    std::map<std::string, std::size_t> by_type;  // NBIRTH, DBIRTH, DDATA, ...
    std::vector<std::uint64_t> record_ids;       // in arrival order, duplicates included
    std::vector<std::string> levels, faults;     // Alert/Level and Fault/Class values, in order
    std::vector<double> baseline_progress;       // Baseline/Progress values, in order
    std::vector<std::uint64_t> assets_pending;   // the node's Baseline/Assets pending reports, in order
    std::vector<std::string> anomaly_versions;   // the node's Models/Anomaly version reports (null: "")
    std::size_t historical = 0;                  // DDATA metrics marked is_historical
    std::vector<sp::CompactSpectrum> spectra;    // Evidence/Spectrum and Evidence/Envelope spectrum, decoded
    std::vector<std::string> device_events;      // "DBIRTH pump7", "DDEATH pump7", in order
    std::vector<std::string> errors;
  };
  Seen seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  // Writes `true` to an asset's command metric, by name (docs/formats/sparkplug.md, "Commands").
  void command(const std::string& group, const std::string& node, const std::string& asset,
               const std::string& metric) {
    sp::Metric m;
    m.name = metric;
    m.datatype = sp::DataType::boolean;
    m.value = true;
    sp::Payload p;
    p.timestamp_ms = now_ms();
    p.metrics.push_back(std::move(m));
    auto encoded = sp::encode(p, sp::MessageType::dcmd);
    ASSERT_TRUE(encoded) << encoded.error().message;
    const auto* b = reinterpret_cast<const std::byte*>(encoded->data());
    ASSERT_TRUE(client_->publish(fmt::format("spBv1.0/{}/DCMD/{}/{}", group, node, asset),
                                 std::span(b, encoded->size()), 1));
  }

 private:
  void on_message(const std::string& topic, std::span<const std::byte> bytes) {
    auto t = sp::parse_topic(topic);
    if (!t || t->type == sp::MessageType::state) return;
    const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
    auto payload = sp::decode(std::span(data, bytes.size()));
    std::lock_guard lock(mutex_);
    ++seen_.by_type[std::string(sp::to_string(t->type))];
    if (t->type == sp::MessageType::dbirth || t->type == sp::MessageType::ddeath)
      seen_.device_events.push_back(fmt::format("{} {}", sp::to_string(t->type), t->device_id));
    if (!payload) {
      seen_.errors.push_back(payload.error().message);
      return;
    }
    if (t->type == sp::MessageType::nbirth || t->type == sp::MessageType::dbirth) {
      for (const auto& m : payload->metrics) {
        if (m.alias) names_[*m.alias] = {m.name, m.datatype};
      }
      return;
    }
    if (t->type == sp::MessageType::ndata) {
      for (const auto& m : payload->metrics) {
        const auto it = m.alias ? names_.find(*m.alias) : names_.end();
        if (it == names_.end()) continue;
        auto typed = sp::with_datatype(m, it->second.second);
        if (it->second.first == "Models/Anomaly version" && typed) {
          const auto* text = std::get_if<std::string>(&typed->value);
          seen_.anomaly_versions.push_back(text ? *text : "");
          continue;
        }
        if (it->second.first != "Baseline/Assets pending") continue;
        const auto* n = typed ? std::get_if<std::uint64_t>(&typed->value) : nullptr;
        if (n) {
          seen_.assets_pending.push_back(*n);
        } else {
          seen_.errors.push_back(fmt::format("NDATA {}: not a UInt64", it->second.first));
        }
      }
      return;
    }
    if (t->type != sp::MessageType::ddata) return;
    std::vector<sp::RecordIdRange> ack;
    for (const auto& m : payload->metrics) {
      const auto it = m.alias ? names_.find(*m.alias) : names_.end();
      if (it == names_.end()) {
        seen_.errors.push_back(fmt::format("DDATA metric with unknown alias on {}", topic));
        continue;
      }
      auto typed = sp::with_datatype(m, it->second.second);
      if (!typed) {
        seen_.errors.push_back(typed.error().message);
        continue;
      }
      seen_.historical += typed->is_historical ? 1 : 0;
      const std::string& name = it->second.first;
      if (name == "Record/Id") {
        const auto id = std::get<std::uint64_t>(typed->value);
        seen_.record_ids.push_back(id);
        ack.push_back({id, id});
      } else if (name == "Alert/Level" && std::holds_alternative<std::string>(typed->value)) {
        seen_.levels.push_back(std::get<std::string>(typed->value));
      } else if (name == "Baseline/Progress" && std::holds_alternative<double>(typed->value)) {
        seen_.baseline_progress.push_back(std::get<double>(typed->value));
      } else if (name == "Fault/Class" && std::holds_alternative<std::string>(typed->value)) {
        seen_.faults.push_back(std::get<std::string>(typed->value));
      } else if (name == "Evidence/Spectrum" || name == "Evidence/Envelope spectrum") {
        auto spectrum = sp::decode_spectrum(std::get<sp::Bytes>(typed->value));
        if (spectrum) {
          seen_.spectra.push_back(std::move(*spectrum));
        } else {
          seen_.errors.push_back(spectrum.error().message);
        }
      }
    }
    if (!acknowledge_ || ack.empty()) return;
    // The acknowledgement: NCMD writing Uplink/Ack (docs/formats/uplink-ack.md), sent after "storing".
    sp::Metric m;
    m.name = std::string(sp::k_ack_metric);
    m.datatype = sp::DataType::bytes;
    m.value = *sp::encode_ack(ack);
    sp::Payload p;
    p.timestamp_ms = 1;
    p.metrics.push_back(std::move(m));
    auto encoded = sp::encode(p, sp::MessageType::ncmd);
    const auto* b = reinterpret_cast<const std::byte*>(encoded->data());
    (void)client_->publish(fmt::format("spBv1.0/{}/NCMD/{}", t->group_id, t->edge_node_id),
                           std::span(b, encoded->size()), 1);
  }

  bool acknowledge_;
  std::unique_ptr<vigil::net::MqttClient> client_;
  std::mutex mutex_;
  std::map<std::uint64_t, std::pair<std::string, sp::DataType>> names_;
  Seen seen_;
};

class EdgeAgent : public vigil::test::Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    auto b = MosquittoBroker::start();
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
  }

  // A node with one asset: its channel fed by `vigil sensor` over MQTT, or simulated in-process.
  fs::path write_config(double telemetry_period_s = 60, bool simulated = false) {
    const std::string channel = simulated ? R"(source = "simulator"
sample_rate_hz = 12800
window_s = 0.32
onset_h = 1
life_h = 2)"
                                          : R"(sensor_node = "sensor-a"
channel = "de"
sample_rate_hz = 12000)";
    const fs::path file = dir_ / "edge.toml";
    std::ofstream(file) << fmt::format(R"([node]
group = "plant1"
id = "line3"

[[asset]]
id = "pump7"
location = "pump 7 drive-end bearing"
bearing = "6205-2RS"
speed_rpm = 1797

[[channel]]
asset = "pump7"
{2}

[sensors]
port = {0}
silence_s = 2

[uplink]
port = {0}
primary_host = "hub"
telemetry_period_s = {1}

[storage]
dir = "state"
)",
                                       broker_->port(), telemetry_period_s, channel);
    return file;
  }

  std::unique_ptr<ChildProcess> edge(const fs::path& config, const std::string& log,
                                     std::string time_scale = "1") {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{VIGIL_EDGE, "--config", config.string(), "--time-scale", time_scale},
        dir_ / log);
  }
  // A simulated 6205 at 1797 rpm, outer-race defect from 30 % of `life_s`, played `speed` x real time.
  std::unique_ptr<ChildProcess> sensor(double life_s, double speed, double duration_s) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{VIGIL_CLI,    "sensor",
                                 "--node",     "sensor-a",
                                 "--channel",  "de",
                                 "--fs",       "12000",
                                 "--rpm",      "1797",
                                 "--bearing",  "6205-2RS",
                                 "--fault",    "outer_race",
                                 "--life",     fmt::format("{}", life_s),
                                 "--onset",    "0.3",
                                 "--speed",    fmt::format("{}", speed),
                                 "--duration", fmt::format("{}", duration_s),
                                 "--broker",   fmt::format("127.0.0.1:{}", broker_->port())},
        dir_ / "sensor.log");
  }
  nlohmann::json status() {
    std::ifstream in(dir_ / "state" / "status.json");
    return nlohmann::json::parse(in, nullptr, false);
  }

  std::unique_ptr<MosquittoBroker> broker_;
};

TEST_F(EdgeAgent, DecidesOnLiveFramesAndTheHubReadsTheStory) {
  HubStandIn hub(broker_->port(), true);
  auto agent = edge(write_config(), "edge.log");
  // The sensor starts once the agent listens (its first start measures FFT plans: seconds on a busy machine).
  ASSERT_TRUE(agent->wait_for_output("event=started", 60s)) << agent->output();
  auto s = sensor(40, 4, 40);  // 10 s of wall time; the defect appears at 12 s of signal
  ASSERT_EQ(s->wait(60s), 0) << s->output();
  // The last windows, records and acknowledgements; then the sensor's silence (silence_s = 2) is the
  // asset's death.
  for (int i = 0; i < 100 && hub.seen().by_type["DDEATH"] == 0; ++i) std::this_thread::sleep_for(100ms);
  agent->signal(SIGTERM);
  ASSERT_EQ(agent->wait(30s), 0) << agent->output();

  HubStandIn::Seen seen = hub.seen();
  EXPECT_TRUE(seen.errors.empty()) << seen.errors.front();
  EXPECT_EQ(seen.by_type["NBIRTH"], 1u);
  EXPECT_EQ(seen.by_type["DBIRTH"], 1u);
  EXPECT_EQ(seen.by_type["NDEATH"], 1u) << "an intentional stop publishes NDEATH";
  ASSERT_FALSE(seen.levels.empty());
  // Healthy first, then the simulator's defect named by the edge.
  EXPECT_EQ(seen.levels.front(), "normal");
  EXPECT_NE(std::find(seen.faults.begin(), seen.faults.end(), "outer_race"), seen.faults.end());
  EXPECT_TRUE(std::find(seen.levels.begin(), seen.levels.end(), "warning") != seen.levels.end() ||
              std::find(seen.levels.begin(), seen.levels.end(), "alarm") != seen.levels.end());
  // The rise to warning brought its evidence: both spectra, the envelope one with a detected BPFO line.
  bool bpfo_detected = false;
  for (const auto& spectrum : seen.spectra) {
    for (const auto& line : spectrum.lines)
      bpfo_detected = bpfo_detected || (spectrum.kind == sp::SpectrumKind::envelope_g2 &&
                                        line.kind == sp::DefectLine::bpfo && line.detected);
  }
  EXPECT_GE(seen.spectra.size(), 2u);
  EXPECT_TRUE(bpfo_detected);
  // The asset was born, then died when its sensor fell silent (Sparkplug DDEATH), before the node's NDEATH.
  EXPECT_EQ(seen.device_events, (std::vector<std::string>{"DBIRTH pump7", "DDEATH pump7"}));
  EXPECT_NE(agent->output().find("event=source_lost asset=pump7"), std::string::npos) << agent->output();
  // Every record went up once, and what the hub acknowledged left the edge's queue.
  std::set<std::uint64_t> unique(seen.record_ids.begin(), seen.record_ids.end());
  EXPECT_EQ(unique.size(), seen.record_ids.size());
  const nlohmann::json st = status();
  ASSERT_FALSE(st.is_discarded());
  EXPECT_EQ(st["uplink"]["records_acknowledged"].get<std::uint64_t>(), unique.size());
  EXPECT_EQ(st["queue"]["last_id"].get<std::uint64_t>(), unique.size());
  for (const auto& [name, c] : st["queue"]["classes"].items()) EXPECT_EQ(c["depth"].get<int>(), 0) << name;
  EXPECT_EQ(st["channels"][0]["sensor"]["refused"].get<int>(), 0);
  // The decision log the agent wrote verifies.
  const auto verify = vigil::test::run("log verify " + (dir_ / "state" / "decisions.db").string());
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
}

// 20 broker stops and restarts while records flow, and the agent killed with SIGKILL half-way and started
// again on the same storage: every record the agent queued reaches the hub side exactly once after
// de-duplication by record id, or is still durable on the edge; the decision log still verifies.
TEST_F(EdgeAgent, NothingIsLostOrDuplicatedAcrossBrokerRestartsAndAKill) {
  HubStandIn hub(broker_->port(), true);
  // An in-process simulated channel at 4 x real time with telemetry every second of signal: records keep
  // coming while the broker is down, and go up as historical after the reconnect.
  const fs::path config = write_config(1, true);
  auto agent = edge(config, "edge.log", "4");
  constexpr int k_restarts = 20;
  for (int restart = 0; restart < k_restarts; ++restart) {
    std::this_thread::sleep_for(1000ms);
    broker_->stop();
    std::this_thread::sleep_for(300ms);
    ASSERT_TRUE(broker_->restart());
    if (restart == k_restarts / 2) {
      agent->signal(SIGKILL);
      agent->wait(10s);
      agent = edge(config, "edge-after-kill.log", "4");
    }
  }
  // The backlog drains after the last reconnect; wait until every record the edge queued is acknowledged.
  std::uint64_t last_id = 0;
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(100ms);
    const nlohmann::json st = status();
    if (st.is_discarded() || !st.contains("queue")) continue;
    last_id = st["queue"]["last_id"].get<std::uint64_t>();
    std::uint64_t depth = 0;
    for (const auto& [name, c] : st["queue"]["classes"].items()) depth += c["depth"].get<std::uint64_t>();
    if (depth == 0 && last_id > 0) break;
  }
  agent->signal(SIGTERM);
  ASSERT_EQ(agent->wait(30s), 0) << agent->output();
  // What the edge ever queued: ids 1..last_id (never reused), and what is still in its durable queue for the
  // next connection, read from the file after the agent exited.
  const nlohmann::json st = status();
  ASSERT_FALSE(st.is_discarded());
  last_id = st["queue"]["last_id"].get<std::uint64_t>();
  auto queue = vigil::store::DurableQueue::open(dir_ / "state" / "outbox.db");
  ASSERT_TRUE(queue) << queue.error().message;
  auto remaining = queue->next_batch(1'000'000, std::int64_t{1} << 40);
  ASSERT_TRUE(remaining);
  std::set<std::uint64_t> still_queued;
  for (const auto& r : *remaining) still_queued.insert(static_cast<std::uint64_t>(r.id));
  HubStandIn::Seen seen = hub.seen();
  const std::set<std::uint64_t> unique(seen.record_ids.begin(), seen.record_ids.end());
  // records_lost = 0: every id reached the hub side or is still durable on the edge; nothing else arrived.
  ASSERT_GT(last_id, 0u);
  for (std::uint64_t id = 1; id <= last_id; ++id) {
    EXPECT_TRUE(unique.count(id) || still_queued.count(id)) << "record " << id << " lost";
  }
  EXPECT_LE(*unique.rbegin(), last_id);
  EXPECT_LE(still_queued.size(), 5u) << "the backlog drained before the stop";
  std::printf(
      "%d broker restarts and a kill -9: %llu records queued by the edge, %zu distinct at the hub (%zu "
      "messages), %zu still queued, %zu historical metrics\n",
      k_restarts, static_cast<unsigned long long>(last_id), unique.size(), seen.record_ids.size(),
      still_queued.size(), seen.historical);
  EXPECT_GT(seen.historical, 0u) << "the backlog after a reconnect goes up as historical";
  EXPECT_GE(seen.by_type["NBIRTH"], 2u) << "a new session after a restart is born again";
  const auto verify = vigil::test::run("log verify " + (dir_ / "state" / "decisions.db").string());
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
}

TEST_F(EdgeAgent, CheckConfigListsEveryProblemAndExits2) {
  const fs::path bad = dir_ / "bad.toml";
  std::ofstream(bad) << "[node]\ngroup = \"a/b\"\n[[asset]]\nid = \"p\"\nbearing = \"nope\"\nspeed_rpm = 1\n";
  ChildProcess check({VIGIL_EDGE, "--config", bad.string(), "--check-config"}, dir_ / "check.log");
  EXPECT_EQ(check.wait(30s), 2);
  const std::string out = check.output();
  for (const char* key : {"node.group", "node.id", "asset[0].bearing", "storage.dir", "no [[channel]]"}) {
    EXPECT_NE(out.find(key), std::string::npos) << key << " not reported:\n" << out;
  }
  ChildProcess good({VIGIL_EDGE, "--config", write_config().string(), "--check-config"}, dir_ / "good.log");
  EXPECT_EQ(good.wait(30s), 0) << good.output();
}

}  // namespace VIGIL_TEST_FILE

namespace VIGIL_TEST_FILE {

// Commissioning on a simulated channel: the agent baselines healthy running (NE 107 Check function),
// fits and stores the asset's anomaly model, switches to it, loads it again after a restart instead of
// baselining twice, and baselines again when asked (after a repair).
TEST_F(EdgeAgent, CommissionsAnAssetThenUsesItsOwnModelAndRebaselinesOnRequest) {
  const fs::path config = dir_ / "sim.toml";
  std::ofstream(config) << R"([node]
group = "plant1"
id = "line4"

[[asset]]
id = "fan2"
bearing = "6205-2RS"
speed_rpm = 1500
baseline_h = 0.01

[[channel]]
asset = "fan2"
source = "simulator"
sample_rate_hz = 12800
window_s = 0.32
onset_h = 1
life_h = 2

[storage]
dir = "state"
)";
  const auto run = [&](const std::string& log, bool rebaseline) {
    ChildProcess agent({VIGIL_EDGE, "--config", config.string(), "--time-scale", "20", "--duration", "4"},
                       dir_ / log);
    if (rebaseline) {
      std::this_thread::sleep_for(1s);
      ChildProcess ask({VIGIL_EDGE, "--config", config.string(), "--rebaseline", "fan2"}, dir_ / "ask.log");
      EXPECT_EQ(ask.wait(10s), 0) << ask.output();
    }
    EXPECT_EQ(agent.wait(30s), 0) << agent.output();
    return agent.output();
  };
  // 0.01 h of running at a window every 0.16 s: 225 windows, 36 s of signal, under 2 s at 20 x real time.
  std::string first = run("first.log", false);
  EXPECT_NE(first.find("event=baseline_started asset=fan2 windows=225"), std::string::npos) << first;
  EXPECT_NE(first.find("ne107=\"Check function\""), std::string::npos) << first;
  EXPECT_NE(first.find("event=commissioned asset=fan2 windows=225"), std::string::npos) << first;
  EXPECT_TRUE(fs::exists(dir_ / "state" / "models" / "fan2-channel0.anomaly.vigil"));
  nlohmann::json st = status();
  EXPECT_EQ(st["assets"][0]["model_state"], "ok");
  EXPECT_EQ(st["assets"][0]["level"], "normal");  // the simulated defect starts only after 1 h

  std::string second = run("second.log", false);
  EXPECT_EQ(second.find("baseline_started"), std::string::npos) << "the stored model is used:\n" << second;
  EXPECT_EQ(status()["assets"][0]["model_state"], "ok");

  std::string third = run("third.log", true);
  EXPECT_NE(third.find("event=baseline_started asset=fan2 windows=225"), std::string::npos) << third;
  EXPECT_NE(third.find("event=commissioned"), std::string::npos) << third;
}

}  // namespace VIGIL_TEST_FILE

namespace VIGIL_TEST_FILE {

// A host writes Device Control/Send evidence = true to a healthy asset: its next window's spectra go up
// (at level normal, where nothing else would send them). Device Control/Rebaseline = true starts the
// asset's baseline over (it learns its normal on site: no anomaly bundle configured).
TEST_F(EdgeAgent, AHostGetsTheSpectraOnRequestAndANewBaseline) {
  HubStandIn hub(broker_->port(), true);
  const fs::path config = write_config(60, true);
  ChildProcess agent({VIGIL_EDGE, "--config", config.string(), "--time-scale", "4", "--duration", "5"},
                     dir_ / "edge.log");
  for (int i = 0; i < 200 && hub.seen().by_type["DBIRTH"] == 0; ++i) std::this_thread::sleep_for(50ms);
  ASSERT_EQ(hub.seen().by_type["DBIRTH"], 1u) << agent.output();
  EXPECT_TRUE(hub.seen().spectra.empty());
  hub.command("plant1", "line3", "pump7", "Device Control/Send evidence");
  for (int i = 0; i < 100 && hub.seen().spectra.size() < 2; ++i) std::this_thread::sleep_for(50ms);
  const auto baselines = [&] {
    const std::string out = agent.output();
    std::size_t n = 0;
    for (auto at = out.find("event=baseline_started asset=pump7"); at != std::string::npos;
         at = out.find("event=baseline_started asset=pump7", at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(baselines(), 1u);
  hub.command("plant1", "line3", "pump7", "Device Control/Rebaseline");
  for (int i = 0; i < 60 && baselines() < 2; ++i) std::this_thread::sleep_for(50ms);
  EXPECT_EQ(baselines(), 2u) << agent.output();
  EXPECT_EQ(agent.wait(30s), 0) << agent.output();
  const HubStandIn::Seen seen = hub.seen();
  ASSERT_EQ(seen.spectra.size(), 2u);
  EXPECT_EQ(seen.spectra[0].kind, sp::SpectrumKind::velocity_mm_s);
  EXPECT_EQ(seen.spectra[1].kind, sp::SpectrumKind::envelope_g2);
  EXPECT_TRUE(
      std::all_of(seen.levels.begin(), seen.levels.end(), [](const auto& l) { return l == "normal"; }));
  EXPECT_NE(agent.output().find("event=command asset=pump7"), std::string::npos) << agent.output();
  EXPECT_TRUE(seen.errors.empty()) << seen.errors.front();
}

// A host follows an asset's commissioning: Baseline/Progress with each telemetry record, rising to 1 when the
// baseline closes, and the node's count of assets still baselining falling to 0.
TEST_F(EdgeAgent, AHostFollowsTheBaselineUntilItCloses) {
  HubStandIn hub(broker_->port(), true);
  std::string text;
  {
    std::ifstream in(write_config(1, true));
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  // 0.01 h of running at a window every 0.16 s: 225 windows, 36 s of signal; 80 s of signal played.
  text.replace(text.find("speed_rpm = 1797"), 16, "speed_rpm = 1797\nbaseline_h = 0.01");
  std::ofstream(dir_ / "edge.toml") << text;
  ChildProcess agent(
      {VIGIL_EDGE, "--config", (dir_ / "edge.toml").string(), "--time-scale", "10", "--duration", "8"},
      dir_ / "edge.log");
  EXPECT_EQ(agent.wait(30s), 0) << agent.output();
  for (int i = 0; i < 40 && hub.seen().baseline_progress.size() < 60; ++i) std::this_thread::sleep_for(50ms);
  const HubStandIn::Seen seen = hub.seen();
  // Sent by exception: one value per telemetry record until the baseline closes, none after.
  ASSERT_GE(seen.baseline_progress.size(), 20u) << agent.output();
  EXPECT_LT(seen.baseline_progress.front(), 0.1);
  EXPECT_TRUE(std::is_sorted(seen.baseline_progress.begin(), seen.baseline_progress.end()));
  EXPECT_DOUBLE_EQ(seen.baseline_progress.back(), 1.0);
  // A telemetry record per 1 s of signal is the first window 1 s or more after the last: every 7th window
  // (7 x 0.16 s). The 225 windows of the baseline take 32 of them.
  EXPECT_NEAR(double(seen.baseline_progress.size() - 1), 225.0 / 7, 1.5);
  ASSERT_FALSE(seen.assets_pending.empty()) << agent.output();
  EXPECT_EQ(seen.assets_pending.back(), 0u);
  // The node's birth names no anomaly model (null) while the asset baselines; a report names the one
  // commissioned on site once it is (the bundle's creation time, UTC).
  ASSERT_FALSE(seen.anomaly_versions.empty()) << agent.output();
  EXPECT_TRUE(
      std::regex_match(seen.anomaly_versions.back(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << seen.anomaly_versions.back();
  EXPECT_TRUE(seen.errors.empty()) << seen.errors.front();
}

// SIGHUP: a valid file reloads the model bundles between two windows; a broken one is refused and the agent
// keeps deciding with what it runs.
TEST_F(EdgeAgent, SighupReloadsAndABrokenFileIsRefusedWhileTheAgentRuns) {
  const fs::path config = write_config(60, true);
  ChildProcess agent({VIGIL_EDGE, "--config", config.string(), "--time-scale", "4", "--duration", "6"},
                     dir_ / "edge.log");
  const auto wait_for = [&](const std::string& text) { return agent.wait_for_output(text, 10s); };
  ASSERT_TRUE(wait_for("event=started")) << agent.output();
  agent.signal(SIGHUP);
  EXPECT_TRUE(wait_for("event=reloaded")) << agent.output();
  std::ofstream(config, std::ios::trunc) << "[node\n";
  agent.signal(SIGHUP);
  EXPECT_TRUE(wait_for("event=reload_refused")) << agent.output();
  EXPECT_EQ(agent.wait(30s), 0) << agent.output();
  const nlohmann::json st = status();
  ASSERT_FALSE(st.is_discarded());
  // Still deciding after the refused reload: 6 s at 4 x real time is 24 s of signal, a window every 0.16 s.
  EXPECT_GT(st["assets"][0]["windows"].get<int>(), 100);
}

}  // namespace VIGIL_TEST_FILE
