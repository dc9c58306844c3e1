#include "proto/sparkplug.hpp"

#include <array>
#include <limits>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "core/utf8.hpp"
#include "sparkplug_b.pb.h"

namespace vigil::proto::sparkplug {
namespace {

namespace pb = org::eclipse::tahu::protobuf;

constexpr std::array<std::string_view, 22> k_type_names = {
    "Unknown", "Int8",  "Int16",  "Int32",    "Int64",       "UInt8",          "UInt16", "UInt32",
    "UInt64",  "Float", "Double", "Boolean",  "String",      "DateTime",       "Text",   "UUID",
    "DataSet", "Bytes", "File",   "Template", "PropertySet", "PropertySetList"};

constexpr std::array<std::string_view, 9> k_verbs = {"NBIRTH", "NDEATH", "NDATA", "NCMD", "DBIRTH",
                                                     "DDEATH", "DDATA",  "DCMD",  "STATE"};

bool is_signed_int(DataType t) {
  return t == DataType::int8 || t == DataType::int16 || t == DataType::int32 || t == DataType::int64;
}

bool is_unsigned_int(DataType t) {
  return t == DataType::uint8 || t == DataType::uint16 || t == DataType::uint32 || t == DataType::uint64 ||
         t == DataType::date_time;
}

// Range of a signed / unsigned integer datatype.
std::int64_t signed_min(DataType t) {
  switch (t) {
    case DataType::int8:
      return std::numeric_limits<std::int8_t>::min();
    case DataType::int16:
      return std::numeric_limits<std::int16_t>::min();
    case DataType::int32:
      return std::numeric_limits<std::int32_t>::min();
    default:
      return std::numeric_limits<std::int64_t>::min();
  }
}

std::int64_t signed_max(DataType t) {
  switch (t) {
    case DataType::int8:
      return std::numeric_limits<std::int8_t>::max();
    case DataType::int16:
      return std::numeric_limits<std::int16_t>::max();
    case DataType::int32:
      return std::numeric_limits<std::int32_t>::max();
    default:
      return std::numeric_limits<std::int64_t>::max();
  }
}

std::uint64_t unsigned_max(DataType t) {
  switch (t) {
    case DataType::uint8:
      return std::numeric_limits<std::uint8_t>::max();
    case DataType::uint16:
      return std::numeric_limits<std::uint16_t>::max();
    case DataType::uint32:
      return std::numeric_limits<std::uint32_t>::max();
    default:
      return std::numeric_limits<std::uint64_t>::max();
  }
}

bool is_supported(DataType t) {
  const auto n = static_cast<std::uint32_t>(t);
  return n >= 1 && n <= 18 && t != DataType::dataset;
}

std::string metric_label(std::size_t index, const std::string& name) {
  return name.empty() ? fmt::format("metric {}", index) : fmt::format("metric {} '{}'", index, name);
}

Status encode_value(const Metric& m, pb::Payload::Metric& out, std::size_t index) {
  const auto label = [&] { return metric_label(index, m.name); };
  const DataType t = m.datatype;
  if (t == DataType::unknown) return fail(ErrorCode::invalid_argument, "{}: no datatype", label());
  if (!is_supported(t)) {
    return fail(ErrorCode::invalid_argument, "{}: datatype {} is not supported", label(), to_string(t));
  }
  if (m.is_null) {
    if (!std::holds_alternative<std::monostate>(m.value)) {
      return fail(ErrorCode::invalid_argument, "{}: is_null with a value", label());
    }
    out.set_is_null(true);
    return {};
  }
  const auto mismatch = [&] {
    return fail(ErrorCode::invalid_argument, "{}: value does not match datatype {}", label(), to_string(t));
  };
  if (is_signed_int(t)) {
    const auto* v = std::get_if<std::int64_t>(&m.value);
    if (v == nullptr) return mismatch();
    if (*v < signed_min(t) || *v > signed_max(t)) {
      return fail(ErrorCode::invalid_argument, "{}: value {} is outside the range of {}", label(), *v,
                  to_string(t));
    }
    if (t == DataType::int64) {
      out.set_long_value(static_cast<std::uint64_t>(*v));
    } else {  // 32-bit two's complement, sign-extended from 8 / 16 bits
      out.set_int_value(static_cast<std::uint32_t>(static_cast<std::int32_t>(*v)));
    }
    return {};
  }
  if (is_unsigned_int(t)) {
    const auto* v = std::get_if<std::uint64_t>(&m.value);
    if (v == nullptr) return mismatch();
    if (*v > unsigned_max(t)) {
      return fail(ErrorCode::invalid_argument, "{}: value {} is outside the range of {}", label(), *v,
                  to_string(t));
    }
    if (t == DataType::uint64 || t == DataType::date_time) {
      out.set_long_value(*v);
    } else {
      out.set_int_value(static_cast<std::uint32_t>(*v));
    }
    return {};
  }
  const bool fits = std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, float>) {
          out.set_float_value(v);
          return t == DataType::float32;
        } else if constexpr (std::is_same_v<V, double>) {
          out.set_double_value(v);
          return t == DataType::float64;
        } else if constexpr (std::is_same_v<V, bool>) {
          out.set_boolean_value(v);
          return t == DataType::boolean;
        } else if constexpr (std::is_same_v<V, std::string>) {
          out.set_string_value(v);
          return t == DataType::string || t == DataType::text || t == DataType::uuid;
        } else if constexpr (std::is_same_v<V, Bytes>) {
          out.set_bytes_value(v.data(), v.size());
          return t == DataType::bytes || t == DataType::file;
        } else {
          return false;  // no value, or an integer for a non-integer datatype
        }
      },
      m.value);
  if (!fits) return mismatch();
  return {};
}

// The value of a decoded metric whose datatype is on the wire.
Result<MetricValue> typed_value(const pb::Payload::Metric& m, DataType t, const std::string& label) {
  using Case = pb::Payload::Metric::ValueCase;
  const auto wrong_field = [&](std::string_view expected) {
    return fail(ErrorCode::parse, "{}: datatype {} expects {}", label, to_string(t), expected);
  };
  const Case c = m.value_case();
  if (is_signed_int(t)) {
    if (t == DataType::int64) {
      if (c != Case::kLongValue) return wrong_field("long_value");
      return MetricValue{static_cast<std::int64_t>(m.long_value())};
    }
    if (c != Case::kIntValue) return wrong_field("int_value");
    // Sign-extended 32-bit two's complement (Tahu), or the bare 8 / 16-bit pattern.
    const std::uint32_t raw = m.int_value();
    std::int64_t v = static_cast<std::int32_t>(raw);
    if (v < signed_min(t) || v > signed_max(t)) {
      const auto bits = t == DataType::int8 ? 8 : 16;
      if (raw >> bits != 0) {
        return fail(ErrorCode::parse, "{}: int_value {} is outside the range of {}", label, raw,
                    to_string(t));
      }
      v = raw >= (1u << (bits - 1)) ? static_cast<std::int64_t>(raw) - (std::int64_t{1} << bits) : raw;
    }
    return MetricValue{v};
  }
  if (is_unsigned_int(t)) {
    std::uint64_t v = 0;
    if (t == DataType::uint64 || t == DataType::date_time) {
      if (c != Case::kLongValue) return wrong_field("long_value");
      v = m.long_value();
    } else if (c == Case::kIntValue) {
      v = m.int_value();
    } else if (t == DataType::uint32 && c == Case::kLongValue) {
      v = m.long_value();
    } else {
      return wrong_field("int_value");
    }
    if (v > unsigned_max(t)) {
      return fail(ErrorCode::parse, "{}: value {} is outside the range of {}", label, v, to_string(t));
    }
    return MetricValue{v};
  }
  switch (t) {
    case DataType::float32:
      if (c != Case::kFloatValue) return wrong_field("float_value");
      return MetricValue{m.float_value()};
    case DataType::float64:
      if (c != Case::kDoubleValue) return wrong_field("double_value");
      return MetricValue{m.double_value()};
    case DataType::boolean:
      if (c != Case::kBooleanValue) return wrong_field("boolean_value");
      return MetricValue{m.boolean_value()};
    case DataType::string:
    case DataType::text:
    case DataType::uuid:
      if (c != Case::kStringValue) return wrong_field("string_value");
      return MetricValue{m.string_value()};
    default:  // bytes, file
      if (c != Case::kBytesValue) return wrong_field("bytes_value");
      return MetricValue{Bytes(m.bytes_value().begin(), m.bytes_value().end())};
  }
}

// The value of a decoded metric without a datatype: by the wire field alone.
MetricValue untyped_value(const pb::Payload::Metric& m) {
  using Case = pb::Payload::Metric::ValueCase;
  switch (m.value_case()) {
    case Case::kIntValue:
      return std::uint64_t{m.int_value()};
    case Case::kLongValue:
      return std::uint64_t{m.long_value()};
    case Case::kFloatValue:
      return m.float_value();
    case Case::kDoubleValue:
      return m.double_value();
    case Case::kBooleanValue:
      return m.boolean_value();
    case Case::kStringValue:
      return m.string_value();
    case Case::kBytesValue:
      return Bytes(m.bytes_value().begin(), m.bytes_value().end());
    default:
      return std::monostate{};
  }
}

Result<Metric> decode_metric(const pb::Payload::Metric& m, std::size_t index, const DecodeLimits& limits) {
  Metric out;
  if (m.has_name()) {
    if (m.name().size() > limits.max_name_bytes) {
      return fail(ErrorCode::parse, "metric {}: name is {} bytes, the limit is {}", index, m.name().size(),
                  limits.max_name_bytes);
    }
    if (!is_utf8(m.name())) return fail(ErrorCode::parse, "metric {}: name is not valid UTF-8", index);
    out.name = m.name();
  }
  const std::string label = metric_label(index, out.name);
  if (m.name().empty() && !m.has_alias()) return fail(ErrorCode::parse, "{}: neither name nor alias", label);
  if (m.has_alias()) out.alias = m.alias();
  if (m.has_timestamp()) out.timestamp_ms = m.timestamp();
  out.is_historical = m.is_historical();
  out.is_null = m.is_null();

  if (m.has_datatype()) {
    const auto t = static_cast<DataType>(m.datatype());
    if (m.datatype() == 0 || m.datatype() > static_cast<std::uint32_t>(DataType::date_time_array)) {
      return fail(ErrorCode::parse, "{}: datatype {} is not a Sparkplug datatype", label, m.datatype());
    }
    if (!is_supported(t)) {
      return fail(ErrorCode::unsupported, "{}: datatype {} is not supported", label, to_string(t));
    }
    out.datatype = t;
  }
  using Case = pb::Payload::Metric::ValueCase;
  if (out.is_null) return out;  // a value sent with is_null is ignored: null wins
  if (m.value_case() == Case::VALUE_NOT_SET) {
    const bool foreign = !m.unknown_fields().empty();
    return fail(foreign ? ErrorCode::unsupported : ErrorCode::parse, "{}: {}", label,
                foreign ? "value is a DataSet, Template or extension (not supported)"
                        : "no value and is_null is not set");
  }
  if (m.value_case() == Case::kStringValue) {
    if (m.string_value().size() > limits.max_string_bytes) {
      return fail(ErrorCode::parse, "{}: string_value is {} bytes, the limit is {}", label,
                  m.string_value().size(), limits.max_string_bytes);
    }
    if (!is_utf8(m.string_value()))
      return fail(ErrorCode::parse, "{}: string_value is not valid UTF-8", label);
  }
  if (m.value_case() == Case::kBytesValue && m.bytes_value().size() > limits.max_bytes_value) {
    return fail(ErrorCode::parse, "{}: bytes_value is {} bytes, the limit is {}", label,
                m.bytes_value().size(), limits.max_bytes_value);
  }
  if (out.datatype == DataType::unknown) {
    out.value = untyped_value(m);
    return out;
  }
  auto value = typed_value(m, out.datatype, label);
  if (!value) return std::unexpected(value.error());
  out.value = std::move(*value);
  return out;
}

void put_u32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_u64(Bytes& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t get_le(std::span<const std::uint8_t> b, std::size_t offset, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{b[offset + i]} << (8 * i);
  return v;
}

Status validate_ranges(std::span<const RecordIdRange> ranges) {
  if (ranges.size() > k_max_ack_ranges) {
    return fail(ErrorCode::out_of_range, "{} ranges, the limit is {}", ranges.size(), k_max_ack_ranges);
  }
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].first > ranges[i].last) {
      return fail(ErrorCode::invalid_argument, "range {}: first {} > last {}", i, ranges[i].first,
                  ranges[i].last);
    }
    if (i > 0 && ranges[i].first <= ranges[i - 1].last) {
      return fail(ErrorCode::invalid_argument, "range {}: first {} does not follow the previous last {}", i,
                  ranges[i].first, ranges[i - 1].last);
    }
  }
  return {};
}

}  // namespace

std::string to_string(DataType type) {
  const auto n = static_cast<std::uint32_t>(type);
  if (n < k_type_names.size()) return std::string(k_type_names[n]);
  if (n <= static_cast<std::uint32_t>(DataType::date_time_array)) return fmt::format("Array({})", n);
  return fmt::format("DataType({})", n);
}

std::string_view to_string(MessageType type) { return k_verbs[static_cast<std::size_t>(type)]; }

Result<Bytes> encode(const Payload& payload, MessageType type) {
  const bool with_datatype =
      type == MessageType::nbirth || type == MessageType::dbirth || type == MessageType::ndeath;
  pb::Payload out;
  if (payload.timestamp_ms) out.set_timestamp(*payload.timestamp_ms);
  if (payload.seq) out.set_seq(*payload.seq);
  if (payload.uuid) out.set_uuid(*payload.uuid);
  if (payload.body) out.set_body(payload.body->data(), payload.body->size());
  for (std::size_t i = 0; i < payload.metrics.size(); ++i) {
    const Metric& m = payload.metrics[i];
    auto* pm = out.add_metrics();
    if (!m.name.empty()) pm->set_name(m.name);
    if (m.alias) pm->set_alias(*m.alias);
    if (m.timestamp_ms) pm->set_timestamp(*m.timestamp_ms);
    if (with_datatype) pm->set_datatype(static_cast<std::uint32_t>(m.datatype));
    if (m.is_historical) pm->set_is_historical(true);
    if (auto s = encode_value(m, *pm, i); !s) return std::unexpected(s.error());
  }
  std::string wire;
  if (!out.SerializeToString(&wire)) return fail(ErrorCode::internal, "protobuf serialisation failed");
  return Bytes(wire.begin(), wire.end());
}

Result<Payload> decode(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  if (bytes.size() > limits.max_payload_bytes) {
    return fail(ErrorCode::parse, "payload is {} bytes, the limit is {}", bytes.size(),
                limits.max_payload_bytes);
  }
  pb::Payload in;
  if (!in.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(ErrorCode::parse, "payload ({} bytes) is not a Sparkplug B protobuf message", bytes.size());
  }
  if (static_cast<std::size_t>(in.metrics_size()) > limits.max_metrics) {
    return fail(ErrorCode::parse, "payload has {} metrics, the limit is {}", in.metrics_size(),
                limits.max_metrics);
  }
  Payload out;
  if (in.has_timestamp()) out.timestamp_ms = in.timestamp();
  if (in.has_seq()) {
    if (in.seq() > 255) return fail(ErrorCode::parse, "seq {} is outside 0..255", in.seq());
    out.seq = static_cast<std::uint8_t>(in.seq());
  }
  if (in.has_uuid()) {
    if (in.uuid().size() > limits.max_string_bytes || !is_utf8(in.uuid())) {
      return fail(ErrorCode::parse, "uuid is not UTF-8 of at most {} bytes", limits.max_string_bytes);
    }
    out.uuid = in.uuid();
  }
  if (in.has_body()) {
    if (in.body().size() > limits.max_bytes_value) {
      return fail(ErrorCode::parse, "body is {} bytes, the limit is {}", in.body().size(),
                  limits.max_bytes_value);
    }
    out.body = Bytes(in.body().begin(), in.body().end());
  }
  out.metrics.reserve(static_cast<std::size_t>(in.metrics_size()));
  for (int i = 0; i < in.metrics_size(); ++i) {
    auto m = decode_metric(in.metrics(i), static_cast<std::size_t>(i), limits);
    if (!m) return std::unexpected(m.error());
    out.metrics.push_back(std::move(*m));
  }
  return out;
}

Result<Metric> with_datatype(Metric metric, DataType type) {
  const std::string label =
      metric.name.empty() ? fmt::format("alias {}", metric.alias.value_or(0)) : metric.name;
  if (metric.datatype != DataType::unknown && metric.datatype != type) {
    return fail(ErrorCode::parse, "metric {}: datatype {} where {} is expected", label,
                to_string(metric.datatype), to_string(type));
  }
  if (metric.datatype == DataType::unknown && !metric.is_null) {
    const auto* raw = std::get_if<std::uint64_t>(&metric.value);
    if (is_signed_int(type) && raw != nullptr) {
      std::int64_t v = static_cast<std::int64_t>(*raw);
      if (type != DataType::int64) {
        if (*raw > std::numeric_limits<std::uint32_t>::max()) {
          return fail(ErrorCode::parse, "metric {}: value {} is outside the range of {}", label, *raw,
                      to_string(type));
        }
        v = static_cast<std::int32_t>(static_cast<std::uint32_t>(*raw));
      }
      metric.value = v;
    }
  }
  metric.datatype = type;
  if (metric.is_null) return metric;
  // The encoder's checks are the datatype's rules: value kind and range.
  pb::Payload::Metric scratch;
  if (auto s = encode_value(metric, scratch, 0); !s) {
    return fail(ErrorCode::parse, "metric {}: value does not fit datatype {}", label, to_string(type));
  }
  return metric;
}

// ---- topics -----------------------------------------------------------------------------------------

Status validate_id(std::string_view id, std::string_view what) {
  if (id.empty()) return fail(ErrorCode::invalid_argument, "{} is empty", what);
  if (!is_utf8(id)) return fail(ErrorCode::invalid_argument, "{} is not valid UTF-8", what);
  if (const auto pos = id.find_first_of("/+#"); pos != std::string_view::npos) {
    return fail(ErrorCode::invalid_argument, "{} '{}' contains the reserved character '{}'", what, id,
                id[pos]);
  }
  return {};
}

namespace {
bool is_device_verb(MessageType t) {
  return t == MessageType::dbirth || t == MessageType::ddeath || t == MessageType::ddata ||
         t == MessageType::dcmd;
}
}  // namespace

Result<std::string> format_topic(const Topic& topic) {
  if (topic.type == MessageType::state) {
    if (auto s = validate_id(topic.host_id, "host id"); !s) return std::unexpected(s.error());
    return fmt::format("{}/STATE/{}", k_namespace, topic.host_id);
  }
  if (auto s = validate_id(topic.group_id, "group id"); !s) return std::unexpected(s.error());
  if (auto s = validate_id(topic.edge_node_id, "edge node id"); !s) return std::unexpected(s.error());
  if (!is_device_verb(topic.type)) {
    if (!topic.device_id.empty()) {
      return fail(ErrorCode::invalid_argument, "{} topics carry no device id", to_string(topic.type));
    }
    return fmt::format("{}/{}/{}/{}", k_namespace, topic.group_id, to_string(topic.type), topic.edge_node_id);
  }
  if (auto s = validate_id(topic.device_id, "device id"); !s) return std::unexpected(s.error());
  return fmt::format("{}/{}/{}/{}/{}", k_namespace, topic.group_id, to_string(topic.type), topic.edge_node_id,
                     topic.device_id);
}

Result<Topic> parse_topic(std::string_view text) {
  constexpr std::size_t k_max_topic_bytes = 65535;  // MQTT's limit on a topic name
  if (text.size() > k_max_topic_bytes) return fail(ErrorCode::parse, "topic is longer than 65535 bytes");
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto slash = text.find('/', start);
    parts.push_back(
        text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos || parts.size() > 5) break;
    start = slash + 1;
  }
  if (parts.size() < 3 || parts.size() > 5) {
    return fail(ErrorCode::parse, "topic '{}' does not have 3 to 5 levels", text);
  }
  if (parts[0] != k_namespace)
    return fail(ErrorCode::parse, "topic '{}' is not in the {} namespace", text, k_namespace);
  Topic topic;
  if (parts[1] == "STATE") {
    if (parts.size() != 3)
      return fail(ErrorCode::parse, "STATE topic '{}' must be {}/STATE/<host_id>", text, k_namespace);
    topic.type = MessageType::state;
    if (auto s = validate_id(parts[2], "host id"); !s) return std::unexpected(s.error().with_context(text));
    topic.host_id = parts[2];
    return topic;
  }
  if (parts.size() < 4) return fail(ErrorCode::parse, "topic '{}' has no edge node id", text);
  std::size_t verb = 0;
  while (verb < k_verbs.size() - 1 && k_verbs[verb] != parts[2]) ++verb;
  if (verb == k_verbs.size() - 1)
    return fail(ErrorCode::parse, "topic '{}': unknown message type '{}'", text, parts[2]);
  topic.type = static_cast<MessageType>(verb);
  const bool device = is_device_verb(topic.type);
  if (device != (parts.size() == 5)) {
    return fail(ErrorCode::parse, "topic '{}': {} {} a device id", text, parts[2],
                device ? "needs" : "takes no");
  }
  for (const auto& [part, what] : {std::pair{parts[1], "group id"}, std::pair{parts[3], "edge node id"}}) {
    if (auto s = validate_id(part, what); !s) return std::unexpected(s.error().with_context(text));
  }
  topic.group_id = parts[1];
  topic.edge_node_id = parts[3];
  if (device) {
    if (auto s = validate_id(parts[4], "device id"); !s) return std::unexpected(s.error().with_context(text));
    topic.device_id = parts[4];
  }
  return topic;
}

// ---- primary host STATE -----------------------------------------------------------------------------

Result<HostState> parse_host_state(std::string_view json) {
  if (json.size() > k_max_host_state_bytes) {
    return fail(ErrorCode::parse, "STATE payload is {} bytes, the limit is {}", json.size(),
                k_max_host_state_bytes);
  }
  const auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(ErrorCode::parse, "STATE payload is not JSON");
  if (!doc.is_object()) return fail(ErrorCode::parse, "STATE payload is not a JSON object");
  const auto online = doc.find("online");
  if (online == doc.end() || !online->is_boolean()) {
    return fail(ErrorCode::parse, "STATE payload: 'online' is missing or not a boolean");
  }
  const auto timestamp = doc.find("timestamp");
  if (timestamp == doc.end() || !timestamp->is_number_integer() ||
      (timestamp->is_number_integer() && !timestamp->is_number_unsigned())) {
    return fail(ErrorCode::parse, "STATE payload: 'timestamp' is missing or not a non-negative integer (ms)");
  }
  return HostState{online->get<bool>(), timestamp->get<std::uint64_t>()};
}

std::string format_host_state(const HostState& state) {
  return fmt::format(R"({{"online":{},"timestamp":{}}})", state.online, state.timestamp_ms);
}

// ---- uplink acknowledgement -------------------------------------------------------------------------

Result<Bytes> encode_ack(std::span<const RecordIdRange> ranges) {
  if (auto s = validate_ranges(ranges); !s) return std::unexpected(s.error().with_context("Uplink/Ack"));
  Bytes out;
  out.reserve(5 + 16 * ranges.size());
  out.push_back(1);
  put_u32(out, static_cast<std::uint32_t>(ranges.size()));
  for (const auto& r : ranges) {
    put_u64(out, r.first);
    put_u64(out, r.last);
  }
  return out;
}

Result<std::vector<RecordIdRange>> decode_ack(std::span<const std::uint8_t> value) {
  if (value.size() < 5)
    return fail(ErrorCode::parse, "Uplink/Ack: {} bytes, shorter than its 5-byte header", value.size());
  if (value[0] != 1) return fail(ErrorCode::unsupported, "Uplink/Ack: version {}, expected 1", value[0]);
  const auto count = get_le(value, 1, 4);
  if (count > k_max_ack_ranges) {
    return fail(ErrorCode::parse, "Uplink/Ack: {} ranges, the limit is {}", count, k_max_ack_ranges);
  }
  if (value.size() != 5 + 16 * count) {
    return fail(ErrorCode::parse, "Uplink/Ack: {} bytes, expected {} for {} ranges", value.size(),
                5 + 16 * count, count);
  }
  std::vector<RecordIdRange> ranges(count);
  for (std::size_t i = 0; i < count; ++i) {
    ranges[i] = {get_le(value, 5 + 16 * i, 8), get_le(value, 13 + 16 * i, 8)};
  }
  if (auto s = validate_ranges(ranges); !s) {
    return std::unexpected(Error{ErrorCode::parse, s.error().message}.with_context("Uplink/Ack"));
  }
  return ranges;
}

}  // namespace vigil::proto::sparkplug
