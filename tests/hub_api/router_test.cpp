// Routing on its own, with a stand-in token check: patterns with parameters, 404 and 405, and the order of
// checks (route, then token, then role, then handler).
#include "hub/api/router.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vigil::hub::api {
namespace VIGIL_TEST_FILE {

class RouterTest : public ::testing::Test {
 protected:
  RouterTest()
      : router_([](std::string_view token) -> Result<Principal> {
          if (token == "v") return Principal{1, "vic", Role::viewer};
          if (token == "a") return Principal{2, "ada", Role::admin};
          return fail(ErrorCode::not_found, "unknown");
        }) {
    router_.add(Method::get, "/open", Role::none, [](Request&) { return json_response(200, "{}"); });
    router_.add(Method::get, "/things/{id}/parts/{part}", Role::viewer, [](Request& r) {
      return json_response(
          200,
          nlohmann::json{{"id", r.path_params["id"]}, {"part", r.path_params["part"]}, {"user", r.user->name}}
              .dump());
    });
    router_.add(Method::post, "/things/{id}/parts/{part}", Role::admin,
                [](Request&) { return json_response(201, "{}"); });
    router_.add(
        Method::get, "/stream", Role::viewer, [](Request&) { return json_response(200, "{}"); },
        TokenIn::header_or_query);
    router_.add(Method::get, "/boom", Role::none,
                [](Request&) -> Response { throw std::runtime_error("x"); });
  }

  Response run(Method method, std::string path, std::string token = "",
               std::map<std::string, std::string> query = {}) {
    Request r;
    r.method = method;
    r.path = std::move(path);
    r.query = std::move(query);
    if (!token.empty()) r.authorization = "Bearer " + token;
    return router_.dispatch(r);
  }

  Router router_;
};

TEST_F(RouterTest, ParametersAreDecodedSegments) {
  const auto r = run(Method::get, "/things/12/parts/drive%20end", "v");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body),
            nlohmann::json::parse(R"({"id":"12","part":"drive end","user":"vic"})"));
  EXPECT_EQ(run(Method::get, "/things/12/parts", "v").status, 404);
  EXPECT_EQ(run(Method::get, "/things/12/parts/x/y", "v").status, 404);
}

TEST_F(RouterTest, ChecksComeInOrder) {
  // An unknown route is 404 even without a token; a known path with another method 405 with Allow.
  EXPECT_EQ(run(Method::get, "/nowhere").status, 404);
  const auto r = run(Method::del, "/things/1/parts/2");
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Allow", "GET, POST"}));
  EXPECT_EQ(run(Method::get, "/things/1/parts/2").status, 401);
  EXPECT_EQ(run(Method::get, "/things/1/parts/2", "nope").status, 401);
  EXPECT_EQ(run(Method::post, "/things/1/parts/2", "v").status, 403);
  EXPECT_EQ(run(Method::post, "/things/1/parts/2", "a").status, 201);
  EXPECT_EQ(run(Method::get, "/open").status, 200);
  EXPECT_EQ(run(Method::get, "/boom").status, 500);
}

TEST_F(RouterTest, OnlyAStreamRouteTakesItsTokenFromTheQuery) {
  EXPECT_EQ(run(Method::get, "/stream", "", {{"token", "v"}}).status, 200);
  EXPECT_EQ(run(Method::get, "/things/1/parts/2", "", {{"token", "v"}}).status, 401);
}

TEST_F(RouterTest, ErrorsAreJsonWithCodeAndMessage) {
  const auto r = run(Method::post, "/things/1/parts/2", "v");
  EXPECT_EQ(nlohmann::json::parse(r.body), nlohmann::json::parse(R"({"error":{"code":"forbidden",
      "message":"POST /things/{id}/parts/{part} needs the role admin; vic has viewer"}})"));
  EXPECT_EQ(router_.routes().size(), 5u);
  EXPECT_EQ(router_.routes()[1].pattern, "/things/{id}/parts/{part}");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::api
