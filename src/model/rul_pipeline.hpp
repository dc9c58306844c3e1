// The remaining-useful-life pipeline end to end, shared by `vigil train rul`, `vigil rul`, `vigil eval femto
// --rul` and the FEMTO data tests, so that there is one implementation: per-snapshot features -> anomaly
// score against the asset's own baseline -> health index and onset (health_index.hpp) -> Bayesian RUL
// (rul.hpp); the learned prior and configs packed as a model bundle (bundle.hpp, kind rul). No file reading
// and no evaluation here: callers pass sample spans; the FEMTO reader and the leave-one-bearing-out
// evaluation are in vigil_eval (eval/rul_evaluation.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "diag/health_indicators.hpp"
#include "dsp/bearing.hpp"
#include "model/bundle.hpp"
#include "model/feature_schema.hpp"
#include "model/features.hpp"
#include "model/gaussian_anomaly.hpp"
#include "model/health_index.hpp"
#include "model/rul.hpp"
#include "model/scaler.hpp"

namespace vigil::model {

// Two per-snapshot anomaly scores, both a squared distance from the asset's own baseline (the
// HealthMonitor's: snapshots while t - t_0 <= baseline_s or fewer than baseline_min_snapshots, at most
// max_baseline_snapshots), chosen by RulScoreKind. docs/rul.md compares them on the FEMTO learning set.
//
// log_rms_kurtosis: a diagonal Mahalanobis T^2 on two log features of one channel,
//     x = (ln RMS_g, ln kurtosis)                     diag::HealthIndicatorExtractor on the snapshot
//     c_j = median of x_j over the baseline,  sigma_j = max(sqrt(pi/2) mean|x_j - c_j|, sigma_floor)
//     score = sum_j ((x_j - c_j) / sigma_j)^2
// sqrt(pi/2) = 1.2533 turns a mean absolute deviation into the Gaussian sigma (E|X - mu| = sigma
// sqrt(2/pi)); the median and MAD resist the odd run-in spike. The floor (5 % in the log, i.e. a
// relative spread of 5 %) keeps a very steady baseline from turning harmless drift into alarms. Both
// features are scale-free (a log shifts by a constant under a sensor-gain error, which the centre
// absorbs) and need no knowledge of the bearing.
//
// schema_t2: the per-asset anomaly model of the learned-models work on the whole versioned feature
// vector (feature_schema.hpp, k_feature_count = 28 features, FeatureExtractor): a robust Scaler (median,
// 1.4826 MAD) and a GaussianAnomaly with Ledoit-Wolf shrinkage fitted on the baseline snapshots, score =
// Hotelling T^2 of the standardised vector. No constant is set for it: the shrinkage intensity is
// estimated, and the schema is taken whole (no feature chosen by its result on any bearing).
// Baseline snapshots are scored leave-one-out: snapshot i of the baseline by the scaler and detector
// fitted on the other n_b - 1. An in-sample T^2 is biased low, by a lot when n_b is not much larger than
// d (for the plain sample covariance the in-sample scores sum to exactly n_b d; a future healthy
// observation has E[T^2] = d (n_b + 1)(n_b - 1) / (n_b (n_b - d - 2)), Tracy, Young & Mason 1992,
// J. Quality Technology 24(2)); the HealthMonitor sets the alarm level from the baseline scores, so they
// must be the scores that healthy snapshots *not* in the fit get. Leave-one-out gives exactly that, for
// any shrinkage and scaler, at the cost of n_b small refits. Needs n_b >= 3.
enum class RulScoreKind {
  log_rms_kurtosis,
  schema_t2,
};
inline constexpr std::array<RulScoreKind, 2> k_rul_score_kinds{RulScoreKind::log_rms_kurtosis,
                                                               RulScoreKind::schema_t2};
std::string_view to_string(RulScoreKind kind);  // "log_rms_kurtosis", "schema_t2"
// invalid_argument listing the known kinds.
Result<RulScoreKind> parse_rul_score_kind(std::string_view name);

// Version of what a rul bundle's members mean (the bundle's feature_schema_version). 3: the onset rule in
// seconds (persistence_s, design_s), the fleet life law (fleet.json) and the point quantile; 2 named the
// score kind. Older bundles are refused with a request to retrain.
inline constexpr std::uint32_t k_rul_score_version = 3;
inline constexpr std::size_t k_rul_feature_count = 2;
using RulFeatures = std::array<double, k_rul_feature_count>;  // {ln RMS_g, ln kurtosis}
using SchemaFeatures = std::array<float, k_feature_count>;    // feature_schema.hpp order

struct RulScoreConfig {
  RulScoreKind kind = RulScoreKind::log_rms_kurtosis;  // the default: docs/rul.md section 5 says why
  std::string channel = "horizontal";  // the channel scored (PRONOSTIA: horizontal, see docs/rul.md)
  double feature_sigma_floor = 0.05;   // > 0, in the log (log_rms_kurtosis)
  double high_band_low_hz = 5000;      // extractor setting (not used by the two features; kept for identity)
};
// invalid_argument naming the field.
Status validate(const RulScoreConfig& config);

// Both feature sets of one snapshot.
struct SnapshotFeatures {
  RulFeatures log_features{};  // {ln RMS_g, ln kurtosis}
  SchemaFeatures schema{};     // FeatureExtractor's vector
};

// Features of one snapshot: wraps diag::HealthIndicatorExtractor and model::FeatureExtractor (plans and
// buffers preallocated, FFTW_ESTIMATE plans: a few hundred snapshots per run).
class SnapshotFeatureExtractor {
 public:
  static Result<SnapshotFeatureExtractor> create(double sample_rate_hz, std::size_t window_len,
                                                 const dsp::BearingGeometry& bearing, double max_speed_rpm,
                                                 const RulScoreConfig& config = {});
  // window_len samples in g at speed_rpm (> 0, <= max_speed_rpm). invalid_argument when the snapshot is
  // wrong or its RMS or kurtosis is not positive (a dead channel). Allocates nothing.
  Result<SnapshotFeatures> compute(std::span<const float> window_g, double speed_rpm);

 private:
  SnapshotFeatureExtractor(diag::HealthIndicatorExtractor indicators, FeatureExtractor schema)
      : indicators_(std::move(indicators)), schema_(std::move(schema)) {}
  diag::HealthIndicatorExtractor indicators_;
  FeatureExtractor schema_;
};

// One asset's snapshots so far (a run to failure when used for training: its last snapshot is the end).
// Carries what every score kind needs, so one read serves both.
struct LifeFeatures {
  std::string name;
  std::vector<double> time_s;               // strictly increasing
  std::vector<RulFeatures> features;        // same length (log_rms_kurtosis)
  std::vector<SchemaFeatures> schema = {};  // same length (schema_t2; may be empty for the other kind)
};

// Number of baseline snapshots of a life (the HealthMonitor's rule above; all of them when the life is
// shorter than the baseline). time_s as in LifeFeatures.
std::size_t baseline_snapshot_count(std::span<const double> time_s, const HealthIndexConfig& health);

// log_rms_kurtosis: centre and sigma of each feature over the baseline (see above).
struct FeatureBaseline {
  std::size_t count = 0;
  RulFeatures centre{};
  RulFeatures sigma{};
};

// Baseline of a life. A life shorter than the baseline uses all its snapshots (the HealthMonitor has not
// closed its baseline then, so those scores only decide nothing yet). invalid_argument for an empty or
// malformed life (lengths differ, times not increasing, non-finite features) or a bad config.
Result<FeatureBaseline> feature_baseline(const LifeFeatures& life, const HealthIndexConfig& health,
                                         const RulScoreConfig& score);

// schema_t2: the scaler and detector fitted on all baseline snapshots (the ones that score every later
// snapshot). invalid_argument for a malformed life (no or mismatched schema vectors too), fewer than 3
// baseline snapshots, or what Scaler / GaussianAnomaly refuse (e.g. every feature constant).
struct SchemaBaseline {
  std::size_t count = 0;
  Scaler scaler;
  GaussianAnomaly detector;
};
Result<SchemaBaseline> schema_baseline(const LifeFeatures& life, const HealthIndexConfig& health);

// The score of every snapshot of the life with score.kind (same errors as feature_baseline /
// schema_baseline).
Result<std::vector<double>> anomaly_scores(const LifeFeatures& life, const HealthIndexConfig& health,
                                           const RulScoreConfig& score);

// Everything `vigil rul` needs besides the snapshots.
struct RulModel {
  DegradationPrior prior;
  FleetLife fleet;   // the training lives' law (fleet_life.hpp)
  RulConfig config;  // health index / onset config, interval probability, point quantile, horizon
  RulScoreConfig score;
};
Status validate(const RulModel& model);

// A life fit for score `kind`: snapshots present, times finite and increasing, one finite feature vector (and
// one schema vector for schema_t2) per snapshot. invalid_argument naming the life otherwise.
Status validate(const LifeFeatures& life, RulScoreKind kind);

// The bundle of a model: kind rul, feature_schema_version = k_rul_score_version, members prior.json,
// fleet.json, health_index.json, score.json (JSON objects, every field named; score.json holds the kind
// and its feature names), model_info {interval_probability, fleet_point_quantile, degradation_point_quantile,
// horizon_s}. `training` (e.g. {bearings, snapshots}) goes
// to the manifest as given.
Result<Bundle> make_rul_bundle(const RulModel& model, nlohmann::json training);
// The model back from a bundle. parse errors name the member and field (an unknown kind, features that
// are not the kind's, a feature schema version other than this build's); the result is validated.
Result<RulModel> rul_model_from_bundle(const Bundle& bundle);

// JSON forms used by the bundle members (field names = struct member names).
nlohmann::json to_json(const DegradationPrior& prior);
nlohmann::json to_json(const FleetLife& fleet);
nlohmann::json to_json(const HealthIndexConfig& config);
nlohmann::json to_json(const RulScoreConfig& config);

// The estimate after the snapshots of `life` with time_s <= up_to_s (all by default), replayed through a
// RulEstimator. Before any snapshot: not_found.
struct RulReplay {
  RulEstimate estimate;                                          // at the last snapshot used
  std::size_t snapshots = 0;                                     // snapshots used
  double detected_s = std::numeric_limits<double>::quiet_NaN();  // time of the alarm (NaN: none yet)
};
Result<RulReplay> replay_rul(const RulModel& model, const LifeFeatures& life,
                             double up_to_s = std::numeric_limits<double>::infinity());

// One sentence for an operator, e.g. "bearing degradation detected at 12,340 s; remaining useful life
// 2,100 s (90 % interval 800–4,500 s): plan replacement within 35 min", or, before an onset, what the fleet
// says about a bearing of this age. `what` names the asset kind.
std::string rul_sentence(const RulReplay& replay, double interval_probability,
                         std::string_view what = "bearing");

}  // namespace vigil::model
