#include "edge/simulated_source.hpp"

#include <chrono>
#include <cmath>
#include <vector>

namespace vigil::edge {

sim::Scenario degradation_scenario(const AssetConfig& asset, const ChannelConfig& channel) {
  return sim::Scenario::degradation(sim::FaultKind::outer_race, channel.life_h * 3600,
                                    channel.onset_h / channel.life_h, channel.sample_rate_hz, asset.speed_rpm,
                                    asset.bearing);
}

SimulatedSource::SimulatedSource(sim::Simulator simulator, std::int64_t start_ns, double time_scale,
                                 std::size_t block_len, double sample_rate_hz, double speed_rpm,
                                 BlockSink sink)
    : simulator_(std::move(simulator)),
      start_ns_(start_ns),
      time_scale_(time_scale),
      block_len_(block_len),
      sample_rate_hz_(sample_rate_hz),
      speed_rpm_(speed_rpm),
      sink_(std::move(sink)) {}

Result<std::unique_ptr<SimulatedSource>> SimulatedSource::create(const AssetConfig& asset,
                                                                 const ChannelConfig& channel,
                                                                 std::int64_t start_ns, double time_scale,
                                                                 double block_s, BlockSink sink) {
  if (!(time_scale > 0) || !(block_s > 0)) {
    return fail(ErrorCode::invalid_argument,
                "simulated source: time scale {} and block {} s must be positive", time_scale, block_s);
  }
  auto simulator = sim::Simulator::create(degradation_scenario(asset, channel), channel.seed);
  if (!simulator)
    return std::unexpected(simulator.error().with_context(fmt::format("simulated {}", asset.id)));
  const auto block_len = static_cast<std::size_t>(std::llround(block_s * channel.sample_rate_hz));
  if (block_len == 0) return fail(ErrorCode::invalid_argument, "simulated source: block of 0 samples");
  return std::unique_ptr<SimulatedSource>(new SimulatedSource(std::move(*simulator), start_ns, time_scale,
                                                              block_len, channel.sample_rate_hz,
                                                              asset.speed_rpm, std::move(sink)));
}

SimulatedSource::~SimulatedSource() { stop(); }

void SimulatedSource::start() {
  if (!thread_.joinable()) thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

void SimulatedSource::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void SimulatedSource::run(std::stop_token stop) {
  std::vector<float> block(block_len_);
  const auto wall_start = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    const double t_s = simulator_.time_s();
    // Pace: the block starting at simulated t is due at wall time t / time_scale.
    const auto due = wall_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(t_s / time_scale_));
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < due) {
      std::this_thread::sleep_until(
          std::min(due, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
    }
    if (stop.stop_requested()) break;
    simulator_.generate(block);
    sink_(block, start_ns_ + static_cast<std::int64_t>(std::llround(t_s * 1e9)), speed_rpm_);
    simulated_s_.store(simulator_.time_s(), std::memory_order_relaxed);
  }
}

}  // namespace vigil::edge
