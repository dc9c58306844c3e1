// Who may do what, through a real server and a real HTTP client on both engines: nothing anonymous but
// /healthz, the roles' order, the admin's user management (each change audited), tokens revoked by a new
// password or by disabling, and the login rate limit.
#include <gtest/gtest.h>

#include "hub_api/api_fixture.hpp"

namespace vigil::hub::api::test {
namespace VIGIL_TEST_FILE {

using AccessTest = ApiTest;

TEST_P(AccessTest, NothingButHealthzIsOpenWithoutAToken) {
  const auto health = call("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json(health)["status"], "ok");
  for (const auto* target : {"/metrics", "/api/v1/assets", "/api/v1/sites", "/api/v1/me", "/api/v1/events",
                             "/api/v1/users", "/api/v1/audit", "/api/v1/edge-nodes"}) {
    auto reply = call("GET", target);
    EXPECT_EQ(reply.status, 401) << target;
    EXPECT_EQ(reply.headers["www-authenticate"], "Bearer") << target;
    EXPECT_EQ(json(reply)["error"]["code"], "unauthorized") << target;
  }
  // A made-up token of the right shape, a truncated one, a token given in the query where only the header
  // counts.
  EXPECT_EQ(call("GET", "/api/v1/me", std::string(64, 'a')).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/me", viewer_.substr(1)).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/me?token=" + viewer_).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/me", viewer_).status, 200);
}

TEST_P(AccessTest, AViewerReadsButCannotChangeAnAssetAndAnOperatorCan) {
  const auto asset =
      shared_->with([](store::Store& s) { return s.registry().register_asset("plant", "e1", "pump7", 5); });
  ASSERT_TRUE(asset);
  const auto target = fmt::format("/api/v1/assets/{}", *asset);
  EXPECT_EQ(call("GET", target, viewer_).status, 200);
  const auto refused = call("PATCH", target, viewer_, R"({"bearing":"SKF 6205"})");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(json(refused)["error"]["message"].get<std::string>().find("needs the role operator"),
            std::string::npos);
  EXPECT_EQ(raw_text(fmt::format("SELECT bearing FROM assets WHERE id = {}", *asset)), "");
  const auto audit_before = raw_count("audit");

  const auto done = call("PATCH", target, operator_, R"({"bearing":"SKF 6205","criticality":4})");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(json(done)["bearing"], "SKF 6205");
  EXPECT_EQ(raw_text(fmt::format("SELECT bearing FROM assets WHERE id = {}", *asset)), "SKF 6205");
  EXPECT_EQ(raw_text(fmt::format("SELECT criticality FROM assets WHERE id = {}", *asset)), "4");
  EXPECT_EQ(raw_count("audit"), audit_before + 1);
  EXPECT_EQ(raw_text("SELECT actor || ' ' || action || ' ' || target FROM audit ORDER BY id DESC LIMIT 1"),
            fmt::format("olga asset.update asset/{}", *asset));
}

TEST_P(AccessTest, OnlyAnAdminManagesUsersAndReadsTheAuditLog) {
  for (const auto& token : {viewer_, operator_}) {
    EXPECT_EQ(call("GET", "/api/v1/users", token).status, 403);
    EXPECT_EQ(call("GET", "/api/v1/audit", token).status, 403);
    EXPECT_EQ(
        call("POST", "/api/v1/users", token, R"({"name":"eve","password":"long enough pw","role":"admin"})")
            .status,
        403);
  }
  EXPECT_EQ(raw_text("SELECT count(*) FROM users WHERE name = 'eve'"), "0");
  const auto users = call("GET", "/api/v1/users", admin_);
  ASSERT_EQ(users.status, 200);
  EXPECT_EQ(json(users)["items"].size(), 3u);
  EXPECT_TRUE(json(users)["next"].is_null());

  const auto created =
      call("POST", "/api/v1/users", admin_, R"({"name":"ann","password":"first password","role":"viewer"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const auto id = json(created)["id"].get<std::int64_t>();
  const auto user = fmt::format("/api/v1/users/{}", id);
  EXPECT_EQ(
      call("POST", "/api/v1/users", admin_, R"({"name":"ann","password":"first password","role":"viewer"})")
          .status,
      400);
  auto ann = login("ann", "first password");
  ASSERT_FALSE(ann.empty());
  EXPECT_EQ(call("PATCH", "/api/v1/assets/1", ann, "{}").status, 403);

  // Promoted: the same token now may do an operator's work.
  ASSERT_EQ(call("PATCH", user, admin_, R"({"role":"operator"})").status, 200);
  EXPECT_EQ(json(call("GET", "/api/v1/me", ann))["role"], "operator");

  // A new password revokes the old token and the old password.
  ASSERT_EQ(call("PATCH", user, admin_, R"({"password":"second password"})").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/me", ann).status, 401);
  EXPECT_TRUE(login("ann", "first password").empty());
  ann = login("ann", "second password");
  ASSERT_FALSE(ann.empty());

  // Disabled: tokens revoked and no login.
  ASSERT_EQ(call("PATCH", user, admin_, R"({"disabled":true})").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/me", ann).status, 401);
  EXPECT_TRUE(login("ann", "second password").empty());

  // An admin cannot lock themselves out.
  const auto self = call("PATCH", "/api/v1/users/1", admin_, R"({"role":"viewer"})");
  EXPECT_EQ(self.status, 400);
  EXPECT_EQ(raw_text("SELECT role FROM users WHERE id = 1"), "admin");

  // Every user-management action is in the audit log, read back through the API.
  const auto audit = call("GET", "/api/v1/audit?limit=1000", admin_);
  ASSERT_EQ(audit.status, 200);
  int creates = 0, updates = 0, failures = 0;
  const auto entries = json(audit)["items"];
  for (const auto& e : entries) {
    creates += e["action"] == "user.create";
    updates += e["action"] == "user.update" && e["target"] == fmt::format("user/{}", id);
    failures += e["action"] == "auth.login_failed";
  }
  EXPECT_EQ(creates, 3);  // olga, vic, ann
  EXPECT_EQ(updates, 3);
  EXPECT_EQ(failures, 2);
}

TEST_P(AccessTest, TokensAreStoredOnlyAsTheirHashAndExpire) {
  // The SHA-256 of the token, computed by the openssl command, is what the store holds.
  const auto command = fmt::format("printf %s '{}' | openssl dgst -sha256 -r", viewer_);
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char digest[65] = {};
  ASSERT_EQ(fread(digest, 1, 64, pipe), 64u);
  pclose(pipe);
  EXPECT_EQ(raw_text(fmt::format("SELECT count(*) FROM tokens WHERE hash = '{}'", digest)), "1");
  EXPECT_EQ(raw_text(fmt::format("SELECT count(*) FROM tokens WHERE hash = '{}'", viewer_)), "0");

  // The default lifetime is 12 h.
  now_ms_ += 12 * 3600 * 1000 - 1;
  EXPECT_EQ(call("GET", "/api/v1/me", viewer_).status, 200);
  now_ms_ += 1;
  EXPECT_EQ(call("GET", "/api/v1/me", viewer_).status, 401);

  // Logout ends a token at once.
  const auto token = login("vic", k_password);
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(call("POST", "/api/v1/logout", token).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/me", token).status, 401);
}

TEST_P(AccessTest, RepeatedLoginFailuresAreLockedOutWithBackoff) {
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(login("vic", "wrong password!").empty());
  // Locked: even the right password gets 429, with Retry-After in seconds.
  auto locked = call("POST", "/api/v1/login", "", R"({"user":"vic","password":"correct horse battery"})");
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.headers["retry-after"], "1");
  // The address is locked too: another user from the same client.
  EXPECT_EQ(call("POST", "/api/v1/login", "", R"({"user":"olga","password":"correct horse battery"})").status,
            429);
  now_ms_ += 1000;
  // One more failure doubles the lockout.
  EXPECT_TRUE(login("vic", "wrong password!").empty());
  locked = call("POST", "/api/v1/login", "", R"({"user":"vic","password":"correct horse battery"})");
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.headers["retry-after"], "2");
  now_ms_ += 2000;
  EXPECT_FALSE(login("vic", k_password).empty());
  // A success clears the count.
  EXPECT_TRUE(login("vic", "wrong password!").empty());
  EXPECT_FALSE(login("vic", k_password).empty());
  EXPECT_EQ(raw_text("SELECT count(*) FROM audit WHERE action = 'auth.login_failed'"), "7");
}

TEST_P(AccessTest, TheFirstAdminIsMadeOnlyOnce) {
  // The fixture's root came from bootstrap_admin and logged in with its one-time password.
  EXPECT_EQ(raw_text("SELECT role FROM users WHERE name = 'root'"), "admin");
  const auto again = auth_->bootstrap_admin("second");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ(raw_count("users"), 3);
  EXPECT_EQ(raw_text("SELECT count(*) FROM audit WHERE action = 'user.bootstrap_admin'"), "1");
}

VIGIL_FOR_EACH_ENGINE(AccessTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::api::test
