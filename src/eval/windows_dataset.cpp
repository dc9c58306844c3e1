#include "eval/windows_dataset.hpp"

#include <algorithm>

#include "eval/synthetic_faults.hpp"
#include "model/feature_schema.hpp"

namespace vigil::eval {

using model::k_classifier_feature_count;
using model::train::Dataset;

Result<Dataset> training_side(const LabelledWindows& windows, std::span<const std::size_t> rows,
                              std::span<const domain::FaultType> classes,
                              const model::train::ClassifierRecipe& recipe) {
  auto real = windows_dataset(windows, rows, classes);
  if (!real || recipe.synthetic_faults == 0) return real;
  auto simulated = synthetic_fault_dataset(windows, rows, classes, recipe.synthetic_faults,
                                           recipe.optimizer.seed, recipe.synthetic_variation);
  if (!simulated) return std::unexpected(simulated.error());
  return model::train::concat(*real, *simulated);
}

Result<Dataset> windows_dataset(const LabelledWindows& windows, std::span<const std::size_t> rows,
                                std::span<const domain::FaultType> classes) {
  Dataset d;
  d.rows = rows.size();
  d.features = k_classifier_feature_count;
  d.x.reserve(d.rows * d.features);
  d.labels.reserve(d.rows);
  for (auto i : rows) {
    if (i >= windows.rows.size()) {
      return fail(ErrorCode::invalid_argument, "row {} outside the table of {} windows", i,
                  windows.rows.size());
    }
    const WindowRow& r = windows.rows[i];
    const auto c = std::find(classes.begin(), classes.end(), r.fault);
    if (c == classes.end()) {
      return fail(ErrorCode::invalid_argument, "{}: fault '{}' is not one of the classifier's classes",
                  r.recording, domain::to_string(r.fault));
    }
    if (r.features.size() != k_classifier_feature_count) {
      return fail(ErrorCode::invalid_argument, "{}: window at sample {} has {} features, schema has {}",
                  r.recording, r.start_sample, r.features.size(), k_classifier_feature_count);
    }
    d.x.insert(d.x.end(), r.features.begin(), r.features.end());
    d.labels.push_back(static_cast<int>(c - classes.begin()));
  }
  return d;
}

}  // namespace vigil::eval
