// Windowing of a channel's sample blocks: window contents and times against the sample index that made
// them, overlap, restarts on lost blocks, tolerance of a sensor clock off its nominal rate.
#include "edge/windower.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "support/alloc_counter.hpp"

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

constexpr double k_rate_hz = 1000;  // 1 ms per sample
constexpr std::int64_t k_ms = 1'000'000;

struct Seen {
  std::vector<std::vector<float>> windows;
  std::vector<std::int64_t> end_ns;
  std::vector<std::uint64_t> index;
};

// Pushes samples first..first+n-1 (value = sample number, time = number ms) in blocks of `block`.
void feed(Windower& w, Seen& seen, std::int64_t first, std::int64_t n, std::size_t block) {
  std::vector<float> b;
  for (std::int64_t i = first; i < first + n; i += std::int64_t(block)) {
    b.clear();
    for (std::int64_t k = i; k < std::min(first + n, i + std::int64_t(block)); ++k) b.push_back(float(k));
    ASSERT_TRUE(w.push(b, i * k_ms, [&](const Window& win) {
      seen.windows.emplace_back(win.samples.begin(), win.samples.end());
      seen.end_ns.push_back(win.end_ns);
      seen.index.push_back(win.index);
    }));
  }
}

TEST(Windower, OverlappingWindowsCarryTheirSamplesAndTheTimeOfTheLast) {
  auto w = Windower::create(8, 4, 5, k_rate_hz);
  ASSERT_TRUE(w.has_value());
  Seen seen;
  feed(*w, seen, 0, 30, 3);
  // Windows start at 0, 4, 8, ... and need 8 samples: starts 0..20 fit in 30 samples -> 6 windows.
  ASSERT_EQ(seen.windows.size(), 6u);
  for (std::size_t k = 0; k < 6; ++k) {
    for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(seen.windows[k][i], float(4 * k + i));
    EXPECT_EQ(seen.end_ns[k], std::int64_t(4 * k + 7) * k_ms);
    EXPECT_EQ(seen.index[k], k);
  }
  EXPECT_EQ(w->gaps(), 0u);
}

// A phase skips the stream's first samples: windows start at phase, phase + hop, ... (again after a
// restart), and their times are those of their own samples.
TEST(Windower, APhaseShiftsEveryWindowStartAndIsAppliedAgainAfterARestart) {
  auto w = Windower::create(8, 4, 5, k_rate_hz, 3);
  ASSERT_TRUE(w.has_value());
  Seen seen;
  feed(*w, seen, 0, 30, 2);  // blocks of 2: the skip ends inside a block
  // Starts 3, 7, 11, 15, 19 fit in 30 samples (the last ends at 26).
  ASSERT_EQ(seen.windows.size(), 5u);
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(seen.windows[k][0], float(3 + 4 * k));
    EXPECT_EQ(seen.end_ns[k], std::int64_t(3 + 4 * k + 7) * k_ms);
  }
  feed(*w, seen, 100, 11, 1);  // a gap: the phase again, so the next window is [103, 111)
  ASSERT_EQ(seen.windows.size(), 6u);
  EXPECT_EQ(seen.windows[5][0], 103.0f);
  EXPECT_EQ(seen.end_ns[5], 110 * k_ms);
  EXPECT_EQ(w->gaps(), 1u);
  EXPECT_FALSE(Windower::create(8, 4, 5, k_rate_hz, 4).has_value());  // phase must be below the hop
}

TEST(Windower, ALostBlockRestartsTheWindow) {
  auto w = Windower::create(8, 8, 4, k_rate_hz);
  ASSERT_TRUE(w.has_value());
  Seen seen;
  feed(*w, seen, 0, 12, 4);   // window [0, 8); samples 8..11 wait
  feed(*w, seen, 16, 16, 4);  // block 12..15 lost: 8..11 dropped, windows [16, 24), [24, 32)
  ASSERT_EQ(seen.windows.size(), 3u);
  EXPECT_EQ(seen.windows[1].front(), 16.0f);
  EXPECT_EQ(seen.end_ns[1], 23 * k_ms);
  EXPECT_EQ(seen.windows[2].front(), 24.0f);
  EXPECT_EQ(w->gaps(), 1u);
  EXPECT_EQ(w->dropped_samples(), 4u);
  EXPECT_EQ(seen.index[2], 2u);
}

TEST(Windower, ASensorClockOffItsNominalRateDoesNotLookLikeGaps) {
  // The sensor stamps blocks by its own clock, 100 ppm fast; over 200 000 samples that is 20 samples of
  // drift, which must not restart anything: each block is checked against the previous one only.
  auto w = Windower::create(1000, 500, 100, k_rate_hz);
  ASSERT_TRUE(w.has_value());
  std::vector<float> block(100, 0.0f);
  std::size_t windows = 0;
  std::int64_t last_end = 0;
  for (std::int64_t i = 0; i < 200'000; i += 100) {
    const auto t = static_cast<std::int64_t>(double(i) * 1e6 / 1.0001);
    ASSERT_TRUE(w->push(block, t, [&](const Window& win) {
      ++windows;
      last_end = win.end_ns;
    }));
  }
  EXPECT_EQ(w->gaps(), 0u);
  EXPECT_EQ(windows, (200'000 - 1000) / 500 + 1);
  // The last window ends at sample 199 999, stamped from its block's own time (within one sample).
  EXPECT_NEAR(double(last_end), 199'999 * 1e6 / 1.0001, 1e6);
}

TEST(Windower, RefusesOversizedBlocksAndBadSettings) {
  EXPECT_FALSE(Windower::create(8, 0, 4, k_rate_hz));
  EXPECT_FALSE(Windower::create(8, 9, 4, k_rate_hz));
  EXPECT_FALSE(Windower::create(8, 4, 0, k_rate_hz));
  EXPECT_FALSE(Windower::create(8, 4, 4, 0));
  auto w = Windower::create(8, 4, 4, k_rate_hz);
  ASSERT_TRUE(w.has_value());
  std::vector<float> big(5);
  auto r = w->push(big, 0, [](const Window&) {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("block of 5 samples, at most 4"), std::string::npos);
}

TEST(Windower, AllocatesNothing) {
  auto w = Windower::create(25600, 12800, 2560, 25600);
  ASSERT_TRUE(w.has_value());
  std::vector<float> block(2560, 1.0f);
  std::size_t windows = 0;
  test::AllocationScope scope;
  for (std::int64_t i = 0; i < 100; ++i) {
    ASSERT_TRUE(w->push(block, i * 100'000'000, [&](const Window&) { ++windows; }));
  }
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(windows, (100 * 2560 - 25600) / 12800 + 1);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
