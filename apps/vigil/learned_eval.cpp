// vigil eval cwru CATALOG --model classifier|BUNDLE --split by-load|by-size: the learned models evaluated as
// the product uses them, with folds split by recording metadata.
//
// What runs (docs/learned-evaluation.md has the reasoning and the figures):
// 1. Every recording is brought to 12 kHz, cut into disjoint 4096-sample windows and turned into the schema's
//    28 features (model::build_labelled_windows); --features-csv writes that table for the scikit-learn peer.
// 2. Per-asset anomaly model from the one healthy recording (97.mat), split by time: overlapping windows of
//    its first half fit the robust scaler and the Gaussian T^2 detector, those of its third quarter
//    calibrate the alarm threshold at the false-alarm budget (model::train_anomaly_model); the DISJOINT
//    windows of its last quarter are the healthy test windows. No test sample is in a fit or calibration
//    window.
// 3. Per fold (model::make_folds: whole recordings, never one recording on both sides) the classifier recipe
//    (model::train::train_recipe: early stopping on training-side recordings, then a refit on all of them)
//    learns fault type (inner race / outer race / ball) from the training recordings, optionally plus
//    simulated fault windows (--synthetic-faults), and
//    - fault type, 3 classes: argmax on the fold's test windows;
//    - product decision, 4 classes (+ unknown): a window is "normal" when the anomaly model does not alarm,
//      else the classifier's class, or "unknown" when its top probability is below the recipe's abstain
//      threshold; on the fold's test fault windows plus the healthy test windows.
//    Confusions, accuracy and macro-F1 are pooled over the folds.
// 4. Healthy vs fault ROC AUC of the anomaly model's T^2: healthy test windows against fault test windows.
// 5. Optional (--synthetic-normal N): a 4-class MLP whose normal class is N simulated healthy windows per
//    load, tested on the fold's fault windows and every real healthy window (an earlier experiment, kept).
#include "learned_eval.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "diag/metrics.hpp"
#include "io/catalog.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/features.hpp"
#include "model/labelled_windows.hpp"
#include "model/train/classifier.hpp"
#include "model/train/classifier_recipe.hpp"
#include "model/train/metrics.hpp"
#include "model/train/synthetic_faults.hpp"
#include "sim/simulator.hpp"

namespace vigil::cli {

namespace train = model::train;

RecipeFlags::RecipeFlags() {
  const train::ClassifierRecipe r = train::default_classifier_recipe();
  features = "no-levels";
  hidden = r.hidden;
  activation = std::string(model::to_string(r.hidden_activation));
  epochs = r.optimizer.max_epochs;
  weight_decay = r.optimizer.weight_decay;
  dropout = r.optimizer.dropout;
  input_noise_sd = r.optimizer.input_noise_sd;
  seed = r.optimizer.seed;
  abstain = r.abstain_threshold;
  synthetic_faults = r.synthetic_faults;
}

bool RecipeFlags::any_given() const {
  return std::any_of(options.begin(), options.end(), [](const CLI::Option* o) { return o->count() > 0; });
}

Result<train::ClassifierRecipe> RecipeFlags::recipe() const {
  train::ClassifierRecipe r = train::default_classifier_recipe();
  auto names = train::parse_feature_set(features);
  if (!names) return std::unexpected(names.error().with_context("--features"));
  r.features = std::move(*names);
  r.hidden = hidden;
  auto act = model::parse_activation(activation);
  if (!act) return std::unexpected(act.error().with_context("--activation"));
  r.hidden_activation = *act;
  r.optimizer.max_epochs = epochs;
  r.optimizer.weight_decay = weight_decay;
  r.optimizer.dropout = dropout;
  r.optimizer.input_noise_sd = input_noise_sd;
  r.optimizer.seed = seed;
  r.abstain_threshold = abstain;
  r.synthetic_faults = synthetic_faults;
  if (auto ok = train::check_recipe(r); !ok) return std::unexpected(ok.error());
  return r;
}

void add_recipe_options(CLI::App& app, RecipeFlags& f) {
  f.options.push_back(app.add_option("--features", f.features,
                                     "Inputs of the classifier: all, no-levels (no absolute levels), envelope "
                                     "(envelope SNRs only) or a comma-separated list of schema feature names")
                          ->capture_default_str());
  f.options.push_back(app.add_option("--hidden", f.hidden, "Hidden layer widths, e.g. 64,32")
                          ->delimiter(',')
                          ->capture_default_str());
  f.options.push_back(app.add_option("--activation", f.activation, "Hidden activation: relu, tanh or sigmoid")
                          ->check(CLI::IsMember({"relu", "tanh", "sigmoid"}))
                          ->capture_default_str());
  f.options.push_back(app.add_option("--epochs", f.epochs, "Most training epochs (early stopping on held-out recordings)")
                          ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
                          ->capture_default_str());
  f.options.push_back(app.add_option("--weight-decay", f.weight_decay, "AdamW decoupled weight decay")
                          ->check(CLI::Range(0.0, 10.0))
                          ->capture_default_str());
  f.options.push_back(app.add_option("--dropout", f.dropout, "Dropout probability of the hidden units in training")
                          ->check(CLI::Range(0.0, 0.9))
                          ->capture_default_str());
  f.options.push_back(app.add_option("--input-noise", f.input_noise_sd,
                                     "Standard deviation of Gaussian noise added to the standardised inputs in "
                                     "training (z units)")
                          ->check(CLI::Range(0.0, 10.0))
                          ->capture_default_str());
  f.options.push_back(
      app.add_option("--seed", f.seed, "Seed of the weight initialisation, batch order and noise")->capture_default_str());
  f.options.push_back(app.add_option("--synthetic-faults", f.synthetic_faults,
                                     "Simulated windows per fault class and training load added to the training "
                                     "side (sim cwru_like, impacts 0.25-4 g); 0: real windows only")
                          ->check(CLI::Range(std::size_t{0}, std::size_t{10000}))
                          ->capture_default_str());
  f.options.push_back(app.add_option("--abstain", f.abstain, "Answer 'unknown' when the top class probability is below this")
                          ->check(CLI::Range(0.0, 1.0))
                          ->capture_default_str());
}

namespace {

struct LearnedOptions {
  std::string model;  // "classifier" or a bundle path; empty: the physics evaluation runs instead
  std::string split = "by-size";
  std::string features_csv;
  std::size_t synthetic_normal = 0;  // simulated healthy windows per load for the 4-class experiment; 0: off
  double false_alarm_rate = model::AnomalyTrainingConfig{}.false_alarm_rate;  // the product's alarm budget
  RecipeFlags recipe;
};

// The classifier's classes: fault types. The product decision adds "normal" (from the anomaly model) in front
// and "unknown" (abstention) as an extra prediction column.
constexpr std::array<io::FaultType, 3> k_classes{io::FaultType::inner_race, io::FaultType::outer_race,
                                                 io::FaultType::ball};
constexpr std::size_t k_normal = 0;   // product classes: normal, inner_race, outer_race, ball
constexpr std::size_t k_unknown = 4;  // prediction column of abstentions
const std::array<std::string, 5> k_product_names{"normal", "inner_race", "outer_race", "ball", "unknown"};

std::size_t recording_count(const model::LabelledWindows& windows, const std::vector<std::size_t>& rows) {
  std::set<std::string> names;
  for (auto i : rows) names.insert(windows.rows[i].recording);
  return names.size();
}

// The per-asset anomaly model of the healthy recording, fitted and calibrated on its first three quarters,
// and which rows of the (disjoint) table are its healthy test windows.
struct HealthyTimeSplit {
  std::optional<model::AnomalyModel> model;
  std::size_t fit_windows = 0;
  std::size_t calibration_windows = 0;
  std::size_t hop = 0;
  std::string recording;
  std::size_t test_from_sample = 0;       // first sample of the test quarter
  std::vector<std::size_t> test_rows;     // disjoint windows starting at or after test_from_sample
  std::vector<double> test_scores;        // their T^2
  std::vector<bool> score_alarm;          // per row of the table: does the model alarm? (fault and test rows)
  std::vector<double> scores;             // per row of the table: T^2
};

// Overlapping windows (hop window_len / 16) of the healthy recording, cut at 3/4 of its usable length: the
// windows ending before the cut go to train_anomaly_model with calibration_fraction 1/3 (so the first half
// fits and the third quarter calibrates, straddling windows unused); the disjoint table's windows starting
// at or after the cut are the test windows.
Result<HealthyTimeSplit> healthy_time_split(const io::Catalog& catalog, const model::LabelledWindows& windows,
                                            const model::LabelledWindowsConfig& table_config,
                                            double false_alarm_rate) {
  io::Catalog healthy{catalog.source, {}};
  for (const auto& e : catalog.entries) {
    if (e.fault == io::FaultType::normal) healthy.entries.push_back(e);
  }
  if (healthy.entries.size() != 1) {
    return fail(ErrorCode::invalid_argument,
                "the learned evaluation needs exactly one healthy (fault normal) recording in the catalog, found {}",
                healthy.entries.size());
  }
  HealthyTimeSplit out;
  model::LabelledWindowsConfig overlap = table_config;
  overlap.hop = table_config.window_len / 16;
  out.hop = overlap.hop;
  auto dense = model::build_labelled_windows(healthy, overlap);
  if (!dense) return std::unexpected(dense.error());
  if (dense->rows.empty()) return fail(ErrorCode::invalid_argument, "the healthy recording gave no window");
  out.recording = dense->rows.front().recording;
  std::size_t first = dense->rows.front().start_sample, end = 0;
  for (const auto& r : dense->rows) end = std::max(end, r.start_sample + dense->window_len);
  out.test_from_sample = first + (3 * (end - first)) / 4;
  model::LabelledWindows fit_side{dense->sample_rate_hz, dense->window_len, dense->hop, {}};
  for (auto& r : dense->rows) {
    if (r.start_sample + dense->window_len <= out.test_from_sample) fit_side.rows.push_back(std::move(r));
  }
  model::AnomalyTrainingConfig config;
  config.calibration_fraction = 1.0 / 3.0;
  config.false_alarm_rate = false_alarm_rate;
  auto trained = model::train_anomaly_model(fit_side, config);
  if (!trained) return std::unexpected(trained.error().with_context("anomaly model of " + out.recording));
  out.fit_windows = trained->fit_windows;
  out.calibration_windows = trained->calibration_windows;
  out.model.emplace(std::move(trained->model));

  out.scores.assign(windows.rows.size(), 0.0);
  out.score_alarm.assign(windows.rows.size(), false);
  for (std::size_t i = 0; i < windows.rows.size(); ++i) {
    const auto& r = windows.rows[i];
    if (r.fault == io::FaultType::normal) {
      if (r.recording != out.recording || r.start_sample < out.test_from_sample) continue;  // fit/calibration time
      out.test_rows.push_back(i);
    }
    auto s = out.model->score(r.features);
    if (!s) return std::unexpected(s.error().with_context(r.recording));
    out.scores[i] = s->score;
    out.score_alarm[i] = s->alarm;
    if (r.fault == io::FaultType::normal) out.test_scores.push_back(s->score);
  }
  if (out.test_rows.empty()) {
    return fail(ErrorCode::invalid_argument, "{}: no disjoint window in the last quarter to test on",
                out.recording);
  }
  return out;
}

// The --synthetic-normal experiment of one fold: the recipe, 4 classes, the normal class trained on simulated
// windows only (every 4th held back for early stopping) and tested on every real healthy window plus the
// fold's test fault windows (class 3 = normal).
Result<train::ClassificationReport> synthetic_normal_fold(const train::Dataset& train_set,
                                                          const train::Dataset& validation_set,
                                                          const train::Dataset& test_set,
                                                          const model::LabelledWindows& windows,
                                                          const std::vector<float>& synthetic,
                                                          const train::ClassifierRecipe& recipe) {
  const std::size_t d = model::k_feature_count;
  train::Dataset tr = train_set, va = validation_set, te = test_set;
  for (std::size_t k = 0; k < synthetic.size() / d; ++k) {
    auto& target = k % 4 == 0 ? va : tr;
    target.x.insert(target.x.end(), synthetic.begin() + std::ptrdiff_t(k * d),
                    synthetic.begin() + std::ptrdiff_t(k * d + d));
    target.labels.push_back(3);
    ++target.rows;
  }
  for (const auto& r : windows.rows) {
    if (r.fault != io::FaultType::normal) continue;
    te.x.insert(te.x.end(), r.features.begin(), r.features.end());
    te.labels.push_back(3);
    ++te.rows;
  }
  auto trained = train::train_recipe(tr, va, recipe, 4);
  if (!trained) return std::unexpected(trained.error());
  auto predicted = train::predict_classes(trained->model.spec, te);
  if (!predicted) return std::unexpected(predicted.error());
  return train::classification_report(te.labels, *predicted, 4);
}

nlohmann::json confusion_json(const train::ClassificationReport& report, std::size_t first_name,
                              std::size_t truth_rows) {
  nlohmann::json m = nlohmann::json::object();
  for (std::size_t t = 0; t < truth_rows; ++t) {
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t p = 0; p < report.classes; ++p) row[k_product_names[first_name + p]] = report.count(t, p);
    m[k_product_names[first_name + t]] = row;
  }
  return m;
}

// Macro-F1 of the product decision: mean F1 over the 4 true classes (normal and the faults); an abstention
// ("unknown") is a miss of its true class and a false alarm of none.
double product_macro_f1(const train::ClassificationReport& r) {
  double sum = 0;
  for (std::size_t c = 0; c < k_unknown; ++c) sum += r.per_class[c].f1;
  return sum / double(k_unknown);
}
double product_accuracy(const train::ClassificationReport& r) {
  std::size_t correct = 0, rows = 0;
  for (std::size_t t = 0; t < k_unknown; ++t) {
    correct += r.count(t, t);
    for (std::size_t p = 0; p < r.classes; ++p) rows += r.count(t, p);
  }
  return rows ? double(correct) / double(rows) : 0.0;
}

void print_confusion(const train::ClassificationReport& r, std::size_t first_name, std::size_t truth_rows) {
  fmt::print("{:<11}", "");
  for (std::size_t p = 0; p < r.classes; ++p) fmt::print(" {:>10}", k_product_names[first_name + p]);
  fmt::print("\n");
  for (std::size_t t = 0; t < truth_rows; ++t) {
    fmt::print("{:<11}", k_product_names[first_name + t]);
    for (std::size_t p = 0; p < r.classes; ++p) fmt::print(" {:>10}", r.count(t, p));
    fmt::print("\n");
  }
}

// The recipe: the default one, as changed by the recipe options, or the one recorded in a classifier bundle.
Result<train::ClassifierRecipe> recipe_for(const LearnedOptions& o, nlohmann::json& bundle_info) {
  if (o.model == "classifier") return o.recipe.recipe();
  if (o.recipe.any_given()) {
    return fail(ErrorCode::invalid_argument,
                "--model {}: the recipe comes from the bundle; the recipe options (--features, --hidden, --activation, --epochs, "
                "--weight-decay, --dropout, --input-noise, --seed, --abstain) only apply to --model classifier",
                o.model);
  }
  auto bundle = model::read_bundle(o.model, model::ModelKind::classifier, model::k_feature_schema_version);
  if (!bundle) return std::unexpected(bundle.error());
  const auto it = bundle->training.find("recipe");
  if (it == bundle->training.end()) {
    return fail(ErrorCode::parse,
                "{}: the manifest's training has no 'recipe' (written before vigil train classifier recorded it?): "
                "retrain the bundle",
                o.model);
  }
  auto recipe = train::recipe_from_json(*it);
  if (!recipe) return std::unexpected(recipe.error().with_context(o.model + ": manifest training.recipe"));
  bundle_info = {{"path", o.model},
                 {"created_at", bundle->created_at},
                 {"model_info", bundle->model_info},
                 {"note", "the bundle's recipe is retrained per fold; its own weights saw every recording and are "
                          "not scored (that would be in-sample)"}};
  return recipe;
}

int run_learned(const LearnedOptions& o, const std::string& catalog_path, double rate_hz, bool json) {
  const auto started = std::chrono::steady_clock::now();
  auto error = [](int rc, const std::string& message) {
    fmt::print(stderr, "vigil eval cwru: {}\n", message);
    return rc;
  };
  nlohmann::json bundle_info;
  auto recipe = recipe_for(o, bundle_info);
  if (!recipe) return error(2, recipe.error().message);
  auto split = model::parse_split_kind(o.split);
  if (!split) return error(2, "--split: " + split.error().message);
  auto catalog = io::read_catalog(catalog_path);
  if (!catalog) return error(2, catalog.error().message);
  model::LabelledWindowsConfig wc;
  wc.sample_rate_hz = rate_hz > 0 ? rate_hz : 12000;
  auto windows = model::build_labelled_windows(*catalog, wc);
  if (!windows) return error(1, windows.error().message);
  if (!o.features_csv.empty()) {
    if (auto ok = model::write_windows_csv(*windows, o.features_csv); !ok) {
      return error(1, "--features-csv: " + ok.error().message);
    }
  }
  auto folds = model::make_folds(*windows, *split);
  if (!folds) return error(2, folds.error().message);
  auto healthy = healthy_time_split(*catalog, *windows, wc, o.false_alarm_rate);
  if (!healthy) return error(1, healthy.error().message);

  std::vector<float> synthetic_normal;
  if (o.synthetic_normal > 0) {
    std::vector<std::size_t> fault_rows;
    for (std::size_t i = 0; i < windows->rows.size(); ++i) {
      if (windows->rows[i].fault != io::FaultType::normal) fault_rows.push_back(i);
    }
    auto rows = train::synthetic_healthy_rows(*windows, fault_rows, o.synthetic_normal, recipe->optimizer.seed);
    if (!rows) return error(1, "--synthetic-normal: " + rows.error().message);
    synthetic_normal = std::move(*rows);
  }

  // Pooled over folds: 3-class fault type (argmax), 4-class product decision (+ unknown column).
  std::vector<int> type_truth, type_predicted, product_truth, product_predicted;
  std::vector<double> all_fault_scores;
  std::size_t synthetic_windows = 0;
  nlohmann::json folds_json = nlohmann::json::array();
  if (!json) {
    fmt::print("learned evaluation, split {}: {} windows of {} samples at {} Hz; classifier inputs: {}\n", o.split,
               windows->rows.size(), windows->window_len, windows->sample_rate_hz,
               recipe->features.empty() ? std::string("all") : fmt::format("{} features", recipe->features.size()));
    fmt::print("healthy {}: anomaly model fit on {} and calibrated on {} overlapping windows (hop {}), tested on "
               "{} disjoint windows from sample {}\n\n",
               healthy->recording, healthy->fit_windows, healthy->calibration_windows, healthy->hop,
               healthy->test_rows.size(), healthy->test_from_sample);
    fmt::print("{:<15} {:>9} {:>7} {:>8} {:>6} {:>10} {:>8} {:>10} {:>8} {:>7}\n", "fold (test)", "train rec",
               "val rec", "test rec", "epochs", "type acc", "type F1", "4-cls acc", "4-cls F1", "AUC");
  }
  for (const auto& fold : *folds) {
    std::vector<std::size_t> side = fold.train;
    side.insert(side.end(), fold.validation.begin(), fold.validation.end());
    const auto rows = model::hold_out_validation(*windows, side, recipe->validation_every);
    auto train_set = train::windows_dataset(*windows, rows.train, k_classes);
    auto fit_set = train::training_side(*windows, rows.train, k_classes, *recipe);  // + simulated faults
    auto validation_set = train::windows_dataset(*windows, rows.validation, k_classes);
    auto test_set = train::windows_dataset(*windows, fold.test, k_classes);
    if (!train_set || !fit_set || !validation_set || !test_set) {
      const Error& e = !train_set        ? train_set.error()
                       : !fit_set        ? fit_set.error()
                       : !validation_set ? validation_set.error()
                                         : test_set.error();
      return error(1, fmt::format("fold {}: {}", fold.name, e.message));
    }
    const std::size_t fold_synthetic = fit_set->rows - train_set->rows;
    synthetic_windows += fold_synthetic;
    auto trained = train::train_recipe(*fit_set, *validation_set, *recipe, k_classes.size());
    if (!trained) return error(1, fmt::format("fold {}: {}", fold.name, trained.error().message));

    // Fault type: argmax of the refitted model on the test fault windows.
    std::vector<int> fold_type_pred, fold_product_truth, fold_product_pred;
    std::size_t abstained = 0;
    auto decide = [&](std::size_t row, int truth) {
      fold_product_truth.push_back(truth);
      if (!healthy->score_alarm[row]) {
        fold_product_pred.push_back(int(k_normal));
        return;
      }
      const auto p = model::reference_forward(trained->model.spec, windows->rows[row].features);
      const auto top = std::size_t(std::max_element(p.begin(), p.end()) - p.begin());
      if (double(p[top]) < recipe->abstain_threshold) {
        fold_product_pred.push_back(int(k_unknown));
        ++abstained;
      } else {
        fold_product_pred.push_back(int(top) + 1);
      }
    };
    for (std::size_t k = 0; k < fold.test.size(); ++k) {
      const auto p = model::reference_forward(trained->model.spec, windows->rows[fold.test[k]].features);
      fold_type_pred.push_back(int(std::max_element(p.begin(), p.end()) - p.begin()));
      decide(fold.test[k], test_set->labels[k] + 1);
    }
    for (auto row : healthy->test_rows) decide(row, int(k_normal));

    auto type_report = train::classification_report(test_set->labels, fold_type_pred, k_classes.size());
    auto product_report = train::classification_report(fold_product_truth, fold_product_pred, k_unknown + 1);
    if (!type_report || !product_report) {
      return error(1, fmt::format("fold {}: {}", fold.name,
                                  (!type_report ? type_report.error() : product_report.error()).message));
    }
    std::vector<double> fault_scores;
    std::size_t alarmed = 0;
    for (auto i : fold.test) {
      fault_scores.push_back(healthy->scores[i]);
      alarmed += healthy->score_alarm[i] ? 1 : 0;
    }
    const double auc = diag::roc_auc(healthy->test_scores, fault_scores);
    type_truth.insert(type_truth.end(), test_set->labels.begin(), test_set->labels.end());
    type_predicted.insert(type_predicted.end(), fold_type_pred.begin(), fold_type_pred.end());
    product_truth.insert(product_truth.end(), fold_product_truth.begin(), fold_product_truth.end());
    product_predicted.insert(product_predicted.end(), fold_product_pred.begin(), fold_product_pred.end());
    all_fault_scores.insert(all_fault_scores.end(), fault_scores.begin(), fault_scores.end());

    const std::size_t train_rec = recording_count(*windows, rows.train);
    const std::size_t val_rec = recording_count(*windows, rows.validation);
    const std::size_t test_rec = recording_count(*windows, fold.test);
    const double acc4 = product_accuracy(*product_report);
    const double f14 = product_macro_f1(*product_report);
    nlohmann::json fj = {{"name", fold.name},
                         {"held_out", fold.held_out_value},
                         {"train_recordings", train_rec},
                         {"validation_recordings", val_rec},
                         {"test_recordings", test_rec},
                         {"train_windows", rows.train.size()},
                         {"synthetic_windows", fold_synthetic},
                         {"validation_windows", rows.validation.size()},
                         {"test_windows", fold.test.size() + healthy->test_rows.size()},
                         {"best_epoch", trained->early.best_epoch},
                         {"epochs_run", trained->early.curve.size()},
                         {"accuracy", acc4},
                         {"macro_f1", f14},
                         {"anomaly_auc", auc},
                         {"abstained", abstained},
                         {"fault_windows_alarmed", alarmed},
                         {"confusion", confusion_json(*product_report, 0, k_unknown)},
                         {"fault_type",
                          {{"accuracy", type_report->accuracy},
                           {"macro_f1", type_report->macro_f1},
                           {"confusion", confusion_json(*type_report, 1, k_classes.size())}}}};
    std::string synthetic_line;
    if (!synthetic_normal.empty()) {
      auto four = synthetic_normal_fold(*train_set, *validation_set, *test_set, *windows, synthetic_normal, *recipe);
      if (!four) return error(1, fmt::format("fold {}: synthetic normal: {}", fold.name, four.error().message));
      std::size_t faults_called_normal = 0;
      for (std::size_t t = 0; t < 3; ++t) faults_called_normal += four->count(t, 3);
      fj["synthetic_normal_4class"] = {{"accuracy", four->accuracy},
                                       {"macro_f1", four->macro_f1},
                                       {"real_healthy_windows", four->per_class[3].support},
                                       {"real_healthy_recall", four->per_class[3].recall},
                                       {"fault_windows_called_normal", faults_called_normal}};
      synthetic_line = fmt::format(
          "  --synthetic-normal 4-class: accuracy {:.4f} macro-F1 {:.4f}; real healthy windows called normal "
          "{:.4f} of {}; fault windows called normal {}\n",
          four->accuracy, four->macro_f1, four->per_class[3].recall, four->per_class[3].support,
          faults_called_normal);
    }
    folds_json.push_back(std::move(fj));
    if (!json) {
      fmt::print("{:<15} {:>9} {:>7} {:>8} {:>6} {:>10.4f} {:>8.4f} {:>10.4f} {:>8.4f} {:>7.4f}\n", fold.name,
                 train_rec, val_rec, test_rec, trained->early.curve.size(), type_report->accuracy,
                 type_report->macro_f1, acc4, f14, auc);
      fmt::print("{}", synthetic_line);
    }
  }
  auto type_pooled = train::classification_report(type_truth, type_predicted, k_classes.size());
  auto product_pooled = train::classification_report(product_truth, product_predicted, k_unknown + 1);
  if (!type_pooled || !product_pooled) {
    return error(1, (!type_pooled ? type_pooled.error() : product_pooled.error()).message);
  }
  const double anomaly_auc = diag::roc_auc(healthy->test_scores, all_fault_scores);
  std::size_t healthy_alarms = 0, fault_alarms = 0;
  for (auto i : healthy->test_rows) healthy_alarms += healthy->score_alarm[i] ? 1 : 0;
  for (std::size_t i = 0; i < windows->rows.size(); ++i) {
    if (windows->rows[i].fault != io::FaultType::normal) fault_alarms += healthy->score_alarm[i] ? 1 : 0;
  }
  const double acc4 = product_accuracy(*product_pooled);
  const double f14 = product_macro_f1(*product_pooled);
  const double runtime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string healthy_note = fmt::format(
      "normal comes from one healthy recording ({}) split by time: its first half fits and its third quarter "
      "calibrates the anomaly model (overlapping windows), its last quarter gives {} disjoint test windows, which "
      "every fold scores again (they appear {} times in the pooled confusion); a split by recording is impossible "
      "with one healthy recording",
      healthy->recording, healthy->test_rows.size(), folds->size());
  if (json) {
    nlohmann::json out = {
        {"catalog", catalog_path},
        {"model", o.model},
        {"recipe", train::recipe_to_json(*recipe)},
        {"split", o.split},
        {"task",
         "product decision, 4 classes: normal when the anomaly model does not alarm, else the classifier's fault "
         "type, unknown below its abstain threshold"},
        {"classes", {"normal", "inner_race", "outer_race", "ball"}},
        {"window_len", windows->window_len},
        {"sample_rate_hz", windows->sample_rate_hz},
        {"windows", windows->rows.size()},
        {"accuracy", acc4},
        {"macro_f1", f14},
        {"anomaly_auc", anomaly_auc},
        {"confusion", confusion_json(*product_pooled, 0, k_unknown)},
        {"folds", folds_json},
        {"fault_type",
         {{"task", "fault type, 3 classes (inner_race, outer_race, ball), argmax, fault test windows only"},
          {"accuracy", type_pooled->accuracy},
          {"macro_f1", type_pooled->macro_f1},
          {"confusion", confusion_json(*type_pooled, 1, k_classes.size())}}},
        {"anomaly",
         {{"recording", healthy->recording},
          {"hop", healthy->hop},
          {"healthy_fit_windows", healthy->fit_windows},
          {"healthy_calibration_windows", healthy->calibration_windows},
          {"healthy_test_windows", healthy->test_rows.size()},
          {"false_alarm_rate", o.false_alarm_rate},
          {"threshold_t2", healthy->model->threshold()},
          {"healthy_test_alarms", healthy_alarms},
          {"fault_windows", all_fault_scores.size()},
          {"fault_windows_alarmed", fault_alarms}}},
        {"synthetic_faults",
         {{"per_class_and_load", recipe->synthetic_faults},
          {"windows_over_folds", synthetic_windows},
          {"severity_impact_g", {train::k_synthetic_min_impact_g, train::k_synthetic_max_impact_g}}}},
        {"notes", nlohmann::json::array({healthy_note})},
        {"runtime_s", runtime_s}};
    if (!bundle_info.is_null()) out["bundle"] = bundle_info;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  fmt::print("\nproduct decision over all folds (rows: truth, columns: decided)\n");
  print_confusion(*product_pooled, 0, k_unknown);
  fmt::print("\nfault type over all folds' test fault windows (argmax)\n");
  print_confusion(*type_pooled, 1, k_classes.size());
  fmt::print(
      "\n{} split: 4-class accuracy {:.4f} macro-F1 {:.4f} | fault type accuracy {:.4f} macro-F1 {:.4f} | anomaly "
      "AUC {:.4f}, healthy test alarms {} of {}, fault windows alarmed {} of {} ({:.1f} s)\n",
      o.split, acc4, f14, type_pooled->accuracy, type_pooled->macro_f1, anomaly_auc, healthy_alarms,
      healthy->test_rows.size(), fault_alarms, all_fault_scores.size(), runtime_s);
  if (!bundle_info.is_null()) {
    fmt::print("recipe from {} retrained per fold (its own weights saw every recording: not scored)\n", o.model);
  }
  fmt::print("note: {}\n", healthy_note);
  return 0;
}

}  // namespace

void add_eval_cwru_learned(CLI::App& cwru) {
  auto o = std::make_shared<LearnedOptions>();
  cwru.add_option("--model", o->model,
                  "Evaluate a learned model instead of the physics diagnosis: 'classifier' (the default recipe) or "
                  "a classifier bundle (.vigil) whose recorded recipe is retrained on every fold (the bundle's own "
                  "weights saw every recording, so scoring them here would be in-sample); normal/fault comes from "
                  "the per-asset anomaly model of the healthy recording");
  cwru.add_option("--split", o->split,
                  "Folds by recording metadata: by-load (leave one load out) or by-size (leave one defect "
                  "diameter out)")
      ->check(CLI::IsMember({"by-load", "by-size"}))
      ->capture_default_str();
  cwru.add_option("--features-csv", o->features_csv,
                  "Write the labelled feature windows (metadata + schema features) to this CSV");
  cwru.add_option("--synthetic-normal", o->synthetic_normal,
                  "Also train a 4-class model whose normal class is this many simulated healthy windows per load "
                  "(sim cwru_like), tested on the real healthy recording (never trained on)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10000}));
  cwru.add_option("--false-alarm-rate", o->false_alarm_rate,
                  "Alarm budget of the anomaly model on healthy windows (calibrated on the healthy recording's "
                  "third quarter)")
      ->check(CLI::Range(1e-6, 0.5))
      ->capture_default_str();
  add_recipe_options(cwru, o->recipe);
  // Runs as soon as `eval cwru` is parsed, before its own (physics) callback; finishing by exception stops
  // the command there, so the physics path only runs when --model is absent.
  cwru.parse_complete_callback([o, &cwru] {
    if (o->model.empty()) return;
    const std::string catalog = cwru.get_option("catalog")->as<std::string>();
    CLI::Option* resample = cwru.get_option("--resample");
    const double rate_hz = resample->count() > 0 ? resample->as<double>() : 12000.0;
    const bool json = cwru.get_option("--json")->count() > 0;
    const int rc = run_learned(*o, catalog, rate_hz, json);
    if (rc != 0) throw CLI::RuntimeError(rc);
    throw CLI::Success();
  });
}

}  // namespace vigil::cli
