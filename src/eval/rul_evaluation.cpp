#include "eval/rul_evaluation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <utility>

#include "eval/feature_cache.hpp"
#include "eval/phm_score.hpp"
#include "io/femto.hpp"
#include "model/feature_schema.hpp"
#include "model/rul.hpp"

namespace vigil::eval {

using model::DegradationPrior;
using model::FleetLife;
using model::LifeFeatures;
using model::PriorFit;
using model::RulConfig;
using model::RulEstimate;
using model::RulModel;
using model::RulScoreConfig;
using model::RulScoreKind;
using model::SnapshotFeatureExtractor;

namespace {

namespace fs = std::filesystem;

constexpr int k_cache_version = 1;
// Larger cache files are ignored (and rewritten): ~40 000 snapshots, 15 times the longest FEMTO life.
constexpr std::uintmax_t k_cache_max_bytes = std::uintmax_t{64} << 20;

// What a cache file must match to stand for a folder read with these settings.
nlohmann::json cache_key(const std::vector<io::FemtoFile>& files, const dsp::BearingGeometry& bearing,
                         double speed_rpm, const RulScoreConfig& config) {
  return {{"format", "vigil-rul-features"},
          {"version", k_cache_version},
          {"snapshots", files.size()},
          {"last_index", files.back().index},
          {"channel", config.channel},
          {"bearing", bearing.name},
          {"speed_rpm", speed_rpm},
          {"high_band_low_hz", config.high_band_low_hz},
          // The cache holds window features only: valid across schema versions that left them unchanged.
          {"feature_schema_version", model::k_window_features_version}};
}

// The life of a cache file, or nullopt when it is missing or does not match `key` (feature_cache.hpp).
std::optional<LifeFeatures> read_cache(const fs::path& path, const nlohmann::json& key,
                                       const std::string& name) {
  std::error_code ec;
  if (const auto size = fs::file_size(path, ec); ec || size > k_cache_max_bytes) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_feature_cache(bytes, key, name);
}

Status write_cache(const fs::path& path, const nlohmann::json& key, const LifeFeatures& life) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail(ErrorCode::io, "{}: cannot write the feature cache", tmp.string());
    out << feature_cache_bytes(key, life);
    if (!out) return fail(ErrorCode::io, "{}: write failed", tmp.string());
  }
  fs::rename(tmp, path, ec);
  if (ec)
    return fail(ErrorCode::io, "{}: cannot rename to {}: {}", tmp.string(), path.string(), ec.message());
  return {};
}

}  // namespace

Result<LifeFeatures> read_femto_life(const fs::path& dir, std::string name,
                                     const dsp::BearingGeometry& bearing, double speed_rpm,
                                     const RulScoreConfig& config, const fs::path& cache_dir) {
  auto files = io::list_femto_snapshots(dir);
  if (!files) return std::unexpected(files.error());
  const nlohmann::json key = cache_key(*files, bearing, speed_rpm, config);
  const fs::path cache_file = cache_dir.empty() ? fs::path() : cache_dir / (name + ".features.json");
  if (!cache_file.empty()) {
    if (auto cached = read_cache(cache_file, key, name)) return std::move(*cached);
  }
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
  if (!cache_file.empty()) {
    if (auto ok = write_cache(cache_file, key, life); !ok) return std::unexpected(ok.error());
  }
  return life;
}

std::vector<RulCandidate> default_rul_candidates() {
  constexpr std::array<double, 4> quantiles{0.1, 0.2, 0.3, 0.5};
  std::vector<RulCandidate> grid;
  for (RulScoreKind kind : model::k_rul_score_kinds) {
    for (double alpha : {0.01, 0.0001}) {
      for (double fleet : quantiles) {
        for (double degradation : quantiles) grid.push_back({kind, alpha, {fleet, degradation}});
      }
    }
  }
  return grid;
}

std::vector<double> default_truncation_fractions() {
  std::vector<double> f;
  for (int i = 2; i <= 19; ++i) f.push_back(0.05 * i);
  return f;
}

Distribution distribution_of(std::span<const double> values) {
  Distribution d;
  d.count = values.size();
  if (values.empty()) return d;
  std::vector<double> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  d.mean = sum / static_cast<double>(v.size());
  auto q = [&](double p) {
    const double h = p * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
  };
  d.min = v.front();
  d.q10 = q(0.10);
  d.q25 = q(0.25);
  d.median = q(0.5);
  d.q75 = q(0.75);
  d.q90 = q(0.90);
  d.max = v.back();
  return d;
}

namespace {

std::size_t kind_index(RulScoreKind kind) { return kind == RulScoreKind::log_rms_kurtosis ? 0 : 1; }

// A life with the scores of each score kind the grid uses (empty for the others).
struct ScoredLife {
  const LifeFeatures* life = nullptr;
  std::array<std::vector<double>, 2> scores;
};

Result<std::vector<ScoredLife>> score_lives(std::span<const LifeFeatures> lives,
                                            std::span<const RulCandidate> grid, const RulConfig& base) {
  std::vector<ScoredLife> out;
  for (const auto& life : lives) {
    ScoredLife s;
    s.life = &life;
    for (RulScoreKind kind : model::k_rul_score_kinds) {
      if (std::none_of(grid.begin(), grid.end(), [&](const RulCandidate& c) { return c.kind == kind; })) {
        continue;
      }
      RulScoreConfig score;
      score.kind = kind;
      auto x = model::anomaly_scores(life, base.health, score);
      if (!x) return std::unexpected(x.error().with_context(life.name));
      s.scores[kind_index(kind)] = std::move(*x);
    }
    out.push_back(std::move(s));
  }
  return out;
}

double life_length_s(const LifeFeatures& life) { return life.time_s.back() - life.time_s.front(); }

// The model of `kind` fitted on lives[subset]; nullopt when the prior cannot be learned from them.
Result<std::optional<std::pair<RulModel, PriorFit>>> fit_on(const std::vector<ScoredLife>& all,
                                                            std::span<const std::size_t> subset,
                                                            RulScoreKind kind, const RulConfig& config) {
  std::vector<model::ScoreSeries> series;
  std::vector<double> lengths;
  for (std::size_t i : subset) {
    const ScoredLife& s = all[i];
    series.push_back({s.life->name, s.life->time_s, s.scores[kind_index(kind)]});
    lengths.push_back(life_length_s(*s.life));
  }
  auto fleet = model::fit_fleet_life(lengths);
  if (!fleet) return std::unexpected(fleet.error());
  auto prior = model::learn_prior(series, config.health);
  if (!prior) return std::optional<std::pair<RulModel, PriorFit>>();
  RulModel m;
  m.prior = prior->prior;
  m.fleet = *fleet;
  m.config = config;
  m.score.kind = kind;
  return std::optional<std::pair<RulModel, PriorFit>>(std::pair{std::move(m), std::move(*prior)});
}

// The estimates of a life at each truncation fraction (increasing) for each pair of point quantiles:
// [cut][pair].
Result<std::vector<std::vector<RulEstimate>>> truncated_estimates(
    const RulModel& m, const ScoredLife& s, std::span<const double> fractions,
    std::span<const model::PointQuantiles> quantiles) {
  const LifeFeatures& life = *s.life;
  const std::vector<double>& score = s.scores[kind_index(m.score.kind)];
  auto estimator = model::RulEstimator::create(m.config, m.prior, m.fleet);
  if (!estimator) return std::unexpected(estimator.error());
  std::vector<std::vector<RulEstimate>> out;
  const double t0 = life.time_s.front();
  const double length = life_length_s(life);
  std::size_t next = 0;
  for (double f : fractions) {
    const double cut_s = t0 + f * length;
    while (next < life.time_s.size() && life.time_s[next] <= cut_s) {
      if (auto ok = estimator->observe(life.time_s[next], score[next]); !ok) {
        return std::unexpected(ok.error().with_context(life.name));
      }
      ++next;
    }
    std::vector<RulEstimate> row;
    for (const auto& q : quantiles) {
      auto e = estimator->estimate(q);
      if (!e) return std::unexpected(e.error().with_context(life.name));
      row.push_back(*e);
    }
    out.push_back(std::move(row));
  }
  return out;
}

TruncationResult score_row(const LifeFeatures& life, double fraction, const RulEstimate& e) {
  TruncationResult r;
  r.life = life.name;
  r.fraction = fraction;
  r.estimate = e;
  r.actual_rul_s = life.time_s.back() - e.time_s;
  r.percent_error = 100.0 * (r.actual_rul_s - e.rul_s) / r.actual_rul_s;
  r.accuracy = phm_accuracy(r.percent_error);
  r.over_3x_within_1h = r.actual_rul_s < 3600 && e.rul_s > 3 * r.actual_rul_s;
  return r;
}

Status check_inputs(std::size_t lives, std::size_t needed, std::span<const RulCandidate> grid,
                    std::span<const double> fractions) {
  if (lives < needed) {
    return fail(ErrorCode::invalid_argument, "{} lives: need at least {} (the inner leave-one-out fits on 3)",
                lives, needed);
  }
  if (grid.empty()) return fail(ErrorCode::invalid_argument, "no candidate to choose from");
  for (const auto& c : grid) {
    RulConfig config;
    config.health.false_alarm_probability = c.false_alarm_probability;
    config.point = c.point;
    if (auto ok = validate(config); !ok) return std::unexpected(ok.error().with_context("candidate"));
  }
  if (fractions.empty()) return fail(ErrorCode::invalid_argument, "no truncation fraction");
  for (std::size_t i = 0; i < fractions.size(); ++i) {
    if (!(fractions[i] > 0 && fractions[i] < 1)) {
      return fail(ErrorCode::invalid_argument, "truncation fraction {}: expected in (0, 1)", fractions[i]);
    }
    if (i > 0 && !(fractions[i] > fractions[i - 1])) {
      return fail(ErrorCode::invalid_argument, "truncation fractions not increasing at {}", fractions[i]);
    }
  }
  return {};
}

// train_rul on lives[subset].
Result<TrainedRul> train_on(const std::vector<ScoredLife>& all, std::span<const std::size_t> subset,
                            std::span<const RulCandidate> grid, std::span<const double> fractions,
                            const RulConfig& base) {
  RulSelection sel;
  sel.grid.assign(grid.begin(), grid.end());
  std::vector<double> sum(grid.size(), 0.0);
  std::vector<std::size_t> rows(grid.size(), 0);
  sel.over_3x_within_1h.assign(grid.size(), 0);
  std::vector<bool> fitted(grid.size(), true);
  // Candidates that share a score kind and onset rule share their fits and replays.
  std::vector<bool> done(grid.size(), false);
  for (std::size_t lead = 0; lead < grid.size(); ++lead) {
    if (done[lead]) continue;
    std::vector<std::size_t> members;
    std::vector<model::PointQuantiles> quantiles;
    for (std::size_t c = lead; c < grid.size(); ++c) {
      if (grid[c].kind != grid[lead].kind ||
          grid[c].false_alarm_probability != grid[lead].false_alarm_probability) {
        continue;
      }
      done[c] = true;
      members.push_back(c);
      quantiles.push_back(grid[c].point);
    }
    RulConfig config = base;
    config.health.false_alarm_probability = grid[lead].false_alarm_probability;
    for (std::size_t held : subset) {
      std::vector<std::size_t> others;
      for (std::size_t j : subset) {
        if (j != held) others.push_back(j);
      }
      auto m = fit_on(all, others, grid[lead].kind, config);
      if (!m) return std::unexpected(m.error());
      if (!*m) {
        for (std::size_t c : members) fitted[c] = false;
        break;
      }
      auto est = truncated_estimates((*m)->first, all[held], fractions, quantiles);
      if (!est) return std::unexpected(est.error());
      for (std::size_t k = 0; k < fractions.size(); ++k) {
        for (std::size_t q = 0; q < members.size(); ++q) {
          const TruncationResult r = score_row(*all[held].life, fractions[k], (*est)[k][q]);
          sum[members[q]] += r.accuracy;
          if (r.over_3x_within_1h) ++sel.over_3x_within_1h[members[q]];
          ++rows[members[q]];
        }
      }
    }
  }
  sel.mean_accuracy.resize(grid.size());
  for (std::size_t c = 0; c < grid.size(); ++c) {
    sel.mean_accuracy[c] =
        fitted[c] ? sum[c] / static_cast<double>(rows[c]) : std::numeric_limits<double>::quiet_NaN();
  }
  const std::optional<std::size_t> best = choose_rul_candidate(sel.mean_accuracy, sel.over_3x_within_1h);
  if (!best) {
    return fail(ErrorCode::invalid_argument,
                "no candidate could be fitted: on some leave-one-out fold fewer than 2 lives show an onset");
  }
  sel.chosen = *best;
  RulConfig config = base;
  config.health.false_alarm_probability = grid[*best].false_alarm_probability;
  config.point = grid[*best].point;
  auto m = fit_on(all, subset, grid[*best].kind, config);
  if (!m) return std::unexpected(m.error());
  if (!*m) return fail(ErrorCode::invalid_argument, "the chosen candidate cannot be fitted on all lives");
  return TrainedRul{std::move((*m)->first), std::move((*m)->second), std::move(sel)};
}

}  // namespace

std::optional<std::size_t> choose_rul_candidate(std::span<const double> mean_accuracy,
                                                std::span<const std::size_t> over_3x_within_1h) {
  if (mean_accuracy.size() != over_3x_within_1h.size()) return std::nullopt;
  std::optional<std::size_t> best;
  for (std::size_t c = 0; c < mean_accuracy.size(); ++c) {
    if (std::isnan(mean_accuracy[c])) continue;
    if (!best || over_3x_within_1h[c] < over_3x_within_1h[*best] ||
        (over_3x_within_1h[c] == over_3x_within_1h[*best] && mean_accuracy[c] > mean_accuracy[*best])) {
      best = c;
    }
  }
  return best;
}

Result<TrainedRul> train_rul(std::span<const LifeFeatures> lives, std::span<const RulCandidate> grid,
                             std::span<const double> fractions, const RulConfig& base) {
  if (auto ok = check_inputs(lives.size(), 4, grid, fractions); !ok) return std::unexpected(ok.error());
  if (auto ok = validate(base); !ok) return std::unexpected(ok.error());
  auto all = score_lives(lives, grid, base);
  if (!all) return std::unexpected(all.error());
  std::vector<std::size_t> subset(lives.size());
  for (std::size_t i = 0; i < subset.size(); ++i) subset[i] = i;
  return train_on(*all, subset, grid, fractions, base);
}

Result<NestedReport> evaluate_rul_nested(std::span<const LifeFeatures> lives,
                                         std::span<const RulCandidate> grid,
                                         std::span<const double> fractions, const RulConfig& base) {
  if (auto ok = check_inputs(lives.size(), 5, grid, fractions); !ok) return std::unexpected(ok.error());
  if (auto ok = validate(base); !ok) return std::unexpected(ok.error());
  auto all = score_lives(lives, grid, base);
  if (!all) return std::unexpected(all.error());
  NestedReport report;
  report.fractions.assign(fractions.begin(), fractions.end());
  std::vector<double> every;
  std::vector<std::vector<double>> by_fraction(fractions.size());
  for (std::size_t h = 0; h < lives.size(); ++h) {
    std::vector<std::size_t> others;
    for (std::size_t j = 0; j < lives.size(); ++j) {
      if (j != h) others.push_back(j);
    }
    auto trained = train_on(*all, others, grid, fractions, base);
    if (!trained)
      return std::unexpected(trained.error().with_context(fmt::format("without {}", lives[h].name)));
    const model::PointQuantiles q = trained->model.config.point;
    auto est = truncated_estimates(trained->model, (*all)[h], fractions, std::span(&q, 1));
    if (!est) return std::unexpected(est.error());
    NestedFold fold;
    fold.held_out = lives[h].name;
    fold.life_s = life_length_s(lives[h]);
    std::vector<double> mine;
    for (std::size_t k = 0; k < fractions.size(); ++k) {
      TruncationResult r = score_row(lives[h], fractions[k], (*est)[k][0]);
      mine.push_back(r.accuracy);
      by_fraction[k].push_back(r.accuracy);
      if (r.actual_rul_s < 3600) ++report.within_1h;
      if (r.over_3x_within_1h) ++report.over_3x_within_1h;
      fold.rows.push_back(std::move(r));
    }
    every.insert(every.end(), mine.begin(), mine.end());
    report.accuracy_by_life.push_back(distribution_of(mine));
    fold.trained = std::move(*trained);
    report.folds.push_back(std::move(fold));
  }
  report.accuracy = distribution_of(every);
  for (const auto& v : by_fraction) report.accuracy_by_fraction.push_back(distribution_of(v));
  return report;
}

namespace {

nlohmann::json to_json(const Distribution& d) {
  return {{"count", d.count},   {"mean", d.mean}, {"min", d.min}, {"q10", d.q10}, {"q25", d.q25},
          {"median", d.median}, {"q75", d.q75},   {"q90", d.q90}, {"max", d.max}};
}

}  // namespace

nlohmann::json to_json(const RulSelection& s) {
  nlohmann::json candidates = nlohmann::json::array();
  for (std::size_t c = 0; c < s.grid.size(); ++c) {
    const double a =
        s.mean_accuracy.size() > c ? s.mean_accuracy[c] : std::numeric_limits<double>::quiet_NaN();
    candidates.push_back(
        {{"score_kind", model::to_string(s.grid[c].kind)},
         {"false_alarm_probability", s.grid[c].false_alarm_probability},
         {"fleet_point_quantile", s.grid[c].point.fleet},
         {"degradation_point_quantile", s.grid[c].point.degradation},
         {"inner_mean_accuracy", std::isfinite(a) ? nlohmann::json(a) : nlohmann::json(nullptr)},
         {"inner_over_3x_within_1h", s.over_3x_within_1h.size() > c ? nlohmann::json(s.over_3x_within_1h[c])
                                                                    : nlohmann::json(nullptr)}});
  }
  return {{"candidates", candidates}, {"chosen", s.chosen}};
}

nlohmann::json to_json(const NestedReport& r) {
  nlohmann::json folds = nlohmann::json::array();
  for (std::size_t i = 0; i < r.folds.size(); ++i) {
    const NestedFold& f = r.folds[i];
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& x : f.rows) {
      const RulEstimate& e = x.estimate;
      rows.push_back({{"fraction", x.fraction},
                      {"time_s", e.time_s},
                      {"onset_seen", e.onset_found},
                      {"basis", model::to_string(e.basis)},
                      {"health_index", e.health_index},
                      {"rul_s", e.rul_s},
                      {"rul_low_s", e.rul_low_s},
                      {"rul_high_s", e.rul_high_s},
                      {"actual_rul_s", x.actual_rul_s},
                      {"percent_error", x.percent_error},
                      {"phm_accuracy", x.accuracy},
                      {"over_3x_within_1h", x.over_3x_within_1h}});
    }
    folds.push_back({{"held_out", f.held_out},
                     {"life_s", f.life_s},
                     {"selection", to_json(f.trained.selection)},
                     {"prior", model::to_json(f.trained.model.prior)},
                     {"fleet", model::to_json(f.trained.model.fleet)},
                     {"accuracy", to_json(r.accuracy_by_life[i])},
                     {"rows", rows}});
  }
  nlohmann::json by_fraction = nlohmann::json::array();
  for (std::size_t k = 0; k < r.fractions.size(); ++k) {
    nlohmann::json d = to_json(r.accuracy_by_fraction[k]);
    d["fraction"] = r.fractions[k];
    by_fraction.push_back(d);
  }
  return {{"folds", folds},
          {"accuracy", to_json(r.accuracy)},
          {"accuracy_by_fraction", by_fraction},
          {"within_1h", r.within_1h},
          {"over_3x_within_1h", r.over_3x_within_1h}};
}

}  // namespace vigil::eval
