// The torch-free half of the classifier trainer (settings, class weights, prediction through the spec);
// the training loop itself is in libtorch_backend.cpp.
#include "model/train/classifier.hpp"

#include <cmath>

namespace vigil::model::train {

Status check_config(const ClassifierConfig& c) {
  if (c.classes < 2)
    return fail(ErrorCode::invalid_argument, "a classifier needs at least 2 classes, got {}", c.classes);
  for (std::size_t i = 0; i < c.hidden.size(); ++i) {
    if (c.hidden[i] == 0) return fail(ErrorCode::invalid_argument, "hidden layer {} has width 0", i);
  }
  if (c.hidden_activation == Activation::softmax || c.hidden_activation == Activation::none) {
    return fail(ErrorCode::invalid_argument, "hidden activation must be relu, tanh or sigmoid, got {}",
                to_string(c.hidden_activation));
  }
  if (!c.class_weights.empty()) {
    if (c.class_weights.size() != c.classes) {
      return fail(ErrorCode::invalid_argument, "{} class weights for {} classes", c.class_weights.size(),
                  c.classes);
    }
    for (std::size_t k = 0; k < c.classes; ++k) {
      if (!std::isfinite(c.class_weights[k]) || !(c.class_weights[k] > 0)) {
        return fail(ErrorCode::invalid_argument, "class {} has weight {} (must be finite and > 0)", k,
                    c.class_weights[k]);
      }
    }
  }
  return check_optimizer(c.optimizer);
}

Result<std::vector<float>> class_weights_for(const Dataset& train, const ClassifierConfig& c) {
  std::vector<std::size_t> count(c.classes, 0);
  for (const int label : train.labels) ++count[static_cast<std::size_t>(label)];
  for (std::size_t k = 0; k < c.classes; ++k) {
    if (count[k] == 0) {
      return fail(ErrorCode::invalid_argument,
                  "training set has no row of class {} (of {}): the classifier cannot learn it", k,
                  c.classes);
    }
  }
  if (!c.class_weights.empty()) return c.class_weights;
  std::vector<float> w(c.classes, 1.0f);
  if (c.weighting == ClassWeighting::balanced) {
    // w_c = n / (C n_c): sum_c n_c w_c = n, so the mean weight per row stays 1 and the learning rate keeps
    // its meaning.
    for (std::size_t k = 0; k < c.classes; ++k) {
      w[k] = static_cast<float>(double(train.rows) / (double(c.classes) * double(count[k])));
    }
  }
  return w;
}

Result<std::vector<int>> predict_classes(const MlpSpec& spec, const Dataset& data) {
  if (auto ok = validate(spec); !ok) return std::unexpected(ok.error());
  if (auto ok = check_features(data, "data"); !ok) return std::unexpected(ok.error());
  if (data.features != spec.input_size()) {
    return fail(ErrorCode::invalid_argument, "data has {} features, the network takes {}", data.features,
                spec.input_size());
  }
  std::vector<int> out(data.rows);
  for (std::size_t r = 0; r < data.rows; ++r) {
    const std::vector<float> p = reference_forward(spec, data.row(r));
    out[r] = argmax_rows(p, p.size()).front();
  }
  return out;
}

}  // namespace vigil::model::train
