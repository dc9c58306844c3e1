#include "hub/api/router.hpp"

#include <cassert>

#include <nlohmann/json.hpp>

#include "hub/api/request_parsing.hpp"

namespace vigil::hub::api {
namespace {

constexpr std::string_view k_bearer = "Bearer ";

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::vector<std::string> pattern_segments(std::string_view pattern) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= pattern.size()) {
    const auto slash = pattern.find('/', start);
    out.emplace_back(pattern.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
             std::map<std::string, std::string>* params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      if (params) (*params)[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view to_string(Method method) {
  switch (method) {
    case Method::get:
      return "GET";
    case Method::post:
      return "POST";
    case Method::put:
      return "PUT";
    case Method::patch:
      return "PATCH";
    case Method::del:
      return "DELETE";
  }
  return "?";
}

std::optional<Method> parse_method(std::string_view name) {
  for (auto m : {Method::get, Method::post, Method::put, Method::patch, Method::del})
    if (to_string(m) == name) return m;
  return std::nullopt;
}

std::string_view to_string(Role role) {
  switch (role) {
    case Role::none:
      return "none";
    case Role::viewer:
      return "viewer";
    case Role::operator_:
      return "operator";
    case Role::admin:
      return "admin";
  }
  return "?";
}

std::optional<Role> parse_role(std::string_view name) {
  for (auto r : {Role::viewer, Role::operator_, Role::admin})
    if (to_string(r) == name) return r;
  return std::nullopt;
}

Response error_response(int status, std::string_view code, std::string_view message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  return json_response(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Response error_response(const Error& error) {
  switch (error.code) {
    case ErrorCode::invalid_argument:
    case ErrorCode::parse:
    case ErrorCode::out_of_range:
      return error_response(400, "invalid_request", error.message);
    case ErrorCode::not_found:
      return error_response(404, "not_found", error.message);
    case ErrorCode::unsupported:
      return error_response(415, "unsupported_media_type", error.message);
    default:
      return error_response(500, "internal", "the hub's store failed; the hub's log has the details");
  }
}

Response json_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

void Router::add(Method method, std::string pattern, Role role, Handler handler, TokenIn token) {
  assert(!pattern.empty() && pattern.front() == '/');
  for ([[maybe_unused]] const Route& r : routes_)
    assert(!(r.info.method == method && r.info.pattern == pattern));
  auto segments = pattern_segments(pattern);
  routes_.push_back({{method, std::move(pattern), role}, std::move(segments), std::move(handler), token});
}

Response Router::dispatch(Request& request) const {
  auto path = split_path(request.path);
  if (!path) return error_response(404, "not_found", path.error().message);
  const Route* found = nullptr;
  std::string allow;
  for (const Route& r : routes_) {
    if (!matches(r.segments, *path, nullptr)) continue;
    if (r.info.method == request.method) {
      found = &r;
      break;
    }
    allow += (allow.empty() ? "" : ", ") + std::string(to_string(r.info.method));
  }
  if (!found) {
    if (allow.empty() && fallback_ && request.method == Method::get && !request.path.starts_with("/api/"))
      return fallback_(request);
    if (allow.empty()) return error_response(404, "not_found", "no such resource");
    auto response =
        error_response(405, "method_not_allowed",
                       fmt::format("{} is not allowed here; allowed: {}", to_string(request.method), allow));
    response.headers.emplace_back("Allow", allow);
    return response;
  }
  matches(found->segments, *path, &request.path_params);

  if (found->info.role != Role::none) {
    std::string token;
    if (request.authorization.starts_with(k_bearer)) {
      token = request.authorization.substr(k_bearer.size());
    } else if (found->token == TokenIn::header_or_query && request.query.contains("token")) {
      token = request.query.at("token");
    }
    auto unauthorised = [](std::string_view message) {
      auto response = error_response(401, "unauthorized", message);
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return response;
    };
    if (token.empty()) return unauthorised("a bearer token is required (POST /api/v1/login)");
    auto user = authenticate_(token);
    if (!user) {
      if (user.error().code == ErrorCode::not_found)
        return unauthorised("the token is unknown, expired or revoked");
      return error_response(user.error());
    }
    if (user->role < found->info.role)
      return error_response(
          403, "forbidden",
          fmt::format("{} {} needs the role {}; {} has {}", to_string(request.method), found->info.pattern,
                      to_string(found->info.role), user->name, to_string(user->role)));
    request.user = std::move(*user);
    request.token = std::move(token);
  }
  try {
    return found->handler(request);
  } catch (const std::exception&) {
    return error_response(500, "internal", "the request failed unexpectedly");
  }
}

std::vector<RouteInfo> Router::routes() const {
  std::vector<RouteInfo> out;
  for (const Route& r : routes_) out.push_back(r.info);
  return out;
}

}  // namespace vigil::hub::api
