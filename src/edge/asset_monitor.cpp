#include "edge/asset_monitor.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/core.h>

#include "diag/diagnosis.hpp"
#include "domain/fault_type.hpp"
#include "model/assessment.hpp"
#include "model/bundle.hpp"
#include "model/feature_schema.hpp"

namespace vigil::edge {

namespace {

// A bundle of `kind` for windows of rate x len, or why not.
Result<model::Bundle> read_for_windows(const std::filesystem::path& path, model::ModelKind kind,
                                       double rate_hz, std::size_t window_len) {
  auto bundle =
      model::read_bundle(path, kind, model::k_feature_schema_version, model::k_oldest_feature_schema_version);
  if (!bundle) return std::unexpected(bundle.error());
  auto setup = model::window_setup_of(*bundle);
  if (!setup) return std::unexpected(setup.error().with_context(path.string()));
  if (std::abs(setup->sample_rate_hz - rate_hz) > 1e-6 * rate_hz || setup->window_len != window_len) {
    return fail(ErrorCode::invalid_argument,
                "{}: trained on windows of {} samples at {} Hz, the channel gives {} samples at {} Hz",
                path.string(), setup->window_len, setup->sample_rate_hz, window_len, rate_hz);
  }
  return bundle;
}

// Narrows the models' common speed range to the bundle's, when it records one.
void narrow_speed_range(AssetModels& m, const model::Bundle& bundle) {
  auto setup = model::window_setup_of(bundle);
  if (!setup || setup->speed_rpm_max <= 0) return;
  const bool first = m.speed_rpm_max <= 0;
  m.speed_rpm_min = first ? setup->speed_rpm_min : std::max(m.speed_rpm_min, setup->speed_rpm_min);
  m.speed_rpm_max = first ? setup->speed_rpm_max : std::min(m.speed_rpm_max, setup->speed_rpm_max);
}

diag::Verdict verdict_of_label(std::string_view label) {
  const auto fault = domain::parse_fault_type(label);
  return fault ? diag::verdict_for(*fault) : diag::Verdict::unknown;
}

}  // namespace

std::string ModelVersions::text() const {
  std::string out;
  for (const auto& [kind, version] :
       {std::pair{"anomaly", &anomaly}, std::pair{"classifier", &classifier}, std::pair{"rul", &rul}}) {
    if (!version->empty()) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", kind, *version);
  }
  return out;
}

std::array<std::string, 3> distinct_versions(const std::vector<ModelVersions>& assets) {
  std::array<std::string, 3> out;
  std::array<std::vector<std::string_view>, 3> seen;
  for (const ModelVersions& a : assets) {
    const std::array<std::string_view, 3> kinds = {a.anomaly, a.classifier, a.rul};
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      if (kinds[k].empty() || std::find(seen[k].begin(), seen[k].end(), kinds[k]) != seen[k].end()) continue;
      out[k] += fmt::format("{}{}", seen[k].empty() ? "" : ", ", kinds[k]);
      seen[k].push_back(kinds[k]);
    }
  }
  return out;
}

AssetModels load_asset_models(const AssetConfig& asset, double sample_rate_hz, std::size_t window_len) {
  AssetModels m;
  bool any_failed = false;
  if (!asset.anomaly_bundle.empty()) {
    auto b = read_for_windows(asset.anomaly_bundle, model::ModelKind::anomaly, sample_rate_hz, window_len);
    auto model =
        b ? model::AnomalyModel::from_bundle(*b) : Result<model::AnomalyModel>(std::unexpected(b.error()));
    if (model) {
      m.anomaly.emplace(std::move(*model));
      m.versions.anomaly = b->created_at;
      narrow_speed_range(m, *b);
    } else {
      m.problems.push_back(
          fmt::format("asset {}: anomaly model left out: {}", asset.id, model.error().message));
      any_failed = true;
    }
  }
  if (!asset.classifier_bundle.empty()) {
    auto b =
        read_for_windows(asset.classifier_bundle, model::ModelKind::classifier, sample_rate_hz, window_len);
    auto model = b ? model::ClassifierModel::from_bundle(*b)
                   : Result<model::ClassifierModel>(std::unexpected(b.error()));
    if (model) {
      m.classifier.emplace(std::move(*model));
      m.versions.classifier = b->created_at;
      narrow_speed_range(m, *b);
    } else {
      m.problems.push_back(fmt::format("asset {}: classifier left out: {}", asset.id, model.error().message));
      any_failed = true;
    }
  }
  if (!asset.rul_bundle.empty()) {
    auto b = model::read_bundle(asset.rul_bundle, model::ModelKind::rul, model::k_rul_score_version);
    auto model = b ? model::rul_model_from_bundle(*b) : Result<model::RulModel>(std::unexpected(b.error()));
    if (model) {
      m.rul.emplace(std::move(*model));
      m.versions.rul = b->created_at;
    } else {
      // No RUL is reported; the decision does not depend on it otherwise.
      m.problems.push_back(fmt::format("asset {}: RUL model left out: {}", asset.id, model.error().message));
    }
  }
  m.state = (m.anomaly || m.classifier) ? ModelState::ok
            : any_failed                ? ModelState::failed
                                        : ModelState::missing;
  return m;
}

std::size_t window_len_of(const ChannelConfig& channel) {
  auto n = static_cast<std::size_t>(std::llround(channel.window_s * channel.sample_rate_hz));
  return n - n % 2;
}

Result<AssetMonitor> AssetMonitor::create(const AssetConfig& asset, const ChannelConfig& channel,
                                          const PolicyConfig& policy, AssetModels models,
                                          dsp::PlanEffort effort) {
  auto debouncer = AlertDebouncer::create(policy.debounce);
  if (!debouncer) return std::unexpected(debouncer.error().with_context(asset.id));
  for (auto ok : {validate(policy.rules), validate(policy.actions)}) {
    if (!ok) return std::unexpected(ok.error().with_context(asset.id));
  }
  auto extractor = model::FeatureExtractor::create({.sample_rate_hz = channel.sample_rate_hz,
                                                    .window_len = window_len_of(channel),
                                                    .bearing = asset.bearing,
                                                    .max_speed_rpm = asset.max_speed_rpm,
                                                    .unit = dsp::AccelerationUnit::g,
                                                    .speed_tolerance = 0.02,
                                                    .effort = effort});
  if (!extractor) return std::unexpected(extractor.error().with_context(asset.id));
  std::optional<RulTracker> rul;
  if (models.rul) {
    auto t = RulTracker::create(*models.rul);
    if (!t) return std::unexpected(t.error().with_context(fmt::format("{}: RUL model", asset.id)));
    rul.emplace(std::move(*t));
  }
  AssetMonitor m(asset, policy, std::move(*extractor), *debouncer, std::move(models));
  m.rul_ = std::move(rul);
  return m;
}

void AssetMonitor::replace_models(AssetModels models) {
  if (!rul_ && models.rul) {
    if (auto t = RulTracker::create(*models.rul)) rul_.emplace(std::move(*t));
  }
  models_ = std::move(models);
}

void AssetMonitor::reset_alerts() {
  debouncer_.reset();
  fault_holder_.reset();
  reported_ = {};
}

Result<const Decision*> AssetMonitor::process(const Window& window, double speed_rpm) {
  auto features = extractor_.extract(window.samples, speed_rpm);
  if (!features) return std::unexpected(features.error().with_context(asset_.id));
  features_ = *features;
  const diag::WindowFeatures& a = extractor_.analysis();

  Decision& d = decision_;
  d.window_index = window.index;
  d.end_ns = window.end_ns;
  d.speed_rpm = speed_rpm;
  d.kurtosis = a.time.kurtosis;
  d.frequencies = a.frequencies;
  d.evidence = a.evidence;

  WindowFacts& f = d.facts;
  f = WindowFacts{};
  f.velocity_rms_mm_s = a.velocity_rms_mm_s;
  f.iso_zone = diag::iso_zone(a.velocity_rms_mm_s, asset_.machine_class);
  const diag::VerdictScore physics =
      diag::weigh({.evidence = a.evidence, .kurtosis = a.time.kurtosis, .iso_zone = f.iso_zone});
  f.physics = physics.verdict;
  f.physics_confidence = physics.confidence;

  // The learned verdict, through the same decide_window as `vigil analyze --models` and the evaluation.
  f.model_state = models_.state;
  d.anomaly_score = 0;
  d.anomaly_confidence = 0;
  std::optional<model::AnomalyScore> anomaly;
  std::optional<model::Classification> classification;
  const bool outside_training =
      models_.speed_rpm_max > 0 && (speed_rpm < models_.speed_rpm_min * (1 - k_speed_margin) ||
                                    speed_rpm > models_.speed_rpm_max * (1 + k_speed_margin));
  if (outside_training && f.model_state == ModelState::ok) f.model_state = ModelState::out_of_range;
  if (models_.anomaly && !outside_training) {
    if (auto s = models_.anomaly->score(*features)) {
      anomaly = *s;
      d.anomaly_score = s->score;
      d.anomaly_confidence = s->confidence;
    } else {
      f.model_state = ModelState::failed;
    }
  }
  if (models_.classifier && f.model_state == ModelState::ok) {
    if (auto c = models_.classifier->classify(
            model::classifier_input(extractor_, *features, models_.classifier->input_size()))) {
      classification = *c;
    } else {
      f.model_state = ModelState::failed;
    }
  }
  if (f.model_state == ModelState::ok) {
    const model::WindowDecision learned = model::decide_window(anomaly, classification);
    f.learned = learned.verdict;
    if (learned.verdict == model::WindowVerdict::fault) {
      f.learned_fault = verdict_of_label(models_.classifier->labels()[learned.fault_class]);
      f.learned_probability = classification->probabilities[learned.fault_class];
    } else if (learned.verdict == model::WindowVerdict::unknown) {
      f.model_state = ModelState::abstained;
    }
  }

  if (rul_) {
    // A window the tracker cannot take (a dead channel: RMS 0) keeps the last estimate.
    auto r = rul_->add(double(window.end_ns) / 1e9, a.time.rms, a.time.kurtosis, *features);
    if (r && *r) {
      d.rul = **r;
      d.health = rul_->health(**r);
    }
    if (d.rul && d.rul->basis == model::RulBasis::degradation) f.rul_low_h = d.rul->rul_low_s / 3600;
  }
  d.raw = assess_window(f, policy_.rules);
  d.previous_level = debouncer_.level();
  d.level = debouncer_.update(d.raw.level);
  const diag::Verdict previous_fault = reported_.fault;
  reported_ = fault_holder_.update(d.level, d.raw.fault, d.raw.confidence);
  d.reported = d.raw;
  d.reported.fault = reported_.fault;
  d.reported.confidence = reported_.confidence;
  d.report_changed = d.level != d.previous_level || reported_.fault != previous_fault;
  d.ne107 = ne107_status(d.level, check_function_);
  d.recommendation = recommend(d.level, f.rul_low_h, policy_.actions);
  d.spectra.reset();
  if ((d.report_changed && d.level >= AlertLevel::warning) || evidence_requested_) {
    evidence_requested_ = false;
    d.spectra = std::make_shared<const EvidenceSpectra>(
        evidence_spectra(a, extractor_.config().sample_rate_hz,
                         static_cast<std::uint64_t>(std::max<std::int64_t>(0, d.end_ns / 1'000'000))));
  }
  return &d;
}

}  // namespace vigil::edge
