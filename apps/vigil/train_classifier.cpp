// vigil train classifier (see train_models.hpp).
//
// Every fault window of the catalog, classes = the fault types present, trained by the classifier recipe
// (model::train::train_recipe, the same code `vigil eval cwru --model` runs per fold): within each class the
// recordings sorted by name, every 4th (from the first) is held out for early stopping, then the model is
// refitted on all recordings for the epoch count early stopping chose, and exported. The recipe goes into the
// manifest (training.recipe) so `vigil eval cwru --model BUNDLE` can retrain it per fold. With --features
// select (the default) the inputs are first chosen on inner folds of the catalog (eval/input_selection.hpp)
// and the choice, with every candidate's inner scores, goes into the manifest (training.input_selection).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "eval/input_selection.hpp"
#include "eval/labelled_windows.hpp"
#include "eval/windows_dataset.hpp"
#include "exit_codes.hpp"
#include "io/catalog.hpp"
#include "learned_eval.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/bundle.hpp"
#include "model/classifier_bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/train/classifier.hpp"
#include "model/train/classifier_recipe.hpp"
#include "model/train/metrics.hpp"
#include "model/train/model_export.hpp"
#include "train_models.hpp"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;

struct TrainClassifierOptions {
  std::string catalog;
  std::string out = "classifier.vigil";
  RecipeFlags recipe;
  WindowFlags window;
};

int run_train_classifier(const TrainClassifierOptions& o) {
  auto error = [](const auto& message) {
    fmt::print(stderr, "vigil train classifier: {}\n", message);
    return 2;
  };
  const auto started = Clock::now();
  auto recipe = o.recipe.recipe();
  if (!recipe) return report_error("train classifier", recipe.error());
  auto catalog = io::read_catalog(o.catalog);
  if (!catalog) return report_error("train classifier", catalog.error());
  io::Catalog faults{catalog->source, {}};
  for (const auto& e : catalog->entries) {
    if (e.fault != domain::FaultType::normal) faults.entries.push_back(e);
  }
  eval::LabelledWindowsConfig wc;
  wc.sample_rate_hz = o.window.sample_rate_hz;
  wc.window_len = o.window.window_len;
  auto windows = eval::build_labelled_windows(faults, wc);
  if (!windows) return report_error("train classifier", windows.error());

  // Classes: the fault types present, in enum order.
  std::vector<domain::FaultType> classes;
  for (auto f : {domain::FaultType::inner_race, domain::FaultType::outer_race, domain::FaultType::ball,
                 domain::FaultType::cage}) {
    if (std::any_of(windows->rows.begin(), windows->rows.end(),
                    [&](const auto& r) { return r.fault == f; })) {
      classes.push_back(f);
    }
  }
  if (classes.size() < 2) return error(fmt::format("{}: fewer than 2 fault types to tell apart", o.catalog));

  std::vector<std::size_t> all_rows(windows->rows.size());
  for (std::size_t i = 0; i < all_rows.size(); ++i) all_rows[i] = i;
  // --features select: the inputs chosen on inner folds of the catalog (by size and by load).
  nlohmann::json selection = nullptr;
  if (o.recipe.select_inputs()) {
    auto chosen = eval::select_inputs(*windows, all_rows, eval::k_input_candidates, *recipe, classes);
    if (!chosen) return report_error("train classifier", chosen.error());
    auto names = model::train::parse_feature_set(chosen->chosen);
    if (!names) return report_error("train classifier", names.error());
    recipe->features = std::move(*names);
    selection = input_selection_json(*chosen);
  }
  // --synthetic-variation select: what the simulated faults vary, chosen the same way (after the inputs).
  nlohmann::json variation_selection = nullptr;
  if (o.recipe.select_synthetic_variation()) {
    auto chosen = eval::select_synthetic_variation(*windows, all_rows, *recipe, classes);
    if (!chosen) return report_error("train classifier", chosen.error());
    auto variation = model::train::parse_synthetic_variation(chosen->chosen);
    if (!variation) return report_error("train classifier", variation.error());
    recipe->synthetic_variation = *variation;
    variation_selection = input_selection_json(*chosen);
  }
  const auto rows = eval::hold_out_validation(*windows, all_rows, recipe->validation_every);
  auto train = eval::training_side(*windows, rows.train, classes, *recipe);  // + simulated faults
  if (!train) return report_error("train classifier", train.error());
  auto validation = eval::windows_dataset(*windows, rows.validation, classes);
  if (!validation) return report_error("train classifier", validation.error());
  auto trained = model::train::train_recipe(*train, *validation, *recipe, classes.size());
  if (!trained) return report_error("train classifier", trained.error());
  const auto& early = trained->early;
  // Abstentions and accuracy of the early-stopped model on the held-out recordings.
  std::size_t abstained = 0, correct_kept = 0;
  for (std::size_t r = 0; r < validation->rows; ++r) {
    const auto p = model::reference_forward(early.spec, validation->row(r));
    const auto top = std::size_t(std::max_element(p.begin(), p.end()) - p.begin());
    if (double(p[top]) < recipe->abstain_threshold) {
      ++abstained;
    } else if (int(top) == validation->labels[r]) {
      ++correct_kept;
    }
  }
  const std::size_t kept = validation->rows - abstained;

  std::set<std::string> validation_recordings;
  for (auto i : rows.validation) validation_recordings.insert(windows->rows[i].recording);
  std::vector<std::string> labels;
  nlohmann::json per_class = nlohmann::json::object();  // real windows (training side and validation)
  for (std::size_t c = 0; c < classes.size(); ++c) {
    labels.emplace_back(domain::to_string(classes[c]));
    per_class[labels.back()] = std::count_if(windows->rows.begin(), windows->rows.end(),
                                             [&](const auto& r) { return r.fault == classes[c]; });
  }
  const std::size_t real_training = rows.train.size();
  const std::size_t simulated = train->rows - real_training;
  nlohmann::json training = {{"source", absolute_name(o.catalog)},
                             {"sample_rate_hz", windows->sample_rate_hz},
                             {"window_len", windows->window_len},
                             {"speed_rpm_min", eval::speed_range(*windows).first},
                             {"speed_rpm_max", eval::speed_range(*windows).second},
                             {"windows", windows->rows.size()},
                             {"windows_per_class", per_class},
                             {"validation_recordings", std::vector<std::string>(validation_recordings.begin(),
                                                                                validation_recordings.end())},
                             {"validation_windows", validation->rows},
                             {"simulated_fault_windows", simulated},
                             {"best_epoch", early.best_epoch},
                             {"recipe", model::train::recipe_to_json(*recipe)}};
  if (!selection.is_null()) training["input_selection"] = selection;
  if (!variation_selection.is_null()) training["synthetic_variation_selection"] = variation_selection;
  nlohmann::json metrics = {
      {"note", "early-stopped model (before the refit) on the held-out validation recordings"},
      {"validation_accuracy", early.validation.accuracy},
      {"validation_macro_f1", early.validation.macro_f1},
      {"validation_abstained_fraction",
       validation->rows ? double(abstained) / double(validation->rows) : 0.0},
      {"validation_accuracy_when_not_abstaining", kept ? double(correct_kept) / double(kept) : 0.0}};
  auto bundle = model::train::make_classifier_bundle(trained->model.spec, labels, recipe->abstain_threshold,
                                                     std::move(training), std::move(metrics));
  if (!bundle) return report_error("train classifier", bundle.error());
  if (auto ok = model::write_bundle(o.out, *bundle); !ok) return report_error("train classifier", ok.error());
  fmt::print(
      "wrote {} ({} bytes): {}-class fault-type MLP on {} of {} features from {} windows (+ {} simulated); "
      "validation accuracy {:.4f}, macro-F1 {:.4f} (early stop at epoch {}); abstains below {:.2f} ({:.1f} "
      "s)\n",
      o.out, file_size_or_zero(o.out), classes.size(), trained->feature_columns.size(),
      model::k_classifier_feature_count, windows->rows.size(), simulated, early.validation.accuracy,
      early.validation.macro_f1, early.best_epoch, recipe->abstain_threshold, seconds_since(started));
  return 0;
}

}  // namespace

void add_train_classifier(CLI::App& train) {
  auto c = std::make_shared<TrainClassifierOptions>();
  CLI::App* classifier = train.add_subcommand(
      "classifier",
      "Learn the fault-type classifier (MLP, exported to ONNX) from a catalog's fault recordings");
  classifier->add_option("catalog", c->catalog, "Catalog CSV of recordings (io::read_catalog)")->required();
  classifier->add_option("--out", c->out, "Bundle to write")->capture_default_str();
  add_recipe_options(*classifier, c->recipe);
  add_window_options(*classifier, c->window);
  classifier->callback([c] {
    const int rc = run_train_classifier(*c);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace vigil::cli
