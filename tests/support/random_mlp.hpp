// Seeded random dense networks for the model tests (exporter, inference, bundles): weights drawn
// N(0, 1/fan_in) so activations stay in a sensible range, biases at a tenth of that.
#pragma once

#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "model/mlp.hpp"

namespace vigil::test {

inline model::MlpSpec random_mlp(const std::vector<std::size_t>& widths,
                                 const std::vector<model::Activation>& activations, unsigned seed) {
  std::mt19937 rng(seed);
  model::MlpSpec spec;
  for (std::size_t i = 0; i + 1 < widths.size(); ++i) {
    model::DenseLayer l;
    l.inputs = widths[i];
    l.outputs = widths[i + 1];
    std::normal_distribution<float> w(0.0f, 1.0f / std::sqrt(static_cast<float>(l.inputs)));
    for (std::size_t k = 0; k < l.inputs * l.outputs; ++k) l.weight.push_back(w(rng));
    for (std::size_t k = 0; k < l.outputs; ++k) l.bias.push_back(0.1f * w(rng));
    l.activation = activations[i];
    spec.layers.push_back(std::move(l));
  }
  return spec;
}

}  // namespace vigil::test
