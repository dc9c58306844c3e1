// Our Sparkplug B payloads against an outside codec: Eclipse Tahu's JavaScript sparkplug-payload (npm,
// installed in tests/interop/node_modules by `make deps`), run with node. (a) What our edge session
// publishes is decoded by Tahu and every field compared with what the specification says it must be;
// (b) payloads encoded by Tahu are decoded by ours. Skips only when node is not installed.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "proto/sparkplug_edge_session.hpp"

namespace vigil::proto::sparkplug {
namespace VIGIL_TEST_FILE {

using nlohmann::json;
constexpr std::uint64_t k_t0 = 1'700'000'000'000;
const std::filesystem::path k_dir = VIGIL_INTEROP_DIR;

// Runs a shell command (bounded by `timeout`), returns its exit status and standard output.
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(("timeout 60 " + command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  return {::pclose(pipe), out};
}

Metric metric(std::string name, DataType type, MetricValue value) {
  Metric m;
  m.name = std::move(name);
  m.datatype = type;
  m.value = std::move(value);
  return m;
}

const json* find(const json& metrics, std::string_view name) {
  for (const json& m : metrics) {
    if (m.value("name", "") == name) return &m;
  }
  return nullptr;
}

class SparkplugInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v node >/dev/null 2>&1") != 0) {
      GTEST_SKIP()
          << "node is not installed: the interop test with Eclipse Tahu's sparkplug-payload needs it "
             "(Debian package nodejs)";
    }
    ASSERT_TRUE(std::filesystem::exists(k_dir / "node_modules" / "sparkplug-payload"))
        << k_dir / "node_modules"
        << " is missing: run `make deps` (npm ci in tests/interop)";
    dir_ = std::filesystem::temp_directory_path() / fmt::format("vigil-interop-{}", ::getpid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Tahu's view of a payload: {"payload": decodePayload(), "raw": the protobuf fields}.
  json tahu_decode(const Bytes& payload, const std::string& name) {
    const auto file = dir_ / (name + ".bin");
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(payload.data()), static_cast<std::streamsize>(payload.size()));
    const auto [status, out] =
        run(fmt::format("node '{}' '{}'", (k_dir / "sparkplug_decode.js").string(), file.string()));
    EXPECT_EQ(status, 0) << out;
    const json doc = json::parse(out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << out;
    return doc;
  }

  Bytes tahu_encode(const json& input) {
    const auto in = dir_ / "input.json";
    const auto out_file = dir_ / "tahu.bin";
    std::ofstream(in) << input.dump();
    const auto [status, out] = run(fmt::format(
        "node '{}' '{}' '{}'", (k_dir / "sparkplug_encode.js").string(), in.string(), out_file.string()));
    EXPECT_EQ(status, 0) << out;
    std::ifstream f(out_file, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(f), {});
  }

  std::filesystem::path dir_;
};

TEST_F(SparkplugInterop, TahuReadsEveryFieldOfOurBirthsDataDeathAndAck) {
  EdgeSessionConfig config;
  config.group_id = "plant";
  config.edge_node_id = "line-4";
  config.bdseq_file = dir_ / "bdseq";
  config.node_metrics = {metric("Uplink/Backlog", DataType::uint64, std::uint64_t{5}),
                         metric("Models/Anomaly version", DataType::string, std::monostate{})};
  auto session = EdgeSession::create(config);
  ASSERT_TRUE(session) << session.error().message;
  ASSERT_TRUE(session->device_born(
      "pump-7",
      {metric("Health/Index", DataType::float64, 0.93),
       metric("Alert/Level", DataType::string, std::string("warning")),
       metric("Record/Id", DataType::uint64, std::uint64_t{18446744073709551615u}),
       metric("Fault/Confidence", DataType::float32, 0.75f),
       metric("Test/Int8", DataType::int8, std::int64_t{-100}),
       metric("Test/Int32", DataType::int32, std::int64_t{-70000}), metric("Alarm", DataType::boolean, true),
       metric("Evidence/Spectrum", DataType::bytes, Bytes{0x01, 0xFF})},
      k_t0));
  const Bytes will = session->will(k_t0).payload;
  auto births = session->on_connect_accepted(k_t0 + 1);
  ASSERT_TRUE(births);
  ASSERT_EQ(births->publish.size(), 2u);

  // NBIRTH.
  const json nbirth = tahu_decode(births->publish[0].payload, "nbirth")["payload"];
  EXPECT_EQ(nbirth["seq"], "0");
  EXPECT_EQ(nbirth["timestamp"], std::to_string(k_t0 + 1));
  const json* bdseq = find(nbirth["metrics"], "bdSeq");
  ASSERT_NE(bdseq, nullptr);
  EXPECT_EQ((*bdseq)["type"], "Int64");
  EXPECT_EQ((*bdseq)["value"], "0");
  const json* rebirth = find(nbirth["metrics"], "Node Control/Rebirth");
  ASSERT_NE(rebirth, nullptr);
  EXPECT_EQ((*rebirth)["type"], "Boolean");
  EXPECT_EQ((*rebirth)["value"], false);
  EXPECT_FALSE(rebirth->contains("alias"));
  const json* backlog = find(nbirth["metrics"], "Uplink/Backlog");
  ASSERT_NE(backlog, nullptr);
  EXPECT_EQ((*backlog)["type"], "UInt64");
  EXPECT_EQ((*backlog)["value"], "5");
  EXPECT_TRUE(backlog->contains("alias"));
  EXPECT_EQ((*backlog)["timestamp"], std::to_string(k_t0 + 1));
  const json* version = find(nbirth["metrics"], "Models/Anomaly version");
  ASSERT_NE(version, nullptr);
  EXPECT_EQ((*version)["type"], "String");
  EXPECT_TRUE((*version)["value"].is_null());
  EXPECT_EQ((*find(nbirth["metrics"], "Uplink/Ack"))["type"], "Bytes");

  // DBIRTH: every datatype read back as written.
  const json dbirth = tahu_decode(births->publish[1].payload, "dbirth")["payload"];
  EXPECT_EQ(dbirth["seq"], "1");
  const json& m = dbirth["metrics"];
  ASSERT_EQ(m.size(), 8u);
  EXPECT_EQ((*find(m, "Health/Index"))["type"], "Double");
  EXPECT_EQ((*find(m, "Health/Index"))["value"], 0.93);
  EXPECT_EQ((*find(m, "Alert/Level"))["value"], "warning");
  EXPECT_EQ((*find(m, "Record/Id"))["type"], "UInt64");
  EXPECT_EQ((*find(m, "Record/Id"))["value"], "18446744073709551615");
  EXPECT_EQ((*find(m, "Fault/Confidence"))["type"], "Float");
  EXPECT_EQ((*find(m, "Fault/Confidence"))["value"], 0.75);
  EXPECT_EQ((*find(m, "Test/Int8"))["type"], "Int8");
  EXPECT_EQ((*find(m, "Test/Int8"))["value"], -100);
  EXPECT_EQ((*find(m, "Test/Int32"))["value"], -70000);
  EXPECT_EQ((*find(m, "Alarm"))["value"], true);
  EXPECT_EQ((*find(m, "Evidence/Spectrum"))["value"]["hex"], "01ff");
  const std::string health_alias = (*find(m, "Health/Index"))["alias"];

  // DDATA with a historical value: alias only, no datatype (Tahu's decodePayload needs the datatype to
  // type a value, so the value is read from the protobuf fields Tahu decoded).
  Metric old = metric("Health/Index", DataType::float64, 0.99);
  old.is_historical = true;
  old.timestamp_ms = k_t0 - 3'600'000;
  auto data = session->report("pump-7", {old}, k_t0 + 2);
  ASSERT_TRUE(data);
  ASSERT_EQ(data->publish.size(), 1u);
  const json ddata = tahu_decode(data->publish[0].payload, "ddata")["raw"];
  EXPECT_EQ(ddata["seq"], "2");
  ASSERT_EQ(ddata["metrics"].size(), 1u);
  const json& d = ddata["metrics"][0];
  EXPECT_FALSE(d.contains("name"));
  EXPECT_FALSE(d.contains("datatype"));
  EXPECT_EQ(d["alias"], health_alias);
  EXPECT_EQ(d["doubleValue"], 0.99);
  EXPECT_EQ(d["isHistorical"], true);
  EXPECT_EQ(d["timestamp"], std::to_string(k_t0 - 3'600'000));

  // NDEATH (the Will): bdSeq only, no seq.
  const json ndeath = tahu_decode(will, "ndeath")["payload"];
  EXPECT_FALSE(ndeath.contains("seq"));
  ASSERT_EQ(ndeath["metrics"].size(), 1u);
  EXPECT_EQ(ndeath["metrics"][0]["name"], "bdSeq");
  EXPECT_EQ(ndeath["metrics"][0]["type"], "Int64");
  EXPECT_EQ(ndeath["metrics"][0]["value"], "0");

  // The hub's Uplink/Ack NCMD: ranges 1..40 and 42..42 in the documented layout.
  Metric ack;
  ack.alias = 3;
  ack.datatype = DataType::bytes;
  ack.value = *encode_ack(std::vector<RecordIdRange>{{1, 40}, {42, 42}});
  Payload command;
  command.timestamp_ms = k_t0 + 3;
  command.metrics = {ack};
  auto ack_wire = encode(command, MessageType::ncmd);
  ASSERT_TRUE(ack_wire);
  const json ack_raw = tahu_decode(*ack_wire, "ack")["raw"];
  EXPECT_EQ(ack_raw["metrics"][0]["alias"], "3");
  EXPECT_EQ(ack_raw["metrics"][0]["bytesValue"]["hex"],
            "0102000000"
            "0100000000000000"
            "2800000000000000"
            "2a00000000000000"
            "2a00000000000000");
}

TEST_F(SparkplugInterop, OurDecoderReadsTahuEncodedPayloads) {
  const json input = {
      {"timestamp", "1700000000000"},
      {"seq", 7},
      {"metrics",
       json::array({
           {{"name", "i8"}, {"alias", "1"}, {"type", "Int8"}, {"value", -1}, {"timestamp", "1700000000001"}},
           {{"name", "i16"}, {"type", "Int16"}, {"value", -300}},
           {{"name", "i32"}, {"type", "Int32"}, {"value", -70000}},
           {{"name", "i64"}, {"type", "Int64"}, {"value", "-5000000000"}},
           {{"name", "u8"}, {"type", "UInt8"}, {"value", 200}},
           {{"name", "u16"}, {"type", "UInt16"}, {"value", 60000}},
           {{"name", "u32"}, {"type", "UInt32"}, {"value", 4000000000u}},
           {{"name", "u64"}, {"type", "UInt64"}, {"value", "18446744073709551615"}},
           {{"name", "f"}, {"type", "Float"}, {"value", 1.5}},
           {{"name", "d"}, {"type", "Double"}, {"value", 2.25}, {"isHistorical", true}},
           {{"name", "b"}, {"type", "Boolean"}, {"value", true}},
           {{"name", "s"}, {"type", "String"}, {"value", "Drive-end bearing \xC3\xBC"}},
           {{"name", "t"}, {"type", "DateTime"}, {"value", "1700000000000"}},
           {{"name", "x"}, {"type", "Bytes"}, {"value", {{"hex", "00ff10"}}}},
           {{"name", "n"}, {"type", "Double"}, {"value", nullptr}},
       })}};
  const Bytes wire = tahu_encode(input);
  auto p = decode(wire);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->timestamp_ms, 1700000000000u);
  EXPECT_EQ(p->seq, 7);
  ASSERT_EQ(p->metrics.size(), 15u);
  const std::vector<MetricValue> expected = {std::int64_t{-1},
                                             std::int64_t{-300},
                                             std::int64_t{-70000},
                                             std::int64_t{-5000000000},
                                             std::uint64_t{200},
                                             std::uint64_t{60000},
                                             std::uint64_t{4000000000u},
                                             std::uint64_t{18446744073709551615u},
                                             1.5f,
                                             2.25,
                                             true,
                                             std::string("Drive-end bearing \xC3\xBC"),
                                             std::uint64_t{1700000000000u},
                                             Bytes{0x00, 0xFF, 0x10},
                                             std::monostate{}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(p->metrics[i].value, expected[i]) << p->metrics[i].name;
  }
  EXPECT_EQ(p->metrics[0].alias, 1u);
  EXPECT_EQ(p->metrics[0].timestamp_ms, 1700000000001u);
  EXPECT_EQ(p->metrics[0].datatype, DataType::int8);
  EXPECT_TRUE(p->metrics[9].is_historical);
  EXPECT_TRUE(p->metrics[14].is_null);

  // A rebirth request encoded by Tahu makes our session send its births again.
  EdgeSessionConfig config;
  config.group_id = "plant";
  config.edge_node_id = "line-4";
  config.bdseq_file = dir_ / "bdseq";
  auto session = EdgeSession::create(config);
  ASSERT_TRUE(session);
  ASSERT_TRUE(session->on_connect_accepted(k_t0));
  const Bytes rebirth = tahu_encode(
      {{"timestamp", "1700000000000"},
       {"metrics", json::array({{{"name", "Node Control/Rebirth"}, {"type", "Boolean"}, {"value", true}}})}});
  auto actions = session->on_message("spBv1.0/plant/NCMD/line-4", rebirth, k_t0 + 1);
  ASSERT_TRUE(actions) << actions.error().message;
  ASSERT_EQ(actions->publish.size(), 1u);
  EXPECT_EQ(actions->publish[0].topic, "spBv1.0/plant/NBIRTH/line-4");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::proto::sparkplug
