#include "model/dense_graph.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>

#include <onnx/onnx_pb.h>

namespace vigil::model {
namespace {

// Four float lanes in one SIMD register (GCC/Clang vector extensions; SSE2 on any x86-64), so the Gemm loop
// is vectorised at any optimisation level without reordering a sum.
using Float4 = float __attribute__((vector_size(16)));

std::size_t round_up4(std::size_t n) { return (n + 3) / 4 * 4; }

struct Tensor {
  std::vector<std::int64_t> dims;
  std::vector<float> values;
};

Result<Tensor> read_tensor(const onnx::TensorProto& t) {
  if (t.data_type() != onnx::TensorProto::FLOAT) {
    return fail(ErrorCode::unsupported, "initializer '{}' has element type {}, expected float32", t.name(),
                t.data_type());
  }
  if (t.has_data_location() && t.data_location() == onnx::TensorProto::EXTERNAL) {
    return fail(ErrorCode::unsupported, "initializer '{}' is stored outside the model", t.name());
  }
  Tensor out;
  std::size_t count = 1;
  for (const auto d : t.dims()) {
    if (d < 0 || d > (std::int64_t{1} << 24))
      return fail(ErrorCode::unsupported, "initializer '{}' has dimension {}", t.name(), d);
    out.dims.push_back(d);
    count *= static_cast<std::size_t>(d);
    if (count > (std::size_t{1} << 26))
      return fail(ErrorCode::unsupported, "initializer '{}' is too large", t.name());
  }
  if (t.float_data_size() > 0) {
    out.values.assign(t.float_data().begin(), t.float_data().end());
  } else if (!t.raw_data().empty()) {
    static_assert(std::endian::native == std::endian::little, "raw_data is little-endian by contract");
    if (t.raw_data().size() % sizeof(float) != 0)
      return fail(ErrorCode::parse, "initializer '{}': raw_data of {} bytes", t.name(), t.raw_data().size());
    out.values.resize(t.raw_data().size() / sizeof(float));
    std::memcpy(out.values.data(), t.raw_data().data(), t.raw_data().size());
  }
  if (out.values.size() != count) {
    return fail(ErrorCode::parse, "initializer '{}' holds {} values, its dimensions say {}", t.name(),
                out.values.size(), count);
  }
  for (const float v : out.values) {
    if (!std::isfinite(v))
      return fail(ErrorCode::invalid_argument, "initializer '{}' is not finite", t.name());
  }
  return out;
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& node, std::string_view name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

float float_attribute(const onnx::NodeProto& node, std::string_view name, float fallback) {
  const auto* a = attribute(node, name);
  return a != nullptr && a->type() == onnx::AttributeProto::FLOAT ? a->f() : fallback;
}

std::int64_t int_attribute(const onnx::NodeProto& node, std::string_view name, std::int64_t fallback) {
  const auto* a = attribute(node, name);
  return a != nullptr && a->type() == onnx::AttributeProto::INT ? a->i() : fallback;
}

}  // namespace

Result<DenseGraph> DenseGraph::create(std::string_view onnx_bytes, std::string_view name) {
  if (onnx_bytes.size() > static_cast<std::size_t>(INT_MAX))
    return fail(ErrorCode::out_of_range, "{}: {} bytes is too large", name, onnx_bytes.size());
  onnx::ModelProto model;
  if (!model.ParseFromArray(onnx_bytes.data(), static_cast<int>(onnx_bytes.size())))
    return fail(ErrorCode::parse, "{}: not an ONNX model (protobuf parse failed)", name);
  const onnx::GraphProto& graph = model.graph();

  std::unordered_map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& t : graph.initializer()) initializers[t.name()] = &t;
  const onnx::ValueInfoProto* input = nullptr;
  for (const auto& in : graph.input()) {
    if (initializers.contains(in.name())) continue;
    if (input != nullptr) return fail(ErrorCode::unsupported, "{}: graph has more than one input", name);
    input = &in;
  }
  if (input == nullptr || graph.output_size() != 1)
    return fail(ErrorCode::unsupported, "{}: graph is not one input, one output", name);
  const auto& shape = input->type().tensor_type().shape();
  if (input->type().tensor_type().elem_type() != onnx::TensorProto::FLOAT || shape.dim_size() != 2 ||
      !shape.dim(1).has_dim_value() || shape.dim(1).dim_value() <= 0 ||
      (shape.dim(0).has_dim_value() && shape.dim(0).dim_value() != 1)) {
    return fail(ErrorCode::unsupported, "{}: input '{}' is not float32 [1 or batch, d]", name, input->name());
  }

  DenseGraph g;
  g.input_size_ = static_cast<std::size_t>(shape.dim(1).dim_value());
  std::string current = input->name();
  std::size_t width = g.input_size_;
  std::size_t widest = width;
  for (const auto& node : graph.node()) {
    const std::string& op = node.op_type();
    const std::string label = node.name().empty() ? op : node.name();
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      return fail(ErrorCode::unsupported, "{}: node '{}' is in domain '{}'", name, label, node.domain());
    if (node.input_size() < 1 || node.input(0) != current || node.output_size() != 1) {
      return fail(ErrorCode::unsupported, "{}: node '{}' does not continue the chain from '{}'", name, label,
                  current);
    }
    if (op == "Gemm") {
      if (int_attribute(node, "transA", 0) != 0)
        return fail(ErrorCode::unsupported, "{}: node '{}' has transA = 1", name, label);
      const bool trans_b = int_attribute(node, "transB", 0) != 0;
      const float alpha = float_attribute(node, "alpha", 1.0f);
      const float beta = float_attribute(node, "beta", 1.0f);
      if (node.input_size() < 2 || !initializers.contains(node.input(1)))
        return fail(ErrorCode::unsupported, "{}: node '{}': B is not an initializer", name, label);
      auto b = read_tensor(*initializers.at(node.input(1)));
      if (!b) return std::unexpected(b.error().with_context(name));
      if (b->dims.size() != 2)
        return fail(ErrorCode::unsupported, "{}: node '{}': B is not a matrix", name, label);
      const auto k = static_cast<std::size_t>(trans_b ? b->dims[1] : b->dims[0]);
      const auto n = static_cast<std::size_t>(trans_b ? b->dims[0] : b->dims[1]);
      if (k != width || n == 0) {
        return fail(ErrorCode::unsupported, "{}: node '{}' multiplies {} values by a {} x {} matrix", name,
                    label, width, k, n);
      }
      Layer layer;
      layer.inputs = k;
      layer.outputs = n;
      layer.stride = round_up4(n);
      layer.weight_t.assign(k * layer.stride, 0.0f);
      layer.bias.assign(layer.stride, 0.0f);
      for (std::size_t o = 0; o < n; ++o) {
        for (std::size_t i = 0; i < k; ++i) {
          const float w = trans_b ? b->values[o * k + i] : b->values[i * n + o];
          layer.weight_t[i * layer.stride + o] = alpha * w;
        }
      }
      if (node.input_size() >= 3 && !node.input(2).empty()) {
        if (!initializers.contains(node.input(2)))
          return fail(ErrorCode::unsupported, "{}: node '{}': C is not an initializer", name, label);
        auto c = read_tensor(*initializers.at(node.input(2)));
        if (!c) return std::unexpected(c.error().with_context(name));
        const bool vector = (c->dims.size() == 1 && c->dims[0] == std::int64_t(n)) ||
                            (c->dims.size() == 2 && c->dims[0] == 1 && c->dims[1] == std::int64_t(n));
        if (!vector) return fail(ErrorCode::unsupported, "{}: node '{}': C is not {} values", name, label, n);
        for (std::size_t o = 0; o < n; ++o) layer.bias[o] = beta * c->values[o];
      }
      g.steps_.push_back({Op::gemm, g.layers_.size(), n});
      g.layers_.push_back(std::move(layer));
      width = n;
    } else if (op == "Relu") {
      g.steps_.push_back({Op::relu, 0, width});
    } else if (op == "Sigmoid") {
      g.steps_.push_back({Op::sigmoid, 0, width});
    } else if (op == "Tanh") {
      g.steps_.push_back({Op::tanh, 0, width});
    } else if (op == "Softmax") {
      const std::int64_t axis = int_attribute(node, "axis", -1);
      if (axis != 1 && axis != -1)
        return fail(ErrorCode::unsupported, "{}: node '{}': softmax over axis {}", name, label, axis);
      g.steps_.push_back({Op::softmax, 0, width});
    } else if (op != "Identity") {
      return fail(ErrorCode::unsupported, "{}: node '{}': operator {} is not evaluated here", name, label,
                  op);
    }
    current = node.output(0);
    widest = std::max(widest, width);
  }
  if (current != graph.output(0).name()) {
    return fail(ErrorCode::unsupported, "{}: the chain ends at '{}', the graph output is '{}'", name, current,
                graph.output(0).name());
  }
  g.output_size_ = width;
  g.a_.assign(round_up4(widest), 0.0f);
  g.b_.assign(round_up4(widest), 0.0f);
  return g;
}

void DenseGraph::run(std::span<const float> x, std::span<float> y) {
  assert(x.size() == input_size_ && y.size() == output_size_);
  float* in = a_.data();
  float* out = b_.data();
  std::copy(x.begin(), x.end(), in);
  for (const Step& step : steps_) {
    const std::size_t n = step.width;
    switch (step.op) {
      case Op::gemm: {
        const Layer& l = layers_[step.layer];
        const float* w = l.weight_t.data();
        for (std::size_t o = 0; o < l.stride; o += 4) {
          Float4 acc{};
          for (std::size_t i = 0; i < l.inputs; ++i) {
            Float4 wv;
            std::memcpy(&wv, w + i * l.stride + o, sizeof wv);
            acc += in[i] * wv;
          }
          Float4 bias;
          std::memcpy(&bias, l.bias.data() + o, sizeof bias);
          acc += bias;
          std::memcpy(out + o, &acc, sizeof acc);
        }
        std::swap(in, out);
        break;
      }
      case Op::relu:
        for (std::size_t o = 0; o < n; ++o) in[o] = std::max(in[o], 0.0f);
        break;
      case Op::sigmoid:
        for (std::size_t o = 0; o < n; ++o) in[o] = 1.0f / (1.0f + std::exp(-in[o]));
        break;
      case Op::tanh:
        for (std::size_t o = 0; o < n; ++o) in[o] = std::tanh(in[o]);
        break;
      case Op::softmax: {
        const float top = *std::max_element(in, in + n);
        float sum = 0;
        for (std::size_t o = 0; o < n; ++o) sum += (in[o] = std::exp(in[o] - top));
        for (std::size_t o = 0; o < n; ++o) in[o] /= sum;
        break;
      }
    }
  }
  std::copy_n(in, output_size_, y.data());
}

}  // namespace vigil::model
