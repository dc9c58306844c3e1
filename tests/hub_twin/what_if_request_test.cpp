// The what-if request body: what parses, and every way a body is refused with the field named.
#include "hub/twin/what_if_request.hpp"

#include <string>

#include <gtest/gtest.h>

namespace vigil::hub::twin {
namespace VIGIL_TEST_FILE {

TEST(WhatIfRequestTest, ParsesTheDocumentedExample) {
  const auto r = parse_what_if_request(
      R"({"bearing": "6205", "load_kn": 2.5, "new_load_kn": 3.0, "speed_rpm": 1500, "new_speed_rpm": 1800})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->bearing, "6205");
  EXPECT_EQ(r->load_kn, 2.5);
  EXPECT_EQ(r->new_load_kn, 3.0);
  EXPECT_EQ(r->speed_rpm, 1500.0);
  EXPECT_EQ(r->new_speed_rpm, 1800.0);
  const auto only_load = parse_what_if_request(R"({"load_kn": 1})").value();
  EXPECT_EQ(only_load.bearing, "");
  EXPECT_FALSE(only_load.new_load_kn);
  EXPECT_FALSE(only_load.speed_rpm);
  EXPECT_FALSE(only_load.new_speed_rpm);
}

TEST(WhatIfRequestTest, RefusesBadBodiesNamingTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "not valid JSON"},
      {"{\"load_kn\": 1", "not valid JSON"},
      {"[1]", "expected an object"},
      {"{}", "load_kn: missing"},
      {R"({"load_kn": 0})", "load_kn: 0 kN is outside"},
      {R"({"load_kn": -2})", "load_kn: -2 kN is outside"},
      {R"({"load_kn": 1e309})", "not valid JSON"},  // out of double range
      {R"({"load_kn": 100001})", "load_kn"},
      {R"({"load_kn": "2"})", "load_kn: expected a number, found string"},
      {R"({"load_kn": 2, "new_load_kn": 0})", "new_load_kn"},
      {R"({"load_kn": 2, "speed_rpm": 0})", "speed_rpm: 0 rpm is outside"},
      {R"({"load_kn": 2, "new_speed_rpm": -1500})", "new_speed_rpm"},
      {R"({"load_kn": 2, "speed_rpm": null})", "speed_rpm: expected a number, found null"},
      {R"({"load_kn": 2, "bearing": 6205})", "bearing: expected a string"},
      {R"({"load_kn": 2, "bearing": ")" + std::string(65, 'x') + "\"}", "bearing: 65 bytes"},
      {R"({"load_kn": 2, "torque_nm": 5})", "unknown field 'torque_nm'"},
      {R"({"load_kn": 2, "load_kn_x'; DROP TABLE assets;--": 5})", "unknown field"},
  };
  for (const auto& [body, expected] : cases) {
    const auto r = parse_what_if_request(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument) << body;
    EXPECT_NE(r.error().message.find(expected), std::string::npos) << body << " -> " << r.error().message;
  }
}

TEST(WhatIfRequestTest, RefusesABodyOverTheLimitBeforeParsing) {
  std::string body = R"({"load_kn": 2, "bearing": ")" + std::string(k_max_what_if_body_bytes, ' ') + "\"}";
  const auto r = parse_what_if_request(body);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("at most 4096"), std::string::npos) << r.error().message;
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::twin
