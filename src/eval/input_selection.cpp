#include "eval/input_selection.hpp"

#include <fmt/format.h>

#include "eval/windows_dataset.hpp"
#include "model/mlp.hpp"

namespace vigil::eval {

namespace train = model::train;

namespace {

struct Candidate {
  std::string name;
  train::ClassifierRecipe recipe;
};

// Every candidate trained and tested on each inner fold of `rows`; the first with the best score wins.
Result<InputSelection> select_recipe(const LabelledWindows& windows, std::span<const std::size_t> rows,
                                     std::span<const Candidate> candidates,
                                     std::span<const domain::FaultType> classes) {
  if (candidates.empty()) return fail(ErrorCode::invalid_argument, "input selection: no candidate");
  const train::ClassifierRecipe& recipe = candidates.front().recipe;
  // The rows alone, as a table of their own: its folds never reach outside them.
  LabelledWindows side{windows.sample_rate_hz, windows.window_len, windows.hop, {}};
  side.rows.reserve(rows.size());
  for (auto i : rows) {
    if (i >= windows.rows.size()) {
      return fail(ErrorCode::invalid_argument, "input selection: row {} outside the table of {} windows", i,
                  windows.rows.size());
    }
    side.rows.push_back(windows.rows[i]);
  }
  std::vector<std::vector<Fold>> splits;
  for (auto split : {SplitKind::by_size, SplitKind::by_load}) {
    auto folds = make_folds(side, split, recipe.validation_every);
    if (!folds) return std::unexpected(folds.error().with_context("input selection, inner folds"));
    splits.push_back(std::move(*folds));
  }

  InputSelection out;
  for (const Candidate& c : candidates) {
    const std::string& candidate = c.name;
    const train::ClassifierRecipe& r = c.recipe;
    InputScore s{.inputs = candidate};
    for (std::size_t k = 0; k < splits.size(); ++k) {
      double sum = 0;
      for (const Fold& fold : splits[k]) {
        auto fold_error = [&](const Error& e) {
          return std::unexpected(
              e.with_context(fmt::format("input selection, {}, inner fold {}", candidate, fold.name)));
        };
        auto fit = training_side(side, fold.train, classes, r);
        if (!fit) return fold_error(fit.error());
        auto validation = windows_dataset(side, fold.validation, classes);
        if (!validation) return fold_error(validation.error());
        auto test = windows_dataset(side, fold.test, classes);
        if (!test) return fold_error(test.error());
        auto trained = train::train_recipe(*fit, *validation, r, classes.size());
        if (!trained) return fold_error(trained.error());
        auto predicted = train::predict_classes(trained->model.spec, *test);
        if (!predicted) return fold_error(predicted.error());
        std::size_t correct = 0;
        for (std::size_t i = 0; i < test->rows; ++i) correct += (*predicted)[i] == test->labels[i] ? 1 : 0;
        sum += test->rows ? double(correct) / double(test->rows) : 0.0;
      }
      (k == 0 ? s.by_size_accuracy : s.by_load_accuracy) = sum / double(splits[k].size());
    }
    s.score = 0.5 * (s.by_size_accuracy + s.by_load_accuracy);
    out.scores.push_back(std::move(s));
  }
  // The first candidate with the highest score.
  double best = -1;
  for (const auto& s : out.scores) {
    if (s.score > best) {
      best = s.score;
      out.chosen = s.inputs;
    }
  }
  return out;
}

}  // namespace

Result<InputSelection> select_inputs(const LabelledWindows& windows, std::span<const std::size_t> rows,
                                     std::span<const std::string_view> candidates,
                                     const train::ClassifierRecipe& recipe,
                                     std::span<const domain::FaultType> classes) {
  std::vector<Candidate> recipes;
  for (const auto candidate : candidates) {
    auto names = train::parse_feature_set(candidate);
    if (!names) return std::unexpected(names.error().with_context("input selection"));
    recipes.push_back({std::string(candidate), recipe});
    recipes.back().recipe.features = std::move(*names);
  }
  return select_recipe(windows, rows, recipes, classes);
}

Result<InputSelection> select_synthetic_variation(const LabelledWindows& windows,
                                                  std::span<const std::size_t> rows,
                                                  const train::ClassifierRecipe& recipe,
                                                  std::span<const domain::FaultType> classes) {
  std::vector<Candidate> recipes;
  for (auto v : {train::SyntheticVariation::cwru_rig, train::SyntheticVariation::varied}) {
    recipes.push_back({std::string(train::to_string(v)), recipe});
    recipes.back().recipe.synthetic_variation = v;
  }
  return select_recipe(windows, rows, recipes, classes);
}

}  // namespace vigil::eval
