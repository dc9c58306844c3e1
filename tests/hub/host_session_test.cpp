// The host application's session rules, one test per Sparkplug 3.0 assertion id where the rule has one
// (the test name); expectations come from the assertion's text. Payloads are built with our encoder, whose
// bytes are checked against hand-assembled protobuf in tests/proto/sparkplug_test.cpp and against Eclipse
// Tahu's decoder in tests/interop; the commands the host sends are checked here byte for byte.
#include "hub/host_session.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "proto/sparkplug_edge_session.hpp"

namespace vigil::hub {
namespace VIGIL_TEST_FILE {

using sparkplug::Bytes;
using sparkplug::DataType;
using sparkplug::MessageType;
using sparkplug::Metric;
using sparkplug::MetricValue;
using sparkplug::Payload;

constexpr std::uint64_t k_t0 = 1'700'000'000'000;
constexpr std::uint64_t k_reorder_ms = 500;
const NodeKey k_node{"plant", "line-4"};

const std::string k_nbirth = "spBv1.0/plant/NBIRTH/line-4";
const std::string k_ndeath = "spBv1.0/plant/NDEATH/line-4";
const std::string k_ndata = "spBv1.0/plant/NDATA/line-4";
const std::string k_dbirth = "spBv1.0/plant/DBIRTH/line-4/pump-7";
const std::string k_ddata = "spBv1.0/plant/DDATA/line-4/pump-7";
const std::string k_ddeath = "spBv1.0/plant/DDEATH/line-4/pump-7";

Metric metric(std::string name, std::optional<std::uint64_t> alias, DataType type, MetricValue value) {
  Metric m;
  m.name = std::move(name);
  m.alias = alias;
  m.datatype = type;
  m.value = std::move(value);
  m.timestamp_ms = k_t0;
  return m;
}

// A DATA metric as an edge node sends it: alias only, no name, no datatype on the wire.
Metric by_alias(std::uint64_t alias, DataType type, MetricValue value, bool historical = false) {
  Metric m = metric("", alias, type, std::move(value));
  m.is_historical = historical;
  return m;
}

Bytes wire(std::optional<std::uint8_t> seq, std::vector<Metric> metrics, MessageType type,
           std::optional<std::uint64_t> timestamp = k_t0) {
  Payload p;
  p.timestamp_ms = timestamp;
  p.seq = seq;
  p.metrics = std::move(metrics);
  auto bytes = sparkplug::encode(p, type);
  EXPECT_TRUE(bytes) << bytes.error().message;
  return bytes ? *bytes : Bytes{};
}

Bytes nbirth(std::int64_t bdseq, std::uint8_t seq = 0) {
  return wire(seq,
              {metric("bdSeq", 1, DataType::int64, bdseq),
               metric("Node Control/Rebirth", {}, DataType::boolean, false),
               metric("Uplink/Ack", 2, DataType::bytes, Bytes{}),
               metric("Uplink/Backlog records", 3, DataType::uint64, std::uint64_t{0})},
              MessageType::nbirth);
}

Bytes dbirth(std::uint8_t seq) {
  return wire(seq,
              {metric("Health/Index", 10, DataType::float64, 0.93),
               metric("Alert/Level", 11, DataType::string, std::string("normal")),
               metric("Record/Id", 12, DataType::uint64, std::uint64_t{17}),
               metric("Fault/Confidence", 13, DataType::float32, 0.5f)},
              MessageType::dbirth);
}

Bytes ddata(std::uint8_t seq, double health = 0.8) {
  return wire(seq, {by_alias(10, DataType::float64, health)}, MessageType::ddata);
}

Bytes ndeath(std::int64_t bdseq) {
  return wire({}, {metric("bdSeq", {}, DataType::int64, bdseq)}, MessageType::ndeath);
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string as_text(const Bytes& b) { return std::string(b.begin(), b.end()); }

// The host's STATE: its topic, this JSON, QoS 1, retained.
void expect_state(const OutboundMessage& m, std::string_view json) {
  EXPECT_EQ(m.topic, "spBv1.0/STATE/vigil-hub");
  EXPECT_EQ(as_text(m.payload), json);
  EXPECT_EQ(m.qos, 1);
  EXPECT_TRUE(m.retain);
}

// NCMD Node Control/Rebirth = true sent at `timestamp`, assembled by hand from sparkplug_b.proto: field 1
// (timestamp, varint), field 2 (metric, length-delimited, 24 bytes) holding field 1 (name, 20 bytes) and
// field 14 (boolean_value = 1). No datatype, no seq, no metric timestamp.
Bytes rebirth_bytes(std::uint64_t timestamp) {
  Bytes b = {0x08};
  for (; timestamp >= 0x80; timestamp >>= 7)
    b.push_back(static_cast<std::uint8_t>(0x80 | (timestamp & 0x7f)));
  b.push_back(static_cast<std::uint8_t>(timestamp));
  const std::string name = "Node Control/Rebirth";
  b.insert(b.end(), {0x12, 0x18, 0x0a, 0x14});
  b.insert(b.end(), name.begin(), name.end());
  b.insert(b.end(), {0x70, 0x01});
  return b;
}

template <typename T>
std::vector<T> updates_of(const HostActions& a) {
  std::vector<T> out;
  for (const Update& u : a.updates) {
    if (const T* t = std::get_if<T>(&u)) out.push_back(*t);
  }
  return out;
}

std::vector<std::uint8_t> data_seqs(const HostActions& a) {
  std::vector<std::uint8_t> out;
  for (const DataUpdate& d : updates_of<DataUpdate>(a)) out.push_back(d.seq);
  return out;
}

class HubHostSession : public ::testing::Test {
 protected:
  static HostSession make() {
    auto s = HostSession::create(HostSessionConfig{"vigil-hub", k_reorder_ms, 10'000, 8});
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
  }

  static HostActions feed(HostSession& s, const std::string& topic, const Bytes& payload, std::uint64_t now) {
    auto a = s.on_message(topic, payload, now);
    EXPECT_TRUE(a) << topic << ": " << a.error().message;
    return a ? std::move(*a) : HostActions{};
  }

  // Connected, born, node line-4 (bdSeq 5, NBIRTH seq 0) and device pump-7 (DBIRTH seq 1) known.
  static HostSession online() {
    HostSession s = make();
    (void)s.will(k_t0);
    (void)s.on_subscribed();
    feed(s, k_nbirth, nbirth(5), k_t0);
    feed(s, k_dbirth, dbirth(1), k_t0);
    return s;
  }
};

// ---- the host's own STATE -------------------------------------------------------------------------------

TEST_F(HubHostSession, tck_id_host_topic_phid_death_payload) {
  // The Will: spBv1.0/STATE/<host_id>, {"online":false,"timestamp":T}, QoS 1, retained
  // (tck-id-host-topic-phid-death-topic, -qos, -retain, -required; ...-host-application-connect-will-*).
  HostSession s = make();
  expect_state(s.will(k_t0), R"({"online":false,"timestamp":1700000000000})");
}

TEST_F(HubHostSession, tck_id_host_topic_phid_birth_payload_timestamp) {
  // The birth carries the same T as the Will of its CONNECT; QoS 1, retained
  // (tck-id-host-topic-phid-birth-payload, -qos, -retain, -topic).
  HostSession s = make();
  (void)s.will(k_t0 + 7);
  const HostActions birth = s.on_subscribed();
  ASSERT_EQ(birth.publish.size(), 1u);
  expect_state(birth.publish[0], R"({"online":true,"timestamp":1700000000007})");
  // A reconnect has its own T, in both.
  s.on_connection_lost(k_t0 + 100);
  EXPECT_EQ(as_text(s.will(k_t0 + 200).payload), R"({"online":false,"timestamp":1700000000200})");
  EXPECT_EQ(as_text(s.on_subscribed().publish.at(0).payload), R"({"online":true,"timestamp":1700000000200})");
}

TEST_F(HubHostSession, tck_id_host_topic_phid_birth_sub_required) {
  // The namespace and its own STATE topic, as disjoint filters; no NCMD / DCMD (its own commands).
  EXPECT_EQ(make().subscriptions(),
            (std::vector<std::string>{"spBv1.0/+/NBIRTH/+", "spBv1.0/+/NDEATH/+", "spBv1.0/+/NDATA/+",
                                      "spBv1.0/+/DBIRTH/+/+", "spBv1.0/+/DDEATH/+/+", "spBv1.0/+/DDATA/+/+",
                                      "spBv1.0/STATE/vigil-hub"}));
}

TEST_F(HubHostSession, tck_id_message_flow_hid_sparkplug_state_message_delivered) {
  HostSession s = make();
  (void)s.will(k_t0);
  // The retained Will of an earlier connection, delivered on subscribing, before this birth: the birth
  // comes anyway with on_subscribed, not twice.
  EXPECT_TRUE(
      feed(s, "spBv1.0/STATE/vigil-hub", text(R"({"online":false,"timestamp":1})"), k_t0).publish.empty());
  (void)s.on_subscribed();
  // Its own birth coming back, and another host's offline STATE: nothing to do.
  EXPECT_TRUE(feed(s, "spBv1.0/STATE/vigil-hub", text(R"({"online":true,"timestamp":1700000000000})"), k_t0)
                  .publish.empty());
  EXPECT_TRUE(
      feed(s, "spBv1.0/STATE/scada", text(R"({"online":false,"timestamp":9})"), k_t0).publish.empty());
  // Seen offline after its birth: the birth again at once, with the Will's T.
  const HostActions again =
      feed(s, "spBv1.0/STATE/vigil-hub", text(R"({"online":false,"timestamp":1700000000000})"), k_t0 + 50);
  ASSERT_EQ(again.publish.size(), 1u);
  expect_state(again.publish[0], R"({"online":true,"timestamp":1700000000000})");
  // A malformed STATE on its own topic is an error naming the topic.
  auto bad = s.on_message("spBv1.0/STATE/vigil-hub", text("OFFLINE"), k_t0);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("spBv1.0/STATE/vigil-hub"), std::string::npos) << bad.error().message;
}

TEST_F(HubHostSession, tck_id_operational_behavior_host_application_termination) {
  HostSession s = make();
  EXPECT_TRUE(s.shutdown().publish.empty());  // never connected
  (void)s.will(k_t0);
  (void)s.on_subscribed();
  const HostActions bye = s.shutdown();
  ASSERT_EQ(bye.publish.size(), 1u);
  expect_state(bye.publish[0], R"({"online":false,"timestamp":1700000000000})");
}

// ---- births ---------------------------------------------------------------------------------------------

TEST_F(HubHostSession, tck_id_payloads_alias_birth_requirement) {
  // The host learns every alias and datatype of the node and of each device, and the session's bdSeq.
  HostSession s = make();
  const HostActions born = feed(s, k_nbirth, nbirth(5), k_t0 + 1);
  const auto births = updates_of<BirthUpdate>(born);
  ASSERT_EQ(births.size(), 1u);
  EXPECT_EQ(births[0].node, k_node);
  EXPECT_TRUE(births[0].device_id.empty());
  EXPECT_EQ(births[0].bdseq, 5);
  EXPECT_EQ(births[0].metrics.size(), 4u);
  const EdgeNodeInfo* node = s.node(k_node);
  ASSERT_NE(node, nullptr);
  EXPECT_TRUE(node->online);
  EXPECT_EQ(node->bdseq, 5);
  EXPECT_EQ(node->since_ms, k_t0);  // the NBIRTH's timestamp
  ASSERT_EQ(node->metrics.size(), 4u);
  EXPECT_EQ(node->metrics[0].name, "bdSeq");
  EXPECT_EQ(node->metrics[0].alias, 1u);
  EXPECT_EQ(node->metrics[0].datatype, DataType::int64);
  EXPECT_EQ(node->metrics[1].name, "Node Control/Rebirth");
  EXPECT_FALSE(node->metrics[1].alias.has_value());
  EXPECT_EQ(node->metrics[2].datatype, DataType::bytes);

  const HostActions device = feed(s, k_dbirth, dbirth(1), k_t0 + 2);
  const auto dbirths = updates_of<BirthUpdate>(device);
  ASSERT_EQ(dbirths.size(), 1u);
  EXPECT_EQ(dbirths[0].device_id, "pump-7");
  EXPECT_EQ(dbirths[0].bdseq, 5);
  ASSERT_EQ(node->devices.size(), 1u);
  EXPECT_TRUE(node->devices[0].online);
  ASSERT_EQ(node->devices[0].metrics.size(), 4u);
  EXPECT_EQ(node->devices[0].metrics[3].name, "Fault/Confidence");
  EXPECT_EQ(node->devices[0].metrics[3].alias, 13u);
  EXPECT_EQ(node->devices[0].metrics[3].datatype, DataType::float32);
  EXPECT_TRUE(born.publish.empty());
  EXPECT_TRUE(device.publish.empty());
}

TEST_F(HubHostSession, tck_id_payloads_alias_data_cmd_requirement) {
  // DATA by alias only comes out named and typed from the birth; historical values apart from live ones;
  // Record/Id taken out as the record's id.
  HostSession s = online();
  const Bytes data = wire(
      2,
      {by_alias(10, DataType::float64, 0.81), by_alias(11, DataType::string, std::string("watch")),
       by_alias(13, DataType::float32, 0.25f), by_alias(10, DataType::float64, 0.99, /*historical=*/true),
       by_alias(12, DataType::uint64, std::uint64_t{4711})},
      MessageType::ddata, k_t0 + 60);
  const auto updates = updates_of<DataUpdate>(feed(s, k_ddata, data, k_t0 + 61));
  ASSERT_EQ(updates.size(), 1u);
  const DataUpdate& u = updates[0];
  EXPECT_EQ(u.node, k_node);
  EXPECT_EQ(u.device_id, "pump-7");
  EXPECT_EQ(u.seq, 2);
  EXPECT_EQ(u.timestamp_ms, k_t0 + 60);
  ASSERT_EQ(u.live.size(), 3u);
  EXPECT_EQ(u.live[0].name, "Health/Index");
  EXPECT_EQ(u.live[0].datatype, DataType::float64);
  EXPECT_EQ(u.live[0].value, MetricValue{0.81});
  EXPECT_EQ(u.live[1].name, "Alert/Level");
  EXPECT_EQ(u.live[1].value, MetricValue{std::string("watch")});
  EXPECT_EQ(u.live[2].name, "Fault/Confidence");
  EXPECT_EQ(u.live[2].value, MetricValue{0.25f});
  ASSERT_EQ(u.historical.size(), 1u);
  EXPECT_EQ(u.historical[0].name, "Health/Index");
  EXPECT_TRUE(u.historical[0].is_historical);
  EXPECT_EQ(u.historical[0].value, MetricValue{0.99});
  EXPECT_EQ(u.record_ids, (std::vector<std::uint64_t>{4711}));

  // NDATA by name (a node without aliases) is understood too.
  const Bytes named =
      wire(3, {metric("Uplink/Backlog records", {}, DataType::uint64, std::uint64_t{9})}, MessageType::ndata);
  const auto node_data = updates_of<DataUpdate>(feed(s, k_ndata, named, k_t0 + 62));
  ASSERT_EQ(node_data.size(), 1u);
  EXPECT_TRUE(node_data[0].device_id.empty());
  EXPECT_EQ(node_data[0].live.at(0).value, MetricValue{std::uint64_t{9}});
}

// ---- seq and the reorder timer ------------------------------------------------------------------------

TEST_F(HubHostSession, tck_id_payloads_sequence_num_incrementing) {
  // seq follows 255 with 0: 300 DDATA after NBIRTH 0 and DBIRTH 1 are all applied, none is a gap.
  HostSession s = online();
  for (int i = 0; i < 300; ++i) {
    const auto seq = static_cast<std::uint8_t>((i + 2) % 256);
    const HostActions a = feed(s, k_ddata, ddata(seq), k_t0 + 1 + static_cast<std::uint64_t>(i));
    ASSERT_EQ(data_seqs(a), (std::vector<std::uint8_t>{seq})) << i;
    ASSERT_TRUE(a.publish.empty()) << i;
  }
  EXPECT_FALSE(s.next_deadline_ms().has_value());
}

TEST_F(HubHostSession, tck_id_operational_behavior_host_reordering_start) {
  // A gap holds what arrives after it and starts the timer
  // (tck-id-operational-behavior-host-reordering-param: the configured timeout); across the wrap too: 254,
  // then 0 before 255.
  HostSession s = online();
  for (std::uint8_t seq = 2; seq <= 254; ++seq) feed(s, k_ddata, ddata(seq), k_t0);
  const HostActions early = feed(s, k_ddata, ddata(0), k_t0 + 10);
  EXPECT_TRUE(early.updates.empty());
  EXPECT_TRUE(early.publish.empty());
  EXPECT_EQ(s.next_deadline_ms(), k_t0 + 10 + k_reorder_ms);
}

TEST_F(HubHostSession, SeqAheadUpTo127IsAGapBeyondItIsLate) {
  // Next expected seq 2 (after DBIRTH 1): 129 is 127 ahead, a gap; 130 is 128 behind, late, ignored.
  HostSession s = online();
  const HostActions behind = feed(s, k_ddata, ddata(130), k_t0);
  EXPECT_TRUE(behind.updates.empty());
  EXPECT_FALSE(s.next_deadline_ms().has_value());
  EXPECT_NE(behind.warnings.at(0).find("late"), std::string::npos) << behind.warnings.at(0);
  EXPECT_TRUE(feed(s, k_ddata, ddata(129), k_t0).updates.empty());
  EXPECT_EQ(s.next_deadline_ms(), k_t0 + k_reorder_ms);
}

TEST_F(HubHostSession, tck_id_operational_behavior_host_reordering_success) {
  // The missing messages arrive in time: everything is applied in seq order, the timer stops, no rebirth.
  HostSession s = online();
  EXPECT_TRUE(feed(s, k_ddata, ddata(4), k_t0 + 10).updates.empty());
  EXPECT_TRUE(feed(s, k_ddata, ddata(3), k_t0 + 20).updates.empty());
  const HostActions filled = feed(s, k_ddata, ddata(2), k_t0 + 10 + k_reorder_ms - 1);
  EXPECT_EQ(data_seqs(filled), (std::vector<std::uint8_t>{2, 3, 4}));
  EXPECT_TRUE(filled.publish.empty());
  EXPECT_FALSE(s.next_deadline_ms().has_value());
  EXPECT_TRUE(s.on_tick(k_t0 + 10'000).publish.empty());
  EXPECT_EQ(data_seqs(feed(s, k_ddata, ddata(5), k_t0 + 10'001)), (std::vector<std::uint8_t>{5}));
}

TEST_F(HubHostSession, tck_id_operational_behavior_host_reordering_rebirth) {
  // The missing message never comes: at the timeout the held ones are applied in order and the node is asked
  // for a rebirth exactly once: NCMD Node Control/Rebirth = true, QoS 0, not retained
  // (tck-id-operational-behavior-data-commands-ncmd-rebirth-verb, -name, -value; tck-id-topics-ncmd-mqtt).
  HostSession s = online();
  feed(s, k_ddata, ddata(4), k_t0 + 10);
  feed(s, k_ddata, ddata(3), k_t0 + 11);
  EXPECT_TRUE(s.on_tick(k_t0 + 10 + k_reorder_ms - 1).publish.empty());
  const HostActions expired = s.on_tick(k_t0 + 10 + k_reorder_ms);
  EXPECT_EQ(data_seqs(expired), (std::vector<std::uint8_t>{3, 4}));
  ASSERT_EQ(expired.publish.size(), 1u);
  EXPECT_EQ(expired.publish[0].topic, "spBv1.0/plant/NCMD/line-4");
  EXPECT_EQ(expired.publish[0].qos, 0);
  EXPECT_FALSE(expired.publish[0].retain);
  EXPECT_EQ(expired.publish[0].payload, rebirth_bytes(k_t0 + 10 + k_reorder_ms));
  EXPECT_FALSE(s.next_deadline_ms().has_value());
  EXPECT_TRUE(s.on_tick(k_t0 + 100'000).publish.empty());
  // The late message is ignored; the stream goes on after the last applied one.
  EXPECT_TRUE(feed(s, k_ddata, ddata(2), k_t0 + 600).updates.empty());
  EXPECT_EQ(data_seqs(feed(s, k_ddata, ddata(5), k_t0 + 601)), (std::vector<std::uint8_t>{5}));
}

TEST_F(HubHostSession, TooManyHeldMessagesExpireTheTimerAtOnce) {
  HostSession s = online();  // max_held_messages = 8
  for (std::uint8_t seq = 3; seq < 11; ++seq) EXPECT_TRUE(feed(s, k_ddata, ddata(seq), k_t0).publish.empty());
  const HostActions full = feed(s, k_ddata, ddata(11), k_t0);
  EXPECT_EQ(full.publish.size(), 1u);
  EXPECT_EQ(data_seqs(full).size(), 9u);
}

// ---- rebirth on DATA the births do not explain ---------------------------------------------------------

TEST_F(HubHostSession, RebirthOnDataBeforeBirth) {
  // tck-id-operational-behavior-data-commands-ncmd-rebirth-*: NDATA / DDATA of a node the host has no birth
  // of (e.g. the host started after the node): nothing applied, a rebirth asked, once per interval.
  HostSession s = make();
  const HostActions first = feed(
      s, k_ndata, wire(7, {by_alias(3, DataType::uint64, std::uint64_t{1})}, MessageType::ndata), k_t0 + 5);
  EXPECT_TRUE(first.updates.empty());
  ASSERT_EQ(first.publish.size(), 1u);
  EXPECT_EQ(first.publish[0].payload, rebirth_bytes(k_t0 + 5));
  EXPECT_TRUE(feed(s, k_ddata, ddata(8), k_t0 + 6).publish.empty());  // already asked
  EXPECT_EQ(feed(s, k_ddata, ddata(9), k_t0 + 5 + 10'000).publish.size(),
            1u);  // asked again after the interval
  // The births answer it and the stream is understood.
  feed(s, k_nbirth, nbirth(3), k_t0 + 20'000);
  feed(s, k_dbirth, dbirth(1), k_t0 + 20'001);
  EXPECT_EQ(data_seqs(feed(s, k_ddata, ddata(2), k_t0 + 20'002)), (std::vector<std::uint8_t>{2}));
}

TEST_F(HubHostSession, RebirthOnUnknownAlias) {
  // An alias that is not in the birth: nothing of that message is applied (its record is not stored, so it
  // is not acknowledged and the edge resends it), a rebirth is asked, and its seq still counts.
  HostSession s = online();
  const Bytes unknown = wire(2,
                             {by_alias(10, DataType::float64, 0.5), by_alias(99, DataType::float64, 1.0),
                              by_alias(12, DataType::uint64, std::uint64_t{30})},
                             MessageType::ddata);
  const HostActions a = feed(s, k_ddata, unknown, k_t0 + 3);
  EXPECT_TRUE(a.updates.empty());
  ASSERT_EQ(a.publish.size(), 1u);
  EXPECT_EQ(a.publish[0].payload, rebirth_bytes(k_t0 + 3));
  EXPECT_NE(a.warnings.at(0).find("alias 99"), std::string::npos) << a.warnings.at(0);
  EXPECT_EQ(data_seqs(feed(s, k_ddata, ddata(3), k_t0 + 4)), (std::vector<std::uint8_t>{3}));
  // DDATA of a device that has no DBIRTH in this session likewise.
  const HostActions other =
      feed(s, "spBv1.0/plant/DDATA/line-4/fan-2", ddata(4), k_t0 + 5);  // still within the interval
  EXPECT_TRUE(other.updates.empty());
  EXPECT_TRUE(other.publish.empty());
}

TEST_F(HubHostSession, CommandsOnTheNamespaceAreNotTheHostsToHandle) {
  // Its own NCMD coming back (a wider subscription than subscriptions()) or another host's: ignored.
  HostSession s = online();
  auto a = s.on_message("spBv1.0/plant/NCMD/line-4", Bytes{0xff}, k_t0);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->updates.empty() && a->publish.empty());
  auto b = s.on_message("spBv1.0/plant/DCMD/line-4/pump-7", ddata(2), k_t0);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->updates.empty() && b->publish.empty());
  EXPECT_EQ(data_seqs(feed(s, k_ddata, ddata(2), k_t0)), (std::vector<std::uint8_t>{2}));
}

TEST_F(HubHostSession, DbirthBeforeNbirthIsHeldUntilTheNbirth) {
  // A broker may deliver DBIRTH (and DATA) before the NBIRTH: held, then applied in order after it.
  HostSession s = make();
  const HostActions held = feed(s, k_dbirth, dbirth(1), k_t0);
  EXPECT_TRUE(held.updates.empty());
  EXPECT_TRUE(held.publish.empty());
  EXPECT_TRUE(feed(s, k_ddata, ddata(2), k_t0 + 1).publish.empty());
  const HostActions born = feed(s, k_nbirth, nbirth(0), k_t0 + 2);
  ASSERT_EQ(born.updates.size(), 3u);
  EXPECT_TRUE(std::get<BirthUpdate>(born.updates[0]).device_id.empty());
  EXPECT_EQ(std::get<BirthUpdate>(born.updates[1]).device_id, "pump-7");
  EXPECT_EQ(std::get<DataUpdate>(born.updates[2]).seq, 2);
  EXPECT_TRUE(born.publish.empty());
  EXPECT_FALSE(s.next_deadline_ms().has_value());

  // The same during a rebirth of a node that is online: the DBIRTH's seq is behind the stream.
  feed(s, k_ddata, ddata(3), k_t0 + 3);
  EXPECT_TRUE(feed(s, k_dbirth, dbirth(1), k_t0 + 4).updates.empty());
  EXPECT_TRUE(feed(s, k_ddata, ddata(2), k_t0 + 4).updates.empty());  // ahead of 3: held as well
  const HostActions reborn = feed(s, k_nbirth, nbirth(0), k_t0 + 5);
  ASSERT_EQ(reborn.updates.size(), 4u);
  // The device of the earlier session is offline until its DBIRTH in the new one.
  EXPECT_EQ(std::get<DeathUpdate>(reborn.updates[0]).device_id, "pump-7");
  EXPECT_EQ(std::get<DeathUpdate>(reborn.updates[0]).stale_since_ms, k_t0 + 5);
  EXPECT_TRUE(std::get<BirthUpdate>(reborn.updates[1]).device_id.empty());
  EXPECT_EQ(std::get<BirthUpdate>(reborn.updates[2]).device_id, "pump-7");
  EXPECT_EQ(std::get<DataUpdate>(reborn.updates[3]).seq, 2);
  EXPECT_TRUE(s.node(k_node)->devices.at(0).online);

  // A DBIRTH whose NBIRTH never comes: dropped at the timeout, and a rebirth asked.
  HostSession t = make();
  feed(t, k_dbirth, dbirth(1), k_t0);
  const HostActions expired = t.on_tick(k_t0 + k_reorder_ms);
  EXPECT_TRUE(expired.updates.empty());
  EXPECT_EQ(expired.publish.size(), 1u);
  EXPECT_EQ(t.node(k_node)->devices.size(), 0u);
}

// ---- deaths ---------------------------------------------------------------------------------------------

TEST_F(HubHostSession, tck_id_operational_behavior_edge_node_termination_host_action_ndeath_node_offline) {
  // NDEATH with the session's bdSeq: node, devices and every metric STALE at the host's clock
  // (-ndeath-node-tags-stale, -ndeath-devices-offline, -ndeath-devices-tags-stale).
  HostSession s = online();
  const std::uint64_t host_clock = k_t0 + 9'999;
  const HostActions dead = feed(s, k_ndeath, ndeath(5), host_clock);
  const auto deaths = updates_of<DeathUpdate>(dead);
  ASSERT_EQ(deaths.size(), 1u);
  EXPECT_TRUE(deaths[0].device_id.empty());
  EXPECT_EQ(deaths[0].devices, (std::vector<std::string>{"pump-7"}));
  EXPECT_EQ(deaths[0].stale_since_ms, host_clock);
  const EdgeNodeInfo* node = s.node(k_node);
  EXPECT_FALSE(node->online);
  EXPECT_EQ(node->since_ms, host_clock);
  for (const MetricInfo& m : node->metrics) {
    EXPECT_TRUE(m.stale) << m.name;
    EXPECT_EQ(m.stale_since_ms, host_clock) << m.name;
  }
  EXPECT_FALSE(node->devices.at(0).online);
  for (const MetricInfo& m : node->devices.at(0).metrics) {
    EXPECT_TRUE(m.stale) << m.name;
    EXPECT_EQ(m.stale_since_ms, host_clock) << m.name;
  }
  // DATA after the death: no birth in a live session, a rebirth is asked.
  EXPECT_EQ(feed(s, k_ddata, ddata(2), host_clock + 1).publish.size(), 1u);
}

TEST_F(HubHostSession, tck_id_payloads_ndeath_bdseq) {
  // An NDEATH whose bdSeq is not the current session's is a late Will of an earlier one: ignored.
  HostSession s = online();  // bdSeq 5
  const HostActions late = feed(s, k_ndeath, ndeath(4), k_t0 + 1);
  EXPECT_TRUE(late.updates.empty());
  EXPECT_TRUE(s.node(k_node)->online);
  EXPECT_FALSE(s.node(k_node)->metrics.at(0).stale);
  EXPECT_EQ(data_seqs(feed(s, k_ddata, ddata(2), k_t0 + 2)), (std::vector<std::uint8_t>{2}));
  // A new session's NBIRTH may overtake the old session's Will: the Will does not kill the new session.
  feed(s, k_nbirth, nbirth(6), k_t0 + 3);
  EXPECT_TRUE(feed(s, k_ndeath, ndeath(5), k_t0 + 4).updates.empty());
  EXPECT_TRUE(s.node(k_node)->online);
  EXPECT_EQ(updates_of<DeathUpdate>(feed(s, k_ndeath, ndeath(6), k_t0 + 5)).size(), 1u);
  // An NDEATH of a node never seen is ignored.
  HostSession t = make();
  EXPECT_TRUE(feed(t, k_ndeath, ndeath(0), k_t0).updates.empty());
}

TEST_F(HubHostSession,
       tck_id_operational_behavior_edge_node_termination_host_action_ddeath_devices_tags_stale) {
  // DDEATH: the device and its metrics STALE at the DDEATH's timestamp, not the host's clock
  // (-ddeath-devices-offline); the node stays online.
  HostSession s = online();
  const std::uint64_t sent = k_t0 + 1'234;
  const HostActions dead = feed(s, k_ddeath, wire(2, {}, MessageType::ddeath, sent), k_t0 + 99'999);
  const auto deaths = updates_of<DeathUpdate>(dead);
  ASSERT_EQ(deaths.size(), 1u);
  EXPECT_EQ(deaths[0].device_id, "pump-7");
  EXPECT_EQ(deaths[0].stale_since_ms, sent);
  const DeviceInfo& device = s.node(k_node)->devices.at(0);
  EXPECT_FALSE(device.online);
  EXPECT_EQ(device.since_ms, sent);
  for (const MetricInfo& m : device.metrics) EXPECT_EQ(m.stale_since_ms, sent) << m.name;
  EXPECT_TRUE(s.node(k_node)->online);
  EXPECT_FALSE(s.node(k_node)->metrics.at(0).stale);
  // Its DATA is not understood until its next DBIRTH.
  EXPECT_EQ(feed(s, k_ddata, ddata(3), k_t0 + 100'000).publish.size(), 1u);
  EXPECT_EQ(updates_of<BirthUpdate>(feed(s, k_dbirth, dbirth(4), k_t0 + 100'001)).size(), 1u);
  EXPECT_EQ(data_seqs(feed(s, k_ddata, ddata(5), k_t0 + 100'002)), (std::vector<std::uint8_t>{5}));
}

TEST_F(HubHostSession, ConnectionLostMarksEverythingStaleAtTheHostClock) {
  HostSession s = online();
  const HostActions lost = s.on_connection_lost(k_t0 + 77);
  const auto deaths = updates_of<DeathUpdate>(lost);
  ASSERT_EQ(deaths.size(), 1u);
  EXPECT_EQ(deaths[0].stale_since_ms, k_t0 + 77);
  EXPECT_EQ(deaths[0].devices, (std::vector<std::string>{"pump-7"}));
  EXPECT_FALSE(s.node(k_node)->online);
  // After the reconnect the node's DATA asks for its births.
  (void)s.will(k_t0 + 100);
  (void)s.on_subscribed();
  EXPECT_EQ(feed(s, k_ddata, ddata(2), k_t0 + 101).publish.size(), 1u);
}

// ---- malformed input ------------------------------------------------------------------------------------

TEST_F(HubHostSession, MalformedMessagesAreRefusedWithTopicAndFieldAndApplyNothing) {
  HostSession s = online();
  const auto refused = [&](const std::string& topic, const Bytes& payload, std::string_view field) {
    auto a = s.on_message(topic, payload, k_t0 + 1);
    ASSERT_FALSE(a) << topic;
    EXPECT_NE(a.error().message.find(topic), std::string::npos) << a.error().message;
    EXPECT_NE(a.error().message.find(field), std::string::npos) << a.error().message;
  };
  refused(k_ddata, Bytes{0xff, 0xff}, "");  // not protobuf
  refused(k_ddata, wire(2, {by_alias(10, DataType::string, std::string("x"))}, MessageType::ddata),
          "alias 10");
  refused(k_ddata, wire({}, {by_alias(10, DataType::float64, 0.1)}, MessageType::ddata), "seq");
  refused(k_ddeath, wire(2, {}, MessageType::ddeath, std::nullopt), "timestamp");
  refused(k_nbirth, wire(0, {metric("x", 1, DataType::boolean, true)}, MessageType::nbirth), "bdSeq");
  refused(k_nbirth, wire(0, {metric("bdSeq", 1, DataType::int64, std::int64_t{256})}, MessageType::nbirth),
          "bdSeq");
  refused(k_ndeath, wire({}, {}, MessageType::ndeath), "bdSeq");
  refused(k_dbirth,
          wire(2, {metric("a", 20, DataType::boolean, true), metric("b", 20, DataType::boolean, true)},
               MessageType::dbirth),
          "alias 20");
  refused(k_dbirth,
          wire(2, {metric("Record/Id", 21, DataType::string, std::string("1"))}, MessageType::dbirth),
          "Record/Id");
  refused(k_dbirth, wire(2, {by_alias(22, DataType::boolean, true)}, MessageType::dbirth), "name");
  refused(k_dbirth, wire(2, {metric("Alias clash", 1, DataType::boolean, true)}, MessageType::dbirth),
          "alias 1");
  EXPECT_FALSE(s.on_message("spBv1.0/plant/NOPE/line-4", ddata(2), k_t0));
  EXPECT_FALSE(s.on_message("spBv1.0/plant/DDATA/line-4", ddata(2), k_t0));

  // None of it was applied: the session is as it was, and seq 2 is still the next one.
  const EdgeNodeInfo* node = s.node(k_node);
  EXPECT_TRUE(node->online);
  ASSERT_EQ(node->devices.size(), 1u);
  EXPECT_EQ(node->devices[0].metrics.size(), 4u);
  EXPECT_FALSE(s.next_deadline_ms().has_value());
  EXPECT_EQ(data_seqs(feed(s, k_ddata, ddata(2), k_t0 + 2)), (std::vector<std::uint8_t>{2}));
  EXPECT_EQ(s.node(NodeKey{"plant", "ghost"}), nullptr);
  EXPECT_FALSE(HostSession::create(HostSessionConfig{"a/b"}));
}

// ---- acknowledgement ------------------------------------------------------------------------------------

TEST_F(HubHostSession, AcknowledgeBuildsTheDocumentedUplinkAck) {
  // docs/formats/uplink-ack.md: records 1..40 and 42 of plant/line-4 at 1700000000123, Uplink/Ack alias 2:
  // these 51 bytes, on spBv1.0/plant/NCMD/line-4, QoS 0, not retained.
  HostSession s = online();
  std::vector<std::uint64_t> ids = {42};
  for (std::uint64_t id = 40; id >= 1; --id) ids.push_back(id);
  ids.push_back(7);  // acknowledged twice: merged
  auto acks = s.acknowledge(k_node, ids, k_t0 + 123);
  ASSERT_TRUE(acks) << acks.error().message;
  ASSERT_EQ(acks->size(), 1u);
  const OutboundMessage& ack = acks->at(0);
  EXPECT_EQ(ack.topic, "spBv1.0/plant/NCMD/line-4");
  EXPECT_EQ(ack.qos, 0);
  EXPECT_FALSE(ack.retain);
  const Bytes expected = {0x08, 0xfb, 0xd0, 0x95, 0xff, 0xbc, 0x31, 0x12, 0x2a, 0x10, 0x02, 0x82, 0x01,
                          0x25, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                          0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00,
                          0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(ack.payload, expected);

  auto none = s.acknowledge(k_node, {}, k_t0);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  // More ranges than one message may carry: split.
  std::vector<std::uint64_t> sparse;
  for (std::uint64_t i = 0; i < sparkplug::k_max_ack_ranges + 1; ++i) sparse.push_back(2 * i);
  auto split = s.acknowledge(k_node, sparse, k_t0);
  ASSERT_TRUE(split);
  EXPECT_EQ(split->size(), 2u);
  // Not to a node that is not online, nor one whose birth has no Uplink/Ack.
  EXPECT_FALSE(s.acknowledge(NodeKey{"plant", "ghost"}, {1}, k_t0));
  feed(s, k_nbirth, wire(0, {metric("bdSeq", 1, DataType::int64, std::int64_t{6})}, MessageType::nbirth),
       k_t0);
  EXPECT_FALSE(s.acknowledge(k_node, {1}, k_t0));
  feed(s, k_ndeath, ndeath(6), k_t0);
  EXPECT_FALSE(s.acknowledge(k_node, {1}, k_t0));
}

// ---- against Vigil's own edge node -------------------------------------------------------------------

class HubHostSessionWithEdge : public HubHostSession {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("vigil-hub-host-{}-{}", ::getpid(), ::testing::UnitTest::GetInstance()->random_seed());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  sparkplug::EdgeSession edge() const {
    sparkplug::EdgeSessionConfig c;
    c.group_id = "plant";
    c.edge_node_id = "line-4";
    c.primary_host_id = "vigil-hub";
    c.bdseq_file = dir_ / "bdseq";
    c.node_metrics = {metric("Uplink/Backlog records", {}, DataType::uint64, std::uint64_t{0})};
    auto e = sparkplug::EdgeSession::create(c);
    EXPECT_TRUE(e) << e.error().message;
    return std::move(*e);
  }

  // Every message of `out` into the host, in order; what the host answers is collected.
  static HostActions deliver(HostSession& host, const std::vector<OutboundMessage>& out, std::uint64_t now) {
    HostActions all;
    for (const OutboundMessage& m : out) {
      HostActions a = feed(host, m.topic, m.payload, now);
      for (auto& p : a.publish) all.publish.push_back(std::move(p));
      for (auto& u : a.updates) all.updates.push_back(std::move(u));
    }
    return all;
  }

  std::filesystem::path dir_;
};

TEST_F(HubHostSessionWithEdge, EdgeBirthsDataAndAcknowledgementsRoundTrip) {
  HostSession host = make();
  sparkplug::EdgeSession node = edge();
  ASSERT_TRUE(node.device_born("pump-7",
                               {metric("Health/Index", {}, DataType::float64, 0.93),
                                metric("Alert/Level", {}, DataType::string, std::string("normal")),
                                metric("Record/Id", {}, DataType::uint64, std::monostate{})},
                               k_t0));
  // The host comes online; the edge node waits for its STATE, then births.
  (void)host.will(k_t0);
  const HostActions host_birth = host.on_subscribed();
  ASSERT_TRUE(node.on_connect_accepted(k_t0 + 1));
  auto births = node.on_message(host_birth.publish[0].topic, host_birth.publish[0].payload, k_t0 + 2);
  ASSERT_TRUE(births) << births.error().message;
  const HostActions learned = deliver(host, births->publish, k_t0 + 3);
  EXPECT_EQ(updates_of<BirthUpdate>(learned).size(), 2u);
  EXPECT_TRUE(learned.publish.empty());
  ASSERT_NE(host.node(k_node), nullptr);
  EXPECT_EQ(host.node(k_node)->bdseq, node.bdseq());

  // A decision record goes up; the host understands it by alias, stores it and acknowledges it.
  auto data = node.report("pump-7",
                          {metric("Alert/Level", {}, DataType::string, std::string("warning")),
                           metric("Record/Id", {}, DataType::uint64, std::uint64_t{41})},
                          k_t0 + 10);
  ASSERT_TRUE(data);
  const auto stored = updates_of<DataUpdate>(deliver(host, data->publish, k_t0 + 11));
  ASSERT_EQ(stored.size(), 1u);
  ASSERT_EQ(stored[0].live.size(), 1u);
  EXPECT_EQ(stored[0].live[0].name, "Alert/Level");
  EXPECT_EQ(stored[0].live[0].value, MetricValue{std::string("warning")});
  EXPECT_EQ(stored[0].record_ids, (std::vector<std::uint64_t>{41}));
  Metric old = metric("Record/Id", {}, DataType::uint64, std::uint64_t{40});
  old.is_historical = true;  // a resend after a lost acknowledgement
  auto resent = node.report("pump-7", {old}, k_t0 + 12);
  ASSERT_TRUE(resent);
  EXPECT_EQ(updates_of<DataUpdate>(deliver(host, resent->publish, k_t0 + 13)).at(0).record_ids,
            (std::vector<std::uint64_t>{40}));
  auto acks = host.acknowledge(k_node, {41, 40}, k_t0 + 14);
  ASSERT_TRUE(acks);
  ASSERT_EQ(acks->size(), 1u);
  auto acked = node.on_message(acks->at(0).topic, acks->at(0).payload, k_t0 + 15);
  ASSERT_TRUE(acked) << acked.error().message;
  EXPECT_EQ(acked->acknowledged, (std::vector<sparkplug::RecordIdRange>{{40, 41}}));

  // A lost DDATA: the host's rebirth request makes the edge node birth again, and the stream resumes.
  auto lost = node.report("pump-7", {metric("Health/Index", {}, DataType::float64, 0.5)}, k_t0 + 20);
  ASSERT_TRUE(lost);
  auto after = node.report("pump-7", {metric("Health/Index", {}, DataType::float64, 0.4)}, k_t0 + 21);
  ASSERT_TRUE(after);
  EXPECT_TRUE(deliver(host, after->publish, k_t0 + 22).updates.empty());  // held: seq gap
  const HostActions timeout = host.on_tick(k_t0 + 22 + k_reorder_ms);
  ASSERT_EQ(timeout.publish.size(), 1u);
  auto reborn = node.on_message(timeout.publish[0].topic, timeout.publish[0].payload, k_t0 + 600);
  ASSERT_TRUE(reborn) << reborn.error().message;
  ASSERT_EQ(reborn->publish.size(), 2u);  // NBIRTH and the DBIRTH
  const HostActions relearned = deliver(host, reborn->publish, k_t0 + 601);
  EXPECT_EQ(updates_of<BirthUpdate>(relearned).size(), 2u);
  EXPECT_TRUE(relearned.publish.empty());
  auto next = node.report("pump-7", {metric("Health/Index", {}, DataType::float64, 0.3)}, k_t0 + 602);
  ASSERT_TRUE(next);
  EXPECT_EQ(updates_of<DataUpdate>(deliver(host, next->publish, k_t0 + 603)).size(), 1u);

  // The edge node's Will (its NDEATH) ends the session: node and device stale at the host's clock.
  const HostActions died = deliver(host, node.shutdown(k_t0 + 700).publish, k_t0 + 701);
  const auto deaths = updates_of<DeathUpdate>(died);
  ASSERT_EQ(deaths.size(), 1u);
  EXPECT_EQ(deaths[0].devices, (std::vector<std::string>{"pump-7"}));
  EXPECT_EQ(deaths[0].stale_since_ms, k_t0 + 701);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub
