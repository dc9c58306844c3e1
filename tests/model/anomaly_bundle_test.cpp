// The anomaly model as a bundle: trained on simulated healthy windows (sim cwru_like, no fault), written,
// parsed back, and scored: the loaded model must give the in-memory model's T^2, confidence and alarm, it
// must alarm on simulated outer-race windows (simulator ground truth), score without allocating, stay
// under the bundle size limit, and refuse bundles of another kind or feature schema.
#include "model/anomaly_bundle.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "dsp/bearing.hpp"
#include "eval/anomaly_training.hpp"
#include "model/bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/features.hpp"
#include "sim/simulator.hpp"
#include "support/alloc_counter.hpp"
#include "support/simulated_windows.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

// The d x d identity, row-major.
std::vector<double> identity(std::size_t d) {
  std::vector<double> m(d * d, 0.0);
  for (std::size_t i = 0; i < d; ++i) m[i * d + i] = 1;
  return m;
}

using namespace vigil::eval;

constexpr double k_rate_hz = test::k_sim_rate_hz;
constexpr std::size_t k_window_len = test::k_sim_window_len;
constexpr double k_speed_rpm = test::k_sim_speed_rpm;

using vigil::test::add_simulated;

struct Fixture {
  LabelledWindows table;            // 120 healthy windows, then 40 outer-race windows
  std::vector<std::size_t> faults;  // rows of the outer-race windows
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture out;
    out.table.sample_rate_hz = k_rate_hz;
    out.table.window_len = k_window_len;
    add_simulated(out.table, sim::FaultKind::none, domain::FaultType::normal, "healthy.sim", 120, 11);
    const std::size_t first_fault = out.table.rows.size();
    add_simulated(out.table, sim::FaultKind::outer_race, domain::FaultType::outer_race, "outer.sim", 40, 12);
    for (std::size_t i = first_fault; i < out.table.rows.size(); ++i) out.faults.push_back(i);
    return out;
  }();
  return f;
}

Result<Bundle> round_trip(const Bundle& bundle) {
  auto bytes = serialize_bundle(bundle);
  if (!bytes) return std::unexpected(bytes.error());
  return parse_bundle(*bytes, "anomaly.vigil");
}

TEST(AnomalyBundle, HoldsBackTheLastQuarterOfEachHealthyRecordingForCalibration) {
  auto trained = train_anomaly_model(fixture().table);
  ASSERT_TRUE(trained.has_value()) << trained.error().message;
  // 120 disjoint windows: the cut is at 0.75 x 120 window lengths, so windows 0..89 fit and 90..119
  // calibrate.
  EXPECT_EQ(trained->fit_windows, 90u);
  EXPECT_EQ(trained->calibration_windows, 30u);
  EXPECT_EQ(trained->straddling_windows, 0u);
  EXPECT_EQ(trained->model.calibration().calibration_count(), 30u);
  EXPECT_EQ(trained->recordings, std::vector<std::string>{"healthy.sim"});
  ASSERT_NE(trained->model.gaussian(), nullptr);
  EXPECT_EQ(trained->model.gaussian()->samples(), 90u);
}

TEST(AnomalyBundle, LoadedModelScoresExactlyAsTheInMemoryOne) {
  auto trained = train_anomaly_model(fixture().table);
  ASSERT_TRUE(trained.has_value()) << trained.error().message;
  auto bundle = make_anomaly_bundle(trained->model, {{"source", "simulator"}});
  ASSERT_TRUE(bundle.has_value()) << bundle.error().message;
  auto bytes = serialize_bundle(*bundle);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().message;
  fmt::print("anomaly bundle: {} bytes\n", bytes->size());
  EXPECT_LE(bytes->size(), k_bundle_max_bytes);  // the stated limit
  auto parsed = parse_bundle(*bytes, "anomaly.vigil");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->training.at("source"), "simulator");
  auto loaded = AnomalyModel::from_bundle(*parsed);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->false_alarm_rate(), trained->model.false_alarm_rate());
  // JSON carries doubles with 17 significant digits (exact round trip) and the whitener is recomputed by the
  // same code from the same covariance, so the scores agree to the last bit; 1e-12 relative leaves room for
  // nothing but a different summation order.
  EXPECT_NEAR(loaded->threshold(), trained->model.threshold(), 1e-12 * trained->model.threshold());
  for (const auto& row : fixture().table.rows) {
    auto a = trained->model.score(row.features);
    auto b = loaded->score(row.features);
    ASSERT_TRUE(a.has_value() && b.has_value());
    EXPECT_NEAR(b->score, a->score, 1e-12 * std::max(1.0, a->score));
    EXPECT_NEAR(b->confidence, a->confidence, 1e-12);
    EXPECT_EQ(b->alarm, a->alarm);
  }
}

TEST(AnomalyBundle, ScoreIsScalerThenDetectorThenCalibration) {
  auto trained = train_anomaly_model(fixture().table);
  ASSERT_TRUE(trained.has_value()) << trained.error().message;
  AnomalyModel& m = trained->model;
  std::vector<float> z(k_feature_count);
  for (std::size_t i : {std::size_t{0}, std::size_t{100}, fixture().faults.front()}) {
    const auto& x = fixture().table.rows[i].features;
    ASSERT_TRUE(m.scaler().transform(x, z).has_value());
    const double t2 = *m.gaussian()->score(z);
    auto s = m.score(x);
    ASSERT_TRUE(s.has_value());
    EXPECT_DOUBLE_EQ(s->score, t2);
    EXPECT_DOUBLE_EQ(s->confidence, m.calibration().confidence(t2));
    EXPECT_EQ(s->alarm, t2 > *m.calibration().threshold(m.false_alarm_rate()));
  }
}

TEST(AnomalyBundle, AlarmsOnSimulatedOuterRaceWindows) {
  auto trained = train_anomaly_model(fixture().table);
  ASSERT_TRUE(trained.has_value()) << trained.error().message;
  std::size_t alarms = 0;
  for (auto i : fixture().faults)
    alarms += trained->model.score(fixture().table.rows[i].features)->alarm ? 1 : 0;
  fmt::print("simulated outer-race windows alarming at a 1e-3 budget: {} of {}\n", alarms,
             fixture().faults.size());
  // cwru_like's 1 g impacts ringing a 3 kHz resonance are far outside the healthy cloud (simulator truth).
  EXPECT_EQ(alarms, fixture().faults.size());
}

// Scoring a window allocates nothing, over many windows; latency is measured in bench/model_bench.cpp.
TEST(AnomalyBundle, ScoringAllocatesNothing) {
  auto trained = train_anomaly_model(fixture().table);
  ASSERT_TRUE(trained.has_value()) << trained.error().message;
  AnomalyModel& m = trained->model;
  const auto& rows = fixture().table.rows;
  test::AllocationScope scope;
  std::size_t scored = 0;
  for (std::size_t k = 0; k < 2000; ++k)
    scored += m.score(rows[k % rows.size()].features).has_value() ? 1 : 0;
  EXPECT_EQ(scope.allocations(), 0u);
  EXPECT_EQ(scored, 2000u);
}

TEST(AnomalyBundle, RefusesAnotherKindOrFeatureSchema) {
  auto trained = train_anomaly_model(fixture().table);
  ASSERT_TRUE(trained.has_value()) << trained.error().message;
  auto bundle = make_anomaly_bundle(trained->model, nlohmann::json::object());
  ASSERT_TRUE(bundle.has_value());

  Bundle wrong_kind = *bundle;
  wrong_kind.kind = ModelKind::classifier;
  auto parsed = round_trip(wrong_kind);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  auto a = AnomalyModel::from_bundle(*parsed);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(a.error().message.find("classifier"), std::string::npos) << a.error().message;

  Bundle wrong_schema = *bundle;
  wrong_schema.feature_schema_version = k_feature_schema_version + 1;
  parsed = round_trip(wrong_schema);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  auto b = AnomalyModel::from_bundle(*parsed);
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().message.find("schema"), std::string::npos) << b.error().message;
  // Version 1 had the same window features: its anomaly bundles still load; version 0 never existed.
  wrong_schema.feature_schema_version = 1;
  parsed = round_trip(wrong_schema);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_TRUE(AnomalyModel::from_bundle(*parsed).has_value());
  wrong_schema.feature_schema_version = 0;
  parsed = round_trip(wrong_schema);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  b = AnomalyModel::from_bundle(*parsed);
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().message.find("this build reads 1 to 2"), std::string::npos) << b.error().message;

  // Through a file, read_bundle refuses the wrong kind before any member is parsed.
  const auto path =
      std::filesystem::temp_directory_path() / fmt::format("vigil_anomaly_{}.vigil", ::getpid());
  ASSERT_TRUE(write_bundle(path, *bundle).has_value());
  EXPECT_TRUE(read_bundle(path, ModelKind::anomaly, k_feature_schema_version).has_value());
  EXPECT_FALSE(read_bundle(path, ModelKind::classifier, k_feature_schema_version).has_value());
  std::filesystem::remove(path);
}

TEST(AnomalyBundle, RefusesAMissingMemberOrBudget) {
  auto trained = train_anomaly_model(fixture().table);
  ASSERT_TRUE(trained.has_value()) << trained.error().message;
  auto bundle = make_anomaly_bundle(trained->model, nlohmann::json::object());
  ASSERT_TRUE(bundle.has_value());
  Bundle no_detector = *bundle;
  std::erase_if(no_detector.members,
                [](const BundleMember& m) { return m.name == k_anomaly_detector_member; });
  auto a = AnomalyModel::from_bundle(no_detector);
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().message.find("detector.json"), std::string::npos) << a.error().message;
  Bundle no_budget = *bundle;
  no_budget.model_info.erase("false_alarm_rate");
  EXPECT_FALSE(AnomalyModel::from_bundle(no_budget).has_value());
  Bundle bad_budget = *bundle;
  bad_budget.model_info["false_alarm_rate"] = 1.5;
  EXPECT_FALSE(AnomalyModel::from_bundle(bad_budget).has_value());
}

TEST(AnomalyBundle, ManifestNamesTheGaussianDetectorAndItsMembers) {
  auto trained = train_anomaly_model(fixture().table);
  ASSERT_TRUE(trained.has_value()) << trained.error().message;
  EXPECT_EQ(trained->model.detector_kind(), AnomalyDetectorKind::gaussian);
  EXPECT_EQ(trained->model.autoencoder(), nullptr);
  auto bundle = make_anomaly_bundle(trained->model, nlohmann::json::object());
  ASSERT_TRUE(bundle.has_value());
  EXPECT_EQ(bundle->model_info.at("detector"), "gaussian");
  EXPECT_EQ(bundle->model_info.at("score"), "hotelling_t2");
  EXPECT_EQ(bundle->model_info.at("members"),
            (nlohmann::json{"scaler.json", "calibration.json", "detector.json"}));
  std::vector<std::string> names;
  for (const auto& m : bundle->members) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"scaler.json", "calibration.json", "detector.json"}));
}

// `bundle` must be refused by from_bundle with a message containing `needle`.
void expect_refused(const Bundle& bundle, const std::string& needle) {
  auto m = AnomalyModel::from_bundle(bundle);
  ASSERT_FALSE(m.has_value()) << "accepted; expected an error naming " << needle;
  EXPECT_NE(m.error().message.find(needle), std::string::npos) << m.error().message;
}

TEST(AnomalyBundle, RefusesMembersThatDisagree) {
  auto trained = train_anomaly_model(fixture().table);
  ASSERT_TRUE(trained.has_value()) << trained.error().message;
  auto bundle = make_anomaly_bundle(trained->model, nlohmann::json::object());
  ASSERT_TRUE(bundle.has_value());
  ASSERT_TRUE(AnomalyModel::from_bundle(*bundle).has_value());

  Bundle no_kind = *bundle;
  no_kind.model_info.erase("detector");
  expect_refused(no_kind, "detector");
  Bundle unknown_kind = *bundle;
  unknown_kind.model_info["detector"] = "pca";
  expect_refused(unknown_kind, "pca");

  // A member of the autoencoder kind in a gaussian bundle: put together from two models.
  Bundle mixed = *bundle;
  mixed.members.push_back({std::string(k_anomaly_reconstruction_member), "{}"});
  expect_refused(mixed, "reconstruction.json");

  // A detector of another dimension than the scaler.
  Bundle narrow = *bundle;
  auto small = GaussianAnomaly::from_moments(std::vector<double>(27, 0.0), identity(27), 10, 0);
  ASSERT_TRUE(small.has_value());
  for (auto& m : narrow.members) {
    if (m.name == k_anomaly_detector_member) m.bytes = small->to_json().dump();
  }
  expect_refused(narrow, "detector.json");

  // The calibration of another model (here: calibrated on the last 40 % instead of 25 %): its threshold at
  // the budget is not the manifest's.
  AnomalyTrainingConfig other;
  other.calibration_fraction = 0.4;
  auto second = train_anomaly_model(fixture().table, other);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  Bundle swapped = *bundle;
  for (auto& m : swapped.members) {
    if (m.name == k_anomaly_calibration_member) m.bytes = second->model.calibration().to_json().dump();
  }
  expect_refused(swapped, "calibration.json");
  Bundle no_threshold = *bundle;
  no_threshold.model_info.erase("threshold");
  expect_refused(no_threshold, "threshold");
}

TEST(AnomalyBundle, TrainingRefusesTooLittleHealthyData) {
  LabelledWindows few = fixture().table;
  // 40 healthy windows: 10 held back, fewer than the calibration's 20.
  std::erase_if(few.rows, [](const WindowRow& r) {
    return r.fault == domain::FaultType::normal && r.start_sample >= 40 * k_window_len;
  });
  auto a = train_anomaly_model(few);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(a.error().message.find("calibrate"), std::string::npos) << a.error().message;

  AnomalyTrainingConfig cage;
  cage.healthy = domain::FaultType::cage;  // no such rows
  EXPECT_FALSE(train_anomaly_model(fixture().table, cage).has_value());
  AnomalyTrainingConfig bad;
  bad.calibration_fraction = 1.0;
  EXPECT_FALSE(train_anomaly_model(fixture().table, bad).has_value());
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
