// Sparkplug B 3.0 on the wire: our own payload and metric types and their protobuf codec, the topic
// namespace, the primary host's STATE message and Vigil's uplink acknowledgement. The edge node's session
// (sparkplug_edge_session.hpp) and the hub build on this; nothing else includes generated protobuf code.
// Formats: docs/formats/sparkplug.md, docs/formats/uplink-ack.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace vigil::proto::sparkplug {

using Bytes = std::vector<std::uint8_t>;

// The specification's datatype numbering (Payloads chapter, "Datatypes"); the values are on the wire.
// Vigil encodes and decodes the scalar types, Bytes and File. DataSet, Template, the property-set types and
// the array types are recognised and refused as unsupported.
enum class DataType : std::uint32_t {
  unknown = 0,  // not on the wire: DATA and CMD messages omit the datatype
  int8 = 1,
  int16 = 2,
  int32 = 3,
  int64 = 4,
  uint8 = 5,
  uint16 = 6,
  uint32 = 7,
  uint64 = 8,
  float32 = 9,   // "Float"
  float64 = 10,  // "Double"
  boolean = 11,
  string = 12,
  date_time = 13,  // UTC milliseconds since the epoch
  text = 14,
  uuid = 15,
  dataset = 16,
  bytes = 17,
  file = 18,
  template_ = 19,
  property_set = 20,
  property_set_list = 21,
  int8_array = 22,
  date_time_array = 34,  // 22..34 are the array types
};

// The specification's name of a datatype ("Int64", "Boolean", ...), or "DataType(n)" for an unknown one.
std::string to_string(DataType type);

// A metric value. Signed integer types (Int8..Int64) hold int64, unsigned ones and DateTime hold uint64,
// Float float, Double double, Boolean bool, String / Text / UUID std::string, Bytes / File Bytes.
// monostate: no value (the metric is null).
using MetricValue =
    std::variant<std::monostate, bool, std::int64_t, std::uint64_t, float, double, std::string, Bytes>;

struct Metric {
  std::string name;                    // empty when only the alias is sent (DATA and CMD messages)
  std::optional<std::uint64_t> alias;  // unique per edge node
  // Needed to encode (it selects the protobuf value field); written on the wire in births and NDEATH only.
  // A decoded DATA / CMD metric has unknown here, and its integer value arrives as the raw uint64 of
  // the wire field: the receiver knows the type from the birth.
  DataType datatype = DataType::unknown;
  std::optional<std::uint64_t> timestamp_ms;  // UTC, when the value was acquired
  MetricValue value;                          // monostate if and only if is_null
  bool is_historical = false;                 // a stored value sent late: does not update the live value
  bool is_null = false;
};

struct Payload {
  std::optional<std::uint64_t> timestamp_ms;  // UTC, when the message was sent
  std::optional<std::uint8_t> seq;            // 0..255; absent in NDEATH
  std::vector<Metric> metrics;
  std::optional<std::string> uuid;
  std::optional<Bytes> body;
};

// The Sparkplug verbs (topic element message_type); state is the host application's STATE topic.
enum class MessageType { nbirth, ndeath, ndata, ncmd, dbirth, ddeath, ddata, dcmd, state };

std::string_view to_string(MessageType type);

// Encodes a payload. Each metric's value goes into the protobuf field its datatype prescribes (Int8..Int32
// and UInt8..UInt32 in int_value, signed ones as 32-bit two's complement; Int64 / UInt64 / DateTime in
// long_value; ...). The datatype itself is written only in the message types that must carry it (NBIRTH,
// DBIRTH and the NDEATH bdSeq): tck-id-payloads-metric-datatype-req and -not-req. Errors
// (invalid_argument): a metric without datatype, a value that does not fit its datatype, an unsupported
// datatype.
Result<Bytes> encode(const Payload& payload, MessageType type);

// Bounds on what decode() accepts from outside (a message from the broker).
struct DecodeLimits {
  std::size_t max_payload_bytes = 1 << 20;  // the whole protobuf message
  std::size_t max_metrics = 4096;
  std::size_t max_name_bytes = 256;       // metric names
  std::size_t max_string_bytes = 16384;   // String / Text / UUID values and the payload uuid
  std::size_t max_bytes_value = 1 << 19;  // Bytes / File values and the payload body
};

// Decodes a Sparkplug B payload. Checks, with an error naming the metric (by index and name) and the
// field: the limits above; strings are valid UTF-8; seq <= 255; a datatype present on the wire is a known,
// supported one and its value sits in the field it prescribes (UInt32 is also accepted in long_value, where
// Eclipse Tahu's Java and JavaScript codecs put it) and fits its range; a metric has a value unless
// is_null. Metadata, property sets and is_transient are not kept.
Result<Payload> decode(std::span<const std::uint8_t> bytes, const DecodeLimits& limits = {});

// A decoded DATA / CMD metric typed with the datatype its birth declared: the raw uint64 of an integer
// field becomes the datatype's int64 / uint64 (range-checked), other values must already be of the
// datatype's kind. A metric that carried its own datatype must carry this one. Errors name the metric.
Result<Metric> with_datatype(Metric metric, DataType type);

// ---- topics -----------------------------------------------------------------------------------------

inline constexpr std::string_view k_namespace = "spBv1.0";

struct Topic {
  MessageType type = MessageType::ndata;
  std::string group_id;      // all but STATE
  std::string edge_node_id;  // all but STATE
  std::string device_id;     // DBIRTH, DDEATH, DDATA, DCMD only
  std::string host_id;       // STATE only
};

// A Sparkplug id (group, edge node, device, host): non-empty, valid UTF-8, without the reserved '/', '+'
// and '#' (tck-id-topic-structure-namespace-valid-group-id and its edge node / device siblings).
Status validate_id(std::string_view id, std::string_view what);

// spBv1.0/<group>/<VERB>/<node>[/<device>] or spBv1.0/STATE/<host>; the ids are validated and the device
// id is required exactly for the device verbs.
Result<std::string> format_topic(const Topic& topic);
Result<Topic> parse_topic(std::string_view topic);

// ---- primary host STATE -----------------------------------------------------------------------------

// The host application's birth / death: JSON {"online": bool, "timestamp": ms} (Sparkplug 3.0,
// tck-id-host-topic-phid-birth-payload). Other keys are ignored.
struct HostState {
  bool online = false;
  std::uint64_t timestamp_ms = 0;
};

inline constexpr std::size_t k_max_host_state_bytes = 1024;

Result<HostState> parse_host_state(std::string_view json);
std::string format_host_state(const HostState& state);

// ---- uplink acknowledgement (docs/formats/uplink-ack.md) --------------------------------------------

// Names of the edge node metrics the session itself owns.
inline constexpr std::string_view k_bdseq_metric = "bdSeq";
inline constexpr std::string_view k_rebirth_metric = "Node Control/Rebirth";
inline constexpr std::string_view k_ack_metric = "Uplink/Ack";
// The device metric naming the durable record a DATA message carries: the id the hub acknowledges.
inline constexpr std::string_view k_record_id_metric = "Record/Id";

// Record ids first..last (inclusive) that the hub stored durably.
struct RecordIdRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  bool operator==(const RecordIdRange&) const = default;
};

inline constexpr std::size_t k_max_ack_ranges = 4096;

// The value of an Uplink/Ack metric: version byte 1, uint32 LE range count, then per range uint64 LE first
// and last. Ranges must be ascending, non-overlapping, first <= last, at most k_max_ack_ranges.
Result<Bytes> encode_ack(std::span<const RecordIdRange> ranges);
Result<std::vector<RecordIdRange>> decode_ack(std::span<const std::uint8_t> value);

}  // namespace vigil::proto::sparkplug
