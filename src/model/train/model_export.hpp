// Trained networks into the runtime's forms: the ONNX graphs a bundle carries (export_onnx with the names and
// metadata the runtime expects), and the classifier bundle / autoencoder detector built from them. The
// runtime (vigil_model) reads and checks graphs but never builds one, so it does not link libonnx.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/bundle.hpp"
#include "model/mlp.hpp"

namespace vigil::model::train {

// The fault classifier's graph: input "features" [1, d], output "probabilities" [1, C]; the labels and the
// feature schema version in the model's metadata.
Result<std::string> classifier_graph(const MlpSpec& spec, const std::vector<std::string>& labels);

// The anomaly autoencoder's graph: input "features" [1, d], output "reconstruction" [1, d].
Result<std::string> autoencoder_graph(const MlpSpec& spec);

// model::make_classifier_bundle of `spec` with its classifier_graph.
Result<Bundle> make_classifier_bundle(const MlpSpec& spec, std::vector<std::string> labels,
                                      double abstain_threshold, nlohmann::json training,
                                      nlohmann::json metrics = nlohmann::json::object());

// model::AutoencoderAnomaly::create of `network` with its autoencoder_graph.
Result<AutoencoderAnomaly> make_autoencoder_anomaly(const MlpSpec& network, std::vector<float> scale);

}  // namespace vigil::model::train
