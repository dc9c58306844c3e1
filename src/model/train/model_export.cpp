#include "model/train/model_export.hpp"

#include <fmt/format.h>

#include "model/classifier_bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/train/onnx_export.hpp"

namespace vigil::model::train {

Result<std::string> classifier_graph(const MlpSpec& spec, const std::vector<std::string>& labels) {
  ExportOptions options;
  options.output_name = "probabilities";
  options.graph_name = "vigil_fault_classifier";
  options.doc_string =
      fmt::format("Vigil fault-type classifier: {} schema-v{} features in, class probabilities out",
                  spec.input_size(), k_feature_schema_version);
  std::string joined;
  for (const auto& l : labels) joined += (joined.empty() ? "" : ",") + l;
  options.metadata = {{"labels", joined},
                      {"feature_schema_version", std::to_string(k_feature_schema_version)}};
  auto graph = export_onnx(spec, options);
  if (!graph) return std::unexpected(graph.error().with_context("classifier"));
  return graph;
}

Result<std::string> autoencoder_graph(const MlpSpec& spec) {
  ExportOptions options;
  options.output_name = "reconstruction";
  options.graph_name = "vigil_anomaly_autoencoder";
  options.doc_string = fmt::format(
      "Vigil anomaly autoencoder: {} standardised features in, their reconstruction out; the anomaly score "
      "is the "
      "mean squared reconstruction error divided by the scales of reconstruction.json",
      spec.input_size());
  auto graph = export_onnx(spec, options);
  if (!graph) return std::unexpected(graph.error().with_context("autoencoder"));
  return graph;
}

Result<Bundle> make_classifier_bundle(const MlpSpec& spec, std::vector<std::string> labels,
                                      double abstain_threshold, nlohmann::json training,
                                      nlohmann::json metrics) {
  auto graph = classifier_graph(spec, labels);
  if (!graph) return std::unexpected(graph.error());
  return model::make_classifier_bundle(spec, std::move(*graph), std::move(labels), abstain_threshold,
                                       std::move(training), std::move(metrics));
}

Result<AutoencoderAnomaly> make_autoencoder_anomaly(const MlpSpec& network, std::vector<float> scale) {
  auto graph = autoencoder_graph(network);
  if (!graph) return std::unexpected(graph.error());
  return AutoencoderAnomaly::create(network, std::move(*graph), std::move(scale));
}

}  // namespace vigil::model::train
