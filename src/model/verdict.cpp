#include "model/verdict.hpp"

#include <algorithm>

namespace vigil::model {
namespace {

bool is_defect(diag::Verdict v) { return v != diag::Verdict::normal && v != diag::Verdict::unknown; }

}  // namespace

std::string_view to_string(VerdictSource source) {
  return source == VerdictSource::physics ? "physics" : "learned";
}

std::optional<NamedFault> one_verdict(diag::Verdict physics, double physics_confidence,
                                      std::optional<diag::Verdict> learned, double learned_probability,
                                      const VerdictRule& rule) {
  const bool physics_names = is_defect(physics) && physics_confidence >= rule.min_physics_confidence;
  const bool learned_names = learned && is_defect(*learned);
  const NamedFault from_physics{physics, std::clamp(physics_confidence, 0.0, 1.0), VerdictSource::physics};
  const NamedFault from_learned{learned_names ? *learned : diag::Verdict::unknown,
                                std::clamp(learned_probability, 0.0, 1.0), VerdictSource::learned};
  if (physics_names && physics == diag::Verdict::cage && learned_names && *learned == diag::Verdict::ball) {
    return from_learned;
  }
  if (physics_names && physics_confidence >= rule.strong_physics_confidence) return from_physics;
  if (learned_names) return from_learned;
  if (physics_names) return from_physics;
  return std::nullopt;
}

}  // namespace vigil::model
