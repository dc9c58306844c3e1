#include "hub/host_session.hpp"

#include <algorithm>
#include <cassert>
#include <set>
#include <utility>

namespace vigil::hub {
namespace {

using sparkplug::DataType;
using sparkplug::MessageType;
using sparkplug::Metric;
using sparkplug::Payload;
using sparkplug::Topic;

std::string describe(std::size_t index, const Metric& m) {
  if (!m.name.empty()) return fmt::format("metric {} '{}'", index, m.name);
  if (m.alias) return fmt::format("metric {} (alias {})", index, *m.alias);
  return fmt::format("metric {}", index);
}

// The bdSeq of an NBIRTH or NDEATH: Int64 by the specification; UInt64 (and a DATA-style raw value) is
// accepted too, as long as it is 0..255.
Result<std::uint8_t> bdseq_of(const Payload& payload) {
  const auto it = std::find_if(payload.metrics.begin(), payload.metrics.end(),
                               [](const Metric& m) { return m.name == sparkplug::k_bdseq_metric; });
  if (it == payload.metrics.end()) return fail(ErrorCode::parse, "no bdSeq metric");
  std::optional<std::uint64_t> value;
  if (const auto* v = std::get_if<std::int64_t>(&it->value); v != nullptr && *v >= 0) {
    value = static_cast<std::uint64_t>(*v);
  } else if (const auto* u = std::get_if<std::uint64_t>(&it->value); u != nullptr) {
    value = *u;
  }
  if (!value || *value > 255) return fail(ErrorCode::parse, "bdSeq: expected an integer 0..255");
  return static_cast<std::uint8_t>(*value);
}

// A birth lists every metric by name with its datatype (tck-id-payloads-alias-birth-requirement,
// tck-id-payloads-metric-datatype-req); names and aliases are unique (tck-id-payloads-alias-uniqueness).
Status validate_birth(const Payload& payload) {
  std::set<std::string_view> names;
  std::set<std::uint64_t> aliases;
  for (std::size_t i = 0; i < payload.metrics.size(); ++i) {
    const Metric& m = payload.metrics[i];
    if (m.name.empty()) return fail(ErrorCode::parse, "{}: a birth metric needs a name", describe(i, m));
    if (m.datatype == DataType::unknown) return fail(ErrorCode::parse, "{}: no datatype", describe(i, m));
    if (!names.insert(m.name).second)
      return fail(ErrorCode::parse, "{}: the name is repeated", describe(i, m));
    if (m.alias && !aliases.insert(*m.alias).second) {
      return fail(ErrorCode::parse, "{}: alias {} is repeated", describe(i, m), *m.alias);
    }
    if (m.name == k_record_id_metric && m.datatype != DataType::uint64) {
      return fail(ErrorCode::parse, "{}: expected UInt64, found {}", describe(i, m), to_string(m.datatype));
    }
  }
  return {};
}

std::vector<MetricInfo> metric_infos(const Payload& payload) {
  std::vector<MetricInfo> out;
  out.reserve(payload.metrics.size());
  for (const Metric& m : payload.metrics) out.push_back(MetricInfo{m.name, m.alias, m.datatype, false, 0});
  return out;
}

const MetricInfo* find_metric(const std::vector<MetricInfo>& metrics, const Metric& m) {
  const auto it = std::find_if(metrics.begin(), metrics.end(), [&](const MetricInfo& info) {
    return m.alias ? info.alias == m.alias : info.name == m.name;
  });
  return it == metrics.end() ? nullptr : &*it;
}

void mark_stale(std::vector<MetricInfo>& metrics, std::uint64_t since_ms) {
  for (MetricInfo& m : metrics) {
    m.stale = true;
    m.stale_since_ms = since_ms;
  }
}

DeviceInfo* find_device(EdgeNodeInfo& node, std::string_view id) {
  const auto it =
      std::find_if(node.devices.begin(), node.devices.end(), [&](const DeviceInfo& d) { return d.id == id; });
  return it == node.devices.end() ? nullptr : &*it;
}

std::string node_name(const NodeKey& key) { return fmt::format("{}/{}", key.group_id, key.edge_node_id); }

// Distance of seq after the expected one, modulo 256: 0 in order, 1..127 ahead, 128..255 behind.
std::uint8_t distance(std::uint8_t seq, std::uint8_t last_seq) {
  return static_cast<std::uint8_t>(seq - static_cast<std::uint8_t>(last_seq + 1));
}

}  // namespace

Result<HostSession> HostSession::create(HostSessionConfig config) {
  if (auto s = sparkplug::validate_id(config.host_id, "host id"); !s) return std::unexpected(s.error());
  if (config.max_held_messages == 0) {
    return fail(ErrorCode::invalid_argument, "max_held_messages must be at least 1");
  }
  return HostSession(std::move(config));
}

OutboundMessage HostSession::state_message(bool online) const {
  assert(connect_timestamp_ms_);
  const std::string json = sparkplug::format_host_state({online, *connect_timestamp_ms_});
  return OutboundMessage{fmt::format("{}/STATE/{}", sparkplug::k_namespace, config_.host_id),
                         sparkplug::Bytes(json.begin(), json.end()), 1, true};
}

OutboundMessage HostSession::will(std::uint64_t now_ms) {
  // tck-id-host-topic-phid-death-payload-connect: T is the time of this CONNECT.
  connect_timestamp_ms_ = now_ms;
  born_ = false;
  return state_message(false);
}

std::vector<std::string> HostSession::subscriptions() const {
  // tck-id-host-topic-phid-birth-sub-required. Disjoint filters, so no message is delivered twice.
  const auto ns = sparkplug::k_namespace;
  return {fmt::format("{}/+/NBIRTH/+", ns),
          fmt::format("{}/+/NDEATH/+", ns),
          fmt::format("{}/+/NDATA/+", ns),
          fmt::format("{}/+/DBIRTH/+/+", ns),
          fmt::format("{}/+/DDEATH/+/+", ns),
          fmt::format("{}/+/DDATA/+/+", ns),
          fmt::format("{}/STATE/{}", ns, config_.host_id)};
}

HostActions HostSession::on_subscribed() {
  // tck-id-host-topic-phid-birth-required, tck-id-host-topic-phid-birth-payload-timestamp.
  HostActions out;
  born_ = true;
  out.publish.push_back(state_message(true));
  return out;
}

HostActions HostSession::shutdown() {
  HostActions out;
  if (!connect_timestamp_ms_) return out;
  born_ = false;
  out.publish.push_back(state_message(false));
  return out;
}

HostActions HostSession::on_connection_lost(std::uint64_t now_ms) {
  HostActions out;
  born_ = false;
  for (auto& [key, node] : nodes_) {
    node.held.clear();
    node.deadline_ms.reset();
    node.rebirth_requested_ms.reset();
    if (node.info.online) apply_ndeath(node, key, now_ms, out);
  }
  return out;
}

Result<HostActions> HostSession::on_message(std::string_view topic_text,
                                            std::span<const std::uint8_t> payload, std::uint64_t now_ms) {
  auto topic = sparkplug::parse_topic(topic_text);
  if (!topic) return std::unexpected(topic.error());
  HostActions out;
  if (topic->type == MessageType::state) {
    if (topic->host_id != config_.host_id) return out;
    auto state = sparkplug::parse_host_state(
        std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
    if (!state) return std::unexpected(state.error().with_context(topic_text));
    // tck-id-message-flow-hid-sparkplug-state-message-delivered: seen offline (a Will of an earlier
    // connection, or another client): the birth again at once. Same T as the Will, so the Will of this
    // connection is not older than its birth and edge nodes still take it (they ignore older STATEs).
    if (!state->online && born_) {
      out.publish.push_back(state_message(true));
      out.warnings.push_back(fmt::format("{}: offline STATE received; birth published again", topic_text));
    }
    return out;
  }
  if (topic->type == MessageType::ncmd || topic->type == MessageType::dcmd) return out;  // a host's own
  auto decoded = sparkplug::decode(payload);
  if (!decoded) return std::unexpected(decoded.error().with_context(topic_text));
  auto actions = on_node_message(*topic, std::move(*decoded), now_ms);
  if (!actions) return std::unexpected(actions.error().with_context(topic_text));
  return actions;
}

Result<HostActions> HostSession::on_node_message(const Topic& topic, Payload payload, std::uint64_t now_ms) {
  // What can be checked on the message alone is checked before anything is applied or held.
  std::optional<std::uint8_t> bdseq;
  if (topic.type == MessageType::nbirth || topic.type == MessageType::ndeath) {
    auto value = bdseq_of(payload);
    if (!value) return std::unexpected(value.error());
    bdseq = *value;
  }
  if (topic.type != MessageType::ndeath && !payload.seq) {
    return fail(ErrorCode::parse, "seq: missing (tck-id-payloads-sequence-num-always-included)");
  }
  if (topic.type == MessageType::nbirth || topic.type == MessageType::dbirth) {
    if (auto s = validate_birth(payload); !s) return std::unexpected(s.error());
  }
  if (topic.type == MessageType::ddeath && !payload.timestamp_ms) {
    return fail(ErrorCode::parse, "timestamp: missing; a DDEATH marks the device stale from it");
  }

  HostActions out;
  const NodeKey key{topic.group_id, topic.edge_node_id};
  Node& node = nodes_[key];

  switch (topic.type) {
    case MessageType::nbirth:
      if (auto s = apply_nbirth(node, key, payload, now_ms, out); !s) return std::unexpected(s.error());
      return out;
    case MessageType::ndeath:
      // tck-id-payloads-ndeath-bdseq: only the Will of the current session ends it.
      if (!node.info.online) {
        out.warnings.push_back(
            fmt::format("{}: NDEATH of a node that is not online; ignored", node_name(key)));
      } else if (*bdseq != node.info.bdseq) {
        out.warnings.push_back(fmt::format("{}: NDEATH with bdSeq {} while the session's is {}; ignored",
                                           node_name(key), *bdseq, node.info.bdseq));
      } else {
        if (!node.held.empty()) apply_held_in_order(node, key, now_ms, out);
        apply_ndeath(node, key, now_ms, out);
      }
      return out;
    default:
      // DBIRTH, NDATA, DDATA, DDEATH: in seq order
      if (auto s = on_sequenced(node, key, Held{topic, std::move(payload), false}, now_ms, out); !s) {
        return std::unexpected(s.error());
      }
      return out;
  }
}

Status HostSession::on_sequenced(Node& node, const NodeKey& key, Held message, std::uint64_t now_ms,
                                 HostActions& out) {
  const std::uint8_t seq = *message.payload.seq;
  const auto hold = [&](bool awaits_birth) {
    const bool duplicate = std::any_of(node.held.begin(), node.held.end(), [&](const Held& h) {
      return h.awaits_birth == awaits_birth && h.payload.seq == seq;
    });
    if (duplicate) {
      out.warnings.push_back(fmt::format("{}: seq {} received twice; ignored", node_name(key), seq));
      return;
    }
    message.awaits_birth = awaits_birth;
    node.held.push_back(std::move(message));
    // tck-id-operational-behavior-host-reordering-start
    if (!node.deadline_ms) node.deadline_ms = now_ms + config_.reorder_timeout_ms;
    if (node.held.size() > config_.max_held_messages) expire(node, key, now_ms, out);
  };

  if (!node.info.online) {
    // Brokers may deliver a DBIRTH before its NBIRTH: hold it, and what follows, for the reorder timeout.
    if (message.topic.type == MessageType::dbirth || !node.held.empty()) {
      hold(true);
      return {};
    }
    request_rebirth(node, key, now_ms,
                    fmt::format("{} before NBIRTH", sparkplug::to_string(message.topic.type)), out);
    return {};
  }
  const std::uint8_t d = distance(seq, node.last_seq);
  if (d == 0) {
    if (auto s = apply(node, key, message, now_ms, out); !s) return s;
    node.last_seq = seq;
    drain(node, key, now_ms, out);
  } else if (d < 128) {
    hold(false);
  } else if (message.topic.type == MessageType::dbirth ||
             std::any_of(node.held.begin(), node.held.end(), [](const Held& h) { return h.awaits_birth; })) {
    hold(true);  // perhaps of a rebirth whose NBIRTH is still on its way, like the DBIRTH held before it
  } else {
    out.warnings.push_back(fmt::format("{}: seq {} is late or repeated (expected {}); ignored",
                                       node_name(key), seq, static_cast<std::uint8_t>(node.last_seq + 1)));
  }
  return {};
}

void HostSession::drain(Node& node, const NodeKey& key, std::uint64_t now_ms, HostActions& out) {
  for (;;) {
    const auto next = static_cast<std::uint8_t>(node.last_seq + 1);
    const auto it = std::find_if(node.held.begin(), node.held.end(),
                                 [&](const Held& h) { return !h.awaits_birth && h.payload.seq == next; });
    if (it == node.held.end()) break;
    const Held message = std::move(*it);
    node.held.erase(it);
    node.last_seq = next;
    if (auto s = apply(node, key, message, now_ms, out); !s) {
      request_rebirth(node, key, now_ms, s.error().message, out);
    }
  }
  // tck-id-operational-behavior-host-reordering-success: every missing message arrived, the timer stops.
  if (node.held.empty()) node.deadline_ms.reset();
}

void HostSession::apply_held_in_order(Node& node, const NodeKey& key, std::uint64_t now_ms,
                                      HostActions& out) {
  std::vector<Held> held = std::move(node.held);
  node.held.clear();
  node.deadline_ms.reset();
  std::erase_if(held, [](const Held& h) { return h.awaits_birth; });
  std::sort(held.begin(), held.end(), [&](const Held& a, const Held& b) {
    return distance(*a.payload.seq, node.last_seq) < distance(*b.payload.seq, node.last_seq);
  });
  for (const Held& message : held) {
    node.last_seq = *message.payload.seq;
    if (auto s = apply(node, key, message, now_ms, out); !s) {
      out.warnings.push_back(fmt::format("{}: {}", node_name(key), s.error().message));
    }
  }
}

void HostSession::expire(Node& node, const NodeKey& key, std::uint64_t now_ms, HostActions& out) {
  node.deadline_ms.reset();
  if (node.held.empty()) return;
  const std::size_t count = node.held.size();
  if (node.info.online) {
    // What did arrive is applied in order; the rest is what the rebirth is for.
    apply_held_in_order(node, key, now_ms, out);
  } else {
    node.held.clear();
  }
  // tck-id-operational-behavior-host-reordering-rebirth
  request_rebirth(node, key, now_ms,
                  fmt::format("reorder timeout with {} message(s) out of sequence or awaiting NBIRTH", count),
                  out);
}

void HostSession::request_rebirth(Node& node, const NodeKey& key, std::uint64_t now_ms, std::string reason,
                                  HostActions& out) {
  if (node.rebirth_requested_ms && now_ms < *node.rebirth_requested_ms + config_.rebirth_interval_ms) {
    out.warnings.push_back(fmt::format("{}: {}; a rebirth is already requested", node_name(key), reason));
    return;
  }
  out.warnings.push_back(fmt::format("{}: {}; rebirth requested", node_name(key), reason));
  node.rebirth_requested_ms = now_ms;
  // tck-id-operational-behavior-data-commands-ncmd-rebirth-verb, -name, -value: NCMD, Node Control/Rebirth
  // (by name: it has no alias), true; QoS 0, not retained, with a timestamp (tck-id-topics-ncmd-mqtt,
  // tck-id-topics-ncmd-timestamp).
  Metric rebirth;
  rebirth.name = std::string(sparkplug::k_rebirth_metric);
  rebirth.datatype = DataType::boolean;
  rebirth.value = true;
  Payload p;
  p.timestamp_ms = now_ms;
  p.metrics.push_back(std::move(rebirth));
  auto topic = sparkplug::format_topic(Topic{MessageType::ncmd, key.group_id, key.edge_node_id, {}, {}});
  auto bytes = sparkplug::encode(p, MessageType::ncmd);
  assert(topic && bytes);  // the ids came from a parsed topic
  out.publish.push_back(OutboundMessage{std::move(*topic), std::move(*bytes), 0, false});
}

Status HostSession::apply(Node& node, const NodeKey& key, const Held& message, std::uint64_t now_ms,
                          HostActions& out) {
  switch (message.topic.type) {
    case MessageType::dbirth:
      return apply_dbirth(node, key, message, now_ms, out);
    case MessageType::ndata:
    case MessageType::ddata: {
      auto s = apply_data(node, key, message, out);
      // DATA the birth does not explain (no DBIRTH, an unknown alias or name) is not an error of the
      // message: nothing of it is applied and the node is asked for the births that explain it.
      if (!s && s.error().code == ErrorCode::not_found) {
        request_rebirth(node, key, now_ms,
                        fmt::format("{}: {}", sparkplug::to_string(message.topic.type), s.error().message),
                        out);
        return {};
      }
      return s;
    }
    case MessageType::ddeath: {
      // tck-id-operational-behavior-edge-node-termination-host-action-ddeath-devices-offline, -tags-stale:
      // the DDEATH's own timestamp.
      DeviceInfo* device = find_device(node.info, message.topic.device_id);
      if (device == nullptr || !device->online) {
        out.warnings.push_back(fmt::format("{}: DDEATH of device '{}' that is not online; ignored",
                                           node_name(key), message.topic.device_id));
        return {};
      }
      const std::uint64_t since = *message.payload.timestamp_ms;
      device->online = false;
      device->since_ms = since;
      mark_stale(device->metrics, since);
      out.updates.push_back(DeathUpdate{key, device->id, {}, since});
      return {};
    }
    default:
      assert(false);
      return {};
  }
}

Status HostSession::apply_nbirth(Node& node, const NodeKey& key, const Payload& payload, std::uint64_t now_ms,
                                 HostActions& out) {
  const auto bdseq = bdseq_of(payload);
  assert(bdseq);
  // A new session (or a rebirth): devices are online again only with their DBIRTH in it.
  for (DeviceInfo& device : node.info.devices) {
    if (!device.online) continue;
    device.online = false;
    device.since_ms = now_ms;
    mark_stale(device.metrics, now_ms);
    out.updates.push_back(DeathUpdate{key, device.id, {}, now_ms});
  }
  node.info.online = true;
  node.info.bdseq = *bdseq;
  node.info.since_ms = payload.timestamp_ms.value_or(now_ms);
  node.info.metrics = metric_infos(payload);
  node.last_seq = *payload.seq;
  node.rebirth_requested_ms.reset();
  out.updates.push_back(BirthUpdate{key, {}, *bdseq, payload.timestamp_ms, payload.metrics});

  // What was held (DBIRTHs before this NBIRTH, messages after a gap) is put in order against this session.
  std::vector<Held> held = std::move(node.held);
  node.held.clear();
  node.deadline_ms.reset();
  for (Held& h : held) {
    const std::uint8_t seq = *h.payload.seq;
    const bool duplicate = std::any_of(node.held.begin(), node.held.end(),
                                       [&](const Held& other) { return other.payload.seq == seq; });
    if (distance(seq, node.last_seq) >= 128 || duplicate) {
      out.warnings.push_back(
          fmt::format("{}: held seq {} does not follow the NBIRTH; dropped", node_name(key), seq));
      continue;
    }
    h.awaits_birth = false;
    node.held.push_back(std::move(h));
  }
  drain(node, key, now_ms, out);
  if (!node.held.empty()) node.deadline_ms = now_ms + config_.reorder_timeout_ms;
  return {};
}

Status HostSession::apply_dbirth(Node& node, const NodeKey& key, const Held& message, std::uint64_t now_ms,
                                 HostActions& out) {
  const std::string& id = message.topic.device_id;
  const Payload& payload = message.payload;
  // Aliases are unique across the node (tck-id-payloads-alias-uniqueness).
  for (std::size_t i = 0; i < payload.metrics.size(); ++i) {
    const Metric& m = payload.metrics[i];
    if (!m.alias) continue;
    const auto taken = [&](const std::vector<MetricInfo>& metrics) {
      return std::any_of(metrics.begin(), metrics.end(),
                         [&](const MetricInfo& info) { return info.alias == m.alias; });
    };
    bool clash = taken(node.info.metrics);
    for (const DeviceInfo& other : node.info.devices)
      clash = clash || (other.id != id && taken(other.metrics));
    if (clash) {
      return fail(ErrorCode::parse, "DBIRTH of '{}': {}: alias {} is already used in this node", id,
                  describe(i, m), *m.alias);
    }
  }
  DeviceInfo* device = find_device(node.info, id);
  if (device == nullptr) {
    node.info.devices.push_back(DeviceInfo{id, false, 0, {}});
    device = &node.info.devices.back();
  }
  device->online = true;
  device->since_ms = payload.timestamp_ms.value_or(now_ms);
  device->metrics = metric_infos(payload);
  out.updates.push_back(BirthUpdate{key, id, node.info.bdseq, payload.timestamp_ms, payload.metrics});
  return {};
}

Status HostSession::apply_data(Node& node, const NodeKey& key, const Held& message, HostActions& out) {
  const Topic& topic = message.topic;
  const std::vector<MetricInfo>* metrics = &node.info.metrics;
  if (topic.type == MessageType::ddata) {
    const DeviceInfo* device = find_device(node.info, topic.device_id);
    if (device == nullptr || !device->online) {
      return fail(ErrorCode::not_found, "DDATA of device '{}' without its DBIRTH", topic.device_id);
    }
    metrics = &device->metrics;
  }
  DataUpdate update{key, topic.device_id, *message.payload.seq, message.payload.timestamp_ms, {}, {}, {}};
  for (std::size_t i = 0; i < message.payload.metrics.size(); ++i) {
    const Metric& m = message.payload.metrics[i];
    const MetricInfo* info = find_metric(*metrics, m);
    if (info == nullptr) return fail(ErrorCode::not_found, "{} is not in the birth", describe(i, m));
    auto typed = sparkplug::with_datatype(m, info->datatype);
    if (!typed) return std::unexpected(typed.error());
    typed->name = info->name;
    typed->alias = info->alias;
    if (info->name == k_record_id_metric) {
      if (typed->is_null) return fail(ErrorCode::parse, "{}: Record/Id is null", describe(i, m));
      update.record_ids.push_back(std::get<std::uint64_t>(typed->value));
    } else if (typed->is_historical) {
      update.historical.push_back(std::move(*typed));
    } else {
      update.live.push_back(std::move(*typed));
    }
  }
  out.updates.push_back(std::move(update));
  return {};
}

void HostSession::apply_ndeath(Node& node, const NodeKey& key, std::uint64_t now_ms, HostActions& out) {
  // tck-id-operational-behavior-edge-node-termination-host-action-ndeath-node-offline, -node-tags-stale,
  // -devices-offline, -devices-tags-stale: all at the host's clock.
  DeathUpdate death{key, {}, {}, now_ms};
  node.info.online = false;
  node.info.since_ms = now_ms;
  mark_stale(node.info.metrics, now_ms);
  for (DeviceInfo& device : node.info.devices) {
    if (!device.online) continue;
    device.online = false;
    device.since_ms = now_ms;
    mark_stale(device.metrics, now_ms);
    death.devices.push_back(device.id);
  }
  node.held.clear();
  node.deadline_ms.reset();
  out.updates.push_back(std::move(death));
}

HostActions HostSession::on_tick(std::uint64_t now_ms) {
  HostActions out;
  for (auto& [key, node] : nodes_) {
    if (node.deadline_ms && now_ms >= *node.deadline_ms) expire(node, key, now_ms, out);
  }
  return out;
}

std::optional<std::uint64_t> HostSession::next_deadline_ms() const {
  std::optional<std::uint64_t> next;
  for (const auto& [key, node] : nodes_) {
    if (node.deadline_ms && (!next || *node.deadline_ms < *next)) next = node.deadline_ms;
  }
  return next;
}

Result<std::vector<OutboundMessage>> HostSession::acknowledge(const NodeKey& key,
                                                              std::vector<std::uint64_t> record_ids,
                                                              std::uint64_t now_ms) const {
  const auto it = nodes_.find(key);
  if (it == nodes_.end() || !it->second.info.online) {
    return fail(ErrorCode::not_found, "edge node {} is not online", node_name(key));
  }
  const std::vector<MetricInfo>& metrics = it->second.info.metrics;
  const auto ack = std::find_if(metrics.begin(), metrics.end(),
                                [](const MetricInfo& m) { return m.name == sparkplug::k_ack_metric; });
  if (ack == metrics.end() || ack->datatype != DataType::bytes) {
    return fail(ErrorCode::not_found, "edge node {}: its NBIRTH has no {} (Bytes) metric", node_name(key),
                sparkplug::k_ack_metric);
  }
  std::sort(record_ids.begin(), record_ids.end());
  record_ids.erase(std::unique(record_ids.begin(), record_ids.end()), record_ids.end());
  std::vector<sparkplug::RecordIdRange> ranges;
  for (const std::uint64_t id : record_ids) {
    if (!ranges.empty() && ranges.back().last + 1 == id) {
      ranges.back().last = id;
    } else {
      ranges.push_back({id, id});
    }
  }
  auto topic = sparkplug::format_topic(Topic{MessageType::ncmd, key.group_id, key.edge_node_id, {}, {}});
  if (!topic) return std::unexpected(topic.error());
  std::vector<OutboundMessage> out;
  for (std::size_t first = 0; first < ranges.size(); first += sparkplug::k_max_ack_ranges) {
    const std::size_t n = std::min(sparkplug::k_max_ack_ranges, ranges.size() - first);
    auto value = sparkplug::encode_ack(std::span(ranges).subspan(first, n));
    if (!value) return std::unexpected(value.error());
    // By alias, without name or datatype (tck-id-payloads-alias-data-cmd-requirement,
    // tck-id-payloads-metric-datatype-not-req); QoS 0, not retained (tck-id-topics-ncmd-mqtt).
    Metric m;
    if (ack->alias) {
      m.alias = ack->alias;
    } else {
      m.name = std::string(sparkplug::k_ack_metric);
    }
    m.datatype = DataType::bytes;
    m.value = std::move(*value);
    Payload p;
    p.timestamp_ms = now_ms;
    p.metrics.push_back(std::move(m));
    auto bytes = sparkplug::encode(p, MessageType::ncmd);
    if (!bytes) return std::unexpected(bytes.error());
    out.push_back(OutboundMessage{*topic, std::move(*bytes), 0, false});
  }
  return out;
}

const EdgeNodeInfo* HostSession::node(const NodeKey& key) const {
  const auto it = nodes_.find(key);
  return it == nodes_.end() ? nullptr : &it->second.info;
}

}  // namespace vigil::hub
