// The API's request routing: routes are (method, path pattern with {parameters}, least role, handler), added
// by each part of the hub from its own file; dispatch() finds the route, checks the bearer token and the
// role, and runs the handler. Knows nothing of sockets: the HTTP server hands it a parsed Request.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace vigil::hub::api {

enum class Method { get, post, put, patch, del };
std::string_view to_string(Method method);  // "GET", ... "DELETE"
std::optional<Method> parse_method(std::string_view name);

// Roles are ordered: each one may do what the ones below it may. `none` marks a route open to anyone.
enum class Role { none = 0, viewer = 1, operator_ = 2, admin = 3 };
std::string_view to_string(Role role);  // "viewer", "operator", "admin"
std::optional<Role> parse_role(std::string_view name);

// Who sent a request, from their token.
struct Principal {
  std::int64_t user_id = 0;
  std::string name;
  Role role = Role::viewer;
};

class EventSubscription;

struct Request {
  Method method = Method::get;
  std::string path;                                // percent-encoded, as received, without the query
  std::map<std::string, std::string> query;        // decoded
  std::map<std::string, std::string> path_params;  // decoded, filled by the router
  std::string authorization;                       // the Authorization header
  std::string content_type;
  std::string body;
  std::string client_address;     // the peer's IP address
  std::optional<Principal> user;  // filled by the router from the token
  std::string token;              // the bearer token the request was authenticated with
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Retry-After, Allow, ...)
  // When set, the server answers with a text/event-stream and sends this subscription's events.
  std::shared_ptr<EventSubscription> stream;
};

// {"error":{"code":"<code>","message":"<message>"}}
Response error_response(int status, std::string_view code, std::string_view message);
// The HTTP status for a store or validation error: 400 (invalid_argument, parse, out_of_range), 404
// (not_found), 415 (unsupported: a body of the wrong media type), 500 otherwise (the message then says only
// that the store failed).
Response error_response(const Error& error);
Response json_response(int status, std::string body);

using Handler = std::function<Response(Request&)>;
// Checks a bearer token: the user, or not_found for an unknown, expired or revoked token.
using Authenticator = std::function<Result<Principal>(std::string_view token)>;

// Whether a route also takes its token from `?token=` (for browsers' EventSource, which cannot set headers).
enum class TokenIn { header, header_or_query };

struct RouteInfo {
  Method method;
  std::string pattern;  // e.g. "/api/v1/assets/{id}"
  Role role;
};

class Router {
 public:
  explicit Router(Authenticator authenticate) : authenticate_(std::move(authenticate)) {}

  // `pattern` is a path of literal segments and {name} segments (one whole segment each). A pattern and
  // method added twice is a programmer error (assert).
  void add(Method method, std::string pattern, Role role, Handler handler, TokenIn token = TokenIn::header);

  // 404 for no route, 405 (with Allow) for a path without this method, 401 (with WWW-Authenticate) for a
  // missing or bad token, 403 for a role below the route's; otherwise the handler's response. A handler that
  // throws gets a 500.
  Response dispatch(Request& request) const;

  std::vector<RouteInfo> routes() const;
  // Answers a GET that matches no route, outside /api/, without a token (the dashboard's files).
  void set_fallback(Handler handler) { fallback_ = std::move(handler); }

 private:
  struct Route {
    RouteInfo info;
    std::vector<std::string> segments;
    Handler handler;
    TokenIn token;
  };

  Authenticator authenticate_;
  std::vector<Route> routes_;
  Handler fallback_;
};

}  // namespace vigil::hub::api
