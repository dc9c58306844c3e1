// The whole API on a real store (SQLite or a throw-away PostgreSQL) and a real server on 127.0.0.1, port
// chosen at run time; requests go through a real HTTP client (http_client.hpp). Users of each role exist
// and are logged in. Passwords are hashed at a low scrypt cost (N = 1024) to keep the tests quick.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hub/api/auth.hpp"
#include "hub/api/event_bus.hpp"
#include "hub/api/http_server.hpp"
#include "hub/api/metrics.hpp"
#include "hub/api/routes.hpp"
#include "hub/api/shared_store.hpp"
#include "hub_api/http_client.hpp"
#include "hub_store/engines.hpp"

namespace vigil::hub::api::test {

inline constexpr std::string_view k_password = "correct horse battery";

class ApiTest : public store::test::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    start(test_config());
  }

  // The configuration a fixture starts the server with (port 0, the clock and the scrypt cost are set here).
  virtual ApiConfig test_config() {
    ApiConfig config;
    config.heartbeat_ms = 300;
    return config;
  }

  void start(ApiConfig config) {
    store_ = open();
    ASSERT_TRUE(store_);
    shared_ = std::make_unique<SharedStore>(*store_);
    config.port = 0;
    config.auth.scrypt = ScryptCost{1024, 8, 1};
    config.auth.now_ms = [this] { return now_ms_.load(); };
    auto auth = Auth::create(*shared_, config.auth);
    ASSERT_TRUE(auth) << auth.error().message;
    auth_ = std::move(*auth);
    metrics_ = std::make_unique<MetricsRegistry>();
    events_ = std::make_unique<EventBus>();
    router_ = std::make_unique<Router>([this](std::string_view token) { return auth_->authenticate(token); });
    add_auth_routes(*router_, *auth_);
    add_store_routes(*router_, *shared_, *events_);
    add_system_routes(*router_, *metrics_, *events_, config.live_queue_events);
    auto server = HttpServer::create(config, *router_, *metrics_);
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);

    auto password = auth_->bootstrap_admin("root");
    ASSERT_TRUE(password && *password) << "bootstrap";
    admin_ = login("root", **password);
    ASSERT_FALSE(admin_.empty());
    ASSERT_EQ(call("POST", "/api/v1/users", admin_,
                   R"({"name":"olga","password":"correct horse battery","role":"operator"})")
                  .status,
              201);
    ASSERT_EQ(call("POST", "/api/v1/users", admin_,
                   R"({"name":"vic","password":"correct horse battery","role":"viewer"})")
                  .status,
              201);
    operator_ = login("olga", k_password);
    viewer_ = login("vic", k_password);
  }

  void TearDown() override {
    server_.reset();  // before what its routes use
    EngineTest::TearDown();
  }

  HttpReply call(const std::string& method, const std::string& target, const std::string& token = "",
                 const std::string& body = "") {
    HttpCall c;
    c.method = method;
    c.target = target;
    c.token = token;
    c.body = body;
    c.tls_ca = tls_ca_;
    return http_call(server_->port(), c);
  }

  std::string login(const std::string& user, std::string_view password) {
    const auto reply =
        call("POST", "/api/v1/login", "", nlohmann::json{{"user", user}, {"password", password}}.dump());
    if (reply.status != 200) return "";
    return nlohmann::json::parse(reply.body).at("token").get<std::string>();
  }

  static nlohmann::json json(const HttpReply& reply) {
    return nlohmann::json::parse(reply.body, nullptr, false);
  }

  std::unique_ptr<store::Store> store_;
  std::unique_ptr<SharedStore> shared_;
  std::unique_ptr<Auth> auth_;
  std::unique_ptr<MetricsRegistry> metrics_;
  std::unique_ptr<EventBus> events_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<HttpServer> server_;
  std::optional<std::filesystem::path> tls_ca_;
  std::atomic<std::int64_t> now_ms_{1'780'000'000'000};
  std::string admin_, operator_, viewer_;
};

}  // namespace vigil::hub::api::test
