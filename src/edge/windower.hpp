// Cuts one channel's stream of sample blocks (sensor frames, simulator output) into overlapping analysis
// windows, each stamped with the source time of its last sample. The first step of the edge pipeline:
// source -> windower -> analysis -> decision.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace vigil::edge {

// A completed window: `samples` views the windower's buffer and is valid until the next push().
struct Window {
  std::span<const float> samples;
  std::uint64_t index = 0;  // windows emitted since creation (not reset by a gap)
  std::int64_t end_ns = 0;  // source time of the last sample, ns since the Unix epoch
};

class Windower {
 public:
  // window_len samples per window, a new window every hop samples (hop = window_len * (1 - overlap)),
  // blocks of at most max_block samples, at sample_rate_hz. The stream's first `phase` samples (and again
  // the first `phase` after a restart) are skipped: channels whose blocks arrive in lock step, given phases
  // spread over a hop, complete their windows at different moments instead of all at once, so no window
  // waits for the others' analysis. invalid_argument unless 0 < hop <= window_len, phase < hop,
  // max_block > 0 and the rate is positive.
  static Result<Windower> create(std::size_t window_len, std::size_t hop, std::size_t max_block,
                                 double sample_rate_hz, std::size_t phase = 0);

  // Appends a block whose first sample was taken at first_sample_ns, and calls on_window(const Window&)
  // for every window it completes, oldest first. Sample times are taken from the latest block's timestamp
  // and the nominal rate (so a sensor clock a few ppm off the nominal rate never accumulates). A block that
  // does not continue the previous one in time, starting more than max(2 samples, 10 % of the block) away
  // from where the previous one ended (lost frames, a restarted sensor), restarts the window: the partial
  // window before it is dropped and counted (gaps()). Allocates nothing. invalid_argument for a block larger
  // than max_block (nothing is appended).
  template <typename OnWindow>
  Status push(std::span<const float> block, std::int64_t first_sample_ns, OnWindow&& on_window) {
    if (auto ok = append(block, first_sample_ns); !ok) return ok;
    while (filled_ >= window_len_) {
      on_window(Window{.samples = std::span<const float>(buffer_).first(window_len_),
                       .index = emitted_++,
                       .end_ns = time_of(window_len_ - 1)});
      advance();
    }
    return {};
  }

  // Drops any partial window (e.g. when the source says samples were lost).
  void restart();

  std::size_t window_len() const { return window_len_; }
  std::size_t hop() const { return hop_; }
  std::uint64_t windows() const { return emitted_; }
  std::uint64_t gaps() const { return gaps_; }                // restarts caused by discontinuous blocks
  std::uint64_t dropped_samples() const { return dropped_; }  // samples of partial windows dropped

 private:
  Windower(std::size_t window_len, std::size_t hop, std::size_t max_block, double sample_rate_hz,
           std::size_t phase);
  Status append(std::span<const float> block, std::int64_t first_sample_ns);
  void advance();
  std::int64_t time_of(std::size_t i) const;  // source time of buffer_[i]

  std::size_t window_len_;
  std::size_t hop_;
  std::size_t max_block_;
  std::size_t phase_;
  std::size_t skip_;  // samples still to skip before the first window (phase_ after a start or restart)
  double sample_period_ns_;
  std::vector<float> buffer_;  // window_len + max_block samples, preallocated
  std::size_t filled_ = 0;
  // Source time of buffer_[anchor_pos_]: the first sample of the latest block (anchor_pos_ may be negative
  // once that sample has left the buffer).
  std::int64_t anchor_ns_ = 0;
  std::int64_t anchor_pos_ = 0;
  std::uint64_t emitted_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace vigil::edge
