#include "proto/sequence_tracker.hpp"

#include <algorithm>

namespace vigil::proto {

FrameOrder SequenceTracker::observe(std::uint64_t sequence, std::int64_t first_sample_ns,
                                    std::size_t sample_count) {
  ++stats_.frames;
  const auto start = [&](FrameOrder order) {
    started_ = true;
    highest_ = sequence;
    first_sequence_ = sequence;
    seen_ = 1;
    newest_first_sample_ns_ = first_sample_ns;
    return order;
  };
  if (!started_) return start(FrameOrder::first);
  // Sequence 0 again, later in time than anything seen: the sensor started a new stream. A duplicate or a
  // late copy of frame 0 carries frame 0's (older) time and falls through to the window below.
  if (sequence == 0 && first_sample_ns > newest_first_sample_ns_) {
    ++stats_.restarts;
    return start(FrameOrder::restart);
  }
  if (sequence > highest_) {
    const std::uint64_t advance = sequence - highest_;
    const std::uint64_t skipped = advance - 1;
    seen_ = advance >= k_window ? 1 : (seen_ << advance) | 1;
    highest_ = sequence;
    newest_first_sample_ns_ = std::max(newest_first_sample_ns_, first_sample_ns);
    if (skipped == 0) return FrameOrder::in_order;
    ++stats_.gaps;
    stats_.frames_missing += skipped;
    stats_.samples_missing += skipped * sample_count;
    return FrameOrder::after_gap;
  }
  const std::uint64_t behind = highest_ - sequence;
  if (behind >= k_window) {
    ++stats_.too_old;
    return FrameOrder::too_old;
  }
  const std::uint64_t bit = std::uint64_t{1} << behind;
  if ((seen_ & bit) != 0) {
    ++stats_.duplicates;
    return FrameOrder::duplicate;
  }
  seen_ |= bit;
  ++stats_.out_of_order;
  if (sequence < first_sequence_) return FrameOrder::late;  // before the run's first frame: never counted
  // Inside the run: it was counted missing when its gap opened.
  --stats_.frames_missing;
  stats_.samples_missing -= std::min<std::uint64_t>(stats_.samples_missing, sample_count);
  return FrameOrder::late;
}

}  // namespace vigil::proto
