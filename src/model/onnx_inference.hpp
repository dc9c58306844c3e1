// Inference of an exported dense network (train/onnx_export.hpp): one feature vector in, one output vector
// out, once per window on the edge. The graph runs through an allocation-free evaluator (dense_graph.hpp);
// OpenCV DNN reads the same bytes at load time as the independent check, and stays the runtime for a graph
// outside the evaluator's subset. OpenCV stays behind this header (pimpl) and its exceptions stop here: every
// failure is a vigil::Error.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vigil::model {

class OnnxModel {
 public:
  // Loads an ONNX model from its serialised bytes: cv::dnn::readNetFromONNX (OpenCV backend, CPU target) and,
  // when the graph is in its subset (every graph onnx_export writes), the DenseGraph evaluator. The graph
  // must have exactly one float32 input [1 or batch, d] and one float32 output [1 or batch, k] with fixed d
  // and k. One OpenCV forward pass on zeros sizes its layer buffers and proves the declared output width;
  // then the evaluator must give OpenCV's outputs on three probe inputs within k_reference_tolerance (else
  // internal: the two runtimes read the graph differently). `name` (e.g. "model.vigil:classifier.onnx")
  // prefixes every error message.
  static Result<OnnxModel> create(std::string_view onnx_bytes, std::string_view name = "onnx model");

  // Relative tolerance (of max(1, |y|)) of the load-time check: float32 forward passes that differ only in
  // the order of summation agree to ~1e-7 relative; a wrong reading of the graph differs at the first digits.
  static constexpr double k_reference_tolerance = 1e-4;

  OnnxModel(OnnxModel&&) noexcept;
  OnnxModel& operator=(OnnxModel&&) noexcept;
  ~OnnxModel();

  std::size_t input_size() const;   // d
  std::size_t output_size() const;  // k
  const std::string& name() const;
  // True when run() goes through the allocation-free evaluator (always for exported dense networks).
  bool allocation_free() const;

  // y = f(x) for one window: x.size() must be input_size(), y.size() output_size(). Through the evaluator:
  // allocates nothing, ~0.6 us for a 28 -> 64 -> 32 -> 3 MLP. Otherwise through OpenCV (run_opencv). Not
  // thread-safe: one OnnxModel per worker.
  Status run(std::span<const float> x, std::span<float> y);

  // The same through OpenCV DNN, the reference. OpenCV 4.6's setInput/forward make ~19 small
  // std::vector/string allocations per call (3-layer graph, measured) and take 2-6 us; its thread pool
  // (cv::setNumThreads, process-wide) costs more than it gains on graphs this small.
  Status run_opencv(std::span<const float> x, std::span<float> y);

 private:
  struct Impl;
  explicit OnnxModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::model
