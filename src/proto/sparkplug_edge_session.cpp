#include "proto/sparkplug_edge_session.hpp"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace vigil::proto::sparkplug {
namespace {

// The bdSeq file holds the bdSeq of the next CONNECT as a decimal number (0..255) and a newline.
Result<std::uint8_t> read_bdseq(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::uint8_t{0};  // first start: bdSeq starts at 0
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io, "{}: cannot be read", path.string());
  std::string text(std::istreambuf_iterator<char>(in), {});
  if (!text.empty() && text.back() == '\n') text.pop_back();
  unsigned value = 0;
  const bool digits = !text.empty() && text.size() <= 3 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) value = static_cast<unsigned>(std::stoul(text));
  if (!digits || value > 255) {
    return fail(ErrorCode::parse, "{}: expected the next bdSeq (0..255), found '{}'", path.string(),
                text.substr(0, 16));
  }
  return static_cast<std::uint8_t>(value);
}

// Atomic replace: write a temporary file beside it, fsync, rename over, fsync the directory.
Status write_bdseq(const std::filesystem::path& path, std::uint8_t value) {
  const std::string text = fmt::format("{}\n", value);
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(ErrorCode::io, "{}: cannot create: {}", tmp.string(), std::strerror(errno));
  const bool written =
      ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = written ? errno : saved;
    std::filesystem::remove(tmp);
    return fail(ErrorCode::io, "{}: cannot write bdSeq: {}", path.string(), std::strerror(err));
  }
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

bool reserved_name(std::string_view name) {
  return name == k_bdseq_metric || name == k_rebirth_metric || name == k_ack_metric;
}

Metric bdseq_metric(std::uint8_t bdseq, std::uint64_t now_ms) {
  Metric m;
  m.name = std::string(k_bdseq_metric);
  m.datatype = DataType::int64;  // tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq
  m.timestamp_ms = now_ms;
  m.value = std::int64_t{bdseq};
  return m;
}

Payload make_payload(std::optional<std::uint64_t> timestamp_ms, std::optional<std::uint8_t> seq,
                     std::vector<Metric> metrics = {}) {
  Payload p;
  p.timestamp_ms = timestamp_ms;
  p.seq = seq;
  p.metrics = std::move(metrics);
  return p;
}

// Same metric, same value (is_null included); the timestamp does not count.
bool same_value(const Metric& a, const Metric& b) { return a.is_null == b.is_null && a.value == b.value; }

}  // namespace

Result<EdgeSession> EdgeSession::create(EdgeSessionConfig config) {
  if (auto s = validate_id(config.group_id, "group id"); !s) return std::unexpected(s.error());
  if (auto s = validate_id(config.edge_node_id, "edge node id"); !s) return std::unexpected(s.error());
  if (!config.primary_host_id.empty()) {
    if (auto s = validate_id(config.primary_host_id, "primary host id"); !s)
      return std::unexpected(s.error());
  }
  auto bdseq = read_bdseq(config.bdseq_file);
  if (!bdseq) return std::unexpected(bdseq.error());

  EdgeSession session(std::move(config));
  session.bdseq_ = *bdseq;
  Metric bdseq_slot = bdseq_metric(session.bdseq_, 0);
  Metric ack;
  ack.name = std::string(k_ack_metric);
  ack.datatype = DataType::bytes;
  ack.value = Bytes{};
  for (const Metric* m : {&bdseq_slot, &ack}) {
    if (auto s = session.add_slot(session.node_, *m); !s) return std::unexpected(s.error());
  }
  // Node Control/Rebirth: Boolean false and no alias (tck-id-operational-behavior-data-commands-rebirth-*).
  Metric rebirth;
  rebirth.name = std::string(k_rebirth_metric);
  rebirth.datatype = DataType::boolean;
  rebirth.value = false;
  session.node_.insert(session.node_.begin() + 1,
                       Slot{rebirth.name, std::nullopt, DataType::boolean, rebirth});

  for (const Metric& m : session.config_.node_metrics) {
    if (reserved_name(m.name)) {
      return fail(ErrorCode::invalid_argument, "node metric '{}': the name is the session's own", m.name);
    }
    if (auto s = session.add_slot(session.node_, m); !s)
      return std::unexpected(s.error().with_context("node metric"));
  }
  return session;
}

Status EdgeSession::add_slot(std::vector<Slot>& slots, const Metric& metric) {
  if (metric.name.empty()) return fail(ErrorCode::invalid_argument, "a metric has no name");
  if (std::any_of(slots.begin(), slots.end(), [&](const Slot& s) { return s.name == metric.name; })) {
    return fail(ErrorCode::invalid_argument, "metric '{}' is declared twice", metric.name);
  }
  Metric current = metric;
  current.alias.reset();
  current.is_historical = false;
  current.is_null = std::holds_alternative<std::monostate>(metric.value);
  // The encoder's checks (datatype known and supported, value of its datatype) on the metric alone.
  if (auto bytes = encode(make_payload({}, {}, {current}), MessageType::dbirth); !bytes) {
    return std::unexpected(bytes.error());
  }
  slots.push_back(Slot{metric.name, next_alias_++, metric.datatype, std::move(current)});
  return {};
}

OutboundMessage EdgeSession::message(MessageType type, std::string_view device_id, Payload payload) const {
  Topic topic{type, config_.group_id, config_.edge_node_id, std::string(device_id), {}};
  auto name = format_topic(topic);
  auto bytes = encode(payload, type);
  assert(name && bytes);  // ids and metrics were validated when they were declared
  return OutboundMessage{std::move(*name), std::move(*bytes), 0, false};
}

OutboundMessage EdgeSession::ndeath(std::uint64_t now_ms) const {
  // Only bdSeq, no seq, QoS 1, not retained (tck-id-topics-ndeath-payload, tck-id-topics-ndeath-seq,
  // tck-id-payloads-ndeath-will-message-qos, -retain).
  OutboundMessage out =
      message(MessageType::ndeath, {}, make_payload(now_ms, {}, {bdseq_metric(bdseq_, now_ms)}));
  out.qos = 1;
  return out;
}

OutboundMessage EdgeSession::will(std::uint64_t now_ms) const { return ndeath(now_ms); }

std::vector<std::string> EdgeSession::subscriptions() const {
  std::vector<std::string> topics = {
      fmt::format("{}/{}/NCMD/{}", k_namespace, config_.group_id, config_.edge_node_id),
      fmt::format("{}/{}/DCMD/{}/+", k_namespace, config_.group_id, config_.edge_node_id)};
  if (!config_.primary_host_id.empty()) {
    topics.push_back(fmt::format("{}/STATE/{}", k_namespace, config_.primary_host_id));
  }
  return topics;
}

OutboundMessage EdgeSession::device_birth(Device& device, std::uint64_t now_ms) {
  Payload p = make_payload(now_ms, ++seq_);  // tck-id-topics-dbirth-seq
  for (const Slot& s : device.metrics) {
    Metric m = s.current;
    m.alias = s.alias;
    if (!m.timestamp_ms) m.timestamp_ms = now_ms;
    p.metrics.push_back(std::move(m));
  }
  device.born = true;
  return message(MessageType::dbirth, device.id, std::move(p));
}

std::vector<OutboundMessage> EdgeSession::births(std::uint64_t now_ms) {
  // tck-id-topics-nbirth-seq-num: the NBIRTH's seq is 0.
  seq_ = 0;
  Payload p = make_payload(now_ms, seq_);
  for (Slot& s : node_) {
    if (s.name == k_bdseq_metric)
      s.current = bdseq_metric(bdseq_, now_ms);  // tck-id-topics-nbirth-bdseq-matching
    Metric m = s.current;
    m.alias = s.alias;
    if (!m.timestamp_ms || s.name == k_rebirth_metric) m.timestamp_ms = now_ms;
    p.metrics.push_back(std::move(m));
  }
  std::vector<OutboundMessage> out;
  out.push_back(message(MessageType::nbirth, {}, std::move(p)));
  for (Device& d : devices_) {
    d.born = false;
    if (d.alive) out.push_back(device_birth(d, now_ms));
  }
  state_ = State::online;
  return out;
}

Result<SessionActions> EdgeSession::on_connect_accepted(std::uint64_t now_ms) {
  assert(state_ == State::disconnected);
  // The bdSeq of the next CONNECT is stored before anything of this session is published.
  if (auto s = write_bdseq(config_.bdseq_file, static_cast<std::uint8_t>(bdseq_ + 1)); !s) {
    return std::unexpected(s.error());
  }
  last_host_state_ms_.reset();
  SessionActions actions;
  if (config_.primary_host_id.empty()) {
    actions.publish = births(now_ms);
  } else {
    state_ = State::waiting_for_host;  // tck-id-message-flow-edge-node-birth-publish-phid-wait
  }
  return actions;
}

void EdgeSession::on_connection_lost() {
  if (state_ != State::disconnected) bdseq_ = static_cast<std::uint8_t>(bdseq_ + 1);  // 255 -> 0
  state_ = State::disconnected;
  last_host_state_ms_.reset();  // the next server has its own STATE history
  for (Device& d : devices_) d.born = false;
}

SessionActions EdgeSession::shutdown(std::uint64_t now_ms) {
  SessionActions actions;
  if (state_ == State::disconnected) return actions;
  actions.publish.push_back(ndeath(now_ms));
  actions.disconnect = true;
  state_ = State::leaving;
  return actions;
}

EdgeSession::Device* EdgeSession::find_device(std::string_view id) {
  const auto it = std::find_if(devices_.begin(), devices_.end(), [&](const Device& d) { return d.id == id; });
  return it == devices_.end() ? nullptr : &*it;
}

Result<SessionActions> EdgeSession::device_born(std::string_view device_id, std::vector<Metric> metrics,
                                                std::uint64_t now_ms) {
  if (auto s = validate_id(device_id, "device id"); !s) return std::unexpected(s.error());
  Device* existing = find_device(device_id);
  Device device{std::string(device_id), {}, true, false};
  // Aliases stay with their (device, name) across rebirths of the device; new names get new ones.
  for (const Metric& m : metrics) {
    const Slot* old = nullptr;
    if (existing != nullptr) {
      const auto it = std::find_if(existing->metrics.begin(), existing->metrics.end(),
                                   [&](const Slot& s) { return s.name == m.name; });
      if (it != existing->metrics.end() && it->datatype == m.datatype) old = &*it;
    }
    const auto alias_before = next_alias_;
    if (auto s = add_slot(device.metrics, m); !s) {
      next_alias_ = alias_before;
      return std::unexpected(s.error().with_context(fmt::format("device '{}'", device_id)));
    }
    if (old != nullptr) {
      device.metrics.back().alias = old->alias;
      next_alias_ = alias_before;
    }
  }
  SessionActions actions;
  Device* target = existing;
  if (target == nullptr) {
    devices_.push_back(std::move(device));
    target = &devices_.back();
  } else {
    *target = std::move(device);
  }
  // tck-id-message-flow-device-birth-publish-nbirth-wait: a DBIRTH only after this session's NBIRTH.
  if (state_ == State::online) actions.publish.push_back(device_birth(*target, now_ms));
  return actions;
}

Result<SessionActions> EdgeSession::device_dead(std::string_view device_id, std::uint64_t now_ms) {
  Device* d = find_device(device_id);
  if (d == nullptr) return fail(ErrorCode::not_found, "device '{}' was never born", device_id);
  SessionActions actions;
  // tck-id-operational-behavior-device-ddeath; tck-id-topics-ddeath-seq-num.
  if (state_ == State::online && d->born) {
    actions.publish.push_back(message(MessageType::ddeath, d->id, make_payload(now_ms, ++seq_)));
  }
  d->alive = false;
  d->born = false;
  return actions;
}

Result<SessionActions> EdgeSession::report(std::string_view device_id, std::vector<Metric> metrics,
                                           std::uint64_t now_ms) {
  Device* device = nullptr;
  if (!device_id.empty()) {
    device = find_device(device_id);
    if (device == nullptr) return fail(ErrorCode::not_found, "device '{}' was never born", device_id);
  }
  std::vector<Slot>& slots = device != nullptr ? device->metrics : node_;
  const std::string where = device != nullptr ? fmt::format("device '{}'", device_id) : std::string("node");

  // Validate everything first: nothing is applied from a report with a bad metric.
  bool new_metric = false;
  for (Metric& m : metrics) {
    if (reserved_name(m.name))
      return fail(ErrorCode::invalid_argument, "{}: '{}' is the session's own", where, m.name);
    const auto it = std::find_if(slots.begin(), slots.end(), [&](const Slot& s) { return s.name == m.name; });
    if (it == slots.end()) {
      new_metric = true;
    } else if (m.datatype == DataType::unknown) {
      m.datatype = it->datatype;
    } else if (m.datatype != it->datatype) {
      return fail(ErrorCode::invalid_argument, "{}: metric '{}' is {} in its birth, reported as {}", where,
                  m.name, to_string(it->datatype), to_string(m.datatype));
    }
    if (!m.timestamp_ms) m.timestamp_ms = now_ms;
    m.is_null = std::holds_alternative<std::monostate>(m.value);
    if (auto bytes = encode(make_payload({}, {}, {m}), MessageType::ndata); !bytes) {
      return std::unexpected(bytes.error().with_context(where));
    }
  }

  SessionActions actions;
  Payload data = make_payload(now_ms, {});
  for (Metric& m : metrics) {
    auto it = std::find_if(slots.begin(), slots.end(), [&](const Slot& s) { return s.name == m.name; });
    if (it == slots.end()) {
      Metric declared = m;
      if (declared.is_historical) declared.value = std::monostate{};  // no live value yet
      if (auto s = add_slot(slots, declared); !s) return std::unexpected(s.error().with_context(where));
      it = slots.end() - 1;
      if (!m.is_historical) continue;  // its value goes out in the birth
    } else if (!m.is_historical) {
      if (same_value(it->current, m)) continue;  // report by exception
      it->current = m;
      it->current.alias.reset();
    }
    if (new_metric && !m.is_historical) continue;  // the rebirth carries the live values
    Metric wire = m;
    wire.name.clear();  // DATA carries the alias only (tck-id-payloads-alias-data-cmd-requirement)
    wire.alias = it->alias;
    data.metrics.push_back(std::move(wire));
  }
  if (state_ != State::online || (device != nullptr && !device->born)) return actions;
  // A metric that was not in the births: every birth again, with it (tck-id-topics-nbirth-metric-reqs).
  if (new_metric) actions.publish = births(now_ms);
  if (!data.metrics.empty()) {
    data.seq = ++seq_;
    actions.publish.push_back(
        message(device != nullptr ? MessageType::ddata : MessageType::ndata, device_id, std::move(data)));
  }
  return actions;
}

Result<SessionActions> EdgeSession::on_message(std::string_view topic_text,
                                               std::span<const std::uint8_t> payload, std::uint64_t now_ms) {
  auto topic = parse_topic(topic_text);
  if (!topic) return std::unexpected(topic.error());
  if (topic->type == MessageType::state) return on_host_state(topic->host_id, payload, now_ms);
  if (topic->type != MessageType::ncmd && topic->type != MessageType::dcmd) {
    return fail(ErrorCode::invalid_argument, "{}: an edge node receives only STATE, NCMD and DCMD",
                topic_text);
  }
  if (topic->group_id != config_.group_id || topic->edge_node_id != config_.edge_node_id) {
    return fail(ErrorCode::invalid_argument, "{}: not addressed to this edge node", topic_text);
  }
  auto actions = on_command(*topic, payload, now_ms);
  if (!actions) return std::unexpected(actions.error().with_context(topic_text));
  return actions;
}

Result<SessionActions> EdgeSession::on_host_state(std::string_view host_id,
                                                  std::span<const std::uint8_t> payload,
                                                  std::uint64_t now_ms) {
  SessionActions actions;
  // tck-id-message-flow-edge-node-birth-publish-phid-wait-id: only the configured primary host counts.
  if (config_.primary_host_id.empty() || host_id != config_.primary_host_id) return actions;
  auto state =
      parse_host_state(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
  if (!state) return std::unexpected(state.error().with_context(fmt::format("STATE of '{}'", host_id)));
  // tck-id-message-flow-edge-node-birth-publish-phid-wait-timestamp and
  // tck-id-operational-behavior-edge-node-termination-host-offline-timestamp: an older STATE is ignored.
  // An equal one is the retained message delivered again and counts.
  if (last_host_state_ms_ && state->timestamp_ms < *last_host_state_ms_) return actions;
  last_host_state_ms_ = state->timestamp_ms;
  if (state->online) {
    if (state_ == State::waiting_for_host) actions.publish = births(now_ms);
    return actions;
  }
  // tck-id-message-flow-edge-node-birth-publish-phid-offline: NDEATH, disconnect, start over (on the next
  // server: tck-id-operational-behavior-primary-application-state-with-multiple-servers-walk).
  if (state_ == State::online) actions.publish.push_back(ndeath(now_ms));
  if (state_ == State::online || state_ == State::waiting_for_host) {
    actions.disconnect = true;
    state_ = State::leaving;
  }
  return actions;
}

Result<SessionActions> EdgeSession::on_command(const Topic& topic, std::span<const std::uint8_t> payload,
                                               std::uint64_t now_ms) {
  auto decoded = decode(payload);
  if (!decoded) return std::unexpected(decoded.error());
  Device* device = nullptr;
  if (topic.type == MessageType::dcmd) {
    device = find_device(topic.device_id);
    if (device == nullptr) return fail(ErrorCode::not_found, "device '{}' is unknown", topic.device_id);
  }
  const std::vector<Slot>& slots = device != nullptr ? device->metrics : node_;

  // Resolve and type every metric first (tck-id-operational-behavior-data-commands-ncmd-metric-name).
  bool rebirth = false;
  std::vector<RecordIdRange> acknowledged;
  std::vector<Command> commands;
  for (Metric& m : decoded->metrics) {
    const auto it = std::find_if(slots.begin(), slots.end(), [&](const Slot& s) {
      return m.alias ? s.alias == m.alias : s.name == m.name;
    });
    if (it == slots.end()) {
      return fail(ErrorCode::not_found, "metric {} is not in the birth",
                  m.alias ? fmt::format("alias {}", *m.alias) : fmt::format("'{}'", m.name));
    }
    auto typed = with_datatype(std::move(m), it->datatype);
    if (!typed) return std::unexpected(typed.error());
    typed->name = it->name;
    if (device == nullptr && it->name == k_rebirth_metric) {
      rebirth = rebirth || (!typed->is_null && std::get<bool>(typed->value));
    } else if (device == nullptr && it->name == k_ack_metric) {
      if (typed->is_null) return fail(ErrorCode::parse, "{} is null", k_ack_metric);
      auto ranges = decode_ack(std::get<Bytes>(typed->value));
      if (!ranges) return std::unexpected(ranges.error());
      acknowledged.insert(acknowledged.end(), ranges->begin(), ranges->end());
    } else if (device == nullptr && it->name == k_bdseq_metric) {
      return fail(ErrorCode::invalid_argument, "{} cannot be written", k_bdseq_metric);
    } else {
      commands.push_back(Command{topic.device_id, std::move(*typed)});
    }
  }
  SessionActions actions;
  actions.acknowledged = std::move(acknowledged);
  actions.commands = std::move(commands);
  // tck-id-operational-behavior-data-commands-rebirth-action-1..3: births again, same bdSeq. While waiting
  // for the primary host the births are still to come anyway.
  if (rebirth && state_ == State::online) actions.publish = births(now_ms);
  return actions;
}

}  // namespace vigil::proto::sparkplug
