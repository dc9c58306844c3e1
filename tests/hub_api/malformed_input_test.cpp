// Bad requests through a real server: malformed and hostile JSON, wrong types, unknown fields, NUL bytes,
// invalid UTF-8, huge strings, SQL in text fields, bad paths and query parameters, oversized bodies and
// headers. Each gets a clear 4xx naming what is wrong, and the store is unchanged (read with the engine's
// own client).
#include <gtest/gtest.h>

#include "hub_api/api_fixture.hpp"

namespace vigil::hub::api::test {
namespace VIGIL_TEST_FILE {

using MalformedInputTest = ApiTest;

TEST_P(MalformedInputTest, BadAssetChangesGetA400AndChangeNothing) {
  const auto asset =
      shared_->with([](store::Store& s) { return s.registry().register_asset("plant", "e1", "pump7", 5); });
  ASSERT_TRUE(asset);
  const auto target = fmt::format("/api/v1/assets/{}", *asset);
  const std::string deep = R"({"bearing":)" + std::string(100, '[') + std::string(100, ']') + "}";
  struct Case {
    std::string body;
    std::string message;  // what the error message must contain
  };
  std::vector<Case> cases = {
      {"{", "not valid JSON"},
      {"[]", "expected a JSON object"},
      {R"({"bearing":"a",})", "not valid JSON"},
      {deep, "nested deeper"},
      {R"({"colour":"red"})", "field \"colour\": unknown"},
      {R"({"bearing":7})", "field bearing: expected a string"},
      {R"({"criticality":"high"})", "field criticality: expected an integer"},
      {R"({"criticality":9})", "field criticality: 9 is outside 0..5"},
      {R"({"criticality":-1})", "field criticality: -1 is outside 0..5"},
      {R"({"criticality":18446744073709551615})", "field criticality: 18446744073709551615 is outside 0..5"},
      {R"({"criticality":2.5})", "field criticality: expected an integer"},
      {R"({"location":"a\u0000b"})", "field location: contains a NUL"},
      {"{\"location\":\"\xff\xfe\"}", "not valid JSON"},
      {R"({"location":"\ud800"})", "not valid JSON"},
      {R"({"spare_part":")" + std::string(1025, 'x') + "\"}", "field spare_part: 1025 bytes, at most 1024"},
      {R"({"line_id":0})", "field line_id: 0 is outside"},
      {R"({"line_id":"1"})", "field line_id: expected an integer"},
      {R"({"line_id":4242})", "line 4242"},
      // A valid change together with a bad one: nothing of it is stored.
      {R"({"bearing":"SKF 6205","criticality":6})", "field criticality"},
  };
  // Every text field with every kind of bad text.
  for (const auto* field : {"bearing", "machine_class", "location", "spare_part"}) {
    cases.push_back(
        {fmt::format(R"({{"{}":"a\u0000b"}})", field), fmt::format("field {}: contains a NUL", field)});
    cases.push_back({fmt::format(R"({{"{}":"\udc00"}})", field), "not valid JSON"});
    cases.push_back({fmt::format("{{\"{}\":\"\xc0\xaf\"}}", field), "not valid JSON"});  // overlong '/'
    cases.push_back({fmt::format(R"({{"{}":"{}"}})", field, std::string(1025, 'y')),
                     fmt::format("field {}: 1025 bytes, at most 1024", field)});
    cases.push_back(
        {fmt::format(R"({{"{}":["x"]}})", field), fmt::format("field {}: expected a string", field)});
  }
  const auto audit_before = raw_count("audit");
  for (const auto& c : cases) {
    const auto reply = call("PATCH", target, operator_, c.body);
    EXPECT_GE(reply.status, 400) << c.body;
    EXPECT_LT(reply.status, 500) << c.body;
    const auto error = json(reply);
    ASSERT_TRUE(error.is_object()) << reply.body;
    EXPECT_NE(error["error"]["message"].get<std::string>().find(c.message), std::string::npos)
        << c.body.substr(0, 80) << " → " << reply.body;
  }
  EXPECT_EQ(
      raw_text(fmt::format("SELECT bearing || '|' || location || '|' || spare_part || '|' || criticality "
                           "FROM assets WHERE id = {}",
                           *asset)),
      "|||0");
  EXPECT_EQ(raw_count("audit"), audit_before);

  // Wrong media type.
  HttpCall text;
  text.method = "PATCH";
  text.target = target;
  text.token = operator_;
  text.body = R"({"bearing":"x"})";
  text.content_type = "text/plain";
  EXPECT_EQ(http_call(server_->port(), text).status, 415);
}

TEST_P(MalformedInputTest, SqlInAFreeTextFieldIsStoredAsTextAndNothingElse) {
  const auto asset =
      shared_->with([](store::Store& s) { return s.registry().register_asset("plant", "e1", "pump7", 5); });
  ASSERT_TRUE(asset);
  // Free text may contain quotes (a location "O'Brien's hall"): it is a bound parameter, never SQL.
  const std::string hostile = "x'); DROP TABLE assets; --";
  const auto reply = call("PATCH", fmt::format("/api/v1/assets/{}", *asset), operator_,
                          nlohmann::json{{"location", hostile}}.dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(raw_text(fmt::format("SELECT location FROM assets WHERE id = {}", *asset)), hostile);
  EXPECT_EQ(raw_count("assets"), 1);
  // Names that identify something are restricted: a user name with a quote is refused and nothing stored.
  const auto user = call("POST", "/api/v1/users", admin_,
                         R"({"name":"bob'--","password":"long enough pw","role":"viewer"})");
  EXPECT_EQ(user.status, 400);
  EXPECT_NE(json(user)["error"]["message"].get<std::string>().find("field name"), std::string::npos);
  using nlohmann::json;
  const std::vector<json> bodies = {
      {{"name", std::string("a\0b", 3)}, {"password", "long enough pw"}, {"role", "viewer"}},
      {{"name", std::string(65, 'n')}, {"password", "long enough pw"}, {"role", "viewer"}},
      {{"name", "carl"}, {"password", "short"}, {"role", "viewer"}},
      {{"name", "carl"}, {"password", "long enough pw"}, {"role", "root"}},
      {{"name", "carl"}, {"password", "long enough pw"}},
      {{"name", "carl"}, {"password", std::string(2000, 'p')}, {"role", "viewer"}},
      {{"name", "carl"}, {"password", "long enough pw"}, {"role", "viewer"}, {"admin", true}},
  };
  for (const auto& j : bodies) {
    const std::string body = j.dump();
    EXPECT_EQ(call("POST", "/api/v1/users", admin_, body).status, 400) << body.substr(0, 80);
  }
  EXPECT_EQ(raw_count("users"), 3);
  // Login with hostile fields: a clear 4xx, no token.
  EXPECT_EQ(
      call("POST", "/api/v1/login", "", R"({"user":"root' OR '1'='1","password":"x' OR '1'='1"})").status,
      401);
  EXPECT_EQ(call("POST", "/api/v1/login", "", R"({"user":"root"})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/login", "", "\"root\"").status, 400);
}

TEST_P(MalformedInputTest, BadPathsAndQueriesNameTheParameter) {
  const auto asset =
      shared_->with([](store::Store& s) { return s.registry().register_asset("plant", "e1", "pump7", 5); });
  ASSERT_TRUE(asset);
  struct Case {
    std::string target;
    int status;
    std::string message;
  };
  const auto series = fmt::format("/api/v1/assets/{}/series/speed", *asset);
  const std::vector<Case> cases = {
      {"/api/v1/assets?limit=abc", 400, "query parameter limit: 'abc' is not an integer"},
      {"/api/v1/assets?limit=0", 400, "query parameter limit: 0 is outside 1..1000"},
      {"/api/v1/assets?limit=1001", 400, "outside 1..1000"},
      {"/api/v1/assets?after=-1", 400, "query parameter after"},
      {"/api/v1/assets?limit=1&limit=2", 400, "given twice"},
      {"/api/v1/assets?limit=%zz", 400, "bad percent-escape"},
      {"/api/v1/assets?limit=1%00", 400, "NUL"},
      {"/api/v1/assets/abc", 400, "path parameter id: expected a positive integer"},
      {"/api/v1/assets/-3", 400, "path parameter id"},
      {"/api/v1/assets/99999", 404, "asset 99999"},
      {"/api/v1/assets/99999999999999999999", 400, "path parameter id"},
      {series, 400, "from and to are required"},
      {series + "?from=10&to=5", 400, "to: must be after from"},
      {series + "?from=0&to=1000&points=10001", 400, "query parameter points: 10001 is outside 1..10000"},
      {fmt::format("/api/v1/assets/{}/series/%FF?from=0&to=1", *asset), 400, "metric"},
      {fmt::format("/api/v1/assets/{}/series/{}?from=0&to=1", *asset, std::string(300, 'm')), 400, "metric"},
      {fmt::format("/api/v1/assets/{}/evidence/x?limit=101", *asset), 400, "query parameter limit"},
      {"/api/v1/nothing", 404, "no such resource"},
      {"/api/v1//assets", 404, "empty segment"},
  };
  for (const auto& c : cases) {
    const auto reply = call("GET", c.target, viewer_);
    EXPECT_EQ(reply.status, c.status) << c.target << " → " << reply.body;
    EXPECT_NE(json(reply)["error"]["message"].get<std::string>().find(c.message), std::string::npos)
        << c.target << " → " << reply.body;
  }
  auto wrong = call("DELETE", "/api/v1/assets/1", admin_);
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers["allow"], "GET, PATCH");
  EXPECT_EQ(call("BREW", "/api/v1/assets", admin_).status, 405);
}

TEST_P(MalformedInputTest, AnOversizedBodyGets413AndOversizedHeaders431) {
  const std::string big = R"({"bearing":")" + std::string(2 << 20, 'x') + "\"}";
  const auto reply = call("PATCH", "/api/v1/assets/1", operator_, big);
  EXPECT_EQ(reply.status, 413) << reply.failure;
  EXPECT_EQ(json(reply)["error"]["code"], "payload_too_large");
  // Chunked, so the size is known only while reading.
  std::string chunked =
      "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) chunked += fmt::format("{:x}\r\n{}\r\n", 32768, std::string(32768, ' '));
  chunked += "0\r\n\r\n";
  EXPECT_TRUE(raw_exchange(server_->port(), chunked).starts_with("HTTP/1.1 413")) << "chunked";
  const std::string headers =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20 << 10, 'h') + "\r\n\r\n";
  EXPECT_TRUE(raw_exchange(server_->port(), headers).starts_with("HTTP/1.1 431"));
  EXPECT_TRUE(raw_exchange(server_->port(), "NOT HTTP AT ALL\r\n\r\n").starts_with("HTTP/1.1 400"));
  // The server is still well.
  EXPECT_EQ(call("GET", "/healthz").status, 200);
}

VIGIL_FOR_EACH_ENGINE(MalformedInputTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::api::test
