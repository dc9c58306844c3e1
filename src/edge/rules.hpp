// The edge's rule layer: what one window says about an asset (ISO severity, the physics verdict, the
// learned models when they can be trusted, the remaining life) turned into a raw alert level, the named
// fault, the rule that decided, and a recommended action with a deadline. Physics and ISO always run; the
// learned models only add to them, and when a model is missing, failed to load, is outside its training
// range or abstains, physics and ISO decide alone (docs/edge-decisions.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "diag/diagnosis.hpp"
#include "diag/iso_severity.hpp"
#include "edge/alerting.hpp"
#include "model/assessment.hpp"

namespace vigil::edge {

// Why the learned models did or did not take part in a window's decision.
enum class ModelState : std::uint8_t {
  ok,            // a learned verdict is part of the decision
  missing,       // the asset has no model (none configured, or still commissioning)
  failed,        // the bundle did not load, or scoring failed on this window
  out_of_range,  // the window's features lie outside what the model was trained on (drift)
  abstained,     // the anomaly model alarmed and the classifier could not name the fault
};
std::string_view to_string(ModelState state);  // "ok", "missing", "failed", "out_of_range", "abstained"

// What one window says. Plain values: filling and judging it allocates nothing.
struct WindowFacts {
  double velocity_rms_mm_s = 0;
  diag::IsoZone iso_zone = diag::IsoZone::A;
  // diag::judge on this window's defect evidence.
  diag::Verdict physics = diag::Verdict::normal;
  double physics_confidence = 0;  // [0, 1]
  // model::decide_window's verdict when model_state is ok; ignored otherwise.
  ModelState model_state = ModelState::missing;
  model::WindowVerdict learned = model::WindowVerdict::none;
  diag::Verdict learned_fault = diag::Verdict::unknown;  // for learned == fault
  double learned_probability = 0;                        // of learned_fault
  // Lower bound of the remaining-life interval (hours), when a degradation is being tracked.
  std::optional<double> rul_low_h;
};

// The rule that set a window's level (the first in this order among those reaching the level).
enum class Cause : std::uint8_t {
  none,             // nothing abnormal
  rul,              // remaining life below the policy's horizon
  iso_zone,         // velocity RMS in ISO zone C (warning) or D (alarm)
  physics_defect,   // a defect-frequency pattern in the envelope spectrum
  learned_fault,    // the anomaly model alarms and the classifier names the fault
  learned_anomaly,  // the anomaly model alarms; no fault named
};
std::string_view to_string(Cause cause);

struct RuleConfig {
  // A physics verdict below min_physics_confidence is noise of a single window and ignored: at the default
  // 6 dB detection threshold, 0.3 is a mean harmonic SNR of about 9.5 dB (diag::judge). Healthy simulated
  // windows reach at most 0.22, windows of a simulated 1 g outer-race defect at least 0.97
  // (tests/edge/asset_monitor_test.cpp). From min_physics_confidence a watch, from
  // strong_physics_confidence a warning.
  double min_physics_confidence = 0.3;
  double strong_physics_confidence = 0.6;
  // Remaining-life horizons (lower bound of the interval, hours): below warning_rul_h a warning, below
  // alarm_rul_h an alarm.
  double warning_rul_h = 168;
  double alarm_rul_h = 24;
};
Status validate(const RuleConfig& config);

struct RawAssessment {
  AlertLevel level = AlertLevel::normal;
  Cause cause = Cause::none;
  // The fault the decision names: the physics verdict when physics names a defect (it shows its evidence
  // and generalises across bearings), else the learned class, else normal / unknown.
  diag::Verdict fault = diag::Verdict::normal;
  double confidence = 0;     // of `fault` (physics confidence or learned probability); 0 when none is named
  bool physics_only = true;  // the learned models took no part (model_state != ok)
};

// Rules, highest level wins:
//   alarm    rul_low_h < alarm_rul_h; ISO zone D
//   warning  rul_low_h < warning_rul_h; ISO zone C; physics defect with confidence >= strong;
//            learned verdict fault
//   watch    physics defect with confidence in [min, strong); learned verdict unknown or abnormal
//   normal   otherwise
RawAssessment assess_window(const WindowFacts& facts, const RuleConfig& config);

// What a planner should do and by when.
struct ActionPolicy {
  double watch_deadline_h = 336;  // 14 days: review the trend at the next route
  double warning_deadline_h = 72;
  double alarm_deadline_h = 24;
};
Status validate(const ActionPolicy& policy);

struct Recommendation {
  std::string_view action;  // "none", "review trend", "inspect", "plan stop and replace"
  // Hours from the decision; the level's deadline, tightened to the remaining-life lower bound when that is
  // sooner (the latest safe maintenance time). nullopt for normal.
  std::optional<double> deadline_h;
};
Recommendation recommend(AlertLevel level, std::optional<double> rul_low_h, const ActionPolicy& policy);

// The sentence a planner reads, e.g. "drive-end bearing, outer-race defect, 73 %, inspect within 72 h" or
// "fan bearing, ISO zone C (5.2 mm/s), inspect within 72 h". `location` names the measurement point.
// Allocates (built when the reported level or fault changes, not per window).
std::string describe(std::string_view location, const WindowFacts& facts, const RawAssessment& assessment,
                     AlertLevel level, const Recommendation& recommendation);

}  // namespace vigil::edge
