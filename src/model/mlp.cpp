#include "model/mlp.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace vigil::model {

std::string_view to_string(Activation a) {
  switch (a) {
    case Activation::none:
      return "none";
    case Activation::relu:
      return "relu";
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::tanh:
      return "tanh";
    case Activation::softmax:
      return "softmax";
  }
  return "?";
}

Result<Activation> parse_activation(std::string_view name) {
  for (Activation a :
       {Activation::none, Activation::relu, Activation::sigmoid, Activation::tanh, Activation::softmax}) {
    if (to_string(a) == name) return a;
  }
  return fail(ErrorCode::parse, "unknown activation '{}' (none, relu, sigmoid, tanh, softmax)", name);
}

std::size_t MlpSpec::parameter_count() const {
  std::size_t n = 0;
  for (const auto& l : layers) n += l.weight.size() + l.bias.size();
  return n;
}

Status validate(const MlpSpec& spec) {
  if (spec.layers.empty()) return fail(ErrorCode::invalid_argument, "network has no layers");
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const DenseLayer& l = spec.layers[i];
    if (l.inputs == 0 || l.outputs == 0)
      return fail(ErrorCode::invalid_argument, "layer {}: empty shape {}x{}", i, l.outputs, l.inputs);
    if (l.weight.size() != l.inputs * l.outputs) {
      return fail(ErrorCode::invalid_argument, "layer {}: weight has {} values, expected {}x{}", i,
                  l.weight.size(), l.outputs, l.inputs);
    }
    if (l.bias.size() != l.outputs) {
      return fail(ErrorCode::invalid_argument, "layer {}: bias has {} values, expected {}", i, l.bias.size(),
                  l.outputs);
    }
    if (i + 1 < spec.layers.size() && spec.layers[i + 1].inputs != l.outputs) {
      return fail(ErrorCode::invalid_argument, "layer {} gives {} outputs but layer {} takes {} inputs", i,
                  l.outputs, i + 1, spec.layers[i + 1].inputs);
    }
    if (l.activation == Activation::softmax && i + 1 != spec.layers.size()) {
      return fail(ErrorCode::invalid_argument, "layer {}: softmax only on the last layer", i);
    }
    const auto finite = [](float v) { return std::isfinite(v); };
    if (!std::all_of(l.weight.begin(), l.weight.end(), finite) ||
        !std::all_of(l.bias.begin(), l.bias.end(), finite)) {
      return fail(ErrorCode::invalid_argument, "layer {}: non-finite parameter", i);
    }
  }
  return {};
}

std::vector<float> reference_forward(const MlpSpec& spec, std::span<const float> x) {
  std::vector<double> in(x.begin(), x.end());
  for (const DenseLayer& l : spec.layers) {
    std::vector<double> out(l.outputs);
    for (std::size_t o = 0; o < l.outputs; ++o) {
      double acc = l.bias[o];
      for (std::size_t i = 0; i < l.inputs; ++i) acc += double(l.weight[o * l.inputs + i]) * in[i];
      out[o] = acc;
    }
    switch (l.activation) {
      case Activation::none:
        break;
      case Activation::relu:
        for (double& v : out) v = std::max(v, 0.0);
        break;
      case Activation::sigmoid:
        for (double& v : out) v = 1.0 / (1.0 + std::exp(-v));
        break;
      case Activation::tanh:
        for (double& v : out) v = std::tanh(v);
        break;
      case Activation::softmax: {
        const double m = *std::max_element(out.begin(), out.end());
        double sum = 0;
        for (double& v : out) sum += (v = std::exp(v - m));
        for (double& v : out) v /= sum;
        break;
      }
    }
    in = std::move(out);
  }
  return {in.begin(), in.end()};
}

}  // namespace vigil::model
