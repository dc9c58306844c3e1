#include "hub/api/login_limiter.hpp"

#include <algorithm>

namespace vigil::hub::api {
namespace {

std::string user_key(std::string_view user) { return "user:" + std::string(user); }
std::string address_key(std::string_view address) { return "address:" + std::string(address); }

}  // namespace

std::int64_t LoginLimiter::locked_for(const std::string& key, std::int64_t now_ms) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? 0 : std::max<std::int64_t>(0, it->second.locked_until_ms - now_ms);
}

std::int64_t LoginLimiter::locked_for_ms(std::string_view user, std::string_view address,
                                         std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  return std::max(locked_for(user_key(user), now_ms), locked_for(address_key(address), now_ms));
}

void LoginLimiter::fail_key(const std::string& key, std::int64_t now_ms) {
  if (entries_.size() >= limits_.max_keys && !entries_.contains(key)) {
    const auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.last_failure_ms < b.second.last_failure_ms;
    });
    entries_.erase(oldest);
  }
  Entry& e = entries_[key];
  ++e.failures;
  e.last_failure_ms = now_ms;
  const int over = e.failures - limits_.max_failures;
  if (over >= 0) {
    // base × 2^over, capped (the shift is bounded so it cannot overflow).
    const std::int64_t lockout =
        std::min(limits_.max_lockout_ms, limits_.base_lockout_ms << std::min(over, 30));
    e.locked_until_ms = now_ms + lockout;
  }
}

void LoginLimiter::failure(std::string_view user, std::string_view address, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  fail_key(user_key(user), now_ms);
  fail_key(address_key(address), now_ms);
}

void LoginLimiter::success(std::string_view user, std::string_view address) {
  std::lock_guard lock(mutex_);
  entries_.erase(user_key(user));
  entries_.erase(address_key(address));
}

}  // namespace vigil::hub::api
