// The twin, work list and what-if as JSON on both engines: the values a client reads, and the documented
// examples (docs/formats/hub-twin.md, docs/hub-what-if.md) have exactly the keys the code writes, so the
// documentation cannot drift from the API.
#include "hub/twin/twin_json.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "hub_store/engines.hpp"

namespace vigil::hub::twin {
namespace VIGIL_TEST_FILE {

using nlohmann::json;
using store::test::EngineTest;
using TwinJsonTest = EngineTest;

constexpr std::int64_t k_hour_ms = 3'600'000;
constexpr std::int64_t k_now_ms = 472'222 * k_hour_ms;

// docs/formats/sparkplug.md's evidence example (see twin_test.cpp).
const std::vector<std::uint8_t> k_spectrum_example = {
    0x56, 0x53, 0x50, 0x43, 0x01, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x3f, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x3f, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03,
    0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0xff, 0x7f, 0xff, 0xff, 0x02, 0x01, 0x01,
    0x00, 0x00, 0x00, 0xd7, 0x42, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0xc0, 0x40};

// The documentation's example asset: pump 7, a 6205 in a group 2 rigid machine, degrading as in
// twin_test.cpp, with an edge decision and both kinds of evidence (one unreadable).
std::int64_t example_asset(store::Store& s) {
  const auto id =
      s.registry().register_asset("plant", "edge-1", "pump7", k_now_ms - 30 * 24 * k_hour_ms).value();
  store::AssetMetadata m;
  m.bearing = "SKF 6205-2RS";
  m.machine_class = "group 2, rigid";
  m.criticality = 4;
  m.location = "pump 7 drive-end bearing";
  EXPECT_TRUE(s.registry().set_metadata(id, m));
  std::vector<store::Sample> v;
  for (int i = 0; i < 48; ++i) {
    const std::int64_t ts = k_now_ms - 48 * k_hour_ms + k_hour_ms / 2 + i * k_hour_ms;
    v.push_back({id, "Health/Index", ts, 0.8 - 0.005 * i});
    v.push_back({id, "RUL/Median h", ts, 200.0 - 2.0 * i});
  }
  const std::int64_t ts = k_now_ms - k_hour_ms / 2;
  for (auto [name, value] : {std::pair<const char*, double>{"RUL/Low h", 86.0},
                             {"RUL/High h", 140.0},
                             {"Fault/Confidence", 0.73},
                             {"Vibration/Velocity RMS mm/s", 3.1},
                             {"Process/Speed rpm", 1480.0},
                             {"Decision/Deadline", double(k_now_ms + 100 * k_hour_ms)}}) {
    v.push_back({id, name, ts, value});
  }
  EXPECT_TRUE(s.series().write_live(v));
  EXPECT_TRUE(s.state().write_texts(std::vector<store::TextValue>{
      {id, "Alert/Level", ts, "warning"},
      {id, "Health/NE107", ts, "Maintenance required"},
      {id, "Fault/Class", ts, "outer_race"},
      {id, "Vibration/ISO zone", ts, "C"},
      {id, "Decision/Action", ts, "plan stop and replace"},
      {id, "Decision/Reason", ts, "drive-end bearing, outer-race defect, 73 %"}}));
  EXPECT_TRUE(s.state().add_evidence({id, "Evidence/Envelope spectrum", ts, k_spectrum_example}));
  EXPECT_TRUE(s.state().add_evidence({id, "Evidence/Spectrum", ts, {0x56, 0x53, 0x50}}));
  return id;
}

// The ```json block after `marker` in a file of the repository.
json documented(const std::string& file, std::string_view marker) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/" + file);
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const auto at = doc.find(marker);
  const auto open = at == std::string::npos ? at : doc.find("```json\n", at);
  const auto close = open == std::string::npos ? open : doc.find("```", open + 8);
  if (close == std::string::npos) {
    ADD_FAILURE() << file << ": no ```json block after " << marker;
    return {};
  }
  return json::parse(doc.substr(open + 8, close - open - 8), nullptr, /*allow_exceptions=*/false);
}

// Every object key path of `j` (array elements as "[]"), for comparing shapes.
void key_paths(const json& j, const std::string& at, std::set<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      out.insert(at + "/" + k);
      key_paths(v, at + "/" + k, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) key_paths(v, at + "[]", out);
  }
}
std::set<std::string> key_paths(const json& j) {
  std::set<std::string> out;
  key_paths(j, "", out);
  return out;
}

TEST_P(TwinJsonTest, TheTwinReadsAsDocumented) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto id = example_asset(*s);
  const auto text = twin_json(*s, id, k_now_ms);
  ASSERT_TRUE(text) << text.error().message;
  const json j = json::parse(*text);
  EXPECT_EQ(j["asset"]["bearing"], "SKF 6205-2RS");
  EXPECT_EQ(j["descriptive"]["iso"]["zone"], "C");
  EXPECT_EQ(j["descriptive"]["iso"]["limits_mm_s"]["bc"], 2.8);
  EXPECT_EQ(j["descriptive"]["stale_since_ms"], nullptr);
  const json& ev = j["descriptive"]["evidence"];
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["readable"], false);
  EXPECT_EQ(ev[1]["frequency_hz"], json::array({0.0, 0.5}));
  EXPECT_EQ(ev[1]["amplitude"], json::array({32767.0, 65535.0}));
  EXPECT_EQ(ev[1]["lines"][0]["kind"], "bpfo");
  EXPECT_EQ(ev[1]["lines"][0]["frequency_hz"], 107.5);
  EXPECT_NEAR(j["predictive"]["health_trend"]["slope_per_day"].get<double>(), -0.12, 1e-9);
  EXPECT_NEAR(j["predictive"]["health_trend"]["zero_at_ms"].get<double>(), k_now_ms + 112.5 * k_hour_ms,
              1000);
  EXPECT_EQ(j["predictive"]["rul_trend"]["accelerating"], true);
  EXPECT_EQ(j["prescriptive"]["latest_safe_date"]["source"], "rul_low_bound");
  EXPECT_EQ(j["prescriptive"]["latest_safe_date"]["ts_ms"], k_now_ms + 85 * k_hour_ms + k_hour_ms / 2);
  EXPECT_EQ(j["prescriptive"]["spare_part"], (json{{"value", "SKF 6205-2RS"}, {"source", "bearing"}}));
  EXPECT_EQ(j["what_if"]["load_rating"]["dynamic_kn"], 14.8);
  EXPECT_EQ(key_paths(j), key_paths(documented("docs/formats/hub-twin.md", "## Example")));
}

TEST_P(TwinJsonTest, TheWorkListAndWhatIfReadAsDocumented) {
  auto s = open();
  ASSERT_TRUE(s);
  const auto id = example_asset(*s);
  const json list = json::parse(work_list_json(*s, k_now_ms, 50, 0).value());
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["hours_left"], 85.5);
  EXPECT_DOUBLE_EQ(list["items"][0]["urgency"].get<double>(), 4 / 85.5);
  EXPECT_EQ(key_paths(list), key_paths(documented("docs/formats/hub-twin.md", "## Work list")));

  const json w = json::parse(what_if_json(*s, id, R"({"load_kn": 2.0, "new_load_kn": 2.5})").value());
  EXPECT_EQ(w["basis"], "measured_rul");
  EXPECT_EQ(w["speed_from_asset"], true);
  EXPECT_NEAR(w["life_ratio"].get<double>(), 0.512, 1e-12);
  EXPECT_NEAR(w["rul_h"]["median"]["revised"].get<double>(), 106.0 * 0.512, 1e-9);
  EXPECT_EQ(key_paths(w), key_paths(documented("docs/hub-what-if.md", "## Example")));

  const auto bad = what_if_json(*s, id, R"({"load_kn": -1})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(twin_json(*s, 999, k_now_ms).error().code, ErrorCode::not_found);
}

VIGIL_FOR_EACH_ENGINE(TwinJsonTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::twin
