// One asset's decision on every window: one analysis (ISO velocity, envelope, defect evidence) read by both
// the physics rules and the learned features, then anomaly -> fault class -> rule layer -> debounced level
// -> recommended action. The per-window core of the edge agent; allocation-free in steady state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "dsp/defect_evidence.hpp"
#include "edge/alerting.hpp"
#include "edge/config.hpp"
#include "edge/evidence_spectra.hpp"
#include "edge/rul_tracker.hpp"
#include "edge/rules.hpp"
#include "edge/windower.hpp"
#include "model/anomaly_bundle.hpp"
#include "model/classifier_bundle.hpp"
#include "model/features.hpp"

namespace vigil::edge {

// The creation time of each bundle an asset decides with, empty for a kind it has none of ("commissioned"
// for an anomaly model fitted on site whose bundle did not read back).
struct ModelVersions {
  std::string anomaly{};
  std::string classifier{};
  std::string rul{};
  // "anomaly <created>, classifier <created>, rul <created>", the kinds present: the decision log's text.
  std::string text() const;
};

// Per kind (anomaly, classifier, rul), each distinct version among `assets` once, in asset order, joined by
// ", "; empty when no asset has a model of that kind (a node's Models/... version metrics).
std::array<std::string, 3> distinct_versions(const std::vector<ModelVersions>& assets);

// The learned models of an asset, each optional. `state` says why the learned verdict is absent when
// there is none (missing: none configured; failed: a bundle did not load); `problems` lists what went
// wrong, one sentence each, for the log and the hub.
struct AssetModels {
  std::optional<model::AnomalyModel> anomaly;
  std::optional<model::ClassifierModel> classifier;
  std::optional<model::RulModel> rul;  // from the asset's rul_bundle (edge/rul_tracker.hpp)
  ModelState state = ModelState::missing;
  std::vector<std::string> problems;
  ModelVersions versions;
  // The shaft speeds every loaded model was trained at (the overlap of their recorded ranges; 0 and 0 when
  // none records one). A window more than k_speed_margin outside it is decided by physics and ISO alone
  // (model state out_of_range): the models have not seen the machine run there.
  double speed_rpm_min = 0;
  double speed_rpm_max = 0;
};

// How far beyond the trained speed range a model is still used: 10 % (the features are order-normalised,
// but what a speed excites — resonances, load, lubrication — drifts with it).
inline constexpr double k_speed_margin = 0.10;

// Reads the asset's anomaly and classifier bundles. A bundle that does not load, or that was trained on
// windows other than sample_rate_hz x window_len (its features would not be comparable), is left out with
// a problem; the other model is still used. Never fails: with no usable model, physics and ISO decide.
AssetModels load_asset_models(const AssetConfig& asset, double sample_rate_hz, std::size_t window_len);

// Everything one window decided, as plain values (the decision log and the uplink read it).
struct Decision {
  std::uint64_t window_index = 0;
  std::int64_t end_ns = 0;  // source time of the window's last sample
  double speed_rpm = 0;
  double kurtosis = 0;
  WindowFacts facts;
  double anomaly_score = 0;       // the anomaly model's raw score (0 without one)
  double anomaly_confidence = 0;  // its calibrated confidence
  RawAssessment raw;
  AlertLevel level = AlertLevel::normal;           // debounced, what is reported
  AlertLevel previous_level = AlertLevel::normal;  // before this window
  // The fault reported with `level`: the latest fault a window named since the level left normal (a single
  // window that names nothing does not unname it), normal when the level is normal. `reported` is `raw`
  // with that fault and its confidence: what the sentence describes.
  RawAssessment reported;
  Ne107Status ne107 = Ne107Status::normal;
  Recommendation recommendation;
  dsp::DefectFrequencies frequencies;
  std::array<dsp::DefectEvidence, dsp::k_defect_count> evidence{};  // strongest first

  // Remaining useful life, for an asset with a RUL bundle once its RUL baseline has closed (else
  // nullopt): the estimate of the latest snapshot, hours. Only a degradation-based estimate (an onset
  // found) reaches the rules (facts.rul_low_h); the fleet's statement is reported, not acted on.
  std::optional<model::RulEstimate> rul;
  double health = 1;  // with rul: RulTracker::health of it, 1 healthy .. 0 at the failure level
  // The window's spectra, on a rise to warning or alarm and when a host asked for them (else null): made on
  // those events only, shared (not copied) by whoever records the decision.
  std::shared_ptr<const EvidenceSpectra> spectra;

  bool level_changed() const { return level != previous_level; }
  // The level or the reported fault differs from the previous window's: report by exception.
  bool report_changed = false;
};

// Window length of a channel: window_s x rate, rounded to an even number of samples.
std::size_t window_len_of(const ChannelConfig& channel);

class AssetMonitor {
 public:
  // For windows of `channel` (rate, window_s) on `asset`, under `policy`, with the given models. FFT plans
  // are measured (FFTW_MEASURE: seconds once per window length, then the fastest plan for every window);
  // `estimate` plans at once, for short-lived uses.
  static Result<AssetMonitor> create(const AssetConfig& asset, const ChannelConfig& channel,
                                     const PolicyConfig& policy, AssetModels models,
                                     dsp::PlanEffort effort = dsp::PlanEffort::measure);

  // Decides on one window at shaft speed speed_rpm (<= the asset's max_speed_rpm). The decision points into
  // this monitor and is valid until the next call. Allocates nothing once the models are warm (an autoencoder
  // loads its graph on its first window). Errors: a window of the wrong length, a speed out of range,
  // non-finite samples; a model that fails on a window is not an error: the window is decided by physics
  // (state failed).
  Result<const Decision*> process(const Window& window, double speed_rpm);

  // The learned features of the last processed window (commissioning records them).
  std::span<const float> features() const { return features_; }
  // Swaps the models (after commissioning or a reload); the debounced level and its history are kept.
  void replace_models(AssetModels models);
  const AssetModels& models() const { return models_; }
  // While set, the asset's measurement is not to be trusted or is being commissioned: reported as NE 107
  // Check function below alarm.
  void set_check_function(bool on) { check_function_ = on; }
  // Forgets the alert history (after a repair).
  void reset_alerts();
  // The next window's decision carries its spectra (a host's request).
  void request_evidence() { evidence_requested_ = true; }
  const AssetConfig& asset() const { return asset_; }

 private:
  AssetMonitor(AssetConfig asset, PolicyConfig policy, model::FeatureExtractor extractor,
               AlertDebouncer debouncer, AssetModels models)
      : asset_(std::move(asset)),
        policy_(policy),
        extractor_(std::move(extractor)),
        debouncer_(debouncer),
        models_(std::move(models)),
        fault_holder_(policy.debounce.clear_windows) {}

  AssetConfig asset_;
  PolicyConfig policy_;
  model::FeatureExtractor extractor_;
  AlertDebouncer debouncer_;
  AssetModels models_;
  bool check_function_ = false;
  bool evidence_requested_ = false;
  std::optional<RulTracker> rul_;  // kept across model swaps: a changed RUL bundle applies at the next start
  std::span<const float> features_;
  Decision decision_;
  FaultHolder fault_holder_;
  FaultHolder::Named reported_;
};

}  // namespace vigil::edge
