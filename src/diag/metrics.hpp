// Classification quality over labelled recordings: confusion matrix, accuracy, per-class precision /
// recall / F1 and macro-F1 (the mean F1 over the classes present in the truth or the predictions); and
// the ROC AUC of a score that should rank abnormal above healthy.
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "diag/diagnosis.hpp"

namespace vigil::diag {

inline constexpr std::size_t k_verdict_count = 6;  // normal, inner_race, outer_race, ball, cage, unknown

class ConfusionMatrix {
 public:
  void add(Verdict truth, Verdict predicted) { ++counts_[index(truth)][index(predicted)]; }
  std::size_t count(Verdict truth, Verdict predicted) const {
    return counts_[index(truth)][index(predicted)];
  }
  std::size_t total() const;
  std::size_t truth_total(Verdict truth) const;
  std::size_t predicted_total(Verdict predicted) const;

  double accuracy() const;
  // F1 = 2 P R / (P + R); 0 when the class was neither true nor predicted correctly.
  double f1(Verdict v) const;
  // Mean F1 over the classes that occur in the truth (an "unknown" verdict counts as a miss of the true
  // class, never as its own class unless some truth is unknown).
  double macro_f1() const;

  static std::size_t index(Verdict v) { return static_cast<std::size_t>(v); }

 private:
  std::array<std::array<std::size_t, k_verdict_count>, k_verdict_count> counts_{};
};

// Area under the ROC curve of a score meant to be higher for `abnormal` than for `healthy`, by the
// Mann-Whitney statistic: AUC = P(a > h) + P(a = h) / 2 over all pairs (Hanley & McNeil, Radiology 143,
// 1982). O((n_h + n_a) log n_h). NaN when either side is empty.
double roc_auc(std::span<const double> healthy, std::span<const double> abnormal);

}  // namespace vigil::diag
