// Labelled window tables as training data: the rows of a fold as a Dataset, and the training side of the
// classifier recipe (real windows plus, when the recipe asks, physics-simulated fault windows). Shared by
// `vigil train classifier` and the learned evaluation, so both train on the same data for the same recipe.
#pragma once

#include <span>

#include "core/error.hpp"
#include "domain/fault_type.hpp"
#include "eval/labelled_windows.hpp"
#include "model/train/classifier_recipe.hpp"
#include "model/train/dataset.hpp"

namespace vigil::eval {

// The training side of the recipe: windows_dataset of `rows` plus, when recipe.synthetic_faults > 0, that
// many simulated windows per class at every load of `rows` (synthetic_fault_dataset, seeded by the recipe's
// seed). Validation and test sets are always real windows (windows_dataset).
Result<model::train::Dataset> training_side(const LabelledWindows& windows, std::span<const std::size_t> rows,
                                            std::span<const domain::FaultType> classes,
                                            const model::train::ClassifierRecipe& recipe);

// Rows `rows` of `windows` as a labelled Dataset over the classifier vector (k_classifier_feature_count
// features); the label of a row is the position of its fault in `classes` (invalid_argument for a row whose
// fault is not listed).
Result<model::train::Dataset> windows_dataset(const LabelledWindows& windows,
                                              std::span<const std::size_t> rows,
                                              std::span<const domain::FaultType> classes);

}  // namespace vigil::eval
