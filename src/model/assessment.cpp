#include "model/assessment.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "model/bundle.hpp"

namespace vigil::model {

Result<WindowSetup> window_setup_of(const Bundle& bundle) {
  const auto kind = to_string(bundle.kind);
  const auto& t = bundle.training;
  if (!t.is_object() || !t.contains("sample_rate_hz") || !t.contains("window_len") ||
      !t.at("sample_rate_hz").is_number() || !t.at("window_len").is_number_integer()) {
    return fail(ErrorCode::invalid_argument,
                "{} bundle: manifest training section lacks sample_rate_hz / window_len (the windows its "
                "features were computed on)",
                kind);
  }
  const double rate_hz = t.at("sample_rate_hz").get<double>();
  const auto window_len = t.at("window_len").get<std::int64_t>();
  if (!(rate_hz > 0) || window_len < 256) {
    return fail(ErrorCode::invalid_argument,
                "{} bundle: training sample_rate_hz {} / window_len {} out of range", kind, rate_hz,
                window_len);
  }
  WindowSetup setup{.sample_rate_hz = rate_hz, .window_len = static_cast<std::size_t>(window_len)};
  if (t.contains("speed_rpm_min") || t.contains("speed_rpm_max")) {
    const bool numbers = t.contains("speed_rpm_min") && t.contains("speed_rpm_max") &&
                         t.at("speed_rpm_min").is_number() && t.at("speed_rpm_max").is_number();
    if (numbers) {
      setup.speed_rpm_min = t.at("speed_rpm_min").get<double>();
      setup.speed_rpm_max = t.at("speed_rpm_max").get<double>();
    }
    if (!numbers || !(setup.speed_rpm_min > 0) || !(setup.speed_rpm_max >= setup.speed_rpm_min)) {
      return fail(
          ErrorCode::invalid_argument,
          "{} bundle: training speed_rpm_min / speed_rpm_max must both be numbers with 0 < min <= max", kind);
    }
  }
  return setup;
}

std::span<const float> classifier_input(FeatureExtractor& extractor, std::span<const float> window_features,
                                        std::size_t inputs) {
  if (inputs == window_features.size()) return window_features;
  return extractor.classifier_features().first(std::min(inputs, k_classifier_feature_count));
}

Result<WindowAssessor> WindowAssessor::create(const FeatureExtractorConfig& features,
                                              std::optional<AnomalyModel> anomaly,
                                              std::optional<ClassifierModel> classifier) {
  if (!anomaly && !classifier) {
    return fail(ErrorCode::invalid_argument, "assessment: needs an anomaly model, a classifier or both");
  }
  if (anomaly && anomaly->dimension() != k_feature_count) {
    return fail(ErrorCode::invalid_argument, "assessment: anomaly model takes {} features, the schema has {}",
                anomaly->dimension(), k_feature_count);
  }
  if (classifier && classifier->input_size() != k_feature_count &&
      classifier->input_size() != k_classifier_feature_count) {
    return fail(
        ErrorCode::invalid_argument,
        "assessment: classifier takes {} features, the schema's classifier vector has {} (version 1: {})",
        classifier->input_size(), k_classifier_feature_count, k_feature_count);
  }
  auto extractor = FeatureExtractor::create(features);
  if (!extractor) return std::unexpected(extractor.error());
  return WindowAssessor(std::move(*extractor), std::move(anomaly), std::move(classifier));
}

Result<WindowAssessment> WindowAssessor::assess(std::span<const float> window, double speed_rpm) {
  auto features = extractor_.extract(window, speed_rpm);
  if (!features) return std::unexpected(features.error());
  WindowAssessment out;
  if (anomaly_) {
    auto score = anomaly_->score(*features);
    if (!score) return std::unexpected(score.error());
    out.anomaly = *score;
  }
  if (classifier_) {
    auto c = classifier_->classify(classifier_input(extractor_, *features, classifier_->input_size()));
    if (!c) return std::unexpected(c.error());
    out.classification = *c;
  }
  out.decision = decide_window(out.anomaly, out.classification);
  return out;
}

std::string_view to_string(WindowVerdict verdict) {
  switch (verdict) {
    case WindowVerdict::none:
      return "none";
    case WindowVerdict::normal:
      return "normal";
    case WindowVerdict::fault:
      return "fault";
    case WindowVerdict::unknown:
      return "unknown";
    case WindowVerdict::abnormal:
      return "abnormal";
  }
  return "?";
}

WindowDecision decide_window(const std::optional<AnomalyScore>& anomaly,
                             const std::optional<Classification>& classification) {
  if (anomaly && !anomaly->alarm) return {WindowVerdict::normal, 0};
  if (!classification) return {anomaly ? WindowVerdict::abnormal : WindowVerdict::none, 0};
  if (classification->abstained) return {WindowVerdict::unknown, 0};
  return {WindowVerdict::fault, classification->top};
}

Result<std::size_t> alarms_needed(std::size_t windows, double false_alarm_rate) {
  const double a = false_alarm_rate;
  if (windows == 0 || !(a > 0 && a < 1)) {
    return fail(ErrorCode::invalid_argument,
                "alarms_needed: need windows > 0 and a rate in (0, 1), got {} and {}", windows, a);
  }
  // pmf(j) = C(n, j) a^j (1 - a)^(n - j) through logarithms; tail(k) = sum_{j >= k} pmf(j), summed from the
  // smallest terms up so that tails far below 1 keep their precision (1 - cdf would cancel).
  const auto n = double(windows);
  std::vector<double> pmf(windows + 1);
  for (std::size_t j = 0; j <= windows; ++j) {
    const auto jd = double(j);
    pmf[j] = std::exp(std::lgamma(n + 1) - std::lgamma(jd + 1) - std::lgamma(n - jd + 1) + jd * std::log(a) +
                      (n - jd) * std::log1p(-a));
  }
  double tail = 0;
  std::size_t needed = windows + 1;
  for (std::size_t k = windows; k >= 1; --k) {
    tail += pmf[k];
    if (tail > a * (1 + 1e-12)) break;  // relative slack: the log-space pmf is exact to a few ulp
    needed = k;
  }
  return needed;
}

Result<RecordingAssessment> assess_recording(WindowAssessor& assessor, std::span<const float> samples,
                                             double rate_hz, double speed_rpm, std::string_view name,
                                             std::size_t settle_samples) {
  const auto& fc = assessor.features();
  auto x = at_model_rate(samples, rate_hz, fc.sample_rate_hz, settle_samples, name);
  if (!x) return std::unexpected(x.error());
  const std::size_t n = x->size() / fc.window_len;
  if (n == 0) {
    return fail(ErrorCode::invalid_argument,
                "{}: {} samples at {} Hz, shorter than one {}-sample model window", name, x->size(),
                fc.sample_rate_hz, fc.window_len);
  }

  RecordingAssessment out;
  out.windows = n;
  std::vector<double> confidences;
  std::vector<bool> alarmed(n, false);
  std::vector<std::vector<float>> probabilities;  // per window, when a classifier is present
  for (std::size_t w = 0; w < n; ++w) {
    auto a = assessor.assess(std::span<const float>(*x).subspan(w * fc.window_len, fc.window_len), speed_rpm);
    if (!a) return std::unexpected(a.error().with_context(fmt::format("{}: window {}", name, w)));
    if (a->anomaly) {
      confidences.push_back(a->anomaly->confidence);
      alarmed[w] = a->anomaly->alarm;
      out.alarms += a->anomaly->alarm ? 1 : 0;
    }
    if (a->classification) {
      probabilities.emplace_back(a->classification->probabilities.begin(),
                                 a->classification->probabilities.end());
    }
  }

  if (const auto& anomaly = assessor.anomaly()) {
    out.has_anomaly = true;
    out.alarm_threshold = anomaly->threshold();
    out.false_alarm_rate = anomaly->false_alarm_rate();
    auto needed = alarms_needed(n, out.false_alarm_rate);
    if (!needed) return std::unexpected(needed.error());
    out.alarms_needed = *needed;
    out.abnormal = out.alarms >= out.alarms_needed;
    std::sort(confidences.begin(), confidences.end());
    const std::size_t m = confidences.size();
    out.median_confidence =
        m % 2 == 1 ? confidences[m / 2] : 0.5 * (confidences[m / 2 - 1] + confidences[m / 2]);
  }

  if (const auto& classifier = assessor.classifier()) {
    out.has_classifier = true;
    out.labels = classifier->labels();
    out.mean_probabilities.assign(out.labels.size(), 0.0);
    for (std::size_t w = 0; w < n; ++w) {
      if (out.abnormal && !alarmed[w]) continue;
      for (std::size_t c = 0; c < out.labels.size(); ++c) out.mean_probabilities[c] += probabilities[w][c];
      ++out.classified_windows;
    }
    for (auto& p : out.mean_probabilities) p /= double(out.classified_windows);
    const auto top =
        std::size_t(std::max_element(out.mean_probabilities.begin(), out.mean_probabilities.end()) -
                    out.mean_probabilities.begin());
    out.fault_probability = out.mean_probabilities[top];
    out.fault = out.fault_probability < classifier->abstain_threshold()
                    ? std::string(k_classifier_unknown_label)
                    : out.labels[top];
  }

  if (out.has_anomaly && !out.abnormal) {
    out.verdict = "normal";
    out.confidence = 1.0 - double(out.alarms) / double(n);
  } else if (out.has_classifier) {
    out.verdict = out.fault;
    out.confidence = out.has_anomaly && out.fault == k_classifier_unknown_label ? out.median_confidence
                                                                                : out.fault_probability;
  } else {
    out.verdict = "abnormal";
    out.confidence = out.median_confidence;
  }
  return out;
}

}  // namespace vigil::model
