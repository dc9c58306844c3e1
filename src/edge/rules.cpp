#include "edge/rules.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "model/verdict.hpp"

namespace vigil::edge {

std::string_view to_string(ModelState state) {
  switch (state) {
    case ModelState::ok:
      return "ok";
    case ModelState::missing:
      return "missing";
    case ModelState::failed:
      return "failed";
    case ModelState::out_of_range:
      return "out_of_range";
    case ModelState::abstained:
      return "abstained";
  }
  return "failed";
}

std::string_view to_string(Cause cause) {
  switch (cause) {
    case Cause::none:
      return "none";
    case Cause::rul:
      return "rul";
    case Cause::iso_zone:
      return "iso_zone";
    case Cause::physics_defect:
      return "physics_defect";
    case Cause::learned_fault:
      return "learned_fault";
    case Cause::learned_anomaly:
      return "learned_anomaly";
  }
  return "none";
}

Status validate(const RuleConfig& config) {
  if (!(config.min_physics_confidence > 0 &&
        config.strong_physics_confidence >= config.min_physics_confidence &&
        config.strong_physics_confidence <= 1)) {
    return fail(
        ErrorCode::invalid_argument,
        "physics confidences must satisfy 0 < min_physics_confidence ({}) <= strong_physics_confidence "
        "({}) <= 1",
        config.min_physics_confidence, config.strong_physics_confidence);
  }
  if (!(config.alarm_rul_h > 0 && config.warning_rul_h > config.alarm_rul_h)) {
    return fail(ErrorCode::invalid_argument,
                "RUL horizons: alarm_rul_h {} h must be > 0 and below warning_rul_h {} h", config.alarm_rul_h,
                config.warning_rul_h);
  }
  return {};
}

namespace {

bool is_defect(diag::Verdict v) { return v != diag::Verdict::normal && v != diag::Verdict::unknown; }

// Keeps the first cause to reach the highest level (callers offer causes in precedence order).
struct Vote {
  AlertLevel level = AlertLevel::normal;
  Cause cause = Cause::none;
  void offer(AlertLevel l, Cause c) {
    if (l > level) {
      level = l;
      cause = c;
    }
  }
};

}  // namespace

RawAssessment assess_window(const WindowFacts& facts, const RuleConfig& config) {
  Vote vote;
  if (facts.rul_low_h) {
    if (*facts.rul_low_h < config.alarm_rul_h) {
      vote.offer(AlertLevel::alarm, Cause::rul);
    } else if (*facts.rul_low_h < config.warning_rul_h) {
      vote.offer(AlertLevel::warning, Cause::rul);
    }
  }
  if (facts.iso_zone == diag::IsoZone::D) vote.offer(AlertLevel::alarm, Cause::iso_zone);
  if (facts.iso_zone == diag::IsoZone::C) vote.offer(AlertLevel::warning, Cause::iso_zone);

  const bool physics_names =
      is_defect(facts.physics) && facts.physics_confidence >= config.min_physics_confidence;
  if (physics_names) {
    vote.offer(facts.physics_confidence >= config.strong_physics_confidence ? AlertLevel::warning
                                                                            : AlertLevel::watch,
               Cause::physics_defect);
  }

  RawAssessment out;
  out.physics_only = facts.model_state != ModelState::ok;
  const bool learned_names =
      !out.physics_only && facts.learned == model::WindowVerdict::fault && is_defect(facts.learned_fault);
  if (!out.physics_only) {
    switch (facts.learned) {
      case model::WindowVerdict::fault:
        vote.offer(learned_names ? AlertLevel::warning : AlertLevel::watch, Cause::learned_fault);
        break;
      case model::WindowVerdict::unknown:
      case model::WindowVerdict::abnormal:
        vote.offer(AlertLevel::watch, Cause::learned_anomaly);
        break;
      case model::WindowVerdict::none:
      case model::WindowVerdict::normal:
        break;
    }
  }
  // An abstaining classifier is still an anomaly: watch, named unknown, decided by physics alone.
  if (facts.model_state == ModelState::abstained) vote.offer(AlertLevel::watch, Cause::learned_anomaly);

  out.level = vote.level;
  out.cause = vote.cause;
  // The one verdict (model/verdict.hpp): the same rule `vigil analyze --models` and the evaluation use.
  const auto named =
      model::one_verdict(facts.physics, facts.physics_confidence,
                         learned_names ? std::optional<diag::Verdict>(facts.learned_fault) : std::nullopt,
                         facts.learned_probability,
                         {.min_physics_confidence = config.min_physics_confidence,
                          .strong_physics_confidence = config.strong_physics_confidence});
  if (named) {
    out.fault = named->fault;
    out.confidence = named->confidence;
  } else {
    out.fault = out.level == AlertLevel::normal ? diag::Verdict::normal : diag::Verdict::unknown;
  }
  return out;
}

Status validate(const ActionPolicy& policy) {
  if (!(policy.alarm_deadline_h > 0 && policy.warning_deadline_h >= policy.alarm_deadline_h &&
        policy.watch_deadline_h >= policy.warning_deadline_h)) {
    return fail(ErrorCode::invalid_argument,
                "deadlines must satisfy 0 < alarm ({} h) <= warning ({} h) <= watch ({} h)",
                policy.alarm_deadline_h, policy.warning_deadline_h, policy.watch_deadline_h);
  }
  return {};
}

Recommendation recommend(AlertLevel level, std::optional<double> rul_low_h, const ActionPolicy& policy) {
  Recommendation r;
  switch (level) {
    case AlertLevel::normal:
      r.action = "none";
      return r;
    case AlertLevel::watch:
      r.action = "review trend";
      r.deadline_h = policy.watch_deadline_h;
      break;
    case AlertLevel::warning:
      r.action = "inspect";
      r.deadline_h = policy.warning_deadline_h;
      break;
    case AlertLevel::alarm:
      r.action = "plan stop and replace";
      r.deadline_h = policy.alarm_deadline_h;
      break;
  }
  if (rul_low_h && std::isfinite(*rul_low_h))
    r.deadline_h = std::max(0.0, std::min(*r.deadline_h, *rul_low_h));
  return r;
}

namespace {

std::string_view defect_phrase(diag::Verdict fault) {
  switch (fault) {
    case diag::Verdict::inner_race:
      return "inner-race defect";
    case diag::Verdict::outer_race:
      return "outer-race defect";
    case diag::Verdict::ball:
      return "rolling-element defect";
    case diag::Verdict::cage:
      return "cage defect";
    case diag::Verdict::normal:
      return "normal";
    case diag::Verdict::unknown:
      break;
  }
  return "abnormal vibration, fault not named";
}

}  // namespace

std::string describe(std::string_view location, const WindowFacts& facts, const RawAssessment& assessment,
                     AlertLevel level, const Recommendation& recommendation) {
  std::string text(location);
  if (level == AlertLevel::normal) return text + ", normal";
  const bool named = assessment.fault != diag::Verdict::normal && assessment.fault != diag::Verdict::unknown;
  if (named) {
    text += fmt::format(", {}, {:.0f} %", defect_phrase(assessment.fault), 100 * assessment.confidence);
  } else if (assessment.cause != Cause::iso_zone && assessment.cause != Cause::rul) {
    text += fmt::format(", {}", defect_phrase(assessment.fault));  // severity or life alone say so below
  }
  if (facts.iso_zone == diag::IsoZone::C || facts.iso_zone == diag::IsoZone::D) {
    text +=
        fmt::format(", ISO zone {} ({:.1f} mm/s)", diag::to_string(facts.iso_zone), facts.velocity_rms_mm_s);
  }
  if (facts.rul_low_h && assessment.cause == Cause::rul) {
    text += fmt::format(", remaining life at least {:.0f} h", *facts.rul_low_h);
  }
  if (recommendation.deadline_h) {
    text += fmt::format(", {} within {:.0f} h", recommendation.action, *recommendation.deadline_h);
  }
  return text;
}

}  // namespace vigil::edge
