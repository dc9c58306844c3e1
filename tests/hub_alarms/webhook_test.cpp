// Webhook notifications against a real HTTP server (tests/hub_alarms/webhook_server.py, Python's
// http.server on 127.0.0.1, a port chosen at run time) that fails or holds its first requests: delivery after
// retries on the backoff schedule, a timeout, the dead-letter list and its retry, and nothing lost across a
// re-open of the store. The bodies are checked as Python's json module decoded them.
#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hub/alarms/alarm_manager.hpp"
#include "hub_store/engines.hpp"
#include "support/server_process.hpp"

namespace vigil::hub::alarms {
namespace VIGIL_TEST_FILE {

// The webhook server, stopped on every exit path.
class WebhookServer {
 public:
  WebhookServer(int fail_first, int hang_first) {
    pid_ =
        vigil::test::spawn_server({"python3", VIGIL_WEBHOOK_SERVER, "--port-file", (dir_ / "port").string(),
                                   "--log", (dir_ / "received").string(), "--fail-first",
                                   std::to_string(fail_first), "--hang-first", std::to_string(hang_first)},
                                  dir_ / "server.log")
            .value_or(-1);
    for (int i = 0; i < 200 && pid_ > 0; ++i) {
      std::ifstream in(dir_ / "port");
      if (in >> port_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~WebhookServer() { vigil::test::stop_server(pid_, SIGTERM, std::chrono::seconds(2)); }

  bool running() const { return port_ > 0; }
  std::string url() const { return fmt::format("http://127.0.0.1:{}/alarms", port_); }
  std::string log() const { return vigil::test::read_file(dir_ / "server.log"); }
  // Each accepted body, as the server's JSON decoder read it.
  std::vector<nlohmann::json> received() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ / "received");
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }

 private:
  io::test::TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

using store::test::EngineTest;

// A webhook server, a store with one asset and the manager notifying the server.
class WebhookTest : public EngineTest {
 protected:
  // Starts the server (failing its first `fail_first` requests after holding the first `hang_first`) and
  // opens the store and the manager.
  bool start(int fail_first, int hang_first, std::int64_t max_attempts,
             std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    server_ = std::make_unique<WebhookServer>(fail_first, hang_first);
    EXPECT_TRUE(server_->running()) << server_->log();
    config_.webhooks.urls = {server_->url()};
    config_.webhooks.max_attempts = max_attempts;
    config_.webhooks.first_backoff_ms = 1000;
    config_.webhooks.max_backoff_ms = 4000;
    config_.webhooks.timeout = timeout;
    return server_->running() && reopen();
  }

  // A new store and manager on the same database and server.
  bool reopen() {
    alarms_.reset();
    store_ = open();
    if (!store_) return false;
    asset_ = store_->registry().register_asset("plant", "edge-1", "pump7", 0).value();
    auto m = AlarmManager::open(*store_, config_);
    EXPECT_TRUE(m) << m.error().message;
    if (m) alarms_.emplace(std::move(*m));
    return m.has_value();
  }

  Condition activation(std::string_view key, std::int64_t ts_ms, std::string detail = "") const {
    return {asset_, "", std::string(key), true, ts_ms, "edge:plant/edge-1", std::move(detail)};
  }

  std::unique_ptr<WebhookServer> server_;
  AlarmConfig config_;
  std::unique_ptr<store::Store> store_;
  std::int64_t asset_ = 0;
  std::optional<AlarmManager> alarms_;
};

TEST_P(WebhookTest, DeliveredAfterRetriesOnTheBackoffSchedule) {
  ASSERT_TRUE(start(2, 0, 5));
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(activation("bearing_alarm", 0, "Alert/Level = alarm")));
  EXPECT_EQ(m.pending_notifications().value(), 1);
  ASSERT_TRUE(m.tick(0));  // 500: next try 1 s later
  EXPECT_EQ(raw_text("SELECT next_attempt_ms FROM alarm_outbox"), "1000");
  ASSERT_TRUE(m.tick(999));  // not due
  EXPECT_EQ(raw_text("SELECT attempts FROM alarm_outbox"), "1");
  ASSERT_TRUE(m.tick(1000));  // 500 again: the backoff doubles to 2 s
  EXPECT_EQ(raw_text("SELECT next_attempt_ms FROM alarm_outbox"), "3000");
  EXPECT_NE(raw_text("SELECT last_error FROM alarm_outbox").find("HTTP status 500"), std::string::npos);
  ASSERT_TRUE(m.tick(3000));
  EXPECT_EQ(m.pending_notifications().value(), 0);
  const auto got = server_->received();
  ASSERT_EQ(got.size(), 1u);
  const auto id = m.list({}, 0, 10)->alarms.at(0).id;
  EXPECT_EQ(got[0]["event"], "activated");
  EXPECT_EQ(got[0]["alarm_id"], id);
  EXPECT_EQ(got[0]["definition"], "bearing_alarm");
  EXPECT_EQ(got[0]["priority"], "high");
  EXPECT_EQ(got[0]["asset_id"], asset_);
  EXPECT_EQ(got[0]["node"], "");
  EXPECT_EQ(got[0]["state"], "unack_active");
  EXPECT_EQ(got[0]["ts_ms"], 0);
  EXPECT_EQ(got[0]["actor"], "edge:plant/edge-1");
  EXPECT_EQ(got[0]["detail"], "Alert/Level = alarm");
  EXPECT_TRUE(got[0]["event_id"].is_number_integer());
  EXPECT_TRUE(got[0]["corrective_action"].is_string());
}

TEST_P(WebhookTest, AHeldRequestTimesOutAndIsRetried) {
  ASSERT_TRUE(start(0, 1, 5, std::chrono::milliseconds(300)));
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(activation("bearing_warning", 0)));
  const auto start_time = std::chrono::steady_clock::now();
  ASSERT_TRUE(m.tick(0));
  EXPECT_LT(std::chrono::steady_clock::now() - start_time, std::chrono::milliseconds(2000));
  EXPECT_NE(raw_text("SELECT last_error FROM alarm_outbox").find("timed out"), std::string::npos)
      << raw_text("SELECT last_error FROM alarm_outbox");
  ASSERT_TRUE(m.tick(1000));
  EXPECT_EQ(m.pending_notifications().value(), 0);
  EXPECT_EQ(server_->received().size(), 1u);
}

TEST_P(WebhookTest, DeadLetterAfterTheLimitThenRetriedByAnAdmin) {
  ASSERT_TRUE(start(3, 0, 3));
  AlarmManager& m = *alarms_;
  ASSERT_TRUE(m.on_condition(activation("bearing_warning", 500)));
  for (std::int64_t t : {500, 1500, 3500}) ASSERT_TRUE(m.tick(t));  // 3 failures: 1 s, then 2 s apart
  EXPECT_EQ(m.pending_notifications().value(), 0);
  const auto dead = m.dead_letters(0, 10).value();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempts, 3);
  EXPECT_EQ(dead[0].failed_ms, 3500);
  EXPECT_EQ(dead[0].created_ms, 500);
  EXPECT_EQ(dead[0].url, server_->url());
  EXPECT_NE(dead[0].last_error.find("HTTP status 500"), std::string::npos);
  EXPECT_TRUE(server_->received().empty());

  EXPECT_EQ(m.retry_dead_letter(dead[0].id + 1, "admin", 4000).error().code, ErrorCode::not_found);
  ASSERT_TRUE(m.retry_dead_letter(dead[0].id, "admin", 4000));
  EXPECT_TRUE(m.dead_letters(0, 10)->empty());
  ASSERT_TRUE(m.tick(4000));
  const auto got = server_->received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["event"], "activated");
  const auto audit = store_->audit().list(0, 100).value();
  EXPECT_EQ(audit.back().action, "alarm.webhook_retry");
  EXPECT_EQ(audit.back().actor, "admin");
}

TEST_P(WebhookTest, NothingIsLostAcrossAReopen) {
  ASSERT_TRUE(start(2, 0, 5));
  ASSERT_TRUE(alarms_->on_condition(activation("bearing_warning", 0)));
  const auto alarm_id = alarms_->list({}, 0, 10)->alarms.at(0).id;
  ASSERT_TRUE(alarms_->acknowledge(alarm_id, "alice", "seen", 100));
  ASSERT_TRUE(alarms_->tick(100));  // both fail
  EXPECT_EQ(alarms_->pending_notifications().value(), 2);
  ASSERT_TRUE(reopen());
  AlarmManager& m = *alarms_;
  EXPECT_EQ(m.pending_notifications().value(), 2);
  ASSERT_TRUE(m.tick(1100));
  EXPECT_EQ(m.pending_notifications().value(), 0);
  const auto got = server_->received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["event"], "activated");
  EXPECT_EQ(got[1]["event"], "acknowledged");
  EXPECT_EQ(got[1]["state"], "ack_active");
  EXPECT_EQ(got[1]["actor"], "alice");
  EXPECT_EQ(got[1]["alarm_id"], alarm_id);
  EXPECT_NE(got[0]["event_id"], got[1]["event_id"]);
}

VIGIL_FOR_EACH_ENGINE(WebhookTest);

TEST(HttpUrl, ParsesHostPortAndTarget) {
  const auto plain = parse_http_url("http://alarms.plant.local").value();
  EXPECT_EQ(plain.host, "alarms.plant.local");
  EXPECT_EQ(plain.port, 80);
  EXPECT_EQ(plain.target, "/");
  const auto full = parse_http_url("http://127.0.0.1:8080/hooks/vigil?team=maint").value();
  EXPECT_EQ(full.host, "127.0.0.1");
  EXPECT_EQ(full.port, 8080);
  EXPECT_EQ(full.target, "/hooks/vigil?team=maint");
}

TEST(HttpUrl, RefusesWhatItCannotUse) {
  EXPECT_EQ(parse_http_url("https://example.org/").error().code, ErrorCode::unsupported);
  for (const char* bad : {"ftp://example.org/", "http://", "http:///path", "http://h:0/", "http://h:65536/",
                          "http://h:12a/", "http://h:/", "http://user@h/", "example.org"}) {
    const auto r = parse_http_url(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument) << bad;
  }
}

TEST(HttpUrl, ConnectionRefusedIsAnError) {
  // A port nothing listens on: bound by the server started and stopped here.
  std::string url;
  {
    WebhookServer server(0, 0);
    ASSERT_TRUE(server.running());
    url = server.url();
  }
  const auto r = http_post(parse_http_url(url).value(), "{}", std::chrono::milliseconds(1000));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::io);
  EXPECT_NE(r.error().message.find("connect failed"), std::string::npos) << r.error().message;
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::alarms
