// The one verdict of a window or a recording: what the physics and the learned models say, combined by one
// stated rule (docs/learned-evaluation.md, "One verdict"). The edge's rule layer, `vigil analyze --models`
// and the learned evaluation all name the fault through one_verdict, so the decision evaluated is the one
// the product makes.
//
// The rule, in order:
//   1. physics names a cage-rate (FTF) series and the learned models name a ball: ball (a damaged ball
//      enters the load zone once per cage revolution, so its impacts repeat at FTF; physics alone cannot
//      tell the two apart, docs/diagnosis.md);
//   2. physics names a defect with at least strong_physics_confidence: physics (a pattern that warns on its
//      own, with lines at the defect's kinematic frequencies; it needs no training data, so it holds on
//      bearings and defects no model has seen);
//   3. the learned models name a fault: learned (they fill in where the lines are too weak for physics);
//   4. physics names a defect with at least min_physics_confidence: physics;
//   5. otherwise nothing is named.
// The thresholds are the edge's (edge::RuleConfig), fixed before any learned model was evaluated. The
// learned answer can only replace a physics answer that is weaker than strong_physics_confidence, i.e. one
// that would not raise a warning by itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "diag/diagnosis.hpp"

namespace vigil::model {

struct VerdictRule {
  double min_physics_confidence = 0.3;     // a physics verdict below this is ignored
  double strong_physics_confidence = 0.6;  // a physics verdict at or above this is not overruled
};

enum class VerdictSource : std::uint8_t { physics, learned };
std::string_view to_string(VerdictSource source);  // "physics", "learned"

struct NamedFault {
  diag::Verdict fault = diag::Verdict::unknown;  // inner_race, outer_race, ball or cage
  double confidence = 0;                         // of the source that named it, in [0, 1]
  VerdictSource source = VerdictSource::physics;
};

// `physics`: the physics verdict and its confidence; `learned`: the fault the learned models name (a fault
// verdict of model::decide_window, as a diag::Verdict) or nullopt when they name none (no model, normal,
// abstained, anomaly without a classifier), with its probability. nullopt when neither names a defect
// (rule 5); normal and unknown are never named.
std::optional<NamedFault> one_verdict(diag::Verdict physics, double physics_confidence,
                                      std::optional<diag::Verdict> learned, double learned_probability,
                                      const VerdictRule& rule = {});

}  // namespace vigil::model
