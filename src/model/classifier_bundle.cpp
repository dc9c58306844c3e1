#include "model/classifier_bundle.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/bundle.hpp"
#include "model/feature_schema.hpp"

namespace vigil::model {
namespace {

Status check_labels(const std::vector<std::string>& labels, std::string_view what) {
  if (labels.size() < 2)
    return fail(ErrorCode::invalid_argument, "{}: {} labels, need at least 2", what, labels.size());
  std::set<std::string> seen;
  for (const auto& l : labels) {
    if (l.empty()) return fail(ErrorCode::invalid_argument, "{}: empty label", what);
    if (l == k_classifier_unknown_label) {
      return fail(ErrorCode::invalid_argument, "{}: '{}' is reserved for abstentions", what, l);
    }
    if (!seen.insert(l).second) return fail(ErrorCode::invalid_argument, "{}: label '{}' twice", what, l);
  }
  return {};
}

Status check_threshold(double abstain_threshold, std::string_view what) {
  if (!(abstain_threshold >= 0 && abstain_threshold <= 1)) {
    return fail(ErrorCode::invalid_argument, "{}: abstain threshold {} outside [0, 1]", what,
                abstain_threshold);
  }
  return {};
}

}  // namespace

Result<Bundle> make_classifier_bundle(const MlpSpec& spec, std::string graph, std::vector<std::string> labels,
                                      double abstain_threshold, nlohmann::json training,
                                      nlohmann::json metrics) {
  if (auto ok = validate(spec); !ok) return std::unexpected(ok.error().with_context("classifier"));
  if (spec.input_size() != k_classifier_feature_count) {
    return fail(ErrorCode::invalid_argument, "classifier: {} inputs, feature schema {} has {}",
                spec.input_size(), k_feature_schema_version, k_classifier_feature_count);
  }
  if (spec.layers.back().activation != Activation::softmax) {
    return fail(ErrorCode::invalid_argument,
                "classifier: last layer must be a softmax (class probabilities)");
  }
  if (auto ok = check_labels(labels, "classifier"); !ok) return std::unexpected(ok.error());
  if (labels.size() != spec.output_size()) {
    return fail(ErrorCode::invalid_argument, "classifier: {} labels for {} outputs", labels.size(),
                spec.output_size());
  }
  if (auto ok = check_threshold(abstain_threshold, "classifier"); !ok) return std::unexpected(ok.error());
  if (training.is_null()) training = nlohmann::json::object();
  if (metrics.is_null()) metrics = nlohmann::json::object();
  if (!training.is_object() || !metrics.is_object()) {
    return fail(ErrorCode::invalid_argument, "classifier: training and metrics must be JSON objects");
  }
  // The graph must be this network: its output on a probe input agrees with the reference forward.
  auto onnx = OnnxModel::create(graph, k_classifier_graph_member);
  if (!onnx) return std::unexpected(onnx.error().with_context("classifier"));
  if (onnx->input_size() != spec.input_size() || onnx->output_size() != spec.output_size()) {
    return fail(ErrorCode::invalid_argument, "classifier: graph {} -> {}, network {} -> {}",
                onnx->input_size(), onnx->output_size(), spec.input_size(), spec.output_size());
  }
  {
    const std::vector<float> probe(spec.input_size(), 0.5f);
    std::vector<float> out(spec.output_size());
    if (auto ok = onnx->run(probe, out); !ok) return std::unexpected(ok.error().with_context("classifier"));
    const auto reference = reference_forward(spec, probe);
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (!(std::abs(double(out[i]) - double(reference[i])) <= 1e-4)) {
        return fail(ErrorCode::invalid_argument,
                    "classifier: the graph gives {} for class {}, the network {}", out[i], i, reference[i]);
      }
    }
  }

  Bundle b;
  b.kind = ModelKind::classifier;
  b.feature_schema_version = k_feature_schema_version;
  b.training = std::move(training);
  b.metrics = std::move(metrics);
  b.model_info = {{"graph", k_classifier_graph_member},
                  {"labels", k_classifier_labels_member},
                  {"classes", labels.size()},
                  {"input_size", spec.input_size()},
                  {"abstain_threshold", abstain_threshold},
                  {"unknown_label", k_classifier_unknown_label}};
  b.members.push_back({std::string(k_classifier_graph_member), std::move(graph)});
  b.members.push_back({std::string(k_classifier_labels_member),
                       nlohmann::json{{"type", "class_labels"}, {"version", 1}, {"labels", labels}}.dump(2)});
  return b;
}

ClassifierModel::ClassifierModel(OnnxModel onnx, std::vector<std::string> labels, double abstain_threshold)
    : onnx_(std::move(onnx)),
      labels_(std::move(labels)),
      abstain_threshold_(abstain_threshold),
      probabilities_(labels_.size()) {}

Result<ClassifierModel> ClassifierModel::from_bundle(const Bundle& bundle) {
  if (bundle.kind != ModelKind::classifier) {
    return fail(ErrorCode::invalid_argument, "bundle of kind '{}', expected 'classifier'",
                to_string(bundle.kind));
  }
  const auto inputs = classifier_feature_count(bundle.feature_schema_version);
  if (!inputs) {
    return fail(ErrorCode::invalid_argument,
                "feature schema version {}, this build reads {} to {}: retrain it",
                bundle.feature_schema_version, k_oldest_feature_schema_version, k_feature_schema_version);
  }
  const auto threshold = bundle.model_info.find("abstain_threshold");
  if (threshold == bundle.model_info.end() || !threshold->is_number()) {
    return fail(ErrorCode::parse, "manifest model_info: missing number 'abstain_threshold'");
  }
  if (auto ok = check_threshold(threshold->get<double>(), "manifest model_info"); !ok) {
    return std::unexpected(ok.error());
  }
  auto labels_json = bundle.json_member(k_classifier_labels_member);
  if (!labels_json) return std::unexpected(labels_json.error());
  const auto list = labels_json->is_object() ? labels_json->find("labels") : labels_json->end();
  if (list == labels_json->end() || !list->is_array()) {
    return fail(ErrorCode::parse, "{}: expected an object with an array 'labels'",
                k_classifier_labels_member);
  }
  std::vector<std::string> labels;
  for (const auto& l : *list) {
    if (!l.is_string())
      return fail(ErrorCode::parse, "{}: labels must be strings", k_classifier_labels_member);
    labels.push_back(l.get<std::string>());
  }
  if (auto ok = check_labels(labels, k_classifier_labels_member); !ok) return std::unexpected(ok.error());
  const BundleMember* graph = bundle.find(k_classifier_graph_member);
  if (graph == nullptr)
    return fail(ErrorCode::not_found, "bundle has no member '{}'", k_classifier_graph_member);
  auto onnx = OnnxModel::create(graph->bytes, k_classifier_graph_member);
  if (!onnx) return std::unexpected(onnx.error());
  if (onnx->input_size() != *inputs) {
    return fail(ErrorCode::invalid_argument, "{}: {} inputs, feature schema {} has {}",
                k_classifier_graph_member, onnx->input_size(), bundle.feature_schema_version, *inputs);
  }
  if (onnx->output_size() != labels.size()) {
    return fail(ErrorCode::invalid_argument, "{}: {} outputs for {} labels", k_classifier_graph_member,
                onnx->output_size(), labels.size());
  }
  return ClassifierModel(std::move(*onnx), std::move(labels), threshold->get<double>());
}

Result<Classification> ClassifierModel::classify(std::span<const float> features) {
  if (features.size() != input_size()) {
    return fail(ErrorCode::invalid_argument, "classifier: {} features, expected {}", features.size(),
                input_size());
  }
  for (std::size_t i = 0; i < features.size(); ++i) {
    if (!std::isfinite(features[i])) {
      return fail(ErrorCode::invalid_argument, "classifier: feature {} is not finite", i);
    }
  }
  if (auto ok = onnx_.run(features, probabilities_); !ok) return std::unexpected(ok.error());
  return classification_of(probabilities_, abstain_threshold_, labels_);
}

Classification classification_of(std::span<const float> probabilities, double abstain_threshold,
                                 std::span<const std::string> labels) {
  assert(!probabilities.empty() && probabilities.size() == labels.size());
  const auto top = static_cast<std::size_t>(std::max_element(probabilities.begin(), probabilities.end()) -
                                            probabilities.begin());
  Classification c;
  c.probabilities = probabilities;
  c.top = top;
  c.top_probability = probabilities[top];
  c.abstained = double(c.top_probability) < abstain_threshold;
  c.label = c.abstained ? k_classifier_unknown_label : std::string_view(labels[top]);
  return c;
}

}  // namespace vigil::model
