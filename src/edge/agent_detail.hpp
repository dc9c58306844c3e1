// What the agent's translation units share (agent.cpp, agent_housekeeping.cpp, agent_plc.cpp): the pipeline's
// queue sizes and how a channel's hop and an asset's baseline follow from the configuration. Internal to
// src/edge.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "edge/asset_monitor.hpp"
#include "edge/config.hpp"

namespace vigil::edge::detail {

// The wall clock, ns since the Unix epoch: the source time of simulated channels and of actuations.
inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Pipeline queues: blocks of at most 4096 samples (longer frames are split), 16 per channel: 256 KiB per
// channel, 2.5 s of backlog at 25.6 kS/s (a worker decides a channel-second in about a millisecond).
inline constexpr std::size_t k_pipeline_block = 4096;
inline constexpr std::size_t k_pipeline_blocks = 16;

inline std::size_t hop_of(const ChannelConfig& ch) {
  return std::max<std::size_t>(
      1, static_cast<std::size_t>(std::llround(double(window_len_of(ch)) * (1 - ch.overlap))));
}

// An asset with no anomaly bundle of its own learns one on site (docs/edge-decisions.md, section 6).
inline bool commissions_on_site(const AssetConfig& asset) {
  return asset.anomaly_bundle.empty() && asset.baseline_h > 0;
}

// Windows in baseline_h of running on a channel.
inline std::size_t baseline_windows(const AssetConfig& asset, const ChannelConfig& ch) {
  const double hop_s = double(hop_of(ch)) / ch.sample_rate_hz;
  return static_cast<std::size_t>(std::ceil(asset.baseline_h * 3600 / hop_s));
}

}  // namespace vigil::edge::detail
