// The RUL pipeline end to end on simulated run-to-failure bearings (sim::Scenario::pronostia_like, impacts
// growing exponentially to 20 g at the end of life), written as FEMTO-layout CSV folders and read back the
// way `vigil rul` reads them; plus the score's baseline arithmetic, the bundle round trip, the operator
// sentence and the error paths.
#include "model/rul_pipeline.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "eval/rul_evaluation.hpp"
#include "io/femto.hpp"
#include "model/feature_schema.hpp"
#include "model/gaussian_anomaly.hpp"
#include "model/health_index.hpp"
#include "model/scaler.hpp"
#include "sim/simulator.hpp"

namespace vigil::model {
namespace VIGIL_TEST_FILE {

namespace fs = std::filesystem;

constexpr std::size_t k_snapshot_len = 2560;  // 0.1 s at 25.6 kHz, as PRONOSTIA
constexpr double k_period_s = 50;             // one snapshot every 50 s (file index step 5)

// A temporary folder removed at the end of the test.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() /
           fmt::format("vigil_rul_{}_{}", tag, ::testing::UnitTest::GetInstance()->random_seed());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Severity at the start of life. pronostia_like starts at 0.02 (0.4 g impacts, visible above its 0.1 g
// noise from the first snapshot); here the law s(t) = s0 exp(t / tau), s(life) = 1 (20 g), starts at 1e-4,
// so the impacts stay below the noise (< 0.1 g, s < 0.005) until ln(50) / ln(1e4) = 42 % of life and pass
// 1 g at 67 %: a healthy first part and a known degradation window, as on PRONOSTIA.
constexpr double k_initial_severity = 1e-4;

// One simulated life in FEMTO layout: acc_NNNNN.csv with index k, t = (k - 1) 10 s, lines
// "h,m,s,us,horizontal,vertical". Each snapshot is a fresh simulator at the severity of the run-to-failure
// law at its time (the 0.1 s of a snapshot sees no growth), so a life costs 2560 samples per snapshot
// instead of the whole run. The vertical channel is a copy: only the horizontal is scored.
void write_life(const fs::path& dir, double life_s, std::uint64_t seed) {
  fs::create_directories(dir);
  sim::Scenario base = sim::Scenario::pronostia_like(sim::FaultKind::outer_race, 1800, life_s);
  base.fault.severity.initial = k_initial_severity;
  base.fault.severity.time_constant_s = life_s / std::log(1.0 / k_initial_severity);
  std::vector<float> x(k_snapshot_len);
  const int steps = static_cast<int>(std::lround(life_s / k_period_s));
  for (int j = 0; j <= steps; ++j) {
    const double t_s = j * k_period_s;
    sim::Scenario s = base;
    s.fault.severity = {.growth = sim::SeverityGrowth::constant,
                        .initial = base.fault.severity.at(t_s),
                        .time_constant_s = 1,
                        .max_severity = 1};
    auto simulator = sim::Simulator::create(s, seed * 100003 + static_cast<std::uint64_t>(j));
    ASSERT_TRUE(simulator.has_value()) << simulator.error().message;
    simulator->generate(x);
    const int index = 1 + static_cast<int>(std::lround(t_s / io::k_femto_snapshot_period_s));
    std::string text;
    text.reserve(k_snapshot_len * 40);
    for (std::size_t i = 0; i < k_snapshot_len; ++i) {
      text += fmt::format("9,{},{},{},{:.4f},{:.4f}\n", index % 60, i / 256, (i % 256) * 39, x[i], x[i]);
    }
    std::ofstream(dir / fmt::format("acc_{:05}.csv", index)) << text;
  }
}

// What `vigil rul` does with a folder: the library's one reader.
LifeFeatures read_life(const fs::path& dir) {
  auto life = eval::read_femto_life(dir, dir.filename().string(), *dsp::find_bearing("pronostia"), 1800);
  EXPECT_TRUE(life.has_value()) << (life ? "" : life.error().message);
  return life ? std::move(*life) : LifeFeatures{dir.filename().string(), {}, {}, {}};
}

RulScoreConfig score_of(RulScoreKind kind) {
  RulScoreConfig s;
  s.kind = kind;
  return s;
}

// Five simulated lives (the last held out), written and read once for the suite.
class RulPipelineSim : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("sim");
    lives_ = new std::vector<LifeFeatures>();
    const double lives_s[] = {6000, 8000, 10000, 7000, 9000};
    for (std::size_t i = 0; i < std::size(lives_s); ++i) {
      const fs::path d = dir_->path / fmt::format("Bearing1_{}", i + 1);
      write_life(d, lives_s[i], 11 + i);
      lives_->push_back(read_life(d));
    }
  }
  static void TearDownTestSuite() {
    delete lives_;
    delete dir_;
  }
  static TempDir* dir_;
  static std::vector<LifeFeatures>* lives_;
};
TempDir* RulPipelineSim::dir_ = nullptr;
std::vector<LifeFeatures>* RulPipelineSim::lives_ = nullptr;

TEST_F(RulPipelineSim, FemtoFoldersReadBackInIndexOrderWithTheirTimes) {
  const LifeFeatures& l = lives_->front();
  ASSERT_EQ(l.time_s.size(), 6000 / 50 + 1u);
  EXPECT_DOUBLE_EQ(l.time_s.front(), 0);
  EXPECT_DOUBLE_EQ(l.time_s.back(), 6000);
  // Severity grows 1e4-fold: ln RMS at the end is well above its start (impacts dominate the 0.1 g noise).
  EXPECT_GT(l.features.back()[0], l.features.front()[0] + 1.0);
  // The schema vector of every snapshot comes with it; rms_db is 20 log10 of the same RMS as ln RMS.
  ASSERT_EQ(l.schema.size(), l.time_s.size());
  for (std::size_t i : {std::size_t{0}, l.time_s.size() - 1}) {
    EXPECT_NEAR(l.schema[i][index(Feature::rms_db)], 20 / std::log(10.0) * l.features[i][0], 1e-3);
  }
}

// The feature cache: the first read writes <name>.features.json, the second returns exactly the same
// features from it; a cache made with another speed, a stale snapshot count or damaged bytes is ignored and
// rewritten; a cache folder that cannot be created is an io error naming it.
TEST_F(RulPipelineSim, FeatureCacheIsReadBackExactlyAndRewrittenWhenItDoesNotMatch) {
  const TempDir cache("cache");
  const fs::path dir = dir_->path / "Bearing1_1";
  const dsp::BearingGeometry bearing = *dsp::find_bearing("pronostia");  // a copy: the Result is a temporary
  auto first = eval::read_femto_life(dir, "Bearing1_1", bearing, 1800, {}, cache.path);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  const fs::path file = cache.path / "Bearing1_1.features.json";
  ASSERT_TRUE(fs::is_regular_file(file));
  auto same = [&](const LifeFeatures& a, const LifeFeatures& b) {
    return a.time_s == b.time_s && a.features == b.features && a.schema == b.schema;
  };
  EXPECT_TRUE(same(*first, lives_->front()));
  // Read from the cache: bit for bit the features computed from the CSV files.
  fs::last_write_time(file, fs::file_time_type::clock::now() - std::chrono::hours(1));
  const auto stamp = fs::last_write_time(file);
  auto cached = eval::read_femto_life(dir, "Bearing1_1", bearing, 1800, {}, cache.path);
  ASSERT_TRUE(cached.has_value());
  EXPECT_TRUE(same(*cached, *first));
  EXPECT_EQ(fs::last_write_time(file), stamp);  // not rewritten
  // Another speed: the key differs, the features are recomputed and the cache rewritten.
  auto other = eval::read_femto_life(dir, "Bearing1_1", bearing, 1500, {}, cache.path);
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(fs::last_write_time(file), stamp);
  EXPECT_NE(other->schema, first->schema);  // order-normalised features depend on the speed
  // Damaged bytes: ignored, rewritten, the right features returned.
  std::ofstream(file, std::ios::trunc) << "{\"key\": [1, 2";
  auto repaired = eval::read_femto_life(dir, "Bearing1_1", bearing, 1800, {}, cache.path);
  ASSERT_TRUE(repaired.has_value());
  EXPECT_TRUE(same(*repaired, *first));
  // A matching key with a value out of place (a time that goes backwards) is not trusted either.
  {
    std::ifstream in(file);
    auto j = nlohmann::json::parse(in);
    j["time_s"][3] = -1.0;
    std::ofstream(file, std::ios::trunc) << j.dump();
  }
  auto checked = eval::read_femto_life(dir, "Bearing1_1", bearing, 1800, {}, cache.path);
  ASSERT_TRUE(checked.has_value());
  EXPECT_TRUE(same(*checked, *first));
  // A cache folder under a regular file cannot be created.
  auto blocked = eval::read_femto_life(dir, "Bearing1_1", bearing, 1800, {}, file / "sub");
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().code, ErrorCode::io);
  EXPECT_NE(blocked.error().message.find("sub"), std::string::npos) << blocked.error().message;
}

// Trained on four lives, the fifth (9000 s) alarms after its baseline and before its end, and once the
// onset is seen the 90 % interval narrows as more of the degradation is observed.
TEST_F(RulPipelineSim, HeldOutLifeFindsItsOnsetAndTheRulIntervalShrinks) {
  std::vector<LifeFeatures> training(lives_->begin(), lives_->end() - 1);
  const eval::RulCandidate median_log_rms_kurtosis[] = {{RulScoreKind::log_rms_kurtosis, 0.01, {}}};
  const double fractions[] = {0.5, 0.9};
  auto trained = eval::train_rul(training, median_log_rms_kurtosis, fractions);
  ASSERT_TRUE(trained.has_value()) << trained.error().message;
  EXPECT_EQ(trained->model.prior.training_assets, 4u);
  const RulModel& model = trained->model;
  const LifeFeatures& held = lives_->back();
  const double life_s = held.time_s.back();

  auto full = replay_rul(model, held);
  ASSERT_TRUE(full.has_value()) << full.error().message;
  ASSERT_TRUE(full->estimate.onset_found);
  // Impacts reach the noise level (s = 0.005) at 42 % of life; none of the first 30 % can alarm.
  EXPECT_GT(full->estimate.onset_s, 0.3 * life_s);
  EXPECT_LT(full->detected_s, life_s);
  const double onset_s = full->estimate.onset_s;
  fmt::print("held-out onset {:.0f} s, alarm {:.0f} s of {:.0f} s\n", onset_s, full->detected_s, life_s);

  double previous_width_s = std::numeric_limits<double>::infinity();
  std::size_t covered = 0;
  const double cuts[] = {0.4, 0.7, 0.9};
  for (double f : cuts) {
    const double cut_s = full->detected_s + f * (life_s - full->detected_s);
    auto r = replay_rul(model, held, cut_s);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const RulEstimate& e = r->estimate;
    const double actual_s = life_s - e.time_s;
    fmt::print("  t {:.0f} s: RUL {:.0f} s [{:.0f}, {:.0f}], actual {:.0f} s\n", e.time_s, e.rul_s,
               e.rul_low_s, e.rul_high_s, actual_s);
    ASSERT_TRUE(e.onset_found);
    EXPECT_LE(e.rul_low_s, e.rul_s);
    EXPECT_LE(e.rul_s, e.rul_high_s);
    const double width_s = e.rul_high_s - e.rul_low_s;
    EXPECT_LT(width_s, previous_width_s);
    previous_width_s = width_s;
    covered += (e.rul_low_s <= actual_s && actual_s <= e.rul_high_s) ? 1 : 0;
  }
  // Not asserted: that the interval covers the truth. On these lives the estimate is early (the log of the
  // T^2 score grows like ln(t - t_0), slower than the linear log-path the model extrapolates, and the
  // lives differ only in their time scale); printed above so that a change shows.
  fmt::print("  interval covered the actual RUL at {} of 3 cuts\n", covered);
}

// Both score kinds on the five simulated lives: an alarm before every end, none in the first 30 % (the
// impacts reach the noise at 42 % of life).
TEST_F(RulPipelineSim, EveryLifeAlarmsBeforeItsEndAndNeverEarlyWithBothScores) {
  for (RulScoreKind kind : k_rul_score_kinds) {
    SCOPED_TRACE(to_string(kind));
    for (const auto& l : *lives_) {
      auto scores = anomaly_scores(l, HealthIndexConfig{}, score_of(kind));
      ASSERT_TRUE(scores.has_value()) << scores.error().message;
      auto track = track_health(l.time_s, *scores);
      ASSERT_TRUE(track.has_value());
      const HealthState& s = track->final_state;
      ASSERT_TRUE(s.onset_found) << l.name;
      EXPECT_GT(s.onset_s, 0.3 * l.time_s.back()) << l.name;
      EXPECT_LT(s.detected_s, l.time_s.back()) << l.name;
      fmt::print("{} {}: onset {:.0f} s, alarm {:.0f} s of {:.0f} s\n", to_string(kind), l.name, s.onset_s,
                 s.detected_s, l.time_s.back());
    }
  }
}

// The nested evaluation on the five simulated lives: one fold per life, every truncation scored, the
// distributions consistent with the rows (mean of the per-life means = overall mean: equal row counts).
TEST_F(RulPipelineSim, NestedEvaluationScoresEveryTruncationOfEveryHeldOutLife) {
  const auto grid = eval::default_rul_candidates();
  const auto fractions = eval::default_truncation_fractions();
  auto report = eval::evaluate_rul_nested(*lives_, grid, fractions);
  ASSERT_TRUE(report.has_value()) << report.error().message;
  ASSERT_EQ(report->folds.size(), lives_->size());
  double sum_of_means = 0;
  std::size_t within_1h = 0;
  for (std::size_t i = 0; i < report->folds.size(); ++i) {
    const auto& f = report->folds[i];
    EXPECT_EQ(f.held_out, (*lives_)[i].name);
    ASSERT_EQ(f.rows.size(), fractions.size());
    for (const auto& r : f.rows) {
      EXPECT_GT(r.accuracy, 0 - 1e-300);
      EXPECT_LE(r.accuracy, 1);
      EXPECT_NEAR(r.actual_rul_s, (*lives_)[i].time_s.back() - r.estimate.time_s, 1e-9);
      EXPECT_LE(r.estimate.time_s, r.fraction * (*lives_)[i].time_s.back());
      EXPECT_TRUE(std::isfinite(r.estimate.rul_s));
      EXPECT_LE(r.estimate.rul_low_s, r.estimate.rul_s);
      EXPECT_LE(r.estimate.rul_s, r.estimate.rul_high_s);
      within_1h += r.actual_rul_s < 3600 ? 1 : 0;
    }
    sum_of_means += report->accuracy_by_life[i].mean;
    // The fold's model was trained on four lives.
    EXPECT_EQ(f.trained.model.fleet.lives, 4u);
  }
  EXPECT_NEAR(report->accuracy.mean, sum_of_means / 5, 1e-12);
  EXPECT_EQ(report->accuracy.count, 5 * fractions.size());
  EXPECT_EQ(report->within_1h, within_1h);
  const auto j = to_json(*report);
  EXPECT_EQ(j["folds"].size(), 5u);
  EXPECT_EQ(j["folds"][0]["rows"].size(), fractions.size());
  EXPECT_EQ(j["folds"][0]["selection"]["candidates"].size(), grid.size());
}

// Nested selection never sees the held-out life: replacing it by a poisoned copy (a fault from its very
// start, no degradation-free baseline, a different length) leaves every other fold's choices, priors and
// fleet laws bit for bit the same; only its own rows change.
TEST_F(RulPipelineSim, NestedChoicesDoNotDependOnTheHeldOutLife) {
  const auto grid = eval::default_rul_candidates();
  const auto fractions = eval::default_truncation_fractions();
  auto clean = eval::evaluate_rul_nested(*lives_, grid, fractions);
  ASSERT_TRUE(clean.has_value()) << clean.error().message;
  std::vector<LifeFeatures> poisoned = *lives_;
  LifeFeatures& p = poisoned[2];
  std::mt19937_64 rng(99);
  std::normal_distribution<double> normal;
  for (std::size_t i = 0; i < p.time_s.size(); ++i) {
    p.time_s[i] *= 0.37;  // a much shorter life
    for (auto& x : p.features[i]) x += 3 * normal(rng) + 0.01 * static_cast<double>(i);
    for (auto& x : p.schema[i]) x += static_cast<float>(3 * normal(rng));
  }
  auto dirty = eval::evaluate_rul_nested(poisoned, grid, fractions);
  ASSERT_TRUE(dirty.has_value()) << dirty.error().message;
  // Fold 2 holds the poisoned life out: it was trained on the same four clean lives.
  const auto& a = clean->folds[2].trained;
  const auto& b = dirty->folds[2].trained;
  EXPECT_EQ(a.selection.chosen, b.selection.chosen);
  EXPECT_EQ(a.selection.mean_accuracy, b.selection.mean_accuracy);
  EXPECT_EQ(a.selection.over_3x_within_1h, b.selection.over_3x_within_1h);
  EXPECT_EQ(to_json(a.model.prior), to_json(b.model.prior));
  EXPECT_EQ(to_json(a.model.fleet), to_json(b.model.fleet));
  // ... and the poison does reach the folds that train on it (the test can fail).
  bool any_changed = false;
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    any_changed = any_changed || to_json(clean->folds[i].trained.model.fleet) !=
                                     to_json(dirty->folds[i].trained.model.fleet);
  }
  EXPECT_TRUE(any_changed);
}

// --- Score arithmetic against hand-computed values ---

LifeFeatures hand_life() {
  // Baseline (t <= 1200 s, >= 8 snapshots): 13 snapshots at 100 s. Feature 0: 0, 0.1, -0.1, 0.2, -0.2, ...
  LifeFeatures l{"hand", {}, {}, {}};
  for (int i = 0; i < 20; ++i) {
    l.time_s.push_back(100.0 * i);
    const double a = (i % 2 == 0 ? -1 : 1) * 0.1 * ((i + 1) / 2);
    l.features.push_back({a, 1.0 + 1e-4 * i});
  }
  return l;
}

TEST(RulPipeline, BaselineIsTheMonitorsWithMedianAndMadSigma) {
  const LifeFeatures l = hand_life();
  auto b = feature_baseline(l, HealthIndexConfig{}, score_of(RulScoreKind::log_rms_kurtosis));
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(b->count, 13u);  // t = 0 ... 1200 s
  // Feature 0 over i = 0..12: 0, +-0.1, +-0.2, ..., +-0.6 -> median 0, mean |x| = 2 (0.1 + ... + 0.6) / 13.
  EXPECT_NEAR(b->centre[0], 0, 1e-15);
  EXPECT_NEAR(b->sigma[0], 1.2533141373155003 * 4.2 / 13, 1e-12);
  // Feature 1 barely moves: its sigma is the floor.
  EXPECT_NEAR(b->centre[1], 1.0006, 1e-12);
  EXPECT_DOUBLE_EQ(b->sigma[1], 0.05);
  auto s = anomaly_scores(l, HealthIndexConfig{}, score_of(RulScoreKind::log_rms_kurtosis));
  ASSERT_TRUE(s.has_value());
  const double z0 = l.features[19][0] / b->sigma[0], z1 = (l.features[19][1] - b->centre[1]) / 0.05;
  EXPECT_NEAR((*s)[19], z0 * z0 + z1 * z1, 1e-12);
}

TEST(RulPipeline, MalformedLivesAreRejectedWithTheirName) {
  LifeFeatures l = hand_life();
  l.features.pop_back();
  auto a = anomaly_scores(l, HealthIndexConfig{}, score_of(RulScoreKind::log_rms_kurtosis));
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().message.find("hand"), std::string::npos);
  l = hand_life();
  l.time_s[5] = l.time_s[4];
  EXPECT_FALSE(anomaly_scores(l, HealthIndexConfig{}, score_of(RulScoreKind::log_rms_kurtosis)).has_value());
  l = hand_life();
  l.features[3][1] = std::nan("");
  EXPECT_FALSE(anomaly_scores(l, HealthIndexConfig{}, score_of(RulScoreKind::log_rms_kurtosis)).has_value());
  EXPECT_FALSE(anomaly_scores(LifeFeatures{"empty", {}, {}, {}}, HealthIndexConfig{},
                              score_of(RulScoreKind::log_rms_kurtosis))
                   .has_value());
  RulScoreConfig bad;
  bad.feature_sigma_floor = 0;
  EXPECT_FALSE(anomaly_scores(hand_life(), HealthIndexConfig{}, bad).has_value());
}

TEST(RulPipeline, TrainingAndNestedEvaluationRefuseTooFewLivesAndBadGrids) {
  const auto grid = eval::default_rul_candidates();
  const double ok[] = {0.5};
  const std::vector<LifeFeatures> three(3, hand_life()), four(4, hand_life());
  EXPECT_NE(eval::train_rul(three, grid, ok).error().message.find("at least 4"), std::string::npos);
  EXPECT_NE(eval::evaluate_rul_nested(four, grid, ok).error().message.find("at least 5"), std::string::npos);
  const double outside[] = {1.0};
  EXPECT_EQ(eval::train_rul(four, grid, outside).error().code, ErrorCode::invalid_argument);
  const double decreasing[] = {0.5, 0.4};
  EXPECT_NE(eval::train_rul(four, grid, decreasing).error().message.find("not increasing"),
            std::string::npos);
  EXPECT_EQ(eval::train_rul(four, std::span<const eval::RulCandidate>(), ok).error().code,
            ErrorCode::invalid_argument);
  const eval::RulCandidate bad_q[] = {
      {RulScoreKind::log_rms_kurtosis, 0.01, {.fleet = 1.0, .degradation = 0.5}}};
  EXPECT_NE(eval::train_rul(four, bad_q, ok).error().message.find("point.fleet"), std::string::npos);
  // Lives that never degrade give no prior on any fold: no candidate can be chosen.
  const eval::RulCandidate one[] = {{RulScoreKind::log_rms_kurtosis, 0.01, {}}};
  std::vector<LifeFeatures> flat(4, hand_life());
  for (std::size_t k = 0; k < flat.size(); ++k) {
    for (auto& x : flat[k].features) x = {0.0, 1.0};
    for (auto& t : flat[k].time_s) t *= 1 + 0.1 * static_cast<double>(k);  // lives of different lengths
  }
  EXPECT_NE(eval::train_rul(flat, one, ok).error().message.find("no candidate"), std::string::npos);
}

// Distribution of a set of values: numpy's default (linear) quantiles, computed by hand for 1..10.
TEST(RulPipeline, DistributionUsesLinearInterpolationBetweenOrderStatistics) {
  const std::vector<double> v{10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  const eval::Distribution d = eval::distribution_of(v);
  EXPECT_EQ(d.count, 10u);
  EXPECT_DOUBLE_EQ(d.mean, 5.5);
  EXPECT_DOUBLE_EQ(d.min, 1);
  EXPECT_DOUBLE_EQ(d.q10, 1.9);   // h = 0.9
  EXPECT_DOUBLE_EQ(d.q25, 3.25);  // h = 2.25
  EXPECT_DOUBLE_EQ(d.median, 5.5);
  EXPECT_DOUBLE_EQ(d.q75, 7.75);
  EXPECT_DOUBLE_EQ(d.q90, 9.1);
  EXPECT_DOUBLE_EQ(d.max, 10);
}

// --- schema_t2 on synthetic feature lives (truth known by construction) ---

// A life of `n` schema vectors every period_s: healthy vectors are x = offset + M g, g standard normal
// (or Student t with 5 degrees of freedom, scaled to unit variance, for heavier tails), with a fixed
// random mixing M (correlated features of different scales, as the real schema has). From fault_s on,
// the "damage" features (rms, peak, kurtosis, velocity, crest: what impacts raise) drift upwards by
// amplitude_sd x (exp((t - fault_s) / growth_s) - 1) healthy standard deviations.
struct SyntheticLife {
  double period_s = 10;
  std::size_t n = 3000;
  bool heavy_tails = false;
  double fault_s = std::numeric_limits<double>::infinity();
  double growth_s = 1000;
  double amplitude_sd = 0.5;
};

LifeFeatures synthetic_life(const SyntheticLife& spec, std::uint64_t seed) {
  constexpr std::size_t d = k_feature_count;
  std::mt19937_64 mixing_rng(7);  // the same "machine" for every life
  std::normal_distribution<double> normal;
  std::vector<double> mixing(d * d), offset(d), sd(d, 0.0);
  for (std::size_t i = 0; i < d; ++i) {
    offset[i] = 10 * normal(mixing_rng);
    for (std::size_t j = 0; j <= i; ++j) mixing[i * d + j] = (j == i ? 1.0 : 0.4) * normal(mixing_rng);
    for (std::size_t j = 0; j <= i; ++j) sd[i] += mixing[i * d + j] * mixing[i * d + j];
    sd[i] = std::sqrt(sd[i]);
  }
  std::mt19937_64 rng(seed);
  std::student_t_distribution<double> student(5);
  const double t_unit = std::sqrt(3.0 / 5.0);  // Var t_5 = 5 / 3
  const Feature damage[] = {Feature::rms_db, Feature::peak_db, Feature::log_kurtosis,
                            Feature::velocity_rms_db, Feature::crest_factor};
  LifeFeatures life{fmt::format("synthetic{}", seed), {}, {}, {}};
  std::vector<double> g(d);
  for (std::size_t k = 0; k < spec.n; ++k) {
    const double t_s = spec.period_s * double(k);
    for (auto& v : g) v = spec.heavy_tails ? t_unit * student(rng) : normal(rng);
    SchemaFeatures x{};
    for (std::size_t i = 0; i < d; ++i) {
      double v = offset[i];
      for (std::size_t j = 0; j <= i; ++j) v += mixing[i * d + j] * g[j];
      x[i] = static_cast<float>(v);
    }
    if (t_s >= spec.fault_s) {
      const double drift = spec.amplitude_sd * (std::exp((t_s - spec.fault_s) / spec.growth_s) - 1);
      for (Feature f : damage) x[index(f)] += static_cast<float>(drift * sd[index(f)]);
    }
    life.time_s.push_back(t_s);
    life.features.push_back({0.0, 1.0});  // unused by schema_t2
    life.schema.push_back(x);
  }
  return life;
}

TEST(RulPipeline, ScoreKindsHaveStableNamesAndUnknownOnesAreRefused) {
  EXPECT_EQ(to_string(RulScoreKind::log_rms_kurtosis), "log_rms_kurtosis");
  EXPECT_EQ(to_string(RulScoreKind::schema_t2), "schema_t2");
  for (RulScoreKind k : k_rul_score_kinds) EXPECT_EQ(*parse_rul_score_kind(to_string(k)), k);
  auto bad = parse_rul_score_kind("t2");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("schema_t2"), std::string::npos);
}

// The score's definition: baseline snapshot i by a robust Scaler + Ledoit-Wolf GaussianAnomaly fitted on
// the other baseline snapshots, every later snapshot by the one fitted on the whole baseline.
TEST(RulPipeline, SchemaT2ScoresTheBaselineLeaveOneOutAndTheRestAgainstTheWholeBaseline) {
  SyntheticLife spec;
  spec.n = 200;
  const LifeFeatures life = synthetic_life(spec, 1);
  const HealthIndexConfig health;
  auto scores = anomaly_scores(life, health, score_of(RulScoreKind::schema_t2));
  ASSERT_TRUE(scores.has_value()) << scores.error().message;
  ASSERT_EQ(scores->size(), life.time_s.size());
  const std::size_t n_b = 121;  // t = 0, 10, ..., 1200 s
  ASSERT_EQ(baseline_snapshot_count(life.time_s, health), n_b);

  auto fit = [&](std::size_t skip) {
    std::vector<float> rows;
    for (std::size_t i = 0; i < n_b; ++i) {
      if (i != skip) rows.insert(rows.end(), life.schema[i].begin(), life.schema[i].end());
    }
    auto scaler = Scaler::fit(rows, k_feature_count, ScalerMethod::robust);
    EXPECT_TRUE(scaler.has_value());
    auto stats = GaussianStats::create(k_feature_count);
    std::vector<float> z(k_feature_count);
    for (std::size_t r = 0; r < rows.size() / k_feature_count; ++r) {
      EXPECT_TRUE(scaler->transform(std::span(rows).subspan(r * k_feature_count, k_feature_count), z));
      EXPECT_TRUE(stats->add(z));
    }
    auto detector = GaussianAnomaly::fit(*stats);
    EXPECT_TRUE(detector.has_value());
    return [scaler = std::move(*scaler), detector = std::move(*detector)](const SchemaFeatures& x) {
      std::vector<float> zz(k_feature_count);
      EXPECT_TRUE(scaler.transform(x, zz));
      return *detector.score(zz);
    };
  };
  for (std::size_t i : {std::size_t{0}, std::size_t{60}, n_b - 1}) {
    EXPECT_NEAR((*scores)[i], fit(i)(life.schema[i]), 1e-9 * (*scores)[i]) << "baseline snapshot " << i;
  }
  const auto whole = fit(n_b);
  for (std::size_t i : {n_b, std::size_t{199}}) {
    EXPECT_NEAR((*scores)[i], whole(life.schema[i]), 1e-9 * (*scores)[i]) << "snapshot " << i;
  }
  auto b = schema_baseline(life, health);
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(b->count, n_b);
  EXPECT_EQ(b->scaler.method(), ScalerMethod::robust);
  EXPECT_GT(b->detector.shrinkage(), 0.0);  // Ledoit-Wolf's estimate, not a set constant
  // Leave-one-out removes the in-sample optimism: the baseline's scores are on the scale of the healthy
  // snapshots after it (the in-sample ones would be about (n_b - d - 2) / (n_b - 1) = 0.76 of them).
  double in_mean = 0, out_mean = 0;
  for (std::size_t i = 0; i < n_b; ++i) in_mean += (*scores)[i] / double(n_b);
  for (std::size_t i = n_b; i < 200; ++i) out_mean += (*scores)[i] / double(200 - n_b);
  fmt::print("mean T^2: baseline (leave-one-out) {:.1f}, later healthy {:.1f}, d = {}\n", in_mean, out_mean,
             k_feature_count);
  EXPECT_GT(in_mean, 0.8 * out_mean);
}

// Healthy-only lives: the onset rule's false-alarm budget (1 % over 3000 snapshots) holds for this score,
// at the full PRONOSTIA rate (10 s, a 121-snapshot baseline) and at the thinned copy's (150 s, 9 snapshots
// for 28 features), with Gaussian and with heavier-tailed (Student t_5) features. Bound: at most 3 of
// 100 lives (the budget is 1 of 100; P(>= 4 | p = 0.01) = 1.8 %).
TEST(RulPipeline, SchemaT2HealthyLivesStayWithinTheFalseAlarmBudget) {
  struct Case {
    double period_s;
    std::size_t n;
    bool heavy;
  };
  for (const Case c :
       {Case{10, 3000, false}, Case{10, 3000, true}, Case{150, 200, false}, Case{150, 200, true}}) {
    SCOPED_TRACE(fmt::format("period {} s, heavy tails {}", c.period_s, c.heavy));
    std::size_t alarms = 0;
    constexpr std::size_t k_lives = 100;
    for (std::size_t k = 0; k < k_lives; ++k) {
      SyntheticLife spec;
      spec.period_s = c.period_s;
      spec.n = c.n;
      spec.heavy_tails = c.heavy;
      const LifeFeatures life = synthetic_life(spec, 1000 + k);
      auto scores = anomaly_scores(life, HealthIndexConfig{}, score_of(RulScoreKind::schema_t2));
      ASSERT_TRUE(scores.has_value()) << scores.error().message;
      auto track = track_health(life.time_s, *scores);
      ASSERT_TRUE(track.has_value()) << track.error().message;
      alarms += track->final_state.onset_found ? 1 : 0;
    }
    fmt::print("schema_t2, period {} s, heavy tails {}: {} of {} healthy lives alarmed\n", c.period_s,
               c.heavy, alarms, k_lives);
    EXPECT_LE(alarms, 3u);
  }
}

// A growing fault injected at 60 % of life (drift 0.5 sd x (e^{(t - t_f) / 1000 s} - 1) on five features)
// is found after it starts and before the end, on every one of 20 lives.
TEST(RulPipeline, SchemaT2AlarmsAfterAnInjectedGrowingFaultStarts) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    SyntheticLife spec;
    spec.n = 1000;  // 9990 s
    spec.fault_s = 0.6 * 9990;
    const LifeFeatures life = synthetic_life(spec, 2000 + seed);
    auto scores = anomaly_scores(life, HealthIndexConfig{}, score_of(RulScoreKind::schema_t2));
    ASSERT_TRUE(scores.has_value()) << scores.error().message;
    auto track = track_health(life.time_s, *scores);
    ASSERT_TRUE(track.has_value()) << track.error().message;
    const HealthState& s = track->final_state;
    ASSERT_TRUE(s.onset_found) << life.name;
    EXPECT_GE(s.onset_s, spec.fault_s) << life.name;
    EXPECT_LT(s.detected_s, life.time_s.back()) << life.name;
    EXPECT_GT(track->health_index.back(), 1.0) << life.name;
  }
}

TEST(RulPipeline, SchemaT2RefusesLivesWithoutSchemaVectorsOrWithTooShortABaseline) {
  LifeFeatures l = hand_life();  // no schema vectors
  auto a = anomaly_scores(l, HealthIndexConfig{}, score_of(RulScoreKind::schema_t2));
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().message.find("schema"), std::string::npos) << a.error().message;
  SyntheticLife spec;
  spec.n = 2;
  auto b = anomaly_scores(synthetic_life(spec, 3), HealthIndexConfig{}, score_of(RulScoreKind::schema_t2));
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().message.find("at least 3"), std::string::npos) << b.error().message;
  spec.n = 50;
  LifeFeatures nan_life = synthetic_life(spec, 4);
  nan_life.schema[30][5] = std::nanf("");
  EXPECT_FALSE(anomaly_scores(nan_life, HealthIndexConfig{}, score_of(RulScoreKind::schema_t2)).has_value());
}

// --- Bundle ---

RulModel sample_model() {
  RulModel m;
  m.prior = {.theta_mean = 0.3,
             .beta_mean_per_s = 7.25e-4,
             .theta_var = 0.21,
             .beta_var_per_s2 = 9.1e-7,
             .theta_beta_cov_per_s = -1.3e-4,
             .noise_var = 0.07,
             .failure_log_level = 1.59,
             .failure_log_level_var = 0.4,
             .phi = 0,
             .training_assets = 6};
  m.fleet = {.shape = 1.7, .scale_s = 11234.5, .lives = 6};
  m.config.health.baseline_s = 900;
  m.config.health.persistence_s = 35;
  m.config.interval_probability = 0.8;
  m.config.point = {.fleet = 0.2, .degradation = 0.3};
  m.score.feature_sigma_floor = 0.04;
  return m;
}

TEST(RulPipeline, BundleRoundTripKeepsEveryValueExactly) {
  const RulModel m = sample_model();
  auto b = make_rul_bundle(m, {{"bearings", 6}, {"snapshots", 616}});
  ASSERT_TRUE(b.has_value()) << b.error().message;
  auto bytes = serialize_bundle(*b);
  ASSERT_TRUE(bytes.has_value()) << bytes.error().message;
  auto parsed = parse_bundle(*bytes, "rul.vigil");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->kind, ModelKind::rul);
  EXPECT_EQ(parsed->training["snapshots"], 616);
  auto back = rul_model_from_bundle(*parsed);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(to_json(back->prior), to_json(m.prior));
  EXPECT_EQ(to_json(back->config.health), to_json(m.config.health));
  EXPECT_EQ(to_json(back->score), to_json(m.score));
  EXPECT_EQ(to_json(back->fleet), to_json(m.fleet));
  EXPECT_EQ(back->config.interval_probability, 0.8);
  EXPECT_EQ(back->config.point.fleet, 0.2);
  EXPECT_EQ(back->config.point.degradation, 0.3);
  EXPECT_EQ(back->config.horizon_s, m.config.horizon_s);
  // The same estimate from the original and the round-tripped model.
  const LifeFeatures l = hand_life();
  auto r0 = replay_rul(m, l), r1 = replay_rul(*back, l);
  ASSERT_TRUE(r0 && r1);
  EXPECT_EQ(r0->estimate.rul_s, r1->estimate.rul_s);
  EXPECT_EQ(r0->estimate.rul_high_s, r1->estimate.rul_high_s);
}

TEST(RulPipeline, MismatchedOrIncompleteBundlesAreRefused) {
  auto b = make_rul_bundle(sample_model(), nlohmann::json::object());
  ASSERT_TRUE(b.has_value());
  {
    Bundle wrong = *b;
    wrong.kind = ModelKind::anomaly;
    EXPECT_FALSE(rul_model_from_bundle(wrong).has_value());
  }
  {
    Bundle wrong = *b;
    wrong.feature_schema_version = k_rul_score_version + 1;
    EXPECT_FALSE(rul_model_from_bundle(wrong).has_value());
  }
  {
    Bundle missing = *b;
    auto j = nlohmann::json::parse(missing.find("prior.json")->bytes);
    j.erase("noise_var");
    for (auto& mem : missing.members) {
      if (mem.name == "prior.json") mem.bytes = j.dump();
    }
    auto r = rul_model_from_bundle(missing);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("noise_var"), std::string::npos) << r.error().message;
  }
  {
    Bundle invalid = *b;
    auto j = nlohmann::json::parse(invalid.find("prior.json")->bytes);
    j["theta_var"] = -1.0;
    for (auto& mem : invalid.members) {
      if (mem.name == "prior.json") mem.bytes = j.dump();
    }
    EXPECT_FALSE(rul_model_from_bundle(invalid).has_value());
  }
  {
    Bundle other_features = *b;
    for (auto& mem : other_features.members) {
      if (mem.name == "score.json") {
        auto j = nlohmann::json::parse(mem.bytes);
        j["features"] = {"ln_rms_g"};
        mem.bytes = j.dump();
      }
    }
    EXPECT_FALSE(rul_model_from_bundle(other_features).has_value());
  }
  {
    Bundle no_member = *b;
    no_member.members.pop_back();
    EXPECT_FALSE(rul_model_from_bundle(no_member).has_value());
  }
  {
    Bundle bad_fleet = *b;
    for (auto& mem : bad_fleet.members) {
      if (mem.name == "fleet.json") {
        auto j = nlohmann::json::parse(mem.bytes);
        j["law"] = "lognormal";
        mem.bytes = j.dump();
      }
    }
    auto r = rul_model_from_bundle(bad_fleet);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("law"), std::string::npos) << r.error().message;
  }
  {
    Bundle no_quantile = *b;
    no_quantile.model_info.erase("fleet_point_quantile");
    auto r = rul_model_from_bundle(no_quantile);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("fleet_point_quantile"), std::string::npos) << r.error().message;
  }
  RulModel bad = sample_model();
  bad.config.interval_probability = 1.5;
  EXPECT_FALSE(make_rul_bundle(bad, nlohmann::json::object()).has_value());
  EXPECT_FALSE(make_rul_bundle(sample_model(), nlohmann::json::array()).has_value());
}

// Rewrites one field of score.json of a bundle.
Bundle with_score_field(Bundle b, const char* field, const nlohmann::json& value) {
  for (auto& mem : b.members) {
    if (mem.name == "score.json") {
      auto j = nlohmann::json::parse(mem.bytes);
      j[field] = value;
      mem.bytes = j.dump();
    }
  }
  return b;
}

TEST(RulPipeline, SchemaT2BundleRoundTripsItsKindAndRefusesMismatches) {
  RulModel m = sample_model();
  m.score.kind = RulScoreKind::schema_t2;
  auto b = make_rul_bundle(m, nlohmann::json::object());
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(b->feature_schema_version, k_rul_score_version);
  const auto score_json = nlohmann::json::parse(b->find("score.json")->bytes);
  EXPECT_EQ(score_json["kind"], "schema_t2");
  EXPECT_EQ(score_json["features"].size(), k_feature_count);
  EXPECT_EQ(score_json["features"][0], "rms_db");
  EXPECT_EQ(score_json["feature_schema_version"], k_feature_schema_version);
  auto bytes = serialize_bundle(*b);
  ASSERT_TRUE(bytes.has_value());
  auto parsed = parse_bundle(*bytes, "rul.vigil");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  auto back = rul_model_from_bundle(*parsed);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->score.kind, RulScoreKind::schema_t2);
  EXPECT_EQ(to_json(back->score), to_json(m.score));
  SyntheticLife spec;
  spec.n = 300;
  const LifeFeatures life = synthetic_life(spec, 5);
  auto r0 = replay_rul(m, life), r1 = replay_rul(*back, life);
  ASSERT_TRUE(r0 && r1);
  EXPECT_EQ(r0->estimate.rul_s, r1->estimate.rul_s);

  auto refused_with = [](const Bundle& bad, std::string_view words) {
    auto r = rul_model_from_bundle(bad);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  };
  refused_with(with_score_field(*b, "kind", "t2"), "kind");
  refused_with(with_score_field(*b, "features", {"ln_rms_g", "ln_kurtosis"}), "features");
  refused_with(with_score_field(*b, "feature_schema_version", k_feature_schema_version + 1),
               "feature_schema_version");
  refused_with(with_score_field(*b, "feature_schema_version", 0), "feature_schema_version");
  // Schema 1 had the same window features, the only ones the score reads: such a bundle still loads.
  EXPECT_TRUE(rul_model_from_bundle(with_score_field(*b, "feature_schema_version", 1)).has_value());
  // A log_rms_kurtosis bundle that lists the schema's features is no better.
  refused_with(
      with_score_field(with_score_field(*b, "kind", "log_rms_kurtosis"), "features", score_json["features"]),
      "features");
  Bundle old = *b;
  old.feature_schema_version = 2;  // before the onset rule was in seconds and the fleet law was stored
  refused_with(old, "retrain");
}

// --- The operator's sentence ---

TEST(RulPipeline, SentenceStatesOnsetRulIntervalAndAction) {
  RulReplay r;
  r.estimate.onset_found = true;
  r.estimate.onset_s = 12340;
  r.estimate.rul_s = 2100;
  r.estimate.rul_low_s = 800;
  r.estimate.rul_high_s = 4500;
  EXPECT_EQ(
      rul_sentence(r, 0.9),
      "bearing degradation detected at 12,340 s; remaining useful life 2,100 s (90 % interval 800–4,500 s): "
      "plan replacement within 35 min");
  r.estimate.onset_found = false;
  r.estimate.time_s = 5000;
  r.estimate.age_s = 4000;
  r.estimate.health_index = 1;
  EXPECT_EQ(
      rul_sentence(r, 0.9),
      "no bearing degradation detected at 5,000 s (health index 1.00, 1 at its healthy start, rising with "
      "damage); from the fleet's lives, a bearing "
      "that has run 4,000 s has 2,100 s left (90 % interval 800–4,500 s): plan an inspection within 35 min");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model
