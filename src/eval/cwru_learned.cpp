#include "eval/cwru_learned.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "diag/metrics.hpp"
#include "eval/anomaly_training.hpp"
#include "eval/synthetic_faults.hpp"
#include "eval/windows_dataset.hpp"
#include "model/assessment.hpp"
#include "model/classifier_bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/mlp.hpp"
#include "model/train/classifier.hpp"

namespace vigil::eval {

namespace train = model::train;

namespace {

std::size_t recording_count(const LabelledWindows& windows, const std::vector<std::size_t>& rows) {
  std::set<std::string> names;
  for (auto i : rows) names.insert(windows.rows[i].recording);
  return names.size();
}

// The synthetic-normal experiment of one fold: the recipe, 4 classes, the normal class trained on simulated
// windows only (every 4th held back for early stopping) and tested on every real healthy window plus the
// fold's test fault windows (class 3 = normal).
Result<train::ClassificationReport> synthetic_normal_fold(const train::Dataset& train_set,
                                                          const train::Dataset& validation_set,
                                                          const train::Dataset& test_set,
                                                          const LabelledWindows& windows,
                                                          const std::vector<float>& synthetic,
                                                          const train::ClassifierRecipe& recipe) {
  const std::size_t d = model::k_classifier_feature_count;
  train::Dataset tr = train_set, va = validation_set, te = test_set;
  for (std::size_t k = 0; k < synthetic.size() / d; ++k) {
    auto& target = k % 4 == 0 ? va : tr;
    target.x.insert(target.x.end(), synthetic.begin() + std::ptrdiff_t(k * d),
                    synthetic.begin() + std::ptrdiff_t(k * d + d));
    target.labels.push_back(3);
    ++target.rows;
  }
  for (const auto& r : windows.rows) {
    if (r.fault != domain::FaultType::normal) continue;
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

// The product class (k_product_names) of a window decision.
int product_class(const model::WindowDecision& d) {
  switch (d.verdict) {
    case model::WindowVerdict::normal:
      return int(k_product_normal);
    case model::WindowVerdict::fault:
      return int(d.fault_class) + 1;
    case model::WindowVerdict::unknown:
    case model::WindowVerdict::abnormal:
    case model::WindowVerdict::none:
      break;
  }
  return int(k_product_unknown);
}

// Column of a named fault in the physics / one-verdict reports: its position in k_fault_classes, else
// k_not_named.
int named_class(std::optional<diag::Verdict> named) {
  for (std::size_t c = 0; c < k_fault_classes.size(); ++c) {
    if (named && *named == diag::verdict_for(k_fault_classes[c])) return int(c);
  }
  return int(k_not_named);
}

}  // namespace

Result<HealthyTimeSplit> healthy_time_split(const io::Catalog& catalog, const LabelledWindows& windows,
                                            const LabelledWindowsConfig& table_config,
                                            double false_alarm_rate) {
  io::Catalog healthy{catalog.source, {}};
  for (const auto& e : catalog.entries) {
    if (e.fault == domain::FaultType::normal) healthy.entries.push_back(e);
  }
  if (healthy.entries.size() != 1) {
    return fail(
        ErrorCode::invalid_argument,
        "the learned evaluation needs exactly one healthy (fault normal) recording in the catalog, found {}",
        healthy.entries.size());
  }
  HealthyTimeSplit out;
  LabelledWindowsConfig overlap = table_config;
  overlap.hop = table_config.window_len / 16;
  out.hop = overlap.hop;
  auto dense = build_labelled_windows(healthy, overlap);
  if (!dense) return std::unexpected(dense.error());
  if (dense->rows.empty()) return fail(ErrorCode::invalid_argument, "the healthy recording gave no window");
  out.recording = dense->rows.front().recording;
  std::size_t first = dense->rows.front().start_sample, end = 0;
  for (const auto& r : dense->rows) end = std::max(end, r.start_sample + dense->window_len);
  out.test_from_sample = first + (3 * (end - first)) / 4;
  LabelledWindows fit_side{dense->sample_rate_hz, dense->window_len, dense->hop, {}};
  for (auto& r : dense->rows) {
    if (r.start_sample + dense->window_len <= out.test_from_sample) fit_side.rows.push_back(std::move(r));
  }
  AnomalyTrainingConfig config;
  config.calibration_fraction = 1.0 / 3.0;
  config.false_alarm_rate = false_alarm_rate;
  auto trained = train_anomaly_model(fit_side, config);
  if (!trained) return std::unexpected(trained.error().with_context("anomaly model of " + out.recording));
  out.fit_windows = trained->fit_windows;
  out.calibration_windows = trained->calibration_windows;
  out.model.emplace(std::move(trained->model));

  out.row_score.assign(windows.rows.size(), model::AnomalyScore{});
  for (std::size_t i = 0; i < windows.rows.size(); ++i) {
    const auto& r = windows.rows[i];
    if (r.fault == domain::FaultType::normal) {
      if (r.recording != out.recording || r.start_sample < out.test_from_sample)
        continue;  // fit/calibration time
      out.test_rows.push_back(i);
    }
    auto s = out.model->score(window_features(r));
    if (!s) return std::unexpected(s.error().with_context(r.recording));
    out.row_score[i] = *s;
    if (r.fault == domain::FaultType::normal) out.test_scores.push_back(s->score);
  }
  if (out.test_rows.empty()) {
    return fail(ErrorCode::invalid_argument, "{}: no disjoint window in the last quarter to test on",
                out.recording);
  }
  return out;
}

double product_macro_f1(const train::ClassificationReport& r) {
  double sum = 0;
  for (std::size_t c = 0; c < k_product_unknown; ++c) sum += r.per_class[c].f1;
  return sum / double(k_product_unknown);
}

double product_accuracy(const train::ClassificationReport& r) {
  std::size_t correct = 0, rows = 0;
  for (std::size_t t = 0; t < k_product_unknown; ++t) {
    correct += r.count(t, t);
    for (std::size_t p = 0; p < r.classes; ++p) rows += r.count(t, p);
  }
  return rows ? double(correct) / double(rows) : 0.0;
}

Result<CwruLearnedReport> evaluate_cwru_learned(const io::Catalog& catalog, const LabelledWindows& windows,
                                                const LabelledWindowsConfig& table_config,
                                                const CwruLearnedConfig& config,
                                                const std::function<void(const LearnedFold&)>& on_fold) {
  if (auto ok = train::check_recipe(config.recipe); !ok) return std::unexpected(ok.error());
  const auto& recipe = config.recipe;
  auto folds = make_folds(windows, config.split);
  if (!folds) return std::unexpected(folds.error());
  auto healthy = healthy_time_split(catalog, windows, table_config, config.false_alarm_rate);
  if (!healthy) return std::unexpected(healthy.error());

  std::vector<float> synthetic_normal;
  if (config.synthetic_normal > 0) {
    std::vector<std::size_t> fault_rows;
    for (std::size_t i = 0; i < windows.rows.size(); ++i) {
      if (windows.rows[i].fault != domain::FaultType::normal) fault_rows.push_back(i);
    }
    auto rows = synthetic_healthy_rows(windows, fault_rows, config.synthetic_normal, recipe.optimizer.seed);
    if (!rows) return std::unexpected(rows.error().with_context("synthetic normal"));
    synthetic_normal = std::move(*rows);
  }

  std::vector<std::string> labels;
  for (auto c : k_fault_classes) labels.emplace_back(domain::to_string(c));
  CwruLearnedReport report;
  // Pooled over folds: 3-class fault type (argmax), 4-class product decision (+ unknown column).
  std::vector<int> type_truth, type_predicted, product_truth, product_predicted, physics_predicted,
      verdict_predicted;
  std::vector<double> all_fault_scores;
  for (const auto& fold : *folds) {
    auto fold_error = [&](const Error& e) { return std::unexpected(e.with_context("fold " + fold.name)); };
    std::vector<std::size_t> side = fold.train;
    side.insert(side.end(), fold.validation.begin(), fold.validation.end());
    LearnedFold f;
    train::ClassifierRecipe fold_recipe = recipe;
    if (config.select_inputs) {
      auto chosen = select_inputs(windows, side, k_input_candidates, recipe, k_fault_classes);
      if (!chosen) return fold_error(chosen.error());
      auto names = train::parse_feature_set(chosen->chosen);
      if (!names) return fold_error(names.error());
      fold_recipe.features = std::move(*names);
      f.inputs = std::move(*chosen);
    }
    if (config.select_synthetic_variation) {
      auto chosen = select_synthetic_variation(windows, side, fold_recipe, k_fault_classes);
      if (!chosen) return fold_error(chosen.error());
      auto variation = train::parse_synthetic_variation(chosen->chosen);
      if (!variation) return fold_error(variation.error());
      fold_recipe.synthetic_variation = *variation;
      f.synthetic_variation = std::move(*chosen);
    }
    const auto rows = hold_out_validation(windows, side, recipe.validation_every);
    auto train_set = windows_dataset(windows, rows.train, k_fault_classes);
    if (!train_set) return fold_error(train_set.error());
    auto fit_set = training_side(windows, rows.train, k_fault_classes, fold_recipe);  // + simulated faults
    if (!fit_set) return fold_error(fit_set.error());
    auto validation_set = windows_dataset(windows, rows.validation, k_fault_classes);
    if (!validation_set) return fold_error(validation_set.error());
    auto test_set = windows_dataset(windows, fold.test, k_fault_classes);
    if (!test_set) return fold_error(test_set.error());
    f.name = fold.name;
    f.held_out_value = fold.held_out_value;
    f.synthetic_windows = fit_set->rows - train_set->rows;
    report.synthetic_windows += f.synthetic_windows;
    auto trained = train::train_recipe(*fit_set, *validation_set, fold_recipe, k_fault_classes.size());
    if (!trained) return fold_error(trained.error());

    // Each test window: the fault type by argmax, and the product's decision from the anomaly model's score
    // and the classification of the same probabilities.
    // The physics verdict of the window alone, and the one verdict of it and the product decision.
    std::vector<int> fold_type_pred, fold_product_truth, fold_product_pred, fold_physics_pred,
        fold_verdict_pred;
    std::optional<model::NamedFault> named;
    auto decide = [&](std::size_t row, int truth) {
      const WindowRow& r = windows.rows[row];
      const auto p = model::reference_forward(trained->model.spec, r.features);
      const auto c = model::classification_of(p, recipe.abstain_threshold, labels);
      const auto d = model::decide_window(healthy->row_score[row], c);
      fold_product_truth.push_back(truth);
      fold_product_pred.push_back(product_class(d));
      if (d.verdict == model::WindowVerdict::unknown) ++f.abstained;
      const std::optional<diag::Verdict> learned =
          d.verdict == model::WindowVerdict::fault
              ? std::optional(diag::verdict_for(k_fault_classes[d.fault_class]))
              : std::nullopt;
      named = model::one_verdict(r.physics, r.physics_confidence, learned, double(c.top_probability),
                                 config.verdict_rule);
      return int(c.top);
    };
    const double min_physics = config.verdict_rule.min_physics_confidence;
    for (std::size_t k = 0; k < fold.test.size(); ++k) {
      const WindowRow& r = windows.rows[fold.test[k]];
      fold_type_pred.push_back(decide(fold.test[k], test_set->labels[k] + 1));
      fold_verdict_pred.push_back(named_class(named ? std::optional(named->fault) : std::nullopt));
      fold_physics_pred.push_back(
          named_class(r.physics_confidence >= min_physics ? std::optional(r.physics) : std::nullopt));
    }
    for (auto row : healthy->test_rows) {
      decide(row, int(k_product_normal));
      f.healthy_named += named ? 1 : 0;
    }

    auto type_report = train::classification_report(test_set->labels, fold_type_pred, k_fault_classes.size());
    if (!type_report) return fold_error(type_report.error());
    auto product_report =
        train::classification_report(fold_product_truth, fold_product_pred, k_product_unknown + 1);
    if (!product_report) return fold_error(product_report.error());
    auto physics_report = train::classification_report(test_set->labels, fold_physics_pred, k_not_named + 1);
    if (!physics_report) return fold_error(physics_report.error());
    auto verdict_report = train::classification_report(test_set->labels, fold_verdict_pred, k_not_named + 1);
    if (!verdict_report) return fold_error(verdict_report.error());
    std::vector<double> fault_scores;
    for (auto i : fold.test) {
      fault_scores.push_back(healthy->row_score[i].score);
      f.fault_windows_alarmed += healthy->row_score[i].alarm ? 1 : 0;
    }
    f.anomaly_auc = diag::roc_auc(healthy->test_scores, fault_scores);
    type_truth.insert(type_truth.end(), test_set->labels.begin(), test_set->labels.end());
    type_predicted.insert(type_predicted.end(), fold_type_pred.begin(), fold_type_pred.end());
    product_truth.insert(product_truth.end(), fold_product_truth.begin(), fold_product_truth.end());
    product_predicted.insert(product_predicted.end(), fold_product_pred.begin(), fold_product_pred.end());
    physics_predicted.insert(physics_predicted.end(), fold_physics_pred.begin(), fold_physics_pred.end());
    verdict_predicted.insert(verdict_predicted.end(), fold_verdict_pred.begin(), fold_verdict_pred.end());
    all_fault_scores.insert(all_fault_scores.end(), fault_scores.begin(), fault_scores.end());

    f.train_recordings = recording_count(windows, rows.train);
    f.validation_recordings = recording_count(windows, rows.validation);
    f.test_recordings = recording_count(windows, fold.test);
    f.train_windows = rows.train.size();
    f.validation_windows = rows.validation.size();
    f.test_windows = fold.test.size() + healthy->test_rows.size();
    f.best_epoch = trained->early.best_epoch;
    f.epochs_run = trained->early.curve.size();
    f.fault_type = std::move(*type_report);
    f.product = std::move(*product_report);
    f.physics = std::move(*physics_report);
    f.verdict = std::move(*verdict_report);
    if (!synthetic_normal.empty()) {
      auto four = synthetic_normal_fold(*train_set, *validation_set, *test_set, windows, synthetic_normal,
                                        fold_recipe);
      if (!four) return fold_error(four.error().with_context("synthetic normal"));
      for (std::size_t t = 0; t < 3; ++t) f.faults_called_normal += four->count(t, 3);
      f.synthetic_normal = std::move(*four);
    }
    if (on_fold) on_fold(f);
    report.folds.push_back(std::move(f));
  }
  auto type_pooled = train::classification_report(type_truth, type_predicted, k_fault_classes.size());
  if (!type_pooled) return std::unexpected(type_pooled.error());
  auto product_pooled = train::classification_report(product_truth, product_predicted, k_product_unknown + 1);
  if (!product_pooled) return std::unexpected(product_pooled.error());
  auto physics_pooled = train::classification_report(type_truth, physics_predicted, k_not_named + 1);
  if (!physics_pooled) return std::unexpected(physics_pooled.error());
  auto verdict_pooled = train::classification_report(type_truth, verdict_predicted, k_not_named + 1);
  if (!verdict_pooled) return std::unexpected(verdict_pooled.error());
  report.physics = std::move(*physics_pooled);
  report.verdict = std::move(*verdict_pooled);
  report.fault_type = std::move(*type_pooled);
  report.product = std::move(*product_pooled);
  report.anomaly_auc = diag::roc_auc(healthy->test_scores, all_fault_scores);
  for (auto i : healthy->test_rows) report.healthy_alarms += healthy->row_score[i].alarm ? 1 : 0;
  for (std::size_t i = 0; i < windows.rows.size(); ++i) {
    if (windows.rows[i].fault != domain::FaultType::normal)
      report.fault_alarms += healthy->row_score[i].alarm ? 1 : 0;
  }
  report.fault_windows = all_fault_scores.size();
  report.healthy = std::move(*healthy);
  return report;
}

}  // namespace vigil::eval
