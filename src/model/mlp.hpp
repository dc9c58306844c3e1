// A small fully connected network as plain data: what training produces (libtorch), what the ONNX
// exporter writes and what tests check inference against. Nothing here depends on a learning library.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace vigil::model {

enum class Activation { none, relu, sigmoid, tanh, softmax };
std::string_view to_string(Activation activation);
Result<Activation> parse_activation(std::string_view name);

// y = activation(W x + b), W is outputs x inputs, row-major (ONNX Gemm with transB = 1 on W).
struct DenseLayer {
  std::size_t inputs = 0;
  std::size_t outputs = 0;
  std::vector<float> weight;  // outputs * inputs
  std::vector<float> bias;    // outputs
  Activation activation = Activation::none;
};

struct MlpSpec {
  std::vector<DenseLayer> layers;

  std::size_t input_size() const { return layers.empty() ? 0 : layers.front().inputs; }
  std::size_t output_size() const { return layers.empty() ? 0 : layers.back().outputs; }
  std::size_t parameter_count() const;
};

// Checks shapes chain (layer i outputs == layer i+1 inputs), sizes match, values are finite, softmax only
// on the last layer.
Status validate(const MlpSpec& spec);

// Reference forward pass in double precision, for tests and as the ground truth of exported graphs.
// Requires a valid spec and x.size() == input_size().
std::vector<float> reference_forward(const MlpSpec& spec, std::span<const float> x);

}  // namespace vigil::model
