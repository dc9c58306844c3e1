// vigil-hub as a real process: a real Mosquitto with mutual TLS and the plant's ACL (deploy/mosquitto), real
// vigil-edge agents as the sources (simulated channels, records every second of signal), the hub's store on
// SQLite or a throw-away PostgreSQL. The truth is the edge's own durable queue, read from its file after it
// stopped: every record id it ever queued (1..last) is in the hub's store exactly once, or still on the edge
// waiting to be sent again; nothing else is in the store. Tests named after the Sparkplug 3.0 host
// assertions check them on the wire with a plain MQTT subscriber.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include "hub/store/connection.hpp"
#include "hub_api/http_client.hpp"
#include "integration/cli_support.hpp"
#include "net/mqtt_client.hpp"
#include "store/durable_queue.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/postgres_server.hpp"

namespace VIGIL_TEST_FILE {

namespace fs = std::filesystem;
namespace hs = vigil::hub::store;
using namespace std::chrono_literals;
using vigil::test::ChildProcess;
using vigil::test::MosquittoBroker;

class HubSystem : public vigil::test::Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    fs::create_directories(dir_ / "pki");
    auto pki = vigil::test::make_test_pki(dir_ / "pki");
    ASSERT_TRUE(pki) << pki.error().message;
    pki_ = *pki;
    for (const char* cn : {"hub", "line3", "line4"})
      ASSERT_TRUE(vigil::test::make_client_certificate(dir_ / "pki", cn));
    auto b =
        MosquittoBroker::start({.tls = MosquittoBroker::Tls{.ca_file = pki_.ca_cert,
                                                            .cert_file = pki_.server_cert,
                                                            .key_file = pki_.server_key},
                                .acl_file = fs::path(VIGIL_SOURCE_DIR) / "deploy" / "mosquitto" / "vigil.acl",
                                .identity_as_username = true});
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
  }

  fs::path cert(const std::string& cn, const char* ext) const { return dir_ / "pki" / (cn + ext); }

  // The hub's configuration; `store` is the [store] table's body.
  fs::path hub_config(const std::string& store, bool api = false) {
    const fs::path file = dir_ / "hub.toml";
    std::ofstream(file) << fmt::format(R"([host]
id = "hub"

[broker]
port = {0}
ca_file = "{1}"
cert_file = "{2}"
key_file = "{3}"

[sparkplug]
reorder_timeout_s = 1

[store]
{4}

[api]
enabled = {5}
port = 0
)",
                                       broker_->port(), pki_.ca_cert.string(), cert("hub", ".crt").string(),
                                       cert("hub", ".key").string(), store, api);
    return file;
  }

  // An edge node `node` (line3, line4) with one simulated asset, a record every second of signal.
  fs::path edge_config(const std::string& node, double onset_h = 1, double life_h = 2) {
    const fs::path file = dir_ / (node + ".toml");
    const std::string tls =
        fmt::format("ca_file = \"{}\"\ncert_file = \"{}\"\nkey_file = \"{}\"", pki_.ca_cert.string(),
                    cert(node, ".crt").string(), cert(node, ".key").string());
    std::ofstream(file) << fmt::format(R"([node]
group = "plant1"
id = "{0}"

[[asset]]
id = "pump-{0}"
location = "pump on {0}, drive-end bearing"
bearing = "6205-2RS"
speed_rpm = 1797
criticality = 4

[[channel]]
asset = "pump-{0}"
source = "simulator"
sample_rate_hz = 12800
window_s = 0.32
onset_h = {3}
life_h = {4}

[sensors]
port = {1}
{2}

[uplink]
port = {1}
{2}
primary_host = "hub"
telemetry_period_s = 1

[storage]
dir = "state-{0}"
)",
                                       node, broker_->port(), tls, onset_h, life_h);
    return file;
  }

  std::unique_ptr<ChildProcess> hub(const std::string& log) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{VIGIL_HUB, "--config", (dir_ / "hub.toml").string()}, dir_ / log);
  }
  std::unique_ptr<ChildProcess> edge(const std::string& node, const std::string& log, double onset_h = 1,
                                     double life_h = 2, const std::string& time_scale = "4") {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{VIGIL_EDGE, "--config", edge_config(node, onset_h, life_h).string(),
                                 "--time-scale", time_scale},
        dir_ / log);
  }

  // What the edge ever queued (1..last id) and what is still in its durable queue (read after it stopped).
  struct EdgeQueue {
    std::uint64_t last_id = 0;
    std::set<std::int64_t> still_queued;
  };
  EdgeQueue edge_queue(const std::string& node) {
    EdgeQueue q;
    std::ifstream in(dir_ / ("state-" + node) / "status.json");
    const auto status = nlohmann::json::parse(in, nullptr, false);
    EXPECT_FALSE(status.is_discarded());
    if (!status.is_discarded()) q.last_id = status["queue"]["last_id"].get<std::uint64_t>();
    auto queue = vigil::store::DurableQueue::open(dir_ / ("state-" + node) / "outbox.db");
    EXPECT_TRUE(queue) << queue.error().message;
    if (!queue) return q;
    auto remaining = queue->next_batch(1'000'000, std::int64_t{1} << 40);
    EXPECT_TRUE(remaining);
    if (remaining)
      for (const auto& r : *remaining) q.still_queued.insert(r.id);
    return q;
  }

  // Every record of `node` is in the store once or still on the edge, and nothing else is in the store.
  void expect_nothing_lost(hs::Connection& db, const std::string& node) {
    const EdgeQueue q = edge_queue(node);
    ASSERT_GT(q.last_id, 5u) << node;
    auto rows = db.query(
        "SELECT record_id FROM edge_records WHERE group_id = 'plant1' AND node_id = ?1 "
        "ORDER BY record_id",
        {node});
    ASSERT_TRUE(rows) << rows.error().message;
    std::set<std::int64_t> stored;
    for (const auto& r : *rows) stored.insert(r.int64(0));
    EXPECT_EQ(stored.size(), rows->size());  // the key is unique: once each
    for (std::int64_t id = 1; id <= static_cast<std::int64_t>(q.last_id); ++id)
      EXPECT_TRUE(stored.count(id) || q.still_queued.count(id)) << node << ": record " << id << " lost";
    EXPECT_LE(*stored.rbegin(), static_cast<std::int64_t>(q.last_id));
    EXPECT_LE(q.still_queued.size(), 3u) << node << ": the backlog drained before the stop";
    std::printf("%s: %llu records queued by the edge, %zu stored by the hub, %zu still queued\n",
                node.c_str(), static_cast<unsigned long long>(q.last_id), stored.size(),
                q.still_queued.size());
  }

  // Waits until each edge's queue is empty (everything acknowledged), at most `limit`.
  void wait_acknowledged(const std::vector<std::string>& nodes, std::chrono::seconds limit) {
    for (auto until = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < until;) {
      bool all = true;
      for (const auto& node : nodes) {
        std::ifstream in(dir_ / ("state-" + node) / "status.json");
        const auto st = nlohmann::json::parse(in, nullptr, false);
        if (st.is_discarded() || !st.contains("queue")) {
          all = false;
          continue;
        }
        std::uint64_t depth = 0;
        for (const auto& [name, c] : st["queue"]["classes"].items()) depth += c["depth"].get<std::uint64_t>();
        all = all && depth == 0 && st["queue"]["last_id"].get<std::uint64_t>() > 5;
      }
      if (all) return;
      std::this_thread::sleep_for(200ms);
    }
  }

  vigil::test::TestPki pki_;
  std::unique_ptr<MosquittoBroker> broker_;
};

// Two edges, one hub on SQLite: assets registered from the births with the edge's properties, values and
// text state stored, every record once, and the edges' queues emptied by the hub's acknowledgements.
TEST_F(HubSystem, StoresEveryRecordOnceAndTheEdgesDropWhatItAcknowledged) {
  hub_config("path = \"hub.db\"");
  auto h = hub("hub.log");
  ASSERT_TRUE(h->wait_for_output("event=connected", 30s)) << h->output();
  auto a = edge("line3", "line3.log");
  auto b = edge("line4", "line4.log");
  std::this_thread::sleep_for(8s);
  wait_acknowledged({"line3", "line4"}, 20s);
  for (auto* e : {a.get(), b.get()}) {
    e->signal(SIGTERM);
    ASSERT_EQ(e->wait(30s), 0) << e->output();
  }
  h->signal(SIGTERM);
  ASSERT_EQ(h->wait(30s), 0) << h->output();
  EXPECT_NE(h->output().find("event=stopped"), std::string::npos);

  auto db = hs::open_sqlite(dir_ / "hub.db");
  ASSERT_TRUE(db) << db.error().message;
  expect_nothing_lost(**db, "line3");
  expect_nothing_lost(**db, "line4");
  auto assets = (*db)->query(
      "SELECT device_id, bearing, criticality, location, online FROM assets ORDER BY device_id", {});
  ASSERT_TRUE(assets);
  ASSERT_EQ(assets->size(), 2u);
  EXPECT_EQ((*assets)[0].text(0), "pump-line3");
  EXPECT_EQ((*assets)[0].text(1), "6205-2RS");
  EXPECT_EQ((*assets)[0].int64(2), 4);
  EXPECT_EQ((*assets)[0].text(3), "pump on line3, drive-end bearing");
  EXPECT_EQ((*assets)[0].int64(4), 0) << "stale after its node's death";
  auto level = (*db)->query(
      "SELECT t.value FROM latest_text t JOIN assets a ON a.id = t.asset_id WHERE a.device_id = 'pump-line4' "
      "AND t.name = 'Alert/Level'",
      {});
  ASSERT_TRUE(level);
  ASSERT_EQ(level->size(), 1u);
  EXPECT_EQ((*level)[0].text(0), "normal");
  auto values = (*db)->query(
      "SELECT count(*) FROM samples s JOIN metrics m ON m.id = s.metric_id WHERE m.name = "
      "'Vibration/Velocity RMS mm/s'",
      {});
  ASSERT_TRUE(values);
  EXPECT_GT((*values)[0].int64(0), 10);
  // The edges' intentional stops (NDEATH) raised one node_offline alarm each, and no asset_stale besides:
  // one alarm per cause.
  auto alarms = (*db)->query("SELECT definition, node, state FROM alarm_instances ORDER BY node", {});
  ASSERT_TRUE(alarms) << alarms.error().message;
  ASSERT_EQ(alarms->size(), 2u);
  EXPECT_EQ((*alarms)[0].text(0), "node_offline");
  EXPECT_EQ((*alarms)[0].text(1), "plant1/line3");
  EXPECT_EQ((*alarms)[0].text(2), "unack_active");
  EXPECT_EQ((*alarms)[1].text(1), "plant1/line4");
}

// The hub's API port and first admin password, from what it printed.
struct ApiAccess {
  std::uint16_t port = 0;
  std::string token;
};

vigil::hub::api::test::HttpReply call(std::uint16_t port, std::string method, std::string target,
                                      std::string body = "", std::string token = "") {
  vigil::hub::api::test::HttpCall c;
  c.method = std::move(method);
  c.target = std::move(target);
  c.body = std::move(body);
  c.token = std::move(token);
  return vigil::hub::api::test::http_call(port, c);
}

ApiAccess log_in(const std::string& output) {
  ApiAccess a;
  const auto at = output.find("event=api_listening detail=http://127.0.0.1:");
  const auto pw = output.find("one-time password ");
  EXPECT_NE(at, std::string::npos) << output;
  EXPECT_NE(pw, std::string::npos) << output;
  if (at == std::string::npos || pw == std::string::npos) return a;
  a.port = static_cast<std::uint16_t>(std::stoi(output.substr(at + 44)));
  const std::string password = output.substr(pw + 18, output.find(' ', pw + 18) - pw - 18);
  auto reply =
      call(a.port, "POST", "/api/v1/login", nlohmann::json{{"user", "admin"}, {"password", password}}.dump());
  EXPECT_EQ(reply.status, 200) << reply.body;
  if (reply.status == 200) a.token = nlohmann::json::parse(reply.body)["token"];
  return a;
}

nlohmann::json get(const ApiAccess& a, const std::string& target) {
  auto reply = call(a.port, "GET", target, "", a.token);
  EXPECT_EQ(reply.status, 200) << target << ": " << reply.body;
  return nlohmann::json::parse(reply.body, nullptr, false);
}

// A bearing that degrades on the edge (the simulator's outer-race defect, in accelerated time) becomes an
// ISA-18.2 alarm at the hub, seen and acknowledged through the API by a person: bearing_warning active and
// unacknowledged, raised by the edge node; the twin says what to do; a viewer may not acknowledge, the
// admin may, and the audit log says who did.
TEST_F(HubSystem, ADegradingBearingBecomesAnAlarmAPersonAcknowledges) {
  hub_config("path = \"hub.db\"", true);
  auto h = hub("hub.log");
  ASSERT_TRUE(h->wait_for_output("event=connected", 30s)) << h->output();
  const ApiAccess admin = log_in(h->output());
  ASSERT_FALSE(admin.token.empty());
  // Onset after 36 s of signal, failure at 6 min; at 20 x real time: a defect within seconds.
  auto e = edge("line3", "line3.log", 0.01, 0.1, "20");
  ASSERT_TRUE(e->wait_for_output("level=warning", 60s)) << e->output();
  nlohmann::json alarm;
  for (int i = 0; i < 200 && alarm.is_null(); ++i) {
    const auto alarms = get(admin, "/api/v1/alarms");
    for (const auto& a : alarms["items"])
      if (a["point"]["definition"] == "bearing_warning") alarm = a;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(alarm.is_null()) << get(admin, "/api/v1/alarms?hidden=true&normal=true").dump() << h->output();
  // The edge stops (its NDEATH is a node_offline alarm); the bearing's alarm stays as it was.
  e->signal(SIGTERM);
  ASSERT_EQ(e->wait(30s), 0) << e->output();
  const std::string alarm_path = fmt::format("/api/v1/alarms/{}", alarm["id"].get<std::int64_t>());
  alarm = get(admin, alarm_path);
  // Active, or returned to normal already (the edge's level may fall back): unacknowledged either way.
  const std::string before = alarm["state"];
  ASSERT_TRUE(before == "unack_active" || before == "unack_rtn") << alarm.dump();
  EXPECT_FALSE(alarm["rationalisation"]["corrective_action"].get<std::string>().empty());
  const std::int64_t asset = alarm["point"]["asset_id"];
  const auto twin = get(admin, fmt::format("/api/v1/assets/{}/twin", asset));
  std::string fault;
  for (const auto& t : twin["descriptive"]["texts"])
    if (t["metric"] == "Fault/Class") fault = t["value"];
  EXPECT_EQ(fault, "outer_race") << twin.dump();

  // A viewer sees the alarm but may not acknowledge it.
  auto created = call(admin.port, "POST", "/api/v1/users",
                      R"({"name":"ana","password":"viewer passphrase","role":"viewer"})", admin.token);
  ASSERT_EQ(created.status, 201) << created.body;
  auto ana = call(admin.port, "POST", "/api/v1/login", R"({"user":"ana","password":"viewer passphrase"})");
  ASSERT_EQ(ana.status, 200) << ana.body;
  const std::string ana_token = nlohmann::json::parse(ana.body)["token"];
  const std::string ack = fmt::format("/api/v1/alarms/{}/acknowledge", alarm["id"].get<std::int64_t>());
  EXPECT_EQ(call(admin.port, "POST", ack, "{}", ana_token).status, 403);
  EXPECT_EQ(call(admin.port, "POST", ack, "{}").status, 401);
  auto acked = call(admin.port, "POST", ack, R"({"comment":"seen, planning")", admin.token);
  EXPECT_EQ(acked.status, 400) << "malformed JSON is refused: " << acked.body;
  acked = call(admin.port, "POST", ack, R"({"comment":"seen, planning"})", admin.token);
  ASSERT_EQ(acked.status, 200) << acked.body;
  // ISA-18.2: acknowledging an active alarm leaves it active; a returned one goes back to normal.
  const auto after = get(admin, alarm_path);
  EXPECT_EQ(after["state"], before == "unack_active" ? "ack_active" : "normal") << after.dump();
  bool audited = false;
  const auto audit = get(admin, "/api/v1/audit?limit=1000");
  for (const auto& entry : audit["items"])
    audited = audited || (entry["actor"] == "admin" && entry["action"] == "alarm.acknowledged");
  EXPECT_TRUE(audited);

  h->signal(SIGTERM);
  ASSERT_EQ(h->wait(30s), 0) << h->output();
  auto db = hs::open_sqlite(dir_ / "hub.db");
  ASSERT_TRUE(db) << db.error().message;
  auto history = (*db)->query("SELECT actor FROM alarm_history WHERE what = 'activated'", {});
  ASSERT_TRUE(history);
  ASSERT_FALSE(history->empty());
  EXPECT_EQ((*history)[0].text(0), "edge:plant1/line3");
}

// tck-id-host-topic-phid-birth-payload, tck-id-host-topic-phid-death-payload: the host's birth and its Will
// carry the same timestamp; the birth is retained and arrives after the hub subscribed; a kill -9 makes the
// broker publish the Will. Checked by a plain subscriber with the hub's own certificate (the ACL lets only
// the hub read its STATE topic... and every edge, by pattern).
TEST_F(HubSystem, HostBirthAndWillCarryTheSameTimestamp) {
  hub_config("path = \"hub.db\"");
  auto h = hub("hub.log");
  ASSERT_TRUE(h->wait_for_output("event=connected", 30s)) << h->output();
  vigil::net::MqttOptions o;
  o.port = broker_->port();
  o.client_id = "observer";
  o.tls = vigil::net::MqttTls{pki_.ca_cert.string(), cert("line3", ".crt").string(),
                              cert("line3", ".key").string()};
  auto observer = vigil::net::MqttClient::create(o);
  ASSERT_TRUE(observer);
  std::mutex m;
  std::vector<std::string> states;
  (*observer)->on_message([&](std::string_view, std::span<const std::byte> payload) {
    std::lock_guard lock(m);
    states.emplace_back(reinterpret_cast<const char*>(payload.data()), payload.size());
  });
  ASSERT_TRUE((*observer)->connect());
  ASSERT_TRUE((*observer)->subscribe("spBv1.0/STATE/hub", 1));
  std::this_thread::sleep_for(500ms);
  h->signal(SIGKILL);
  h->wait(10s);
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard lock(m);
      if (states.size() >= 2) break;
    }
    std::this_thread::sleep_for(100ms);
  }
  std::lock_guard lock(m);
  ASSERT_EQ(states.size(), 2u);
  const auto birth = nlohmann::json::parse(states[0]);
  const auto death = nlohmann::json::parse(states[1]);
  EXPECT_EQ(birth["online"], true);
  EXPECT_EQ(death["online"], false);
  EXPECT_EQ(birth["timestamp"], death["timestamp"]);
  EXPECT_GT(birth["timestamp"].get<std::uint64_t>(), 1'700'000'000'000u);
}

// Kill -9 of the hub mid-stream, then a restart on the same store: nothing it acknowledged is lost (the
// edge dropped it), and the edge sent again what was not acknowledged; stored once.
TEST_F(HubSystem, AKillDashNineOfTheHubLosesNothingItAcknowledged) {
  hub_config("path = \"hub.db\"");
  auto h = hub("hub.log");
  ASSERT_TRUE(h->wait_for_output("event=connected", 30s)) << h->output();
  auto e = edge("line3", "line3.log");
  std::this_thread::sleep_for(6s);
  h->signal(SIGKILL);
  h->wait(10s);
  std::this_thread::sleep_for(3s);  // the edge queues while its primary host is away
  h = hub("hub-after-kill.log");
  ASSERT_TRUE(h->wait_for_output("event=connected", 30s)) << h->output();
  std::this_thread::sleep_for(4s);
  wait_acknowledged({"line3"}, 30s);
  e->signal(SIGTERM);
  ASSERT_EQ(e->wait(30s), 0) << e->output();
  h->signal(SIGTERM);
  ASSERT_EQ(h->wait(30s), 0) << h->output();
  auto db = hs::open_sqlite(dir_ / "hub.db");
  ASSERT_TRUE(db) << db.error().message;
  expect_nothing_lost(**db, "line3");
}

// The store on PostgreSQL, restarted while records flow: the hub keeps what it received, reconnects, and
// loses nothing; the edge re-sends what was not acknowledged meanwhile.
TEST_F(HubSystem, APostgresRestartUnderLoadLosesNothing) {
  auto pg = vigil::test::PostgresServer::start();
  if (!pg && pg.error().code == vigil::ErrorCode::not_found) GTEST_SKIP() << pg.error().message;
  ASSERT_TRUE(pg) << pg.error().message;
  auto conninfo = (*pg)->create_database("hub");
  ASSERT_TRUE(conninfo) << conninfo.error().message;
  hub_config(fmt::format("engine = \"postgres\"\npostgres = \"{}\"", *conninfo));
  auto h = hub("hub.log");
  ASSERT_TRUE(h->wait_for_output("event=connected", 30s)) << h->output();
  auto e = edge("line3", "line3.log");
  std::this_thread::sleep_for(5s);
  (*pg)->stop();
  std::this_thread::sleep_for(2s);
  ASSERT_TRUE((*pg)->restart());
  std::this_thread::sleep_for(4s);
  wait_acknowledged({"line3"}, 30s);
  e->signal(SIGTERM);
  ASSERT_EQ(e->wait(30s), 0) << e->output();
  h->signal(SIGTERM);
  ASSERT_EQ(h->wait(30s), 0) << h->output();
  EXPECT_NE(h->output().find("event=store_unavailable"), std::string::npos) << "the restart was noticed";
  auto db = hs::open_postgres(*conninfo);
  ASSERT_TRUE(db) << db.error().message;
  expect_nothing_lost(**db, "line3");
}

// An edge node that is not ours: Eclipse Tahu's JavaScript client (npm sparkplug-client 3.2.4, a 2.2-era
// client: QoS 0 Will, bdSeq as UInt64, no wait for the primary host, no aliases; docs/hub-sparkplug.md).
// The hub accepts it: the device registered from its DBIRTH, every value the script sent stored at its
// timestamp, the latest text the last one sent.
TEST_F(HubSystem, AcceptsAnEdgeNodeBuiltOnEclipseTahusClient) {
  ASSERT_TRUE(vigil::test::make_client_certificate(dir_ / "pki", "tahu1"));
  hub_config("path = \"hub.db\"");
  auto h = hub("hub.log");
  ASSERT_TRUE(h->wait_for_output("event=connected", 30s)) << h->output();
  constexpr int k_count = 40;
  const fs::path interop = fs::path(VIGIL_SOURCE_DIR) / "tests" / "interop";
  ChildProcess tahu({"/usr/bin/node", (interop / "tahu_edge.js").string(), std::to_string(broker_->port()),
                     pki_.ca_cert.string(), cert("tahu1", ".crt").string(), cert("tahu1", ".key").string(),
                     "plant1", "tahu1", "fan1", std::to_string(k_count)},
                    dir_ / "tahu.log");
  ASSERT_EQ(tahu.wait(60s), 0) << tahu.output();
  std::this_thread::sleep_for(1s);
  h->signal(SIGTERM);
  ASSERT_EQ(h->wait(30s), 0) << h->output();
  auto db = hs::open_sqlite(dir_ / "hub.db");
  ASSERT_TRUE(db) << db.error().message;
  auto asset =
      (*db)->query("SELECT id, bearing FROM assets WHERE node_id = 'tahu1' AND device_id = 'fan1'", {});
  ASSERT_TRUE(asset);
  ASSERT_EQ(asset->size(), 1u) << h->output();
  EXPECT_EQ((*asset)[0].text(1), "6309");
  auto health = (*db)->query(
      "SELECT s.ts_ms, s.value FROM samples s JOIN metrics m ON m.id = s.metric_id WHERE m.asset_id = ?1 AND "
      "m.name = 'Health/Index' ORDER BY s.ts_ms",
      {(*asset)[0].int64(0)});
  ASSERT_TRUE(health);
  ASSERT_EQ(health->size(), static_cast<std::size_t>(k_count + 1)) << "the birth's value and every DDATA's";
  for (int i = 0; i < k_count; ++i) {
    EXPECT_EQ((*health)[i + 1].int64(0), 1'800'000'000'000 + 1000 * (i + 1));
    EXPECT_DOUBLE_EQ((*health)[i + 1].real(1), 1 - i / 100.0);
  }
  auto level = (*db)->query("SELECT value FROM latest_text WHERE asset_id = ?1 AND name = 'Alert/Level'",
                            {(*asset)[0].int64(0)});
  ASSERT_TRUE(level);
  ASSERT_EQ(level->size(), 1u);
  EXPECT_EQ((*level)[0].text(0), "watch");
}

TEST_F(HubSystem, CheckConfigListsEveryProblemAndExits2) {
  const fs::path bad = dir_ / "bad.toml";
  std::ofstream(bad) << "[host]\nid = \"a/b\"\n[store]\nengine = \"oracle\"\nraw_days = -1\n[brokr]\n";
  ChildProcess check({VIGIL_HUB, "--config", bad.string(), "--check-config"}, dir_ / "check.log");
  ASSERT_EQ(check.wait(30s), 2);
  const std::string out = check.output();
  for (const char* expected :
       {"bad.toml:2: host.id: 'a/b' is not a valid Sparkplug host id",
        "bad.toml:4: store.engine: 'oracle' is not an engine", "bad.toml:5: store.raw_days",
        "bad.toml:6: brokr: unknown key", "4 problem(s)"})
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  ChildProcess good({VIGIL_HUB, "--config", hub_config("path = \"hub.db\"").string(), "--check-config"},
                    dir_ / "good.log");
  ASSERT_EQ(good.wait(30s), 0) << good.output();
  EXPECT_FALSE(fs::exists(dir_ / "hub.db")) << "checking does not create the store";
}

}  // namespace VIGIL_TEST_FILE
