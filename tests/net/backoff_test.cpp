#include "net/backoff.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace vigil::net {
namespace VIGIL_TEST_FILE {

using std::chrono::milliseconds;

TEST(Backoff, DelaysStayWithinHalfAndWholeOfADoublingCeiling) {
  auto b = Backoff::create({.initial = milliseconds(100), .max = milliseconds(5000)}, 7);
  ASSERT_TRUE(b);
  // Ceilings by hand: 100, 200, 400, 800, 1600, 3200, then 5000 for ever.
  const std::int64_t ceilings[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000};
  for (const std::int64_t c : ceilings) {
    EXPECT_EQ(b->ceiling().count(), c);
    const std::int64_t d = b->next().count();
    EXPECT_GE(d, c / 2) << c;
    EXPECT_LE(d, c) << c;
  }
  b->reset();
  EXPECT_EQ(b->ceiling().count(), 100);
}

TEST(Backoff, JitterSpreadsAFleetOverTheWholeHalfInterval) {
  // 1000 nodes that lost the broker at the same instant, each with its own seed: their 5th retry.
  std::int64_t low = 1'000'000, high = 0;
  for (std::uint64_t node = 0; node < 1000; ++node) {
    auto b = Backoff::create({.initial = milliseconds(100), .max = milliseconds(30000)}, node);
    for (int i = 0; i < 4; ++i) b->next();
    const std::int64_t d = b->next().count();  // ceiling 1600
    low = std::min(low, d);
    high = std::max(high, d);
  }
  EXPECT_LT(low, 820);    // near 800
  EXPECT_GT(high, 1580);  // near 1600
}

TEST(Backoff, NoOverflowAfterManyAttempts) {
  auto b = Backoff::create({.initial = milliseconds(1), .max = milliseconds(3'600'000)}, 1);
  for (int i = 0; i < 10'000; ++i) b->next();
  EXPECT_EQ(b->ceiling().count(), 3'600'000);
  EXPECT_LE(b->next().count(), 3'600'000);
}

TEST(Backoff, RefusesBoundsThatMakeNoSense) {
  auto zero = Backoff::create({.initial = milliseconds(0), .max = milliseconds(10)}, 1);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().message, "backoff: initial delay 0 ms must be > 0");
  auto reversed = Backoff::create({.initial = milliseconds(100), .max = milliseconds(10)}, 1);
  ASSERT_FALSE(reversed);
  EXPECT_EQ(reversed.error().message, "backoff: maximum delay 10 ms outside [100 ms, 1 h]");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::net
