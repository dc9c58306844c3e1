// Per-asset anomaly model training: an autoencoder d -> h -> k -> h -> d trained with libtorch on healthy
// feature vectors only. What it cannot reconstruct is unlike the healthy data; the reconstruction error is
// the anomaly score the caller calibrates on held-back healthy rows. Returned as an MlpSpec that takes raw
// features and outputs their reconstruction in raw units (standardisation folded in at both ends).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "model/mlp.hpp"
#include "model/train/dataset.hpp"
#include "model/train/training_config.hpp"

namespace vigil::model::train {

struct AutoencoderConfig {
  std::vector<std::size_t> hidden = {16};  // encoder widths before the bottleneck; the decoder mirrors them
  std::size_t bottleneck = 4;              // k, smaller than d
  Activation hidden_activation = Activation::tanh;  // every layer but the last (which is linear)
  OptimizerConfig optimizer;
};

Status check_config(const AutoencoderConfig& config, std::size_t features);

// Reconstruction error of one row, the mean squared error in standardised units:
//   e(x) = (1/d) sum_i ((x_i - x^_i) / scale_i)^2,
// with x^ = spec(x) and scale the training standard deviations. This is also the training loss (MSE of the
// standardised reconstruction), so e of healthy training rows averages to the final training loss.
double reconstruction_error(std::span<const float> x, std::span<const float> reconstruction,
                            const FeatureScaling& scaling);

struct TrainedAutoencoder {
  MlpSpec spec;            // raw features in, reconstruction in raw units out
  FeatureScaling scaling;  // fitted on the training rows; its scale weighs the error
  std::vector<EpochStats> curve;
  std::size_t best_epoch = 0;
  bool stopped_early = false;
  // e(x) of every validation row through the returned spec (float forward), in row order: the healthy
  // reference distribution for thresholds. The validation set chose the stopping epoch (one number), so a
  // caller who wants a strictly untouched calibration set scores a third set with reconstruction_errors.
  std::vector<float> validation_errors;
  double training_s = 0;
};

// Trains on healthy rows `train`, stops early on healthy rows `validation` (other recordings or periods,
// chosen by the caller; required, rows > 0). Labels are ignored. Errors as train_classifier.
Result<TrainedAutoencoder> train_autoencoder(const Dataset& train, const Dataset& validation,
                                             const AutoencoderConfig& config);

// e(x) of every row of `data` through model.spec (reference_forward, double precision).
Result<std::vector<float>> reconstruction_errors(const TrainedAutoencoder& model, const Dataset& data);

}  // namespace vigil::model::train
