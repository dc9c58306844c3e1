// The whole hub's API against docs/openapi.yaml: every route the hub registers (the API library's, the
// alarms', the twins') is in the document with its method and role, every operation of the document is a
// route, and the hub's own answers carry the fields the document's schemas require. A real hub on an
// SQLite store and a real HTTP server on loopback (no broker: the ingest waits for one meanwhile).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hub/hub.hpp"
#include "hub_api/http_client.hpp"
#include "hub_api/openapi_document.hpp"
#include "io/temp_dir.hpp"

namespace vigil::hub::test {
namespace VIGIL_TEST_FILE {

using api::test::openapi_document;

class HubRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.broker.port = 1;  // nothing listens: the ingest keeps retrying, quietly
    config_.store.sqlite_path = dir_ / "hub.db";
    config_.api.server.port = 0;
    auto hub = Hub::create(config_, [](auto, auto, auto) {});
    ASSERT_TRUE(hub) << hub.error().message;
    hub_ = std::move(*hub);
  }

  HubConfig config_;
  io::test::TempDir dir_;
  std::unique_ptr<Hub> hub_;
};

TEST_F(HubRoutes, EveryRouteIsDocumentedAndEveryDocumentedOperationIsARoute) {
  std::set<std::string> routes;
  for (const auto& r : hub_->router().routes())
    routes.insert(fmt::format("{} {} {}", to_string(r.method), r.pattern, to_string(r.role)));
  ASSERT_GT(routes.size(), 35u);
  for (const auto& r : routes)
    EXPECT_TRUE(openapi_document().operations.contains(r)) << "not in docs/openapi.yaml: " << r;
  for (const auto& o : openapi_document().operations) EXPECT_TRUE(routes.contains(o)) << "not a route: " << o;
}

void expect_schema(const nlohmann::json& value, const std::string& schema) {
  ASSERT_TRUE(openapi_document().required.contains(schema)) << schema;
  for (const auto& field : openapi_document().required.at(schema))
    EXPECT_TRUE(value.contains(field)) << schema << " lacks " << field << ": " << value.dump();
}

TEST_F(HubRoutes, TheHubsOwnAnswersCarryTheDocumentedFields) {
  ASSERT_TRUE(hub_->first_admin_password());
  ASSERT_TRUE(hub_->start());
  const std::uint16_t port = hub_->api_port();
  // An asset with a warning, through the store as the ingest would leave it.
  {
    auto s = store::Store::open(config_.store);
    ASSERT_TRUE(s) << s.error().message;
    const auto asset = s->registry().register_asset("plant", "edge-1", "pump7", 1000).value();
    ASSERT_TRUE(s->state().write_texts(std::vector<store::TextValue>{
        {asset, "Decision/Action", 2000, "inspect"}, {asset, "Alert/Level", 2000, "warning"}}));
  }
  api::test::HttpCall login;
  login.method = "POST";
  login.target = "/api/v1/login";
  login.body = nlohmann::json{{"user", "admin"}, {"password", *hub_->first_admin_password()}}.dump();
  auto reply = api::test::http_call(port, login);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const std::string token = nlohmann::json::parse(reply.body)["token"];
  const auto get = [&](const std::string& target) {
    api::test::HttpCall c;
    c.target = target;
    c.token = token;
    auto r = api::test::http_call(port, c);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return nlohmann::json::parse(r.body, nullptr, false);
  };
  expect_schema(get("/api/v1/assets/1/twin"), "Twin");
  expect_schema(get("/api/v1/work-list"), "WorkList");
  expect_schema(get("/api/v1/alarms"), "Page");
  expect_schema(get("/api/v1/alarms/kpis"), "AlarmKpis");
  const auto definitions = get("/api/v1/alarms/definitions");
  ASSERT_FALSE(definitions["items"].empty());
  expect_schema(get("/api/v1/edge-nodes"), "Page");
  // Unknown alarm: 404; a malformed area: 400 naming it.
  api::test::HttpCall missing;
  missing.target = "/api/v1/alarms/99";
  missing.token = token;
  EXPECT_EQ(api::test::http_call(port, missing).status, 404);
  missing.target = "/api/v1/alarms/kpis?area=building:1";
  reply = api::test::http_call(port, missing);
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("area"), std::string::npos) << reply.body;
  hub_->stop();
}

// The dashboard's files: served without a token from [api] web_dir, and nothing outside it, however the path
// is encoded.
TEST(HubWebFiles, ServesTheDashboardAndNothingOutsideItsFolder) {
  io::test::TempDir dir;
  std::filesystem::create_directories(dir / "web" / "assets");
  std::ofstream(dir / "web" / "index.html") << "<html>vigil</html>";
  std::ofstream(dir / "web" / "assets" / "app.js") << "console.log(1)";
  std::ofstream(dir / "web" / ".env") << "hidden";
  std::ofstream(dir / "secret.txt") << "do not serve";
  HubConfig config;
  config.broker.port = 1;
  config.store.sqlite_path = dir / "hub.db";
  config.api.server.port = 0;
  config.api.web_dir = dir / "web";
  auto hub = Hub::create(config, [](auto, auto, auto) {});
  ASSERT_TRUE(hub) << hub.error().message;
  ASSERT_TRUE((*hub)->start());
  const auto get = [&](const std::string& target) {
    api::test::HttpCall c;
    c.target = target;
    return api::test::http_call((*hub)->api_port(), c);
  };
  auto index = get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<html>vigil</html>");
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  auto js = get("/assets/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  for (const char* escape : {"/..%2Fsecret.txt", "/%2e%2e/secret.txt", "/assets/..%2F..%2Fsecret.txt",
                             "/.env", "/assets%2F..%2F..%2Fsecret.txt", "/nope.html"}) {
    auto r = get(escape);
    EXPECT_EQ(r.status, 404) << escape << ": " << r.body;
    EXPECT_EQ(r.body.find("do not serve"), std::string::npos) << escape;
    EXPECT_EQ(r.body.find("hidden"), std::string::npos) << escape;
  }
  // The API stays behind its tokens.
  EXPECT_EQ(get("/api/v1/assets").status, 401);
  (*hub)->stop();
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::test
