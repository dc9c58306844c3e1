// Fault-type classifier as a deployable unit: a dense network (MlpSpec, raw schema features in, class
// probabilities out) exported to ONNX, its class labels and an abstain threshold, packed as a bundle of kind
// classifier (bundle.hpp) and served through OpenCV DNN (onnx_inference.hpp) one feature vector at a time.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"
#include "model/mlp.hpp"
#include "model/onnx_inference.hpp"

namespace vigil::model {

struct Bundle;  // model/bundle.hpp

inline constexpr std::string_view k_classifier_graph_member = "classifier.onnx";
inline constexpr std::string_view k_classifier_labels_member = "labels.json";
inline constexpr std::string_view k_classifier_unknown_label = "unknown";

// The bundle: kind classifier, feature_schema_version = k_feature_schema_version, members classifier.onnx
// (`graph`: the ONNX form of `spec`, input "features" [1, d], output "probabilities" [1, C], made by
// train::classifier_graph; refused when its output on a probe input is not the reference forward's) and
// labels.json
// {"type": "class_labels", "version": 1, "labels": [...]}, model_info {graph, labels, classes, input_size,
// abstain_threshold}. `spec` must take k_classifier_feature_count inputs and end in a softmax over
// labels.size() >= 2 distinct, non-empty labels (none called "unknown"); abstain_threshold in [0, 1].
// training / metrics (objects) go to the manifest as given (null counts as {}).
Result<Bundle> make_classifier_bundle(const MlpSpec& spec, std::string graph, std::vector<std::string> labels,
                                      double abstain_threshold, nlohmann::json training,
                                      nlohmann::json metrics);

// classify() of one window. `probabilities` views the model's buffer: valid until the next classify().
struct Classification {
  std::span<const float> probabilities;  // one per class, in labels() order
  std::size_t top = 0;                   // argmax (first on ties)
  float top_probability = 0;
  bool abstained = false;  // top_probability < abstain_threshold()
  std::string_view label;  // labels()[top], or "unknown" when abstained
};

// The classification a probability vector gives: its argmax (first on ties), and "unknown" when the top
// probability is below abstain_threshold. `probabilities` (one per label, non-empty) is viewed, not copied.
// ClassifierModel::classify and the evaluation of a classifier's network both decide through this.
Classification classification_of(std::span<const float> probabilities, double abstain_threshold,
                                 std::span<const std::string> labels);

class ClassifierModel {
 public:
  // From a bundle of kind classifier built for a feature schema version this build reads (1: the window
  // features, 2: the classifier vector; else invalid_argument); the graph must take that version's
  // classifier_feature_count inputs and give one output per label.
  static Result<ClassifierModel> from_bundle(const Bundle& bundle);

  // Runs the graph on one raw feature vector (input_size() values: the first input_size() values of
  // FeatureExtractor::classifier_features()) through the allocation-free evaluator
  // (OnnxModel::run). Not thread-safe: one ClassifierModel per worker.
  Result<Classification> classify(std::span<const float> features);

  std::size_t input_size() const { return onnx_.input_size(); }
  std::size_t class_count() const { return labels_.size(); }
  const std::vector<std::string>& labels() const { return labels_; }
  double abstain_threshold() const { return abstain_threshold_; }

 private:
  ClassifierModel(OnnxModel onnx, std::vector<std::string> labels, double abstain_threshold);

  OnnxModel onnx_;
  std::vector<std::string> labels_;
  double abstain_threshold_ = 0;
  std::vector<float> probabilities_;
};

}  // namespace vigil::model
