#include "hub/alarms/http_post.hpp"

#include <charconv>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vigil::hub::alarms {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace asio = boost::asio;

Result<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view k_scheme = "http://";
  if (url.starts_with("https://"))
    return fail(ErrorCode::unsupported,
                "webhook URL {}: https is not supported; use http (a local TLS proxy)", url);
  if (!url.starts_with(k_scheme))
    return fail(ErrorCode::invalid_argument, "webhook URL {}: must start with http://", url);
  std::string_view rest = url.substr(k_scheme.size());
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const auto colon = authority.rfind(':');
  out.host = std::string(authority.substr(0, colon));
  if (out.host.empty() || out.host.find_first_of("@ \t") != std::string::npos)
    return fail(ErrorCode::invalid_argument, "webhook URL {}: no valid host", url);
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return fail(ErrorCode::invalid_argument, "webhook URL {}: port \"{}\" is not 1..65535", url, port);
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

Status http_post(const HttpUrl& url, std::string_view json, std::chrono::milliseconds timeout) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  http::request<http::string_body> request{http::verb::post, url.target, 11};
  request.set(http::field::host, url.port == 80 ? url.host : fmt::format("{}:{}", url.host, url.port));
  request.set(http::field::content_type, "application/json");
  request.set(http::field::user_agent, "vigil-hub");
  request.body() = std::string(json);
  request.prepare_payload();
  beast::flat_buffer buffer;
  // The answer's body is not used: a receiver that sends more than 64 KiB is cut off.
  http::response_parser<http::string_body> response;
  response.body_limit(64 * 1024);
  beast::error_code error;
  const char* stage = "resolve";

  // One asynchronous chain so that the stream's deadline covers every step (connect, write, read).
  stream.expires_after(timeout);
  resolver.async_resolve(url.host, std::to_string(url.port), [&](beast::error_code ec, auto endpoints) {
    if (ec) return void(error = ec);
    stage = "connect";
    stream.async_connect(endpoints, [&](beast::error_code ec2, auto) {
      if (ec2) return void(error = ec2);
      stage = "send";
      http::async_write(stream, request, [&](beast::error_code ec3, std::size_t) {
        if (ec3) return void(error = ec3);
        stage = "receive";
        http::async_read(stream, buffer, response, [&](beast::error_code ec4, std::size_t) { error = ec4; });
      });
    });
  });
  io.run_for(timeout + std::chrono::milliseconds(100));
  if (!io.stopped())
    return fail(ErrorCode::io, "POST http://{}:{}{}: timed out", url.host, url.port, url.target);
  beast::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  if (error == beast::error::timeout)
    return fail(ErrorCode::io, "POST http://{}:{}{}: {} timed out after {} ms", url.host, url.port,
                url.target, stage, timeout.count());
  if (error)
    return fail(ErrorCode::io, "POST http://{}:{}{}: {} failed: {}", url.host, url.port, url.target, stage,
                error.message());
  const unsigned status = response.get().result_int();
  if (status < 200 || status > 299)
    return fail(ErrorCode::io, "POST http://{}:{}{}: HTTP status {}", url.host, url.port, url.target, status);
  return {};
}

}  // namespace vigil::hub::alarms
