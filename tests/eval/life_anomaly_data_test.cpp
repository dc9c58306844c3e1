// Per-asset anomaly models on real rigs: the six FEMTO/PRONOSTIA learning bearings at their full 10 s cadence
// (../shared/data/femto/full, unpacked once into the test's working folder and their features cached there),
// and the IMS 2nd-test snapshots (../shared/data/ims). The CLI runs the same functions (`vigil eval anomaly
// femto|ims`); docs/anomaly-rigs.md has the figures.
//
// Truth from outside the code: every FEMTO bearing ran until it failed (the test was stopped at 20 g), so its
// last snapshots are abnormal; the IMS README says which snapshots are healthy (the first two of the 2nd
// test, ten minutes apart) and which is near silent (the test's last file: a sensor reading nothing).
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "dsp/bearing.hpp"
#include "eval/life_anomaly.hpp"
#include "eval/rul_evaluation.hpp"
#include "eval/snapshot_anomaly.hpp"
#include "io/femto.hpp"
#include "io/ims.hpp"
#include "support/test_data.hpp"

namespace vigil::eval {
namespace VIGIL_TEST_FILE {

namespace fs = std::filesystem;

constexpr const char* k_bearings[] = {"Bearing1_1", "Bearing1_2", "Bearing2_1",
                                      "Bearing2_2", "Bearing3_1", "Bearing3_2"};

// The archives unpacked into ./data/femto-full (once: into a scratch folder renamed when complete, so an
// interrupted run leaves no half folder behind). Empty path when it fails.
fs::path unpacked_full_set() {
  const fs::path target = fs::absolute("data/femto-full");
  if (fs::is_directory(target)) return target;
  const fs::path scratch = fs::absolute("data/femto-full.partial");
  std::error_code ec;
  fs::remove_all(scratch, ec);
  fs::create_directories(scratch);
  for (const char* b : k_bearings) {
    const fs::path archive = test::data_dir() / "femto/full" / (std::string(b) + ".tar.xz");
    const std::string command = fmt::format("tar -xJf '{}' -C '{}'", archive.string(), scratch.string());
    if (std::system(command.c_str()) != 0) return {};
  }
  fs::rename(scratch, target, ec);
  return ec ? fs::path() : target;
}

class LifeAnomalyData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::have_data("femto/full/Bearing3_2.tar.xz")) return;
    const fs::path dir = unpacked_full_set();
    ASSERT_FALSE(dir.empty()) << "could not unpack " << test::data_dir() / "femto/full";
    lives_ = new std::vector<model::LifeFeatures>();
    for (const char* b : k_bearings) {
      auto life =
          read_femto_life(dir / b, b, *dsp::find_bearing("pronostia"), io::pronostia_condition(b)->speed_rpm,
                          {}, fs::absolute("cache/femto-anomaly"));
      ASSERT_TRUE(life.has_value()) << life.error().message;
      lives_->push_back(std::move(*life));
    }
  }
  static void TearDownTestSuite() {
    delete lives_;
    lives_ = nullptr;
  }
  static std::vector<model::LifeFeatures>* lives_;
};
std::vector<model::LifeFeatures>* LifeAnomalyData::lives_ = nullptr;

TEST_F(LifeAnomalyData, EveryRunToFailureEndsAbnormal) {
  VIGIL_REQUIRE_DATA("femto/full/Bearing3_2.tar.xz");
  ASSERT_NE(lives_, nullptr);
  std::size_t t2_held = 0;
  for (const auto& life : *lives_) {
    auto r = evaluate_life_anomaly(life);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->baseline_snapshots, 121u) << life.name;  // 0..1200 s at 10 s
    const DetectorOutcome& t2 = r->detectors[0];
    // The bearing failed at its end: its own model sees at least one of the last six snapshots (the last
    // minute) above the threshold set on its healthy start.
    bool last_minute = false;
    for (std::size_t i = r->snapshots - 6; i < r->snapshots; ++i)
      last_minute |= r->t2_score[i] > t2.threshold;
    EXPECT_TRUE(last_minute) << life.name;
    t2_held += std::isnan(t2.held_from_s) ? 0 : 1;
    // The RMS level at the same budget ends in an alarm on every bearing.
    EXPECT_FALSE(std::isnan(r->detectors[1].held_from_s)) << life.name;
    for (const auto& d : r->detectors) {
      fmt::print(
          "{:<11} {:<9} threshold {:>8.4g}  healthy {:>4}/{:<4} raises {}  first {:.3f}  held {:.3f}\n",
          life.name, to_string(d.detector), d.threshold, d.healthy_exceedances, d.healthy_snapshots,
          d.healthy_raises, d.first_alarm_s / r->life_s, d.held_from_s / r->life_s);
    }
  }
  // Bearing2_1's T^2 crosses its threshold at 2 of its last 7 snapshots, short of 3 of 5: five of six hold an
  // alarm at the end (docs/anomaly-rigs.md).
  EXPECT_GE(t2_held, 5u);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::eval
