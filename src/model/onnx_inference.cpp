#include "model/onnx_inference.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <exception>
#include <optional>
#include <unordered_set>
#include <vector>

#include <onnx/onnx_pb.h>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "model/dense_graph.hpp"

namespace vigil::model {

struct OnnxModel::Impl {
  std::string name;
  std::size_t input_size = 0;
  std::size_t output_size = 0;
  std::string input_name;
  std::string output_layer;  // OpenCV's name of the layer that produces the graph output
  cv::dnn::Net net;
  cv::Mat input;                    // 1 x input_size float32, allocated once
  std::optional<DenseGraph> graph;  // the run-time path when the graph is in its subset
};

namespace {

// Fixed size of dimension `index` of a float32 rank-2 value, 0 when symbolic or absent.
struct MatrixShape {
  bool ok = false;
  std::int64_t batch = 0;  // 0 = symbolic
  std::int64_t width = 0;
};

MatrixShape matrix_shape(const onnx::ValueInfoProto& info) {
  MatrixShape m;
  if (!info.type().has_tensor_type()) return m;
  const auto& tensor = info.type().tensor_type();
  if (tensor.elem_type() != onnx::TensorProto::FLOAT || !tensor.has_shape() || tensor.shape().dim_size() != 2)
    return m;
  const auto& d0 = tensor.shape().dim(0);
  const auto& d1 = tensor.shape().dim(1);
  m.batch = d0.has_dim_value() ? d0.dim_value() : 0;
  m.width = d1.has_dim_value() ? d1.dim_value() : 0;
  m.ok = m.width > 0 && (m.batch == 0 || m.batch == 1);
  return m;
}

// Why the interface check reads the ModelProto itself: cv::dnn::Net does not expose input shapes
// before a forward pass, and a clear "expects [1, 30], this graph takes [1, 31]" beats a failed
// matrix multiplication deep inside OpenCV.
struct GraphInterface {
  std::string input_name;
  std::size_t input_size = 0;
  std::size_t output_size = 0;
};

Result<GraphInterface> read_interface(std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX))
    return fail(ErrorCode::out_of_range, "{} bytes is too large", bytes.size());
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(ErrorCode::parse, "not an ONNX model (protobuf parse failed on {} bytes)", bytes.size());
  }
  const onnx::GraphProto& graph = model.graph();
  std::unordered_set<std::string> initializers;
  for (const auto& t : graph.initializer()) initializers.insert(t.name());
  const onnx::ValueInfoProto* input = nullptr;
  for (const auto& in : graph.input()) {
    if (initializers.contains(in.name())) continue;  // older exporters list weights as inputs too
    if (input != nullptr)
      return fail(ErrorCode::unsupported, "graph has more than one input ('{}', '{}')", input->name(),
                  in.name());
    input = &in;
  }
  if (input == nullptr) return fail(ErrorCode::unsupported, "graph has no input");
  if (graph.output_size() != 1)
    return fail(ErrorCode::unsupported, "graph has {} outputs, expected 1", graph.output_size());
  const MatrixShape in_shape = matrix_shape(*input);
  if (!in_shape.ok)
    return fail(ErrorCode::unsupported, "input '{}' is not float32 [1 or batch, d] with a fixed d",
                input->name());
  const MatrixShape out_shape = matrix_shape(graph.output(0));
  if (!out_shape.ok) {
    return fail(ErrorCode::unsupported, "output '{}' is not float32 [1 or batch, k] with a fixed k",
                graph.output(0).name());
  }
  return GraphInterface{input->name(), static_cast<std::size_t>(in_shape.width),
                        static_cast<std::size_t>(out_shape.width)};
}

}  // namespace

OnnxModel::OnnxModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OnnxModel::OnnxModel(OnnxModel&&) noexcept = default;
OnnxModel& OnnxModel::operator=(OnnxModel&&) noexcept = default;
OnnxModel::~OnnxModel() = default;

std::size_t OnnxModel::input_size() const { return impl_->input_size; }
std::size_t OnnxModel::output_size() const { return impl_->output_size; }
const std::string& OnnxModel::name() const { return impl_->name; }

Result<OnnxModel> OnnxModel::create(std::string_view onnx_bytes, std::string_view name) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::string(name);
  auto interface = read_interface(onnx_bytes);
  if (!interface) return std::unexpected(interface.error().with_context(name));
  impl->input_name = interface->input_name;
  impl->input_size = interface->input_size;
  impl->output_size = interface->output_size;
  try {
    impl->net = cv::dnn::readNetFromONNX(onnx_bytes.data(), onnx_bytes.size());
    if (impl->net.empty()) return fail(ErrorCode::parse, "{}: OpenCV DNN read an empty network", name);
    impl->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    impl->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    const std::vector<std::string> outputs = impl->net.getUnconnectedOutLayersNames();
    if (outputs.size() != 1)
      return fail(ErrorCode::unsupported, "{}: OpenCV DNN sees {} output layers, expected 1", name,
                  outputs.size());
    impl->output_layer = outputs.front();
    impl->input = cv::Mat(1, static_cast<int>(impl->input_size), CV_32F, cv::Scalar(0));
    // Warm-up on zeros: OpenCV allocates its layer blobs on the first forward; it also proves the
    // graph's declared output width is what the network really produces.
    impl->net.setInput(impl->input, impl->input_name);
    const cv::Mat out = impl->net.forward(impl->output_layer);
    if (out.type() != CV_32F || out.total() != impl->output_size) {
      return fail(ErrorCode::unsupported,
                  "{}: the network produces {} values of OpenCV type {}, the graph declares {} float32", name,
                  out.total(), out.type(), impl->output_size);
    }
  } catch (const std::exception& e) {
    return fail(ErrorCode::parse, "{}: OpenCV DNN cannot load the model: {}", name, e.what());
  }

  // The allocation-free evaluator, checked against OpenCV on probe inputs: zeros, then values spread over
  // [-3, 3] in a fixed pattern (the range of standardised features; raw features reach tens of dB, hence a
  // probe scaled by 30 too). A graph outside the evaluator's subset keeps running through OpenCV.
  if (auto graph = DenseGraph::create(onnx_bytes, name)) {
    OnnxModel model(std::move(impl));
    Impl& m = *model.impl_;
    std::vector<float> x(m.input_size), reference(m.output_size), ours(m.output_size);
    for (int probe = 0; probe < 3; ++probe) {
      for (std::size_t i = 0; i < x.size(); ++i) {
        const float spread =
            static_cast<float>((i * 7 + static_cast<std::size_t>(probe) * 3) % 13) / 2.0f - 3.0f;
        x[i] = probe == 0 ? 0.0f : (probe == 1 ? spread : 10.0f * spread);
      }
      if (auto ok = model.run_opencv(x, reference); !ok) return std::unexpected(ok.error());
      graph->run(x, ours);
      for (std::size_t j = 0; j < ours.size(); ++j) {
        const double scale = std::max(1.0, std::abs(double(reference[j])));
        if (!(std::abs(double(ours[j]) - double(reference[j])) <= k_reference_tolerance * scale)) {
          return fail(ErrorCode::internal,
                      "{}: the graph's output {} is {} here and {} through OpenCV DNN (probe {}): refusing a "
                      "graph the two runtimes read differently",
                      name, j, ours[j], reference[j], probe);
        }
      }
    }
    m.graph.emplace(std::move(*graph));
    return model;
  } else if (graph.error().code != ErrorCode::unsupported) {
    return std::unexpected(graph.error());
  }
  return OnnxModel(std::move(impl));
}

bool OnnxModel::allocation_free() const { return impl_->graph.has_value(); }

Status OnnxModel::run(std::span<const float> x, std::span<float> y) {
  Impl& m = *impl_;
  if (!m.graph) return run_opencv(x, y);
  if (x.size() != m.input_size || y.size() != m.output_size) {
    return fail(ErrorCode::invalid_argument,
                "{}: run with {} inputs / {} outputs, the model takes {} / gives {}", m.name, x.size(),
                y.size(), m.input_size, m.output_size);
  }
  m.graph->run(x, y);
  return {};
}

Status OnnxModel::run_opencv(std::span<const float> x, std::span<float> y) {
  Impl& m = *impl_;
  if (x.size() != m.input_size || y.size() != m.output_size) {
    return fail(ErrorCode::invalid_argument,
                "{}: run with {} inputs / {} outputs, the model takes {} / gives {}", m.name, x.size(),
                y.size(), m.input_size, m.output_size);
  }
  try {
    std::memcpy(m.input.ptr<float>(), x.data(), x.size_bytes());
    m.net.setInput(m.input, m.input_name);
    const cv::Mat out = m.net.forward(m.output_layer);
    if (!out.isContinuous() || out.type() != CV_32F || out.total() != m.output_size) {
      return fail(ErrorCode::internal, "{}: OpenCV DNN returned {} values, expected {}", m.name, out.total(),
                  m.output_size);
    }
    std::copy_n(out.ptr<float>(), m.output_size, y.data());
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, "{}: OpenCV DNN forward failed: {}", m.name, e.what());
  }
  return {};
}

}  // namespace vigil::model
