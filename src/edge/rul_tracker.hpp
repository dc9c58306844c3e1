// Remaining useful life on the edge, for an asset with a RUL bundle (`rul_bundle`, trained on run-to-failure
// lives of its kind: docs/rul.md): every k_rul_snapshot_s of source time one snapshot of the window's
// features (ln RMS and ln kurtosis, or the schema vector, as the bundle's score kind says) taken from the
// window's one analysis; during the asset's baseline (the model's baseline_s) the snapshots are kept, then
// scored against that baseline the way `vigil rul` and the evaluation score a life (model::anomaly_scores),
// and from then on each snapshot as it comes; every score goes through the model's RulEstimator (health
// index, onset, the fleet's conditional life and the degradation law). Without a bundle there is no RUL:
// the fleet law of one kind of machine says nothing of another.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "core/error.hpp"
#include "model/rul.hpp"
#include "model/rul_pipeline.hpp"

namespace vigil::edge {

inline constexpr double k_rul_snapshot_s =
    10;  // the cadence of the PRONOSTIA snapshots the models learn from

class RulTracker {
 public:
  static Result<RulTracker> create(const model::RulModel& model);

  // One window ending at time_s (source time, s) with its time statistics and schema features. Returns the
  // estimate when this window was taken as a snapshot and the baseline is closed; nullopt otherwise (not
  // a snapshot, still in the baseline). Allocates nothing once the baseline has closed.
  Result<std::optional<model::RulEstimate>> add(double time_s, double rms_g, double kurtosis,
                                                std::span<const float> schema);
  bool baseline_closed() const { return closed_; }
  // The estimate's health index (the model's HI >= 1, growing with damage) as the share of life left on the
  // index's scale (model::health_share with the model's prior): the Health/Index metric and Modbus register.
  double health(const model::RulEstimate& estimate) const;

 private:
  RulTracker(const model::RulModel& model, model::RulEstimator estimator)
      : model_(model), estimator_(std::move(estimator)) {}
  Result<std::optional<model::RulEstimate>> close_baseline();
  Result<double> score(const model::RulFeatures& log_features, const model::SchemaFeatures& schema) const;

  model::RulModel model_;
  model::RulEstimator estimator_;
  model::LifeFeatures baseline_;  // snapshots until the baseline closes (then cleared)
  std::optional<model::FeatureBaseline> features_;
  std::optional<model::SchemaBaseline> schema_;
  std::optional<model::RulEstimate> last_;
  double next_snapshot_s_ = -1;
  bool closed_ = false;
};

}  // namespace vigil::edge
