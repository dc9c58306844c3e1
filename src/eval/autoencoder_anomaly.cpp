// The autoencoder kind of the anomaly model: split, scaler, libtorch training (through train_autoencoder, so
// this file includes no torch), export, calibration.
#include "eval/autoencoder_anomaly.hpp"

#include <utility>
#include <vector>

#include "model/feature_schema.hpp"
#include "model/train/dataset.hpp"
#include "model/train/model_export.hpp"

namespace vigil::eval {

using model::k_feature_count;
using model::Scaler;
using model::ScoreCalibration;
using model::train::Dataset;

namespace {

// Standardised rows (scaler applied) as a Dataset.
Result<Dataset> standardised(const LabelledWindows& windows, const std::vector<std::size_t>& rows,
                             const Scaler& scaler) {
  Dataset d;
  d.rows = rows.size();
  d.features = scaler.dimension();
  d.x.resize(d.rows * d.features);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const auto out = std::span<float>(d.x).subspan(k * d.features, d.features);
    if (auto ok = scaler.transform(window_features(windows.rows[rows[k]]), out); !ok)
      return std::unexpected(ok.error());
  }
  return d;
}

}  // namespace

Result<TrainedAutoencoderAnomaly> train_autoencoder_anomaly(const LabelledWindows& windows,
                                                            const AutoencoderAnomalyConfig& config) {
  if (!(config.early_stopping_fraction > 0 && config.early_stopping_fraction < 1)) {
    return fail(ErrorCode::invalid_argument, "early_stopping_fraction {} outside (0, 1)",
                config.early_stopping_fraction);
  }
  if (auto ok = model::train::check_config(config.autoencoder, k_feature_count); !ok)
    return std::unexpected(ok.error());
  auto split = split_healthy_windows(windows, config.anomaly);
  if (!split) return std::unexpected(split.error());
  if (split->windows.late.size() < ScoreCalibration::k_min_scores) {  // before training, not after
    return fail(
        ErrorCode::invalid_argument,
        "{} held-back healthy windows to calibrate on (last {:.0f} % of each healthy recording), need at "
        "least {}: give more healthy data or overlapping windows",
        split->windows.late.size(), 100 * config.anomaly.calibration_fraction,
        ScoreCalibration::k_min_scores);
  }
  // The fit segment split again by time: training windows, then early-stopping windows.
  const TimeSplit inner = split_by_time(windows, split->windows.early, config.early_stopping_fraction);
  if (inner.early.size() < 2 || inner.late.empty()) {
    return fail(ErrorCode::invalid_argument,
                "{} training and {} early-stopping windows in the fit segment, need at least 2 and 1",
                inner.early.size(), inner.late.size());
  }
  std::vector<float> train_rows;
  train_rows.reserve(inner.early.size() * k_feature_count);
  for (auto i : inner.early) {
    const auto f = window_features(windows.rows[i]);
    train_rows.insert(train_rows.end(), f.begin(), f.end());
  }
  auto scaler = Scaler::fit(train_rows, k_feature_count, config.anomaly.scaler);
  if (!scaler) return std::unexpected(scaler.error().with_context("anomaly scaler"));
  auto train = standardised(windows, inner.early, *scaler);
  if (!train) return std::unexpected(train.error());
  auto stop = standardised(windows, inner.late, *scaler);
  if (!stop) return std::unexpected(stop.error());

  auto net = model::train::train_autoencoder(*train, *stop, config.autoencoder);
  if (!net) return std::unexpected(net.error().with_context("anomaly autoencoder"));
  auto detector = model::train::make_autoencoder_anomaly(net->spec, net->scaling.scale);
  if (!detector) return std::unexpected(detector.error());

  auto trained =
      calibrate_anomaly_model(std::move(*scaler), std::move(*detector), windows, *split, config.anomaly);
  if (!trained) return std::unexpected(trained.error());
  double stop_error = 0;
  for (float e : net->validation_errors) stop_error += e;
  stop_error /= double(net->validation_errors.size());
  return TrainedAutoencoderAnomaly{.anomaly = std::move(*trained),
                                   .network = std::move(net->spec),
                                   .training_windows = inner.early.size(),
                                   .early_stopping_windows = inner.late.size(),
                                   .epochs = net->curve.size(),
                                   .best_epoch = net->best_epoch,
                                   .stopped_early = net->stopped_early,
                                   .early_stopping_error = stop_error,
                                   .training_s = net->training_s};
}

}  // namespace vigil::eval
