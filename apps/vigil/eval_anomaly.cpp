// vigil eval anomaly femto|ims (see eval_anomaly.hpp). The evaluation is eval/life_anomaly.hpp and
// eval/snapshot_anomaly.hpp; this file reads, wires and prints.
#include "eval_anomaly.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "dsp/bearing.hpp"
#include "eval/life_anomaly.hpp"
#include "eval/rul_evaluation.hpp"
#include "eval/snapshot_anomaly.hpp"
#include "exit_codes.hpp"
#include "io/femto.hpp"
#include "io/ims.hpp"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;

struct EvalAnomalyFemtoOptions {
  std::string dir;
  std::optional<double> speed_rpm;
  std::string cache;
  eval::LifeAnomalyConfig config;
  bool json = false;
};

// "12.3 %" or "-" for NaN.
std::string percent_or_dash(double fraction) {
  return std::isnan(fraction) ? std::string("-") : fmt::format("{:.1f} %", 100 * fraction);
}

int run_eval_anomaly_femto(const EvalAnomalyFemtoOptions& o) {
  const char* command = "eval anomaly femto";
  if (auto ok = eval::validate(o.config); !ok) return report_error(command, ok.error());
  auto bearings = io::find_femto_bearings(o.dir);
  if (!bearings) return report_error(command, bearings.error());
  const dsp::BearingGeometry& geometry = *dsp::find_bearing("pronostia");
  nlohmann::json lives = nlohmann::json::array();
  std::vector<eval::LifeAnomalyResult> results;
  for (std::size_t i = 0; i < bearings->size(); ++i) {
    const io::FemtoBearing& b = (*bearings)[i];
    auto speed = io::femto_speed_rpm(b, o.speed_rpm);
    if (!speed) return report_error(command, speed.error());
    const auto started = std::chrono::steady_clock::now();
    auto life = eval::read_femto_life(b.dir, b.name, geometry, *speed, {}, o.cache);
    if (!life) return report_error(command, life.error());
    auto r = eval::evaluate_life_anomaly(*life, o.config);
    if (!r) return report_error(command, r.error());
    fmt::print(stderr, "vigil {}: [{}/{}] {}: {} snapshots, life {:.0f} s, {:.1f} s\n", command, i + 1,
               bearings->size(), b.name, r->snapshots, r->life_s,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    lives.push_back(eval::to_json(*r));
    results.push_back(std::move(*r));
  }
  if (o.json) {
    std::cout << nlohmann::json{{"source", fs::absolute(o.dir).lexically_normal().string()},
                                {"config", eval::to_json(o.config)},
                                {"lives", lives}}
                     .dump(2)
              << "\n";
    return k_exit_ok;
  }
  fmt::print("{:<11} {:>7} {:>9} {:<9} {:>10} {:>11} {:>7} {:>12} {:>12} {:>10}\n", "bearing", "life_s",
             "baseline", "detector", "threshold", "healthy_exc", "raises", "first_alarm", "held_from",
             "held_lead");
  for (const auto& r : results) {
    for (const auto& d : r.detectors) {
      fmt::print(
          "{:<11} {:>7.0f} {:>9} {:<9} {:>10.4g} {:>11} {:>7} {:>12} {:>12} {:>10}\n", r.life, r.life_s,
          fmt::format("{}+{}", r.fit_snapshots, r.calibration_snapshots), eval::to_string(d.detector),
          d.threshold, fmt::format("{}/{}", d.healthy_exceedances, d.healthy_snapshots), d.healthy_raises,
          percent_or_dash(d.first_alarm_s / r.life_s), percent_or_dash(d.held_from_s / r.life_s),
          std::isnan(d.held_from_s) ? std::string("-") : fmt::format("{:.0f} s", r.life_s - d.held_from_s));
    }
  }
  const auto& c = o.config;
  fmt::print(
      "\nEach bearing's model: fitted on its first {:g} s (fit + calibration snapshots, alternating), "
      "threshold at "
      "a false-alarm budget of {:g} per snapshot;\nalarm raised at {} of {} snapshots above it, cleared "
      "after {} "
      "without. Healthy part: after the baseline up to {:.0f} % of life (healthy_exc: snapshots above the "
      "threshold there;\nraises: alarms raised there). first_alarm, held_from: first raise, and the raise of "
      "the "
      "alarm still on at the end, as % of life; held_lead: life left then.\n",
      c.baseline_s, c.false_alarm_rate, c.persistence.raise_n, c.persistence.raise_m,
      c.persistence.clear_snapshots, 100 * c.healthy_fraction);
  return k_exit_ok;
}

struct EvalAnomalyImsOptions {
  std::vector<std::string> files;
  std::string bearing = "ZA-2115";
  double speed_rpm = 2000;
  eval::SnapshotAnomalyConfig config;
  bool json = false;
};

int run_eval_anomaly_ims(const EvalAnomalyImsOptions& o) {
  const char* command = "eval anomaly ims";
  auto geometry = dsp::find_bearing(o.bearing);
  if (!geometry) {
    fmt::print(stderr, "vigil {}: --bearing {}: unknown (see `vigil bearings`)\n", command, o.bearing);
    return k_exit_input;
  }
  std::vector<io::Recording> snapshots;
  for (const auto& f : o.files) {
    auto s = io::read_ims_snapshot(f);
    if (!s) return report_error(command, s.error());
    snapshots.push_back(std::move(s->recording));
  }
  auto r = eval::evaluate_snapshot_anomaly(snapshots.front(), std::span(snapshots).subspan(1), *geometry,
                                           o.speed_rpm, o.config);
  if (!r) return report_error(command, r.error());
  if (o.json) {
    std::cout << nlohmann::json{{"config", eval::to_json(o.config)},
                                {"bearing", o.bearing},
                                {"speed_rpm", o.speed_rpm},
                                {"report", eval::to_json(*r)}}
                     .dump(2)
              << "\n";
    return k_exit_ok;
  }
  fmt::print("reference {} ({:g} Hz)\n{:<8} {:>9} {:>10} {:<22} {:>9} {:>12} {:>10} {:>8}\n", r->reference,
             r->sample_rate_hz, "channel", "fit+cal", "threshold", "snapshot", "rms_g", "exceeding",
             "median_T2", "flagged");
  for (const auto& c : r->channels) {
    for (const auto& s : c.snapshots) {
      fmt::print("{:<8} {:>9} {:>10.4g} {:<22} {:>9.4f} {:>12} {:>10.4g} {:>8}\n", c.channel,
                 fmt::format("{}+{}", c.fit_windows, c.calibration_windows), c.threshold,
                 fs::path(s.snapshot).filename().string(), s.rms_g,
                 fmt::format("{}/{}", s.exceedances, s.windows), s.median_score, s.flagged ? "yes" : "no");
    }
  }
  const auto& c = o.config;
  fmt::print(
      "\nPer channel: fitted on the reference's {}-sample windows every {} samples (blocks of 64 alternately "
      "fit "
      "and calibrate), threshold at a false-alarm budget of {:g} per window;\nthe other snapshots' disjoint "
      "windows are scored; flagged: {} of {} consecutive windows above the threshold.\n",
      c.window_len, c.fit_hop, c.false_alarm_rate, c.persistence.raise_n, c.persistence.raise_m);
  return k_exit_ok;
}

}  // namespace

void add_eval_anomaly(CLI::App& eval) {
  CLI::App* cmd = eval.add_subcommand(
      "anomaly",
      "Per-asset anomaly models learned from each asset's own healthy running (femto DIR, ims FILE...)");
  cmd->require_subcommand(1);

  auto f = std::make_shared<EvalAnomalyFemtoOptions>();
  CLI::App* femto = cmd->add_subcommand("femto",
                                        "Each run-to-failure bearing's own anomaly model, fitted on its "
                                        "first minutes: false alarms on the healthy "
                                        "part of its life and when it alarms before the end, beside RMS and "
                                        "kurtosis thresholds at the same budget");
  femto
      ->add_option("dir", f->dir,
                   "A Learning_set-like folder of Bearing*_* folders (full 10 s cadence), or one")
      ->required();
  femto->add_option(
      "--rpm", f->speed_rpm,
      "Shaft speed in rpm for every bearing (default: from the name, Bearing1_* 1800, 2_* 1650, 3_* 1500)");
  femto->add_option("--cache", f->cache,
                    "Folder of per-bearing feature caches (the same as `eval femto --rul --cache`)");
  femto
      ->add_option("--baseline-s", f->config.baseline_s,
                   "Seconds of early running each bearing's model is fitted on")
      ->capture_default_str();
  femto
      ->add_option("--false-alarm-rate", f->config.false_alarm_rate,
                   "Per-snapshot alarm budget of every threshold")
      ->check(CLI::Range(1e-6, 0.4))
      ->capture_default_str();
  femto
      ->add_option("--healthy-fraction", f->config.healthy_fraction,
                   "Share of each life (from its start) counted as healthy running for the false alarms")
      ->capture_default_str();
  femto->add_flag("--json", f->json,
                  "Print one JSON object (config, lives with every detector) instead of the table");
  femto->callback([f] {
    const int rc = run_eval_anomaly_femto(*f);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });

  auto i = std::make_shared<EvalAnomalyImsOptions>();
  CLI::App* ims = cmd->add_subcommand(
      "ims",
      "Per-channel anomaly models fitted on one IMS snapshot (the reference, first file), scoring the other "
      "snapshots of the same test");
  ims->add_option("files", i->files, "IMS snapshot files: the healthy reference first, then those to score")
      ->required()
      ->expected(-2);
  ims->add_option("--bearing", i->bearing, "Bearing of every channel (see `vigil bearings`)")
      ->capture_default_str();
  ims->add_option("--rpm", i->speed_rpm, "Shaft speed in rpm")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  ims->add_option("--window", i->config.window_len, "Samples per window")
      ->check(CLI::Range(std::size_t{256}, std::size_t{1} << 20))
      ->capture_default_str();
  ims->add_option("--false-alarm-rate", i->config.false_alarm_rate,
                  "Per-window alarm budget of the threshold")
      ->check(CLI::Range(1e-6, 0.4))
      ->capture_default_str();
  ims->add_flag("--json", i->json, "Print one JSON object instead of the table");
  ims->callback([i] {
    const int rc = run_eval_anomaly_ims(*i);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace vigil::cli
