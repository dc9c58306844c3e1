// The edge node's session rules, one test per Sparkplug 3.0 assertion id (the test name); expectations
// come from the assertion's text. Published payloads are read back with decode(), whose bytes are checked
// against hand-assembled protobuf in sparkplug_test.cpp and against Eclipse Tahu's decoder in
// tests/interop.
#include "proto/sparkplug_edge_session.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

namespace vigil::proto::sparkplug {
namespace VIGIL_TEST_FILE {

constexpr std::uint64_t k_t0 = 1'700'000'000'000;

struct Message {
  std::string topic;
  Payload payload;
  int qos = 0;
  bool retain = false;
};

Message open(const OutboundMessage& m) {
  auto p = decode(m.payload);
  EXPECT_TRUE(p) << m.topic << ": " << p.error().message;
  return Message{m.topic, p ? *p : Payload{}, m.qos, m.retain};
}

std::vector<Message> open(const SessionActions& a) {
  std::vector<Message> out;
  for (const auto& m : a.publish) out.push_back(open(m));
  return out;
}

const Metric* find(const Payload& p, std::string_view name) {
  for (const Metric& m : p.metrics) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Metric metric(std::string name, DataType type, MetricValue value) {
  Metric m;
  m.name = std::move(name);
  m.datatype = type;
  m.value = std::move(value);
  return m;
}

class SparkplugEdgeSession : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        fmt::format("vigil-sparkplug-{}-{}", ::getpid(), ::testing::UnitTest::GetInstance()->random_seed());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  EdgeSessionConfig config(std::string primary_host = "") const {
    EdgeSessionConfig c;
    c.group_id = "plant";
    c.edge_node_id = "line-4";
    c.primary_host_id = std::move(primary_host);
    c.bdseq_file = dir_ / "bdseq";
    c.node_metrics = {metric("Uplink/Backlog", DataType::uint64, std::uint64_t{0}),
                      metric("Models/Anomaly version", DataType::string, std::monostate{})};
    return c;
  }

  EdgeSession make(std::string primary_host = "") const {
    auto s = EdgeSession::create(config(std::move(primary_host)));
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
  }

  static std::vector<Metric> asset_metrics() {
    return {metric("Health/Index", DataType::float64, 0.93),
            metric("Alert/Level", DataType::string, std::string("normal")),
            metric("Record/Id", DataType::uint64, std::uint64_t{17})};
  }

  // Connected, born, with device pump-7 born.
  EdgeSession online() {
    EdgeSession s = make();
    EXPECT_TRUE(s.device_born("pump-7", asset_metrics(), k_t0));
    EXPECT_TRUE(s.on_connect_accepted(k_t0));
    return s;
  }

  static Bytes rebirth_command(bool value) {
    Payload p;
    p.timestamp_ms = k_t0;
    p.metrics = {metric(std::string(k_rebirth_metric), DataType::boolean, value)};
    auto wire = encode(p, MessageType::ncmd);
    EXPECT_TRUE(wire);
    return *wire;
  }

  static Bytes state(bool online, std::uint64_t timestamp) {
    const std::string json = format_host_state({online, timestamp});
    return Bytes(json.begin(), json.end());
  }

  std::filesystem::path dir_;
};

// ---- bdSeq and the Will -----------------------------------------------------------------------------

TEST_F(SparkplugEdgeSession, tck_id_topics_nbirth_bdseq_increment) {
  // "The bdSeq number MUST start at zero and increment by one on every new MQTT CONNECT packet."
  EdgeSession s = make();
  std::vector<std::int64_t> seen;
  for (int connect = 0; connect < 3; ++connect) {
    const Message will = open(s.will(k_t0));
    seen.push_back(std::get<std::int64_t>(find(will.payload, "bdSeq")->value));
    ASSERT_TRUE(s.on_connect_accepted(k_t0));
    s.on_connection_lost();
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{0, 1, 2}));
}

TEST_F(SparkplugEdgeSession, tck_id_topics_nbirth_bdseq_increment_persisted_across_restarts) {
  {
    EdgeSession s = make();
    ASSERT_TRUE(s.on_connect_accepted(k_t0));  // CONNECT with bdSeq 0 accepted
  }                                            // the process dies without losing the connection cleanly
  EdgeSession restarted = make();
  EXPECT_EQ(std::get<std::int64_t>(find(open(restarted.will(k_t0)).payload, "bdSeq")->value), 1);
}

TEST_F(SparkplugEdgeSession, tck_id_topics_nbirth_bdseq_increment_only_when_connect_accepted) {
  EdgeSession s = make();
  (void)s.will(k_t0);  // a CONNECT that the broker refused or that timed out
  (void)s.will(k_t0 + 1000);
  EXPECT_EQ(std::get<std::int64_t>(find(open(s.will(k_t0)).payload, "bdSeq")->value), 0);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bdseq"));
}

TEST_F(SparkplugEdgeSession, tck_id_message_flow_edge_node_birth_publish_will_message_payload_bdSeq_wraps) {
  // "... unless the value would be greater than 255 ... MUST have a value of 0."
  std::ofstream(dir_ / "bdseq") << "255\n";
  EdgeSession s = make();
  EXPECT_EQ(std::get<std::int64_t>(find(open(s.will(k_t0)).payload, "bdSeq")->value), 255);
  ASSERT_TRUE(s.on_connect_accepted(k_t0));
  s.on_connection_lost();
  EXPECT_EQ(std::get<std::int64_t>(find(open(s.will(k_t0)).payload, "bdSeq")->value), 0);
}

TEST_F(SparkplugEdgeSession, tck_id_message_flow_edge_node_birth_publish_will_message) {
  const Message will = open(make().will(k_t0));
  EXPECT_EQ(will.topic, "spBv1.0/plant/NDEATH/line-4");  // ...-will-message-topic
  EXPECT_EQ(will.qos, 1);                                // ...-will-message-qos
  EXPECT_FALSE(will.retain);                             // ...-will-message-will-retained
  // tck-id-topics-ndeath-payload: only the bdSeq metric, Int64; tck-id-topics-ndeath-seq: no seq.
  ASSERT_EQ(will.payload.metrics.size(), 1u);
  EXPECT_EQ(will.payload.metrics[0].name, "bdSeq");
  EXPECT_EQ(will.payload.metrics[0].datatype, DataType::int64);
  EXPECT_FALSE(will.payload.seq.has_value());
}

TEST_F(SparkplugEdgeSession, CorruptOrUnwritableBdSeqFileIsAnError) {
  std::ofstream(dir_ / "bdseq") << "256\n";
  auto corrupt = EdgeSession::create(config());
  ASSERT_FALSE(corrupt);
  EXPECT_NE(corrupt.error().message.find("bdseq: expected the next bdSeq"), std::string::npos)
      << corrupt.error().message;
  std::ofstream(dir_ / "bdseq") << "x";
  EXPECT_FALSE(EdgeSession::create(config()));

  std::filesystem::remove(dir_ / "bdseq");
  EdgeSessionConfig c = config();
  c.bdseq_file = dir_ / "missing-dir" / "bdseq";
  auto s = EdgeSession::create(c);
  ASSERT_TRUE(s);
  auto accepted = s->on_connect_accepted(k_t0);
  ASSERT_FALSE(accepted);
  EXPECT_EQ(accepted.error().code, ErrorCode::io);
  EXPECT_EQ(s->state(), EdgeSession::State::disconnected);  // nothing published under an unsaved bdSeq
}

// ---- NBIRTH -------------------------------------------------------------------------------------------

TEST_F(SparkplugEdgeSession, tck_id_topics_nbirth_seq_num) {
  auto births = make().on_connect_accepted(k_t0);
  ASSERT_TRUE(births);
  const auto messages = open(*births);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages[0].topic, "spBv1.0/plant/NBIRTH/line-4");  // tck-id-topics-nbirth-topic
  EXPECT_EQ(messages[0].payload.seq, 0);
}

TEST_F(SparkplugEdgeSession, tck_id_topics_nbirth_mqtt) {
  auto births = make().on_connect_accepted(k_t0);
  ASSERT_TRUE(births);
  EXPECT_EQ(births->publish.at(0).qos, 0);
  EXPECT_FALSE(births->publish.at(0).retain);
  // tck-id-topics-nbirth-timestamp
  EXPECT_EQ(open(births->publish.at(0)).payload.timestamp_ms, k_t0);
}

TEST_F(SparkplugEdgeSession, tck_id_topics_nbirth_bdseq_matching) {
  std::ofstream(dir_ / "bdseq") << "41\n";
  EdgeSession s = make();
  const auto will_bdseq = find(open(s.will(k_t0)).payload, "bdSeq")->value;
  auto births = s.on_connect_accepted(k_t0);
  ASSERT_TRUE(births);
  const Message nbirth = open(births->publish.at(0));
  const Metric* bdseq = find(nbirth.payload, "bdSeq");
  ASSERT_NE(bdseq, nullptr);  // tck-id-topics-nbirth-bdseq-included
  EXPECT_EQ(bdseq->datatype, DataType::int64);
  EXPECT_EQ(bdseq->value, will_bdseq);
  EXPECT_EQ(bdseq->value, MetricValue{std::int64_t{41}});
}

TEST_F(SparkplugEdgeSession, tck_id_operational_behavior_data_commands_rebirth_name_aliases) {
  auto births = make().on_connect_accepted(k_t0);
  ASSERT_TRUE(births);
  const Message nbirth = open(births->publish.at(0));
  const Metric* rebirth = find(nbirth.payload, "Node Control/Rebirth");
  ASSERT_NE(rebirth, nullptr);                      // ...-rebirth-name
  EXPECT_FALSE(rebirth->alias.has_value());         // ...-rebirth-name-aliases
  EXPECT_EQ(rebirth->datatype, DataType::boolean);  // ...-rebirth-datatype
  EXPECT_EQ(rebirth->value, MetricValue{false});    // ...-rebirth-value
}

TEST_F(SparkplugEdgeSession, tck_id_payloads_alias_birth_requirement) {
  // "NBIRTH and DBIRTH messages MUST include both a metric name and alias" (Rebirth excepted), with the
  // datatype (tck-id-payloads-metric-datatype-req) and a timestamp (tck-id-payloads-name-birth-data-
  // requirement); aliases are unique across the node (tck-id-payloads-alias-uniqueness).
  EdgeSession s = online();
  ASSERT_TRUE(s.device_born("fan-2", asset_metrics(), k_t0));
  auto births = s.on_message("spBv1.0/plant/NCMD/line-4", rebirth_command(true), k_t0 + 5);
  ASSERT_TRUE(births);
  std::set<std::uint64_t> aliases;
  std::size_t count = 0;
  for (const Message& m : open(*births)) {
    for (const Metric& metric : m.payload.metrics) {
      EXPECT_FALSE(metric.name.empty());
      EXPECT_NE(metric.datatype, DataType::unknown) << metric.name;
      EXPECT_TRUE(metric.timestamp_ms.has_value()) << metric.name;
      if (metric.name == k_rebirth_metric) continue;
      ASSERT_TRUE(metric.alias.has_value()) << metric.name;
      aliases.insert(*metric.alias);
      ++count;
    }
  }
  EXPECT_EQ(aliases.size(), count);
}

TEST_F(SparkplugEdgeSession, tck_id_operational_behavior_data_publish_nbirth_values) {
  // "values must be set or is_null must be set to true": a node metric without a value yet is null.
  auto births = make().on_connect_accepted(k_t0);
  ASSERT_TRUE(births);
  const Payload nbirth = open(births->publish.at(0)).payload;
  const Metric* version = find(nbirth, "Models/Anomaly version");
  ASSERT_NE(version, nullptr);
  EXPECT_TRUE(version->is_null);
  EXPECT_EQ(find(nbirth, "Uplink/Backlog")->value, MetricValue{std::uint64_t{0}});
  EXPECT_NE(find(nbirth, "Uplink/Ack"), nullptr);
}

// ---- primary host -------------------------------------------------------------------------------------

TEST_F(SparkplugEdgeSession, tck_id_message_flow_edge_node_birth_publish_phid_wait) {
  EdgeSession s = make("scada");
  const auto subs = s.subscriptions();
  EXPECT_NE(std::find(subs.begin(), subs.end(), "spBv1.0/STATE/scada"), subs.end());
  auto connected = s.on_connect_accepted(k_t0);
  ASSERT_TRUE(connected);
  EXPECT_TRUE(connected->publish.empty());  // nothing before the host's STATE online
  EXPECT_EQ(s.state(), EdgeSession::State::waiting_for_host);
  // Nothing goes out meanwhile, not even DATA or a DBIRTH.
  auto data = s.report("", {metric("Uplink/Backlog", DataType::uint64, std::uint64_t{3})}, k_t0 + 1);
  ASSERT_TRUE(data);
  EXPECT_TRUE(data->publish.empty());
  auto online = s.on_message("spBv1.0/STATE/scada", state(true, k_t0 - 10), k_t0 + 2);
  ASSERT_TRUE(online);
  ASSERT_EQ(online->publish.size(), 1u);
  const Message nbirth = open(online->publish[0]);
  EXPECT_EQ(nbirth.topic, "spBv1.0/plant/NBIRTH/line-4");
  EXPECT_EQ(find(nbirth.payload, "Uplink/Backlog")->value, MetricValue{std::uint64_t{3}});
}

TEST_F(SparkplugEdgeSession, tck_id_message_flow_edge_node_birth_publish_phid_wait_id) {
  EdgeSession s = make("scada");
  ASSERT_TRUE(s.on_connect_accepted(k_t0));
  auto other = s.on_message("spBv1.0/STATE/historian", state(true, k_t0), k_t0);
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->publish.empty());
  EXPECT_EQ(s.state(), EdgeSession::State::waiting_for_host);
}

TEST_F(SparkplugEdgeSession, tck_id_message_flow_edge_node_birth_publish_phid_wait_online) {
  EdgeSession s = make("scada");
  ASSERT_TRUE(s.on_connect_accepted(k_t0));
  auto bad = s.on_message("spBv1.0/STATE/scada", Bytes{'O', 'N', 'L', 'I', 'N', 'E'}, k_t0);  // 2.2 style
  EXPECT_FALSE(bad);
  EXPECT_EQ(s.state(), EdgeSession::State::waiting_for_host);
}

TEST_F(SparkplugEdgeSession, tck_id_message_flow_edge_node_birth_publish_phid_wait_timestamp) {
  // A STATE counts only if its timestamp is not older than the last one seen; the first one always counts.
  EdgeSession s = make("scada");
  ASSERT_TRUE(s.on_connect_accepted(k_t0));
  auto first = s.on_message("spBv1.0/STATE/scada", state(true, k_t0 + 500), k_t0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->publish.size(), 1u);
  auto older = s.on_message("spBv1.0/STATE/scada", state(false, k_t0 + 400), k_t0 + 1);
  ASSERT_TRUE(older);
  EXPECT_FALSE(older->disconnect);
  auto equal = s.on_message("spBv1.0/STATE/scada", state(false, k_t0 + 500), k_t0 + 2);
  ASSERT_TRUE(equal);
  EXPECT_TRUE(equal->disconnect);
}

TEST_F(SparkplugEdgeSession, tck_id_operational_behavior_edge_node_termination_host_offline_timestamp) {
  // An offline STATE older than the last STATE seen is ignored: no NDEATH, no disconnect.
  EdgeSession s = make("scada");
  ASSERT_TRUE(s.on_connect_accepted(k_t0));
  ASSERT_TRUE(s.on_message("spBv1.0/STATE/scada", state(true, k_t0 + 100), k_t0 + 1));
  ASSERT_EQ(s.state(), EdgeSession::State::online);
  auto stale = s.on_message("spBv1.0/STATE/scada", state(false, k_t0 + 99), k_t0 + 2);
  ASSERT_TRUE(stale);
  EXPECT_TRUE(stale->publish.empty());
  EXPECT_FALSE(stale->disconnect);
  EXPECT_EQ(s.state(), EdgeSession::State::online);
  // The same birth delivered again (retained) is not older: still online, no second birth.
  auto again = s.on_message("spBv1.0/STATE/scada", state(true, k_t0 + 100), k_t0 + 3);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->publish.empty());
}

TEST_F(SparkplugEdgeSession, tck_id_message_flow_edge_node_birth_publish_phid_offline) {
  // Online, then a newer offline STATE: NDEATH with this session's bdSeq, then disconnect; nothing more.
  EdgeSession s = make("scada");
  ASSERT_TRUE(s.on_connect_accepted(k_t0));
  ASSERT_TRUE(s.on_message("spBv1.0/STATE/scada", state(true, k_t0), k_t0 + 1));
  auto offline = s.on_message("spBv1.0/STATE/scada", state(false, k_t0 + 50), k_t0 + 2);
  ASSERT_TRUE(offline);
  ASSERT_EQ(offline->publish.size(), 1u);
  const Message ndeath = open(offline->publish[0]);
  EXPECT_EQ(ndeath.topic, "spBv1.0/plant/NDEATH/line-4");
  EXPECT_EQ(find(ndeath.payload, "bdSeq")->value, MetricValue{std::int64_t{0}});
  EXPECT_TRUE(offline->disconnect);  // tck-id-operational-behavior-edge-node-termination-host-offline
  auto after = s.report("", {metric("Uplink/Backlog", DataType::uint64, std::uint64_t{9})}, k_t0 + 3);
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->publish.empty());
}

TEST_F(SparkplugEdgeSession,
       tck_id_operational_behavior_primary_application_state_with_multiple_servers_walk) {
  // The host is offline on this server before the node was born: leave (no NDEATH: nothing was born).
  EdgeSession s = make("scada");
  ASSERT_TRUE(s.on_connect_accepted(k_t0));
  auto offline = s.on_message("spBv1.0/STATE/scada", state(false, k_t0), k_t0 + 1);
  ASSERT_TRUE(offline);
  EXPECT_TRUE(offline->publish.empty());
  EXPECT_TRUE(offline->disconnect);
  s.on_connection_lost();
  // The next server: its own STATE history (an older timestamp there is not stale) and bdSeq + 1.
  EXPECT_EQ(find(open(s.will(k_t0)).payload, "bdSeq")->value, MetricValue{std::int64_t{1}});
  ASSERT_TRUE(s.on_connect_accepted(k_t0 + 10));
  auto online = s.on_message("spBv1.0/STATE/scada", state(true, k_t0 - 1000), k_t0 + 11);
  ASSERT_TRUE(online);
  ASSERT_EQ(online->publish.size(), 1u);
  EXPECT_EQ(find(open(online->publish[0]).payload, "bdSeq")->value, MetricValue{std::int64_t{1}});
}

// ---- devices ------------------------------------------------------------------------------------------

TEST_F(SparkplugEdgeSession, tck_id_message_flow_device_birth_publish_nbirth_wait) {
  EdgeSession s = make();
  auto early = s.device_born("pump-7", asset_metrics(), k_t0);
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->publish.empty());  // no NBIRTH yet in this session
  auto births = s.on_connect_accepted(k_t0 + 1);
  ASSERT_TRUE(births);
  const auto messages = open(*births);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].topic, "spBv1.0/plant/NBIRTH/line-4");
  EXPECT_EQ(messages[1].topic, "spBv1.0/plant/DBIRTH/line-4/pump-7");  // tck-id-topics-dbirth-topic
  EXPECT_EQ(messages[1].payload.seq, 1);                               // tck-id-topics-dbirth-seq
  EXPECT_EQ(births->publish[1].qos, 0);                                // tck-id-topics-dbirth-mqtt
  EXPECT_FALSE(births->publish[1].retain);
  EXPECT_EQ(messages[1].payload.timestamp_ms, k_t0 + 1);  // tck-id-topics-dbirth-timestamp
}

TEST_F(SparkplugEdgeSession, tck_id_topics_dbirth_metric_reqs) {
  EdgeSession s = online();
  ASSERT_TRUE(s.device_born("fan-2", asset_metrics(), k_t0 + 1));
  auto births = s.on_message("spBv1.0/plant/NCMD/line-4", rebirth_command(true), k_t0 + 2);
  ASSERT_TRUE(births);
  const auto messages = open(*births);
  ASSERT_EQ(messages.size(), 3u);
  for (std::size_t i = 1; i < 3; ++i) {
    const Payload& dbirth = messages[i].payload;
    ASSERT_EQ(dbirth.metrics.size(), 3u) << messages[i].topic;          // every metric of the asset
    EXPECT_EQ(find(dbirth, "Health/Index")->value, MetricValue{0.93});  // tck-id-topics-dbirth-metrics
    EXPECT_EQ(find(dbirth, "Record/Id")->datatype, DataType::uint64);
  }
}

TEST_F(SparkplugEdgeSession, tck_id_operational_behavior_device_ddeath) {
  EdgeSession s = online();
  auto dead = s.device_dead("pump-7", k_t0 + 5);
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->publish.size(), 1u);
  const Message ddeath = open(dead->publish[0]);
  EXPECT_EQ(ddeath.topic, "spBv1.0/plant/DDEATH/line-4/pump-7");  // tck-id-topics-ddeath-topic
  EXPECT_EQ(ddeath.payload.seq, 2);    // NBIRTH 0, DBIRTH 1: tck-id-topics-ddeath-seq-num
  EXPECT_EQ(dead->publish[0].qos, 0);  // tck-id-topics-ddeath-mqtt
  EXPECT_FALSE(dead->publish[0].retain);
  // A dead device's values are kept but not published until it is born again.
  auto quiet = s.report("pump-7", {metric("Health/Index", DataType::float64, 0.5)}, k_t0 + 6);
  ASSERT_TRUE(quiet);
  EXPECT_TRUE(quiet->publish.empty());
  auto reborn = s.device_born("pump-7", asset_metrics(), k_t0 + 7);
  ASSERT_TRUE(reborn);
  ASSERT_EQ(reborn->publish.size(), 1u);
  EXPECT_EQ(open(reborn->publish[0]).topic, "spBv1.0/plant/DBIRTH/line-4/pump-7");
  EXPECT_FALSE(s.device_dead("ghost", k_t0));
}

// ---- DATA ---------------------------------------------------------------------------------------------

TEST_F(SparkplugEdgeSession, tck_id_payloads_alias_data_cmd_requirement) {
  EdgeSession s = online();
  auto births = s.on_message("spBv1.0/plant/NCMD/line-4", rebirth_command(true), k_t0 + 1);
  const std::uint64_t alias = *find(open(births->publish[1]).payload, "Health/Index")->alias;
  auto data = s.report("pump-7", {metric("Health/Index", DataType::float64, 0.81)}, k_t0 + 2);
  ASSERT_TRUE(data);
  ASSERT_EQ(data->publish.size(), 1u);
  const Message ddata = open(data->publish[0]);
  EXPECT_EQ(ddata.topic, "spBv1.0/plant/DDATA/line-4/pump-7");  // tck-id-topics-ddata-topic
  EXPECT_EQ(data->publish[0].qos, 0);                           // tck-id-topics-ddata-mqtt
  EXPECT_FALSE(data->publish[0].retain);
  ASSERT_EQ(ddata.payload.metrics.size(), 1u);
  const Metric& m = ddata.payload.metrics[0];
  EXPECT_TRUE(m.name.empty());
  EXPECT_EQ(m.alias, alias);
  EXPECT_EQ(m.datatype, DataType::unknown);  // tck-id-payloads-metric-datatype-not-req
  EXPECT_EQ(m.timestamp_ms, k_t0 + 2);       // tck-id-payloads-name-birth-data-requirement
  EXPECT_EQ(m.value, MetricValue{0.81});
  EXPECT_EQ(ddata.payload.timestamp_ms, k_t0 + 2);  // tck-id-topics-ddata-timestamp
}

TEST_F(SparkplugEdgeSession, tck_id_topics_ndata_seq_num) {
  EdgeSession s = online();  // NBIRTH 0, DBIRTH 1
  auto ndata = s.report("", {metric("Uplink/Backlog", DataType::uint64, std::uint64_t{12})}, k_t0 + 1);
  ASSERT_TRUE(ndata);
  ASSERT_EQ(ndata->publish.size(), 1u);
  const Message m = open(ndata->publish[0]);
  EXPECT_EQ(m.topic, "spBv1.0/plant/NDATA/line-4");  // tck-id-topics-ndata-topic
  EXPECT_EQ(m.payload.seq, 2);
  EXPECT_EQ(ndata->publish[0].qos, 0);  // tck-id-topics-ndata-mqtt
}

TEST_F(SparkplugEdgeSession, tck_id_payloads_sequence_num_incrementing) {
  // seq rises by one per message and follows 255 with 0; NDEATH has none
  // (tck-id-payloads-sequence-num-always-included).
  EdgeSession s = online();  // NBIRTH 0, DBIRTH 1
  std::vector<int> seqs;
  for (int i = 0; i < 300; ++i) {
    auto data = s.report("pump-7", {metric("Record/Id", DataType::uint64, std::uint64_t(100 + i))},
                         k_t0 + 1 + static_cast<std::uint64_t>(i));
    ASSERT_TRUE(data);
    ASSERT_EQ(data->publish.size(), 1u);
    seqs.push_back(*open(data->publish[0]).payload.seq);
  }
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], static_cast<int>((i + 2) % 256)) << i;
  const auto ndeath = s.shutdown(k_t0 + 1000);
  EXPECT_FALSE(open(ndeath.publish.at(0)).payload.seq.has_value());
}

TEST_F(SparkplugEdgeSession, tck_id_operational_behavior_data_publish_nbirth_change) {
  // Report by exception: a value that did not change is not sent again.
  EdgeSession s = online();
  auto same = s.report("pump-7", {metric("Health/Index", DataType::float64, 0.93)}, k_t0 + 1);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->publish.empty());
  auto mixed = s.report("pump-7",
                        {metric("Health/Index", DataType::float64, 0.93),
                         metric("Alert/Level", DataType::string, std::string("watch"))},
                        k_t0 + 2);
  ASSERT_TRUE(mixed);
  ASSERT_EQ(mixed->publish.size(), 1u);
  EXPECT_EQ(open(mixed->publish[0]).payload.metrics.size(), 1u);
}

TEST_F(SparkplugEdgeSession, tck_id_operational_behavior_data_publish_dbirth_order_historical) {
  // Store-and-forward: a historical value keeps its original timestamp, carries is_historical and is
  // sent even if equal to the live value; it does not replace the live value the next birth carries.
  EdgeSession s = online();
  Metric old = metric("Health/Index", DataType::float64, 0.99);
  old.is_historical = true;
  old.timestamp_ms = k_t0 - 3'600'000;
  auto data = s.report("pump-7", {old}, k_t0 + 1);
  ASSERT_TRUE(data);
  ASSERT_EQ(data->publish.size(), 1u);
  const Metric sent = open(data->publish[0]).payload.metrics.at(0);
  EXPECT_TRUE(sent.is_historical);
  EXPECT_EQ(sent.timestamp_ms, k_t0 - 3'600'000);
  auto births = s.on_message("spBv1.0/plant/NCMD/line-4", rebirth_command(true), k_t0 + 2);
  ASSERT_TRUE(births);
  EXPECT_EQ(find(open(births->publish.at(1)).payload, "Health/Index")->value, MetricValue{0.93});
}

TEST_F(SparkplugEdgeSession, tck_id_topics_nbirth_metric_reqs) {
  // "The NBIRTH MUST include every metric the Edge Node will ever report on": a new metric makes the node
  // rebirth with it (same bdSeq, seq 0), and only then does DATA flow.
  EdgeSession s = online();
  auto grown = s.report("pump-7", {metric("Velocity/RMS mm/s", DataType::float64, 2.7)}, k_t0 + 1);
  ASSERT_TRUE(grown);
  const auto messages = open(*grown);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].topic, "spBv1.0/plant/NBIRTH/line-4");
  EXPECT_EQ(messages[0].payload.seq, 0);
  EXPECT_EQ(find(messages[0].payload, "bdSeq")->value, MetricValue{std::int64_t{0}});
  const Metric* added = find(messages[1].payload, "Velocity/RMS mm/s");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->value, MetricValue{2.7});
  EXPECT_TRUE(added->alias.has_value());
  auto data = s.report("pump-7", {metric("Velocity/RMS mm/s", DataType::float64, 2.9)}, k_t0 + 2);
  ASSERT_TRUE(data);
  ASSERT_EQ(data->publish.size(), 1u);
  EXPECT_EQ(open(data->publish[0]).payload.metrics.at(0).alias, added->alias);
}

TEST_F(SparkplugEdgeSession, ReportsWithABadMetricApplyNothing) {
  EdgeSession s = online();
  auto bad = s.report("pump-7",
                      {metric("Health/Index", DataType::float64, 0.1),
                       metric("Record/Id", DataType::string, std::string("x"))},
                      k_t0 + 1);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'Record/Id' is UInt64 in its birth"), std::string::npos)
      << bad.error().message;
  EXPECT_FALSE(s.report("pump-7", {metric("Health/Index", DataType::unknown, std::string("x"))}, k_t0 + 1));
  EXPECT_FALSE(s.report("", {metric("bdSeq", DataType::int64, std::int64_t{3})}, k_t0 + 1));
  EXPECT_FALSE(s.report("ghost", {}, k_t0 + 1));
  auto same = s.report("pump-7", {metric("Health/Index", DataType::float64, 0.93)}, k_t0 + 2);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->publish.empty());  // the 0.1 of the refused report was not applied
}

// ---- commands -----------------------------------------------------------------------------------------

TEST_F(SparkplugEdgeSession, tck_id_operational_behavior_data_commands_rebirth_action_3) {
  // NCMD Node Control/Rebirth = true: NBIRTH (seq 0) and every DBIRTH, with the SAME bdSeq.
  std::ofstream(dir_ / "bdseq") << "7\n";
  EdgeSession s = online();
  ASSERT_TRUE(s.report("pump-7", {metric("Record/Id", DataType::uint64, std::uint64_t{18})}, k_t0 + 1));
  auto births = s.on_message("spBv1.0/plant/NCMD/line-4", rebirth_command(true), k_t0 + 2);
  ASSERT_TRUE(births);
  const auto messages = open(*births);
  ASSERT_EQ(messages.size(), 2u);  // tck-id-operational-behavior-data-commands-rebirth-action-2
  EXPECT_EQ(messages[0].topic,
            "spBv1.0/plant/NBIRTH/line-4");  // births first: no DATA before them (-action-1)
  EXPECT_EQ(messages[0].payload.seq, 0);
  EXPECT_EQ(find(messages[0].payload, "bdSeq")->value, MetricValue{std::int64_t{7}});
  EXPECT_EQ(messages[1].payload.seq, 1);
  EXPECT_EQ(find(messages[1].payload, "Record/Id")->value, MetricValue{std::uint64_t{18}});
  EXPECT_EQ(s.bdseq(), 7);
  auto no = s.on_message("spBv1.0/plant/NCMD/line-4", rebirth_command(false), k_t0 + 3);
  ASSERT_TRUE(no);
  EXPECT_TRUE(no->publish.empty());
}

TEST_F(SparkplugEdgeSession, tck_id_message_flow_edge_node_ncmd_subscribe) {
  const auto subs = make().subscriptions();
  EXPECT_EQ(subs, (std::vector<std::string>{"spBv1.0/plant/NCMD/line-4", "spBv1.0/plant/DCMD/line-4/+"}));
}

TEST_F(SparkplugEdgeSession, UplinkAckByAliasOrNameReportsTheRanges) {
  EdgeSession s = online();
  auto births = s.on_message("spBv1.0/plant/NCMD/line-4", rebirth_command(true), k_t0 + 1);
  const Message nbirth = open(births->publish[0]);
  const Metric* ack_birth = find(nbirth.payload, "Uplink/Ack");
  ASSERT_NE(ack_birth, nullptr);
  EXPECT_EQ(ack_birth->datatype, DataType::bytes);
  const std::vector<RecordIdRange> ranges = {{1, 40}, {42, 42}};
  Metric ack;
  ack.alias = ack_birth->alias;  // what a host sends: alias only, no datatype
  ack.datatype = DataType::bytes;
  ack.value = *encode_ack(ranges);
  Payload p;
  p.timestamp_ms = k_t0 + 2;
  p.metrics = {ack};
  auto by_alias = s.on_message("spBv1.0/plant/NCMD/line-4", *encode(p, MessageType::ncmd), k_t0 + 2);
  ASSERT_TRUE(by_alias) << by_alias.error().message;
  EXPECT_EQ(by_alias->acknowledged, ranges);
  EXPECT_TRUE(by_alias->publish.empty());
  p.metrics[0].alias.reset();
  p.metrics[0].name = "Uplink/Ack";
  auto by_name = s.on_message("spBv1.0/plant/NCMD/line-4", *encode(p, MessageType::ncmd), k_t0 + 3);
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->acknowledged, ranges);
  p.metrics[0].value = Bytes{1, 1, 0, 0, 0};  // a range announced, none present
  auto malformed = s.on_message("spBv1.0/plant/NCMD/line-4", *encode(p, MessageType::ncmd), k_t0 + 4);
  ASSERT_FALSE(malformed);
  EXPECT_NE(malformed.error().message.find("Uplink/Ack"), std::string::npos) << malformed.error().message;
}

TEST_F(SparkplugEdgeSession, tck_id_operational_behavior_data_commands_dcmd_metric_name) {
  // A DCMD to a metric of the asset's birth is handed to the agent typed and named; one to a metric that
  // is not in the birth is refused, and nothing of that DCMD is applied.
  EdgeSession s = make();
  std::vector<Metric> metrics = asset_metrics();
  metrics.push_back(metric("Device Control/Rebaseline", DataType::boolean, false));
  ASSERT_TRUE(s.device_born("pump-7", metrics, k_t0));
  auto births = s.on_connect_accepted(k_t0);
  const std::uint64_t alias = *find(open(births->publish[1]).payload, "Device Control/Rebaseline")->alias;
  Metric cmd;
  cmd.alias = alias;
  cmd.datatype = DataType::boolean;
  cmd.value = true;
  Payload p;
  p.timestamp_ms = k_t0 + 1;
  p.metrics = {cmd};
  auto ok = s.on_message("spBv1.0/plant/DCMD/line-4/pump-7", *encode(p, MessageType::dcmd), k_t0 + 1);
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->commands.size(), 1u);
  EXPECT_EQ(ok->commands[0].device_id, "pump-7");
  EXPECT_EQ(ok->commands[0].metric.name, "Device Control/Rebaseline");
  EXPECT_EQ(ok->commands[0].metric.value, MetricValue{true});
  p.metrics.push_back(cmd);
  p.metrics.back().alias = 9999;
  auto unknown = s.on_message("spBv1.0/plant/DCMD/line-4/pump-7", *encode(p, MessageType::dcmd), k_t0 + 2);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("alias 9999 is not in the birth"), std::string::npos);
  EXPECT_FALSE(s.on_message("spBv1.0/plant/DCMD/line-4/ghost", *encode(p, MessageType::dcmd), k_t0 + 2));
  EXPECT_FALSE(s.on_message("spBv1.0/plant/NCMD/other-node", rebirth_command(true), k_t0 + 2));
  EXPECT_FALSE(s.on_message("spBv1.0/plant/NCMD/line-4", Bytes{0xFF}, k_t0 + 2));
}

TEST_F(SparkplugEdgeSession, tck_id_operational_behavior_edge_node_intentional_disconnect_ndeath) {
  EdgeSession s = online();
  const auto bye = s.shutdown(k_t0 + 9);
  ASSERT_EQ(bye.publish.size(), 1u);
  const Message ndeath = open(bye.publish[0]);
  EXPECT_EQ(ndeath.topic, "spBv1.0/plant/NDEATH/line-4");
  EXPECT_EQ(find(ndeath.payload, "bdSeq")->value, MetricValue{std::int64_t{0}});
  EXPECT_TRUE(bye.disconnect);
  EXPECT_TRUE(make().shutdown(k_t0).publish.empty());  // never connected: nothing to say
}

TEST_F(SparkplugEdgeSession, ConfigurationErrorsAreRefused) {
  EdgeSessionConfig c = config();
  c.group_id = "a/b";
  EXPECT_FALSE(EdgeSession::create(c));
  c = config();
  c.node_metrics.push_back(metric("bdSeq", DataType::int64, std::int64_t{0}));
  EXPECT_FALSE(EdgeSession::create(c));
  c = config();
  c.node_metrics.push_back(c.node_metrics[0]);
  EXPECT_FALSE(EdgeSession::create(c));
  c = config();
  c.node_metrics.push_back(metric("x", DataType::int8, std::int64_t{1000}));
  EXPECT_FALSE(EdgeSession::create(c));
  EdgeSession s = make();
  EXPECT_FALSE(s.device_born("a+b", asset_metrics(), k_t0));
  EXPECT_FALSE(s.device_born("pump", {metric("", DataType::boolean, true)}, k_t0));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::proto::sparkplug
