#include "proto/sequence_tracker.hpp"

#include <gtest/gtest.h>

namespace vigil::proto {
namespace VIGIL_TEST_FILE {

constexpr std::size_t k_samples = 1024;
// 1024 samples at 25.6 kS/s: 40 ms per frame.
constexpr std::int64_t k_frame_ns = 40'000'000;
constexpr std::int64_t k_t0_ns = 1'764'000'000'000'000'000;

struct Stream {
  SequenceTracker tracker;
  std::int64_t origin_ns = k_t0_ns;
  FrameOrder feed(std::uint64_t seq, std::size_t samples = k_samples) {
    return tracker.observe(seq, origin_ns + std::int64_t(seq) * k_frame_ns, samples);
  }
};

TEST(SequenceTracker, ContiguousStreamCountsNothing) {
  Stream s;
  EXPECT_EQ(s.feed(0), FrameOrder::first);
  for (std::uint64_t q = 1; q < 1000; ++q) ASSERT_EQ(s.feed(q), FrameOrder::in_order) << q;
  const SequenceStats& st = s.tracker.stats();
  EXPECT_EQ(st.frames, 1000u);
  EXPECT_EQ(st.gaps + st.frames_missing + st.samples_missing + st.duplicates + st.out_of_order + st.restarts +
                st.too_old,
            0u);
}

TEST(SequenceTracker, GapsCountFramesAndSamples) {
  Stream s;
  s.feed(0);
  s.feed(1);
  EXPECT_EQ(s.feed(4), FrameOrder::after_gap);  // 2, 3 missing
  EXPECT_EQ(s.feed(5), FrameOrder::in_order);
  EXPECT_EQ(s.feed(105), FrameOrder::after_gap);  // 6..104: 99 missing (more than the window)
  const SequenceStats& st = s.tracker.stats();
  EXPECT_EQ(st.gaps, 2u);
  EXPECT_EQ(st.frames_missing, 101u);
  EXPECT_EQ(st.samples_missing, 101u * k_samples);
  EXPECT_EQ(st.frames, 5u);
}

TEST(SequenceTracker, LateFrameTakesBackWhatItsGapCounted) {
  Stream s;
  s.feed(0);
  s.feed(3);                               // 1, 2 missing
  EXPECT_EQ(s.feed(2), FrameOrder::late);  // 2 arrives after 3
  EXPECT_EQ(s.feed(2), FrameOrder::duplicate);
  EXPECT_EQ(s.feed(4), FrameOrder::in_order);
  const SequenceStats& st = s.tracker.stats();
  EXPECT_EQ(st.gaps, 1u);
  EXPECT_EQ(st.frames_missing, 1u);  // only 1 is still missing
  EXPECT_EQ(st.samples_missing, k_samples);
  EXPECT_EQ(st.out_of_order, 1u);
  EXPECT_EQ(st.duplicates, 1u);
}

TEST(SequenceTracker, DuplicatesWithinTheWindowAndTooOldBeyondIt) {
  Stream s;
  for (std::uint64_t q = 0; q < 100; ++q) s.feed(q);
  EXPECT_EQ(s.feed(99), FrameOrder::duplicate);
  EXPECT_EQ(s.feed(36), FrameOrder::duplicate);  // 99 - 63: the oldest the window remembers
  EXPECT_EQ(s.feed(35), FrameOrder::too_old);    // 99 - 64
  EXPECT_EQ(s.feed(0), FrameOrder::too_old);     // frame 0's own time: not a restart
  const SequenceStats& st = s.tracker.stats();
  EXPECT_EQ(st.duplicates, 2u);
  EXPECT_EQ(st.too_old, 2u);
  EXPECT_EQ(st.restarts, 0u);
  EXPECT_EQ(st.frames_missing, 0u);
}

TEST(SequenceTracker, QosOneRedeliveryOfFrameZeroIsADuplicateNotARestart) {
  Stream s;
  s.feed(0);
  EXPECT_EQ(s.feed(0), FrameOrder::duplicate);
  s.feed(1);
  EXPECT_EQ(s.feed(0), FrameOrder::duplicate);
  EXPECT_EQ(s.tracker.stats().restarts, 0u);
}

TEST(SequenceTracker, RestartStartsANewRun) {
  Stream s;
  for (std::uint64_t q = 0; q < 10; ++q) s.feed(q);
  s.origin_ns = k_t0_ns + 3'600'000'000'000;  // the sensor came back an hour later, counting from 0
  EXPECT_EQ(s.feed(0), FrameOrder::restart);
  EXPECT_EQ(s.feed(1), FrameOrder::in_order);
  EXPECT_EQ(s.feed(3), FrameOrder::after_gap);
  const SequenceStats& st = s.tracker.stats();
  EXPECT_EQ(st.restarts, 1u);
  EXPECT_EQ(st.frames_missing, 1u);  // frame 2 of the new run; nothing for the old run's tail
  EXPECT_EQ(st.frames, 13u);
}

TEST(SequenceTracker, FramesBeforeTheFirstSeenWereNeverCountedMissing) {
  Stream s;
  EXPECT_EQ(s.feed(5), FrameOrder::first);  // joined a running stream
  EXPECT_EQ(s.feed(7), FrameOrder::after_gap);
  EXPECT_EQ(s.feed(3), FrameOrder::late);  // older than the first: delivered, nothing to take back
  EXPECT_EQ(s.feed(6), FrameOrder::late);  // the gap's frame: taken back
  const SequenceStats& st = s.tracker.stats();
  EXPECT_EQ(st.frames_missing, 0u);
  EXPECT_EQ(st.samples_missing, 0u);
  EXPECT_EQ(st.out_of_order, 2u);
}

TEST(SequenceTracker, MissingSamplesUseTheArrivingFramesLength) {
  Stream s;
  s.feed(0, 512);
  s.feed(3, 512);  // 2 frames of 512
  EXPECT_EQ(s.tracker.stats().samples_missing, 1024u);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::proto
