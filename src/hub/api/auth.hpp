// Who may use the API: users with a role (viewer < operator < admin), passwords stored as scrypt hashes
// (memory-hard, RFC 7914, per-user random salt, the cost parameters stored with the hash), and bearer
// tokens (32 random bytes, of which the store keeps only the SHA-256, with an expiry). Logins are
// rate-limited per user and per client address (login_limiter.hpp). Every change to a user and every
// failed login is written to the audit log. Tables of its own, migrated as "auth".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "hub/api/login_limiter.hpp"
#include "hub/api/router.hpp"
#include "hub/api/shared_store.hpp"

namespace vigil::hub::api {

// scrypt's cost: N (a power of two), r, p. The default takes 32 MiB and ~0.1 s per hash.
struct ScryptCost {
  std::uint64_t n = 1 << 15;
  std::uint64_t r = 8;
  std::uint64_t p = 1;
};

struct AuthOptions {
  std::int64_t token_lifetime_s = 12 * 3600;
  ScryptCost scrypt;
  LoginLimits limits;
  std::function<std::int64_t()> now_ms;  // the clock, Unix ms; empty: the system clock
};

inline constexpr std::size_t k_max_user_name_bytes = 64;
inline constexpr std::size_t k_min_password_bytes = 10;
inline constexpr std::size_t k_max_password_bytes = 1024;

struct User {
  std::int64_t id = 0;
  std::string name;
  Role role = Role::viewer;
  bool disabled = false;
  std::int64_t created_ms = 0;
};

// What an admin changes on a user; unset fields stay. A new password or disabling revokes the user's tokens.
struct UserChange {
  std::optional<Role> role;
  std::optional<bool> disabled;
  std::optional<std::string> password;
};

struct LoginResult {
  enum class Outcome { ok, refused, locked };
  Outcome outcome = Outcome::refused;
  std::string token;               // ok: the bearer token (only the client ever has it)
  std::int64_t expires_ms = 0;     // ok
  std::int64_t retry_after_s = 0;  // locked: when to try again
  Principal user;                  // ok
};

// Checks a user name: 1..64 bytes of letters, digits, '.', '_', '-', '@'.
Status check_user_name(std::string_view name);
// Checks a password: 10..1024 bytes of UTF-8 without NUL.
Status check_password(std::string_view password);

// "scrypt$<N>$<r>$<p>$<salt, base64>$<hash, base64>" for `password` with a fresh 16-byte salt.
Result<std::string> hash_password(std::string_view password, const ScryptCost& cost);
// Whether `password` matches `stored` (constant-time comparison); a malformed `stored` is an error.
Result<bool> verify_password(std::string_view password, std::string_view stored);

class Auth {
 public:
  static Result<std::unique_ptr<Auth>> create(SharedStore& store, AuthOptions options);

  // The first admin of a new hub: when no user exists, creates `name` as admin with a random one-time
  // password and returns it (to print once); nullopt when any user exists.
  Result<std::optional<std::string>> bootstrap_admin(std::string_view name);

  // A failed or locked-out login is a result, not an error (errors are the store's).
  Result<LoginResult> login(std::string_view name, std::string_view password,
                            std::string_view client_address);
  Status logout(std::string_view token);
  // The token's user; not_found for an unknown, expired or revoked token or a disabled user.
  Result<Principal> authenticate(std::string_view token);

  Result<User> create_user(const Principal& actor, std::string_view name, std::string_view password,
                           Role role);
  // An admin cannot change their own role or disable themselves (so a hub always keeps an admin).
  Result<User> update_user(const Principal& actor, std::int64_t user_id, const UserChange& change);
  Result<User> user(std::int64_t user_id);
  // At most `limit` (1..1000) users with id > after_id, by id.
  Result<std::vector<User>> users(std::int64_t after_id, std::int64_t limit);

 private:
  Auth(SharedStore& store, AuthOptions options)
      : store_(&store), options_(std::move(options)), limiter_(options_.limits) {}
  std::int64_t now_ms() const;
  Status audit(const std::string& actor, std::string_view action, std::string_view target,
               std::string detail);

  SharedStore* store_;
  AuthOptions options_;
  LoginLimiter limiter_;
};

}  // namespace vigil::hub::api
