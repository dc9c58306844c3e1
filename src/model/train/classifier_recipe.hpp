// The one way Vigil trains its fault-type classifier, shared by `vigil train classifier` and `vigil eval cwru
// --model`: which schema features the network may read, its shape and regularisation, which training
// recordings are held back for early stopping, and the refit on every training-side recording for the epoch
// count early stopping chose. The recipe's JSON form goes into a classifier bundle's manifest
// (training.recipe), so an evaluation can retrain exactly that recipe on each fold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "model/train/classifier.hpp"
#include "model/train/dataset.hpp"

namespace vigil::model::train {

// Version of the recipe's JSON form (recipe_to_json); recipe_from_json refuses other versions.
// Version 2 (no synthetic_variation; its simulated faults were the CWRU rig's) is still read.
inline constexpr int k_classifier_recipe_version = 3;  // 2: synthetic_faults; 3: synthetic_variation

// What the simulated fault windows of the training side vary (eval/synthetic_faults.hpp):
//   cwru_rig  the CWRU drive-end set-up only (6205-2RS, 3 kHz resonance, pit at the load-zone centre), at the
//             training loads' speeds, impact strength log-spaced;
//   varied    per window, what the recordings do not vary: bearing, outer-race pit angle, load zone,
//             resonance, damping, impact strength, noise, slip and speed, drawn at random.
enum class SyntheticVariation : std::uint8_t { cwru_rig, varied };
std::string_view to_string(SyntheticVariation variation);  // "cwru-rig", "varied"
Result<SyntheticVariation> parse_synthetic_variation(std::string_view name);

struct ClassifierRecipe {
  // Names from the classifier vector (classifier_feature_schema()) the network reads, in any order; empty =
  // all k_classifier_feature_count.
  // The exported network still takes the full schema vector: the columns not read get weight 0 in layer 0,
  // so the ONNX graph, ClassifierModel and the edge need nothing extra, and the selection is visible in the
  // weights themselves.
  std::vector<std::string> features;
  std::vector<std::size_t> hidden = {64, 32};
  Activation hidden_activation = Activation::relu;
  ClassWeighting weighting = ClassWeighting::balanced;
  OptimizerConfig
      optimizer;  // epochs, patience, batch, learning rate, weight decay, dropout, input noise, seed
  // Early-stopping hold-out: within each class, the training recordings sorted by name, every
  // validation_every-th one (from the first) is held back (as eval::make_folds does). >= 2.
  std::size_t validation_every = 4;
  double abstain_threshold = 0.6;  // the deployed model answers "unknown" below this top probability
  // Physics-simulated fault windows added to the training side only (synthetic_faults.hpp): this many per
  // class and training load; 0 = real windows only. The issue's recipe is "labelled real data plus
  // physics-simulated faults"; docs/learned-evaluation.md measures that they help on both CWRU splits.
  std::size_t synthetic_faults = 60;
  SyntheticVariation synthetic_variation = SyntheticVariation::cwru_rig;
};

// The default recipe of `vigil train classifier` and `vigil eval cwru --model classifier`: the struct's
// defaults with the "family" inputs (see parse_feature_set and docs/learned-evaluation.md for why).
ClassifierRecipe default_classifier_recipe();

// Named feature sets (a rule about the inputs, decided on physical grounds, docs/learned-evaluation.md):
//   "all"        every feature of the classifier vector;
//   "window"     the 28 window features (schema version 1's classifier inputs);
//   "no-levels"  the window features but the absolute levels rms_db, peak_db, velocity_rms_db, which scale
//                with sensor gain, mounting, load and defect size rather than with the kind of defect;
//   "envelope"   only the order-normalised envelope evidence (the 14 *_snr_db features): which defect
//                frequency the impacts repeat at, relative to the local background;
//   "family"     only the 16 defect-family shares (feature_schema.hpp): which family the envelope lines
//                belong to, as ratios between the families, free of gain, level and line strength;
//   "no-levels+family"  both of the above.
// Anything else is read as a comma-separated list of schema feature names. Returns the names (empty for
// "all"); not_found names an unknown feature.
Result<std::vector<std::string>> parse_feature_set(std::string_view text);

// Checks widths, activation, weighting, optimiser settings, validation_every >= 2, abstain threshold in
// [0, 1], and that every feature name is in the schema, once.
Status check_recipe(const ClassifierRecipe& recipe);

// {"type": "classifier_recipe", "version": 1, "features": [...], "hidden": [...], "hidden_activation":
// "relu",
//  "weighting": "balanced", "max_epochs", "patience_epochs", "min_improvement", "batch_size",
//  "learning_rate", "weight_decay", "dropout", "input_noise_sd", "seed", "validation_every",
//  "abstain_threshold", "refit": "train + validation, best_epoch epochs"}
nlohmann::json recipe_to_json(const ClassifierRecipe& recipe);
// Inverse of recipe_to_json; every key is required (a recipe that silently took defaults would not be the
// recipe that was recorded), except synthetic_variation in a version-2 recipe, which had none and ran
// cwru_rig. Errors (parse) name the key; the result passes check_recipe.
Result<ClassifierRecipe> recipe_from_json(const nlohmann::json& json);

// What train_recipe returns. Both specs take the full schema vector.
struct RecipeResult {
  TrainedClassifier
      early;  // trained on `train`, early-stopped on `validation`; early.validation = its metrics
  TrainedClassifier
      model;  // refitted on train + validation for max(1, early.best_epoch) epochs: the deliverable
  std::vector<std::size_t> feature_columns;  // schema indices the network reads, ascending
};

// Trains `recipe` for `classes` classes: early stopping on `validation` (rows > 0 required), then the refit
// on both sets together with the same seed. Errors: check_recipe, train_classifier's.
Result<RecipeResult> train_recipe(const Dataset& train, const Dataset& validation,
                                  const ClassifierRecipe& recipe, std::size_t classes);

// Rows of a and b stacked (same feature count; labels and weights carried when both sets have them).
Result<Dataset> concat(const Dataset& a, const Dataset& b);

}  // namespace vigil::model::train
