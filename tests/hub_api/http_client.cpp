#include "hub_api/http_client.hpp"

#include <chrono>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace vigil::hub::api::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

template <typename Stream>
HttpReply exchange(Stream& stream, const HttpCall& call) {
  HttpReply reply;
  http::request<http::string_body> req{http::string_to_verb(call.method), call.target, 11};
  if (req.method() == http::verb::unknown) req.method_string(call.method);
  req.set(http::field::host, "127.0.0.1");
  if (!call.token.empty()) req.set(http::field::authorization, "Bearer " + call.token);
  if (!call.body.empty() || call.method == "POST" || call.method == "PATCH") {
    req.set(http::field::content_type, call.content_type);
    req.body() = call.body;
    req.prepare_payload();
  }
  beast::error_code ec;
  http::write(stream, req, ec);
  // The server may answer before it read the whole body (413): read the answer even if the write failed.
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  http::read(stream, buffer, parser, ec);
  if (ec) {
    reply.failure = ec.message();
    return reply;
  }
  auto& res = parser.get();
  reply.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  reply.body = res.body();
  return reply;
}

}  // namespace

HttpReply http_call(std::uint16_t port, const HttpCall& call) {
  asio::io_context ioc;
  beast::tcp_stream tcp_stream(ioc);
  tcp_stream.expires_after(std::chrono::seconds(20));
  beast::error_code ec;
  tcp_stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return {0, {}, {}, ec.message()};
  if (!call.tls_ca) return exchange(tcp_stream, call);
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(call.tls_ca->string(), ec);
  if (ec) return {0, {}, {}, "CA: " + ec.message()};
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp_stream), ctx);
  tls.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
  tls.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return {0, {}, {}, "handshake: " + ec.message()};
  return exchange(tls, call);
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(5));
  beast::error_code ec;
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return {};
  asio::write(stream, asio::buffer(bytes), ec);
  std::string out;
  char chunk[4096];
  while (out.size() < (64 << 10)) {
    const auto n = stream.read_some(asio::buffer(chunk), ec);
    out.append(chunk, n);
    if (ec) break;
  }
  return out;
}

}  // namespace vigil::hub::api::test
