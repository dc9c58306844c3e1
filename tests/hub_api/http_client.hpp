// A plain blocking HTTP/1.1 client for the API tests (Boost.Beast, outside the code under test): one
// request per connection, over TCP or TLS (verifying the server against a given CA), with a timeout.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace vigil::hub::api::test {

struct HttpReply {
  int status = 0;  // 0: no HTTP answer (connection refused, closed or reset; `failure` says which)
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string failure;
};

struct HttpCall {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  std::string token;  // sent as "Authorization: Bearer <token>" when set
  std::string content_type = "application/json";
  std::optional<std::filesystem::path> tls_ca;  // TLS, verifying the server certificate against this CA
};

HttpReply http_call(std::uint16_t port, const HttpCall& call);

// Sends `bytes` as they are on a fresh TCP connection and returns everything the server sends back until it
// closes (at most 64 KiB, at most 5 s).
std::string raw_exchange(std::uint16_t port, const std::string& bytes);

}  // namespace vigil::hub::api::test
