// Training data for the learned models as plain data (n windows x d features, row-major, class labels,
// sample weights), the checks every trainer runs on it, and the per-feature standardisation the trainers
// fit on the training rows and fold into the exported network. No libtorch here (nor in any header of
// model/train): callers and the edge stay torch-free; the torch code lives in libtorch_backend.cpp.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "model/mlp.hpp"

namespace vigil::model::train {

// n rows (windows) of d features. Which windows go into the training, validation and test sets is the
// caller's decision (by recording, load or bearing — never a random window split of one recording).
struct Dataset {
  std::size_t rows = 0;        // n
  std::size_t features = 0;    // d
  std::vector<float> x;        // n * d values, row-major: row r is x[r * d, r * d + d)
  std::vector<int> labels;     // n class indices in [0, C); empty for unsupervised training
  std::vector<float> weights;  // n sample weights >= 0; empty means every row weighs 1

  std::span<const float> row(std::size_t r) const { return {x.data() + r * features, features}; }
};

// Checks shape (rows > 0, features > 0, x.size() == rows * features), that every feature is finite and that
// weights, when given, are one per row, finite, >= 0 and not all zero. `what` names the set in messages
// ("validation set: row 12, feature 3 is nan").
Status check_features(const Dataset& data, std::string_view what);

// check_features, plus one label per row, each in [0, classes).
Status check_labeled(const Dataset& data, std::size_t classes, std::string_view what);

// Per-feature affine map to zero mean and unit variance, z_i = (x_i - mean_i) / scale_i, fitted on training
// rows: mean_i = (1/n) sum_r x_ri, scale_i = sqrt((1/n) sum_r (x_ri - mean_i)^2) (population standard
// deviation, double accumulation). A feature that is constant on the training rows (scale below 1e-6 of
// max(|mean|, 1e-30), i.e. at float resolution) gets scale 1: it is only centred.
struct FeatureScaling {
  std::vector<float> mean;
  std::vector<float> scale;
};

Result<FeatureScaling> fit_scaling(const Dataset& data);

// The identity map for d features (mean 0, scale 1).
FeatureScaling identity_scaling(std::size_t features);

// Rows of `data` standardised with `scaling` (n * d, row-major). Requires matching feature counts.
std::vector<float> standardize(const FeatureScaling& scaling, const Dataset& data);

// Folds the standardisation into a first layer that was trained on z, so it takes raw x:
//   W z + b = W diag(1/scale) x + (b - W (mean / scale))   =>   W'_oi = W_oi / scale_i,
//   b'_o = b_o - sum_i W_oi mean_i / scale_i   (sums in double).
// Precision: a float32 evaluation of the folded layer rounds terms |W_oi x_i / scale_i| = |W_oi| |z_i +
// mean_i / scale_i| that cancel against the bias, so its error grows like float epsilon * |mean_i| / scale_i
// (1e-4 on a logit at |mean| / scale = 1e3). Features already standardised per asset (model::Scaler) keep
// the ratio near 1; raw features with a large offset against their spread should go through a Scaler first.
// Requires first.inputs == scaling.mean.size().
void fold_input_scaling(const FeatureScaling& scaling, DenseLayer& first);

// Folds the inverse standardisation into a linear last layer that predicts z, so it outputs raw x:
//   x^ = mean + scale * (W h + b)   =>   W'_oi = scale_o W_oi,  b'_o = scale_o b_o + mean_o.
// Requires last.outputs == scaling.mean.size() and last.activation == none.
void fold_output_scaling(const FeatureScaling& scaling, DenseLayer& last);

}  // namespace vigil::model::train
