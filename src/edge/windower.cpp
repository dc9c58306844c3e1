#include "edge/windower.hpp"

#include <algorithm>
#include <cmath>

namespace vigil::edge {

Windower::Windower(std::size_t window_len, std::size_t hop, std::size_t max_block, double sample_rate_hz,
                   std::size_t phase)
    : window_len_(window_len),
      hop_(hop),
      max_block_(max_block),
      phase_(phase),
      skip_(phase),
      sample_period_ns_(1e9 / sample_rate_hz),
      buffer_(window_len + max_block) {}

Result<Windower> Windower::create(std::size_t window_len, std::size_t hop, std::size_t max_block,
                                  double sample_rate_hz, std::size_t phase) {
  if (window_len == 0 || hop == 0 || hop > window_len) {
    return fail(ErrorCode::invalid_argument, "windower: hop {} must be in 1..window length {}", hop,
                window_len);
  }
  if (phase >= hop)
    return fail(ErrorCode::invalid_argument, "windower: phase {} must be below the hop {}", phase, hop);
  if (max_block == 0)
    return fail(ErrorCode::invalid_argument, "windower: maximum block size must be positive");
  if (!(sample_rate_hz > 0) || !std::isfinite(sample_rate_hz)) {
    return fail(ErrorCode::invalid_argument, "windower: sample rate {} Hz must be positive", sample_rate_hz);
  }
  return Windower(window_len, hop, max_block, sample_rate_hz, phase);
}

std::int64_t Windower::time_of(std::size_t i) const {
  const double offset = double(static_cast<std::int64_t>(i) - anchor_pos_);
  return anchor_ns_ + static_cast<std::int64_t>(std::llround(offset * sample_period_ns_));
}

void Windower::restart() {
  if (filled_ > 0) {
    ++gaps_;
    dropped_ += filled_;
  }
  filled_ = 0;
  skip_ = phase_;
}

Status Windower::append(std::span<const float> block, std::int64_t first_sample_ns) {
  if (block.size() > max_block_) {
    return fail(ErrorCode::invalid_argument, "windower: block of {} samples, at most {}", block.size(),
                max_block_);
  }
  if (filled_ > 0) {
    const double expected_ns = double(time_of(filled_));
    const double tolerance_ns = std::max(2.0, 0.1 * double(block.size())) * sample_period_ns_;
    if (std::abs(double(first_sample_ns) - expected_ns) > tolerance_ns) restart();
  }
  if (skip_ > 0) {
    const std::size_t n = std::min(skip_, block.size());
    skip_ -= n;
    first_sample_ns += static_cast<std::int64_t>(std::llround(double(n) * sample_period_ns_));
    block = block.subspan(n);
    if (block.empty()) return {};
  }
  anchor_ns_ = first_sample_ns;
  anchor_pos_ = static_cast<std::int64_t>(filled_);
  std::copy(block.begin(), block.end(), buffer_.begin() + static_cast<std::ptrdiff_t>(filled_));
  filled_ += block.size();
  return {};
}

void Windower::advance() {
  // Keep the overlap: shift the last window_len - hop samples (and what follows) to the front. A memmove
  // of at most window_len + max_block floats per window: ~0.1 MB for a 1 s window at 25.6 kS/s.
  std::copy(buffer_.begin() + static_cast<std::ptrdiff_t>(hop_),
            buffer_.begin() + static_cast<std::ptrdiff_t>(filled_), buffer_.begin());
  filled_ -= hop_;
  anchor_pos_ -= static_cast<std::int64_t>(hop_);
}

}  // namespace vigil::edge
