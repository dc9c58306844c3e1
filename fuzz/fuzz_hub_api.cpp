// libFuzzer target: the hub API's request parsing (hub/api/request_parsing.hpp) and routing
// (hub/api/router.hpp) on one request line and body: "<target>\n<body>". The target's query and path are
// parsed and routed; the body is read as JSON with the field readers the routes use. Every answer must be
// a status in 200..599 with a JSON body; every accepted string field must be valid UTF-8 without NUL.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/utf8.hpp"
#include "hub/api/request_parsing.hpp"
#include "hub/api/router.hpp"

namespace {

using namespace vigil::hub::api;

Response read_body(Request& r) {
  auto body = parse_json_object(r.body);
  if (!body) return error_response(body.error());
  if (auto ok = only_fields(*body, {"bearing", "criticality", "disabled", "line_id"}); !ok)
    return error_response(ok.error());
  auto text = string_field(*body, "bearing", 1024);
  if (text && *text && (!vigil::is_utf8(**text) || (*text)->find('\0') != std::string::npos))
    __builtin_trap();
  auto number = int_field(*body, "criticality", 0, 5);
  if (number && *number && (**number < 0 || **number > 5)) __builtin_trap();
  (void)bool_field(*body, "disabled");
  auto limit = query_int(r.query, "limit", 100, 1, 1000);
  if (limit && (*limit < 1 || *limit > 1000)) __builtin_trap();
  return json_response(200, "{}");
}

const Router& router() {
  static const Router r = [] {
    Router router([](std::string_view token) -> vigil::Result<Principal> {
      if (token == "t") return Principal{1, "fuzz", Role::operator_};
      return vigil::fail(vigil::ErrorCode::not_found, "unknown");
    });
    router.add(Method::patch, "/api/v1/assets/{id}", Role::operator_, read_body);
    router.add(Method::get, "/api/v1/assets/{id}/series/{metric}", Role::viewer, read_body);
    router.add(Method::get, "/healthz", Role::none, read_body);
    return router;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto newline = bytes.find('\n');
  const auto target = bytes.substr(0, newline);
  Request request;
  request.method = size > 0 && (data[0] & 1) ? Method::patch : Method::get;
  request.authorization = size > 1 && (data[1] & 1) ? "Bearer t" : "";
  request.body = newline == std::string_view::npos ? std::string() : std::string(bytes.substr(newline + 1));
  const auto mark = target.find('?');
  request.path = std::string(target.substr(0, mark));
  auto query = parse_query(mark == std::string_view::npos ? std::string_view{} : target.substr(mark + 1));
  if (!query) return 0;
  for (const auto& [name, value] : *query)
    if (name.find('\0') != std::string::npos || value.find('\0') != std::string::npos) __builtin_trap();
  request.query = std::move(*query);
  const Response response = router().dispatch(request);
  if (response.status < 200 || response.status > 599) __builtin_trap();
  if (nlohmann::json::parse(response.body, nullptr, false).is_discarded()) __builtin_trap();
  return 0;
}
