// Training of the autoencoder kind of the per-asset anomaly model (anomaly_bundle.hpp): the same split by
// time and the same calibration as the gaussian kind (train_anomaly_model), with the T^2 detector replaced by
// an autoencoder trained with libtorch (model/train/autoencoder.hpp) on the standardised healthy windows. No
// torch in this header.
#pragma once

#include <cstddef>

#include "core/error.hpp"
#include "eval/anomaly_training.hpp"
#include "eval/labelled_windows.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/mlp.hpp"
#include "model/train/autoencoder.hpp"

namespace vigil::eval {

struct AutoencoderAnomalyConfig {
  // Healthy fault, split (calibration_fraction), scaler, calibration and false-alarm budget, as for the
  // gaussian kind (`anomaly.detector` is not used).
  AnomalyTrainingConfig anomaly;
  // The network d -> 16 -> 4 -> 16 -> d (tanh, linear output) and its optimiser. Healthy windows of one asset
  // are few (CWRU: ~150 overlapping windows of one 5 s recording), so the net is small and the steps many.
  model::train::AutoencoderConfig autoencoder = [] {
    model::train::AutoencoderConfig c;
    c.hidden = {16};
    c.bottleneck = 4;
    c.optimizer.batch_size = 32;
    c.optimizer.learning_rate = 3e-3;
    c.optimizer.max_epochs = 400;
    c.optimizer.patience_epochs = 30;
    return c;
  }();
  // Early stopping needs healthy windows the network does not train on, and the calibration segment must stay
  // untouched by any choice made in fitting: so the last early_stopping_fraction (by time, per recording, cut
  // as split_by_time) of the FIT segment is held back to choose the stopping epoch. In (0, 1).
  double early_stopping_fraction = 0.2;
};

struct TrainedAutoencoderAnomaly {
  TrainedAnomaly anomaly;  // the model; fit_windows counts the whole fit segment
  model::MlpSpec network;  // what autoencoder.onnx was exported from (standardised features in and out)
  std::size_t training_windows = 0;        // fit segment minus the early-stopping part: scaler and network
  std::size_t early_stopping_windows = 0;  // the fit segment's last early_stopping_fraction
  std::size_t epochs = 0;                  // epochs run
  std::size_t best_epoch = 0;              // the epoch whose weights were kept (1-based)
  bool stopped_early = false;
  double early_stopping_error = 0;  // mean e(z) of the early-stopping windows at the best epoch
  double training_s = 0;            // libtorch training time
};

// Fits the scaler (on the training windows) and the autoencoder (training windows; early stopping on the
// held-back part of the fit segment), then scores and calibrates on the calibration segment
// (calibrate_anomaly_model). Errors (invalid_argument): those of split_healthy_windows, fewer than
// ScoreCalibration::k_min_scores calibration windows, fewer than 2 training windows or no early-stopping
// window, a bad config; training and export errors otherwise.
Result<TrainedAutoencoderAnomaly> train_autoencoder_anomaly(const LabelledWindows& windows,
                                                            const AutoencoderAnomalyConfig& config = {});

}  // namespace vigil::eval
