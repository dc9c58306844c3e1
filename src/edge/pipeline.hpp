// The edge's live path: sources push sample blocks per channel into bounded queues; a pool of workers, each
// owning a fixed share of the channels, windows them and decides every window through the channel's
// AssetMonitor; each decision goes to a sink. Blocks that find their queue full are dropped and counted
// (a live sensor cannot be paused), and the channel's window restarts at the next block.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "edge/asset_monitor.hpp"
#include "edge/histogram.hpp"
#include "edge/windower.hpp"

namespace vigil::edge {

// Called on a worker thread for every decided window; must be thread-safe when workers > 1 (monitors of
// one worker are never called concurrently). The decision is valid during the call only.
using DecisionSink =
    std::function<void(std::size_t channel, const AssetMonitor& monitor, const Decision& decision)>;
// Called on a worker thread when a window cannot be decided (bad samples, speed out of range).
using ErrorSink = std::function<void(std::size_t channel, const Error& error)>;

struct PipelineChannel {
  AssetMonitor monitor;
  std::size_t window_len = 0;
  std::size_t hop = 0;
  double sample_rate_hz = 0;
  std::string name;  // for messages: "pump7/sensor-a:0"
};

struct PipelineConfig {
  std::size_t workers = 0;        // 0 = std::thread::hardware_concurrency()
  std::size_t max_block = 8192;   // samples per pushed block, at most
  std::size_t queue_blocks = 64;  // per channel; a full queue drops the new block
};

// Counters of one channel, read while running (relaxed atomics).
struct ChannelStats {
  std::uint64_t blocks_in = 0;
  std::uint64_t blocks_dropped = 0;  // queue full
  std::uint64_t windows = 0;
  std::uint64_t window_errors = 0;
  std::uint64_t gaps = 0;  // windows restarted by discontinuous blocks or drops
  std::size_t queue_depth = 0;
  double last_decide_us = 0;             // analysis + models + rules of the last window
  LatencyHistogram::Snapshot decide_us;  // of every window
};

class Pipeline {
 public:
  static Result<std::unique_ptr<Pipeline>> create(std::vector<PipelineChannel> channels,
                                                  const PipelineConfig& config, DecisionSink on_decision,
                                                  ErrorSink on_error);
  ~Pipeline();  // stops (draining) if running
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  void start();
  // Stops the workers; with drain, every queued block is processed first. Idempotent.
  void stop(bool drain = true);

  // From a source thread: copies the block into the channel's queue. false when it was dropped (queue full,
  // or larger than max_block, or not running). Never blocks on a worker; allocates nothing.
  bool push(std::size_t channel, std::span<const float> samples, std::int64_t first_sample_ns,
            double speed_rpm);

  std::size_t channel_count() const { return channels_.size(); }
  std::size_t max_block() const { return config_.max_block; }
  double sample_rate_hz(std::size_t channel) const;
  std::size_t worker_count() const { return workers_.size(); }
  ChannelStats stats(std::size_t channel) const;
  // Runs `f(monitor)` on a channel's monitor with its worker paused between windows (model swaps,
  // commissioning, reset after a repair).
  void with_monitor(std::size_t channel, const std::function<void(AssetMonitor&)>& f);

 private:
  struct Block {
    std::vector<float> samples;  // max_block capacity, preallocated
    std::size_t size = 0;
    std::int64_t first_ns = 0;
    double speed_rpm = 0;
    bool restart_before = false;  // blocks were dropped just before this one
  };
  struct Channel;
  struct Worker;

  Pipeline() = default;
  void run(Worker& worker);

  PipelineConfig config_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<std::unique_ptr<Worker>> workers_;
  DecisionSink on_decision_;
  ErrorSink on_error_;
  std::atomic<bool> running_{false};
};

}  // namespace vigil::edge
