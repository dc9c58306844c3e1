// vigil eval cwru --model classifier|BUNDLE: the learned fault classifier, gated by the per-asset anomaly
// model as the product decides, evaluated on a CWRU catalog with splits by recording metadata (leave one load
// out, leave one defect size out). What is trained and tested, and why, is in docs/learned-evaluation.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "eval/input_selection.hpp"
#include "model/train/classifier_recipe.hpp"

namespace vigil::cli {

// Command-line settings of the classifier recipe (model::train::ClassifierRecipe), shared by `vigil train
// classifier` and `vigil eval cwru --model classifier`; defaults are
// model::train::default_classifier_recipe().
struct RecipeFlags {
  std::string features;
  std::vector<std::size_t> hidden;
  std::string activation;
  std::size_t epochs = 0;
  double weight_decay = 0;
  double dropout = 0;
  double input_noise_sd = 0;
  std::uint64_t seed = 0;
  double abstain = 0;
  std::size_t synthetic_faults = 0;
  std::string synthetic_variation;
  std::vector<CLI::Option*> options;  // the options add_recipe_options created

  RecipeFlags();
  // True when any recipe option was given on the command line.
  bool any_given() const;
  // The recipe these flags describe (errors name the option). With --features select its inputs are the
  // default recipe's until select_inputs() replaces them.
  Result<model::train::ClassifierRecipe> recipe() const;
  // --features select: the inputs are chosen among eval::k_input_candidates on inner folds of the training
  // data (eval/input_selection.hpp).
  bool select_inputs() const { return features == k_select; }
  // --synthetic-variation select: cwru-rig or varied, chosen on inner folds of the training data
  // (eval::select_synthetic_variation); the recipe's is the default's until then.
  bool select_synthetic_variation() const { return synthetic_variation == k_select; }
  static constexpr std::string_view k_select = "select";
};

// {"chosen": name, "candidates": [{"inputs", "inner_by_size_accuracy", "inner_by_load_accuracy", "score"}]}:
// the inputs chosen on inner folds, as the evaluation report and a bundle's manifest record them.
nlohmann::json input_selection_json(const eval::InputSelection& selection);

// Adds --features, --hidden, --activation, --epochs, --weight-decay, --dropout, --input-noise, --seed,
// --synthetic-faults, --synthetic-variation, --abstain to `app`,
// bound to `flags` (which must outlive the parse).
void add_recipe_options(CLI::App& app, RecipeFlags& flags);

// Adds --model, --split, --features-csv, --synthetic-normal and the recipe options to the
// `eval cwru` subcommand. When --model is given, the learned evaluation runs once the command line is parsed
// and the physics evaluation is skipped; without it, `eval cwru` behaves exactly as before. Reads the
// subcommand's own catalog, --resample and --json options.
void add_eval_cwru_learned(CLI::App& cwru);

}  // namespace vigil::cli
