#include "edge/pipeline.hpp"

#include <algorithm>
#include <chrono>

namespace vigil::edge {

struct Pipeline::Channel {
  Channel(PipelineChannel c, Windower w) : config(std::move(c)), windower(std::move(w)) {}

  PipelineChannel config;
  Windower windower;
  std::size_t worker = 0;

  mutable std::mutex queue_mutex;  // guards slots' head/count and restart_pending
  std::vector<Block> slots;
  std::size_t head = 0;
  std::size_t count = 0;
  bool restart_pending = false;  // a block was dropped: the next accepted one does not continue the window

  std::mutex process_mutex;  // held while a block is processed, and by with_monitor()

  std::atomic<std::uint64_t> blocks_in{0};
  std::atomic<std::uint64_t> blocks_dropped{0};
  std::atomic<std::uint64_t> windows{0};
  std::atomic<std::uint64_t> window_errors{0};
  std::atomic<std::uint64_t> gaps{0};
  std::atomic<double> last_decide_us{0};
  LatencyHistogram decide_us;
};

struct Pipeline::Worker {
  std::vector<std::size_t> channels;
  std::mutex mutex;
  std::condition_variable wake;
  bool pending = false;
  bool stop = false;
  bool drain = true;
  std::jthread thread;
};

Result<std::unique_ptr<Pipeline>> Pipeline::create(std::vector<PipelineChannel> channels,
                                                   const PipelineConfig& config, DecisionSink on_decision,
                                                   ErrorSink on_error) {
  if (channels.empty()) return fail(ErrorCode::invalid_argument, "pipeline: no channels");
  if (config.max_block == 0 || config.queue_blocks == 0) {
    return fail(ErrorCode::invalid_argument, "pipeline: max_block and queue_blocks must be positive");
  }
  std::unique_ptr<Pipeline> p(new Pipeline());
  p->config_ = config;
  p->on_decision_ = std::move(on_decision);
  p->on_error_ = std::move(on_error);
  std::size_t workers =
      config.workers != 0 ? config.workers : std::max(1u, std::thread::hardware_concurrency());
  workers = std::min(workers, channels.size());
  for (std::size_t w = 0; w < workers; ++w) p->workers_.push_back(std::make_unique<Worker>());
  for (std::size_t i = 0; i < channels.size(); ++i) {
    PipelineChannel& c = channels[i];
    // Phases spread over a hop: channels fed in lock step complete their windows one after another.
    const std::size_t phase = i * c.hop / channels.size();
    auto windower = Windower::create(c.window_len, c.hop, config.max_block, c.sample_rate_hz, phase);
    if (!windower) return std::unexpected(windower.error().with_context(c.name));
    auto channel = std::make_unique<Channel>(std::move(c), std::move(*windower));
    channel->slots.resize(config.queue_blocks);
    for (Block& b : channel->slots) b.samples.resize(config.max_block);
    channel->worker = i % workers;
    p->workers_[channel->worker]->channels.push_back(i);
    p->channels_.push_back(std::move(channel));
  }
  return p;
}

Pipeline::~Pipeline() { stop(true); }

void Pipeline::start() {
  if (running_.exchange(true)) return;
  for (auto& w : workers_) {
    w->stop = false;
    w->pending = false;
    w->thread = std::jthread([this, worker = w.get()] { run(*worker); });
  }
}

void Pipeline::stop(bool drain) {
  if (!running_.exchange(false)) return;
  for (auto& w : workers_) {
    {
      std::lock_guard lock(w->mutex);
      w->stop = true;
      w->drain = drain;
      w->pending = true;
    }
    w->wake.notify_one();
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

bool Pipeline::push(std::size_t channel, std::span<const float> samples, std::int64_t first_sample_ns,
                    double speed_rpm) {
  if (channel >= channels_.size()) return false;
  Channel& c = *channels_[channel];
  c.blocks_in.fetch_add(1, std::memory_order_relaxed);
  if (!running_.load(std::memory_order_acquire) || samples.size() > config_.max_block) {
    c.blocks_dropped.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  {
    std::lock_guard lock(c.queue_mutex);
    if (c.count == c.slots.size()) {
      c.restart_pending = true;
      c.blocks_dropped.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    Block& b = c.slots[(c.head + c.count) % c.slots.size()];
    std::copy(samples.begin(), samples.end(), b.samples.begin());
    b.size = samples.size();
    b.first_ns = first_sample_ns;
    b.speed_rpm = speed_rpm;
    b.restart_before = c.restart_pending;
    c.restart_pending = false;
    ++c.count;
  }
  Worker& w = *workers_[c.worker];
  {
    std::lock_guard lock(w.mutex);
    w.pending = true;
  }
  w.wake.notify_one();
  return true;
}

void Pipeline::run(Worker& worker) {
  for (;;) {
    bool stopping = false;
    bool drain = true;
    {
      std::unique_lock lock(worker.mutex);
      worker.wake.wait(lock, [&] { return worker.pending || worker.stop; });
      worker.pending = false;
      stopping = worker.stop;
      drain = worker.drain;
    }
    if (stopping && !drain) return;
    // Round-robin over this worker's channels, one block each, until every queue is empty.
    for (bool any = true; any;) {
      any = false;
      for (std::size_t index : worker.channels) {
        Channel& c = *channels_[index];
        Block* block = nullptr;
        {
          std::lock_guard lock(c.queue_mutex);
          if (c.count == 0) continue;
          block = &c.slots[c.head];
        }
        any = true;
        {
          std::lock_guard lock(c.process_mutex);
          if (block->restart_before) c.windower.restart();
          const std::uint64_t gaps_before = c.windower.gaps();
          auto pushed = c.windower.push(std::span<const float>(block->samples).first(block->size),
                                        block->first_ns, [&](const Window& w) {
                                          const auto begin = std::chrono::steady_clock::now();
                                          auto d = c.config.monitor.process(w, block->speed_rpm);
                                          const double us = std::chrono::duration<double, std::micro>(
                                                                std::chrono::steady_clock::now() - begin)
                                                                .count();
                                          c.last_decide_us.store(us, std::memory_order_relaxed);
                                          c.decide_us.observe(us);
                                          if (d) {
                                            c.windows.fetch_add(1, std::memory_order_relaxed);
                                            if (on_decision_) on_decision_(index, c.config.monitor, **d);
                                          } else {
                                            c.window_errors.fetch_add(1, std::memory_order_relaxed);
                                            if (on_error_) on_error_(index, d.error());
                                          }
                                        });
          c.gaps.fetch_add(c.windower.gaps() - gaps_before, std::memory_order_relaxed);
          if (!pushed && on_error_) on_error_(index, pushed.error());
        }
        std::lock_guard lock(c.queue_mutex);
        c.head = (c.head + 1) % c.slots.size();
        --c.count;
      }
    }
    if (stopping) return;
  }
}

double Pipeline::sample_rate_hz(std::size_t channel) const {
  return channels_.at(channel)->config.sample_rate_hz;
}

ChannelStats Pipeline::stats(std::size_t channel) const {
  const Channel& c = *channels_.at(channel);
  ChannelStats s;
  s.blocks_in = c.blocks_in.load(std::memory_order_relaxed);
  s.blocks_dropped = c.blocks_dropped.load(std::memory_order_relaxed);
  s.windows = c.windows.load(std::memory_order_relaxed);
  s.window_errors = c.window_errors.load(std::memory_order_relaxed);
  s.gaps = c.gaps.load(std::memory_order_relaxed);
  {
    std::lock_guard lock(c.queue_mutex);
    s.queue_depth = c.count;
  }
  s.last_decide_us = c.last_decide_us.load(std::memory_order_relaxed);
  s.decide_us = c.decide_us.snapshot();
  return s;
}

void Pipeline::with_monitor(std::size_t channel, const std::function<void(AssetMonitor&)>& f) {
  Channel& c = *channels_.at(channel);
  std::lock_guard lock(c.process_mutex);
  f(c.config.monitor);
}

}  // namespace vigil::edge
