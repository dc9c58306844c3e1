// The Sparkplug B 3.0 edge node's session rules as a deterministic state machine, without a network: the
// MQTT client feeds it events (CONNECT accepted, connection lost, a message on a subscribed topic) and the
// agent feeds it devices and metric changes; it answers with the messages to publish, in order, and what the
// client must do. Time comes in as arguments, so every rule is testable; the assertion ids it implements
// are named at the rule, and tests/proto/sparkplug_edge_session_test.cpp checks each one. Not thread-safe:
// one thread (the uplink's) owns a session.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "proto/sparkplug.hpp"

namespace vigil::proto::sparkplug {

struct OutboundMessage {
  std::string topic;
  Bytes payload;
  int qos = 0;
  bool retain = false;
};

// A host's write to a metric that the session does not handle itself (anything but Node Control/Rebirth
// and Uplink/Ack), typed and named from the birth.
struct Command {
  std::string device_id;  // empty: an NCMD to the node
  Metric metric;
};

struct SessionActions {
  std::vector<OutboundMessage> publish;     // publish these, in this order, before anything else
  bool disconnect = false;                  // then drop this MQTT server and connect to the next one
  std::vector<RecordIdRange> acknowledged;  // records the hub confirmed it stored (Uplink/Ack)
  std::vector<Command> commands;
};

struct EdgeSessionConfig {
  std::string group_id;
  std::string edge_node_id;
  std::string primary_host_id;       // empty: no primary host, births follow the CONNECT at once
  std::filesystem::path bdseq_file;  // persisted bdSeq (created on the first accepted CONNECT)
  std::vector<Metric> node_metrics;  // name, datatype and current value (monostate: null)
};

// Rules, with the specification's assertion ids:
//  - bdSeq starts at 0 and rises by one per accepted CONNECT, 255 -> 0, persisted in bdseq_file (written to
//    a temporary file, synced and renamed) the moment a CONNECT is accepted, so a refused CONNECT or a
//    restart never skips or repeats one (tck-id-topics-nbirth-bdseq-increment).
//  - The Will is an NDEATH carrying only bdSeq (Int64) and no seq, QoS 1, not retained
//    (tck-id-message-flow-edge-node-birth-publish-will-message-*, tck-id-topics-ndeath-payload, -seq).
//  - With a primary host, births wait for its STATE {"online":true}; a STATE of another host is ignored, a
//    STATE older than the last one seen on this connection is ignored, an offline STATE makes the node
//    publish NDEATH (if it was born) and ask to disconnect
//    (tck-id-message-flow-edge-node-birth-publish-phid-wait*, -phid-offline,
//    tck-id-operational-behavior-edge-node-termination-host-offline*).
//  - NBIRTH: seq 0, every node metric with name, alias and datatype and its current value (or is_null),
//    bdSeq, and Node Control/Rebirth (Boolean false, no alias); then one DBIRTH per live device listing all
//    its metrics (tck-id-topics-nbirth-*, tck-id-payloads-alias-birth-requirement,
//    tck-id-operational-behavior-data-commands-rebirth-*). Births, DATA and DDEATH are QoS 0, not retained.
//  - DATA by exception: only values that changed, by alias only, with their timestamps; historical values
//    keep their timestamps and carry is_historical (tck-id-payloads-alias-data-cmd-requirement,
//    tck-id-operational-behavior-data-publish-nbirth-change).
//  - seq rises by one per NBIRTH / DBIRTH / NDATA / DDATA / DDEATH message, 255 -> 0
//    (tck-id-payloads-sequence-num-incrementing).
//  - A metric that was not in the births makes the node rebirth (NBIRTH and every DBIRTH) with it.
//  - NCMD Node Control/Rebirth = true: NBIRTH and every DBIRTH again with the same bdSeq
//    (tck-id-operational-behavior-data-commands-rebirth-action-1..3).
class EdgeSession {
 public:
  enum class State { disconnected, waiting_for_host, online, leaving };

  // Validates the ids and node metrics (unique names, supported datatypes, values of their datatype, none
  // of the session's own names bdSeq / Node Control/Rebirth / Uplink/Ack) and reads bdseq_file.
  static Result<EdgeSession> create(EdgeSessionConfig config);

  // The Will to register in the next CONNECT: call it while disconnected and set it before every CONNECT
  // (it carries the bdSeq that CONNECT will use).
  OutboundMessage will(std::uint64_t now_ms) const;

  // Topics to subscribe to (QoS 1) once connected, before anything is published: NCMD, DCMD and the
  // primary host's STATE (tck-id-message-flow-edge-node-ncmd-subscribe).
  std::vector<std::string> subscriptions() const;

  // The broker accepted the CONNECT that carried will(): bdSeq is advanced and persisted (an error leaves
  // the session disconnected: drop the connection). Births follow unless a primary host must be awaited.
  Result<SessionActions> on_connect_accepted(std::uint64_t now_ms);

  // The MQTT connection ended (lost or closed): nothing is published until the next accepted CONNECT.
  void on_connection_lost();

  // A message on a subscribed topic: the primary host's STATE, an NCMD or a DCMD. A malformed message or a
  // command to an unknown metric is an error and nothing of it is applied.
  Result<SessionActions> on_message(std::string_view topic, std::span<const std::uint8_t> payload,
                                    std::uint64_t now_ms);

  // A device (Vigil: an asset) is alive with these metrics (name, datatype, current value); replaces
  // what was known of it. DBIRTH if the node is born.
  Result<SessionActions> device_born(std::string_view device_id, std::vector<Metric> metrics,
                                     std::uint64_t now_ms);

  // A device's source died: DDEATH if it was born in this session.
  Result<SessionActions> device_dead(std::string_view device_id, std::uint64_t now_ms);

  // New values of node metrics (device_id empty) or of a device's metrics, by name; a metric without a
  // timestamp gets now_ms. Live values that did not change are not sent; historical ones always are.
  Result<SessionActions> report(std::string_view device_id, std::vector<Metric> metrics,
                                std::uint64_t now_ms);

  // Intentional disconnect: NDEATH (if connected), then disconnect
  // (tck-id-operational-behavior-edge-node-intentional-disconnect-ndeath).
  SessionActions shutdown(std::uint64_t now_ms);

  State state() const { return state_; }
  std::uint8_t bdseq() const { return bdseq_; }  // of the current (or, disconnected, the next) CONNECT

 private:
  struct Slot {
    std::string name;
    std::optional<std::uint64_t> alias;  // none for Node Control/Rebirth
    DataType datatype = DataType::unknown;
    Metric current;  // value and timestamp of the latest live value
  };
  struct Device {
    std::string id;
    std::vector<Slot> metrics;
    bool alive = false;
    bool born = false;  // DBIRTH sent in this MQTT session
  };

  explicit EdgeSession(EdgeSessionConfig config) : config_(std::move(config)) {}

  Status add_slot(std::vector<Slot>& slots, const Metric& metric);
  std::vector<OutboundMessage> births(std::uint64_t now_ms);
  OutboundMessage device_birth(Device& device, std::uint64_t now_ms);
  OutboundMessage ndeath(std::uint64_t now_ms) const;
  OutboundMessage message(MessageType type, std::string_view device_id, Payload payload) const;
  Result<SessionActions> on_host_state(std::string_view host_id, std::span<const std::uint8_t> payload,
                                       std::uint64_t now_ms);
  Result<SessionActions> on_command(const Topic& topic, std::span<const std::uint8_t> payload,
                                    std::uint64_t now_ms);
  Device* find_device(std::string_view id);

  EdgeSessionConfig config_;
  State state_ = State::disconnected;
  std::uint8_t bdseq_ = 0;  // disconnected: the next CONNECT's; connected: this session's
  std::uint8_t seq_ = 0;    // of the last message sent
  std::optional<std::uint64_t> last_host_state_ms_;
  std::uint64_t next_alias_ = 1;
  std::vector<Slot> node_;  // bdSeq, Node Control/Rebirth, Uplink/Ack, then the configured metrics
  std::vector<Device> devices_;
};

}  // namespace vigil::proto::sparkplug
