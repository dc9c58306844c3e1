// Live updates and the connection itself through a real server: 2,000 Server-Sent Events connections each
// receive a published event; heartbeats on an idle stream; TLS with a certificate made at run time (plain
// HTTP to the TLS port fails cleanly); and a stop that closes live connections.
#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "hub_api/api_fixture.hpp"
#include "support/mosquitto_broker.hpp"

namespace vigil::hub::api::test {
namespace VIGIL_TEST_FILE {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Many SSE clients on one thread: each connects, sends its GET and reads until `marker` has arrived.
class SseClients {
 public:
  SseClients(std::uint16_t port, const std::string& token, std::size_t n, std::string marker)
      : marker_(std::move(marker)) {
    request_ = fmt::format(
        "GET /api/v1/events?token={} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n", token);
    const tcp::endpoint server(asio::ip::make_address("127.0.0.1"), port);
    clients_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto& c = *clients_.emplace_back(std::make_unique<Client>(ioc_));
      c.socket.async_connect(server, [this, &c](const boost::system::error_code& ec) {
        if (ec) return failed_++, void();
        asio::async_write(c.socket, asio::buffer(request_),
                          [this, &c](const boost::system::error_code& e, std::size_t) {
                            if (e) return failed_++, void();
                            read(c);
                          });
      });
    }
    thread_ = std::jthread([this] { ioc_.run(); });
  }
  ~SseClients() {
    ioc_.stop();
    thread_.join();
  }

  std::size_t received() const { return received_; }
  std::size_t failed() const { return failed_; }
  std::size_t headers() const { return headers_; }

 private:
  struct Client {
    explicit Client(asio::io_context& ioc) : socket(ioc) {}
    tcp::socket socket;
    std::string text;
    char chunk[1024];
    bool headers = false, done = false;
  };
  void read(Client& c) {
    c.socket.async_read_some(asio::buffer(c.chunk),
                             [this, &c](const boost::system::error_code& ec, std::size_t n) {
                               if (ec) return failed_++, void();
                               c.text.append(c.chunk, n);
                               if (!c.headers && c.text.find("\r\n\r\n") != std::string::npos) {
                                 c.headers = true;
                                 headers_++;
                               }
                               if (!c.done && c.text.find(marker_) != std::string::npos) {
                                 c.done = true;
                                 received_++;
                               }
                               read(c);
                             });
  }

  asio::io_context ioc_;
  std::string request_;
  std::string marker_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::atomic<std::size_t> received_{0}, failed_{0}, headers_{0};
  std::jthread thread_;
};

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

using LiveTest = ApiTest;

TEST_P(LiveTest, TwoThousandLiveConnectionsEachReceiveAnEvent) {
  constexpr std::size_t n = 2000;
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_max < 2 * n + 200) GTEST_SKIP() << "needs " << 2 * n + 200 << " file descriptors";
  files.rlim_cur = std::max<rlim_t>(files.rlim_cur, 2 * n + 200);
  setrlimit(RLIMIT_NOFILE, &files);

  SseClients clients(server_->port(), viewer_, n, "\"pump-42\"");
  ASSERT_TRUE(wait_for([&] { return events_->subscribers() == n; }, 60s))
      << events_->subscribers() << " subscribed, " << clients.failed() << " failed";
  events_->publish("asset.updated", {{"id", 42}, {"device_id", "pump-42"}});
  ASSERT_TRUE(wait_for([&] { return clients.received() == n; }, 60s))
      << clients.received() << " of " << n << " received, " << clients.failed() << " failed";
  EXPECT_EQ(clients.failed(), 0u);
  EXPECT_EQ(json(call("GET", "/api/v1/me", viewer_))["name"], "vic");  // still answering
  const auto metrics = call("GET", "/metrics", viewer_).body;
  EXPECT_NE(metrics.find(fmt::format("vigil_api_live_connections {}\n", n)), std::string::npos);
}

TEST_P(LiveTest, AnIdleStreamGetsHeartbeatsAndAChangeAsAnEvent) {
  // Heartbeats every 300 ms in this fixture.
  SseClients idle(server_->port(), viewer_, 1, ":\n\n:\n\n");
  EXPECT_TRUE(wait_for([&] { return idle.received() == 1; }, 5s));
  SseClients watcher(server_->port(), viewer_, 1,
                     "event: asset.updated\ndata: {\"data\":{\"bearing\":\"6206\"");
  ASSERT_TRUE(wait_for([&] { return events_->subscribers() == 2; }, 5s));
  const auto asset =
      shared_->with([](store::Store& s) { return s.registry().register_asset("plant", "e1", "p", 5); });
  ASSERT_EQ(
      call("PATCH", fmt::format("/api/v1/assets/{}", *asset), operator_, R"({"bearing":"6206"})").status,
      200);
  EXPECT_TRUE(wait_for([&] { return watcher.received() == 1; }, 5s));
  // Without a token, or with a viewer's token in the query of another route, nothing streams.
  EXPECT_EQ(call("GET", "/api/v1/events").status, 401);
}

TEST_P(LiveTest, StoppingTheServerClosesLiveConnections) {
  // The marker never arrives: the client counts a failure when the server closes the stream.
  SseClients clients(server_->port(), viewer_, 5, "never sent");
  ASSERT_TRUE(wait_for([&] { return events_->subscribers() == 5; }, 5s));
  const auto port = server_->port();
  server_->stop();
  EXPECT_TRUE(wait_for([&] { return clients.failed() == 5; }, 5s)) << clients.failed();
  EXPECT_EQ(http_call(port, {}).status, 0);  // nothing listens any more
}

VIGIL_FOR_EACH_ENGINE(LiveTest);

// A live connection whose client never reads: once the socket buffers are full its queue (64 events here)
// fills, and the hub drops it instead of holding more.
class SlowClientTest : public ApiTest {
 protected:
  ApiConfig test_config() override {
    ApiConfig config = ApiTest::test_config();
    config.live_queue_events = 64;
    return config;
  }
};

TEST_P(SlowClientTest, AClientThatDoesNotReadIsDroppedNotBuffered) {
  asio::io_context ioc;
  tcp::socket stalled(ioc);
  stalled.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  stalled.set_option(asio::socket_base::receive_buffer_size(4096));
  asio::write(stalled, asio::buffer(fmt::format("GET /api/v1/events HTTP/1.1\r\nHost: x\r\n"
                                                "Authorization: Bearer {}\r\n\r\n",
                                                viewer_)));
  SseClients reader(server_->port(), viewer_, 1, "\"last\"");
  ASSERT_TRUE(wait_for([&] { return events_->subscribers() == 2; }, 5s));
  const std::string payload(16 << 10, 'x');
  // Up to 64 MiB in all, far more than loopback's socket buffers hold, at a pace (3 MB/s) the reading client
  // keeps up with even on a busy machine (its queue holds 0.3 s).
  for (int i = 0; i < 4096 && events_->dropped() == 0; ++i) {
    events_->publish("bulk", {{"payload", payload}});
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(events_->dropped(), 1u);
  events_->publish("bulk", "last");
  EXPECT_TRUE(wait_for([&] { return reader.received() == 1; }, 10s));
  EXPECT_EQ(reader.failed(), 0u);
  EXPECT_TRUE(wait_for([&] { return events_->subscribers() == 1; }, 10s)) << events_->subscribers();
}

VIGIL_FOR_EACH_ENGINE(SlowClientTest);

// The connection limits: at most 2 connections, and 500 ms to send a request.
class LimitsTest : public ApiTest {
 protected:
  ApiConfig test_config() override {
    ApiConfig config = ApiTest::test_config();
    config.max_connections = 2;
    config.read_timeout_ms = 500;
    return config;
  }
  bool open_connections(int n) {
    return metrics_->render().find(fmt::format("vigil_http_connections_open {}\n", n)) != std::string::npos;
  }
};

TEST_P(LimitsTest, ConnectionsPastTheLimitAreClosedAndIdleOnesTimeOut) {
  asio::io_context ioc;
  const tcp::endpoint server(asio::ip::make_address("127.0.0.1"), server_->port());
  tcp::socket a(ioc), b(ioc);
  // The set-up's connections are closed by their clients; the server may not have seen it yet.
  ASSERT_TRUE(wait_for([&] { return open_connections(0); }, 5s));
  a.connect(server);
  b.connect(server);
  ASSERT_TRUE(wait_for([&] { return open_connections(2); }, 5s));
  EXPECT_EQ(call("GET", "/healthz").status, 0);  // the third is closed on accept
  // The two idle ones sent nothing: closed after the read timeout, and then there is room again.
  const auto idle0 = std::chrono::steady_clock::now();
  boost::system::error_code ec;
  char byte;
  a.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_GE(std::chrono::steady_clock::now() - idle0, 300ms);
  EXPECT_TRUE(wait_for([&] { return open_connections(0); }, 5s));
  EXPECT_EQ(call("GET", "/healthz").status, 200);
}

VIGIL_FOR_EACH_ENGINE(LimitsTest);

// The same API over TLS, with a certificate made for 127.0.0.1 by the openssl command at run time.
class TlsTest : public ApiTest {
 protected:
  ApiConfig test_config() override {
    ApiConfig config = ApiTest::test_config();
    std::filesystem::create_directories(dir_ / "pki");
    auto pki = vigil::test::make_test_pki(dir_ / "pki");
    EXPECT_TRUE(pki) << pki.error().message;
    if (!pki) return config;
    config.tls_cert = pki->server_cert;
    config.tls_key = pki->server_key;
    tls_ca_ = pki->ca_cert;
    other_ca_ = pki->other_ca_cert;
    return config;
  }
  std::filesystem::path other_ca_;
};

TEST_P(TlsTest, TheApiSpeaksOnlyTls) {
  EXPECT_EQ(json(call("GET", "/api/v1/me", admin_))["name"], "root");  // the set-up logged in over TLS
  // Plain HTTP to the TLS port: no HTTP answer, the connection is closed.
  const auto plain = raw_exchange(server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_FALSE(plain.starts_with("HTTP/")) << plain;
  HttpCall no_tls;
  no_tls.target = "/healthz";
  const auto reply = http_call(server_->port(), no_tls);
  EXPECT_EQ(reply.status, 0);
  // A client that trusts another CA refuses the server.
  HttpCall wary;
  wary.target = "/healthz";
  wary.tls_ca = other_ca_;
  const auto refused = http_call(server_->port(), wary);
  EXPECT_EQ(refused.status, 0);
  EXPECT_NE(refused.failure.find("handshake"), std::string::npos) << refused.failure;
  EXPECT_EQ(call("GET", "/healthz").status, 200);
}

TEST_P(TlsTest, AMissingCertificateIsAClearError) {
  ApiConfig config;
  config.port = 0;
  config.tls_cert = dir_ / "absent.crt";
  config.tls_key = dir_ / "absent.key";
  auto server = HttpServer::create(config, *router_, *metrics_);
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message.find("api.tls_cert"), std::string::npos) << server.error().message;
  config.tls_key.clear();
  EXPECT_NE(HttpServer::create(config, *router_, *metrics_).error().message.find("give both or neither"),
            std::string::npos);
}

VIGIL_FOR_EACH_ENGINE(TlsTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::api::test
