#include "eval/rul_evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "eval/phm_score.hpp"
#include "io/femto.hpp"
#include "model/rul.hpp"

namespace vigil::eval {

using model::DegradationPrior;
using model::fit_rul_prior;
using model::HealthState;
using model::HealthTrack;
using model::LifeFeatures;
using model::PriorFit;
using model::replay_rul;
using model::RulConfig;
using model::RulEstimate;
using model::RulModel;
using model::RulReplay;
using model::RulScoreConfig;
using model::RulScoreKind;
using model::SnapshotFeatureExtractor;

Result<LifeFeatures> read_femto_life(const std::filesystem::path& dir, std::string name,
                                     const dsp::BearingGeometry& bearing, double speed_rpm,
                                     const RulScoreConfig& config) {
  auto files = io::list_femto_snapshots(dir);
  if (!files) return std::unexpected(files.error());
  LifeFeatures life;
  life.name = std::move(name);
  std::optional<SnapshotFeatureExtractor> extractor;
  std::size_t window_len = 0;
  for (const auto& f : *files) {
    auto rec = io::read_femto_snapshot(f.path);
    if (!rec) return std::unexpected(rec.error());
    const io::Channel* ch = rec->find_channel(config.channel);
    if (ch == nullptr)
      return fail(ErrorCode::not_found, "{}: no channel '{}'", f.path.string(), config.channel);
    if (!extractor) {
      window_len = ch->samples.size();
      auto e = SnapshotFeatureExtractor::create(rec->sample_rate_hz, window_len, bearing, speed_rpm, config);
      if (!e) return std::unexpected(e.error().with_context(f.path.string()));
      extractor.emplace(std::move(*e));
    }
    if (ch->samples.size() != window_len) {
      return fail(ErrorCode::parse, "{}: {} samples, the first snapshot had {}", f.path.string(),
                  ch->samples.size(), window_len);
    }
    auto x = extractor->compute(ch->samples, speed_rpm);
    if (!x) return std::unexpected(x.error().with_context(f.path.string()));
    life.time_s.push_back(f.time_s);
    life.features.push_back(x->log_features);
    life.schema.push_back(x->schema);
  }
  return life;
}

Result<LoboReport> evaluate_rul_lobo(std::span<const LifeFeatures> lives, const RulConfig& config,
                                     const RulScoreConfig& score, std::span<const double> fractions,
                                     double early_fraction) {
  if (lives.size() < 3) {
    return fail(ErrorCode::invalid_argument,
                "{} lives: leave-one-out needs at least 3 (2 to learn a prior from)", lives.size());
  }
  for (double f : fractions) {
    if (!(f > 0 && f < 1)) return fail(ErrorCode::invalid_argument, "cut fraction {}: expected in (0, 1)", f);
  }
  if (!(early_fraction >= 0 && early_fraction < 1)) {
    return fail(ErrorCode::invalid_argument, "early fraction {}: expected in [0, 1)", early_fraction);
  }
  LoboReport report;
  report.fractions.assign(fractions.begin(), fractions.end());
  report.early_fraction = early_fraction;
  std::vector<std::vector<double>> actual(fractions.size()), estimated(fractions.size());
  for (std::size_t h = 0; h < lives.size(); ++h) {
    const LifeFeatures& held = lives[h];
    if (auto ok = validate(held, score.kind); !ok) return std::unexpected(ok.error());
    std::vector<LifeFeatures> others;
    for (std::size_t j = 0; j < lives.size(); ++j) {
      if (j != h) others.push_back(lives[j]);
    }
    auto fit = fit_rul_prior(others, config, score);
    if (!fit) return std::unexpected(fit.error().with_context(fmt::format("prior without {}", held.name)));
    const RulModel model{fit->prior, config, score};

    LoboLife out;
    out.name = held.name;
    out.life_s = held.time_s.back();
    out.snapshots = held.time_s.size();
    out.prior = fit->prior;
    auto scores = anomaly_scores(held, config.health, score);
    if (!scores) return std::unexpected(scores.error());
    auto track = track_health(held.time_s, *scores, config.health);
    if (!track) return std::unexpected(track.error().with_context(held.name));
    const HealthState& s = track->final_state;
    // An alarm at the very last snapshot is no alarm before the end of life.
    out.alarm = s.onset_found && s.detected_s < out.life_s;
    if (s.onset_found) {
      out.onset_s = s.onset_s;
      out.detected_s = s.detected_s;
      out.lead_s = out.life_s - s.detected_s;
      out.early_alarm = s.detected_s < early_fraction * out.life_s;
    }
    report.alarms_before_end += out.alarm ? 1 : 0;
    report.early_alarms += out.early_alarm ? 1 : 0;

    for (std::size_t c = 0; c < fractions.size(); ++c) {
      auto r = replay_rul(model, held, fractions[c] * out.life_s);
      if (!r) return std::unexpected(r.error());
      LoboCut cut;
      cut.fraction = fractions[c];
      cut.replay = *r;
      cut.actual_rul_s = out.life_s - r->estimate.time_s;
      auto er = phm_percent_error(cut.actual_rul_s, r->estimate.rul_s);
      if (!er) return std::unexpected(er.error().with_context(held.name));
      cut.percent_error = *er;
      cut.accuracy = phm_accuracy(*er);
      actual[c].push_back(cut.actual_rul_s);
      estimated[c].push_back(r->estimate.rul_s);
      out.cuts.push_back(cut);
    }
    report.lives.push_back(std::move(out));
  }
  std::vector<double> all_actual, all_estimated;
  for (std::size_t c = 0; c < fractions.size(); ++c) {
    auto sc = phm_score(actual[c], estimated[c]);
    if (!sc) return std::unexpected(sc.error());
    report.phm_score_per_cut.push_back(*sc);
    all_actual.insert(all_actual.end(), actual[c].begin(), actual[c].end());
    all_estimated.insert(all_estimated.end(), estimated[c].begin(), estimated[c].end());
  }
  if (!all_actual.empty()) {
    auto sc = phm_score(all_actual, all_estimated);
    if (!sc) return std::unexpected(sc.error());
    report.phm_score_all = *sc;
  }
  return report;
}

nlohmann::json to_json(const LoboReport& report) {
  auto or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json lives = nlohmann::json::array();
  for (const auto& l : report.lives) {
    nlohmann::json cuts = nlohmann::json::array();
    for (const auto& c : l.cuts) {
      const RulEstimate& e = c.replay.estimate;
      cuts.push_back({{"fraction", c.fraction},
                      {"time_s", e.time_s},
                      {"onset_seen", e.onset_found},
                      {"health_index", e.health_index},
                      {"rul_s", e.rul_s},
                      {"rul_low_s", e.rul_low_s},
                      {"rul_high_s", e.rul_high_s},
                      {"actual_rul_s", c.actual_rul_s},
                      {"percent_error", c.percent_error},
                      {"phm_accuracy", c.accuracy}});
    }
    lives.push_back({{"name", l.name},
                     {"life_s", l.life_s},
                     {"snapshots", l.snapshots},
                     {"alarm_before_end", l.alarm},
                     {"onset_s", or_null(l.onset_s)},
                     {"alarm_s", or_null(l.detected_s)},
                     {"lead_s", or_null(l.lead_s)},
                     {"early_alarm", l.early_alarm},
                     {"prior", to_json(l.prior)},
                     {"cuts", cuts}});
  }
  nlohmann::json per_cut = nlohmann::json::array();
  for (std::size_t c = 0; c < report.fractions.size(); ++c) {
    per_cut.push_back({{"fraction", report.fractions[c]}, {"phm_score", report.phm_score_per_cut[c]}});
  }
  return {{"lives", lives},
          {"early_fraction", report.early_fraction},
          {"alarms_before_end", report.alarms_before_end},
          {"early_alarms", report.early_alarms},
          {"phm_score_per_cut", per_cut},
          {"phm_score_all", report.phm_score_all}};
}

}  // namespace vigil::eval
