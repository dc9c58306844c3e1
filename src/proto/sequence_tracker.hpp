// Loss and order accounting for one raw-frame stream (one node, one channel): the edge keeps one tracker
// per (node id, channel) and feeds it every decoded frame's sequence number, first-sample time and sample
// count. Rules in docs/formats/sensor-frame.md ("Sequence numbers").
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::proto {

enum class FrameOrder {
  first,      // the first frame this tracker saw
  in_order,   // sequence = highest so far + 1
  after_gap,  // sequence > highest + 1: the frames in between are counted missing
  late,       // below the highest, not seen before, within the window: it was counted missing, now is not
  duplicate,  // seen before (within the window)
  restart,    // sequence 0 with a first-sample time later than the newest frame's: the sensor restarted
  too_old,    // k_window or more below the highest: cannot tell late from duplicate; not counted as either
};

struct SequenceStats {
  std::uint64_t frames = 0;          // frames fed, every kind
  std::uint64_t gaps = 0;            // after_gap events
  std::uint64_t frames_missing = 0;  // skipped by the sequence and not (yet) arrived late
  std::uint64_t samples_missing =
      0;  // frames_missing, each counted with the sample count of the frame that
          // revealed (or filled) the gap: exact when a stream's frame length is fixed
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;  // late frames
  std::uint64_t restarts = 0;
  std::uint64_t too_old = 0;
};

// Sequence rules: a stream starts at 0 and counts up by one per frame. The tracker remembers the highest
// sequence h and which of h-63..h arrived (a 64-bit window, as IPsec's anti-replay window). A restart
// resets both (frames the old stream never delivered are not counted: nothing tells how many there were).
class SequenceTracker {
 public:
  static constexpr std::uint64_t k_window = 64;

  FrameOrder observe(std::uint64_t sequence, std::int64_t first_sample_ns, std::size_t sample_count);
  const SequenceStats& stats() const { return stats_; }

 private:
  SequenceStats stats_;
  bool started_ = false;
  std::uint64_t highest_ = 0;
  std::uint64_t first_sequence_ = 0;  // of the first frame of this run (gaps are counted above it)
  std::uint64_t seen_ = 0;            // bit i: sequence highest_ - i arrived
  std::int64_t newest_first_sample_ns_ = 0;
};

}  // namespace vigil::proto
