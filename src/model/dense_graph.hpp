// Allocation-free evaluation of the dense networks' ONNX graphs (train/onnx_export.hpp) on the edge: the
// graph is read once into plain weight arrays and run per window without any framework. OnnxModel
// (onnx_inference.hpp) runs graphs through this and keeps OpenCV DNN as the check at load time.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "model/mlp.hpp"

namespace vigil::model {

// The ONNX subset our exporter writes (opset 13), evaluated in float32 as ONNX defines it:
//   Gemm     Y = alpha A B' + beta C, with A the running [1, k] value, B a float initializer ([n, k] with
//            transB = 1, [k, n] with transB = 0), transA = 0, C an optional initializer of n or [1, n]
//            values;
//   Relu, Sigmoid, Tanh, Softmax (axis 1 or -1 of the [1, n] value), Identity.
// The nodes must form one chain from the graph input to the graph output (each node takes the previous
// node's output). Anything else, e.g. another operator, a weight that is not an initializer, fp16 tensors,
// is refused with `unsupported` naming the node: the caller may then fall back to a general runtime.
//
// Arithmetic: each output of a Gemm is accumulated in float over the inputs in order (the weights are stored
// input-major, so the loop runs over four contiguous outputs per SIMD register without reordering any sum),
// the bias added last. Softmax subtracts the maximum before exp. Against OpenCV DNN's float forward pass the
// outputs agree to ~1e-7 relative (dnn's order of summation differs); onnx_inference_test checks 1e-6 at the
// scale of standardised inputs, 1e-5 for inputs of 20 sigma (saturated logits carry float rounding of ~1e-5).
class DenseGraph {
 public:
  // From the serialised ModelProto. `name` prefixes errors.
  static Result<DenseGraph> create(std::string_view onnx_bytes, std::string_view name = "onnx model");

  std::size_t input_size() const { return input_size_; }
  std::size_t output_size() const { return output_size_; }
  std::size_t layer_count() const { return layers_.size(); }  // Gemm nodes

  // y = f(x): x.size() == input_size(), y.size() == output_size() (asserted). Allocates nothing; ~0.6 us for
  // the default classifier (28 -> 64 -> 32 -> 3). Not thread-safe (internal scratch): one per worker.
  void run(std::span<const float> x, std::span<float> y);

 private:
  enum class Op { gemm, relu, sigmoid, tanh, softmax };
  struct Step {
    Op op = Op::gemm;
    std::size_t layer = 0;  // gemm: index into layers_
    std::size_t width = 0;  // values after the step
  };
  struct Layer {
    std::size_t inputs = 0;
    std::size_t outputs = 0;
    std::size_t stride = 0;       // outputs rounded up to a multiple of 4 (SIMD lanes)
    std::vector<float> weight_t;  // inputs x stride, row-major: weight_t[i * stride + o] = alpha W[o][i]
    std::vector<float> bias;      // stride values: beta C (zeros when absent and in the padding)
  };

  DenseGraph() = default;

  std::size_t input_size_ = 0;
  std::size_t output_size_ = 0;
  std::vector<Step> steps_;
  std::vector<Layer> layers_;
  std::vector<float> a_, b_;  // ping-pong scratch, widest value rounded up to 4
};

}  // namespace vigil::model
