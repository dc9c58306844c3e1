// The login limiter with hand-picked times: five failures lock for 1 s, each further one doubles it up to
// the cap, a success clears the count, and the user and the address are counted apart.
#include "hub/api/login_limiter.hpp"

#include <gtest/gtest.h>

namespace vigil::hub::api {
namespace VIGIL_TEST_FILE {

TEST(LoginLimiter, LocksAfterFiveFailuresWithDoublingBackoff) {
  LoginLimiter limiter({5, 1000, 8000, 100});
  for (int i = 0; i < 4; ++i) limiter.failure("ann", "10.0.0.1", 0);
  EXPECT_EQ(limiter.locked_for_ms("ann", "10.0.0.1", 0), 0);
  limiter.failure("ann", "10.0.0.1", 100);
  EXPECT_EQ(limiter.locked_for_ms("ann", "10.0.0.9", 100), 1000);  // by the user
  EXPECT_EQ(limiter.locked_for_ms("bob", "10.0.0.1", 600), 500);   // by the address
  EXPECT_EQ(limiter.locked_for_ms("bob", "10.0.0.9", 100), 0);
  limiter.failure("ann", "10.0.0.1", 1100);
  EXPECT_EQ(limiter.locked_for_ms("ann", "x", 1100), 2000);
  for (int i = 0; i < 5; ++i) limiter.failure("ann", "10.0.0.1", 5000);
  EXPECT_EQ(limiter.locked_for_ms("ann", "x", 5000), 8000);  // capped
  limiter.success("ann", "10.0.0.1");
  EXPECT_EQ(limiter.locked_for_ms("ann", "10.0.0.1", 5000), 0);
}

TEST(LoginLimiter, StaysWithinItsKeyBudget) {
  LoginLimiter limiter({1, 1000, 1000, 4});
  for (int i = 0; i < 100; ++i) limiter.failure(std::to_string(i), "a", i);
  // The newest keys are kept, the oldest forgotten.
  EXPECT_GT(limiter.locked_for_ms("99", "b", 100), 0);
  EXPECT_EQ(limiter.locked_for_ms("0", "b", 100), 0);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::api
