#include "model/train/metrics.hpp"

#include <algorithm>

namespace vigil::model::train {

Result<ClassificationReport> classification_report(std::span<const int> truth, std::span<const int> predicted,
                                                   std::size_t classes) {
  if (classes == 0)
    return fail(ErrorCode::invalid_argument, "classification report needs at least one class");
  if (truth.empty()) return fail(ErrorCode::invalid_argument, "classification report of 0 rows");
  if (truth.size() != predicted.size()) {
    return fail(ErrorCode::invalid_argument, "{} true labels but {} predictions", truth.size(),
                predicted.size());
  }
  ClassificationReport r;
  r.classes = classes;
  r.rows = truth.size();
  r.confusion.assign(classes * classes, 0);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    for (const int label : {truth[i], predicted[i]}) {
      if (label < 0 || static_cast<std::size_t>(label) >= classes) {
        return fail(ErrorCode::invalid_argument, "row {}: label {} outside 0..{}", i, label, classes - 1);
      }
    }
    ++r.confusion[static_cast<std::size_t>(truth[i]) * classes + static_cast<std::size_t>(predicted[i])];
  }
  std::size_t correct = 0;
  std::size_t present = 0;
  double f1_sum = 0;
  r.per_class.resize(classes);
  for (std::size_t c = 0; c < classes; ++c) {
    std::size_t support = 0;
    std::size_t predicted_as_c = 0;
    for (std::size_t k = 0; k < classes; ++k) {
      support += r.count(c, k);
      predicted_as_c += r.count(k, c);
    }
    const auto tp = static_cast<double>(r.count(c, c));
    correct += r.count(c, c);
    ClassMetrics& m = r.per_class[c];
    m.support = support;
    m.precision = predicted_as_c > 0 ? tp / static_cast<double>(predicted_as_c) : 0.0;
    m.recall = support > 0 ? tp / static_cast<double>(support) : 0.0;
    m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;
    if (support > 0 || predicted_as_c > 0) {
      ++present;
      f1_sum += m.f1;
    }
  }
  r.accuracy = static_cast<double>(correct) / static_cast<double>(r.rows);
  r.macro_f1 = present > 0 ? f1_sum / static_cast<double>(present) : 0.0;
  return r;
}

std::vector<int> argmax_rows(std::span<const float> scores, std::size_t columns) {
  std::vector<int> out;
  if (columns == 0) return out;
  out.reserve(scores.size() / columns);
  for (std::size_t start = 0; start + columns <= scores.size(); start += columns) {
    const auto row = scores.subspan(start, columns);
    out.push_back(static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin()));
  }
  return out;
}

}  // namespace vigil::model::train
