// Fault classifier training: a small MLP (d -> 64 -> 32 -> C by default) trained with libtorch on feature
// vectors and class labels, returned as an MlpSpec whose output is the class probabilities (softmax) and
// whose first layer already contains the feature standardisation, so it takes raw feature vectors. The
// spec is what the ONNX exporter writes and the edge runs.
#pragma once

#include <cstddef>
#include <vector>

#include "core/error.hpp"
#include "model/mlp.hpp"
#include "model/train/dataset.hpp"
#include "model/train/metrics.hpp"
#include "model/train/training_config.hpp"

namespace vigil::model::train {

enum class ClassWeighting {
  none,      // every class weighs 1
  balanced,  // w_c = n / (C n_c) from the training rows (scikit-learn's "balanced"): each class contributes
             // equally to the loss, which raises the recall of rare classes at some cost to common ones
};

struct ClassifierConfig {
  std::size_t classes = 0;                     // C >= 2; labels are 0..C-1
  std::vector<std::size_t> hidden = {64, 32};  // hidden layer widths (may be empty: multinomial regression)
  Activation hidden_activation = Activation::relu;  // relu, tanh or sigmoid
  ClassWeighting weighting = ClassWeighting::balanced;
  std::vector<float> class_weights;  // when non-empty (C values > 0), used instead of `weighting`
  bool standardize = true;           // fit z = (x - mean) / scale on the training rows (folded into layer 0)
  OptimizerConfig optimizer;
};

Status check_config(const ClassifierConfig& config);

// Training objective (per mini-batch B of the training rows, and on the whole validation set):
//   J = (1 / |B|) sum_{r in B} s_r c_{y_r} CE(logits_r, y_r),  CE = -log softmax(logits_r)[y_r],
// with s_r the sample weight (1 when none) and c_y the class weight; softmax is applied to the logits only
// in the exported spec.
struct TrainedClassifier {
  MlpSpec spec;                      // raw features in, C class probabilities out (last layer softmax)
  FeatureScaling scaling;            // the standardisation folded into spec.layers[0] (identity if disabled)
  std::vector<float> class_weights;  // c_y used in the loss
  std::vector<EpochStats> curve;     // one entry per epoch that ran
  std::size_t best_epoch = 0;        // epoch whose weights are returned
  bool stopped_early = false;        // patience ran out before max_epochs
  // Metrics of the returned spec on the validation set (argmax of its output); rows == 0 without validation.
  ClassificationReport validation;
  double training_s = 0;  // wall-clock time of the training loop
};

// Trains on `train` and stops early on `validation` (rows from recordings / loads / bearings that are not in
// `train`, chosen by the caller). `validation` may be empty (rows == 0): then max_epochs run. Errors (code
// invalid_argument) for empty or malformed sets, non-finite features, labels outside 0..C-1, a class with no
// training rows, mismatched feature counts and bad settings; code internal if libtorch fails.
Result<TrainedClassifier> train_classifier(const Dataset& train, const Dataset& validation,
                                           const ClassifierConfig& config);

// Class weights c_y (size C) for `train` under `config` (explicit weights, balanced or none). Requires a
// training set that passed check_labeled; errors when balanced weighting meets a class with no rows.
Result<std::vector<float>> class_weights_for(const Dataset& train, const ClassifierConfig& config);

// Class probabilities of every row of `data` through spec (reference_forward, double precision), then argmax.
Result<std::vector<int>> predict_classes(const MlpSpec& spec, const Dataset& data);

}  // namespace vigil::model::train
