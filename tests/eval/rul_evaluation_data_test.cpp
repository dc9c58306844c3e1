// The RUL pipeline on the real FEMTO/PRONOSTIA learning set (thinned copy), the way the CLI runs it:
// `vigil eval femto DIR --rul` is evaluate_rul_lobo on the lives read here, `vigil train rul` is
// fit_rul_prior on all of them plus a bundle, `vigil rul` is replay_rul with the bundle's model.
//
// Both score kinds (RulScoreKind) come from one read of the six lives (read_femto_life returns both feature
// sets). Asserted: the alarm targets for the default kind (an alarm before the end of every life,
// none in its first 30 %); for schema_t2 what it does meet (no alarm in the first 30 % of any life; every
// alarm before the end) — it misses Bearing3_1 (docs/rul.md); the bundle round trip on disk for both.
// Printed: the leave-one-bearing-out tables and PHM 2012 scores (six lives are too few to promise a score;
// docs/rul.md discusses them) and, for schema_t2, why an alarm comes or not (baseline, shrinkage, alarm
// level against the largest distance near the end).
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "eval/rul_evaluation.hpp"
#include "io/femto.hpp"
#include "model/bundle.hpp"
#include "model/health_index.hpp"
#include "model/rul_pipeline.hpp"
#include "support/test_data.hpp"

namespace vigil::eval {
namespace {

using namespace vigil::model;

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
  return life ? std::move(*life) : LifeFeatures{b.name, {}, {}, {}};
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

Result<LoboReport> lobo_and_print(const std::vector<LifeFeatures>& lives, const RulScoreConfig& score) {
  const std::array<double, 3> fractions{0.5, 0.7, 0.9};
  auto report = evaluate_rul_lobo(lives, RulConfig{}, score, fractions, 0.3);
  if (!report) return report;
  fmt::print("\nscore {}\n{:<11} {:>7} {:>8} {:>8} {:>8}\n", to_string(score.kind), "bearing", "life_s",
             "onset_s", "alarm_s", "lead_s");
  for (const auto& l : report->lives) {
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
  fmt::print("PHM 2012 score over all cuts: {:.3f}; alarms before the end {}/{}, in the first 30 %: {}\n",
             report->phm_score_all, report->alarms_before_end, report->lives.size(), report->early_alarms);
  return report;
}

TEST_F(RulPipelineData, LeaveOneBearingOutAlarmsOnEveryLifeNeverEarlyAndPrintsTheTable) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  RulScoreConfig score;
  score.kind = RulScoreKind::log_rms_kurtosis;
  ASSERT_EQ(RulScoreConfig{}.kind, score.kind) << "the default kind must meet the targets asserted here";
  auto report = lobo_and_print(*lives_, score);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  for (const auto& l : report->lives) {
    SCOPED_TRACE(l.name);
    EXPECT_TRUE(l.alarm);
    EXPECT_FALSE(l.early_alarm);
  }
  EXPECT_EQ(report->alarms_before_end, k_bearings.size());
  EXPECT_EQ(report->early_alarms, 0u);
  RecordProperty("phm_score_all_cuts", fmt::format("{:.3f}", report->phm_score_all));
}

// schema_t2 (robust Scaler + Ledoit-Wolf T^2 on the 28 schema features, fitted on each bearing's 9 baseline
// snapshots of the thinned copy): no alarm in the first 30 % of any life, every alarm before the end. Not
// asserted: an alarm on every life (Bearing3_1 has none).
TEST_F(RulPipelineData, SchemaT2LeaveOneBearingOutNeverAlarmsEarlyAndPrintsWhy) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  RulScoreConfig score;
  score.kind = RulScoreKind::schema_t2;
  auto report = lobo_and_print(*lives_, score);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->early_alarms, 0u);
  for (const auto& l : report->lives) {
    if (std::isfinite(l.detected_s)) {
      EXPECT_LT(l.detected_s, l.life_s) << l.name;
    }
  }
  RecordProperty("schema_t2_phm_score_all_cuts", fmt::format("{:.3f}", report->phm_score_all));

  const HealthIndexConfig health;
  fmt::print("\n{:<11} {:>4} {:>9} {:>8} {:>8} {:>14} {:>12}\n", "bearing", "n_b", "shrinkage", "d_med", "d*",
             "max d last10%", "max d early");
  for (const auto& life : *lives_) {
    auto b = schema_baseline(life, health);
    ASSERT_TRUE(b.has_value()) << b.error().message;
    auto s = anomaly_scores(life, health, score);
    ASSERT_TRUE(s.has_value()) << s.error().message;
    auto track = track_health(life.time_s, *s, health);
    ASSERT_TRUE(track.has_value());
    const double end_s = life.time_s.back();
    double max_late = 0, max_early = 0;
    for (std::size_t i = b->count; i < s->size(); ++i) {
      const double d = std::sqrt((*s)[i]);
      if (life.time_s[i] >= 0.9 * end_s) max_late = std::max(max_late, d);
      if (life.time_s[i] < 0.3 * end_s) max_early = std::max(max_early, d);
    }
    fmt::print("{:<11} {:>4} {:>9.3f} {:>8.2f} {:>8.2f} {:>14.2f} {:>12.2f}\n", life.name, b->count,
               b->detector.shrinkage(), track->baseline.distance_centre, track->baseline.distance_threshold,
               max_late, max_early);
  }
}

// `vigil train rul` then `vigil rul`: a model from all six lives, written and read back as a bundle file,
// gives the same estimate as the model in memory.
TEST_F(RulPipelineData, ModelTrainedOnAllBearingsSurvivesTheBundleFile) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  const RulConfig config;
  for (RulScoreKind kind : k_rul_score_kinds) {
    SCOPED_TRACE(to_string(kind));
    RulScoreConfig score;
    score.kind = kind;
    auto fit = fit_rul_prior(*lives_, config, score);
    ASSERT_TRUE(fit.has_value()) << fit.error().message;
    const RulModel model{fit->prior, config, score};
    auto bundle = make_rul_bundle(model, {{"bearings", k_bearings.size()}, {"snapshots", 616}});
    ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
    const fs::path path = fs::temp_directory_path() / "vigil_rul_pipeline_data_test.vigil";
    ASSERT_TRUE(write_bundle(path, *bundle).has_value());
    auto read = read_bundle(path, ModelKind::rul, k_rul_score_version);
    fs::remove(path);
    ASSERT_TRUE(read.has_value()) << read.error().message;
    auto back = rul_model_from_bundle(*read);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back->score.kind, kind);
    for (const auto& life : *lives_) {
      auto a = replay_rul(model, life, 0.9 * life.time_s.back());
      auto b = replay_rul(*back, life, 0.9 * life.time_s.back());
      ASSERT_TRUE(a && b);
      EXPECT_EQ(a->estimate.rul_s, b->estimate.rul_s) << life.name;
      fmt::print("{} {} at 90 %: {}\n", to_string(kind), life.name,
                 rul_sentence(*b, config.interval_probability, config.horizon_s));
    }
  }
}

}  // namespace
}  // namespace vigil::eval
