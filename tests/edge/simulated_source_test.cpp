// The in-process simulated channel: healthy before onset and a named outer-race defect after it (decided
// by the edge's own monitor, against the scenario's truth), and blocks stamped with contiguous simulated
// time.
#include "edge/simulated_source.hpp"

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "edge/asset_monitor.hpp"

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

AssetConfig asset() {
  AssetConfig a;
  a.id = "fan2";
  a.bearing = *dsp::find_bearing("6205-2RS");
  a.speed_rpm = 1500;
  a.max_speed_rpm = 1800;
  return a;
}

ChannelConfig channel() {
  ChannelConfig c;
  c.asset = "fan2";
  c.source = SourceKind::simulator;
  c.sample_rate_hz = 20000;  // not 12 kHz: the edge takes the rate the channel has
  c.window_s = 0.5;
  c.onset_h = 0.05;  // 3 min
  c.life_h = 0.2;    // 12 min
  c.seed = 5;
  return c;
}

// Physics-only decisions on 6 windows starting at simulated time t_s.
std::vector<diag::Verdict> verdicts_at(double t_s) {
  auto s = sim::Simulator::create(degradation_scenario(asset(), channel()), channel().seed);
  EXPECT_TRUE(s.has_value());
  std::vector<float> skip(20000);
  while (s->time_s() + 1.0 <= t_s) s->generate(skip);
  auto m = AssetMonitor::create(asset(), channel(), {}, {}, dsp::PlanEffort::estimate);
  EXPECT_TRUE(m.has_value());
  std::vector<diag::Verdict> out;
  std::vector<float> w(window_len_of(channel()));
  for (std::uint64_t k = 0; k < 6; ++k) {
    s->generate(w);
    auto d = m->process(Window{.samples = w, .index = k}, 1500);
    EXPECT_TRUE(d.has_value());
    out.push_back((*d)->raw.fault);
  }
  return out;
}

TEST(DegradationScenario, HealthyBeforeOnsetAndAnOuterRaceDefectWellAfter) {
  const auto sc = degradation_scenario(asset(), channel());
  EXPECT_EQ(sc.fault.severity.at(0.049 * 3600), 0.0);
  EXPECT_NEAR(sc.fault.severity.at(0.05 * 3600), 0.02, 1e-9);
  EXPECT_NEAR(sc.fault.severity.at(0.2 * 3600), 1.0, 1e-9);
  for (diag::Verdict v : verdicts_at(60)) EXPECT_EQ(v, diag::Verdict::normal);
  std::size_t outer = 0;
  for (diag::Verdict v : verdicts_at(0.15 * 3600)) outer += v == diag::Verdict::outer_race ? 1 : 0;
  EXPECT_EQ(outer, 6u);
}

TEST(SimulatedSource, BlocksCarryContiguousSimulatedTime) {
  std::mutex mutex;
  std::vector<std::int64_t> starts;
  std::vector<std::size_t> sizes;
  auto src = SimulatedSource::create(asset(), channel(), 1'000'000'000, 200.0, 0.1,
                                     [&](std::span<const float> b, std::int64_t t, double rpm) {
                                       std::lock_guard lock(mutex);
                                       starts.push_back(t);
                                       sizes.push_back(b.size());
                                       EXPECT_EQ(rpm, 1500);
                                     });
  ASSERT_TRUE(src.has_value()) << src.error().message;
  (*src)->start();
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mutex);
      if (starts.size() >= 20) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (*src)->stop();
  std::lock_guard lock(mutex);
  ASSERT_GE(starts.size(), 20u);
  for (std::size_t k = 0; k < starts.size(); ++k) {
    EXPECT_EQ(sizes[k], 2000u);
    EXPECT_EQ(starts[k], 1'000'000'000 + std::int64_t(k) * 100'000'000);
  }
  EXPECT_FALSE(SimulatedSource::create(asset(), channel(), 0, 0, 0.1, {}));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
