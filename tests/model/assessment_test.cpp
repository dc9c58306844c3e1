// The learned assessment of a recording: the recording-level alarm rule against the binomial tail computed
// independently (scipy.stats.binom.sf), and the combination of anomaly model and classifier on simulated
// recordings whose truth is the simulator's (healthy vs outer-race fault), with a classifier whose
// probabilities are fixed by construction (zero weights, biases {2, 0, 0}: softmax gives e^2 / (e^2 + 2) =
// 0.78699 for the first label whatever the window).
#include "model/assessment.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dsp/bearing.hpp"
#include "dsp/iir.hpp"
#include "eval/anomaly_training.hpp"
#include "eval/labelled_windows.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/classifier_bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/features.hpp"
#include "model/health_index.hpp"
#include "model/train/model_export.hpp"
#include "sim/simulator.hpp"
#include "support/alloc_counter.hpp"
#include "support/random_mlp.hpp"
#include "support/simulated_windows.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

using namespace vigil::eval;

constexpr double k_rate_hz = test::k_sim_rate_hz;
constexpr std::size_t k_window_len = test::k_sim_window_len;
constexpr double k_speed_rpm = test::k_sim_speed_rpm;
const std::vector<std::string> k_labels = {"inner_race", "outer_race", "ball"};
const double k_first_label_probability = std::exp(2.0) / (std::exp(2.0) + 2.0);  // 0.786986

FeatureExtractorConfig extractor_config() { return test::simulated_extractor_config(); }

std::vector<float> simulate(sim::FaultKind kind, double rate_hz, std::size_t samples, std::uint64_t seed) {
  auto scenario = sim::Scenario::cwru_like(kind, k_speed_rpm);
  scenario.machine.sample_rate_hz = rate_hz;
  auto simulator = sim::Simulator::create(scenario, seed);
  EXPECT_TRUE(simulator.has_value()) << simulator.error().message;
  std::vector<float> x(samples);
  simulator->generate(x);
  return x;
}

// The anomaly model of 120 simulated healthy windows (one recording; the last quarter calibrates).
AnomalyModel healthy_model() {
  LabelledWindows table{
      .sample_rate_hz = k_rate_hz, .window_len = k_window_len, .hop = k_window_len, .rows = {}};
  test::add_simulated(table, sim::FaultKind::none, domain::FaultType::normal, "healthy", 120, 5);
  auto trained = train_anomaly_model(table);
  EXPECT_TRUE(trained.has_value()) << trained.error().message;
  return std::move(trained->model);
}

ClassifierModel fixed_classifier(double abstain_threshold) {
  MlpSpec spec;
  spec.layers.push_back(DenseLayer{.inputs = k_classifier_feature_count,
                                   .outputs = 3,
                                   .weight = std::vector<float>(3 * k_classifier_feature_count, 0.0f),
                                   .bias = {2.0f, 0.0f, 0.0f},
                                   .activation = Activation::softmax});
  auto bundle =
      train::make_classifier_bundle(spec, k_labels, abstain_threshold, {{"sample_rate_hz", k_rate_hz}});
  EXPECT_TRUE(bundle.has_value()) << bundle.error().message;
  auto model = ClassifierModel::from_bundle(*bundle);
  EXPECT_TRUE(model.has_value()) << model.error().message;
  return std::move(*model);
}

TEST(AlarmsNeeded, IsTheSmallestCountWhoseBinomialTailFitsTheBudget) {
  // scipy.stats.binom.sf(k - 1, n, a) <= a first at k (the tail one below exceeds a):
  //   n=14 a=1e-3: k=2 (9.03e-5; 1.39e-2)   n=10 a=0.1: k=3 (0.0702; 0.264)   n=1 a=1e-3: k=1 (1e-3)
  //   n=1000 a=1e-3: k=6 (5.88e-4; 3.64e-3) n=200 a=0.05: k=16 (0.0444; 0.0781)
  EXPECT_EQ(*alarms_needed(14, 1e-3), 2u);
  EXPECT_EQ(*alarms_needed(10, 0.1), 3u);
  EXPECT_EQ(*alarms_needed(1, 1e-3), 1u);
  EXPECT_EQ(*alarms_needed(1000, 1e-3), 6u);
  EXPECT_EQ(*alarms_needed(200, 0.05), 16u);
  EXPECT_FALSE(alarms_needed(0, 1e-3).has_value());
  EXPECT_FALSE(alarms_needed(10, 0.0).has_value());
  EXPECT_FALSE(alarms_needed(10, 1.0).has_value());
}

class AssessRecording : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new AnomalyModel(healthy_model()); }
  static void TearDownTestSuite() { delete model_; }
  static AnomalyModel* model_;
};
AnomalyModel* AssessRecording::model_ = nullptr;

TEST_F(AssessRecording, AHealthyRecordingIsNormalAndAFaultyOneIsNamedByTheClassifier) {
  auto assessor = WindowAssessor::create(extractor_config(), *model_, fixed_classifier(0.6));
  ASSERT_TRUE(assessor.has_value()) << assessor.error().message;

  const auto healthy = simulate(sim::FaultKind::none, k_rate_hz, 12 * k_window_len + 100, 77);
  auto h = assess_recording(*assessor, healthy, k_rate_hz, k_speed_rpm, "healthy.mat");
  ASSERT_TRUE(h.has_value()) << h.error().message;
  EXPECT_EQ(h->windows, 12u);       // the 100 samples left over make no window
  EXPECT_EQ(h->alarms_needed, 2u);  // 12 windows at a 1e-3 budget
  EXPECT_LT(h->alarms, h->alarms_needed);
  EXPECT_FALSE(h->abnormal);
  EXPECT_EQ(h->verdict, "normal");
  EXPECT_EQ(h->classified_windows, 12u);  // not abnormal: the classifier's average covers every window

  const auto faulty = simulate(sim::FaultKind::outer_race, k_rate_hz, 12 * k_window_len, 78);
  auto f = assess_recording(*assessor, faulty, k_rate_hz, k_speed_rpm, "or.mat");
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_TRUE(f->abnormal);
  EXPECT_EQ(f->classified_windows, f->alarms);  // the average covers the alarming windows only
  EXPECT_EQ(f->verdict, "inner_race");          // what the fixed classifier always says
  EXPECT_NEAR(f->confidence, k_first_label_probability, 1e-6);
  ASSERT_EQ(f->mean_probabilities.size(), 3u);
  EXPECT_NEAR(f->mean_probabilities[1], 1.0 / (std::exp(2.0) + 2.0), 1e-6);
}

// The edge's whole per-window path in steady state: samples in, schema features, the anomaly score, the
// fault class, the health index; nothing on it may touch the heap (STYLE: hot paths allocate nothing). The
// classifier is a trained-shape network (44 -> 64 -> 32 -> 3) served from its bundle; windows alternate
// healthy and outer-race faults so that every branch (alarm or not, abstain or not) is exercised.
TEST_F(AssessRecording, TheWholeWindowPathAllocatesNothingInSteadyState) {
  const MlpSpec spec = test::random_mlp({k_classifier_feature_count, 64, 32, 3},
                                        {Activation::relu, Activation::relu, Activation::softmax}, 5);
  auto bundle = train::make_classifier_bundle(spec, k_labels, 0.6, {{"sample_rate_hz", k_rate_hz}});
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
  auto classifier = ClassifierModel::from_bundle(*bundle);
  ASSERT_TRUE(classifier.has_value()) << classifier.error().message;
  auto assessor = WindowAssessor::create(extractor_config(), *model_, std::move(*classifier));
  ASSERT_TRUE(assessor.has_value()) << assessor.error().message;
  auto health = HealthMonitor::create({.baseline_s = 8, .baseline_min_snapshots = 8});
  ASSERT_TRUE(health.has_value()) << health.error().message;

  constexpr std::size_t k_windows = 16;
  const auto healthy = simulate(sim::FaultKind::none, k_rate_hz, k_windows / 2 * k_window_len, 91);
  const auto faulty = simulate(sim::FaultKind::outer_race, k_rate_hz, k_windows / 2 * k_window_len, 92);
  const auto window = [&](std::size_t w) {
    const auto& x = w % 2 == 0 ? healthy : faulty;
    return std::span<const float>(x).subspan(w / 2 * k_window_len, k_window_len);
  };
  double time_s = 0;
  std::size_t alarms = 0, classified = 0;
  const auto one_window = [&](std::size_t w) {
    auto a = assessor->assess(window(w), k_speed_rpm);
    ASSERT_TRUE(a.has_value()) << a.error().message;
    ASSERT_TRUE(a->anomaly && a->classification);
    alarms += a->anomaly->alarm ? 1 : 0;
    classified += a->classification->abstained ? 0 : 1;
    time_s += 1.0;
    ASSERT_TRUE(health->update(time_s, a->anomaly->score).has_value());
  };
  for (std::size_t w = 0; w < k_windows; ++w) one_window(w);  // warm-up: first use of every buffer

  test::AllocationScope scope;
  for (int pass = 0; pass < 3; ++pass)
    for (std::size_t w = 0; w < k_windows; ++w) one_window(w);
  EXPECT_EQ(scope.allocations(), 0u) << "over " << 3 * k_windows << " windows";
  EXPECT_GT(alarms, 0u);  // the faulty windows alarm: the path was exercised, not short-cut
  EXPECT_TRUE(health->state().baseline_ready);
}

TEST_F(AssessRecording, TheClassifierAbstainsBelowItsThresholdAndStandsAloneWithoutAnAnomalyModel) {
  const auto faulty = simulate(sim::FaultKind::outer_race, k_rate_hz, 8 * k_window_len, 79);
  auto cautious = WindowAssessor::create(extractor_config(), *model_, fixed_classifier(0.9));
  ASSERT_TRUE(cautious.has_value());
  auto u = assess_recording(*cautious, faulty, k_rate_hz, k_speed_rpm, "or.mat");
  ASSERT_TRUE(u.has_value()) << u.error().message;
  EXPECT_TRUE(u->abnormal);
  EXPECT_EQ(u->verdict, "unknown");  // 0.787 < 0.9
  EXPECT_DOUBLE_EQ(u->confidence, u->median_confidence);

  auto alone = WindowAssessor::create(extractor_config(), std::nullopt, fixed_classifier(0.6));
  ASSERT_TRUE(alone.has_value());
  auto c = assess_recording(*alone, faulty, k_rate_hz, k_speed_rpm, "or.mat");
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->has_anomaly);
  EXPECT_EQ(c->classified_windows, 8u);
  EXPECT_EQ(c->verdict, "inner_race");

  auto anomaly_only = WindowAssessor::create(extractor_config(), *model_, std::nullopt);
  ASSERT_TRUE(anomaly_only.has_value());
  auto a = assess_recording(*anomaly_only, faulty, k_rate_hz, k_speed_rpm, "or.mat");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->verdict, "abnormal");
}

TEST_F(AssessRecording, ARecordingAtAMultipleOfTheModelRateIsDecimatedAsInTraining) {
  // 48 kHz: 4:1 decimation (dsp::decimate), then k_default_settle_samples dropped, then disjoint windows:
  // the same outcome as assessing those 12 kHz samples directly.
  const std::size_t samples = 4 * (6 * k_window_len + k_default_settle_samples);
  const auto x = simulate(sim::FaultKind::outer_race, 4 * k_rate_hz, samples, 80);
  auto assessor = WindowAssessor::create(extractor_config(), *model_, fixed_classifier(0.6));
  ASSERT_TRUE(assessor.has_value());
  auto r = assess_recording(*assessor, x, 4 * k_rate_hz, k_speed_rpm, "97.mat");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->windows, 6u);

  auto decimated = dsp::decimate(x, 4, 4 * k_rate_hz);
  ASSERT_TRUE(decimated.has_value());
  const auto settled = std::span<const float>(*decimated).subspan(k_default_settle_samples);
  auto direct = assess_recording(*assessor, settled, k_rate_hz, k_speed_rpm, "direct");
  ASSERT_TRUE(direct.has_value()) << direct.error().message;
  EXPECT_EQ(direct->windows, 6u);
  EXPECT_EQ(r->alarms, direct->alarms);
  EXPECT_EQ(r->median_confidence, direct->median_confidence);
  EXPECT_EQ(r->mean_probabilities, direct->mean_probabilities);
}

TEST_F(AssessRecording, RefusesNoModelAShortRecordingAndAnUnrelatedRate) {
  EXPECT_FALSE(WindowAssessor::create(extractor_config(), std::nullopt, std::nullopt).has_value());
  auto assessor = WindowAssessor::create(extractor_config(), *model_, std::nullopt);
  ASSERT_TRUE(assessor.has_value());
  const std::vector<float> short_x(k_window_len - 1, 0.01f);
  auto s = assess_recording(*assessor, short_x, k_rate_hz, k_speed_rpm, "short.csv");
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("short.csv"), std::string::npos);
  EXPECT_NE(s.error().message.find("shorter than one"), std::string::npos);
  const std::vector<float> x(3 * k_window_len, 0.01f);
  auto r = assess_recording(*assessor, x, 25600, k_speed_rpm, "femto.csv");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::unsupported);
  EXPECT_NE(r.error().message.find("not an integer multiple"), std::string::npos);
}

TEST(WindowSetupOf, ReadsTheTrainingWindowsAndRefusesABundleWithout) {
  Bundle b;
  b.kind = ModelKind::classifier;
  b.training = {{"sample_rate_hz", 12000.0}, {"window_len", 4096}};
  auto s = window_setup_of(b);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->sample_rate_hz, 12000.0);
  EXPECT_EQ(s->window_len, 4096u);
  b.training = {{"sample_rate_hz", 12000.0}};
  auto missing = window_setup_of(b);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("window_len"), std::string::npos);
}

TEST(WindowSetupOf, ReadsTheTrainedSpeedRangeWhenRecordedAndRefusesAHalfOrInvertedOne) {
  Bundle b;
  b.kind = ModelKind::anomaly;
  b.training = {{"sample_rate_hz", 12000.0}, {"window_len", 4096}};
  EXPECT_EQ(window_setup_of(b)->speed_rpm_max, 0.0);  // not recorded: no range
  b.training["speed_rpm_min"] = 1730.0;
  b.training["speed_rpm_max"] = 1797.0;
  auto s = window_setup_of(b);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->speed_rpm_min, 1730.0);
  EXPECT_EQ(s->speed_rpm_max, 1797.0);
  for (const auto& [min, max] : {std::pair{1800.0, 1797.0}, std::pair{0.0, 1797.0}}) {
    b.training["speed_rpm_min"] = min;
    b.training["speed_rpm_max"] = max;
    auto bad = window_setup_of(b);
    ASSERT_FALSE(bad.has_value()) << min << " " << max;
    EXPECT_NE(bad.error().message.find("speed_rpm_min"), std::string::npos);
  }
  b.training.erase("speed_rpm_max");
  EXPECT_FALSE(window_setup_of(b).has_value());
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
