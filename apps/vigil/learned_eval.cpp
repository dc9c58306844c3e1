// vigil eval cwru CATALOG --model classifier|BUNDLE --split by-load|by-size: the learned models evaluated as
// the product uses them (eval::evaluate_cwru_learned, which says what runs), printed as a table or JSON.
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

#include "eval/cwru_learned.hpp"
#include "eval/labelled_windows.hpp"
#include "eval/synthetic_faults.hpp"
#include "exit_codes.hpp"
#include "io/catalog.hpp"
#include "model/anomaly_fit.hpp"
#include "model/bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/train/classifier_recipe.hpp"
#include "model/train/metrics.hpp"

namespace vigil::cli {

namespace train = model::train;

RecipeFlags::RecipeFlags() {
  const train::ClassifierRecipe r = train::default_classifier_recipe();
  features = "family";
  hidden = r.hidden;
  activation = std::string(model::to_string(r.hidden_activation));
  epochs = r.optimizer.max_epochs;
  weight_decay = r.optimizer.weight_decay;
  dropout = r.optimizer.dropout;
  input_noise_sd = r.optimizer.input_noise_sd;
  seed = r.optimizer.seed;
  abstain = r.abstain_threshold;
  synthetic_faults = r.synthetic_faults;
  synthetic_variation = std::string(train::to_string(r.synthetic_variation));
}

bool RecipeFlags::any_given() const {
  return std::any_of(options.begin(), options.end(), [](const CLI::Option* o) { return o->count() > 0; });
}

Result<train::ClassifierRecipe> RecipeFlags::recipe() const {
  train::ClassifierRecipe r = train::default_classifier_recipe();
  if (!select_inputs()) {
    auto names = train::parse_feature_set(features);
    if (!names) return std::unexpected(names.error().with_context("--features"));
    r.features = std::move(*names);
  }
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
  if (!select_synthetic_variation()) {
    auto variation = train::parse_synthetic_variation(synthetic_variation);
    if (!variation) return std::unexpected(variation.error().with_context("--synthetic-variation"));
    r.synthetic_variation = *variation;
  }
  if (auto ok = train::check_recipe(r); !ok) return std::unexpected(ok.error());
  return r;
}

nlohmann::json input_selection_json(const eval::InputSelection& selection) {
  nlohmann::json scores = nlohmann::json::array();
  for (const auto& s : selection.scores) {
    scores.push_back({{"inputs", s.inputs},
                      {"inner_by_size_accuracy", s.by_size_accuracy},
                      {"inner_by_load_accuracy", s.by_load_accuracy},
                      {"score", s.score}});
  }
  return {{"chosen", selection.chosen}, {"candidates", scores}};
}

void add_recipe_options(CLI::App& app, RecipeFlags& f) {
  f.options.push_back(
      app.add_option("--features", f.features,
                     "Inputs of the classifier: family (the defect-family shares), select (chosen among "
                     "family, no-levels and no-levels+family on inner folds of the training data), all, "
                     "window (the 28 window features), no-levels (window features but absolute levels), "
                     "envelope (envelope SNRs only), no-levels+family, or a comma-separated list of schema "
                     "feature names")
          ->capture_default_str());
  f.options.push_back(app.add_option("--hidden", f.hidden, "Hidden layer widths, e.g. 64,32")
                          ->delimiter(',')
                          ->capture_default_str());
  f.options.push_back(app.add_option("--activation", f.activation, "Hidden activation: relu, tanh or sigmoid")
                          ->check(CLI::IsMember({"relu", "tanh", "sigmoid"}))
                          ->capture_default_str());
  f.options.push_back(
      app.add_option("--epochs", f.epochs, "Most training epochs (early stopping on held-out recordings)")
          ->check(CLI::Range(std::size_t{1}, std::size_t{10000}))
          ->capture_default_str());
  f.options.push_back(app.add_option("--weight-decay", f.weight_decay, "AdamW decoupled weight decay")
                          ->check(CLI::Range(0.0, 10.0))
                          ->capture_default_str());
  f.options.push_back(
      app.add_option("--dropout", f.dropout, "Dropout probability of the hidden units in training")
          ->check(CLI::Range(0.0, 0.9))
          ->capture_default_str());
  f.options.push_back(
      app.add_option("--input-noise", f.input_noise_sd,
                     "Standard deviation of Gaussian noise added to the standardised inputs in "
                     "training (z units)")
          ->check(CLI::Range(0.0, 10.0))
          ->capture_default_str());
  f.options.push_back(
      app.add_option("--seed", f.seed, "Seed of the weight initialisation, batch order and noise")
          ->capture_default_str());
  f.options.push_back(
      app.add_option("--synthetic-faults", f.synthetic_faults,
                     "Simulated windows per fault class and training load added to the training "
                     "side (sim cwru_like, impacts 0.25-4 g); 0: real windows only")
          ->check(CLI::Range(std::size_t{0}, std::size_t{10000}))
          ->capture_default_str());
  f.options.push_back(
      app.add_option("--synthetic-variation", f.synthetic_variation,
                     "What the simulated faults vary: cwru-rig (the CWRU drive end only), varied (bearing, "
                     "outer-race pit angle, load zone, resonance, damping, impact, noise, slip and speed "
                     "drawn per window) or select (chosen between the two on inner folds of the training "
                     "data)")
          ->check(CLI::IsMember({"cwru-rig", "varied", "select"}))
          ->capture_default_str());
  f.options.push_back(
      app.add_option("--abstain", f.abstain, "Answer 'unknown' when the top class probability is below this")
          ->check(CLI::Range(0.0, 1.0))
          ->capture_default_str());
}

namespace {

struct LearnedOptions {
  std::string model;  // "classifier" or a bundle path; empty: the physics evaluation runs instead
  std::string split = "by-size";
  std::string features_csv;
  std::size_t synthetic_normal = 0;  // simulated healthy windows per load for the 4-class experiment; 0: off
  double false_alarm_rate = model::AnomalyFitConfig{}.false_alarm_rate;  // the product's alarm budget
  RecipeFlags recipe;
};

nlohmann::json confusion_json(const train::ClassificationReport& report, std::size_t first_name,
                              std::size_t truth_rows) {
  nlohmann::json m = nlohmann::json::object();
  for (std::size_t t = 0; t < truth_rows; ++t) {
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t p = 0; p < report.classes; ++p)
      row[std::string(eval::k_product_names[first_name + p])] = report.count(t, p);
    m[std::string(eval::k_product_names[first_name + t])] = row;
  }
  return m;
}

void print_confusion(const train::ClassificationReport& r, std::size_t first_name, std::size_t truth_rows) {
  fmt::print("{:<11}", "");
  for (std::size_t p = 0; p < r.classes; ++p) fmt::print(" {:>10}", eval::k_product_names[first_name + p]);
  fmt::print("\n");
  for (std::size_t t = 0; t < truth_rows; ++t) {
    fmt::print("{:<11}", eval::k_product_names[first_name + t]);
    for (std::size_t p = 0; p < r.classes; ++p) fmt::print(" {:>10}", r.count(t, p));
    fmt::print("\n");
  }
}

// The recipe: the default one, as changed by the recipe options, or the one recorded in a classifier bundle.
Result<train::ClassifierRecipe> recipe_for(const LearnedOptions& o, nlohmann::json& bundle_info) {
  if (o.model == "classifier") return o.recipe.recipe();
  if (o.recipe.any_given()) {
    return fail(
        ErrorCode::invalid_argument,
        "--model {}: the recipe comes from the bundle; the recipe options (--features, --hidden, "
        "--activation, --epochs, "
        "--weight-decay, --dropout, --input-noise, --seed, --abstain) only apply to --model classifier",
        o.model);
  }
  auto bundle = model::read_bundle(o.model, model::ModelKind::classifier, model::k_feature_schema_version,
                                   model::k_oldest_feature_schema_version);
  if (!bundle) return std::unexpected(bundle.error());
  const auto it = bundle->training.find("recipe");
  if (it == bundle->training.end()) {
    return fail(
        ErrorCode::parse,
        "{}: the manifest's training has no 'recipe' (written before vigil train classifier recorded it?): "
        "retrain the bundle",
        o.model);
  }
  auto recipe = train::recipe_from_json(*it);
  if (!recipe) return std::unexpected(recipe.error().with_context(o.model + ": manifest training.recipe"));
  bundle_info = {{"path", o.model},
                 {"created_at", bundle->created_at},
                 {"model_info", bundle->model_info},
                 {"note",
                  "the bundle's recipe is retrained per fold; its own weights saw every recording and are "
                  "not scored (that would be in-sample)"}};
  return recipe;
}

nlohmann::json fold_json(const eval::LearnedFold& f) {
  nlohmann::json j = {
      {"name", f.name},
      {"held_out", f.held_out_value},
      {"train_recordings", f.train_recordings},
      {"validation_recordings", f.validation_recordings},
      {"test_recordings", f.test_recordings},
      {"train_windows", f.train_windows},
      {"synthetic_windows", f.synthetic_windows},
      {"validation_windows", f.validation_windows},
      {"test_windows", f.test_windows},
      {"best_epoch", f.best_epoch},
      {"epochs_run", f.epochs_run},
      {"accuracy", eval::product_accuracy(f.product)},
      {"macro_f1", eval::product_macro_f1(f.product)},
      {"anomaly_auc", f.anomaly_auc},
      {"abstained", f.abstained},
      {"fault_windows_alarmed", f.fault_windows_alarmed},
      {"confusion", confusion_json(f.product, 0, eval::k_product_unknown)},
      {"fault_type",
       {{"accuracy", f.fault_type.accuracy},
        {"macro_f1", f.fault_type.macro_f1},
        {"confusion", confusion_json(f.fault_type, 1, eval::k_fault_classes.size())}}},
      {"inputs", f.inputs ? input_selection_json(*f.inputs) : nlohmann::json("recipe")},
      {"synthetic_variation",
       f.synthetic_variation ? input_selection_json(*f.synthetic_variation) : nlohmann::json("recipe")},
      {"physics",
       {{"accuracy", f.physics.accuracy},
        {"confusion", confusion_json(f.physics, 1, eval::k_fault_classes.size())}}},
      {"verdict",
       {{"accuracy", f.verdict.accuracy},
        {"healthy_test_windows_named", f.healthy_named},
        {"confusion", confusion_json(f.verdict, 1, eval::k_fault_classes.size())}}}};
  if (f.synthetic_normal) {
    const auto& four = *f.synthetic_normal;
    j["synthetic_normal_4class"] = {{"accuracy", four.accuracy},
                                    {"macro_f1", four.macro_f1},
                                    {"real_healthy_windows", four.per_class[3].support},
                                    {"real_healthy_recall", four.per_class[3].recall},
                                    {"fault_windows_called_normal", f.faults_called_normal}};
  }
  return j;
}

void print_fold(const eval::LearnedFold& f) {
  fmt::print(
      "{:<15} {:>9} {:>7} {:>8} {:>6} {:>10.4f} {:>8.4f} {:>10.4f} {:>8.4f} {:>7.4f} {:>9.4f} {:>9.4f}\n",
      f.name, f.train_recordings, f.validation_recordings, f.test_recordings, f.epochs_run,
      f.fault_type.accuracy, f.fault_type.macro_f1, eval::product_accuracy(f.product),
      eval::product_macro_f1(f.product), f.anomaly_auc, f.physics.accuracy, f.verdict.accuracy);
  for (const auto& [what, selection] :
       {std::pair{"inputs", &f.inputs}, std::pair{"synthetic variation", &f.synthetic_variation}}) {
    if (!*selection) continue;
    std::string scores;
    for (const auto& s : (*selection)->scores) {
      scores += fmt::format("{}{} {:.4f} (size {:.4f}, load {:.4f})", scores.empty() ? "" : "; ", s.inputs,
                            s.score, s.by_size_accuracy, s.by_load_accuracy);
    }
    fmt::print("  {} chosen on the training side: {} | inner folds: {}\n", what, (*selection)->chosen,
               scores);
  }
  if (f.synthetic_normal) {
    const auto& four = *f.synthetic_normal;
    fmt::print(
        "  --synthetic-normal 4-class: accuracy {:.4f} macro-F1 {:.4f}; real healthy windows called normal "
        "{:.4f} of {}; fault windows called normal {}\n",
        four.accuracy, four.macro_f1, four.per_class[3].recall, four.per_class[3].support,
        f.faults_called_normal);
  }
  std::fflush(stdout);
}

int run_learned(const LearnedOptions& o, const std::string& catalog_path, double rate_hz, bool json) {
  const auto started = std::chrono::steady_clock::now();
  nlohmann::json bundle_info;
  auto recipe = recipe_for(o, bundle_info);
  if (!recipe) return report_error("eval cwru", recipe.error());
  auto split = eval::parse_split_kind(o.split);
  if (!split) return report_error("eval cwru", split.error().with_context("--split"));
  auto catalog = io::read_catalog(catalog_path);
  if (!catalog) return report_error("eval cwru", catalog.error());
  eval::LabelledWindowsConfig wc;
  wc.sample_rate_hz = rate_hz > 0 ? rate_hz : 12000;
  auto windows = eval::build_labelled_windows(*catalog, wc);
  if (!windows) return report_error("eval cwru", windows.error());
  if (!o.features_csv.empty()) {
    if (auto ok = eval::write_windows_csv(*windows, o.features_csv); !ok) {
      return report_error("eval cwru", ok.error().with_context("--features-csv"));
    }
  }
  eval::CwruLearnedConfig config;
  config.split = *split;
  config.recipe = *recipe;
  config.false_alarm_rate = o.false_alarm_rate;
  config.synthetic_normal = o.synthetic_normal;
  config.select_inputs = o.model == "classifier" && o.recipe.select_inputs();
  config.select_synthetic_variation = o.model == "classifier" && o.recipe.select_synthetic_variation();
  if (!json) {
    fmt::print("learned evaluation, split {}: {} windows of {} samples at {} Hz; classifier inputs: {}\n",
               o.split, windows->rows.size(), windows->window_len, windows->sample_rate_hz,
               config.select_inputs
                   ? std::string("chosen per fold on its training side")
                   : (recipe->features.empty() ? std::string("all")
                                               : fmt::format("{} features", recipe->features.size())));
    fmt::print("{:<15} {:>9} {:>7} {:>8} {:>6} {:>10} {:>8} {:>10} {:>8} {:>7} {:>9} {:>9}\n", "fold (test)",
               "train rec", "val rec", "test rec", "epochs", "type acc", "type F1", "4-cls acc", "4-cls F1",
               "AUC", "physics", "verdict");
    std::fflush(stdout);
  }
  auto r = eval::evaluate_cwru_learned(*catalog, *windows, wc, config,
                                       json ? std::function<void(const eval::LearnedFold&)>{} : print_fold);
  if (!r) return report_error("eval cwru", r.error());
  const auto& healthy = r->healthy;
  const double acc4 = eval::product_accuracy(r->product);
  const double f14 = eval::product_macro_f1(r->product);
  const double runtime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string healthy_note = fmt::format(
      "normal comes from one healthy recording ({}) split by time: its first half fits and its third quarter "
      "calibrates the anomaly model ({} and {} overlapping windows, hop {}), its last quarter gives {} "
      "disjoint "
      "test windows from sample {}, which every fold scores again (they appear {} times in the pooled "
      "confusion); a split by recording is impossible with one healthy recording",
      healthy.recording, healthy.fit_windows, healthy.calibration_windows, healthy.hop,
      healthy.test_rows.size(), healthy.test_from_sample, r->folds.size());
  if (json) {
    nlohmann::json folds_json = nlohmann::json::array();
    for (const auto& f : r->folds) folds_json.push_back(fold_json(f));
    nlohmann::json out = {
        {"catalog", catalog_path},
        {"model", o.model},
        {"recipe", train::recipe_to_json(*recipe)},
        {"split", o.split},
        {"task",
         "product decision, 4 classes: normal when the anomaly model does not alarm, else the classifier's "
         "fault "
         "type, unknown below its abstain threshold"},
        {"classes", {"normal", "inner_race", "outer_race", "ball"}},
        {"window_len", windows->window_len},
        {"sample_rate_hz", windows->sample_rate_hz},
        {"windows", windows->rows.size()},
        {"accuracy", acc4},
        {"macro_f1", f14},
        {"anomaly_auc", r->anomaly_auc},
        {"confusion", confusion_json(r->product, 0, eval::k_product_unknown)},
        {"folds", folds_json},
        {"fault_type",
         {{"task", "fault type, 3 classes (inner_race, outer_race, ball), argmax, fault test windows only"},
          {"accuracy", r->fault_type.accuracy},
          {"macro_f1", r->fault_type.macro_f1},
          {"confusion", confusion_json(r->fault_type, 1, eval::k_fault_classes.size())}}},
        {"physics",
         {{"task",
           "fault named by the window's physics verdict alone (confidence >= the rule's minimum), fault test "
           "windows; unknown: nothing named, or cage"},
          {"accuracy", r->physics.accuracy},
          {"confusion", confusion_json(r->physics, 1, eval::k_fault_classes.size())}}},
        {"verdict",
         {{"task",
           "fault named by the one verdict (model::one_verdict of the physics verdict and the product "
           "decision), fault test windows; unknown: nothing named, or cage"},
          {"min_physics_confidence", config.verdict_rule.min_physics_confidence},
          {"strong_physics_confidence", config.verdict_rule.strong_physics_confidence},
          {"accuracy", r->verdict.accuracy},
          {"confusion", confusion_json(r->verdict, 1, eval::k_fault_classes.size())}}},
        {"anomaly",
         {{"recording", healthy.recording},
          {"hop", healthy.hop},
          {"healthy_fit_windows", healthy.fit_windows},
          {"healthy_calibration_windows", healthy.calibration_windows},
          {"healthy_test_windows", healthy.test_rows.size()},
          {"false_alarm_rate", o.false_alarm_rate},
          {"threshold_t2", healthy.model->threshold()},
          {"healthy_test_alarms", r->healthy_alarms},
          {"fault_windows", r->fault_windows},
          {"fault_windows_alarmed", r->fault_alarms}}},
        {"synthetic_faults",
         {{"per_class_and_load", recipe->synthetic_faults},
          {"windows_over_folds", r->synthetic_windows},
          {"severity_impact_g", {eval::k_synthetic_min_impact_g, eval::k_synthetic_max_impact_g}}}},
        {"notes", nlohmann::json::array({healthy_note})},
        {"runtime_s", runtime_s}};
    if (!bundle_info.is_null()) out["bundle"] = bundle_info;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  fmt::print("\nproduct decision over all folds (rows: truth, columns: decided)\n");
  print_confusion(r->product, 0, eval::k_product_unknown);
  fmt::print("\nfault type over all folds' test fault windows (argmax)\n");
  print_confusion(r->fault_type, 1, eval::k_fault_classes.size());
  fmt::print("\nfault named by the physics verdict alone (unknown: nothing named, or cage)\n");
  print_confusion(r->physics, 1, eval::k_fault_classes.size());
  fmt::print("\nfault named by the one verdict of physics and the product decision\n");
  print_confusion(r->verdict, 1, eval::k_fault_classes.size());
  std::size_t healthy_named = 0;
  for (const auto& f : r->folds) healthy_named += f.healthy_named;
  fmt::print(
      "fault type accuracy: physics alone {:.4f} | learned alone {:.4f} | one verdict {:.4f} (healthy test "
      "windows it names a fault in: {} of {})\n",
      r->physics.accuracy, r->fault_type.accuracy, r->verdict.accuracy, healthy_named,
      healthy.test_rows.size() * r->folds.size());
  fmt::print(
      "\n{} split: 4-class accuracy {:.4f} macro-F1 {:.4f} | fault type accuracy {:.4f} macro-F1 {:.4f} | "
      "anomaly "
      "AUC {:.4f}, healthy test alarms {} of {}, fault windows alarmed {} of {} ({:.1f} s)\n",
      o.split, acc4, f14, r->fault_type.accuracy, r->fault_type.macro_f1, r->anomaly_auc, r->healthy_alarms,
      healthy.test_rows.size(), r->fault_alarms, r->fault_windows, runtime_s);
  if (!bundle_info.is_null()) {
    fmt::print("recipe from {} retrained per fold (its own weights saw every recording: not scored)\n",
               o.model);
  }
  fmt::print("note: {}\n", healthy_note);
  return 0;
}

}  // namespace

void add_eval_cwru_learned(CLI::App& cwru) {
  auto o = std::make_shared<LearnedOptions>();
  cwru.add_option(
      "--model", o->model,
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
  cwru.add_option(
          "--synthetic-normal", o->synthetic_normal,
          "Also train a 4-class model whose normal class is this many simulated healthy windows per load "
          "(sim cwru_like), tested on the real healthy recording (never trained on)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10000}));
  cwru.add_option(
          "--false-alarm-rate", o->false_alarm_rate,
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
