// The learned models evaluated on CWRU-like catalogs as the product uses them (`vigil eval cwru --model`),
// with folds split by recording metadata (docs/learned-evaluation.md has the reasoning and the figures):
// 1. Per-asset anomaly model from the one healthy recording, split by time (healthy_time_split): overlapping
//    windows of its first half fit the robust scaler and the Gaussian T^2 detector, those of its third
//    quarter calibrate the alarm threshold at the false-alarm budget; the disjoint windows of its last
//    quarter are the healthy test windows. No test sample is in a fit or calibration window.
// 2. Per fold (make_folds: whole recordings, never one recording on both sides) the classifier recipe
//    (train::train_recipe: early stopping on training-side recordings, then a refit on all of them) learns
//    the fault type (inner race / outer race / ball) from the training recordings, optionally plus simulated
//    fault windows (the recipe's synthetic_faults), and is scored as
//    - fault type, 3 classes: argmax on the fold's test windows;
//    - product decision, 4 classes (+ unknown): model::decide_window of the anomaly model's score and the
//      classifier's classification (the edge's own decision), on the fold's test fault windows plus the
//      healthy test windows;
//    - the fault named by the window's physics verdict alone (as the edge weighs it) and by the one verdict
//      (model::one_verdict of that physics verdict and the product decision), on the fold's fault windows.
// 3. Healthy vs fault ROC AUC of the anomaly model's T^2.
// 4. Optional (synthetic_normal > 0): a 4-class network whose normal class is simulated healthy windows,
// tested
//    on the fold's fault windows and every real healthy window (an experiment, kept for its negative result).
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "domain/fault_type.hpp"
#include "eval/input_selection.hpp"
#include "eval/labelled_windows.hpp"
#include "io/catalog.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/train/classifier_recipe.hpp"
#include "model/train/metrics.hpp"
#include "model/verdict.hpp"

namespace vigil::eval {

// The classifier's classes, fault types; the product decision adds "normal" in front and "unknown"
// (abstention) as an extra prediction column: product class k is k_product_names[k].
inline constexpr std::array<domain::FaultType, 3> k_fault_classes{
    domain::FaultType::inner_race, domain::FaultType::outer_race, domain::FaultType::ball};
inline constexpr std::size_t k_product_normal = 0;   // product classes: normal, inner_race, outer_race, ball
inline constexpr std::size_t k_product_unknown = 4;  // prediction column of abstentions
inline constexpr std::array<std::string_view, 5> k_product_names{"normal", "inner_race", "outer_race", "ball",
                                                                 "unknown"};
// Named-fault reports (physics alone, the one verdict): truth one of k_fault_classes, prediction one of
// them or k_not_named (nothing named, or a fault outside the three: cage).
inline constexpr std::size_t k_not_named = 3;

// The per-asset anomaly model of the catalog's one healthy recording and the rows of the (disjoint) table
// that are its healthy test windows, with every row's score.
struct HealthyTimeSplit {
  std::optional<model::AnomalyModel> model;
  std::size_t fit_windows = 0;
  std::size_t calibration_windows = 0;
  std::size_t hop = 0;  // of the overlapping windows the model was fitted and calibrated on
  std::string recording;
  std::size_t test_from_sample = 0;    // first sample of the test quarter
  std::vector<std::size_t> test_rows;  // disjoint windows starting at or after test_from_sample
  std::vector<double> test_scores;     // their scores
  std::vector<model::AnomalyScore>
      row_score;  // per row of the table (fault rows and test rows; zero otherwise)
};

// Overlapping windows (hop window_len / 16) of the healthy recording, cut at 3/4 of its usable length: the
// windows ending before the cut train the anomaly model with calibration_fraction 1/3 (so the first half fits
// and the third quarter calibrates, straddling windows unused); the rows of `windows` (built from `catalog`
// with `table_config`) starting at or after the cut are the test windows. invalid_argument unless the catalog
// has exactly one healthy recording with at least one disjoint window in its last quarter.
Result<HealthyTimeSplit> healthy_time_split(const io::Catalog& catalog, const LabelledWindows& windows,
                                            const LabelledWindowsConfig& table_config,
                                            double false_alarm_rate);

// Accuracy and macro-F1 of a product-decision report (k_product_unknown + 1 columns, the first
// k_product_unknown of them true classes): accuracy over every decision, F1 averaged over the 4 true classes;
// an abstention is a miss of its true class and a false alarm of none.
double product_accuracy(const model::train::ClassificationReport& report);
double product_macro_f1(const model::train::ClassificationReport& report);

struct CwruLearnedConfig {
  SplitKind split = SplitKind::by_size;
  model::VerdictRule verdict_rule;  // thresholds of the one verdict (the edge's defaults)
  // Choose the classifier's inputs among k_input_candidates on inner folds of each fold's training side
  // (select_inputs) instead of taking recipe.features.
  bool select_inputs = false;
  // Choose the recipe's synthetic variation (cwru-rig or varied) on inner folds of each fold's training side
  // (select_synthetic_variation, after the inputs are chosen) instead of taking recipe.synthetic_variation.
  bool select_synthetic_variation = false;
  model::train::ClassifierRecipe recipe = model::train::default_classifier_recipe();
  double false_alarm_rate = 1e-3;    // the anomaly model's alarm budget
  std::size_t synthetic_normal = 0;  // simulated healthy windows per load for the 4-class experiment; 0: off
};

struct LearnedFold {
  std::string name;
  double held_out_value = 0;
  std::size_t train_recordings = 0, validation_recordings = 0, test_recordings = 0;
  std::size_t train_windows = 0, synthetic_windows = 0, validation_windows = 0, test_windows = 0;
  std::size_t best_epoch = 0, epochs_run = 0;
  std::optional<InputSelection> inputs;               // the choice made on the training side, when asked for
  std::optional<InputSelection> synthetic_variation;  // likewise
  model::train::ClassificationReport fault_type;      // 3 classes, argmax
  model::train::ClassificationReport product;         // 4 true classes x 5 decisions
  // On the same fault test windows, which fault is named (3 true classes x 4 columns, the last k_not_named):
  model::train::ClassificationReport physics;  // the edge's per-window physics verdict alone
  model::train::ClassificationReport verdict;  // model::one_verdict of physics and the product decision
  std::size_t healthy_named = 0;               // healthy test windows the one verdict names a fault in
  double anomaly_auc = 0;
  std::size_t abstained = 0;
  std::size_t fault_windows_alarmed = 0;
  // The synthetic-normal experiment (when asked for).
  std::optional<model::train::ClassificationReport> synthetic_normal;
  std::size_t faults_called_normal = 0;
};

struct CwruLearnedReport {
  HealthyTimeSplit healthy;
  std::vector<LearnedFold> folds;
  model::train::ClassificationReport fault_type;  // pooled over the folds
  model::train::ClassificationReport product;     // pooled over the folds
  model::train::ClassificationReport physics;     // pooled over the folds
  model::train::ClassificationReport verdict;     // pooled over the folds
  double anomaly_auc = 0;                         // healthy test windows vs every fold's fault test windows
  std::size_t healthy_alarms = 0;                 // healthy test windows alarmed
  std::size_t fault_windows = 0;                  // fault test windows over the folds
  std::size_t fault_alarms = 0;                   // fault rows of the table alarmed
  std::size_t synthetic_windows = 0;              // simulated fault windows over the folds
};

// The evaluation above on `windows` (built from `catalog` with `table_config`). `on_fold`, when given, is
// called after each fold (for progress output). Errors of the steps, naming the fold.
Result<CwruLearnedReport> evaluate_cwru_learned(const io::Catalog& catalog, const LabelledWindows& windows,
                                                const LabelledWindowsConfig& table_config,
                                                const CwruLearnedConfig& config,
                                                const std::function<void(const LearnedFold&)>& on_fold = {});

}  // namespace vigil::eval
