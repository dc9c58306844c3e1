// vigil train rul / vigil rul / vigil eval femto --rul (see rul.hpp). The score, health index, prior and
// estimate come from model/rul_pipeline.hpp; here: FEMTO folders in, tables / JSON / a sentence out.
#include "rul.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "dsp/bearing.hpp"
#include "eval/rul_evaluation.hpp"
#include "exit_codes.hpp"
#include "io/femto.hpp"
#include "model/bundle.hpp"
#include "model/rul_pipeline.hpp"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::array<double, 3> k_cut_fractions{0.5, 0.7, 0.9};
constexpr double k_early_fraction = 0.3;

// Every bearing of a learning folder, with progress on stderr.
Result<std::vector<model::LifeFeatures>> read_lives(const fs::path& dir, const dsp::BearingGeometry& bearing,
                                                    std::optional<double> speed_rpm,
                                                    const model::RulScoreConfig& score,
                                                    std::string_view who) {
  auto bearings = io::find_femto_bearings(dir);
  if (!bearings) return std::unexpected(bearings.error());
  std::vector<model::LifeFeatures> lives;
  for (std::size_t i = 0; i < bearings->size(); ++i) {
    const io::FemtoBearing& b = (*bearings)[i];
    auto speed = io::femto_speed_rpm(b, speed_rpm);
    if (!speed) return std::unexpected(speed.error());
    const auto started = std::chrono::steady_clock::now();
    auto life = eval::read_femto_life(b.dir, b.name, bearing, *speed, score);
    if (!life) return std::unexpected(life.error());
    fmt::print(stderr, "{}: [{}/{}] {}: {} snapshots, life {:.0f} s, {:.1f} s\n", who, i + 1,
               bearings->size(), life->name, life->time_s.size(), life->time_s.back(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    lives.push_back(std::move(*life));
  }
  return lives;
}

// --- vigil train rul ---

struct TrainRulOptions {
  std::string dir;
  std::string out = "rul.vigil";
  std::string bearing = "pronostia";
  std::optional<double> speed_rpm;
  std::string score;  // score kind; empty = the default
};

// The score config of a --score value (empty: the default kind).
Result<model::RulScoreConfig> score_config(const std::string& kind) {
  model::RulScoreConfig score;
  if (kind.empty()) return score;
  auto k = model::parse_rul_score_kind(kind);
  if (!k) return std::unexpected(k.error());
  score.kind = *k;
  return score;
}

int run_train_rul(const TrainRulOptions& o) {
  auto error = [](const auto& message) {
    fmt::print(stderr, "vigil train rul: {}\n", message);
    return 2;
  };
  auto bearing = dsp::find_bearing(o.bearing);
  if (!bearing) return error(fmt::format("--bearing {}: unknown (see `vigil bearings`)", o.bearing));
  auto score_or = score_config(o.score);
  if (!score_or) return error(fmt::format("--score: {}", score_or.error().message));
  const model::RulScoreConfig score = *score_or;
  const model::RulConfig config;
  auto lives = read_lives(o.dir, *bearing, o.speed_rpm, score, "vigil train rul");
  if (!lives) return report_error("train rul", lives.error());
  auto fit = model::fit_rul_prior(*lives, config, score);
  if (!fit) return report_error("train rul", fit.error());

  std::size_t snapshots = 0;
  nlohmann::json bearings = nlohmann::json::array();
  for (std::size_t i = 0; i < lives->size(); ++i) {
    const auto& l = (*lives)[i];
    const model::AssetFit& a = fit->assets[i];
    snapshots += l.time_s.size();
    auto or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    bearings.push_back({{"name", l.name},
                        {"snapshots", l.time_s.size()},
                        {"life_s", l.time_s.back()},
                        {"used", a.used},
                        {"onset_s", or_null(a.onset_s)},
                        {"alarm_s", or_null(a.detected_s)}});
  }
  const model::RulModel m{fit->prior, config, score};
  auto bundle = model::make_rul_bundle(m, {{"source", fs::absolute(o.dir).lexically_normal().string()},
                                           {"layout", "femto"},
                                           {"bearing", bearing->name},
                                           {"bearings", bearings},
                                           {"bearing_count", lives->size()},
                                           {"snapshots", snapshots}});
  if (!bundle) return report_error("train rul", bundle.error());
  if (auto ok = model::write_bundle(o.out, *bundle); !ok) return report_error("train rul", ok.error());
  const model::DegradationPrior& p = fit->prior;
  fmt::print(
      "wrote {}: RUL prior ({} score) from {} of {} bearings ({} snapshots); onset-to-failure growth "
      "{:.3g}/s (sd {:.3g}), failure at health index {:.1f}\n",
      o.out, model::to_string(score.kind), p.training_assets, lives->size(), snapshots, p.beta_mean_per_s,
      std::sqrt(p.beta_var_per_s2), std::exp(p.failure_log_level) + p.phi);
  return 0;
}

// --- vigil rul ---

struct RulOptions {
  std::string dir;
  std::string bearing = "pronostia";
  std::optional<double> speed_rpm;
  std::string model_path;
  bool json = false;
};

// --model, else $VIGIL_MODELS/rul.vigil, else ../models/rul.vigil beside the executable (build/models).
Result<fs::path> find_model(const std::string& given) {
  if (!given.empty()) return fs::path(given);
  std::vector<fs::path> tried;
  if (const char* env = std::getenv("VIGIL_MODELS"); env != nullptr && *env != '\0') {
    tried.push_back(fs::path(env) / "rul.vigil");
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) tried.push_back((exe.parent_path() / ".." / "models" / "rul.vigil").lexically_normal());
  for (const auto& p : tried) {
    if (fs::is_regular_file(p, ec)) return p;
  }
  std::string where;
  for (const auto& p : tried) where += (where.empty() ? "" : ", ") + p.string();
  return fail(
      ErrorCode::not_found,
      "no RUL model found (looked for {}); create one with `make models` or "
      "`vigil train rul LEARNING_DIR --out rul.vigil`, then pass --model rul.vigil or set VIGIL_MODELS",
      where.empty() ? std::string("nothing") : where);
}

int run_rul(const RulOptions& o) {
  auto error = [](const auto& message) {
    fmt::print(stderr, "vigil rul: {}\n", message);
    return 2;
  };
  auto bearing = dsp::find_bearing(o.bearing);
  if (!bearing) return error(fmt::format("--bearing {}: unknown (see `vigil bearings`)", o.bearing));
  auto found = io::find_femto_bearings(o.dir);
  if (!found) return report_error("rul", found.error());
  if (found->size() != 1) {
    return error(
        fmt::format("{}: holds {} bearing folders; give one bearing's folder", o.dir, found->size()));
  }
  const io::FemtoBearing& target = found->front();
  auto speed = io::femto_speed_rpm(target, o.speed_rpm);
  if (!speed) return report_error("rul", speed.error());
  auto path = find_model(o.model_path);
  if (!path) return report_error("rul", path.error());
  auto bundle = model::read_bundle(*path, model::ModelKind::rul, model::k_rul_score_version);
  if (!bundle) {
    return error(
        fmt::format("{}: not a usable RUL model: {} (a bundle from another build: retrain it with "
                    "`vigil train rul` or `make models`)",
                    path->string(), bundle.error().message));
  }
  auto m = model::rul_model_from_bundle(*bundle);
  if (!m) return error(fmt::format("{}: not a usable RUL model: {}", path->string(), m.error().message));
  auto life = eval::read_femto_life(target.dir, target.name, *bearing, *speed, m->score);
  if (!life) return report_error("rul", life.error());
  auto r = model::replay_rul(*m, *life);
  if (!r) return report_error("rul", r.error());
  const model::RulEstimate& e = r->estimate;
  const std::string sentence = model::rul_sentence(*r, m->config.interval_probability, m->config.horizon_s);
  if (o.json) {
    auto or_null = [](bool ok, double v) { return ok ? nlohmann::json(v) : nlohmann::json(nullptr); };
    std::cout << nlohmann::json{{"source", fs::absolute(o.dir).lexically_normal().string()},
                                {"model", path->string()},
                                {"score_kind", model::to_string(m->score.kind)},
                                {"snapshots", r->snapshots},
                                {"time_s", e.time_s},
                                {"rul_s", e.rul_s},
                                {"rul_low_s", e.rul_low_s},
                                {"rul_high_s", e.rul_high_s},
                                {"interval_probability", m->config.interval_probability},
                                {"horizon_s", m->config.horizon_s},
                                {"health_index", e.health_index},
                                {"onset_s", or_null(e.onset_found, e.onset_s)},
                                {"alarm_s", or_null(e.onset_found, r->detected_s)},
                                {"summary", sentence}}
                     .dump(2)
              << "\n";
  } else {
    fmt::print("{}: {} snapshots to {:.0f} s, health index {:.2f}\n{}\n", life->name, r->snapshots, e.time_s,
               e.health_index, sentence);
  }
  return 0;
}

std::string or_dash(bool ok, double v) { return ok ? fmt::format("{:.0f}", v) : std::string("-"); }

}  // namespace

int run_eval_femto_rul(const std::string& dir, std::optional<double> speed_rpm, bool json,
                       const std::string& score_kind) {
  auto error = [](const auto& message) {
    fmt::print(stderr, "vigil eval femto: {}\n", message);
    return 2;
  };
  auto score_or = score_config(score_kind);
  if (!score_or) return error(fmt::format("--score: {}", score_or.error().message));
  const model::RulScoreConfig score = *score_or;
  const model::RulConfig config;
  auto lives = read_lives(dir, *dsp::find_bearing("pronostia"), speed_rpm, score, "vigil eval femto --rul");
  if (!lives) {
    return error(
        fmt::format("{} (--rul needs a Learning_set-like folder of at least 3 run-to-failure bearings)",
                    lives.error().message));
  }
  auto report = eval::evaluate_rul_lobo(*lives, config, score, k_cut_fractions, k_early_fraction);
  if (!report) return report_error("eval femto", report.error());
  if (json) {
    nlohmann::json j = eval::to_json(*report);
    j["score_kind"] = model::to_string(score.kind);
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  fmt::print("\nLeave-one-bearing-out RUL (prior from the other bearings only), score {}\n",
             model::to_string(score.kind));
  fmt::print("{:<11} {:>7} {:>8} {:>8} {:>8} {:>7} {:>11}\n", "bearing", "life_s", "onset_s", "alarm_s",
             "lead_s", "alarm%", "first 30%");
  for (const auto& l : report->lives) {
    fmt::print("{:<11} {:>7.0f} {:>8} {:>8} {:>8} {:>7} {:>11}\n", l.name, l.life_s,
               or_dash(l.alarm, l.onset_s), or_dash(l.alarm, l.detected_s), or_dash(l.alarm, l.lead_s),
               l.alarm ? fmt::format("{:.1f}%", 100 * l.detected_s / l.life_s) : std::string("-"),
               l.early_alarm ? "FALSE ALARM" : "none");
  }
  fmt::print("\n{:<11} {:>4} {:>7} {:>5} {:>6} {:>8} {:>19} {:>8} {:>8} {:>6}\n", "held out", "cut", "t_s",
             "onset", "HI", "RUL_s", "90% interval_s", "ActRUL_s", "Er%", "A");
  for (const auto& l : report->lives) {
    for (const auto& c : l.cuts) {
      const model::RulEstimate& e = c.replay.estimate;
      auto s = [&](double v) {
        return v >= config.horizon_s ? std::string("inf") : fmt::format("{:.0f}", v);
      };
      fmt::print("{:<11} {:>3.0f}% {:>7.0f} {:>5} {:>6.2f} {:>8} [{:>8},{:>8}] {:>8.0f} {:>8.1f} {:>6.3f}\n",
                 l.name, 100 * c.fraction, e.time_s, e.onset_found ? "yes" : "no", e.health_index, s(e.rul_s),
                 s(e.rul_low_s), s(e.rul_high_s), c.actual_rul_s, c.percent_error, c.accuracy);
    }
  }
  fmt::print("\nPHM 2012 score (mean A over {} bearings):", report->lives.size());
  for (std::size_t c = 0; c < report->fractions.size(); ++c) {
    fmt::print(" {:.0f} %: {:.3f};", 100 * report->fractions[c], report->phm_score_per_cut[c]);
  }
  fmt::print(" all cuts: {:.3f}\n", report->phm_score_all);
  fmt::print("Alarms before end of life: {}/{}; alarms in the first {:.0f} % of life: {}\n",
             report->alarms_before_end, report->lives.size(), 100 * report->early_fraction,
             report->early_alarms);
  return 0;
}

CLI::App* add_train(CLI::App& app) {
  CLI::App* train = app.add_subcommand("train", "Learn a model from data and write it as a bundle (.vigil)");
  train->require_subcommand(1);
  auto o = std::make_shared<TrainRulOptions>();
  CLI::App* cmd = train->add_subcommand(
      "rul", "Learn the degradation prior and failure level for `vigil rul` from run-to-failure bearings");
  cmd->add_option("dir", o->dir,
                  "A Learning_set-like folder of Bearing* folders (FEMTO layout), each run to failure")
      ->required();
  cmd->add_option("--out", o->out, "Bundle to write")->capture_default_str();
  cmd->add_option("--bearing", o->bearing, "Bearing model (catalogue name)")->capture_default_str();
  cmd->add_option(
      "--rpm", o->speed_rpm,
      "Shaft speed in rpm for every bearing (default: from the name, Bearing1_* 1800, 2_* 1650, 3_* 1500)");
  cmd->add_option("--score", o->score,
                  fmt::format("Per-snapshot anomaly score: log_rms_kurtosis or schema_t2 (default: {}; "
                              "docs/rul.md); recorded in the bundle",
                              model::to_string(model::RulScoreConfig{}.kind)))
      ->check(CLI::IsMember({"log_rms_kurtosis", "schema_t2"}));
  cmd->callback([o] {
    const int rc = run_train_rul(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
  return train;
}

void add_rul_commands(CLI::App& app) {
  add_train(app);
  auto o = std::make_shared<RulOptions>();
  CLI::App* cmd = app.add_subcommand("rul",
                                     "Remaining useful life of a bearing from its folder of vibration "
                                     "snapshots (FEMTO layout, index order)");
  cmd->add_option("dir", o->dir, "Folder of acc_NNNNN.csv snapshots of one bearing")->required();
  cmd->add_option("--bearing", o->bearing, "Bearing model (catalogue name)")->capture_default_str();
  cmd->add_option("--rpm", o->speed_rpm, "Shaft speed in rpm (default: from a BearingC_N folder name)");
  cmd->add_option(
      "--model", o->model_path,
      "RUL bundle (default: $VIGIL_MODELS/rul.vigil, else ../models/rul.vigil beside the executable)");
  cmd->add_flag("--json", o->json, "Print one JSON object instead of the sentence");
  cmd->callback([o] {
    const int rc = run_rul(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace vigil::cli
