// docs/openapi.yaml against the server: every route the router has is in the document with the same
// method, path and role (x-vigil-role), every operation in the document is a route, and real responses
// carry every field the document's schemas require. The YAML is read by a small line parser that knows
// only the document's own layout (two-space indents, `required: [a, b]` lists).
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "hub_api/api_fixture.hpp"
#include "hub_api/openapi_document.hpp"

namespace vigil::hub::api::test {
namespace VIGIL_TEST_FILE {

using OpenApiTest = ApiTest;

const OpenApi& document() { return openapi_document(); }

// The API library's routes are all in the document; that every operation of the document is a route of the
// whole hub (the alarms' and twins' routes too) is tests/hub_service/openapi_test.cpp's.
TEST_P(OpenApiTest, TheDocumentHasEveryRoute) {
  ASSERT_GT(document().operations.size(), 15u);
  for (const auto& r : router_->routes()) {
    const std::string route = fmt::format("{} {} {}", to_string(r.method), r.pattern, to_string(r.role));
    EXPECT_TRUE(document().operations.contains(route)) << "not in docs/openapi.yaml: " << route;
  }
}

// Fails the test for each field of `schema` that `value` lacks.
void expect_schema(const nlohmann::json& value, const std::string& schema) {
  ASSERT_TRUE(document().required.contains(schema)) << schema;
  ASSERT_TRUE(value.is_object()) << schema << ": " << value.dump();
  for (const auto& field : document().required.at(schema))
    EXPECT_TRUE(value.contains(field)) << schema << " lacks " << field << ": " << value.dump();
}

void expect_page(const nlohmann::json& page, const std::string& item_schema) {
  expect_schema(page, "Page");
  ASSERT_FALSE(page["items"].empty()) << item_schema;
  for (const auto& item : page["items"]) expect_schema(item, item_schema);
}

TEST_P(OpenApiTest, ResponsesCarryTheFieldsTheSchemasRequire) {
  const auto asset = *shared_->with([](store::Store& s) -> Result<std::int64_t> {
    auto id = s.registry().register_asset("plant", "e1", "pump", 5);
    if (!id) return id;
    if (auto ok = s.registry().node_birth("plant", "e1", 0, 5); !ok) return std::unexpected(ok.error());
    if (auto ok = s.series().write_live(std::vector<store::Sample>{{*id, "speed_rpm", 1000, 1480}}); !ok)
      return std::unexpected(ok.error());
    if (auto ok = s.state().add_evidence({*id, "Evidence/Spectrum", 1000, {1, 2, 3}}); !ok)
      return std::unexpected(ok.error());
    return id;
  });
  const auto a = fmt::format("/api/v1/assets/{}", asset);
  expect_schema(json(call("GET", "/healthz")), "Health");
  expect_schema(
      json(call("POST", "/api/v1/login", "", R"({"user":"vic","password":"correct horse battery"})")),
      "LoginResponse");
  expect_schema(json(call("GET", "/api/v1/me", viewer_)), "Principal");
  expect_schema(json(call("GET", a, viewer_)), "Asset");
  expect_schema(json(call("PATCH", a, operator_, R"({"location":"hall 2"})")), "Asset");
  expect_schema(json(call("GET", a + "/series/speed_rpm?from=0&to=2000", viewer_)), "Series");
  expect_schema(json(call("GET", a + "/state", viewer_)), "AssetStateValues");
  expect_schema(json(call("GET", "/api/v1/users/2", admin_)), "User");
  expect_page(json(call("GET", "/api/v1/assets", viewer_)), "Asset");
  expect_page(json(call("GET", "/api/v1/users", admin_)), "User");
  expect_page(json(call("GET", "/api/v1/audit", admin_)), "AuditEntry");
  expect_page(json(call("GET", "/api/v1/edge-nodes", viewer_)), "EdgeNode");
  expect_page(json(call("GET", a + "/evidence/Evidence%2FSpectrum", viewer_)), "EvidenceItem");
  for (const auto& error : {call("GET", "/api/v1/assets/999", viewer_), call("GET", "/api/v1/me"),
                            call("PATCH", a, viewer_, "{}")}) {
    const auto body = json(error);
    expect_schema(body, "Error");
    EXPECT_TRUE(body["error"].contains("code") && body["error"].contains("message"));
  }
}

VIGIL_FOR_EACH_ENGINE(OpenApiTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::api::test
