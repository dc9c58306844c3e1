#include <charconv>
#include <limits>

#include "core/utf8.hpp"
#include "hub/api/request_parsing.hpp"
#include "hub/api/routes.hpp"

namespace vigil::hub::api {

Response page_response(nlohmann::json items, nlohmann::json next) {
  return json_response(200, nlohmann::json{{"items", std::move(items)}, {"next", std::move(next)}}.dump());
}

Result<nlohmann::json> json_body(const Request& request) {
  const std::string_view type = request.content_type;
  if (!type.starts_with("application/json"))
    return fail(ErrorCode::unsupported, "Content-Type: expected application/json, got '{}'",
                type.size() <= 64 && is_utf8(type) ? type : "(unprintable)");
  return parse_json_object(request.body);
}

Result<std::int64_t> path_id(const Request& request, std::string_view name) {
  const std::string& text = request.path_params.at(std::string(name));
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id < 1)
    return fail(ErrorCode::invalid_argument, "path parameter {}: expected a positive integer", name);
  return id;
}

Result<Page> page_params(const Request& request) {
  Page page;
  auto after = query_int(request.query, "after", 0, 0, std::numeric_limits<std::int64_t>::max());
  if (!after) return std::unexpected(after.error());
  auto limit = query_int(request.query, "limit", 100, 1, 1000);
  if (!limit) return std::unexpected(limit.error());
  page.after = *after;
  page.limit = *limit;
  return page;
}

}  // namespace vigil::hub::api
