// Learned assessment of a machine, window by window and over a recording: the schema features of each
// window (features.hpp), the per-asset anomaly model's verdict on them (anomaly_bundle.hpp) and the fault
// classifier's (classifier_bundle.hpp), combined the way the edge decides:
//   - normal while the anomaly model does not alarm (it learned this asset's healthy running);
//   - otherwise the classifier names the fault, or answers "unknown" below its abstain threshold;
//   - with no anomaly model, the classifier alone (it knows fault types, not "normal").
// Both models are optional, at least one is required.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/classifier_bundle.hpp"
#include "model/features.hpp"
#include "model/model_rate.hpp"

namespace vigil::model {

struct Bundle;  // model/bundle.hpp

// The windows a bundle's model was trained on: its features are only comparable at this rate and length
// (the envelope resolution is sample_rate_hz / window_len). Read from the manifest's training section
// (sample_rate_hz, window_len); invalid_argument naming the bundle kind when either is missing or bad.
// The shaft speeds of the training windows (speed_rpm_min, speed_rpm_max) when the manifest records them
// (both or neither; 0 < min <= max): the operating range the model has seen.
struct WindowSetup {
  double sample_rate_hz = 0;
  std::size_t window_len = 0;
  double speed_rpm_min = 0;  // 0 and 0: not recorded
  double speed_rpm_max = 0;
};
Result<WindowSetup> window_setup_of(const Bundle& bundle);

// The product's decision on one window, from whichever models it has:
//   normal     the anomaly model does not alarm (it learned this asset's healthy running);
//   fault      the anomaly model alarms (or there is none) and the classifier names a class (`fault_class`,
//              its index in the classifier's labels) with at least its abstain threshold;
//   unknown    the anomaly model alarms (or there is none) and the classifier abstains;
//   abnormal   the anomaly model alarms and there is no classifier.
// With neither model there is no decision (the physics decides alone): kind none.
// The edge, `vigil analyze --models` and the learned evaluation (eval/cwru_learned.hpp) all decide through
// decide_window, so what is evaluated is what runs.
enum class WindowVerdict { none, normal, fault, unknown, abnormal };
std::string_view to_string(WindowVerdict verdict);  // "none", "normal", "fault", "unknown", "abnormal"

struct WindowDecision {
  WindowVerdict verdict = WindowVerdict::none;
  std::size_t fault_class = 0;  // for verdict == fault
};
WindowDecision decide_window(const std::optional<AnomalyScore>& anomaly,
                             const std::optional<Classification>& classification);

// What a classifier of `inputs` inputs reads of the window `extractor` last extracted: the window features
// (`window_features`, what extract() returned) for a classifier of schema version 1, the classifier vector
// (FeatureExtractor::classifier_features) otherwise. The edge and WindowAssessor both feed their classifier
// through this.
std::span<const float> classifier_input(FeatureExtractor& extractor, std::span<const float> window_features,
                                        std::size_t inputs);

// One window's outcome. `classification.probabilities` views the classifier's buffer (valid until the
// next assess()).
struct WindowAssessment {
  std::optional<AnomalyScore> anomaly;
  std::optional<Classification> classification;
  WindowDecision decision;  // decide_window of the two
};

class WindowAssessor {
 public:
  // `features` must match the models' WindowSetup (the caller builds it from window_setup_of); at least
  // one model. invalid_argument otherwise.
  static Result<WindowAssessor> create(const FeatureExtractorConfig& features,
                                       std::optional<AnomalyModel> anomaly,
                                       std::optional<ClassifierModel> classifier);

  // Features of one window (window_len samples in g at speed_rpm), then each model on them. Allocates
  // nothing in steady state: the graphs run through the allocation-free evaluator (onnx_inference.hpp), and
  // an autoencoder copy loads its graph on its first window only. Errors: those of
  // FeatureExtractor::extract and of the models.
  Result<WindowAssessment> assess(std::span<const float> window, double speed_rpm);

  const FeatureExtractorConfig& features() const { return extractor_.config(); }
  const std::optional<AnomalyModel>& anomaly() const { return anomaly_; }
  const std::optional<ClassifierModel>& classifier() const { return classifier_; }

 private:
  WindowAssessor(FeatureExtractor extractor, std::optional<AnomalyModel> anomaly,
                 std::optional<ClassifierModel> classifier)
      : extractor_(std::move(extractor)), anomaly_(std::move(anomaly)), classifier_(std::move(classifier)) {}

  FeatureExtractor extractor_;
  std::optional<AnomalyModel> anomaly_;
  std::optional<ClassifierModel> classifier_;
};

// A recording's verdict from its windows.
//
// Anomaly: the recording is abnormal when at least `alarms_needed` of its n windows alarm, where
// alarms_needed is the smallest k >= 1 with P(Binomial(n, a) >= k) <= a, a = the model's per-window
// false-alarm budget: a healthy recording is called abnormal with probability at most a, whatever its
// length (one stray alarm in a long healthy recording does not trip it; windows are treated as
// independent, which overlapping or strongly correlated windows are not).
//
// Fault type: the classifier's probabilities averaged over the windows that alarmed when the recording is
// abnormal (the windows that carry the fault), over every window otherwise; the label is the top class, or
// "unknown" when its mean probability is below the abstain threshold.
struct RecordingAssessment {
  std::size_t windows = 0;
  // Anomaly model (when present).
  bool has_anomaly = false;
  std::size_t alarms = 0;
  std::size_t alarms_needed = 0;
  bool abnormal = false;
  double median_confidence = 0;  // median over the windows of the calibrated confidence
  double alarm_threshold = 0;    // the model's score threshold
  double false_alarm_rate = 0;   // the model's per-window budget
  // Classifier (when present).
  bool has_classifier = false;
  std::vector<std::string> labels;
  std::vector<double> mean_probabilities;  // per label, over the windows described above
  std::size_t classified_windows = 0;      // how many windows that average covers
  std::string fault;                       // top label, or "unknown"
  double fault_probability = 0;            // mean probability of the top label
  // The combined answer: "normal", a fault label, "unknown" (abnormal, classifier abstains) or "abnormal"
  // (abnormal, no classifier).
  std::string verdict;
  double confidence = 0;  // of the verdict: fault_probability for a fault (and for "unknown" without an
                          // anomaly model), the median anomaly confidence for "abnormal" and "unknown",
                          // 1 - (alarm fraction) for "normal"
};

// Smallest k >= 1 with P(Binomial(n, a) >= k) <= a (n + 1 when even n alarms are not that unlikely, e.g.
// a >= 1). invalid_argument for n == 0 or a outside (0, 1).
Result<std::size_t> alarms_needed(std::size_t windows, double false_alarm_rate);

// Assesses every full window of `samples` (at rate_hz, in g) at speed_rpm: the samples are brought to the
// assessor's rate (at_model_rate, dropping settle_samples after decimation as in training) and cut into
// disjoint windows. invalid_argument when not one full window remains; errors of the steps otherwise,
// prefixed with `name`.
Result<RecordingAssessment> assess_recording(WindowAssessor& assessor, std::span<const float> samples,
                                             double rate_hz, double speed_rpm, std::string_view name,
                                             std::size_t settle_samples = k_default_settle_samples);

}  // namespace vigil::model
