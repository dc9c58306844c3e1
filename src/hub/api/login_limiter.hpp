// Login rate limiting: failed logins are counted per user name and per client address; after
// `max_failures` failures in a row a key is locked out, for base_lockout_ms doubled with every further
// failure up to max_lockout_ms. A success clears the user's and the address's count. Kept in memory
// (bounded: at most max_keys keys, the least recently failed forgotten first).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace vigil::hub::api {

struct LoginLimits {
  int max_failures = 5;
  std::int64_t base_lockout_ms = 1'000;
  std::int64_t max_lockout_ms = 15 * 60'000;
  std::size_t max_keys = 100'000;
};

class LoginLimiter {
 public:
  explicit LoginLimiter(const LoginLimits& limits) : limits_(limits) {}

  // How long the user or the address is still locked out at now_ms (0: free to try).
  std::int64_t locked_for_ms(std::string_view user, std::string_view address, std::int64_t now_ms);
  void failure(std::string_view user, std::string_view address, std::int64_t now_ms);
  void success(std::string_view user, std::string_view address);

 private:
  struct Entry {
    int failures = 0;
    std::int64_t locked_until_ms = 0;
    std::int64_t last_failure_ms = 0;
  };
  std::int64_t locked_for(const std::string& key, std::int64_t now_ms) const;
  void fail_key(const std::string& key, std::int64_t now_ms);

  LoginLimits limits_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace vigil::hub::api
