// The classifier's inputs, and what its simulated faults vary, chosen on the training side only (nested
// cross-validation): each candidate is scored on inner folds of the rows it is given, and the best one is
// used. `vigil train classifier`
// chooses this way on its whole catalog, and the learned evaluation repeats the choice inside the training
// side of every outer fold, so no test recording ever influences it (docs/learned-evaluation.md).
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "domain/fault_type.hpp"
#include "eval/labelled_windows.hpp"
#include "model/train/classifier_recipe.hpp"

namespace vigil::eval {

// The candidate input sets (model::train::parse_feature_set names), stated before any evaluation: the
// defect-family shares alone, the window features without absolute levels, and both.
inline constexpr std::array<std::string_view, 3> k_input_candidates{"family", "no-levels",
                                                                    "no-levels+family"};

struct InputScore {
  std::string inputs;           // the candidate's name (an input set, or a synthetic variation)
  double by_size_accuracy = 0;  // mean fault-type accuracy over the leave-one-size-out inner folds
  double by_load_accuracy = 0;  // the same over the leave-one-load-out inner folds
  double score = 0;             // mean of the two: new defects and new loads weigh the same
};

struct InputSelection {
  std::string chosen;              // the candidate with the highest score (the first on ties)
  std::vector<InputScore> scores;  // one per candidate, in candidate order
};

// For every candidate: the recipe with those inputs (`recipe` otherwise unchanged) trained and tested on each
// inner fold of `rows` (make_folds of the rows alone, by size and by load: whole recordings, early stopping
// on the inner training side's own hold-out, simulated faults as the recipe asks), fault-type accuracy by
// argmax on the inner test windows. invalid_argument when `candidates` is empty or the rows cannot be split
// both ways (fewer than two sizes or loads, a class missing from an inner training side).
Result<InputSelection> select_inputs(const LabelledWindows& windows, std::span<const std::size_t> rows,
                                     std::span<const std::string_view> candidates,
                                     const model::train::ClassifierRecipe& recipe,
                                     std::span<const domain::FaultType> classes);

// The same choice between the recipe with SyntheticVariation::cwru_rig and with ::varied (candidates named
// "cwru-rig", "varied", in that order; `recipe` otherwise unchanged): whether simulated faults varied over
// bearings, pit positions and resonances generalise better than the rig's own, decided on the rows alone.
// Errors as select_inputs.
Result<InputSelection> select_synthetic_variation(const LabelledWindows& windows,
                                                  std::span<const std::size_t> rows,
                                                  const model::train::ClassifierRecipe& recipe,
                                                  std::span<const domain::FaultType> classes);

}  // namespace vigil::eval
