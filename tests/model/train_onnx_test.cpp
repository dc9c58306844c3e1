// The whole chain a trained model takes to the edge: libtorch training -> MlpSpec -> ONNX bytes
// (export_onnx) -> OpenCV DNN (OnnxModel). The OpenCV output must equal libtorch's forward pass of the same
// spec, and the double-precision reference, within 1e-5: three independent implementations of one network.
#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>

#include "model/onnx_inference.hpp"
#include "model/train/autoencoder.hpp"
#include "model/train/classifier.hpp"
#include "model/train/onnx_export.hpp"
#include "model/train/torch_forward.hpp"
#include "sim/random.hpp"

namespace vigil::model::train {
namespace VIGIL_TEST_FILE {

// n rows of d features: class c (of 3) centred at 3 e_c in the first three features, unit noise, then
// x_i = (1 + i) v_i + i (raw units of different sizes and offsets).
Dataset three_classes(std::size_t per_class, std::size_t d, std::uint64_t seed) {
  sim::NormalSource normal(seed);
  Dataset data;
  data.features = d;
  for (int c = 0; c < 3; ++c) {
    for (std::size_t r = 0; r < per_class; ++r) {
      for (std::size_t i = 0; i < d; ++i) {
        const double v = (i == static_cast<std::size_t>(c) ? 3.0 : 0.0) + normal.next();
        data.x.push_back(static_cast<float>(double(1 + i) * v + double(i)));
      }
      data.labels.push_back(c);
      ++data.rows;
    }
  }
  return data;
}

// Largest |a - b| / max(1, |b|) over all rows and outputs of OpenCV vs each peer.
struct Deviation {
  double vs_torch = 0;
  double vs_reference = 0;
};

Deviation onnx_deviation(const MlpSpec& spec, const Dataset& data) {
  Deviation dev;
  const auto bytes = train::export_onnx(spec);
  EXPECT_TRUE(bytes.has_value()) << bytes.error().message;
  if (!bytes) return {1e9, 1e9};
  auto model = OnnxModel::create(*bytes, "trained.onnx");
  EXPECT_TRUE(model.has_value()) << model.error().message;
  if (!model) return {1e9, 1e9};
  const auto torch_out = torch_forward(spec, data.x, data.rows);
  EXPECT_TRUE(torch_out.has_value());
  if (!torch_out) return {1e9, 1e9};
  const std::size_t k = spec.output_size();
  std::vector<float> y(k);
  for (std::size_t r = 0; r < data.rows; ++r) {
    EXPECT_TRUE(model->run(data.row(r), y).has_value());
    const auto ref = reference_forward(spec, data.row(r));
    for (std::size_t j = 0; j < k; ++j) {
      const double t = (*torch_out)[r * k + j];
      dev.vs_torch = std::max(dev.vs_torch, std::abs(y[j] - t) / std::max(1.0, std::abs(t)));
      dev.vs_reference =
          std::max(dev.vs_reference, std::abs(y[j] - ref[j]) / std::max(1.0, std::abs(double(ref[j]))));
    }
  }
  return dev;
}

TEST(TrainOnnx, TrainedClassifierRunsIdenticallyInOpenCv) {
  ClassifierConfig config;
  config.classes = 3;
  config.optimizer.max_epochs = 30;
  const auto model = train_classifier(three_classes(100, 10, 1), three_classes(30, 10, 2), config);
  ASSERT_TRUE(model.has_value()) << model.error().message;
  const Deviation dev = onnx_deviation(model->spec, three_classes(40, 10, 3));
  fmt::print("classifier: OpenCV vs libtorch {:.2e}, vs reference {:.2e}\n", dev.vs_torch, dev.vs_reference);
  // Probabilities in [0, 1]: 1e-5 absolute; both sides are float32 evaluations of the same graph.
  EXPECT_LE(dev.vs_torch, 1e-5);
  EXPECT_LE(dev.vs_reference, 1e-5);
}

TEST(TrainOnnx, TrainedAutoencoderRunsIdenticallyInOpenCv) {
  AutoencoderConfig config;
  config.hidden = {8};
  config.bottleneck = 3;
  config.optimizer.max_epochs = 30;
  Dataset train = three_classes(100, 10, 11);
  Dataset validation = three_classes(30, 10, 12);
  const auto model = train_autoencoder(train, validation, config);
  ASSERT_TRUE(model.has_value()) << model.error().message;
  const Deviation dev = onnx_deviation(model->spec, three_classes(40, 10, 13));
  fmt::print("autoencoder: OpenCV vs libtorch {:.2e}, vs reference {:.2e} (relative to max(1, |y|))\n",
             dev.vs_torch, dev.vs_reference);
  // Reconstructions in raw units up to ~40: 1e-5 relative to max(1, |y|).
  EXPECT_LE(dev.vs_torch, 1e-5);
  EXPECT_LE(dev.vs_reference, 1e-5);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::model::train
