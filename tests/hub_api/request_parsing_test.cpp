// The API's parsing of request targets and JSON bodies, on hand-made inputs: decoding per RFC 3986,
// bounded integers, depth-limited objects, and field readers whose errors name the field.
#include "hub/api/request_parsing.hpp"

#include <gtest/gtest.h>

namespace vigil::hub::api {
namespace VIGIL_TEST_FILE {

TEST(RequestParsing, PercentDecodingFollowsRfc3986) {
  EXPECT_EQ(percent_decode("a%20b%2Fc%e2%82%AC+", "x").value(), "a b/c\xe2\x82\xac+");
  for (const auto* bad : {"%", "%2", "%zz", "a%g0"}) {
    const auto r = percent_decode(bad, "path");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("path: bad percent-escape"), std::string::npos);
  }
  EXPECT_NE(percent_decode("a%00", "x").error().message.find("NUL"), std::string::npos);
}

TEST(RequestParsing, QueriesAndPaths) {
  const auto q = parse_query("after=5&limit=10&&flag&name=x%3Dy").value();
  EXPECT_EQ(q.at("after"), "5");
  EXPECT_EQ(q.at("limit"), "10");
  EXPECT_EQ(q.at("flag"), "");
  EXPECT_EQ(q.at("name"), "x=y");
  EXPECT_FALSE(parse_query("a=1&a=2"));
  EXPECT_EQ(split_path("/api/v1/assets/Health%2FIndex").value(),
            (std::vector<std::string>{"api", "v1", "assets", "Health/Index"}));
  EXPECT_TRUE(split_path("/").value().empty());
  EXPECT_FALSE(split_path("api"));
  EXPECT_FALSE(split_path("/a//b"));
  EXPECT_FALSE(split_path("/a/"));
}

TEST(RequestParsing, QueryIntegersAreBounded) {
  const std::map<std::string, std::string> q = {
      {"n", "42"}, {"big", "9223372036854775808"}, {"x", "4x"}, {"e", ""}};
  EXPECT_EQ(query_int(q, "n", 0, 0, 100).value(), 42);
  EXPECT_EQ(query_int(q, "absent", 7, 0, 100).value(), 7);
  EXPECT_NE(query_int(q, "n", 0, 0, 10).error().message.find("query parameter n: 42 is outside 0..10"),
            std::string::npos);
  EXPECT_FALSE(query_int(q, "big", 0, 0, std::numeric_limits<std::int64_t>::max()));
  EXPECT_NE(query_int(q, "x", 0, 0, 10).error().message.find("'4x' is not an integer"), std::string::npos);
  EXPECT_FALSE(query_int(q, "e", 0, 0, 10));
}

TEST(RequestParsing, BodiesAreObjectsOfBoundedDepth) {
  EXPECT_TRUE(parse_json_object(R"({"a":[1,{"b":"]]]]"}]})"));
  EXPECT_NE(parse_json_object("[1]").error().message.find("expected a JSON object"), std::string::npos);
  EXPECT_NE(parse_json_object(R"({"a":1)").error().message.find("not valid JSON (at byte 7)"),
            std::string::npos);
  EXPECT_FALSE(parse_json_object(""));
  EXPECT_FALSE(parse_json_object("{\"a\":\"\xc3\x28\"}"));  // invalid UTF-8 inside a string
  std::string deep = "{\"a\":" + std::string(32, '[') + std::string(32, ']') + "}";
  EXPECT_NE(parse_json_object(deep).error().message.find("deeper than 32"), std::string::npos);
  deep = "{\"a\":" + std::string(31, '[') + std::string(31, ']') + "}";
  EXPECT_TRUE(parse_json_object(deep));
  // Brackets inside strings do not count.
  EXPECT_TRUE(parse_json_object("{\"a\":\"" + std::string(100, '[') + "\"}"));
}

TEST(RequestParsing, FieldsAreTypedAndNamed) {
  const auto o = nlohmann::json::parse(
      R"({"s":"text","n":5,"b":true,"nul":"a\u0000","neg":-3,"f":1.5,"u":18446744073709551615,"long":"abcdef"})");
  EXPECT_EQ(string_field(o, "s", 10).value(), "text");
  EXPECT_FALSE(string_field(o, "absent", 10).value());
  EXPECT_NE(string_field(o, "n", 10).error().message.find("field n: expected a string"), std::string::npos);
  EXPECT_NE(string_field(o, "nul", 10).error().message.find("field nul: contains a NUL"), std::string::npos);
  EXPECT_NE(string_field(o, "long", 5).error().message.find("field long: 6 bytes, at most 5"),
            std::string::npos);
  EXPECT_EQ(int_field(o, "n", 0, 5).value(), 5);
  EXPECT_FALSE(int_field(o, "neg", 0, 5));
  EXPECT_FALSE(int_field(o, "f", 0, 5));
  EXPECT_FALSE(int_field(o, "u", 0, 5));
  EXPECT_EQ(bool_field(o, "b").value(), true);
  EXPECT_FALSE(bool_field(o, "n"));
  EXPECT_NE(required_string(o, "absent", 5).error().message.find("field absent: missing"), std::string::npos);
  EXPECT_NE(only_fields(o, {"s", "n"}).error().message.find("field \"b\": unknown"), std::string::npos);
  EXPECT_TRUE(only_fields(nlohmann::json::object(), {}));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::api
