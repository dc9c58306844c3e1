// Settings every trainer shares (optimiser, mini-batches, early stopping, seed, threads) and the training
// curve each one returns. Plain data, no libtorch.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/error.hpp"

namespace vigil::model::train {

// Optimiser: AdamW, i.e. Adam (Kingma & Ba, "Adam: a method for stochastic optimization", ICLR 2015) with
// decoupled weight decay (Loshchilov & Hutter, "Decoupled weight decay regularization", ICLR 2019) applied
// to weight matrices only, not to biases. Mini-batches are drawn from a shuffle of the training rows, one
// permutation per epoch, by our own generator (std::mt19937_64, whose sequence the C++ standard fixes).
// Initial weights come from the same generator (He-uniform before ReLU, Glorot-uniform otherwise, biases 0).
// The two optional regularisers below draw from libtorch's generator, seeded with torch::manual_seed(seed) at
// the start of every training run. With the same seed, data and thread count, training is bit-reproducible
// on one machine.
struct OptimizerConfig {
  std::size_t max_epochs = 300;
  std::size_t batch_size = 64;
  double learning_rate = 1e-3;
  double weight_decay = 1e-4;  // AdamW decoupled decay per step: w <- w - learning_rate * weight_decay * w
  // Early stopping: stop when the validation loss has not fallen by more than min_improvement (absolute) for
  // patience_epochs epochs, and return the weights of the best epoch. Without a validation set, every epoch
  // up to max_epochs runs and the last weights are returned.
  std::size_t patience_epochs = 20;
  double min_improvement = 1e-5;
  std::uint64_t seed = 1;
  // Regularisers of the training pass only; the exported network is the plain dense net either way.
  // dropout: each hidden unit's output is zeroed with probability p and the rest scaled by 1 / (1 - p)
  // (inverted dropout; Srivastava et al., "Dropout: a simple way to prevent neural networks from
  // overfitting", JMLR 15, 2014), so inference uses the weights as they are. In [0, 0.9].
  double dropout = 0;
  // input_noise_sd: Gaussian noise of this standard deviation added to every standardised input of every
  // mini-batch (z units, i.e. fractions of the training spread; Bishop, "Training with noise is equivalent
  // to Tikhonov regularization", Neural Computation 7(1), 1995). >= 0; 0 is off.
  double input_noise_sd = 0;
  // Intra-op threads for libtorch during training (at::set_num_threads; restored afterwards). 1 by default:
  // results with more threads may differ in the last bits between thread counts.
  int threads = 1;
};

Status check_optimizer(const OptimizerConfig& config);

struct EpochStats {
  std::size_t epoch = 0;       // 1-based
  double train_loss = 0;       // mean training objective over the epoch's mini-batches (as they ran)
  double validation_loss = 0;  // training objective on the validation set after the epoch; NaN without one
  double validation_accuracy = 0;  // classifiers only; NaN otherwise or without a validation set
};

}  // namespace vigil::model::train
