// The live path with real threads: every pushed sample ends in exactly the windows the windowing rules
// predict, decided per channel in order; a full queue drops and counts blocks instead of blocking the
// source; a worker allocates nothing per window in steady state.
#include "edge/pipeline.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "sim/simulator.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

constexpr double k_rpm = 1797;
constexpr double k_rate_hz = 12000;
constexpr std::size_t k_block = 1200;  // 0.1 s frames
constexpr std::int64_t k_block_ns = 100'000'000;

PipelineChannel channel(const std::string& id) {
  AssetConfig a;
  a.id = id;
  a.location = id;
  a.bearing = *dsp::find_bearing("6205-2RS");
  a.speed_rpm = k_rpm;
  a.max_speed_rpm = 1.2 * k_rpm;
  ChannelConfig c;
  c.asset = id;
  c.sample_rate_hz = k_rate_hz;
  c.window_s = 4096.0 / k_rate_hz;
  c.overlap = 0.5;
  auto m = AssetMonitor::create(a, c, {}, {}, dsp::PlanEffort::estimate);
  EXPECT_TRUE(m.has_value());
  return PipelineChannel{
      .monitor = std::move(*m), .window_len = 4096, .hop = 2048, .sample_rate_hz = k_rate_hz, .name = id};
}

std::vector<float> signal(sim::FaultKind fault, std::size_t blocks, std::uint64_t seed) {
  auto s = sim::Simulator::create(sim::Scenario::cwru_like(fault, k_rpm), seed);
  std::vector<float> x(blocks * k_block);
  s->generate(x);
  return x;
}

struct Collected {
  std::mutex mutex;
  std::map<std::size_t, std::vector<Decision>> by_channel;
};

TEST(Pipeline, EveryWindowIsDecidedOnceInOrderPerChannel) {
  std::vector<PipelineChannel> channels;
  channels.push_back(channel("healthy"));
  channels.push_back(channel("faulty"));
  Collected got;
  auto p = Pipeline::create(
      std::move(channels), {.workers = 2, .max_block = k_block, .queue_blocks = 512},
      [&](std::size_t c, const AssetMonitor&, const Decision& d) {
        std::lock_guard lock(got.mutex);
        got.by_channel[c].push_back(d);
      },
      [](std::size_t, const Error& e) { ADD_FAILURE() << e.message; });
  ASSERT_TRUE(p.has_value()) << p.error().message;
  (*p)->start();
  constexpr std::size_t k_blocks = 100;  // 10 s per channel
  const auto healthy = signal(sim::FaultKind::none, k_blocks, 1);
  const auto faulty = signal(sim::FaultKind::outer_race, k_blocks, 2);
  for (std::size_t b = 0; b < k_blocks; ++b) {
    const std::int64_t t = std::int64_t(b) * k_block_ns;
    ASSERT_TRUE((*p)->push(0, std::span(healthy).subspan(b * k_block, k_block), t, k_rpm));
    ASSERT_TRUE((*p)->push(1, std::span(faulty).subspan(b * k_block, k_block), t, k_rpm));
  }
  (*p)->stop(true);
  // 120 000 samples, windows of 4096 every 2048, channel c skipping its phase of c x 2048 / 2 samples:
  // floor((120000 - 1024 c - 4096) / 2048) + 1 = 57 for both.
  for (std::size_t c = 0; c < 2; ++c) {
    const auto& ds = got.by_channel[c];
    ASSERT_EQ(ds.size(), 57u) << c;
    for (std::size_t k = 0; k < ds.size(); ++k) {
      EXPECT_EQ(ds[k].window_index, k);
      // The window ends at sample 1024 c + 2048 k + 4095, at 1/12000 s per sample.
      EXPECT_NEAR(double(ds[k].end_ns), (1024.0 * double(c) + 2048.0 * double(k) + 4095.0) / k_rate_hz * 1e9,
                  1.0);
    }
    const ChannelStats s = (*p)->stats(c);
    EXPECT_EQ(s.windows, 57u);
    EXPECT_EQ(s.blocks_dropped, 0u);
    EXPECT_EQ(s.queue_depth, 0u);
  }
  EXPECT_EQ(got.by_channel[0].back().level, AlertLevel::normal);
  EXPECT_GE(got.by_channel[1].back().level, AlertLevel::warning);
  EXPECT_EQ(got.by_channel[1].back().raw.fault, diag::Verdict::outer_race);
}

TEST(Pipeline, AFullQueueDropsAndCountsInsteadOfBlockingTheSource) {
  std::vector<PipelineChannel> channels;
  channels.push_back(channel("slow"));
  std::mutex gate;
  gate.lock();  // the sink blocks until released: the worker stalls on its first window
  std::atomic<std::size_t> decided{0};
  auto p = Pipeline::create(std::move(channels), {.workers = 1, .max_block = 4096, .queue_blocks = 3},
                            [&](std::size_t, const AssetMonitor&, const Decision&) {
                              std::lock_guard lock(gate);
                              ++decided;
                            },
                            {});
  ASSERT_TRUE(p.has_value());
  (*p)->start();
  const auto x = signal(sim::FaultKind::none, 40, 3);
  std::size_t accepted = 0;
  for (std::size_t b = 0; b < 10; ++b) {
    accepted +=
        (*p)->push(0, std::span(x).subspan(b * 4096, 4096), std::int64_t(b) * 341'333'333, k_rpm) ? 1 : 0;
  }
  // A slot is freed only once its block is processed: the worker stalls in the sink on block 0, so blocks
  // 0, 1, 2 fill the three slots and the other seven are dropped.
  EXPECT_EQ(accepted, 3u);
  EXPECT_EQ((*p)->stats(0).blocks_dropped, 10u - accepted);
  gate.unlock();
  (*p)->stop(true);
  EXPECT_EQ((*p)->stats(0).blocks_in, 10u);
  // Three contiguous blocks of 4096 samples, windows of 4096 every 2048: (3 x 4096 - 4096) / 2048 + 1 = 5.
  EXPECT_EQ(decided.load(), 5u);
  // Pushing after stop is refused and counted.
  EXPECT_FALSE((*p)->push(0, std::span(x).first(4096), 0, k_rpm));
}

TEST(Pipeline, WorkersAndSourcesAllocateNothingPerWindow) {
  std::vector<PipelineChannel> channels;
  channels.push_back(channel("a"));
  std::vector<std::size_t> worker_allocations;  // per decision, on the worker thread
  std::vector<bool> with_spectra;               // the decision carries evidence spectra (a rise to warning+)
  std::size_t last = 0;
  auto p = Pipeline::create(std::move(channels), {.workers = 1, .max_block = k_block, .queue_blocks = 256},
                            [&](std::size_t, const AssetMonitor&, const Decision& d) {
                              const std::size_t now = test::allocation_count();
                              worker_allocations.push_back(now - last);
                              with_spectra.push_back(d.spectra != nullptr);
                              last = now;
                            },
                            {});
  ASSERT_TRUE(p.has_value());
  worker_allocations.reserve(1000);
  with_spectra.reserve(1000);
  (*p)->start();
  const auto x = signal(sim::FaultKind::outer_race, 100, 4);
  std::size_t source_allocations = 0;
  for (std::size_t b = 0; b < 100; ++b) {
    test::AllocationScope scope;
    (*p)->push(0, std::span(x).subspan(b * k_block, k_block), std::int64_t(b) * k_block_ns, k_rpm);
    source_allocations += scope.allocations();
  }
  (*p)->stop(true);
  EXPECT_EQ(source_allocations, 0u);
  ASSERT_EQ(worker_allocations.size(), 57u);
  // The first decision includes the worker's start-up; every later one must be free, but for the few that
  // carry the evidence spectra of a rise to warning or alarm (made on that event only).
  std::size_t events = 0;
  for (std::size_t k = 1; k < worker_allocations.size(); ++k) {
    if (with_spectra[k]) {
      ++events;
      continue;
    }
    EXPECT_EQ(worker_allocations[k], 0u) << "window " << k;
  }
  EXPECT_LE(events, 2u);
}

TEST(Pipeline, MonitorsCanBeReachedBetweenWindows) {
  std::vector<PipelineChannel> channels;
  channels.push_back(channel("a"));
  auto p = Pipeline::create(std::move(channels), {}, {}, {});
  ASSERT_TRUE(p.has_value());
  std::string id;
  (*p)->with_monitor(0, [&](AssetMonitor& m) { id = m.asset().id; });
  EXPECT_EQ(id, "a");
  EXPECT_FALSE(Pipeline::create({}, {}, {}, {}));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
