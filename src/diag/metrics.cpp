#include "diag/metrics.hpp"

#include <algorithm>
#include <limits>
#include <vector>

namespace vigil::diag {

std::size_t ConfusionMatrix::total() const {
  std::size_t n = 0;
  for (const auto& row : counts_)
    for (std::size_t c : row) n += c;
  return n;
}

std::size_t ConfusionMatrix::truth_total(Verdict truth) const {
  std::size_t n = 0;
  for (std::size_t c : counts_[index(truth)]) n += c;
  return n;
}

std::size_t ConfusionMatrix::predicted_total(Verdict predicted) const {
  std::size_t n = 0;
  for (const auto& row : counts_) n += row[index(predicted)];
  return n;
}

double ConfusionMatrix::accuracy() const {
  const std::size_t n = total();
  if (n == 0) return 0;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < k_verdict_count; ++i) correct += counts_[i][i];
  return double(correct) / double(n);
}

double ConfusionMatrix::f1(Verdict v) const {
  const std::size_t tp = count(v, v);
  const std::size_t denominator = truth_total(v) + predicted_total(v);  // 2TP + FP + FN
  return denominator == 0 ? 0.0 : 2.0 * double(tp) / double(denominator);
}

double ConfusionMatrix::macro_f1() const {
  double sum = 0;
  std::size_t classes = 0;
  for (std::size_t i = 0; i < k_verdict_count; ++i) {
    const auto v = static_cast<Verdict>(i);
    if (truth_total(v) == 0) continue;
    sum += f1(v);
    ++classes;
  }
  return classes == 0 ? 0.0 : sum / double(classes);
}

double roc_auc(std::span<const double> healthy, std::span<const double> abnormal) {
  if (healthy.empty() || abnormal.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::vector<double> sorted(healthy.begin(), healthy.end());
  std::sort(sorted.begin(), sorted.end());
  double wins = 0;
  for (double a : abnormal) {
    const auto below = std::lower_bound(sorted.begin(), sorted.end(), a) - sorted.begin();
    const auto not_above = std::upper_bound(sorted.begin(), sorted.end(), a) - sorted.begin();
    wins += double(below) + 0.5 * double(not_above - below);
  }
  return wins / (double(sorted.size()) * double(abnormal.size()));
}

}  // namespace vigil::diag
