// Commissioning: a baseline of healthy windows (simulator truth) becomes an anomaly model that stays quiet
// on more healthy running and alarms on a defect, survives the bundle round trip, and refuses windows the
// rules judged unhealthy.
#include "edge/commissioning.hpp"

#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

#include "cwru_like_asset.hpp"
#include "edge/asset_monitor.hpp"
#include "model/bundle.hpp"
#include "model/feature_schema.hpp"
#include "sim/simulator.hpp"
#include "support/alloc_counter.hpp"

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

constexpr double k_rpm = fixtures::k_pump_rpm;
using fixtures::pump;
ChannelConfig channel() { return fixtures::pump_channel(); }

// Feature rows of n simulated windows.
std::vector<std::vector<float>> features(sim::FaultKind fault, std::size_t n, std::uint64_t seed) {
  auto m = AssetMonitor::create(pump(), channel(), {}, {}, dsp::PlanEffort::estimate);
  auto s = sim::Simulator::create(sim::Scenario::cwru_like(fault, k_rpm), seed);
  std::vector<std::vector<float>> out;
  std::vector<float> w(4096);
  for (std::size_t k = 0; k < n; ++k) {
    s->generate(w);
    EXPECT_TRUE(m->process(Window{.samples = w, .index = k}, k_rpm).has_value());
    out.emplace_back(m->features().begin(), m->features().end());
  }
  return out;
}

// One simulated healthy window of samples.
std::vector<float> healthy_window() {
  auto s = sim::Simulator::create(sim::Scenario::cwru_like(sim::FaultKind::none, k_rpm), 7);
  std::vector<float> w(4096);
  s->generate(w);
  return w;
}

TEST(Baseline, RecordsOnlyHealthyWindowsWithoutAllocating) {
  auto b = Baseline::create(300, model::k_feature_count);
  ASSERT_TRUE(b.has_value());
  const auto rows = features(sim::FaultKind::none, 10, 1);
  test::AllocationScope scope;
  for (std::size_t k = 0; k < rows.size(); ++k) b->add(rows[k], k % 2 == 0, 1797);
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(b->rows(), 5u);
  EXPECT_EQ(b->skipped(), 5u);
  EXPECT_DOUBLE_EQ(b->progress(), 5.0 / 300.0);
  EXPECT_FALSE(Baseline::create(10, model::k_feature_count));  // too few windows to calibrate a threshold
}

// A long baseline keeps every k-th healthy window, at most k_max_baseline_rows rows: 2 h of 1 s windows
// every 0.5 s (14,400) keep every 4th, 3,600 rows; unhealthy windows do not count towards the stride.
TEST(Baseline, ALongBaselineKeepsEveryKthHealthyWindowWithinItsRowBudget) {
  auto b = Baseline::create(14'400, 2);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->stride(), 4u);
  const std::vector<float> x{1.0f, 2.0f};
  std::size_t offered = 0;
  while (!b->complete()) {
    b->add(x, true, 1797);
    b->add(x, false, 1797);
    ++offered;
  }
  EXPECT_EQ(b->rows(), 3'600u);
  EXPECT_EQ(offered, 14'397u);           // the 1st, 5th, ... healthy window: the 3,600th is window 14,397
  EXPECT_EQ(b->skipped(), offered - 1);  // once complete, a baseline takes nothing more
  EXPECT_EQ(Baseline::create(4'096, 2)->stride(), 1u);
}

TEST(Baseline, CommissionedModelIsQuietOnHealthyRunningAndAlarmsOnADefect) {
  auto b = Baseline::create(512, model::k_feature_count);
  ASSERT_TRUE(b.has_value());
  // Recorded at the site's speeds, 1700 and 1797 rpm (the features are those of 1797 rpm: what matters
  // here is the range the bundle records).
  std::size_t k = 0;
  for (const auto& row : features(sim::FaultKind::none, 512, 2)) b->add(row, true, k++ % 2 ? 1700 : 1797);
  ASSERT_TRUE(b->complete());
  EXPECT_EQ(b->speed_rpm_min(), 1700);
  EXPECT_EQ(b->speed_rpm_max(), 1797);
  auto fitted = fit_baseline(*b);
  ASSERT_TRUE(fitted.has_value()) << fitted.error().message;

  // Stored and read back as the agent does: the bundle is refused on other windows.
  const auto dir = std::filesystem::temp_directory_path() / "vigil_commissioning_test";
  const auto path = dir / "models" / "pump7-channel0.anomaly.vigil";
  ASSERT_TRUE(save_commissioned(path, *fitted, "pump7", 12000, 4096, b->rows(), b->speed_rpm_min(),
                                b->speed_rpm_max()));
  AssetConfig a = pump();
  a.anomaly_bundle = path;
  AssetModels loaded = load_asset_models(a, 12000, 4096);
  ASSERT_TRUE(loaded.anomaly.has_value()) << (loaded.problems.empty() ? "" : loaded.problems[0]);
  EXPECT_EQ(loaded.state, ModelState::ok);
  EXPECT_EQ(loaded.speed_rpm_min, 1700);
  EXPECT_EQ(loaded.speed_rpm_max, 1797);

  // The model decides within 10 % of the speeds it learned at; beyond, physics and ISO decide alone.
  {
    auto m =
        AssetMonitor::create(a, channel(), {}, load_asset_models(a, 12000, 4096), dsp::PlanEffort::estimate);
    ASSERT_TRUE(m.has_value());
    const auto w = healthy_window();
    for (const auto& [rpm, state] :
         {std::pair{1797.0, ModelState::ok}, std::pair{1600.0, ModelState::ok},
          std::pair{1500.0, ModelState::out_of_range}, std::pair{2000.0, ModelState::out_of_range}}) {
      auto d = m->process(Window{.samples = w}, rpm);
      ASSERT_TRUE(d.has_value()) << d.error().message;
      EXPECT_EQ((*d)->facts.model_state, state) << rpm;
      if (state == ModelState::out_of_range) {
        EXPECT_EQ((*d)->anomaly_score, 0.0) << rpm;
      }
    }
  }
  EXPECT_FALSE(load_asset_models(a, 25600, 25600).anomaly.has_value());
  std::filesystem::remove_all(dir);

  std::size_t healthy_alarms = 0;
  const auto fresh = features(sim::FaultKind::none, 200, 3);
  for (const auto& row : fresh) healthy_alarms += loaded.anomaly->score(row)->alarm ? 1 : 0;
  // A 1e-3 budget on 200 windows: 0.2 expected; 3 or more has probability ~1e-3 (binomial).
  EXPECT_LE(healthy_alarms, 2u);
  std::size_t fault_alarms = 0;
  for (const auto& row : features(sim::FaultKind::outer_race, 20, 4))
    fault_alarms += loaded.anomaly->score(row)->alarm ? 1 : 0;
  EXPECT_EQ(fault_alarms, 20u);  // 1 g impacts, far outside the healthy cloud
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
