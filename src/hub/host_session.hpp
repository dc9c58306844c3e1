// The Sparkplug B 3.0 host application's session rules as a deterministic state machine, without a network:
// the MQTT client feeds it events (CONNECT prepared, subscriptions granted, connection lost, a message on a
// subscribed topic, the clock) and it answers with the messages to publish, in order, and the updates to
// apply (births, deaths, data). Time comes in as arguments, so every rule is testable; the assertion ids
// it implements are named at the rule, and tests/hub/host_session_test.cpp checks each one. The mirror of
// proto/sparkplug_edge_session.hpp. Not thread-safe: one thread (the hub's MQTT thread) owns a session.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "proto/sparkplug.hpp"
#include "proto/sparkplug_edge_session.hpp"

namespace vigil::hub {

namespace sparkplug = proto::sparkplug;
using sparkplug::OutboundMessage;

using sparkplug::k_record_id_metric;  // docs/formats/uplink-ack.md

struct NodeKey {
  std::string group_id;
  std::string edge_node_id;
  auto operator<=>(const NodeKey&) const = default;
};

// A birth the host accepted: every metric with name, alias (if any), datatype, value and timestamp.
struct BirthUpdate {
  NodeKey node;
  std::string device_id;   // empty: NBIRTH
  std::uint8_t bdseq = 0;  // of the node's session
  std::optional<std::uint64_t> timestamp_ms;
  std::vector<sparkplug::Metric> metrics;
};

// Offline, and every metric of its birth STALE, from stale_since_ms on.
struct DeathUpdate {
  NodeKey node;
  std::string device_id;             // empty: the node itself, with every device in `devices`
  std::vector<std::string> devices;  // the node's devices that were online (node deaths only)
  std::uint64_t stale_since_ms = 0;  // NDEATH: the host's clock; DDEATH: the DDEATH's timestamp
};

// One NDATA / DDATA, metrics named and typed from the birth. Historical (store-and-forward) values are kept
// apart from live ones: they never replace a live value. Record/Id values are taken out of the metrics.
struct DataUpdate {
  NodeKey node;
  std::string device_id;  // empty: NDATA
  std::uint8_t seq = 0;
  std::optional<std::uint64_t> timestamp_ms;
  std::vector<sparkplug::Metric> live;
  std::vector<sparkplug::Metric> historical;
  std::vector<std::uint64_t> record_ids;  // store, then acknowledge() once durable
};

using Update = std::variant<BirthUpdate, DeathUpdate, DataUpdate>;

struct HostActions {
  std::vector<OutboundMessage> publish;  // publish these, in this order
  std::vector<Update> updates;           // apply these, in this order
  std::vector<std::string> warnings;     // for the log: what was ignored or made the host ask for a rebirth
};

// What the host knows of an edge node's session (aliases and datatypes from its births).
struct MetricInfo {
  std::string name;
  std::optional<std::uint64_t> alias;
  sparkplug::DataType datatype = sparkplug::DataType::unknown;
  bool stale = false;
  std::uint64_t stale_since_ms = 0;
};

struct DeviceInfo {
  std::string id;
  bool online = false;
  std::uint64_t since_ms = 0;  // born (DBIRTH timestamp) or dead (DDEATH timestamp or host clock)
  std::vector<MetricInfo> metrics;
};

struct EdgeNodeInfo {
  bool online = false;
  std::uint8_t bdseq = 0;      // of the current (or last) session
  std::uint64_t since_ms = 0;  // born (NBIRTH timestamp) or dead (host clock)
  std::vector<MetricInfo> metrics;
  std::vector<DeviceInfo> devices;
};

struct HostSessionConfig {
  std::string host_id;
  // tck-id-operational-behavior-host-reordering-param: how long a seq gap may stay open before the host asks
  // for a rebirth.
  std::uint64_t reorder_timeout_ms = 2000;
  // A node is asked for a rebirth at most once per interval (the NCMD is QoS 0 and may be lost; a burst of
  // bad DATA must not become a burst of requests). A new NBIRTH clears it.
  std::uint64_t rebirth_interval_ms = 10000;
  // Messages held per node while a gap is open or an NBIRTH is awaited; more expires the timer at once.
  std::size_t max_held_messages = 64;
};

// Rules, with the specification's assertion ids:
//  - Will: spBv1.0/STATE/<host_id> {"online":false,"timestamp":T}, QoS 1, retained; the birth after the
//    subscriptions: {"online":true,"timestamp":T}, QoS 1, retained, the same T
//    (tck-id-host-topic-phid-death-*, tck-id-host-topic-phid-birth-*,
//    tck-id-operational-behavior-host-application-connect-*, tck-id-message-flow-phid-sparkplug-*). The
//    MQTT client connects with a clean session (tck-id-message-flow-phid-sparkplug-clean-session-311/-50).
//  - Its own STATE offline after its birth: the birth again, at once, same T
//    (tck-id-message-flow-hid-sparkplug-state-message-delivered).
//  - NBIRTH / DBIRTH: every metric's name, alias and datatype, per node and device, and the node's bdSeq
//    (tck-id-payloads-alias-birth-requirement, tck-id-payloads-metric-datatype-req,
//    tck-id-payloads-nbirth-bdseq). A DBIRTH (and what follows it) before its NBIRTH is held until the
//    NBIRTH arrives, for the reorder timeout.
//  - seq: NBIRTH sets it; DBIRTH, NDATA, DDATA and DDEATH follow it, 255 -> 0. A message ahead of the next
//    seq is held and the reorder timer starts (tck-id-operational-behavior-host-reordering-start); when the
//    missing messages arrive in time the held ones are applied in order and the timer stops (-success);
//    when it expires the held ones are applied in order and the node is asked for a rebirth: NCMD
//    Node Control/Rebirth = true (-rebirth, tck-id-operational-behavior-data-commands-ncmd-rebirth-*). A
//    seq up to 128 behind the next one is late or a duplicate and ignored (serial-number arithmetic).
//  - DATA from a node or device without a birth in this session, or naming an alias or name that is not in
//    the birth: nothing of it is applied and the node is asked for a rebirth.
//  - NDEATH whose bdSeq matches the session's NBIRTH: the node, its devices and every metric STALE at the
//    host's clock (tck-id-operational-behavior-edge-node-termination-host-action-ndeath-*); any other
//    NDEATH is a late Will of an earlier session and ignored (tck-id-payloads-ndeath-bdseq).
//  - DDEATH: the device and its metrics STALE at the DDEATH's timestamp
//    (tck-id-operational-behavior-edge-node-termination-host-action-ddeath-*).
//  - Connection lost: every node and device STALE at the host's clock, and forgotten.
class HostSession {
 public:
  static Result<HostSession> create(HostSessionConfig config);

  // The Will for the next CONNECT (clean session): fixes T, the timestamp of this connection's STATE
  // messages. Call it before every CONNECT.
  OutboundMessage will(std::uint64_t now_ms);

  // Topics to subscribe to (QoS 1) once connected, before the birth: the edge verbs of every group, node
  // and device (not NCMD / DCMD: the host's own commands are not echoed back) and the host's own STATE.
  std::vector<std::string> subscriptions() const;

  // The broker granted subscriptions(): the birth STATE to publish now.
  HostActions on_subscribed();

  // The MQTT connection ended: every node known online is marked STALE at now_ms and its session
  // forgotten (a reconnect learns the nodes again from births, or asks for them).
  HostActions on_connection_lost(std::uint64_t now_ms);

  // Intentional disconnect: the death STATE (same T) to publish before the MQTT DISCONNECT
  // (tck-id-operational-behavior-host-application-termination).
  HostActions shutdown();

  // A message on a subscribed topic. A malformed one (topic, payload, a metric whose value does not fit
  // the datatype of its birth) is an error naming the topic and the field, and nothing of it is applied.
  Result<HostActions> on_message(std::string_view topic, std::span<const std::uint8_t> payload,
                                 std::uint64_t now_ms);

  // The clock: expires the reorder timers due at now_ms. Only this expires them (a message that arrives
  // before the tick still fills its gap), so call it at next_deadline_ms().
  HostActions on_tick(std::uint64_t now_ms);
  std::optional<std::uint64_t> next_deadline_ms() const;

  // NCMD Uplink/Ack (by the alias of the node's NBIRTH) acknowledging these record ids, which the caller
  // has stored durably; consecutive ids are merged into ranges, at most k_max_ack_ranges per message.
  // Errors: the node is not online, or its birth has no Uplink/Ack (Bytes) metric.
  Result<std::vector<OutboundMessage>> acknowledge(const NodeKey& node, std::vector<std::uint64_t> record_ids,
                                                   std::uint64_t now_ms) const;

  // What is known of a node (nullptr: never seen).
  const EdgeNodeInfo* node(const NodeKey& key) const;

 private:
  struct Held {
    sparkplug::Topic topic;
    sparkplug::Payload payload;
    bool awaits_birth = false;  // a DBIRTH behind the current seq: it may belong to the next NBIRTH
  };
  struct Node {
    EdgeNodeInfo info;
    std::uint8_t last_seq = 0;  // of the last message applied in order (online only)
    std::vector<Held> held;
    std::optional<std::uint64_t> deadline_ms;  // reorder timer
    std::optional<std::uint64_t> rebirth_requested_ms;
  };

  explicit HostSession(HostSessionConfig config) : config_(std::move(config)) {}

  OutboundMessage state_message(bool online) const;
  Result<HostActions> on_node_message(const sparkplug::Topic& topic, sparkplug::Payload payload,
                                      std::uint64_t now_ms);
  Status on_sequenced(Node& node, const NodeKey& key, Held message, std::uint64_t now_ms, HostActions& out);
  Status apply(Node& node, const NodeKey& key, const Held& message, std::uint64_t now_ms, HostActions& out);
  Status apply_nbirth(Node& node, const NodeKey& key, const sparkplug::Payload& payload, std::uint64_t now_ms,
                      HostActions& out);
  Status apply_dbirth(Node& node, const NodeKey& key, const Held& message, std::uint64_t now_ms,
                      HostActions& out);
  Status apply_data(Node& node, const NodeKey& key, const Held& message, HostActions& out);
  void apply_ndeath(Node& node, const NodeKey& key, std::uint64_t now_ms, HostActions& out);
  void drain(Node& node, const NodeKey& key, std::uint64_t now_ms, HostActions& out);
  void apply_held_in_order(Node& node, const NodeKey& key, std::uint64_t now_ms, HostActions& out);
  void expire(Node& node, const NodeKey& key, std::uint64_t now_ms, HostActions& out);
  void request_rebirth(Node& node, const NodeKey& key, std::uint64_t now_ms, std::string reason,
                       HostActions& out);

  HostSessionConfig config_;
  std::optional<std::uint64_t> connect_timestamp_ms_;  // T of the current / next connection
  bool born_ = false;                                  // birth STATE published on this connection
  std::map<NodeKey, Node> nodes_;
};

}  // namespace vigil::hub
