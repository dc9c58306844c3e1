// ONNX export of a dense network: turns an MlpSpec (what training produces) into the bytes of an ONNX
// ModelProto that OpenCV DNN serves at the edge (onnx_inference.hpp) and that a bundle carries (bundle.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "model/mlp.hpp"

namespace vigil::model::train {

// Opset 13 is the newest default-domain opset OpenCV 4.6's importer was written against (Gemm-13,
// Softmax-13 with a single `axis`); IR version 7 is the IR that shipped with opset 13 (ONNX 1.8,
// onnx/docs/Versioning.md "Released Versions"). Both are written into every exported model.
inline constexpr std::int64_t k_onnx_opset = 13;
inline constexpr std::int64_t k_onnx_ir_version = 7;

struct ExportOptions {
  std::string input_name = "features";  // graph input, float32 [1, d] or [batch, d]
  std::string output_name = "output";   // graph output, float32 [1, k] or [batch, k]
  std::string graph_name = "vigil_mlp";
  std::string doc_string;  // ModelProto.doc_string: what the model is for, free text
  std::string producer_version = "0.1.0";
  std::int64_t model_version = 1;  // ModelProto.model_version
  bool dynamic_batch = false;      // first dimension symbolic ("batch") instead of 1
  std::vector<std::pair<std::string, std::string>> metadata;  // ModelProto.metadata_props, key → value
};

// Builds the graph
//   features → Gemm(W0, b0, transB=1) → act0 → Gemm(W1, b1, transB=1) → act1 → … → output
// where each DenseLayer becomes one Gemm (Y = X·Wᵀ + b, ONNX Operators "Gemm" with alpha = beta = 1)
// whose weight [outputs, inputs] and bias [outputs] are float32 initializers named "layer<i>.weight" /
// "layer<i>.bias", followed by Relu / Sigmoid / Tanh / Softmax(axis=1) unless the activation is none.
// The model is checked with onnx::checker before it is serialised. Fails on an invalid spec (validate())
// or empty / clashing input and output names.
Result<std::string> export_onnx(const MlpSpec& spec, const ExportOptions& options = {});

}  // namespace vigil::model::train
