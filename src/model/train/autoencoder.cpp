// The torch-free half of the autoencoder trainer (settings, reconstruction error); the training loop itself
// is in libtorch_backend.cpp.
#include "model/train/autoencoder.hpp"

#include <cassert>

namespace vigil::model::train {

Status check_config(const AutoencoderConfig& c, std::size_t features) {
  for (std::size_t i = 0; i < c.hidden.size(); ++i) {
    if (c.hidden[i] == 0) return fail(ErrorCode::invalid_argument, "hidden layer {} has width 0", i);
  }
  if (c.bottleneck == 0) return fail(ErrorCode::invalid_argument, "bottleneck width must be at least 1");
  if (c.bottleneck >= features) {
    return fail(ErrorCode::invalid_argument,
                "bottleneck width {} must be smaller than the {} features (else the identity is learnable)",
                c.bottleneck, features);
  }
  if (c.hidden_activation == Activation::softmax || c.hidden_activation == Activation::none) {
    return fail(ErrorCode::invalid_argument, "hidden activation must be relu, tanh or sigmoid, got {}",
                to_string(c.hidden_activation));
  }
  return check_optimizer(c.optimizer);
}

double reconstruction_error(std::span<const float> x, std::span<const float> reconstruction,
                            const FeatureScaling& scaling) {
  assert(x.size() == reconstruction.size() && x.size() == scaling.scale.size() && !x.empty());
  double sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double z = (double(x[i]) - reconstruction[i]) / scaling.scale[i];
    sum += z * z;
  }
  return sum / static_cast<double>(x.size());
}

Result<std::vector<float>> reconstruction_errors(const TrainedAutoencoder& model, const Dataset& data) {
  if (auto ok = validate(model.spec); !ok) return std::unexpected(ok.error());
  if (auto ok = check_features(data, "data"); !ok) return std::unexpected(ok.error());
  if (data.features != model.spec.input_size() || model.scaling.scale.size() != data.features ||
      model.spec.output_size() != data.features) {
    return fail(ErrorCode::invalid_argument, "data has {} features, the autoencoder takes {}", data.features,
                model.spec.input_size());
  }
  std::vector<float> out(data.rows);
  for (std::size_t r = 0; r < data.rows; ++r) {
    const auto row = data.row(r);
    out[r] = static_cast<float>(reconstruction_error(row, reference_forward(model.spec, row), model.scaling));
  }
  return out;
}

}  // namespace vigil::model::train
