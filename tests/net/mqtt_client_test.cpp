// The MQTT client against a real Mosquitto started by the test (tests/support/mosquitto_broker.hpp).
#include "net/mqtt_client.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/mosquitto_broker.hpp"

namespace vigil::net {
namespace VIGIL_TEST_FILE {

using namespace std::chrono_literals;
using test::MosquittoBroker;

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

// Collects what a client receives; waits for a number of messages.
struct Inbox {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::string>> messages;

  MqttClient::MessageHandler handler() {
    return [this](std::string_view topic, std::span<const std::byte> payload) {
      std::lock_guard lock(mutex);
      messages.emplace_back(std::string(topic),
                            std::string(reinterpret_cast<const char*>(payload.data()), payload.size()));
      cv.notify_all();
    };
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, timeout, [&] { return messages.size() >= n; });
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return messages.size();
  }
};

MqttOptions options_for(const MosquittoBroker& broker, std::string id) {
  MqttOptions o;
  o.host = "127.0.0.1";
  o.port = broker.port();
  o.client_id = std::move(id);
  o.keepalive_s = 5;
  o.backoff = {.initial = 50ms, .max = 400ms};
  return o;
}

std::unique_ptr<MqttClient> make_client(const MqttOptions& o) {
  auto c = MqttClient::create(o);
  EXPECT_TRUE(c) << c.error().message;
  return c ? std::move(*c) : nullptr;
}

class MqttBroker : public ::testing::Test {
 protected:
  void SetUp() override {
    auto b = MosquittoBroker::start();
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
  }
  std::unique_ptr<MosquittoBroker> broker_;
};

TEST_F(MqttBroker, PublishSubscribeRoundTripKeepsEveryByteAndTheOrder) {
  Inbox inbox;
  auto sub = make_client(options_for(*broker_, "sub"));
  ASSERT_TRUE(sub);
  sub->on_message(inbox.handler());
  ASSERT_TRUE(sub->connect());
  ASSERT_TRUE(sub->subscribe("vigil/test/#", 1));

  auto pub = make_client(options_for(*broker_, "pub"));
  ASSERT_TRUE(pub);
  ASSERT_TRUE(pub->connect());
  std::vector<std::string> sent;
  for (int i = 0; i < 100; ++i) {
    std::string payload = "frame " + std::to_string(i);
    payload.push_back('\0');  // binary payloads: zero bytes included
    payload.push_back(static_cast<char>(0xff));
    sent.push_back(payload);
    auto ok = pub->publish("vigil/test/" + std::to_string(i % 3), bytes(payload), 1);
    ASSERT_TRUE(ok) << ok.error().message;
  }
  ASSERT_TRUE(inbox.wait_for(100, 5s)) << inbox.size();
  std::lock_guard lock(inbox.mutex);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(inbox.messages[std::size_t(i)].first, "vigil/test/" + std::to_string(i % 3));
    EXPECT_EQ(inbox.messages[std::size_t(i)].second, sent[std::size_t(i)]);
  }
}

TEST_F(MqttBroker, ConnectionStateCallbackSeesConnected) {
  std::atomic<int> connected{0};
  auto c = make_client(options_for(*broker_, "state"));
  c->on_state([&](ConnectionState s, std::string_view) {
    if (s == ConnectionState::connected) ++connected;
  });
  ASSERT_TRUE(c->connect());
  EXPECT_TRUE(c->connected());
  EXPECT_EQ(connected.load(), 1);
}

TEST(MqttClient, ConnectErrorNamesHostPortAndReason) {
  // A port nobody listens on: start a broker, note its port, stop it.
  auto broker = MosquittoBroker::start();
  ASSERT_TRUE(broker) << broker.error().message;
  const int port = (*broker)->port();
  (*broker)->stop();
  MqttOptions o;
  o.port = port;
  o.client_id = "nobody";
  auto c = make_client(o);
  auto ok = c->connect(2s);
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().code, ErrorCode::io);
  EXPECT_EQ(ok.error().message,
            "mqtt: cannot connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  EXPECT_FALSE(c->connected());
  auto pub = c->publish("vigil/x", bytes("x"));
  ASSERT_FALSE(pub);
  EXPECT_EQ(pub.error().message,
            "mqtt: publish to 'vigil/x': not connected to 127.0.0.1:" + std::to_string(port));
}

TEST(MqttClient, ConnectErrorSaysWhenTheBrokerRefusesTheSession) {
  auto broker = MosquittoBroker::start({.allow_anonymous = false});
  ASSERT_TRUE(broker) << broker.error().message;
  MqttOptions o = options_for(**broker, "anonymous");
  auto c = make_client(o);
  auto ok = c->connect(5s);
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().message, "mqtt: cannot connect to 127.0.0.1:" + std::to_string((*broker)->port()) +
                                    ": broker refused the session: Connection Refused: not authorised.");
}

TEST(MqttClient, CreateRefusesBadOptions) {
  const auto error = [](auto change) {
    MqttOptions o;
    o.client_id = "x";
    change(o);
    auto c = MqttClient::create(o);
    return c ? std::string("created") : c.error().message;
  };
  EXPECT_EQ(error([](MqttOptions&) {}), "created");
  EXPECT_EQ(error([](MqttOptions& o) { o.port = 0; }), "mqtt: port 0 outside [1, 65535]");
  EXPECT_EQ(error([](MqttOptions& o) { o.host = ""; }), "mqtt: broker host is empty");
  EXPECT_EQ(error([](MqttOptions& o) { o.client_id = ""; }), "mqtt: client id is empty");
  EXPECT_EQ(error([](MqttOptions& o) { o.keepalive_s = 4; }), "mqtt: keepalive 4 s outside [5, 65535]");
  EXPECT_EQ(error([](MqttOptions& o) { o.password = "p"; }), "mqtt: a password needs a username");
  EXPECT_EQ(error([](MqttOptions& o) { o.tls = MqttTls{.ca_file = "/nonexistent/ca.crt"}; }),
            "mqtt: TLS CA file /nonexistent/ca.crt: cannot read it");
  EXPECT_EQ(error([](MqttOptions& o) { o.tls = MqttTls{.ca_file = "/etc/hostname", .cert_file = "c.crt"}; }),
            "mqtt: TLS client certificate and key go together (certificate 'c.crt', key '')");
  EXPECT_EQ(error([](MqttOptions& o) { o.will = MqttWill{.topic = "a/#", .payload = ""}; }),
            "mqtt: Will topic 'a/#' is empty or has a wildcard");
  EXPECT_EQ(error([](MqttOptions& o) { o.will = MqttWill{.topic = "a", .payload = "", .qos = 3}; }),
            "mqtt: Will QoS 3 outside [0, 2]");
  EXPECT_EQ(error([](MqttOptions& o) { o.backoff = {.initial = 0ms, .max = 1ms}; }),
            "mqtt: backoff: initial delay 0 ms must be > 0");

  auto c = MqttClient::create(MqttOptions{.client_id = "x"});
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)->publish("t", bytes("x"), 3).error().message, "mqtt: QoS 3 outside [0, 2]");
  EXPECT_EQ((*c)->subscribe("a/#/b").error().message, "mqtt: 'a/#/b' is not a valid topic filter");
}

// ---- mutual TLS ------------------------------------------------------------------------------------

class MqttTlsBroker : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/vigil-pki-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    pki_dir_ = pattern;
    auto pki = test::make_test_pki(pki_dir_);
    ASSERT_TRUE(pki) << pki.error().message;
    pki_ = *pki;
    auto b = MosquittoBroker::start(
        {.tls = MosquittoBroker::Tls{
             .ca_file = pki_.ca_cert, .cert_file = pki_.server_cert, .key_file = pki_.server_key}});
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
  }
  void TearDown() override {
    broker_.reset();
    std::filesystem::remove_all(pki_dir_);
  }
  MqttOptions tls_options(std::string id, const std::filesystem::path& ca, const std::filesystem::path& cert,
                          const std::filesystem::path& key) {
    MqttOptions o = options_for(*broker_, std::move(id));
    o.tls = MqttTls{.ca_file = ca.string(), .cert_file = cert.string(), .key_file = key.string()};
    return o;
  }

  std::filesystem::path pki_dir_;
  test::TestPki pki_;
  std::unique_ptr<MosquittoBroker> broker_;
};

TEST_F(MqttTlsBroker, GoodClientCertificateIsAcceptedAndCarriesMessages) {
  Inbox inbox;
  auto c = make_client(tls_options("good", pki_.ca_cert, pki_.client_cert, pki_.client_key));
  c->on_message(inbox.handler());
  auto ok = c->connect(5s);
  ASSERT_TRUE(ok) << ok.error().message << "\n" << broker_->log();
  ASSERT_TRUE(c->subscribe("vigil/tls"));
  ASSERT_TRUE(c->publish("vigil/tls", bytes("over TLS"), 1));
  ASSERT_TRUE(inbox.wait_for(1, 5s));
  EXPECT_EQ(inbox.messages[0].second, "over TLS");
}

TEST_F(MqttTlsBroker, ClientWithoutCertificateIsRefused) {
  auto c = make_client(tls_options("anonymous", pki_.ca_cert, "", ""));
  auto ok = c->connect(5s);
  ASSERT_FALSE(ok) << broker_->log();
  EXPECT_NE(ok.error().message.find("mqtt: cannot connect to 127.0.0.1:" + std::to_string(broker_->port())),
            std::string::npos)
      << ok.error().message;
  EXPECT_NE(ok.error().message.find("alert certificate required"), std::string::npos) << ok.error().message;
  EXPECT_FALSE(c->connected());
}

TEST_F(MqttTlsBroker, CertificateFromAnotherCaIsRefused) {
  auto c = make_client(tls_options("stranger", pki_.ca_cert, pki_.other_client_cert, pki_.other_client_key));
  auto ok = c->connect(5s);
  ASSERT_FALSE(ok) << broker_->log();
  EXPECT_NE(ok.error().message.find("cannot connect to"), std::string::npos) << ok.error().message;
  EXPECT_NE(ok.error().message.find("alert unknown ca"), std::string::npos) << ok.error().message;
  EXPECT_FALSE(c->connected());
}

TEST_F(MqttTlsBroker, BrokerNotSignedByTheGivenCaIsRefusedByTheClient) {
  auto c = make_client(tls_options("wary", pki_.other_ca_cert, pki_.client_cert, pki_.client_key));
  auto ok = c->connect(5s);
  ASSERT_FALSE(ok);
  EXPECT_NE(ok.error().message.find("certificate verify failed"), std::string::npos) << ok.error().message;
}

// ---- the plant broker's access control (deploy/mosquitto/vigil.acl) --------------------------------

// The shipped ACL on a real Mosquitto with one certificate per client, known by its common name: an edge
// node gets its own Sparkplug topics through and nothing of another node's, in either direction, and cannot
// speak for the host; the hub reads every node and commands them.
class PlantBroker : public MqttTlsBroker {
 protected:
  void SetUp() override {
    MqttTlsBroker::SetUp();
    broker_.reset();
    for (const char* cn : {"line3", "line4", "hub"}) {
      auto ok = test::make_client_certificate(pki_dir_, cn);
      ASSERT_TRUE(ok) << ok.error().message;
    }
    auto b = MosquittoBroker::start(
        {.tls =
             MosquittoBroker::Tls{
                 .ca_file = pki_.ca_cert, .cert_file = pki_.server_cert, .key_file = pki_.server_key},
         .allow_anonymous = false,
         .acl_file = std::filesystem::path(VIGIL_SOURCE_DIR) / "deploy" / "mosquitto" / "vigil.acl",
         .identity_as_username = true});
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
  }
  std::unique_ptr<MqttClient> as(const std::string& cn, Inbox& inbox) {
    auto c = make_client(tls_options(cn, pki_.ca_cert, pki_dir_ / (cn + ".crt"), pki_dir_ / (cn + ".key")));
    c->on_message(inbox.handler());
    auto ok = c->connect(5s);
    EXPECT_TRUE(ok) << (ok ? "" : ok.error().message) << "\n" << broker_->log();
    return c;
  }
};

TEST_F(PlantBroker, ANodePublishesOnlyItsOwnTopics) {
  Inbox hub_inbox, node_inbox;
  auto hub = as("hub", hub_inbox);
  ASSERT_TRUE(hub->subscribe("spBv1.0/#", 1));
  auto line3 = as("line3", node_inbox);
  // Another node's births and data, and the host's STATE, are dropped by the broker; then the node's own
  // messages, in order behind them on the same connection, arrive.
  for (const char* topic : {"spBv1.0/plant1/NBIRTH/line4", "spBv1.0/plant1/DDATA/line4/pump9",
                            "spBv1.0/STATE/hub", "spBv1.0/plant1/NCMD/line4"}) {
    ASSERT_TRUE(line3->publish(topic, bytes("forged"), 1));
  }
  for (const char* topic : {"spBv1.0/plant1/NBIRTH/line3", "spBv1.0/plant1/DDATA/line3/pump7"}) {
    ASSERT_TRUE(line3->publish(topic, bytes("own"), 1));
  }
  ASSERT_TRUE(hub_inbox.wait_for(2, 5s)) << broker_->log();
  std::this_thread::sleep_for(200ms);
  std::lock_guard lock(hub_inbox.mutex);
  ASSERT_EQ(hub_inbox.messages.size(), 2u);
  EXPECT_EQ(hub_inbox.messages[0].first, "spBv1.0/plant1/NBIRTH/line3");
  EXPECT_EQ(hub_inbox.messages[1].first, "spBv1.0/plant1/DDATA/line3/pump7");
}

TEST_F(PlantBroker, ANodeReadsOnlyItsOwnCommandsAndTheHostState) {
  Inbox hub_inbox, node_inbox;
  auto hub = as("hub", hub_inbox);
  auto line3 = as("line3", node_inbox);
  ASSERT_TRUE(line3->subscribe("spBv1.0/plant1/NCMD/line3", 1));
  ASSERT_TRUE(line3->subscribe("spBv1.0/STATE/hub", 1));
  // A subscription to another node's commands or data is refused or delivers nothing.
  (void)line3->subscribe("spBv1.0/plant1/NCMD/line4", 1);
  (void)line3->subscribe("spBv1.0/plant1/DDATA/line4/+", 1);
  auto line4 = as("line4", hub_inbox);
  ASSERT_TRUE(line4->publish("spBv1.0/plant1/DDATA/line4/pump9", bytes("line4 data"), 1));
  ASSERT_TRUE(hub->publish("spBv1.0/plant1/NCMD/line4", bytes("rebirth line4"), 1));
  ASSERT_TRUE(hub->publish("spBv1.0/plant1/NCMD/line3", bytes("rebirth line3"), 1));
  ASSERT_TRUE(hub->publish("spBv1.0/STATE/hub", bytes(R"({"online":true,"timestamp":1})"), 1, true));
  ASSERT_TRUE(node_inbox.wait_for(2, 5s)) << broker_->log();
  std::this_thread::sleep_for(300ms);
  std::lock_guard lock(node_inbox.mutex);
  ASSERT_EQ(node_inbox.messages.size(), 2u);
  EXPECT_EQ(node_inbox.messages[0].second, "rebirth line3");
  EXPECT_EQ(node_inbox.messages[1].first, "spBv1.0/STATE/hub");
}

TEST_F(PlantBroker, ANodeWithACertificateOfAnotherCaIsRefused) {
  auto c = make_client(tls_options("line4", pki_.ca_cert, pki_.other_client_cert, pki_.other_client_key));
  auto ok = c->connect(5s);
  ASSERT_FALSE(ok) << broker_->log();
  EXPECT_NE(ok.error().message.find("alert unknown ca"), std::string::npos) << ok.error().message;
}

// ---- Will ------------------------------------------------------------------------------------------

// The dying client lives in a child process that the test kills with SIGKILL: no DISCONNECT is sent, the
// broker sees the socket close and must publish the Will. Forked before this process starts any thread.
TEST_F(MqttBroker, WillIsPublishedWhenTheClientDies) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    MqttOptions o = options_for(*broker_, "doomed");
    o.will = MqttWill{.topic = "vigil/will/doomed", .payload = std::string("gone\0!", 6), .qos = 1};
    auto c = MqttClient::create(o);
    if (!c || !(*c)->connect(5s)) ::_exit(1);
    if (::write(ready[1], "r", 1) != 1) ::_exit(1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  struct Reaper {  // kills and reaps the child on every path out of the test
    pid_t pid;
    ~Reaper() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reaper{child};
  pollfd p{ready[0], POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10'000), 1);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1) << "the child could not connect";
  ::close(ready[0]);

  Inbox inbox;
  auto watcher = make_client(options_for(*broker_, "watcher"));
  watcher->on_message(inbox.handler());
  ASSERT_TRUE(watcher->connect());
  ASSERT_TRUE(watcher->subscribe("vigil/will/#", 1));
  EXPECT_EQ(inbox.size(), 0u);
  ::kill(child, SIGKILL);
  ASSERT_TRUE(inbox.wait_for(1, 5s)) << broker_->log();
  EXPECT_EQ(inbox.messages[0].first, "vigil/will/doomed");
  EXPECT_EQ(inbox.messages[0].second, std::string("gone\0!", 6));
}

TEST_F(MqttBroker, NoWillAfterACleanShutdown) {
  Inbox inbox;
  auto watcher = make_client(options_for(*broker_, "watcher"));
  watcher->on_message(inbox.handler());
  ASSERT_TRUE(watcher->connect());
  ASSERT_TRUE(watcher->subscribe("vigil/will/#", 1));
  {
    MqttOptions o = options_for(*broker_, "polite");
    o.will = MqttWill{.topic = "vigil/will/polite", .payload = "gone", .qos = 1};
    auto c = make_client(o);
    ASSERT_TRUE(c->connect());
  }  // destroyed: DISCONNECT
  // A marker published after the client left: once it arrives, a Will would have arrived before it.
  ASSERT_TRUE(watcher->publish("vigil/will/marker", bytes("m"), 1));
  ASSERT_TRUE(inbox.wait_for(1, 5s));
  std::lock_guard lock(inbox.mutex);
  ASSERT_EQ(inbox.messages.size(), 1u);
  EXPECT_EQ(inbox.messages[0].first, "vigil/will/marker");
}

// ---- reconnect -------------------------------------------------------------------------------------

TEST_F(MqttBroker, ReconnectsAndResubscribesAfterTheBrokerRestartsOnTheSamePort) {
  Inbox inbox;
  std::mutex m;
  std::condition_variable cv;
  std::vector<ConnectionState> states;
  auto c = make_client(options_for(*broker_, "survivor"));
  c->on_message(inbox.handler());
  c->on_state([&](ConnectionState s, std::string_view) {
    std::lock_guard lock(m);
    states.push_back(s);
    cv.notify_all();
  });
  ASSERT_TRUE(c->connect());
  ASSERT_TRUE(c->subscribe("vigil/echo"));
  ASSERT_TRUE(c->publish("vigil/echo", bytes("before"), 1));
  ASSERT_TRUE(inbox.wait_for(1, 5s));

  const int port = broker_->port();
  broker_->stop();
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return states.size() >= 2; }));
    EXPECT_EQ(states[1], ConnectionState::disconnected);
  }
  EXPECT_FALSE(c->connected());
  EXPECT_FALSE(c->publish("vigil/echo", bytes("lost"), 0));
  std::this_thread::sleep_for(1s);  // several failed attempts while it is down (backoff ceiling 400 ms)

  const auto restarted_at = std::chrono::steady_clock::now();
  auto ok = broker_->restart();
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(broker_->port(), port);
  auto back = c->wait_connected(5s);
  ASSERT_TRUE(back) << back.error().message;
  // Within one backoff ceiling (400 ms) of the broker listening again, plus scheduling slack.
  EXPECT_LT(std::chrono::steady_clock::now() - restarted_at, 2s);
  {
    std::lock_guard lock(m);
    ASSERT_EQ(states.size(), 3u);
    EXPECT_EQ(states[2], ConnectionState::connected);
  }
  ASSERT_TRUE(c->publish("vigil/echo", bytes("after"), 1));
  ASSERT_TRUE(inbox.wait_for(2, 5s)) << "subscription not restored";
  EXPECT_EQ(inbox.messages[1].second, "after");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::net
