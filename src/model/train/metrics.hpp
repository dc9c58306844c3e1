// How well a classifier does on labelled rows: confusion matrix, accuracy, per-class precision / recall /
// F1 and macro-F1. Used for the validation report of train_classifier and by evaluations of held-out sets.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace vigil::model::train {

struct ClassMetrics {
  std::size_t support = 0;  // rows whose truth is this class
  double precision = 0;     // TP / (TP + FP); 0 when the class was never predicted
  double recall = 0;        // TP / (TP + FN); 0 when the class has no support
  double f1 = 0;            // 2 P R / (P + R); 0 when P + R = 0
};

struct ClassificationReport {
  std::size_t classes = 0;
  std::size_t rows = 0;
  std::vector<std::size_t> confusion;  // classes x classes, row-major: confusion[truth * classes + predicted]
  std::vector<ClassMetrics> per_class;
  double accuracy = 0;  // trace / rows
  // Mean F1 over the classes that occur in the truth or the predictions (scikit-learn's "macro" average,
  // which also ignores labels absent from both).
  double macro_f1 = 0;

  std::size_t count(std::size_t truth, std::size_t predicted) const {
    return confusion[truth * classes + predicted];
  }
};

// Errors when the spans differ in length, are empty, classes == 0 or a label is outside [0, classes).
Result<ClassificationReport> classification_report(std::span<const int> truth, std::span<const int> predicted,
                                                   std::size_t classes);

// Index of the largest of each row of `scores` (rows x columns, row-major); the first one on ties.
std::vector<int> argmax_rows(std::span<const float> scores, std::size_t columns);

}  // namespace vigil::model::train
