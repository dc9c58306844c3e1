// The RUL pipeline on the real FEMTO/PRONOSTIA learning set (thinned copy), the way the CLI runs it:
// `vigil eval femto DIR --rul` is evaluate_rul_lobo on the lives read here, `vigil train rul` is
// fit_rul_prior on all of them plus a bundle, `vigil rul` is replay_rul with the bundle's model.
//
// Asserted: the alarm targets (an alarm before the end of every life, none in its first 30 %) and
// the bundle round trip on disk. Printed: the leave-one-bearing-out table and PHM 2012 scores (six lives
// are too few to promise a score; docs/rul.md discusses them).
#include <array>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "io/femto.hpp"
#include "model/bundle.hpp"
#include "model/rul_pipeline.hpp"
#include "support/test_data.hpp"

namespace vigil::model {
namespace {

namespace fs = std::filesystem;

struct LearningBearing {
  const char* name;
  double speed_rpm;  // condition 1, 2, 3: 1800, 1650, 1500 rpm (challenge PDF)
};
constexpr std::array<LearningBearing, 6> k_bearings{{{"Bearing1_1", 1800},
                                                     {"Bearing1_2", 1800},
                                                     {"Bearing2_1", 1650},
                                                     {"Bearing2_2", 1650},
                                                     {"Bearing3_1", 1500},
                                                     {"Bearing3_2", 1500}}};

LifeFeatures read_life(const LearningBearing& b, const RulScoreConfig& score) {
  auto life = read_femto_life(test::data_dir() / "femto/Learning_set" / b.name, b.name,
                              *dsp::find_bearing("pronostia"), b.speed_rpm, score);
  EXPECT_TRUE(life.has_value()) << (life ? "" : life.error().message);
  return life ? std::move(*life) : LifeFeatures{b.name, {}, {}};
}

class RulPipelineData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::have_data("femto/Learning_set/Bearing1_1")) return;
    lives_ = new std::vector<LifeFeatures>();
    for (const auto& b : k_bearings) lives_->push_back(read_life(b, RulScoreConfig{}));
  }
  static void TearDownTestSuite() {
    delete lives_;
    lives_ = nullptr;
  }
  static std::vector<LifeFeatures>* lives_;
};
std::vector<LifeFeatures>* RulPipelineData::lives_ = nullptr;

TEST_F(RulPipelineData, LeaveOneBearingOutAlarmsOnEveryLifeNeverEarlyAndPrintsTheTable) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  const std::array<double, 3> fractions{0.5, 0.7, 0.9};
  const RulConfig config;
  auto report = evaluate_rul_lobo(*lives_, config, RulScoreConfig{}, fractions, 0.3);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  fmt::print("\n{:<11} {:>7} {:>8} {:>8} {:>8}\n", "bearing", "life_s", "onset_s", "alarm_s", "lead_s");
  for (const auto& l : report->lives) {
    SCOPED_TRACE(l.name);
    EXPECT_TRUE(l.alarm);
    EXPECT_FALSE(l.early_alarm);
    fmt::print("{:<11} {:>7.0f} {:>8.0f} {:>8.0f} {:>8.0f}\n", l.name, l.life_s, l.onset_s, l.detected_s,
               l.lead_s);
  }
  fmt::print("{:<11} {:>4} {:>8} {:>5} {:>8} {:>21} {:>8} {:>8} {:>6}\n", "held out", "cut", "t_s", "onset",
             "RUL_s", "90% interval_s", "ActRUL_s", "Er%", "A");
  for (const auto& l : report->lives) {
    for (const auto& c : l.cuts) {
      const RulEstimate& e = c.replay.estimate;
      EXPECT_LE(e.rul_low_s, e.rul_s);
      EXPECT_LE(e.rul_s, e.rul_high_s);
      fmt::print("{:<11} {:>3.0f}% {:>8.0f} {:>5} {:>8.0f} [{:>8.0f},{:>10.0f}] {:>8.0f} {:>8.1f} {:>6.3f}\n",
                 l.name, 100 * c.fraction, e.time_s, e.onset_found ? "yes" : "no", e.rul_s, e.rul_low_s,
                 e.rul_high_s, c.actual_rul_s, c.percent_error, c.accuracy);
    }
  }
  for (std::size_t c = 0; c < fractions.size(); ++c) {
    fmt::print("PHM 2012 score at {:.0f} % of life: {:.3f}\n", 100 * fractions[c],
               report->phm_score_per_cut[c]);
  }
  fmt::print("PHM 2012 score over all cuts: {:.3f}\n", report->phm_score_all);
  EXPECT_EQ(report->alarms_before_end, k_bearings.size());
  EXPECT_EQ(report->early_alarms, 0u);
  RecordProperty("phm_score_all_cuts", fmt::format("{:.3f}", report->phm_score_all));
}

// `vigil train rul` then `vigil rul`: a model from all six lives, written and read back as a bundle file,
// gives the same estimate as the model in memory.
TEST_F(RulPipelineData, ModelTrainedOnAllBearingsSurvivesTheBundleFile) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  const RulConfig config;
  auto fit = fit_rul_prior(*lives_, config, RulScoreConfig{});
  ASSERT_TRUE(fit.has_value()) << fit.error().message;
  const RulModel model{fit->prior, config, RulScoreConfig{}};
  auto bundle = make_rul_bundle(model, {{"bearings", k_bearings.size()}, {"snapshots", 616}});
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
  const fs::path path = fs::temp_directory_path() / "vigil_rul_pipeline_data_test.vigil";
  ASSERT_TRUE(write_bundle(path, *bundle).has_value());
  auto read = read_bundle(path, ModelKind::rul, k_rul_score_version);
  fs::remove(path);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  auto back = rul_model_from_bundle(*read);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  for (const auto& life : *lives_) {
    auto a = replay_rul(model, life, 0.9 * life.time_s.back());
    auto b = replay_rul(*back, life, 0.9 * life.time_s.back());
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->estimate.rul_s, b->estimate.rul_s) << life.name;
    fmt::print("{} at 90 %: {}\n", life.name,
               rul_sentence(*b, config.interval_probability, config.horizon_s));
  }
}

}  // namespace
}  // namespace vigil::model
