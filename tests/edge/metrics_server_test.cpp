// The metrics endpoint over a real TCP connection on 127.0.0.1: GET /metrics answers the rendered text
// with the Prometheus content type; other paths, other methods and oversized requests are refused.
#include "edge/metrics_server.hpp"

#include <string>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

// Sends `request` and returns everything the server answers until it closes.
std::string http_exchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  timeval timeout{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

TEST(MetricsServer, ServesTheRenderedTextOnGetMetrics) {
  int scrapes = 0;
  auto server = MetricsServer::start("127.0.0.1", 0, [&] {
    ++scrapes;
    return std::string("vigil_edge_uptime_seconds 1.5\n");
  });
  ASSERT_TRUE(server.has_value()) << server.error().message;
  const int port = (*server)->port();
  ASSERT_GT(port, 0);
  const std::string ok = http_exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(ok.rfind("HTTP/1.1 200", 0), 0u) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << ok;
  EXPECT_NE(ok.find("\r\n\r\nvigil_edge_uptime_seconds 1.5\n"), std::string::npos) << ok;
  EXPECT_EQ(scrapes, 1);
  EXPECT_EQ(http_exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(http_exchange(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                .rfind("HTTP/1.1 405", 0),
            0u);
  // A header block beyond 8 KiB is refused without an answer; the server keeps serving.
  EXPECT_EQ(
      http_exchange(port, "GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n").find("200"),
      std::string::npos);
  EXPECT_EQ(http_exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(scrapes, 2);
}

TEST(MetricsServer, RefusesABadAddressOrABusyPort) {
  EXPECT_EQ(MetricsServer::start("not-an-ip", 0, [] { return std::string(); }).error().code,
            ErrorCode::invalid_argument);
  auto first = MetricsServer::start("127.0.0.1", 0, [] { return std::string(); });
  ASSERT_TRUE(first.has_value());
  auto second = MetricsServer::start("127.0.0.1", (*first)->port(), [] { return std::string(); });
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::io);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
