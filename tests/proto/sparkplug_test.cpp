// The Sparkplug B codec against hand-assembled protobuf bytes (field numbers and wire types from the
// specification's sparkplug_b.proto), the topic namespace, STATE and the uplink acknowledgement.
#include "proto/sparkplug.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::proto::sparkplug {
namespace VIGIL_TEST_FILE {

Bytes bytes(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

Metric metric(std::string name, std::optional<std::uint64_t> alias, DataType type, MetricValue value) {
  Metric m;
  m.name = std::move(name);
  m.alias = alias;
  m.datatype = type;
  m.value = std::move(value);
  return m;
}

Payload payload(std::optional<std::uint64_t> timestamp, std::optional<std::uint8_t> seq,
                std::vector<Metric> m) {
  Payload p;
  p.timestamp_ms = timestamp;
  p.seq = seq;
  p.metrics = std::move(m);
  return p;
}

// Wire layout: Payload.timestamp = 1 (varint), metrics = 2 (length-delimited), seq = 3 (varint);
// Metric.name = 1, alias = 2, timestamp = 3, datatype = 4, is_historical = 5, is_null = 7, int_value = 10,
// long_value = 11, float_value = 12 (fixed32), double_value = 13, boolean_value = 14, string_value = 15,
// bytes_value = 16. Tag byte = field << 3 | wire type.
TEST(SparkplugCodec, BirthMetricBytesMatchTheSpecificationFieldNumbers) {
  auto wire = encode(payload(1, 0, {metric("a", 1, DataType::int64, std::int64_t{5})}), MessageType::nbirth);
  ASSERT_TRUE(wire) << wire.error().message;
  EXPECT_EQ(*wire, bytes({0x08, 0x01,                                                       // timestamp 1
                          0x12, 0x09, 0x0A, 0x01, 'a', 0x10, 0x01, 0x20, 0x04, 0x58, 0x05,  // metric
                          0x18, 0x00}));                                                    // seq 0
}

TEST(SparkplugCodec, DataMessagesOmitTheDatatype) {  // tck-id-payloads-metric-datatype-not-req
  Metric m = metric("", 7, DataType::boolean, false);
  m.timestamp_ms = 2;
  auto wire = encode(payload(std::nullopt, 1, {m}), MessageType::ddata);
  ASSERT_TRUE(wire);
  // alias 7, timestamp 2, boolean_value false physically present (0x70 0x00); no name, no datatype.
  EXPECT_EQ(*wire, bytes({0x12, 0x06, 0x10, 0x07, 0x18, 0x02, 0x70, 0x00, 0x18, 0x01}));
}

TEST(SparkplugCodec, ValueFieldsPerDatatype) {
  struct Case {
    Metric m;
    Bytes value_bytes;  // the metric's value field as it must appear
  };
  const std::vector<Case> cases = {
      {metric("x", {}, DataType::int8, std::int64_t{-1}), bytes({0x50, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F})},
      {metric("x", {}, DataType::int16, std::int64_t{300}), bytes({0x50, 0xAC, 0x02})},
      {metric("x", {}, DataType::uint32, std::uint64_t{4294967295u}),
       bytes({0x50, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F})},
      {metric("x", {}, DataType::int64, std::int64_t{-2}),
       bytes({0x58, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01})},
      {metric("x", {}, DataType::date_time, std::uint64_t{1}), bytes({0x58, 0x01})},
      {metric("x", {}, DataType::float32, 1.5f), bytes({0x65, 0x00, 0x00, 0xC0, 0x3F})},
      {metric("x", {}, DataType::float64, 2.0), bytes({0x69, 0, 0, 0, 0, 0, 0, 0, 0x40})},
      {metric("x", {}, DataType::boolean, true), bytes({0x70, 0x01})},
      {metric("x", {}, DataType::string, std::string("hi")), bytes({0x7A, 0x02, 'h', 'i'})},
      {metric("x", {}, DataType::bytes, bytes({0xAB})), bytes({0x82, 0x01, 0x01, 0xAB})},
  };
  for (const auto& c : cases) {
    auto wire = encode(payload(std::nullopt, std::nullopt, {c.m}), MessageType::dbirth);
    ASSERT_TRUE(wire) << to_string(c.m.datatype);
    Bytes expected = bytes({0x0A, 0x01, 'x', 0x20, static_cast<int>(c.m.datatype)});
    expected.insert(expected.end(), c.value_bytes.begin(), c.value_bytes.end());
    expected.insert(expected.begin(), {0x12, static_cast<std::uint8_t>(expected.size())});
    EXPECT_EQ(*wire, expected) << to_string(c.m.datatype);
    auto back = decode(*wire);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->metrics.at(0).value, c.m.value) << to_string(c.m.datatype);
    EXPECT_EQ(back->metrics.at(0).datatype, c.m.datatype);
  }
}

TEST(SparkplugCodec, NullHistoricalAndPayloadFieldsRoundTrip) {
  Metric m = metric("rul", 3, DataType::float64, std::monostate{});
  m.is_null = true;
  Metric h = metric("v", 4, DataType::float32, 2.5f);
  h.is_historical = true;
  h.timestamp_ms = 1700000000000;
  Payload p = payload(1700000000123, 9, {m, h});
  p.uuid = "u-1";
  p.body = bytes({1, 2, 3});
  auto wire = encode(p, MessageType::dbirth);
  ASSERT_TRUE(wire);
  auto back = decode(*wire);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->timestamp_ms, 1700000000123u);
  EXPECT_EQ(back->seq, 9);
  EXPECT_EQ(back->uuid, "u-1");
  EXPECT_EQ(back->body, bytes({1, 2, 3}));
  ASSERT_EQ(back->metrics.size(), 2u);
  EXPECT_TRUE(back->metrics[0].is_null);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(back->metrics[0].value));
  EXPECT_TRUE(back->metrics[1].is_historical);
  EXPECT_EQ(back->metrics[1].timestamp_ms, 1700000000000u);
}

TEST(SparkplugCodec, EncodeRefusesValuesThatDoNotFitTheirDatatype) {
  for (const Metric& m :
       {metric("a", {}, DataType::int8, std::int64_t{128}),
        metric("a", {}, DataType::uint16, std::uint64_t{65536}), metric("a", {}, DataType::float64, 1.0f),
        metric("a", {}, DataType::unknown, true), metric("a", {}, DataType::dataset, std::monostate{}),
        metric("a", {}, DataType::string, std::monostate{})}) {
    auto wire = encode(payload(1, 0, {m}), MessageType::nbirth);
    ASSERT_FALSE(wire) << to_string(m.datatype);
    EXPECT_EQ(wire.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(wire.error().message.find("metric 0 'a'"), std::string::npos) << wire.error().message;
  }
}

TEST(SparkplugCodec, UntypedValuesDecodeRawAndTakeTheirBirthDatatype) {
  // DDATA from a peer: alias 5, int_value 0xFFFFFFFE (Int16 -2 sign-extended), no datatype.
  const Bytes wire = bytes({0x12, 0x08, 0x10, 0x05, 0x50, 0xFE, 0xFF, 0xFF, 0xFF, 0x0F});
  auto p = decode(wire);
  ASSERT_TRUE(p) << p.error().message;
  const Metric& m = p->metrics.at(0);
  EXPECT_EQ(m.datatype, DataType::unknown);
  EXPECT_EQ(m.value, MetricValue{std::uint64_t{0xFFFFFFFEu}});
  auto typed = with_datatype(m, DataType::int16);
  ASSERT_TRUE(typed) << typed.error().message;
  EXPECT_EQ(typed->value, MetricValue{std::int64_t{-2}});
  EXPECT_FALSE(with_datatype(m, DataType::uint16));  // 4294967294 does not fit UInt16
  EXPECT_FALSE(with_datatype(m, DataType::boolean));
}

TEST(SparkplugCodec, UInt32InLongValueAsTahuWritesIt) {
  // Eclipse Tahu's Java and JavaScript codecs put UInt32 in long_value (field 11).
  const Bytes wire = bytes({0x12, 0x07, 0x0A, 0x01, 'u', 0x20, 0x07, 0x58, 0x2A});
  auto p = decode(wire);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->metrics.at(0).value, MetricValue{std::uint64_t{42}});
}

TEST(SparkplugCodec, Int8AcceptsTheBareEightBitPattern) {
  const Bytes wire = bytes({0x12, 0x08, 0x0A, 0x01, 'i', 0x20, 0x01, 0x50, 0xFF, 0x01});  // int_value 255
  auto p = decode(wire);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->metrics.at(0).value, MetricValue{std::int64_t{-1}});
}

struct BadPayload {
  const char* why;
  Bytes wire;
  ErrorCode code;
  const char* message_part;
};

TEST(SparkplugCodec, MalformedPayloadsAreRefusedWithTheirReason) {
  const std::vector<BadPayload> cases = {
      {"truncated length", bytes({0x12, 0x09, 0x0A}), ErrorCode::parse, "not a Sparkplug B protobuf"},
      {"bad wire type", bytes({0x0F}), ErrorCode::parse, "not a Sparkplug B protobuf"},
      {"seq 256", bytes({0x18, 0x80, 0x02}), ErrorCode::parse, "seq 256"},
      {"no name no alias", bytes({0x12, 0x02, 0x70, 0x01}), ErrorCode::parse, "neither name nor alias"},
      {"empty name no alias", bytes({0x12, 0x04, 0x0A, 0x00, 0x70, 0x01}), ErrorCode::parse,
       "neither name nor alias"},
      {"no value", bytes({0x12, 0x03, 0x0A, 0x01, 'a'}), ErrorCode::parse, "no value and is_null is not set"},
      {"datatype 99", bytes({0x12, 0x07, 0x0A, 0x01, 'a', 0x20, 0x63, 0x70, 0x01}), ErrorCode::parse,
       "datatype 99"},
      {"datatype 0", bytes({0x12, 0x07, 0x0A, 0x01, 'a', 0x20, 0x00, 0x70, 0x01}), ErrorCode::parse,
       "datatype 0"},
      {"DataSet", bytes({0x12, 0x07, 0x0A, 0x01, 'a', 0x20, 0x10, 0x70, 0x01}), ErrorCode::unsupported,
       "DataSet"},
      {"template value", bytes({0x12, 0x06, 0x0A, 0x01, 'a', 0x92, 0x01, 0x00}), ErrorCode::unsupported,
       "DataSet, Template"},
      {"wrong field", bytes({0x12, 0x07, 0x0A, 0x01, 'a', 0x20, 0x0B, 0x50, 0x01}), ErrorCode::parse,
       "Boolean expects boolean_value"},
      {"Int8 out of range", bytes({0x12, 0x08, 0x0A, 0x01, 'a', 0x20, 0x01, 0x50, 0x80, 0x02}),
       ErrorCode::parse, "outside the range of Int8"},
      {"UInt8 out of range", bytes({0x12, 0x08, 0x0A, 0x01, 'a', 0x20, 0x05, 0x50, 0x80, 0x02}),
       ErrorCode::parse, "outside the range of UInt8"},
      {"name not UTF-8", bytes({0x12, 0x05, 0x0A, 0x01, 0xFF, 0x70, 0x01}), ErrorCode::parse,
       "not valid UTF-8"},
      {"overlong UTF-8", bytes({0x12, 0x06, 0x0A, 0x02, 0xC0, 0xAF, 0x70, 0x01}), ErrorCode::parse, "UTF-8"},
      {"string not UTF-8", bytes({0x12, 0x06, 0x10, 0x01, 0x7A, 0x02, 0xED, 0x00}), ErrorCode::parse,
       "string_value is not valid UTF-8"},
  };
  for (const auto& c : cases) {
    auto p = decode(c.wire);
    ASSERT_FALSE(p) << c.why;
    EXPECT_EQ(p.error().code, c.code) << c.why << ": " << p.error().message;
    EXPECT_NE(p.error().message.find(c.message_part), std::string::npos)
        << c.why << ": " << p.error().message;
  }
}

TEST(SparkplugCodec, LimitsBoundWhatDecodeAccepts) {
  Payload big = payload(1, 0, {});
  for (int i = 0; i < 5; ++i)
    big.metrics.push_back(metric(fmt::format("m{}", i), {}, DataType::boolean, true));
  big.metrics.push_back(metric("s", {}, DataType::string, std::string(40, 'x')));
  big.metrics.push_back(metric("b", {}, DataType::bytes, Bytes(40, 7)));
  auto wire = encode(big, MessageType::nbirth);
  ASSERT_TRUE(wire);
  ASSERT_TRUE(decode(*wire));
  const auto limits = [](auto set) {
    DecodeLimits l;
    set(l);
    return l;
  };
  EXPECT_FALSE(decode(*wire, limits([&](DecodeLimits& l) { l.max_payload_bytes = wire->size() - 1; })));
  auto few = decode(*wire, limits([](DecodeLimits& l) { l.max_metrics = 6; }));
  ASSERT_FALSE(few);
  EXPECT_NE(few.error().message.find("7 metrics, the limit is 6"), std::string::npos) << few.error().message;
  auto short_strings = decode(*wire, limits([](DecodeLimits& l) { l.max_string_bytes = 39; }));
  ASSERT_FALSE(short_strings);
  EXPECT_NE(short_strings.error().message.find("metric 5 's': string_value is 40 bytes"), std::string::npos);
  EXPECT_FALSE(decode(*wire, limits([](DecodeLimits& l) { l.max_bytes_value = 39; })));
  EXPECT_FALSE(decode(*wire, limits([](DecodeLimits& l) { l.max_name_bytes = 1; })));
}

// ---- topics ----

TEST(SparkplugTopic, tck_id_topic_structure) {
  auto n = format_topic({MessageType::nbirth, "plant-1", "line-4", "", ""});
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, "spBv1.0/plant-1/NBIRTH/line-4");  // tck-id-topics-nbirth-topic
  auto d = format_topic({MessageType::ddata, "plant-1", "line-4", "pump-7", ""});
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, "spBv1.0/plant-1/DDATA/line-4/pump-7");  // tck-id-topics-ddata-topic
  auto s = format_topic({MessageType::state, "", "", "", "scada"});
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "spBv1.0/STATE/scada");  // tck-id-host-topic-phid-birth-topic

  auto parsed = parse_topic("spBv1.0/plant-1/DCMD/line-4/pump-7");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->type, MessageType::dcmd);
  EXPECT_EQ(parsed->group_id, "plant-1");
  EXPECT_EQ(parsed->edge_node_id, "line-4");
  EXPECT_EQ(parsed->device_id, "pump-7");
  auto state = parse_topic("spBv1.0/STATE/scada");
  ASSERT_TRUE(state);
  EXPECT_EQ(state->type, MessageType::state);
  EXPECT_EQ(state->host_id, "scada");
}

TEST(SparkplugTopic, tck_id_topic_structure_namespace_device_id_associated_message_types) {
  EXPECT_FALSE(format_topic({MessageType::dbirth, "g", "n", "", ""}));
  EXPECT_FALSE(format_topic({MessageType::ndata, "g", "n", "d", ""}));
  EXPECT_FALSE(parse_topic("spBv1.0/g/DDATA/n"));
  EXPECT_FALSE(parse_topic("spBv1.0/g/NDATA/n/d"));
}

TEST(SparkplugTopic, tck_id_topic_structure_namespace_valid_group_id) {
  for (const char* bad : {"a/b", "a+b", "a#b", ""}) {
    auto t = format_topic({MessageType::nbirth, bad, "n", "", ""});
    ASSERT_FALSE(t) << bad;
    EXPECT_NE(t.error().message.find("group id"), std::string::npos) << t.error().message;
    EXPECT_FALSE(format_topic({MessageType::nbirth, "g", bad, "", ""})) << bad;   // ...valid-edge-node-id
    EXPECT_FALSE(format_topic({MessageType::dbirth, "g", "n", bad, ""})) << bad;  // ...valid-device-id
    EXPECT_FALSE(format_topic({MessageType::state, "", "", "", bad})) << bad;
  }
  EXPECT_TRUE(format_topic({MessageType::nbirth, "Usine-Écully", "ligne 4", "", ""}));  // UTF-8 is fine
  EXPECT_FALSE(validate_id(std::string("a\xC3", 2), "group id"));
}

TEST(SparkplugTopic, MalformedTopicsAreRefused) {
  for (const char* bad :
       {"", "spBv1.0", "spBv1.0/g", "spAv1.0/g/NDATA/n", "spBv1.0/g/NFOO/n", "spBv1.0/g/NDATA/n/d/e",
        "spBv1.0/STATE", "spBv1.0/STATE/h/x", "spBv1.0/g/NDATA/", "spBv1.0/g+/NDATA/n", "spBv1.0//NDATA/n"}) {
    EXPECT_FALSE(parse_topic(bad)) << bad;
  }
}

// ---- STATE ----

TEST(SparkplugState, tck_id_host_topic_phid_birth_payload) {
  auto s = parse_host_state(R"({"online":true,"timestamp":1700000000000})");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->online);
  EXPECT_EQ(s->timestamp_ms, 1700000000000u);
  EXPECT_EQ(format_host_state({false, 42}), R"({"online":false,"timestamp":42})");
  auto extra = parse_host_state(R"( {"timestamp": 5, "online": false, "bdSeq": 3} )");
  ASSERT_TRUE(extra);
  EXPECT_FALSE(extra->online);
}

TEST(SparkplugState, MalformedStateIsRefused) {
  for (const char* bad :
       {"", "ONLINE", "[]", "{}", R"({"online":"true","timestamp":1})", R"({"online":true})",
        R"({"online":true,"timestamp":-1})", R"({"online":true,"timestamp":1.5})",
        R"({"online":true,"timestamp":"1"})", R"({"online":true,"timestamp":1)"}) {
    auto s = parse_host_state(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::parse);
  }
  EXPECT_FALSE(parse_host_state(std::string(k_max_host_state_bytes + 1, ' ')));
}

// ---- uplink acknowledgement ----

TEST(SparkplugAck, LayoutIsVersionCountAndLittleEndianRanges) {
  const std::vector<RecordIdRange> ranges = {{1, 3}, {0x0102030405060708, 0x0102030405060708}};
  auto v = encode_ack(ranges);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, bytes({1, 2, 0, 0, 0,                                   // version 1, 2 ranges
                       1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,  // 1..3
                       8, 7, 6, 5, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1}));
  auto back = decode_ack(*v);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, ranges);
  auto empty = decode_ack(bytes({1, 0, 0, 0, 0}));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(SparkplugAck, DocumentedNcmdExample) {  // docs/formats/uplink-ack.md, "Example"
  Metric ack = metric("", 2, DataType::bytes, *encode_ack(std::vector<RecordIdRange>{{1, 40}, {42, 42}}));
  auto wire = encode(payload(1700000000123, std::nullopt, {ack}), MessageType::ncmd);
  ASSERT_TRUE(wire);
  const Bytes value = bytes({0x01, 0x02, 0,    0, 0, 0x01, 0, 0, 0, 0, 0,    0, 0, 0x28, 0, 0, 0, 0, 0,
                             0,    0,    0x2a, 0, 0, 0,    0, 0, 0, 0, 0x2a, 0, 0, 0,    0, 0, 0, 0});
  Bytes expected =
      bytes({0x08, 0xfb, 0xd0, 0x95, 0xff, 0xbc, 0x31, 0x12, 0x2a, 0x10, 0x02, 0x82, 0x01, 0x25});
  expected.insert(expected.end(), value.begin(), value.end());
  EXPECT_EQ(*wire, expected);
}

TEST(SparkplugAck, MalformedAcksAreRefused) {
  EXPECT_FALSE(decode_ack(bytes({1, 0, 0, 0})));                                       // short header
  EXPECT_EQ(decode_ack(bytes({2, 0, 0, 0, 0})).error().code, ErrorCode::unsupported);  // version
  EXPECT_FALSE(decode_ack(bytes({1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0})));            // truncated range
  EXPECT_FALSE(decode_ack(bytes({1, 0xFF, 0xFF, 0xFF, 0xFF})));                        // count over the limit
  auto reversed = encode_ack(std::vector<RecordIdRange>{{5, 4}});
  EXPECT_FALSE(reversed);
  Bytes overlapping = *encode_ack(std::vector<RecordIdRange>{{1, 5}, {6, 9}});
  overlapping[21] = 5;  // second range now starts at 5, inside the first
  auto o = decode_ack(overlapping);
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message.find("does not follow"), std::string::npos) << o.error().message;
  EXPECT_FALSE(encode_ack(std::vector<RecordIdRange>(k_max_ack_ranges + 1)));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::proto::sparkplug
