// The forward pass of an MlpSpec rebuilt in libtorch (float32 tensors, torch::linear + activations): an
// independent peer of reference_forward and of the ONNX graph for tests, and the batch evaluator the
// trainers use. Plain data in and out; the torch code lives in libtorch_backend.cpp.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "model/mlp.hpp"

namespace vigil::model::train {

// Evaluates `rows` input rows x (rows x spec.input_size(), row-major) and returns rows x spec.output_size(),
// row-major. Errors for an invalid spec, a size mismatch or rows == 0.
Result<std::vector<float>> torch_forward(const MlpSpec& spec, std::span<const float> x, std::size_t rows);

}  // namespace vigil::model::train
