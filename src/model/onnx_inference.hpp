// Inference of an exported dense network (onnx_export.hpp) through OpenCV DNN: one feature vector in,
// one output vector out, once per window on the edge. OpenCV stays behind this header (pimpl) and its
// exceptions stop here: every failure is a vigil::Error.
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
  // Loads an ONNX model from its serialised bytes (cv::dnn::readNetFromONNX, OpenCV backend, CPU
  // target). The graph must have exactly one float32 input [1 or batch, d] and one float32 output
  // [1 or batch, k] with fixed d and k. One forward pass on zeros is run here, so that OpenCV sizes its
  // layer buffers before the first real window. `name` (e.g. "model.vigil:classifier.onnx") prefixes
  // every error message.
  static Result<OnnxModel> create(std::string_view onnx_bytes, std::string_view name = "onnx model");

  OnnxModel(OnnxModel&&) noexcept;
  OnnxModel& operator=(OnnxModel&&) noexcept;
  ~OnnxModel();

  std::size_t input_size() const;   // d
  std::size_t output_size() const;  // k
  const std::string& name() const;

  // y = f(x) for one window: x.size() must be input_size(), y.size() output_size(). The input blob is
  // allocated once at create() and OpenCV reuses its layer blobs after the warm-up pass; OpenCV 4.6's
  // setInput/forward still make ~19 small std::vector/string allocations per call (3-layer graph,
  // measured). ~2–4 µs for a 30→32→16→4 MLP; OpenCV's thread pool (cv::setNumThreads, process-wide)
  // costs more than it gains on graphs this small. Not thread-safe: one OnnxModel per worker.
  Status run(std::span<const float> x, std::span<float> y);

 private:
  struct Impl;
  explicit OnnxModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::model
