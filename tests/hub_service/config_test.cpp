// hub.toml: the defaults a newcomer gets, every problem listed with its line and key, and the rules that
// keep a hub from being exposed by accident (plain HTTP beyond loopback).
#include "hub/config.hpp"

#include <gtest/gtest.h>

namespace vigil::hub::test {
namespace VIGIL_TEST_FILE {

const std::filesystem::path k_file = "/etc/vigil-hub/hub.toml";

std::string problems_of(const HubConfigCheck& c) { return config::format_problems(k_file, c.problems); }

TEST(HubConfig, AnEmptyFileGivesAWorkingEmbeddedHub) {
  const auto c = check_hub_config_text("", k_file);
  ASSERT_TRUE(c.config) << problems_of(c);
  EXPECT_EQ(c.config->host.id, "vigil-hub");
  EXPECT_EQ(c.config->broker.client_id, "vigil-hub");
  EXPECT_EQ(c.config->store.engine, store::Engine::sqlite);
  EXPECT_EQ(c.config->store.sqlite_path, "/etc/vigil-hub/hub.db");  // next to the file
  EXPECT_EQ(c.config->store.retention.raw_ms, 7LL * 86'400'000);
  EXPECT_EQ(c.config->api.server.address, "127.0.0.1");
}

TEST(HubConfig, ReadsEverySection) {
  const auto c = check_hub_config_text(R"(
[host]
id = "hub-2"
[broker]
host = "broker.plant"
port = 1883
client_id = "hub-2-a"
keepalive_s = 10
[sparkplug]
reorder_timeout_s = 0.5
rebirth_interval_s = 30
[store]
engine = "postgres"
postgres = "host=/run/postgresql dbname=vigil_hub"
raw_days = 2
aggregate_days = 0
[ingest]
batch_messages = 500
[api]
port = 0
threads = 4
token_lifetime_s = 3600
)",
                                       k_file);
  ASSERT_TRUE(c.config) << problems_of(c);
  EXPECT_EQ(c.config->host.id, "hub-2");
  EXPECT_EQ(c.config->broker.client_id, "hub-2-a");
  EXPECT_EQ(c.config->broker.keepalive_s, 10);
  EXPECT_EQ(c.config->sparkplug.reorder_timeout_s, 0.5);
  EXPECT_EQ(c.config->store.engine, store::Engine::postgres);
  EXPECT_EQ(c.config->store.postgres_conninfo, "host=/run/postgresql dbname=vigil_hub");
  EXPECT_EQ(c.config->store.retention.raw_ms, 2LL * 86'400'000);
  EXPECT_EQ(c.config->store.retention.aggregate_ms, 0);
  EXPECT_EQ(c.config->ingest.batch_messages, 500u);
  EXPECT_EQ(c.config->api.server.port, 0);
  EXPECT_EQ(c.config->api.server.threads, 4);
  EXPECT_EQ(c.config->api.server.auth.token_lifetime_s, 3600);
}

TEST(HubConfig, ListsEveryProblemWithItsLineAndKey) {
  const auto c = check_hub_config_text(R"([host]
id = "hub/1"
[broker]
port = 70000
cert_file = "/nonexistent/hub.crt"
[store]
engine = "postgres"
coarse_interval_s = 90
[api]
address = "0.0.0.0"
tls_cert = "/nonexistent/api.crt"
colour = "blue"
)",
                                       k_file);
  ASSERT_FALSE(c.config);
  const std::string listed = problems_of(c);
  for (const char* expected :
       {":2: host.id: 'hub/1' is not a valid Sparkplug host id", ":4: broker.port: 70000 is out of range",
        ":5: broker.cert_file: /nonexistent/hub.crt is not a readable file",
        "broker.key_file: cert_file and key_file go together", "store.postgres: missing: engine is postgres",
        "store.raw_days: coarse aggregate interval", "api.tls_key: tls_cert and tls_key go together",
        ":12: api.colour: unknown key"})
    EXPECT_NE(listed.find(expected), std::string::npos) << expected << "\n" << listed;
}

TEST(HubConfig, PlainHttpIsRefusedBeyondLoopback) {
  const auto c = check_hub_config_text("[api]\naddress = \"0.0.0.0\"\n", k_file);
  ASSERT_FALSE(c.config);
  EXPECT_NE(problems_of(c).find("api.address: 0.0.0.0 is not a loopback address"), std::string::npos)
      << problems_of(c);
  EXPECT_TRUE(check_hub_config_text("[api]\naddress = \"0.0.0.0\"\nenabled = false\n", k_file).config);
}

TEST(HubConfig, AMalformedFileIsOneProblemWithItsLine) {
  const auto c = check_hub_config_text("[host]\nid = \n", k_file);
  ASSERT_FALSE(c.config);
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0].line, 2);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::test
