// The webhook client: one JSON POST over plain HTTP/1.1 (Boost.Beast) with a deadline on the whole exchange.
// TLS is left to a local proxy; an https URL is refused when the webhook is configured.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vigil::hub::alarms {

struct HttpUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string target;  // path and query, "/" at least
};

// "http://host[:port][/path]"; errors name what is wrong (scheme, host, port).
Result<HttpUrl> parse_http_url(std::string_view url);

// POSTs `json` to `url`; success on a 2xx answer. Fails with `io` on a connection error, a timeout or any
// other status (the message names the URL and the status).
Status http_post(const HttpUrl& url, std::string_view json, std::chrono::milliseconds timeout);

}  // namespace vigil::hub::alarms
