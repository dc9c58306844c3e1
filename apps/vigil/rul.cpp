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

// Every bearing of a learning folder, with progress on stderr.
Result<std::vector<model::LifeFeatures>> read_lives(const fs::path& dir, const dsp::BearingGeometry& bearing,
                                                    std::optional<double> speed_rpm, std::string_view who,
                                                    const std::string& cache_dir) {
  auto bearings = io::find_femto_bearings(dir);
  if (!bearings) return std::unexpected(bearings.error());
  std::vector<model::LifeFeatures> lives;
  for (std::size_t i = 0; i < bearings->size(); ++i) {
    const io::FemtoBearing& b = (*bearings)[i];
    auto speed = io::femto_speed_rpm(b, speed_rpm);
    if (!speed) return std::unexpected(speed.error());
    const auto started = std::chrono::steady_clock::now();
    auto life = eval::read_femto_life(b.dir, b.name, bearing, *speed, {}, cache_dir);
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
  std::string cache;  // feature cache folder; empty = none
};

// "schema_t2, alpha 0.01, q fleet 0.2 / degradation 0.3"
std::string candidate_name(const eval::RulCandidate& c) {
  return fmt::format("{:<16} alpha {:<6} q fleet {:<3} / degradation {:<3}", model::to_string(c.kind),
                     c.false_alarm_probability, c.point.fleet, c.point.degradation);
}

// The inner choice as a table: one line per candidate, the chosen one marked.
void print_selection(const eval::RulSelection& s) {
  for (std::size_t c = 0; c < s.grid.size(); ++c) {
    const double a = s.mean_accuracy[c];
    fmt::print("  {} {}  {}\n", c == s.chosen ? '*' : ' ', candidate_name(s.grid[c]),
               std::isfinite(a)
                   ? fmt::format("over 3x under 1 h {:>2}  mean A {:.3f}", s.over_3x_within_1h[c], a)
                   : std::string("(no fit)"));
  }
}

int run_train_rul(const TrainRulOptions& o) {
  auto error = [](const auto& message) {
    fmt::print(stderr, "vigil train rul: {}\n", message);
    return 2;
  };
  auto bearing = dsp::find_bearing(o.bearing);
  if (!bearing) return error(fmt::format("--bearing {}: unknown (see `vigil bearings`)", o.bearing));
  auto lives = read_lives(o.dir, *bearing, o.speed_rpm, "vigil train rul", o.cache);
  if (!lives) return report_error("train rul", lives.error());
  const auto grid = eval::default_rul_candidates();
  const auto fractions = eval::default_truncation_fractions();
  auto trained = eval::train_rul(*lives, grid, fractions);
  if (!trained) return report_error("train rul", trained.error());
  const model::RulModel& m = trained->model;

  std::size_t snapshots = 0;
  nlohmann::json bearings = nlohmann::json::array();
  for (std::size_t i = 0; i < lives->size(); ++i) {
    const auto& l = (*lives)[i];
    const model::AssetFit& a = trained->prior_fit.assets[i];
    snapshots += l.time_s.size();
    auto or_null = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    bearings.push_back({{"name", l.name},
                        {"snapshots", l.time_s.size()},
                        {"life_s", l.time_s.back() - l.time_s.front()},
                        {"used", a.used},
                        {"onset_s", or_null(a.onset_s)},
                        {"alarm_s", or_null(a.detected_s)}});
  }
  auto bundle = model::make_rul_bundle(m, {{"source", fs::absolute(o.dir).lexically_normal().string()},
                                           {"layout", "femto"},
                                           {"bearing", bearing->name},
                                           {"bearings", bearings},
                                           {"bearing_count", lives->size()},
                                           {"snapshots", snapshots},
                                           {"selection", eval::to_json(trained->selection)},
                                           {"truncation_fractions", fractions}});
  if (!bundle) return report_error("train rul", bundle.error());
  if (auto ok = model::write_bundle(o.out, *bundle); !ok) return report_error("train rul", ok.error());
  fmt::print(
      "Defaults chosen by leave-one-bearing-out over the {} training bearings ({} truncations each):\n",
      lives->size(), fractions.size());
  print_selection(trained->selection);
  const model::DegradationPrior& p = m.prior;
  fmt::print(
      "wrote {}: {} score, false-alarm budget {}, point quantiles {} (fleet) / {} (degradation); prior from "
      "{} "
      "of {} bearings ({} snapshots); onset-to-failure growth {:.3g}/s (sd {:.3g}); fleet lives Weibull "
      "shape {:.2f}, scale {:.0f} s\n",
      o.out, model::to_string(m.score.kind), m.config.health.false_alarm_probability, m.config.point.fleet,
      m.config.point.degradation, p.training_assets, lives->size(), snapshots, p.beta_mean_per_s,
      std::sqrt(p.beta_var_per_s2), m.fleet.shape, m.fleet.scale_s);
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
  const std::string sentence = model::rul_sentence(*r, m->config.interval_probability);
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
                                {"fleet_point_quantile", m->config.point.fleet},
                                {"degradation_point_quantile", m->config.point.degradation},
                                {"basis", model::to_string(e.basis)},
                                {"age_s", e.age_s},
                                {"health_index", e.health_index},
                                {"health", model::health_share(m->prior, e.health_index)},
                                {"onset_s", or_null(e.onset_found, e.onset_s)},
                                {"alarm_s", or_null(e.onset_found, r->detected_s)},
                                {"summary", sentence}}
                     .dump(2)
              << "\n";
  } else {
    fmt::print(
        "{}: {} snapshots to {:.0f} s, health {:.2f} (1 = as at its healthy start, 0 = the fleet's failure "
        "level; "
        "health index {:.2f}, 1 at its healthy start, rising with damage)\n{}\n",
        life->name, r->snapshots, e.time_s, model::health_share(m->prior, e.health_index), e.health_index,
        sentence);
  }
  return 0;
}

}  // namespace

int run_eval_femto_rul(const std::string& dir, std::optional<double> speed_rpm, bool json,
                       const std::string& cache_dir) {
  auto error = [](const auto& message) {
    fmt::print(stderr, "vigil eval femto: {}\n", message);
    return 2;
  };
  auto lives =
      read_lives(dir, *dsp::find_bearing("pronostia"), speed_rpm, "vigil eval femto --rul", cache_dir);
  if (!lives) {
    return error(
        fmt::format("{} (--rul needs a Learning_set-like folder of at least 5 run-to-failure bearings)",
                    lives.error().message));
  }
  const auto grid = eval::default_rul_candidates();
  const auto fractions = eval::default_truncation_fractions();
  const auto started = std::chrono::steady_clock::now();
  auto report = eval::evaluate_rul_nested(*lives, grid, fractions);
  if (!report) return report_error("eval femto", report.error());
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (json) {
    nlohmann::json j = eval::to_json(*report);
    j["evaluation_s"] = elapsed_s;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  fmt::print(
      "\nNested leave-one-bearing-out RUL: each bearing held out in turn; score kind, alarm budget and point "
      "quantiles chosen by an inner\nleave-one-bearing-out over the other bearings only (fewest estimates "
      "over 3x an actual RUL under 1 h, then largest mean A); the held-out "
      "bearing "
      "truncated at {} points ({:.0f}-{:.0f} % of life).\n",
      fractions.size(), 100 * fractions.front(), 100 * fractions.back());
  for (const auto& f : report->folds) {
    const eval::RulSelection& s = f.trained.selection;
    fmt::print(
        "\n{} (life {:.0f} s) held out; chosen on the other bearings: {} (inner: {} over 3x under 1 h, mean "
        "A "
        "{:.3f})\n",
        f.held_out, f.life_s, candidate_name(s.grid[s.chosen]), s.over_3x_within_1h[s.chosen],
        s.mean_accuracy[s.chosen]);
    fmt::print("{:>5} {:>7} {:>5} {:>6} {:>11} {:>8} {:>19} {:>8} {:>8} {:>6}\n", "cut", "t_s", "onset", "HI",
               "basis", "RUL_s", "90% interval_s", "ActRUL_s", "Er%", "A");
    for (const auto& r : f.rows) {
      const model::RulEstimate& e = r.estimate;
      fmt::print(
          "{:>4.0f}% {:>7.0f} {:>5} {:>6.2f} {:>11} {:>8.0f} [{:>8.0f},{:>8.0f}] {:>8.0f} {:>8.1f} "
          "{:>6.3f}{}\n",
          100 * r.fraction, e.time_s, e.onset_found ? "yes" : "no", e.health_index, model::to_string(e.basis),
          e.rul_s, e.rul_low_s, e.rul_high_s, r.actual_rul_s, r.percent_error, r.accuracy,
          r.over_3x_within_1h ? "  > 3x ActRUL < 1 h" : "");
    }
  }
  auto line = [](std::string_view label, const eval::Distribution& d) {
    fmt::print("{:<12} {:>4} {:>6.3f} {:>6.3f} {:>6.3f} {:>6.3f} {:>6.3f} {:>6.3f} {:>6.3f} {:>6.3f}\n",
               label, d.count, d.mean, d.min, d.q10, d.q25, d.median, d.q75, d.q90, d.max);
  };
  fmt::print("\nPHM 2012 accuracy A (nested: no choice saw the held-out bearing)\n");
  fmt::print("{:<12} {:>4} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}\n", "", "n", "mean", "min", "q10",
             "q25", "median", "q75", "q90", "max");
  for (std::size_t i = 0; i < report->folds.size(); ++i)
    line(report->folds[i].held_out, report->accuracy_by_life[i]);
  for (std::size_t k = 0; k < fractions.size(); ++k) {
    line(fmt::format("cut {:.0f} %", 100 * fractions[k]), report->accuracy_by_fraction[k]);
  }
  line("all", report->accuracy);
  fmt::print("Estimates over 3x the actual RUL when it is under one hour: {} of {}\n",
             report->over_3x_within_1h, report->within_1h);
  fmt::print("Evaluation (after feature extraction): {:.1f} s\n", elapsed_s);
  return 0;
}

CLI::App* add_train(CLI::App& app) {
  CLI::App* train = app.add_subcommand("train", "Learn a model from data and write it as a bundle (.vigil)");
  train->require_subcommand(1);
  auto o = std::make_shared<TrainRulOptions>();
  CLI::App* cmd = train->add_subcommand(
      "rul",
      "Learn `vigil rul`'s model from run-to-failure bearings: score kind, alarm budget and point quantiles "
      "chosen by leave-one-bearing-out, then the degradation prior and the fleet life law from all of them");
  cmd->add_option("dir", o->dir,
                  "A Learning_set-like folder of Bearing* folders (FEMTO layout), each run to failure")
      ->required();
  cmd->add_option("--out", o->out, "Bundle to write")->capture_default_str();
  cmd->add_option("--bearing", o->bearing, "Bearing model (catalogue name)")->capture_default_str();
  cmd->add_option(
      "--rpm", o->speed_rpm,
      "Shaft speed in rpm for every bearing (default: from the name, Bearing1_* 1800, 2_* 1650, 3_* 1500)");
  cmd->add_option(
      "--cache", o->cache,
      "Folder for per-bearing feature caches (read when they match the folder, written otherwise)");
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
