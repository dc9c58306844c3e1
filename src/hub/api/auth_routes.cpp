// POST /api/v1/login, POST /api/v1/logout, GET /api/v1/me and the users (admin).
#include "hub/api/request_parsing.hpp"
#include "hub/api/routes.hpp"

namespace vigil::hub::api {
namespace {

nlohmann::json user_json(const User& u) {
  return {{"id", u.id},
          {"name", u.name},
          {"role", to_string(u.role)},
          {"disabled", u.disabled},
          {"created_ms", u.created_ms}};
}

Result<std::optional<Role>> role_field(const nlohmann::json& body) {
  auto text = string_field(body, "role", 16);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::nullopt;
  auto role = parse_role(**text);
  if (!role) return fail(ErrorCode::invalid_argument, "field role: expected viewer, operator or admin");
  return *role;
}

Response login(Auth& auth, Request& request) {
  auto body = json_body(request);
  if (!body) return error_response(body.error());
  if (auto ok = only_fields(*body, {"user", "password"}); !ok) return error_response(ok.error());
  auto name = required_string(*body, "user", k_max_user_name_bytes);
  if (!name) return error_response(name.error());
  auto password = required_string(*body, "password", k_max_password_bytes);
  if (!password) return error_response(password.error());
  auto result = auth.login(*name, *password, request.client_address);
  if (!result) return error_response(result.error());
  switch (result->outcome) {
    case LoginResult::Outcome::locked: {
      auto r =
          error_response(429, "too_many_requests",
                         fmt::format("too many failed logins; try again in {} s", result->retry_after_s));
      r.headers.emplace_back("Retry-After", std::to_string(result->retry_after_s));
      return r;
    }
    case LoginResult::Outcome::refused:
      return error_response(401, "unauthorized", "wrong user name or password");
    case LoginResult::Outcome::ok:
      break;
  }
  return json_response(200, nlohmann::json{{"token", result->token},
                                           {"expires_ms", result->expires_ms},
                                           {"user",
                                            {{"id", result->user.user_id},
                                             {"name", result->user.name},
                                             {"role", to_string(result->user.role)}}}}
                                .dump());
}

Response create_user(Auth& auth, Request& request) {
  auto body = json_body(request);
  if (!body) return error_response(body.error());
  if (auto ok = only_fields(*body, {"name", "password", "role"}); !ok) return error_response(ok.error());
  auto name = required_string(*body, "name", k_max_user_name_bytes);
  if (!name) return error_response(name.error());
  auto password = required_string(*body, "password", k_max_password_bytes);
  if (!password) return error_response(password.error());
  auto role = role_field(*body);
  if (!role) return error_response(role.error());
  if (!*role) return error_response(400, "invalid_request", "field role: missing");
  auto user = auth.create_user(*request.user, *name, *password, **role);
  if (!user) return error_response(user.error());
  return json_response(201, user_json(*user).dump());
}

Response update_user(Auth& auth, Request& request) {
  auto id = path_id(request, "id");
  if (!id) return error_response(id.error());
  auto body = json_body(request);
  if (!body) return error_response(body.error());
  if (auto ok = only_fields(*body, {"role", "disabled", "password"}); !ok) return error_response(ok.error());
  UserChange change;
  auto role = role_field(*body);
  if (!role) return error_response(role.error());
  change.role = *role;
  auto disabled = bool_field(*body, "disabled");
  if (!disabled) return error_response(disabled.error());
  change.disabled = *disabled;
  auto password = string_field(*body, "password", k_max_password_bytes);
  if (!password) return error_response(password.error());
  change.password = *password;
  auto user = auth.update_user(*request.user, *id, change);
  if (!user) return error_response(user.error());
  return json_response(200, user_json(*user).dump());
}

}  // namespace

void add_auth_routes(Router& router, Auth& auth) {
  router.add(Method::post, "/api/v1/login", Role::none, [&auth](Request& r) { return login(auth, r); });
  router.add(Method::post, "/api/v1/logout", Role::viewer, [&auth](Request& r) {
    if (auto ok = auth.logout(r.token); !ok) return error_response(ok.error());
    return json_response(204, "");
  });
  router.add(Method::get, "/api/v1/me", Role::viewer, [](Request& r) {
    return json_response(
        200,
        nlohmann::json{{"id", r.user->user_id}, {"name", r.user->name}, {"role", to_string(r.user->role)}}
            .dump());
  });
  router.add(Method::get, "/api/v1/users", Role::admin, [&auth](Request& r) {
    auto page = page_params(r);
    if (!page) return error_response(page.error());
    auto users = auth.users(page->after, page->limit);
    if (!users) return error_response(users.error());
    nlohmann::json items = nlohmann::json::array();
    for (const User& u : *users) items.push_back(user_json(u));
    const bool more = static_cast<std::int64_t>(users->size()) == page->limit;
    return page_response(std::move(items), more ? nlohmann::json(users->back().id) : nlohmann::json());
  });
  router.add(Method::post, "/api/v1/users", Role::admin,
             [&auth](Request& r) { return create_user(auth, r); });
  router.add(Method::get, "/api/v1/users/{id}", Role::admin, [&auth](Request& r) {
    auto id = path_id(r, "id");
    if (!id) return error_response(id.error());
    auto user = auth.user(*id);
    if (!user) return error_response(user.error());
    return json_response(200, user_json(*user).dump());
  });
  router.add(Method::patch, "/api/v1/users/{id}", Role::admin,
             [&auth](Request& r) { return update_user(auth, r); });
}

}  // namespace vigil::hub::api
