// The RUL training and evaluation on the real FEMTO/PRONOSTIA learning set (thinned copy: every 15th
// snapshot plus the last 20, see its README), the way the CLI runs them: `vigil eval femto DIR --rul` is
// evaluate_rul_nested on the lives read here, `vigil train rul` is train_rul plus a bundle, `vigil rul` is
// replay_rul with the bundle's model. The full-cadence figures are measured with the CLI (docs/rul.md).
//
// Asserted: the nested evaluation scores every truncation of every bearing with the choice made without
// it; the estimate of a bearing re-thinned once more (every 2nd of the thinned snapshots: 300 s apart) lies
// within the interval of the thinned one at common times, and vice versa, once the onset is seen by both
// (before it the fleet statement is exactly the same: it depends only on the age); the model survives
// the bundle file. Printed: the distribution of the PHM 2012 accuracy, per bearing and over all rows.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "eval/rul_evaluation.hpp"
#include "io/femto.hpp"
#include "model/bundle.hpp"
#include "model/rul_pipeline.hpp"
#include "support/test_data.hpp"

namespace vigil::eval {
namespace VIGIL_TEST_FILE {

using namespace vigil::model;

namespace fs = std::filesystem;

class RulEvaluationData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::have_data("femto/Learning_set/Bearing1_1")) return;
    lives_ = new std::vector<LifeFeatures>();
    auto bearings = io::find_femto_bearings(test::data_dir() / "femto/Learning_set");
    ASSERT_TRUE(bearings.has_value()) << bearings.error().message;
    for (const auto& b : *bearings) {
      auto life = read_femto_life(b.dir, b.name, *dsp::find_bearing("pronostia"), b.condition->speed_rpm);
      ASSERT_TRUE(life.has_value()) << life.error().message;
      lives_->push_back(std::move(*life));
    }
  }
  static void TearDownTestSuite() {
    delete lives_;
    lives_ = nullptr;
  }
  static std::vector<LifeFeatures>* lives_;
};
std::vector<LifeFeatures>* RulEvaluationData::lives_ = nullptr;

TEST_F(RulEvaluationData, NestedEvaluationScoresEveryTruncationWithChoicesMadeWithoutTheBearing) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  ASSERT_EQ(lives_->size(), 6u);
  const auto grid = default_rul_candidates();
  const auto fractions = default_truncation_fractions();
  auto report = evaluate_rul_nested(*lives_, grid, fractions);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  ASSERT_EQ(report->folds.size(), 6u);
  EXPECT_EQ(report->accuracy.count, 6 * fractions.size());
  for (std::size_t i = 0; i < 6; ++i) {
    const NestedFold& f = report->folds[i];
    const RulSelection& s = f.trained.selection;
    EXPECT_EQ(f.held_out, (*lives_)[i].name);
    EXPECT_EQ(f.trained.model.fleet.lives, 5u);  // the other five only
    fmt::print(
        "{:<11} chosen {} alpha {} q {}/{} (inner {:.3f}); A mean {:.3f} median {:.3f} [q10 {:.3f}, q90 "
        "{:.3f}]\n",
        f.held_out, to_string(s.grid[s.chosen].kind), s.grid[s.chosen].false_alarm_probability,
        s.grid[s.chosen].point.fleet, s.grid[s.chosen].point.degradation, s.mean_accuracy[s.chosen],
        report->accuracy_by_life[i].mean, report->accuracy_by_life[i].median, report->accuracy_by_life[i].q10,
        report->accuracy_by_life[i].q90);
    for (const auto& r : f.rows) {
      ASSERT_TRUE(std::isfinite(r.estimate.rul_s)) << f.held_out << " " << r.fraction;
      EXPECT_LT(r.estimate.rul_high_s, 1e6);  // the fleet bounds every statement: no cap, no infinity
    }
  }
  fmt::print(
      "thinned learning set, nested: mean A {:.3f}, median {:.3f}; over 3x the actual RUL under 1 h: {} of "
      "{}\n",
      report->accuracy.mean, report->accuracy.median, report->over_3x_within_1h, report->within_1h);
  RecordProperty("phm_mean_accuracy", fmt::format("{:.3f}", report->accuracy.mean));
}

// Every 2nd snapshot of each thinned life (a 300 s interval, 20 s at the end): the same trained model,
// estimates at the common snapshots from 40 % of life on. Before any onset the two are equal (the fleet
// statement depends on the age only). Once both have seen an onset, each estimate lies in the other's 90 %
// interval at two thirds of the comparisons at least (measured: 22 of 22 with the defaults chosen now; 14 of
// 18 when the choice was by mean A alone, where the misses were onsets found at different times: half the
// snapshots are a different sample of the same life, and where the score hovers near the alarm level the
// run that alarms first differs). The synthetic test in tests/model/rul_test.cpp checks the invariance where
// the truth is known.
TEST_F(RulEvaluationData, RethinnedLivesGiveTheSameEstimateWithinItsInterval) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  const auto grid = default_rul_candidates();
  const auto fractions = default_truncation_fractions();
  std::size_t compared = 0, within = 0, fleet_equal = 0, fleet_compared = 0;
  for (std::size_t h = 0; h < lives_->size(); ++h) {
    std::vector<LifeFeatures> others;
    for (std::size_t j = 0; j < lives_->size(); ++j) {
      if (j != h) others.push_back((*lives_)[j]);
    }
    auto trained = train_rul(others, grid, fractions);
    ASSERT_TRUE(trained.has_value()) << trained.error().message;
    const LifeFeatures& life = (*lives_)[h];
    LifeFeatures thin{life.name, {}, {}, {}};
    for (std::size_t i = 0; i < life.time_s.size(); i += 2) {
      thin.time_s.push_back(life.time_s[i]);
      thin.features.push_back(life.features[i]);
      thin.schema.push_back(life.schema[i]);
    }
    for (std::size_t i = 0; i < thin.time_s.size(); i += 4) {
      const double t = thin.time_s[i];
      if (t < 0.4 * life.time_s.back()) continue;
      auto a = replay_rul(trained->model, life, t), b = replay_rul(trained->model, thin, t);
      ASSERT_TRUE(a && b);
      const RulEstimate &x = a->estimate, &y = b->estimate;
      if (!x.onset_found && !y.onset_found) {
        ++fleet_compared;
        fleet_equal += x.rul_s == y.rul_s ? 1 : 0;
        continue;
      }
      if (!(x.onset_found && y.onset_found)) continue;
      ++compared;
      const bool agree = y.rul_s >= x.rul_low_s && y.rul_s <= x.rul_high_s && x.rul_s >= y.rul_low_s &&
                         x.rul_s <= y.rul_high_s;
      within += agree ? 1 : 0;
      if (!agree) {
        fmt::print(
            "  {} at {:.0f} s: thinned {:.0f} s [{:.0f}, {:.0f}] (onset {:.0f} s), re-thinned {:.0f} s "
            "[{:.0f}, {:.0f}] (onset {:.0f} s)\n",
            life.name, t, x.rul_s, x.rul_low_s, x.rul_high_s, x.onset_s, y.rul_s, y.rul_low_s, y.rul_high_s,
            y.onset_s);
      }
    }
  }
  fmt::print(
      "re-thinned: {} of {} post-onset comparisons within each other's interval; fleet statements equal "
      "{} of {}\n",
      within, compared, fleet_equal, fleet_compared);
  EXPECT_EQ(fleet_equal, fleet_compared);
  ASSERT_GT(compared, 10u);
  EXPECT_GE(3 * within, 2 * compared);
}

// `vigil train rul` then `vigil rul`: the model trained on all six lives, written and read back as a bundle
// file, gives the same estimate as the model in memory.
TEST_F(RulEvaluationData, ModelTrainedOnAllBearingsSurvivesTheBundleFile) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  auto trained = train_rul(*lives_, default_rul_candidates(), default_truncation_fractions());
  ASSERT_TRUE(trained.has_value()) << trained.error().message;
  const RulModel& model = trained->model;
  auto bundle =
      make_rul_bundle(model, {{"bearings", lives_->size()}, {"selection", to_json(trained->selection)}});
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
  const fs::path path = fs::temp_directory_path() / "vigil_rul_evaluation_data_test.vigil";
  ASSERT_TRUE(write_bundle(path, *bundle).has_value());
  auto read = read_bundle(path, ModelKind::rul, k_rul_score_version);
  fs::remove(path);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  auto back = rul_model_from_bundle(*read);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->score.kind, model.score.kind);
  for (const auto& life : *lives_) {
    auto a = replay_rul(model, life, 0.9 * life.time_s.back());
    auto b = replay_rul(*back, life, 0.9 * life.time_s.back());
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->estimate.rul_s, b->estimate.rul_s) << life.name;
    fmt::print("{} at 90 %: {}\n", life.name, rul_sentence(*b, model.config.interval_probability));
  }
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::eval
