// A channel with no sensor yet, simulated in-process: a machine that runs healthy, develops a bearing
// defect at onset_h and fails at life_h (edge.toml [[channel]] source = "simulator"). It feeds the
// pipeline in blocks stamped with simulated time, paced against the wall clock (time_scale x real time),
// so a live run shows the whole story of a degrading bearing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <thread>

#include "core/error.hpp"
#include "edge/config.hpp"
#include "sim/simulator.hpp"

namespace vigil::edge {

// The simulated machine of a channel: sim::Scenario::degradation at the channel's rate with the asset's
// bearing and speed, healthy until onset_h, then an outer-race defect growing to failure at life_h.
sim::Scenario degradation_scenario(const AssetConfig& asset, const ChannelConfig& channel);

// block(samples, first_sample_ns, speed_rpm): where generated blocks go (usually Pipeline::push).
using BlockSink =
    std::function<void(std::span<const float> samples, std::int64_t first_sample_ns, double speed_rpm)>;

class SimulatedSource {
 public:
  // Blocks of block_s seconds; simulated time starts at start_ns and runs time_scale times faster than
  // the wall clock. invalid_argument for a bad scenario, block or scale.
  static Result<std::unique_ptr<SimulatedSource>> create(const AssetConfig& asset,
                                                         const ChannelConfig& channel, std::int64_t start_ns,
                                                         double time_scale, double block_s, BlockSink sink);
  ~SimulatedSource();  // stops and joins

  void start();
  void stop();
  double simulated_s() const { return simulated_s_.load(std::memory_order_relaxed); }

 private:
  SimulatedSource(sim::Simulator simulator, std::int64_t start_ns, double time_scale, std::size_t block_len,
                  double sample_rate_hz, double speed_rpm, BlockSink sink);
  void run(std::stop_token stop);

  sim::Simulator simulator_;
  std::int64_t start_ns_;
  double time_scale_;
  std::size_t block_len_;
  double sample_rate_hz_;
  double speed_rpm_;
  BlockSink sink_;
  std::atomic<double> simulated_s_{0};
  std::jthread thread_;
};

}  // namespace vigil::edge
